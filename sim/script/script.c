/* script.c: the Lua sandbox a scenario runs in.
**
** A scenario is code from other people, so this file assumes it is hostile:
** - only base, table, string, math and utf8 are opened; dofile, loadfile,
**   collectgarbage, require, string.dump and math.randomseed are removed
**   (a scenario gets its own require, reading only inside its folder:
**   script_files.c);
**   `load` takes text only; setmetatable refuses __gc (Lua 5.4 runs finalizers
**   with debug hooks off, so a looping finalizer could not be stopped);
** - library functions that can run long inside C (pattern matching,
**   string.rep, table.move) charge their worst case to the budget
**   (script_bound.c);
** - the allocator caps the heap at limits.mem_bytes (declaration records made
**   by script_api.c are counted against the same cap);
** - a count hook charges CS_SCRIPT_HOOK_STEP instructions per call against
**   the budget of the current entry; once it is spent the hook fires on every
**   instruction, so a script that catches the error with pcall cannot go on;
** - math.random draws from the scenario's own PCG stream, so a run's random
**   numbers depend only on (seed, replicate).
**
** The one entry from C into Lua is cs_script_pcall: every Lua API call that
** can raise (any allocation can) happens inside it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cs_rng.h"
#include "script_int.h"

/* Room the message handler may use beyond the cap to report the error. */
#define CS_SCRIPT_SLACK (256u * 1024u)

void cs_script_limits_default(cs_script_limits *l) {
  l->mem_bytes = (size_t)256 << 20;
  l->load_instructions = 100000000u;
  l->callback_instructions = 10000000u;
  l->run_instructions = 20000000000u;
}

cs_script *cs_script_from(lua_State *L) {
  void *ud = NULL;
  lua_getallocf(L, &ud);
  return ud;
}

const char *cs_script_source(const cs_script *s, size_t *len) {
  if (len) *len = s->src_len;
  return s->src;
}

const char *cs_script_path(const cs_script *s) { return s->path; }

const char *cs_script_traceback(const cs_script *s) { return s->traceback; }

/* ---- memory ---- */

/* The lua_Alloc: fails (returns NULL) when growing past the cap; shrinking
** and freeing never fail, as Lua requires. */
static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  cs_script *s = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    s->mem_used -= old;
    return NULL;
  }
  if (nsize > old && s->mem_used - old + nsize > s->lim.mem_bytes + s->mem_slack) return NULL;
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  s->mem_used = s->mem_used - old + nsize;
  return p;
}

void *cs_script_alloc(lua_State *L, size_t n) {
  cs_script *s = cs_script_from(L);
  void *p = NULL;
  if (s->mem_used + n <= s->lim.mem_bytes) p = calloc(1, n ? n : 1);
  if (!p) luaL_error(L, "not enough memory (the scenario's limit is %I bytes)",
                     (lua_Integer)s->lim.mem_bytes);
  s->mem_used += n;
  return p;
}

char *cs_script_strdup(lua_State *L, const char *str) {
  size_t n = strlen(str) + 1;
  char *p = cs_script_alloc(L, n);
  memcpy(p, str, n);
  return p;
}

void cs_script_dealloc(cs_script *s, void *p, size_t n) {
  if (!p) return;
  free(p);
  s->mem_used -= n;
}

void cs_script_freestr(cs_script *s, char *str) {
  if (str) cs_script_dealloc(s, str, strlen(str) + 1);
}

/* ---- instruction budget ---- */

static void count_hook(lua_State *L, lua_Debug *ar) {
  cs_script *s = cs_script_from(L);
  if (s->w && cs_world_stop_asked(s->w)) { /* SIGINT or SIGTERM: a callback must not outlast it */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1); /* as for the budget: pcall cannot catch its way on */
    lua_pushstring(L, "interrupted");
    lua_error(L);
  }
  if (!s->exhausted) {
    s->used += CS_SCRIPT_HOOK_STEP;
    if (s->used <= s->budget) return;
    s->exhausted = 1;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
  }
  char msg[512];
  lua_getinfo(L, "Sl", ar);
  if (s->run_exhausted)
    snprintf(msg, sizeof msg, "the callbacks used up the run's instruction budget of %" PRIu64
             " (--run-budget)", s->lim.run_instructions);
  else if (ar->currentline > 0)
    snprintf(msg, sizeof msg, "%s:%d: instruction budget of %" PRIu64 " exhausted",
             ar->short_src, ar->currentline, s->budget);
  else
    snprintf(msg, sizeof msg, "instruction budget of %" PRIu64 " exhausted", s->budget);
  lua_pushstring(L, msg);
  lua_error(L);
}

