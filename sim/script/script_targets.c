/* script_targets.c: the targets file's reader (cs_script_targets_read in
** cs_script.h) and the constructors of its statistics; the evaluation of its
** fn() statistics on a run is script_target_fns.c's. The language:
** scenarios/README.md, "Targets files"; the plain data it fills:
** include/cs_targets.h.
**
** A targets file is Lua, run in the sandbox of sweep files (cs_script_eval:
** the same libraries, memory cap and instruction budget, no scenario API,
** no file access). It returns a list of entries, or passes it to
** targets{...}. Statistics are made by constructors (count{}, ratio(),
** value{}, fled{}, gang_share{}, fn()) that only record what they were given
** and where they were called: nothing is checked while the file runs, so a
** held-out entry's statistic is never looked at.
**
** Invariants:
** - With include_holdout == 0, an entry's `holdout` field is read first and,
**   when it is true, nothing else of the entry is read: not its name, its
**   observation or its statistic. So nothing of a held-out observation can
**   reach a calibration, and garbage in a held-out entry is never an error.
** - A statistic is accepted only if a constructor of this evaluation made
**   it (it is a key of the "book", a table private to the constructors), so
**   a hand-written table cannot pose as one.
** - fn() calls are numbered in the order the file's evaluation makes them;
**   cs_script_target_fns (script_target_fns.c) evaluates the file again in
**   the scenario's state and finds each function by that number, after
**   checking that the file made as many fn() calls as when it was read.
** - Everything read is copied into C memory owned by the spec as soon as it
**   is read (arrays grow before their element is filled, and the count
**   covers every element that may hold memory), so a Lua error half-way
**   leaves nothing to leak: the spec is cleared and the state closed.
** - Tables are read raw (no metamethod of the file runs while they are
**   read); nothing depends on the order of a hash. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cs_targets.h"
#include "script_int.h"

#define STAT_NAME_(kind, name, doc) name,
#define SUM_NAME_(kind, name) name,
static const char *const STAT_NAME[CS_STAT_KINDS] = {CS_STAT_KIND_LIST(STAT_NAME_)};
static const char *const SUM_NAME[CS_SUM_KINDS + 1] = {CS_COUNT_SUM_LIST(SUM_NAME_) NULL}; /* NULL-ended */
#undef STAT_NAME_
#undef SUM_NAME_

#define MAX_LIST ((lua_Integer)1 << 20) /* entries, dates, nodes in one list */
#define MAX_NAME 100                    /* a target's name, before @DATE */

/* ---- the constructors (in the reader's state and in a scenario's) ----
** Upvalues: 1 the book, 2 the kind. book[obj] = info = { kind =, arg =,
** where = "path:line", fn = index }; book.nfn counts fn() calls and
** book.fns[index + 1] is the function of call `index`. */

static int l_stat(lua_State *L) { /* [-n, +1, m] */
  int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
  int book = lua_upvalueindex(1);
  int nargs = lua_gettop(L);
  lua_settop(L, 2);
  lua_newtable(L); /* the statistic: an empty table, known by its identity */
  int obj = lua_gettop(L);
  lua_createtable(L, 0, 4);
  int info = obj + 1;
  lua_pushinteger(L, kind);
  lua_setfield(L, info, "kind");
  if (kind == CS_STAT_RATIO) {
    lua_createtable(L, 2, 1);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 2);
    lua_pushinteger(L, nargs);
    lua_setfield(L, -2, "n");
  } else lua_pushvalue(L, 1);
  lua_setfield(L, info, "arg");
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
    lua_pushfstring(L, "%s:%d", ar.source[0] == '@' ? ar.source + 1 : ar.short_src, ar.currentline);
  else lua_pushfstring(L, "%s", cs_script_from(L)->path);
  lua_setfield(L, info, "where");
  if (kind == CS_STAT_FN) {
    lua_getfield(L, book, "nfn");
    lua_Integer n = lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, book, "fns");
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, n + 1);
    lua_pop(L, 1);
    lua_pushinteger(L, n);
    lua_setfield(L, info, "fn");
    lua_pushinteger(L, n + 1);
    lua_setfield(L, book, "nfn");
  }
  lua_pushvalue(L, obj);
  lua_pushvalue(L, info);
  lua_rawset(L, book);
  lua_settop(L, obj);
  return 1;
}

/* targets{...}: keep the list in book.list. */
static int l_targets_decl(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_setfield(L, lua_upvalueindex(1), "list");
  return 0;
}

