/* script_target_fns.c: the fn() statistics of a targets file, called on a
** run's final state (cs_script_target_fns in cs_script.h). Split out of
** script_targets.c, the file's reader: this half runs in a scenario's Lua
** state after its run, the reader in a state of its own.
**
** The targets text is evaluated again in the scenario's state, in an
** environment of its own over the scenario's globals, with the constructors
** of script_targets.c (cs_script_targets_open); each fn() call is found by
** its number in that evaluation. The `run` handed to a function is the
** read-only sim (cs_script_push_readonly_sim) with value and day added: it
** reads the final state and the city variables the batch layer kept, and
** changes nothing. Each function runs under the callback instruction budget. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cs_targets.h"
#include "script_int.h"

typedef struct fn_args {
  const char *path, *src;
  size_t len;
  int n_fn;
  const cs_run_view *run;
  const int *fn_index;
  int n;
  double *out;
  int cur;            /* the function being called, -1 while the file is evaluated */
} fn_args;

/* run:value(VAR, DATE or DAY): a city variable at the last sample at or
** before the date. Upvalues: 1 the fn_args, 2 the run object. */
static int l_run_value(lua_State *L) { /* [-3, +1, v] */
  const fn_args *a = lua_touserdata(L, lua_upvalueindex(1));
  if (!lua_rawequal(L, 1, lua_upvalueindex(2))) return luaL_error(L, "call it as run:value(VAR, DATE)");
  const char *var = luaL_checkstring(L, 2);
  const cs_run_view *v = a->run;
  int k = -1;
  for (int i = 0; i < v->n_vars; i++)
    if (!strcmp(v->names[i], var)) k = i;
  if (k < 0) {
    const char *near = cs_nearest_name(var, v->names, v->n_vars);
    return luaL_error(L, "run:value: '%s' is not a city variable%s%s%s", var, near ? " (did you mean '" : "",
                      near ? near : "", near ? "'?)" : "");
  }
  double day;
  if (lua_type(L, 3) == LUA_TNUMBER) day = (double)lua_tonumber(L, 3);
  else {
    const char *d = luaL_checkstring(L, 3);
    day = cs_world_day_of(cs_script_from(L)->w, d);
    if (isnan(day)) return luaL_error(L, "run:value: '%s' is not a date \"YYYY-MM-DD\", or the scenario has no "
                                         "start date", d);
  }
  if (!(day >= 0 && day <= v->days)) {
    char d[32], e[32];
    snprintf(d, sizeof d, "%.14g", day);
    snprintf(e, sizeof e, "%.14g", v->days);
    return luaL_error(L, "run:value: day %s is outside the run (0 to %s)", d, e);
  }
  long i = (long)floor(day / v->sample_every + 1e-9);
  if (i >= v->n_samples) i = v->n_samples - 1;
  lua_pushnumber(L, (lua_Number)v->values[(size_t)i * (size_t)v->n_vars + (size_t)k]);
  return 1;
}

/* run:day(DATE): days from the scenario's start to DATE. */
static int l_run_day(lua_State *L) {
  if (!lua_rawequal(L, 1, lua_upvalueindex(1))) return luaL_error(L, "call it as run:day(DATE)");
  const char *d = luaL_checkstring(L, 2);
  double day = cs_world_day_of(cs_script_from(L)->w, d);
  if (isnan(day)) return luaL_error(L, "run:day: '%s' is not a date \"YYYY-MM-DD\", or the scenario has no start date",
                                    d);
  lua_pushnumber(L, (lua_Number)day);
  return 1;
}

static int t_fns(lua_State *L) {
  fn_args *a = lua_touserdata(L, 1);
  cs_script *s = cs_script_from(L);
  /* the run object: the read-only sim, with value and day */
  cs_script_push_readonly_sim(L);
  int run = lua_gettop(L);
  lua_pushlightuserdata(L, a);
  lua_pushvalue(L, run);
  lua_pushcclosure(L, l_run_value, 2);
  lua_setfield(L, run, "value");
  lua_pushvalue(L, run);
  lua_pushcclosure(L, l_run_day, 1);
  lua_setfield(L, run, "day");
  /* the targets file, in its own environment over the scenario's globals */
  lua_newtable(L);
  int env = lua_gettop(L);
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, env);
  cs_script_targets_open(L, env);
  int book = lua_gettop(L);
  const char *chunkname = lua_pushfstring(L, "@%s", a->path);
  if (luaL_loadbufferx(L, a->src, a->len, chunkname, "t") != LUA_OK) return lua_error(L);
  lua_pushvalue(L, env);
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 0);
  lua_getfield(L, book, "nfn");
  if (lua_tointeger(L, -1) != a->n_fn)
    return luaL_error(L, "%s: the file made %d fn() calls when it was read and %d in the scenario's state: a "
                         "targets file must not depend on the scenario", a->path, a->n_fn, (int)lua_tointeger(L, -1));
  lua_getfield(L, book, "fns");
  int fns = lua_gettop(L);
  for (a->cur = 0; a->cur < a->n; a->cur++) {
    if (lua_rawgeti(L, fns, a->fn_index[a->cur] + 1) != LUA_TFUNCTION)
      return luaL_error(L, "%s: fn() was not given a function", a->path);
    lua_pushvalue(L, run);
    cs_script_budget_reset(s, s->lim.callback_instructions);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) a->out[a->cur] = NAN; /* the run cannot compute it */
    else if (lua_type(L, -1) == LUA_TNUMBER) a->out[a->cur] = (double)lua_tonumber(L, -1);
    else return luaL_error(L, "returned %s, not a number (or nil where the run cannot compute it)",
                           luaL_typename(L, -1));
    lua_settop(L, fns);
  }
  return 0;
}

int cs_script_target_fns(cs_ctx *ctx, cs_script *s, const char *path, const char *src, size_t len, int n_fn,
                         const cs_run_view *run, const int *fn_index, const char *const *names, int n, double *out) {
  fn_args a = {path, src, len, n_fn, run, fn_index, n, out, -1};
  if (n <= 0) return CS_OK;
  int rc = cs_script_pcall(s, t_fns, &a, s->lim.load_instructions);
  if (rc == CS_OK) return CS_OK;
  if (a.cur >= 0 && a.cur < n) {
    cs_script_callback_error(s, "target fn", cs_world_now(s->w));
    return cs_err(ctx, rc, "%s: target '%s': fn(): %s", path, names[a.cur], s->errbuf);
  }
  return cs_err(ctx, rc, "%s: evaluating the targets file for its fn() statistics: %s", path, s->errbuf);
}