void cs_script_check_live(lua_State *L, const char *fn) {
  if (cs_world_finished(cs_script_from(L)->w))
    luaL_error(L, "%s: the run has ended; the final state is read-only", fn);
}

void cs_script_charge(lua_State *L, uint64_t cost, const char *what) {
  cs_script *s = cs_script_from(L);
  if (!s->exhausted && s->used <= s->budget && cost <= s->budget - s->used) {
    s->used += cost;
    return;
  }
  s->exhausted = 1; /* as in count_hook: a pcall around this cannot go on */
  lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
  if (s->run_exhausted)
    luaL_error(L, "the callbacks used up the run's instruction budget of %I (--run-budget)",
               (lua_Integer)s->lim.run_instructions);
  luaL_error(L, "instruction budget of %I exhausted: %s could take up to %I steps here",
             (lua_Integer)s->budget, what, (lua_Integer)(cost > INT64_MAX ? INT64_MAX : cost));
}

void cs_script_budget_reset(cs_script *s, uint64_t budget) {
  if (s->counting_run) { /* the run's callbacks share a total budget */
    s->run_used += s->used + CS_SCRIPT_HOOK_STEP;
    if (s->run_used > s->lim.run_instructions) s->run_exhausted = 1;
  }
  if (s->run_exhausted) { /* no raising here (this may run outside a protected
                          ** call): the hook raises at the callback's first instruction */
    s->budget = 0;
    s->used = 0;
    s->exhausted = 1;
    lua_sethook(s->L, count_hook, LUA_MASKCOUNT, 1);
    return;
  }
  s->budget = budget;
  s->used = 0;
  s->exhausted = 0;
  lua_sethook(s->L, count_hook, LUA_MASKCOUNT, CS_SCRIPT_HOOK_STEP);
}

/* ---- the protected entry ---- */

/* Does msg already start with a "source:line: " prefix? */
static int has_location(const char *msg) {
  for (const char *p = msg; *p && *p != '\n'; p++) {
    if (*p != ':' || p[1] < '0' || p[1] > '9') continue;
    const char *q = p + 1;
    while (*q >= '0' && *q <= '9') q++;
    if (*q == ':') return 1;
  }
  return 0;
}

/* The message handler: make the error a string, give it the location of the
** innermost line of the scenario file when it has none, keep a traceback. */
static int msgh(lua_State *L) {
  cs_script *s = cs_script_from(L);
  s->mem_slack = CS_SCRIPT_SLACK;
  const char *msg = lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER
                        ? lua_tostring(L, 1)
                        : lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  if (strcmp(msg, "not enough memory") == 0)
    msg = lua_pushfstring(L, "not enough memory (the scenario's limit is %I bytes)",
                          (lua_Integer)s->lim.mem_bytes);
  /* Prefix the innermost line of the scenario file unless the message starts
  ** with it already (errors in chunks made by load() name their chunk). */
  lua_Debug ar;
  char where[512] = "";
  int found = 0;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
    int mine = ar.source[0] == '@' && strcmp(ar.source + 1, s->path) == 0;
    if (!found || mine) {
      snprintf(where, sizeof where, "%s:%d: ", ar.short_src, ar.currentline);
      found = 1 + mine;
    }
    if (mine) break;
  }
  if (!found) snprintf(where, sizeof where, "%s: ", s->path);
  int located = has_location(msg);
  if (!located || (found == 2 && strncmp(msg, where, strcspn(where, ":")) != 0))
    msg = lua_pushfstring(L, "%s%s", where, msg);
  luaL_traceback(L, L, NULL, 1);
  snprintf(s->traceback, sizeof s->traceback, "%s", lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_pushstring(L, msg);
  return 1;
}

