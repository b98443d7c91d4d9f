/* script_check.c: the argument and field checks every binding of the
** scenario API uses (script_api.c while the scenario loads, script_sim.c for
** the `sim` object during the run), declared in script_int.h.
**
** Each check either returns the value it was asked for or raises a Lua error
** through luaL_error, so the message carries the caller's "path:line: " and
** the binding it guards has done nothing yet (the bindings check every
** argument before any side effect). Fields of a declaration table (dtab) are
** read raw, so no metamethod of the scenario's runs while it is checked; the
** value a check describes in its message ("got 'x'", "got a table") is the
** one it refused. Nothing here iterates a table in hash order except to find
** an error, and then the smallest offending key is reported, so a message
** never depends on the order of the hash.
**
** Split out of script_api.c, which had grown past 900 lines: these helpers
** are about what a valid argument is, not about what a declaration does, and
** script_sim.c needs them as much as script_api.c does. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "script_int.h"

static cs_script *S(lua_State *L) { return cs_script_from(L); }

/* A short description of the value at idx, for error messages. */
void cs_script_describe(lua_State *L, int idx, char *buf, size_t n) {
  switch (lua_type(L, idx)) {
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) snprintf(buf, n, "%lld", (long long)lua_tointeger(L, idx));
    else snprintf(buf, n, "%.14g", (double)lua_tonumber(L, idx));
    break;
  case LUA_TSTRING: snprintf(buf, n, "'%.60s'", lua_tostring(L, idx)); break;
  case LUA_TBOOLEAN: snprintf(buf, n, "%s", lua_toboolean(L, idx) ? "true" : "false"); break;
  case LUA_TNONE:
  case LUA_TNIL: snprintf(buf, n, "nil"); break;
  default: snprintf(buf, n, "a %s", luaL_typename(L, idx)); break;
  }
}

void cs_script_need_loading(lua_State *L, const char *fn) {
  if (!S(L)->loading) luaL_error(L, "%s can only be used while the scenario loads", fn);
}

int cs_script_field(dtab *c, const char *k) {
  lua_pushstring(c->L, k);
  return lua_rawget(c->L, c->t);
}

int cs_script_bad_field(dtab *c, const char *k, const char *expected) {
  char got[96];
  cs_script_describe(c->L, -1, got, sizeof got);
  return luaL_error(c->L, "%s: field '%s' must be %s, got %s", c->what, k, expected, got);
}

/* Reject keys not in `allowed` (NULL-terminated). Iterates the table, but only
** to find an error; the smallest unknown name is reported so the message does
** not depend on hash order. */
void cs_script_check_unknown(dtab *c, const char *const *allowed) {
  lua_State *L = c->L;
  const char *worst = NULL;
  lua_pushnil(L);
  while (lua_next(L, c->t) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      luaL_error(L, "%s: positional values are not allowed; write name = value", c->what);
    }
    const char *k = lua_tostring(L, -1);
    int ok = 0;
    for (int i = 0; allowed[i]; i++)
      if (strcmp(k, allowed[i]) == 0) ok = 1;
    if (!ok && (!worst || strcmp(k, worst) < 0)) worst = k; /* kept alive by the table */
  }
  if (worst) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; allowed[i]; i++) {
      if (i) luaL_addstring(&b, ", ");
      luaL_addstring(&b, allowed[i]);
    }
    luaL_pushresult(&b);
    int n = 0;
    while (allowed[n]) n++;
    const char *near = cs_nearest_name(worst, (const char *const *)allowed, n);
    if (near) luaL_error(L, "%s: unknown field '%s' (did you mean '%s'? allowed: %s)", c->what, worst, near, lua_tostring(L, -1));
    luaL_error(L, "%s: unknown field '%s' (allowed: %s)", c->what, worst, lua_tostring(L, -1));
  }
}

/* A required field is absent: say so, unless the table holds positional
** values (node{ "a", ... }), the likelier mistake. */
static void missing(dtab *c, const char *k) {
  lua_rawgeti(c->L, c->t, 1);
  int positional = !lua_isnil(c->L, -1);
  lua_pop(c->L, 1);
  if (positional) luaL_error(c->L, "%s: positional values are not allowed; write name = value", c->what);
  luaL_error(c->L, "%s: field '%s' is required", c->what, k);
}

/* Optional string field; required when def is NULL and req is set. The
** returned pointer is kept alive by the table. */
const char *cs_script_opt_str(dtab *c, const char *k, const char *def, int req) {
  int t = cs_script_field(c, k);
  if (t == LUA_TNIL) {
    lua_pop(c->L, 1);
    if (req) missing(c, k);
    return def;
  }
  if (t != LUA_TSTRING) cs_script_bad_field(c, k, "a string");
  const char *v = lua_tostring(c->L, -1);
  lua_pop(c->L, 1);
  return v;
}

/* Optional number field in [lo, hi]; `expected` describes the range. */
double cs_script_opt_num(dtab *c, const char *k, double def, int req, double lo, double hi,
                      const char *expected) {
  int t = cs_script_field(c, k);
  if (t == LUA_TNIL) {
    lua_pop(c->L, 1);
    if (req) missing(c, k);
    return def;
  }
  if (t != LUA_TNUMBER) cs_script_bad_field(c, k, expected);
  double v = (double)lua_tonumber(c->L, -1);
  if (!isfinite(v) || v < lo || v > hi) cs_script_bad_field(c, k, expected);
  lua_pop(c->L, 1);
  return v;
}

/* A non-negative integer from the value at idx (an integral float is fine);
** returns 0 and leaves *out alone when it is not one. */
static int to_count(lua_State *L, int idx, int64_t *out) {
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  if (lua_isinteger(L, idx)) {
    lua_Integer v = lua_tointeger(L, idx);
    if (v < 0) return 0;
    *out = (int64_t)v;
    return 1;
  }
  double v = (double)lua_tonumber(L, idx);
  if (!(v >= 0 && v < 9.2e18) || floor(v) != v) return 0;
  *out = (int64_t)v;
  return 1;
}

int64_t cs_script_opt_count(dtab *c, const char *k, int64_t def, int req) {
  int t = cs_script_field(c, k);
  int64_t v = def;
  if (t == LUA_TNIL) {
    lua_pop(c->L, 1);
    if (req) missing(c, k);
    return def;
  }
  if (!to_count(c->L, -1, &v)) cs_script_bad_field(c, k, "a non-negative integer");
  lua_pop(c->L, 1);
  return v;
}

int64_t cs_script_check_count(lua_State *L, int idx, const char *fn, const char *arg) {
  int64_t v = 0;
  if (!to_count(L, idx, &v)) {
    char got[96];
    cs_script_describe(L, idx, got, sizeof got);
    luaL_error(L, "%s: %s must be a non-negative integer, got %s", fn, arg, got);
  }
  return v;
}

/* A model refusal as a Lua error: "fn: message"; when the model's message
** already starts with fn's method name ("move: ..."), "sim:move: ...". */
int cs_script_world_error(lua_State *L, const char *fn) {
  const char *msg = cs_errmsg(cs_world_ctx(S(L)->w));
  const char *m = strncmp(fn, "sim:", 4) == 0 ? fn + 4 : fn;
  size_t n = strlen(m);
  if (strncmp(msg, m, n) == 0 && msg[n] == ':') return luaL_error(L, "%s%s", fn == m ? "" : "sim:", msg);
  return luaL_error(L, "%s: %s", fn, msg);
}