void cs_script_targets_open(lua_State *L, int env) {
  env = lua_absindex(L, env);
  lua_createtable(L, 0, 4);
  int book = lua_gettop(L);
  lua_pushinteger(L, 0);
  lua_setfield(L, book, "nfn");
  lua_newtable(L);
  lua_setfield(L, book, "fns");
  for (int k = 0; k < CS_STAT_KINDS; k++) {
    lua_pushvalue(L, book);
    lua_pushinteger(L, k);
    lua_pushcclosure(L, l_stat, 2);
    lua_setfield(L, env, STAT_NAME[k]);
  }
  lua_pushvalue(L, book);
  lua_pushcclosure(L, l_targets_decl, 1);
  lua_setfield(L, env, "targets");
}

/* ---- reading (inside the protected call; may raise) ---- */

typedef struct reader {
  lua_State *L;
  const char *path;
  cs_targets_spec *sp;
  int include_holdout;
  int book;           /* stack index of the book */
  int cap_targets, cap_stats;
  char tname[MAX_NAME + 16]; /* the entry being read, for messages */
} reader;

static int rawfield(lua_State *L, int t, const char *k) {
  t = lua_absindex(L, t);
  lua_pushstring(L, k);
  return lua_rawget(L, t);
}

static char *c_strdup(lua_State *L, const char *s) {
  char *d = strdup(s);
  if (!d) luaL_error(L, "out of memory");
  return d;
}

static lua_Integer list_len(lua_State *L, int t, const char *loc, const char *what, const char *k) {
  lua_Unsigned n = lua_rawlen(L, t);
  if (n > (lua_Unsigned)MAX_LIST) luaL_error(L, "%s%s: field '%s' has more than 2^20 entries", loc, what, k);
  return (lua_Integer)n;
}

/* Raise "LOC WHAT: field 'k' must be EXPECTED, got ..." for the value at idx.
** loc is "path:line: " or "" (then the sandbox prefixes "path: "). */
static int bad(lua_State *L, int idx, const char *loc, const char *what, const char *k, const char *expected) {
  char got[96];
  cs_script_describe(L, idx, got, sizeof got);
  return luaL_error(L, "%s%s: field '%s' must be %s, got %s", loc, what, k, expected, got);
}

/* Refuse a key of the table at t not in allowed (the smallest in byte order,
** so the message does not depend on the hash). */
static void check_fields(lua_State *L, int t, const char *loc, const char *what, const char *const *allowed) {
  const char *worst = NULL;
  int positional = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      positional = 1;
      continue;
    }
    const char *k = lua_tostring(L, -1);
    int ok = 0;
    for (int i = 0; allowed[i]; i++) ok |= !strcmp(k, allowed[i]);
    if (!ok && (!worst || strcmp(k, worst) < 0)) worst = k; /* kept alive by the table */
  }
  if (positional) luaL_error(L, "%s%s: positional values are not allowed; write name = value", loc, what);
  if (!worst) return;
  int n = 0;
  while (allowed[n]) n++;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < n; i++) {
    if (i) luaL_addstring(&b, ", ");
    luaL_addstring(&b, allowed[i]);
  }
  luaL_pushresult(&b);
  const char *near = cs_nearest_name(worst, allowed, n);
  if (near)
    luaL_error(L, "%s%s: unknown field '%s' (did you mean '%s'? allowed: %s)", loc, what, worst, near,
               lua_tostring(L, -1));
  luaL_error(L, "%s%s: unknown field '%s' (allowed: %s)", loc, what, worst, lua_tostring(L, -1));
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* A calendar date "YYYY-MM-DD" (years 1000-9999). */
static int valid_date(const char *s) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  if (y < 1000 || m < 1 || m > 12 || d < 1) return 0;
  return d <= dim[m - 1] + (m == 2 && leap(y));
}

#define DATE_EXPECTED "a date \"YYYY-MM-DD\""

/* Field k of t as a date (NULL if absent and not required). */
static char *date_field(lua_State *L, int t, const char *k, int req, const char *loc, const char *what) {
  int ty = rawfield(L, t, k);
  char *d = NULL;
  if (ty == LUA_TNIL) {
    if (req) luaL_error(L, "%s%s: field '%s' is required", loc, what, k);
  } else if (ty != LUA_TSTRING || !valid_date(lua_tostring(L, -1))) bad(L, -1, loc, what, k, DATE_EXPECTED);
  else d = c_strdup(L, lua_tostring(L, -1));
  lua_pop(L, 1);
  return d;
}