void cs_script_callback_error(cs_script *s, const char *kind, double day) {
  char out[sizeof s->errbuf];
  size_t n = (size_t)snprintf(out, sizeof out, "%s (callback %s at day %.2f)", s->errbuf, kind, day);
  if (n >= sizeof out) n = sizeof out - 1;
  /* luaL_traceback: "stack traceback:\n\tFRAME\n\tFRAME..." */
  const char *p = strchr(s->traceback, '\n');
  int levels = 0, more = 0;
  while (p && *p) {
    const char *line = p + 1 + (p[1] == '\t');
    size_t len = strcspn(line, "\n");
    p = line[len] ? line + len : NULL;
    if (len == 0 || strncmp(line, "[C]: in ?", 9) == 0) continue; /* the sandbox's trampolines */
    if (levels == CS_SCRIPT_TRACE_LEVELS) {
      more = 1;
      break;
    }
    const char *head = levels++ == 0 ? "\ntraceback:" : "";
    int m = len > 200 ? 200 : (int)len;
    size_t need = strlen(head) + 3 + (size_t)m;
    if (n + need + 6 >= sizeof out) break;
    n += (size_t)snprintf(out + n, sizeof out - n, "%s\n  %.*s", head, m, line);
  }
  if (more && n + 6 < sizeof out) snprintf(out + n, sizeof out - n, "\n  ...");
  memcpy(s->errbuf, out, sizeof out);
}

int cs_script_pcall(cs_script *s, lua_CFunction f, void *arg, uint64_t budget) {
  lua_State *L = s->L;
  uint64_t old_budget = s->budget, old_used = s->used;
  int old_exhausted = s->exhausted, nested = s->depth > 0;
  int top = lua_gettop(L), rc = CS_OK;
  if (!lua_checkstack(L, 4)) {
    snprintf(s->errbuf, sizeof s->errbuf, "%s: Lua stack overflow", s->path);
    return CS_ESCRIPT;
  }
  lua_pushcfunction(L, msgh);
  lua_pushcfunction(L, f);
  lua_pushlightuserdata(L, arg);
  s->traceback[0] = '\0'; /* a memory error runs no handler: no stale traceback */
  cs_script_budget_reset(s, budget);
  s->depth++;
  int st = lua_pcall(L, 1, 0, top + 1);
  s->depth--;
  if (st != LUA_OK) {
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "unknown error";
    if (st == LUA_ERRMEM)
      snprintf(s->errbuf, sizeof s->errbuf, "%s: not enough memory (the scenario's limit is %zu bytes)",
               s->path, s->lim.mem_bytes);
    else if (st == LUA_ERRERR)
      snprintf(s->errbuf, sizeof s->errbuf, "%s: error while reporting an error (%s)", s->path, msg);
    else
      snprintf(s->errbuf, sizeof s->errbuf, "%s", msg);
    rc = CS_ESCRIPT;
  }
  lua_settop(L, top);
  s->mem_slack = 0;
  if (nested) {
    s->budget = old_budget;
    s->used = old_used;
    s->exhausted = old_exhausted;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, old_exhausted ? 1 : CS_SCRIPT_HOOK_STEP);
  }
  return rc;
}

/* ---- sandboxed replacements for base and math functions ---- */

#define RESERVEDSLOT 5

static const char *generic_reader(lua_State *L, void *ud, size_t *size) {
  (void)ud;
  luaL_checkstack(L, 2, "too many nested functions");
  lua_pushvalue(L, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    *size = 0;
    return NULL;
  }
  if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
  lua_replace(L, RESERVEDSLOT);
  return lua_tolstring(L, RESERVEDSLOT, size);
}

/* load(chunk [, chunkname [, mode [, env]]]) for text chunks only: the mode
** argument is ignored ("t" always); without env the chunk sees the sandbox's
** globals. Returns the function, or fail and a message, like Lua's. */
static int l_load(lua_State *L) {
  size_t len;
  const char *str = lua_tolstring(L, 1, &len);
  int env = !lua_isnone(L, 4) ? 4 : 0;
  int status;
  luaL_optstring(L, 3, "t");
  if (str != NULL) {
    const char *chunkname = luaL_optstring(L, 2, str);
    status = luaL_loadbufferx(L, str, len, chunkname, "t");
  } else {
    const char *chunkname = luaL_optstring(L, 2, "=(load)");
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, RESERVEDSLOT);
    status = lua_load(L, generic_reader, NULL, chunkname, "t");
  }
  if (status != LUA_OK) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  if (env != 0) {
    lua_pushvalue(L, env);
    if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
  }
  return 1;
}

/* setmetatable(t, mt) without finalizers: a metatable with a __gc field is
** refused (Lua marks an object for finalization only here, so adding __gc to
** the metatable later has no effect). */
static int l_setmetatable(lua_State *L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    int has_gc = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    if (has_gc) return luaL_error(L, "setmetatable: __gc finalizers are not allowed in a scenario");
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

void cs_script_set_log(cs_script *s, cs_script_log_fn log, void *ud) {
  s->log = log;
  s->log_ud = ud;
}

void cs_script_log(cs_script *s, const char *line) {
  if (s->quiet) return;
  if (s->log) s->log(s->log_ud, line);
  else fprintf(stderr, "%s\n", line);
}

/* print(...) to stderr (stdout belongs to the program), silent when quiet. */
static int l_print(lua_State *L) {
  cs_script *s = cs_script_from(L);
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  cs_script_log(s, lua_tostring(L, -1));
  return 0;
}

static uint64_t draw64(cs_pcg32 *r) {
  uint64_t hi = cs_pcg32_next(r);
  return hi << 32 | cs_pcg32_next(r);
}

/* math.random with Lua 5.4's interface on the scenario's stream: () a float
** in [0, 1), (m) an integer in [1, m], (m, n) an integer in [m, n], (0) an
** integer with all bits random. */
static int l_random(lua_State *L) {
  cs_script *s = cs_script_from(L);
  lua_Integer low, up;
  switch (lua_gettop(L)) {
  case 0:
    lua_pushnumber(L, (lua_Number)cs_rng_uniform(&s->rng));
    return 1;
  case 1:
    low = 1;
    up = luaL_checkinteger(L, 1);
    if (up == 0) {
      lua_pushinteger(L, (lua_Integer)draw64(&s->rng));
      return 1;
    }
    break;
  case 2:
    low = luaL_checkinteger(L, 1);
    up = luaL_checkinteger(L, 2);
    break;
  default:
    return luaL_error(L, "wrong number of arguments");
  }
  luaL_argcheck(L, low <= up, 1, "interval is empty");
  uint64_t lim = (uint64_t)up - (uint64_t)low, r;
  if (lim < UINT32_MAX) {
    r = cs_pcg32_bounded(&s->rng, (uint32_t)lim + 1);
  } else if (lim == UINT32_MAX) {
    r = cs_pcg32_next(&s->rng);
  } else {
    uint64_t mask = lim;
    mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4;
    mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32;
    do r = draw64(&s->rng) & mask; while (r > lim);
  }
  lua_pushinteger(L, (lua_Integer)((uint64_t)low + r));
  return 1;
}

/* ---- deterministic pairs ----
** Lua 5.4 seeds its string hash from the clock and addresses, so the order of
** next() differs between runs. pairs() here visits keys in a fixed order:
** booleans (false, true), then numbers ascending, then strings by bytes. A key
** of another type (a table, a function) has no reproducible order and is an
** error. The sort is charged to the instruction budget. */
typedef struct pkey {
  int rank;        /* 0 boolean, 1 number, 2 string */
  int isint;
  lua_Integer i;
  double d;
  const char *s;
  size_t len;
  int slot;        /* index in the key table */
} pkey;

static int pkey_cmp(const void *pa, const void *pb) {
  const pkey *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  if (a->rank == 2) {
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, m);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
  }
  if (a->isint && b->isint) return a->i < b->i ? -1 : a->i > b->i;
  double x = a->isint ? (double)a->i : a->d, y = b->isint ? (double)b->i : b->d;
  if (x != y) return x < y ? -1 : 1;
  return a->isint ? -1 : 1; /* an integer before a float of the same value */
}

static int pairs_iter(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE); /* a script may call the iterator itself */
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
  for (;;) {
    if (lua_rawgeti(L, lua_upvalueindex(1), ++i) == LUA_TNIL) return 0; /* key */
    lua_pushvalue(L, -1);
    if (lua_rawget(L, 1) != LUA_TNIL) break; /* skip keys set to nil meanwhile */
    lua_pop(L, 2);
  }
  lua_pushinteger(L, i);
  lua_replace(L, lua_upvalueindex(2));
  return 2;
}