/* Field k of t as a string, one of opts if opts is given (def if absent). */
static const char *str_field(lua_State *L, int t, const char *k, const char *def, const char *const *opts,
                             const char *expected, const char *loc, const char *what) {
  int ty = rawfield(L, t, k);
  const char *v = def;
  if (ty == LUA_TNIL) {
    if (!def) luaL_error(L, "%s%s: field '%s' is required", loc, what, k);
  } else {
    int ok = ty == LUA_TSTRING;
    if (ok && opts) {
      ok = 0;
      for (int i = 0; opts[i]; i++) ok |= !strcmp(lua_tostring(L, -1), opts[i]);
    }
    if (!ok) bad(L, -1, loc, what, k, expected);
    v = lua_tostring(L, -1); /* kept alive by the table */
  }
  lua_pop(L, 1);
  return v;
}

/* Field k of t as a list of strings into *out (malloc'd; *n counts entries
** already owned, so a raise leaves nothing behind). */
static void strlist_field(lua_State *L, int t, const char *k, int req, char ***out, int *n, const char *loc,
                          const char *what) {
  int ty = rawfield(L, t, k);
  if (ty == LUA_TNIL) {
    if (req) luaL_error(L, "%s%s: field '%s' is required", loc, what, k);
    lua_pop(L, 1);
    return;
  }
  int l = lua_gettop(L);
  lua_Integer m = ty == LUA_TTABLE ? list_len(L, l, loc, what, k) : 0;
  if (m < 1) bad(L, l, loc, what, k, "a non-empty list of strings");
  if (!(*out = calloc((size_t)(m > 0 && m <= MAX_LIST ? m : 1), sizeof **out))) luaL_error(L, "out of memory");
  for (lua_Integer i = 1; i <= m; i++) {
    if (lua_rawgeti(L, l, i) != LUA_TSTRING) bad(L, -1, loc, what, k, "a list of strings");
    (*out)[(*n)++] = c_strdup(L, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static cs_stat_spec *new_stat(reader *r, int *idx) {
  cs_targets_spec *sp = r->sp;
  if (sp->n_stats == r->cap_stats) {
    int cap = r->cap_stats ? 2 * r->cap_stats : 16;
    cs_stat_spec *p = realloc(sp->stats, (size_t)cap * sizeof *p);
    if (!p) luaL_error(r->L, "out of memory");
    sp->stats = p;
    r->cap_stats = cap;
  }
  *idx = sp->n_stats;
  cs_stat_spec *s = &sp->stats[sp->n_stats++];
  memset(s, 0, sizeof *s);
  s->num = s->den = -1;
  return s;
}

static cs_target_spec *new_target(reader *r) {
  cs_targets_spec *sp = r->sp;
  if (sp->n_targets == r->cap_targets) {
    int cap = r->cap_targets ? 2 * r->cap_targets : 16;
    cs_target_spec *p = realloc(sp->targets, (size_t)cap * sizeof *p);
    if (!p) luaL_error(r->L, "out of memory");
    sp->targets = p;
    r->cap_targets = cap;
  }
  cs_target_spec *t = &sp->targets[sp->n_targets++];
  memset(t, 0, sizeof *t);
  t->stat = -1;
  return t;
}

/* Push book[obj] (the statistic's info) or raise: obj was not made by a
** constructor of this file. */
static void push_info(reader *r, int obj, const char *what, const char *field) {
  lua_State *L = r->L;
  if (lua_type(L, obj) != LUA_TTABLE || (lua_pushvalue(L, obj), lua_rawget(L, r->book)) != LUA_TTABLE) {
    char got[96];
    cs_script_describe(L, obj, got, sizeof got);
    luaL_error(L, "%s: %s must be a statistic made by count{}, ratio(), value{}, fled{}, gang_share{} or fn(), got %s",
               what, field, got);
  }
}

/* The dates of a series (`dates` of a value{} or gang_share{} at the top of
** the stack), checked; returns their number. */
static lua_Integer check_dates(lua_State *L, int d, const char *loc, const char *what) {
  lua_Integer m = lua_type(L, d) == LUA_TTABLE ? list_len(L, d, loc, what, "dates") : 0;
  if (m < 1) bad(L, d, loc, what, "dates", "a non-empty list of dates \"YYYY-MM-DD\"");
  for (lua_Integer i = 1; i <= m; i++) {
    lua_rawgeti(L, d, i);
    if (lua_type(L, -1) != LUA_TSTRING || !valid_date(lua_tostring(L, -1)))
      bad(L, -1, loc, what, "dates", "a list of dates \"YYYY-MM-DD\"");
    for (lua_Integer j = 1; j < i; j++) {
      lua_rawgeti(L, d, j);
      if (!strcmp(lua_tostring(L, -1), lua_tostring(L, -2)))
        luaL_error(L, "%s%s: field 'dates' names %s twice", loc, what, lua_tostring(L, -1));
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  return m;
}

/* Read the statistic obj (a stack index) into a new stat, recursively for
** ratio(). *series gets the number of dates of a series (0: a scalar);
** series are allowed only at the top (depth 0). Returns the stat's index. */
static int read_stat(reader *r, int obj, int depth, const char *field, lua_Integer *series) {
  lua_State *L = r->L;
  char what[MAX_NAME + 64], loc[1200];
  snprintf(what, sizeof what, "target '%s'", r->tname);
  if (depth > 50) luaL_error(L, "%s: ratio() nested more than 50 deep", what);
  luaL_checkstack(L, 8, "statistic");
  push_info(r, obj, what, field);
  int info = lua_gettop(L);
  rawfield(L, info, "kind");
  int kind = (int)lua_tointeger(L, -1);
  rawfield(L, info, "where");
  snprintf(loc, sizeof loc, "%s: ", lua_tostring(L, -1));
  int idx;
  cs_stat_spec *s = new_stat(r, &idx);
  s->kind = kind;
  s->where = c_strdup(L, lua_tostring(L, -1));
  lua_pop(L, 2);
  snprintf(what, sizeof what, "target '%s': %s%s", r->tname, STAT_NAME[kind],
           kind == CS_STAT_RATIO || kind == CS_STAT_FN ? "()" : "{}");
  rawfield(L, info, "arg");
  int a = lua_gettop(L);
  *series = 0;
  if (kind == CS_STAT_RATIO) {
    rawfield(L, a, "n");
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (n != 2) luaL_error(L, "%s%s: takes two statistics, ratio(numerator, denominator), got %d arguments", loc,
                           what, n);
    lua_Integer sub = 0;
    for (int k = 1; k <= 2; k++) {
      lua_rawgeti(L, a, k);
      int child = read_stat(r, lua_gettop(L), depth + 1, k == 1 ? "ratio()'s numerator" : "ratio()'s denominator", &sub);
      r->sp->stats[idx].num = k == 1 ? child : r->sp->stats[idx].num;
      r->sp->stats[idx].den = k == 2 ? child : r->sp->stats[idx].den;
      lua_pop(L, 1);
    }
    lua_settop(L, info - 1);
    return idx;
  }
  if (kind == CS_STAT_FN) {
    if (lua_type(L, a) != LUA_TFUNCTION) {
      char got[96];
      cs_script_describe(L, a, got, sizeof got);
      luaL_error(L, "%s%s: takes a function, fn(function(run) ... end), got %s", loc, what, got);
    }
    rawfield(L, info, "fn");
    s->fn_index = (int)lua_tointeger(L, -1);
    lua_settop(L, info - 1);
    return idx;
  }
  if (lua_type(L, a) != LUA_TTABLE)
    luaL_error(L, "%s%s: takes a table of fields, %s{ ... }", loc, what, STAT_NAME[kind]);
  switch (kind) {
  case CS_STAT_COUNT: {
    static const char *const F[] = {"log", "kinds", "parties", "nodes", "from", "to", "sum", NULL};
    static const char *const LOGS[] = {"observed", "true", NULL};
    check_fields(L, a, loc, what, F);
    s->observed_log = !strcmp(str_field(L, a, "log", NULL, LOGS, "\"observed\" or \"true\"", loc, what), "observed");
    const char *sum = str_field(L, a, "sum", "events", SUM_NAME, "\"events\", \"deaths\" or \"displaced\"", loc,
                                what);
    for (int k = 0; k < CS_SUM_KINDS; k++)
      if (!strcmp(sum, SUM_NAME[k])) s->sum = k;
    strlist_field(L, a, "kinds", 1, &s->kinds, &s->n_kinds, loc, what);
    strlist_field(L, a, "nodes", 0, &s->nodes, &s->n_nodes, loc, what);
    int ty = rawfield(L, a, "parties");
    if (ty != LUA_TNIL) {
      int p = lua_gettop(L);
      if (ty != LUA_TTABLE || lua_rawlen(L, p) != 2 || lua_rawgeti(L, p, 1) != LUA_TSTRING ||
          lua_rawgeti(L, p, 2) != LUA_TSTRING)
        bad(L, p, loc, what, "parties", "{ACTOR, TARGET}: two of \"any\", \"gang\", \"STATE\", \"CONTESTED\" or a gang id");
      if (strcmp(lua_tostring(L, -2), "any") != 0) s->actor = c_strdup(L, lua_tostring(L, -2));
      if (strcmp(lua_tostring(L, -1), "any") != 0) s->target = c_strdup(L, lua_tostring(L, -1));
    }
    lua_settop(L, a);
    break;
  }
  case CS_STAT_FLED: {
    static const char *const F[] = {"nodes", "from", "to", "into", NULL};
    static const char *const INTO[] = {"provinces", NULL};
    check_fields(L, a, loc, what, F);
    strlist_field(L, a, "nodes", 0, &s->nodes, &s->n_nodes, loc, what);
    s->to_provinces = str_field(L, a, "into", "", INTO, "\"provinces\"", loc, what)[0] != '\0';
    break;
  }
  case CS_STAT_VALUE:
  case CS_STAT_GANG_SHARE: {
    static const char *const FV[] = {"var", "date", "dates", "since", "nodes", "gangs", NULL};
    static const char *const FG[] = {"by", "contested", "date", "dates", "nodes", NULL};
    static const char *const BY[] = {"population", "nodes", NULL};
    check_fields(L, a, loc, what, kind == CS_STAT_VALUE ? FV : FG);
    if (kind == CS_STAT_VALUE) {
      s->var = c_strdup(L, str_field(L, a, "var", NULL, NULL, "a variable's name", loc, what));
      s->since = date_field(L, a, "since", 0, loc, what);
      strlist_field(L, a, "gangs", 0, &s->gangs, &s->n_gangs, loc, what);
    } else {
      s->by_nodes = !strcmp(str_field(L, a, "by", "population", BY, "\"population\" or \"nodes\"", loc, what),
                            "nodes");
      int ty = rawfield(L, a, "contested");
      if (ty == LUA_TBOOLEAN) s->contested = lua_toboolean(L, -1);
      else if (ty != LUA_TNIL) luaL_error(L, "%s%s: field 'contested' must be true or false", loc, what);
      lua_pop(L, 1);
    }
    strlist_field(L, a, "nodes", 0, &s->nodes, &s->n_nodes, loc, what);
    int one = rawfield(L, a, "date") != LUA_TNIL, many = rawfield(L, a, "dates") != LUA_TNIL;
    if (one == many) luaL_error(L, "%s%s: give date = \"YYYY-MM-DD\" or dates = {...}, one of the two", loc, what);
    if (one) {
      lua_pop(L, 1);
      s->date = date_field(L, a, "date", 1, loc, what);
    } else {
      if (depth > 0)
        luaL_error(L, "%s%s: a series (dates = {...}) cannot be inside ratio(): give each date its own target",
                   loc, what);
      *series = check_dates(L, lua_gettop(L), loc, what);
    }
    if (s->since && (s->date ? strcmp(s->since, s->date) >= 0 : 0))
      luaL_error(L, "%s%s: field 'since' (%s) must come before the date (%s)", loc, what, s->since, s->date);
    break;
  }
  }
  if (kind == CS_STAT_COUNT || kind == CS_STAT_FLED) {
    s->from = date_field(L, a, "from", 1, loc, what);
    s->to = date_field(L, a, "to", 1, loc, what);
    if (strcmp(s->from, s->to) >= 0)
      luaL_error(L, "%s%s: the window needs from < to, got from = %s, to = %s", loc, what, s->from, s->to);
  }
  lua_settop(L, info - 1);
  return idx;
}

/* A copy of stat src (a value{} or gang_share{} of a series) for one date. */
static int copy_stat(reader *r, int src, const char *date) {
  lua_State *L = r->L;
  int idx;
  cs_stat_spec *d = new_stat(r, &idx);
  const cs_stat_spec *s = &r->sp->stats[src];
  d->kind = s->kind;
  d->by_nodes = s->by_nodes;
  d->contested = s->contested;
  d->where = c_strdup(L, s->where);
  d->date = c_strdup(L, date);
  if (s->var) d->var = c_strdup(L, s->var);
  if (s->since) {
    d->since = c_strdup(L, s->since);
    if (strcmp(s->since, date) >= 0)
      luaL_error(L, "%s: target '%s': %s{}: field 'since' (%s) must come before every date (%s)", s->where,
                 r->tname, STAT_NAME[s->kind], s->since, date);
  }
  if (s->n_nodes && !(d->nodes = calloc((size_t)s->n_nodes, sizeof *d->nodes))) luaL_error(L, "out of memory");
  for (int i = 0; i < s->n_nodes; i++) d->nodes[d->n_nodes++] = c_strdup(L, s->nodes[i]);
  if (s->n_gangs && !(d->gangs = calloc((size_t)s->n_gangs, sizeof *d->gangs))) luaL_error(L, "out of memory");
  for (int i = 0; i < s->n_gangs; i++) d->gangs[d->n_gangs++] = c_strdup(L, s->gangs[i]);
  return idx;
}

/* A finite number at idx, or raise about field k (item i of a list if i > 0). */
static double number_at(lua_State *L, int idx, const char *what, const char *k, lua_Integer i, const char *expected) {
  if (lua_type(L, idx) != LUA_TNUMBER || !isfinite(lua_tonumber(L, idx))) {
    char field[64];
    if (i > 0) snprintf(field, sizeof field, "%s[%lld]", k, (long long)i);
    else snprintf(field, sizeof field, "%s", k);
    bad(L, idx, "", what, field, expected);
  }
  return (double)lua_tonumber(L, idx);
}

/* Item i of field k of entry e (a list for a series, n > 0), or the field
** itself (n == 0). Pushes it. */
static void push_item(lua_State *L, int e, const char *k, lua_Integer n, lua_Integer i, const char *what,
                      const char *expected) {
  int ty = rawfield(L, e, k);
  if (n == 0 || ty == LUA_TNIL) return;
  if (ty != LUA_TTABLE || (lua_Integer)lua_rawlen(L, -1) != n) {
    char exp[200];
    snprintf(exp, sizeof exp, "a list of %lld %s, one per date", (long long)n, expected);
    bad(L, -1, "", what, k, exp);
  }
  lua_rawgeti(L, -1, i);
  lua_remove(L, -2);
}

/* One entry of the list: at stack index e. */
static void read_entry(reader *r, int e, lua_Integer pos) {
  static const char *const F[] = {"name", "source", "statistic", "observed", "sd", "interval", "rel",
                                  "discrepancy", "summary", "holdout", NULL};
  static const char *const SUMMARY[] = {"median", "mean", NULL};
  lua_State *L = r->L;
  char what[MAX_NAME + 64];
  snprintf(r->tname, sizeof r->tname, "#%lld", (long long)pos);
  snprintf(what, sizeof what, "targets[%lld]", (long long)pos);
  if (lua_type(L, e) != LUA_TTABLE) {
    char got[96];
    cs_script_describe(L, e, got, sizeof got);
    luaL_error(L, "%s must be a table { name = ..., statistic = ..., observed = ..., sd = ... }, got %s", what, got);
  }
  /* holdout first: a held-out entry is dropped unread */
  int ty = rawfield(L, e, "holdout"), holdout = 0;
  if (ty == LUA_TBOOLEAN) holdout = lua_toboolean(L, -1);
  else if (ty != LUA_TNIL) bad(L, -1, "", what, "holdout", "true or false");
  lua_pop(L, 1);
  if (holdout && !r->include_holdout) return;
  ty = rawfield(L, e, "name");
  const char *name = lua_tostring(L, -1);
  int ok = ty == LUA_TSTRING && name[0] && strlen(name) <= MAX_NAME;
  for (const char *c = name; ok && *c; c++)
    ok = *c == '_' || *c == '-' || *c == '.' || (*c >= '0' && *c <= '9') || ((*c | 32) >= 'a' && (*c | 32) <= 'z');
  if (!ok) bad(L, -1, "", what, "name", "a name of letters, digits, '_', '-' and '.' (at most 100)");
  snprintf(r->tname, sizeof r->tname, "%s", name);
  lua_pop(L, 1);
  snprintf(what, sizeof what, "target '%s'", r->tname);
  check_fields(L, e, "", what, F);
  const char *source = str_field(L, e, "source", "", NULL, "a string", "", what);
  const char *summary = str_field(L, e, "summary", "median", SUMMARY, "\"median\" or \"mean\"", "", what);
  double disc = 0;
  if (rawfield(L, e, "discrepancy") != LUA_TNIL) {
    disc = number_at(L, -1, what, "discrepancy", 0, "a number >= 0");
    if (disc < 0) bad(L, -1, "", what, "discrepancy", "a number >= 0");
  }
  lua_pop(L, 1);
  int n_err = 0, err = -1;
  static const char *const ERRS[] = {"sd", "interval", "rel"};
  for (int k = 0; k < 3; k++)
    if (rawfield(L, e, ERRS[k]) != LUA_TNIL) n_err++, err = k;
  lua_pop(L, 3);
  if (n_err != 1)
    luaL_error(L, "%s: give exactly one of sd = S, interval = {LO, HI} or rel = R (the observation's error), got %d",
               what, n_err);
  if (rawfield(L, e, "statistic") == LUA_TNIL) luaL_error(L, "%s: field 'statistic' is required", what);
  if (rawfield(L, e, "observed") == LUA_TNIL) luaL_error(L, "%s: field 'observed' is required", what);
  lua_pop(L, 1);
  lua_Integer n = 0;
  int stat = read_stat(r, lua_gettop(L), 0, "field 'statistic'", &n);
  lua_pop(L, 1);
  /* a series: the dates, from the statistic's own table */
  int dates = 0;
  if (n > 0) {
    lua_pushvalue(L, e);
    rawfield(L, -1, "statistic");
    lua_rawget(L, r->book);
    rawfield(L, -1, "arg");
    rawfield(L, -1, "dates");
    dates = lua_gettop(L);
  }
  for (lua_Integer i = n ? 1 : 0; i <= n; i++) {
    char full[MAX_NAME + 32];
    const char *date = NULL;
    if (n) {
      lua_rawgeti(L, dates, i);
      date = lua_tostring(L, -1); /* kept alive by the list */
      lua_pop(L, 1);
      snprintf(full, sizeof full, "%s@%s", r->tname, date);
    } else snprintf(full, sizeof full, "%s", r->tname);
    for (int j = 0; j < r->sp->n_targets; j++)
      if (!strcmp(r->sp->targets[j].name, full))
        luaL_error(L, "%s: the name '%s' is used twice", what, full);
    int st = n ? copy_stat(r, stat, date) : stat;
    cs_target_spec *t = new_target(r);
    t->stat = st;
    t->name = c_strdup(L, full);
    t->source = c_strdup(L, source);
    char where[MAX_NAME + 64];
    snprintf(where, sizeof where, "target '%s'", full);
    t->where = c_strdup(L, where);
    t->holdout = holdout;
    t->discrepancy = disc;
    t->summary = !strcmp(summary, "mean") ? CS_TSUM_MEAN : CS_TSUM_MEDIAN;
    t->err = err;
    push_item(L, e, "observed", n, i, what, "numbers");
    t->observed = number_at(L, -1, what, "observed", n ? i : 0, n ? "a list of numbers, one per date" : "a number");
    lua_pop(L, 1);
    if (err == CS_TERR_SD) {
      /* one number, or for a series a list of numbers, one per date */
      int list = rawfield(L, e, "sd") == LUA_TTABLE && n > 0;
      lua_pop(L, 1);
      if (list) push_item(L, e, "sd", n, i, what, "numbers > 0");
      else rawfield(L, e, "sd");
      double sd = number_at(L, -1, what, "sd", list ? i : 0, n ? "a number > 0, or a list of them, one per date"
                                                                 : "a number > 0");
      if (!(sd > 0)) bad(L, -1, "", what, "sd", "a number > 0");
      t->sd = sd;
      lua_pop(L, 1);
      t->lo = t->observed - 2 * sd, t->hi = t->observed + 2 * sd;
    } else if (err == CS_TERR_REL) {
      rawfield(L, e, "rel");
      double rel = number_at(L, -1, what, "rel", 0, "a number > 0");
      if (!(rel > 0)) bad(L, -1, "", what, "rel", "a number > 0");
      if (t->observed == 0)
        luaL_error(L, "%s: rel = R needs an observed value other than 0; give sd or interval", where);
      lua_pop(L, 1);
      t->sd = rel * fabs(t->observed) / 2;
      t->lo = t->observed - 2 * t->sd, t->hi = t->observed + 2 * t->sd;
    } else {
      /* interval = {LO, HI}, or for a series a list of such pairs */
      int ity = rawfield(L, e, "interval");
      if (n) {
        int pairs = ity == LUA_TTABLE && (lua_Integer)lua_rawlen(L, -1) == n;
        if (pairs) {
          pairs = lua_rawgeti(L, -1, 1) == LUA_TTABLE;
          lua_pop(L, 1);
        }
        if (!pairs) bad(L, -1, "", what, "interval", "a list of {LO, HI} pairs, one per date");
        lua_rawgeti(L, -1, i);
        lua_remove(L, -2);
      }
      int p = lua_gettop(L);
      if (lua_type(L, p) != LUA_TTABLE || lua_rawlen(L, p) != 2)
        bad(L, p, "", what, "interval", "{LO, HI}");
      lua_rawgeti(L, p, 1);
      lua_rawgeti(L, p, 2);
      t->lo = number_at(L, -2, what, "interval", 1, "a finite number");
      t->hi = number_at(L, -1, what, "interval", 2, "a finite number");
      lua_settop(L, p - 1);
      char lo[32], hi[32], ob[32]; /* lua_pushfstring has no %g */
      snprintf(lo, sizeof lo, "%.14g", t->lo);
      snprintf(hi, sizeof hi, "%.14g", t->hi);
      snprintf(ob, sizeof ob, "%.14g", t->observed);
      if (!(t->lo < t->hi)) luaL_error(L, "%s: field 'interval' needs LO < HI, got {%s, %s}", where, lo, hi);
      if (!(t->observed >= t->lo && t->observed <= t->hi))
        luaL_error(L, "%s: the observed value %s is outside its interval {%s, %s}", where, ob, lo, hi);
      t->sd = (t->hi - t->lo) / 4;
    }
  }
  if (dates) lua_settop(L, dates - 5);
}

/* The reader's argument (ud of cs_script_eval). */
typedef struct targets_reader {
  const char *path;
  cs_targets_spec *sp;
  int include_holdout;
} targets_reader;

static int t_setup(lua_State *L) {
  lua_pushglobaltable(L);
  cs_script_targets_open(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "cs.targets.book");
  lua_pop(L, 1);
  return 0;
}

/* Read the targets list: [ud, returned value]. */
static int t_read(lua_State *L) {
  const targets_reader *tr = lua_touserdata(L, 1);
  reader r;
  memset(&r, 0, sizeof r);
  r.L = L;
  r.path = tr->path;
  r.sp = tr->sp;
  r.include_holdout = tr->include_holdout;
  lua_settop(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, "cs.targets.book");
  r.book = 3;
  if (lua_isnil(L, 2)) {
    rawfield(L, r.book, "list");
    lua_replace(L, 2);
  }
  if (!lua_istable(L, 2)) luaL_error(L, "targets: the file must return a list of targets or call targets { ... }");
  lua_Integer n = list_len(L, 2, "", "targets", "(the list)");
  lua_pushnil(L);
  while (lua_next(L, 2)) { /* only to find an error */
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n)
      luaL_error(L, "targets: the file's table must be a list { {...}, {...} } of targets, without named fields");
  }
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);
    read_entry(&r, lua_gettop(L), i);
    lua_settop(L, r.book);
  }
  rawfield(L, r.book, "nfn");
  r.sp->n_fn = (int)lua_tointeger(L, -1);
  return 0;
}

void cs_script_targets_clear(cs_targets_spec *sp) {
  if (!sp) return;
  for (int i = 0; i < sp->n_targets; i++) {
    free(sp->targets[i].name);
    free(sp->targets[i].source);
    free(sp->targets[i].where);
  }
  free(sp->targets);
  for (int i = 0; i < sp->n_stats; i++) {
    cs_stat_spec *s = &sp->stats[i];
    free(s->where);
    free(s->from);
    free(s->to);
    free(s->date);
    free(s->actor);
    free(s->target);
    free(s->var);
    free(s->since);
    for (int k = 0; k < s->n_nodes; k++) free(s->nodes[k]);
    free(s->nodes);
    for (int k = 0; k < s->n_kinds; k++) free(s->kinds[k]);
    free(s->kinds);
    for (int k = 0; k < s->n_gangs; k++) free(s->gangs[k]);
    free(s->gangs);
  }
  free(sp->stats);
  free(sp->src);
  memset(sp, 0, sizeof *sp);
}

int cs_script_targets_read(cs_ctx *ctx, const char *path, const char *src, size_t src_len, int include_holdout,
                           cs_targets_spec *out) {
  cs_targets_spec sp;
  targets_reader tr = {path, &sp, include_holdout};
  int rc;
  memset(&sp, 0, sizeof sp);
  if ((rc = cs_script_source_or_file(ctx, path, "targets file", src, src_len, &sp.src, &sp.src_len)) != CS_OK)
    return rc;
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  if ((rc = cs_script_eval(ctx, path, sp.src, sp.src_len, &lim, t_setup, t_read, &tr)) != CS_OK) {
    cs_script_targets_clear(&sp);
    return rc;
  }
  *out = sp;
  return CS_OK;
}