static int l_pairs(lua_State *L) {
  luaL_checkany(L, 1);
  if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) { /* the table's own order */
    lua_pushvalue(L, 1);
    lua_call(L, 1, 3);
    return 3;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_newtable(L); /* keys, in traversal order for now */
  int keys = lua_gettop(L);
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    int t = lua_type(L, -1);
    if (t != LUA_TBOOLEAN && t != LUA_TNUMBER && t != LUA_TSTRING)
      return luaL_error(L, "pairs: a key of type %s has no reproducible order; keep such keys in an array",
                        lua_typename(L, t));
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, ++n);
  }
  pkey *pk = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *pk, 0);
  for (lua_Integer k = 1; k <= n; k++) {
    lua_rawgeti(L, keys, k);
    pkey *e = &pk[k - 1];
    memset(e, 0, sizeof *e);
    e->slot = (int)k;
    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN: e->rank = 0; e->isint = 1; e->i = lua_toboolean(L, -1); break;
    case LUA_TNUMBER:
      e->rank = 1;
      e->isint = lua_isinteger(L, -1);
      if (e->isint) e->i = lua_tointeger(L, -1);
      else e->d = lua_tonumber(L, -1);
      break;
    default: e->rank = 2; e->s = lua_tolstring(L, -1, &e->len); break; /* kept alive by keys */
    }
    lua_pop(L, 1);
  }
  cs_script *s = cs_script_from(L);
  s->used += (uint64_t)n * 8; /* the sort is work the hook cannot see */
  qsort(pk, (size_t)n, sizeof *pk, pkey_cmp);
  lua_createtable(L, (int)n, 0); /* keys in order */
  for (lua_Integer k = 0; k < n; k++) {
    lua_rawgeti(L, keys, pk[k].slot);
    lua_rawseti(L, -2, k + 1);
  }
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, pairs_iter, 2);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

static void set_field_nil(lua_State *L, int t, const char *k) {
  t = lua_absindex(L, t);
  lua_pushnil(L);
  lua_setfield(L, t, k);
}

/* Open the allowed libraries and strip them. Raises. */
static void sandbox_open(lua_State *L) {
  static const struct { const char *name; lua_CFunction open; } libs[] = {
      {LUA_GNAME, luaopen_base},         {LUA_TABLIBNAME, luaopen_table},
      {LUA_STRLIBNAME, luaopen_string},  {LUA_MATHLIBNAME, luaopen_math},
      {LUA_UTF8LIBNAME, luaopen_utf8},
  };
  for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
    luaL_requiref(L, libs[i].name, libs[i].open, 1);
    lua_pop(L, 1);
  }
  lua_pushglobaltable(L);
  int g = lua_gettop(L);
  set_field_nil(L, g, "dofile");
  set_field_nil(L, g, "loadfile");
  set_field_nil(L, g, "collectgarbage");
  set_field_nil(L, g, "require");
  lua_pushcfunction(L, l_load);
  lua_setfield(L, g, "load");
  lua_pushcfunction(L, l_setmetatable);
  lua_setfield(L, g, "setmetatable");
  lua_pushcfunction(L, l_print);
  lua_setfield(L, g, "print");
  lua_pushcfunction(L, l_pairs);
  lua_setfield(L, g, "pairs");
  lua_getfield(L, g, LUA_STRLIBNAME);
  set_field_nil(L, -1, "dump");
  lua_getfield(L, -1, "format");
  lua_setfield(L, LUA_REGISTRYINDEX, CS_REG_FORMAT);
  lua_pop(L, 1);
  lua_getfield(L, g, LUA_MATHLIBNAME);
  set_field_nil(L, -1, "randomseed");
  lua_pushcfunction(L, l_random);
  lua_setfield(L, -2, "random");
  lua_pop(L, 2);
  cs_script_bound_open(L);
  /* The registry's _LOADED keeps references to the libraries; scripts cannot
  ** reach the registry, but drop it anyway so nothing else points at them. */
  set_field_nil(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
}

/* The whole load, in one protected call: sandbox, API, overrides of model
** parameters, the body, then the declarations into the world. */
static int t_load(lua_State *L) {
  cs_script *s = lua_touserdata(L, 1);
  sandbox_open(L);
  cs_script_api_open(L);
  cs_script_files_open(L);
  cs_script_api_presets(L);
  const char *chunkname = lua_pushfstring(L, "@%s", s->path);
  if (luaL_loadbufferx(L, s->src, s->src_len, chunkname, "t") != LUA_OK) return lua_error(L);
  s->loading = 1;
  lua_call(L, 0, 0);
  s->loading = 0;
  cs_script_api_finish(L);
  return 0;
}

static int panic(lua_State *L) {
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
  fprintf(stderr, "conflictsim: unprotected error in a scenario: %s\n", msg);
  abort();
}

static void warn_noop(void *ud, const char *msg, int tocont) {
  (void)ud, (void)msg, (void)tocont;
}

int cs_script_source_or_file(cs_ctx *ctx, const char *path, const char *what, const char *src, size_t src_len,
                             char **out, size_t *out_len) {
  if (!src) return cs_script_read_source(ctx, path, what, out, out_len);
  if (!(*out = malloc(src_len + 1))) return cs_err(ctx, CS_ENOMEM, "out of memory");
  memcpy(*out, src, src_len);
  (*out)[src_len] = '\0';
  *out_len = src_len;
  return CS_OK;
}

int cs_script_read_source(cs_ctx *ctx, const char *path, const char *what, char **out, size_t *out_len) {
  /* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat refuses it */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", path, what, strerror(errno));
  return cs_script_read_fd(ctx, fd, path, what, out, out_len);
}

int cs_script_read_fd(cs_ctx *ctx, int fd, const char *path, const char *what, char **out, size_t *out_len) {
  struct stat st;
  int bad = fstat(fd, &st) != 0 ? errno : 0;
  if (bad || !S_ISREG(st.st_mode)) {
    close(fd);
    return cs_err(ctx, CS_EIO, "%s: cannot read the %s: %s", path, what,
                  bad ? strerror(bad) : S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
  }
  FILE *f = NULL;
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 || !(f = fdopen(fd, "rb"))) {
    int e = errno;
    close(fd);
    return cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", path, what, strerror(e));
  }
  int rc = CS_OK;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      rc = cs_err(ctx, CS_ENOMEM, "%s: out of memory reading the %s", path, what);
      break;
    }
    len += fread(buf + len, 1, cap - len - 1, f);
    if (ferror(f)) {
      rc = cs_err(ctx, CS_EIO, "%s: cannot read the %s: %s", path, what, strerror(errno));
      break;
    }
    if (feof(f)) break;
    if (len >= CS_SCRIPT_MAX_SOURCE) { /* the file grew past its stat size, or a special file slipped by */
      rc = cs_err(ctx, CS_EIO, "%s: the %s is larger than %d MiB", path, what, CS_SCRIPT_MAX_SOURCE >> 20);
      break;
    }
    if (len + 1 == cap) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) free(buf);
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (rc == CS_OK && len > CS_SCRIPT_MAX_SOURCE)
    rc = cs_err(ctx, CS_EIO, "%s: the %s is larger than %d MiB", path, what, CS_SCRIPT_MAX_SOURCE >> 20);
  if (rc != CS_OK) {
    free(buf);
    return rc;
  }
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  return CS_OK;
}

int cs_script_load(cs_ctx *ctx, const char *path, const cs_script_limits *lim,
                   const cs_override *sets, size_t n_sets, uint64_t seed,
                   uint64_t replicate, int quiet, cs_world **world_out,
                   cs_script **out) {
  cs_script *s = NULL;
  cs_world *w = NULL;
  int rc = CS_ENOMEM;
  if (!path || !world_out || !out) return cs_err(ctx, CS_EINVAL, "cs_script_load: missing argument");
  if (!(s = calloc(1, sizeof *s)) || !(s->path = malloc(strlen(path) + 1)) ||
      !(s->set_used = calloc(n_sets ? n_sets : 1, 1))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto fail;
  }
  strcpy(s->path, path);
  if (lim) s->lim = *lim;
  else cs_script_limits_default(&s->lim);
  s->quiet = quiet;
  s->sets = sets;
  s->n_sets = n_sets;
  cs_stream_init(&s->rng, seed, replicate, CS_ENT_SCRIPT, 0, 0);
  if ((rc = cs_script_read_source(ctx, s->path, "scenario", &s->src, &s->src_len)) != CS_OK) goto fail;
  if ((rc = cs_world_new(ctx, &w)) != CS_OK) goto fail;
  s->w = w;
  cs_world_set_memory_limit(w, s->lim.mem_bytes); /* the model's tables get the script's cap too */
  if (!(s->L = lua_newstate(l_alloc, s))) {
    rc = cs_err(ctx, CS_ESCRIPT, "%s: cannot create a Lua state within %zu bytes", path, s->lim.mem_bytes);
    goto fail;
  }
  lua_atpanic(s->L, panic);
  lua_setwarnf(s->L, warn_noop, NULL);
  if ((rc = cs_script_pcall(s, t_load, s, s->lim.load_instructions)) != CS_OK) {
    cs_err(ctx, rc, "%s", s->errbuf);
    goto fail;
  }
  free(s->set_used);
  s->set_used = NULL;
  s->sets = NULL;
  s->n_sets = 0;
  cs_hooks h;
  cs_script_hooks(s, &h);
  cs_world_set_hooks(w, &h);
  *world_out = w;
  *out = s;
  return CS_OK;
fail:
  cs_script_free(s);
  cs_world_free(w);
  return rc;
}

/* ---- evaluating a non-scenario file (cs_script_eval) ---- */

typedef struct eval_args {
  lua_CFunction setup, read;
  void *ud;
} eval_args;

static int t_eval(lua_State *L) {
  eval_args *a = lua_touserdata(L, 1);
  cs_script *s = cs_script_from(L);
  sandbox_open(L);
  if (a->setup) {
    lua_pushcfunction(L, a->setup);
    lua_pushlightuserdata(L, a->ud);
    lua_call(L, 1, 0);
  }
  const char *chunkname = lua_pushfstring(L, "@%s", s->path);
  if (luaL_loadbufferx(L, s->src, s->src_len, chunkname, "t") != LUA_OK) return lua_error(L);
  lua_call(L, 0, 1);
  int v = lua_gettop(L);
  lua_pushcfunction(L, a->read);
  lua_pushlightuserdata(L, a->ud);
  lua_pushvalue(L, v);
  lua_call(L, 2, 0);
  return 0;
}

int cs_script_eval(cs_ctx *ctx, const char *path, const char *src, size_t len,
                   const cs_script_limits *lim, lua_CFunction setup, lua_CFunction read,
                   void *ud) {
  cs_script *s = NULL;
  int rc;
  eval_args a = {setup, read, ud};
  if (!path || !src || !read) return cs_err(ctx, CS_EINVAL, "cs_script_eval: missing argument");
  if (!(s = calloc(1, sizeof *s)) || !(s->path = malloc(strlen(path) + 1)) ||
      !(s->src = malloc(len + 1))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  strcpy(s->path, path);
  memcpy(s->src, src, len);
  s->src[len] = '\0';
  s->src_len = len;
  if (lim) s->lim = *lim;
  else cs_script_limits_default(&s->lim);
  cs_stream_init(&s->rng, 0, 0, CS_ENT_SCRIPT, 0, 0);
  if (!(s->L = lua_newstate(l_alloc, s))) {
    rc = cs_err(ctx, CS_ESCRIPT, "%s: cannot create a Lua state within %zu bytes", path, s->lim.mem_bytes);
    goto done;
  }
  lua_atpanic(s->L, panic);
  lua_setwarnf(s->L, warn_noop, NULL);
  if ((rc = cs_script_pcall(s, t_eval, &a, s->lim.load_instructions)) != CS_OK)
    cs_err(ctx, rc, "%s", s->errbuf);
done:
  cs_script_free(s);
  return rc;
}

void cs_script_free(cs_script *s) {
  if (!s) return;
  if (s->L) {
    /* Finalizers cannot be set by a scenario (see l_setmetatable); the budget
    ** is armed anyway for anything lua_close runs. */
    cs_script_budget_reset(s, s->lim.callback_instructions);
    lua_close(s->L);
  }
  cs_script_api_free(s);
  cs_script_files_free(s);
  free(s->set_used);
  free(s->src);
  free(s->path);
  free(s);
}
