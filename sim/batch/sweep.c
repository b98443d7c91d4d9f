/* sweep.c: the sweep specification, its design, and one run of a sweep with
** a metrics sink (see sweep.h for the invariants).
**
** The sweep file is read by a C function running inside the sandbox's
** protected call (cs_script_eval), so a malformed file raises an ordinary
** Lua error located at its line. Everything read is copied into C memory
** owned by the cs_sweep, so a failure half-way leaves nothing to leak:
** cs_sweep_free releases whatever was filled. */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cs_h5.h"
#include "cs_rng.h"
#include "script_int.h"

#define CS_SWEEP_DESIGN_PURPOSE 0x53574550u /* "SWEP": the design stream */
#define CS_SWEEP_MAX_RUNS ((uint64_t)1 << 40)
#define CS_SWEEP_MAX_DESIGN ((uint64_t)1 << 24) /* design values (points x parameters), 128 MiB */

static const struct {
  const char *name, *units, *doc;
} MET[CS_MET_KINDS] = {
    {"displaced_final", "persons", "displaced people (city_displaced) at the last sample"},
    {"displaced_integral", "person-days", "time integral of city_displaced over the run (trapezoid rule on the samples)"},
    {"civilian_deaths_final", "persons", "civilians killed during the run (city_civilian_deaths at the last sample)"},
    {"engagement_deaths", "persons", "all deaths in engagements (combatants and civilians), from the event stream"},
    {"gang_share_population_final", "1", "city_gang_share_population at the last sample"},
    {"gang_share_population_integral", "days", "time integral of city_gang_share_population (trapezoid rule)"},
    {"gang_share_nodes_final", "1", "city_gang_share_nodes at the last sample"},
    {"gang_share_nodes_integral", "days", "time integral of city_gang_share_nodes (trapezoid rule)"},
    {"nodes_lost", "nodes", "neighbourhoods held by the STATE at the first sample minus at the last"},
    {"clashes_gang_gang", "events", "engagements in which a gang attacked a node held by another gang"},
    {"clashes_gang_state", "events", "engagements in which a gang attacked a node held by the STATE"},
    {"clashes_all", "events", "all engagements"},
    {"fall_time", "days", "time of the first takeover of the node by a gang; NaN if it did not fall"},
};

const char *cs_sweep_kind_name(int kind) {
  static const char *const names[] = {"grid", "uniform", "loguniform", "lhs"};
  return kind >= 0 && kind < 4 ? names[kind] : "?";
}

const char *cs_sweep_metric_units(const cs_sweep *sw, int m) {
  return sw->metrics[m].kind == CS_MET_LUA ? sw->metrics[m].units : MET[sw->metrics[m].kind].units;
}
const char *cs_sweep_metric_doc(const cs_sweep *sw, int m) {
  return sw->metrics[m].kind == CS_MET_LUA ? sw->metrics[m].doc : MET[sw->metrics[m].kind].doc;
}

size_t cs_sweep_record_len(const cs_sweep *sw) {
  return (size_t)sw->n_metrics + (size_t)sw->n_traj * (size_t)sw->n_samples * (size_t)sw->n_nodes;
}

void cs_sweep_free(cs_sweep *sw) {
  if (!sw) return;
  for (int i = 0; i < sw->n_params; i++) {
    free(sw->params[i].name);
    free(sw->params[i].values);
  }
  free(sw->params);
  for (int i = 0; i < sw->n_metrics; i++) {
    free(sw->metrics[i].name);
    free(sw->metrics[i].node);
    free(sw->metrics[i].units);
    free(sw->metrics[i].doc);
  }
  free(sw->metrics);
  free(sw->lua_names); /* borrowed from metrics[].name */
  for (int i = 0; i < sw->n_sets; i++) {
    free(sw->sets[i].name);
    free(sw->sets[i].value);
  }
  free(sw->sets);
  for (int i = 0; i < sw->n_traj; i++) free(sw->traj[i]);
  free(sw->traj);
  free(sw->traj_var);
  for (int i = 0; sw->node_ids && i < sw->n_nodes; i++) free(sw->node_ids[i]);
  free(sw->node_ids);
  free(sw->scenario_name);
  free(sw->design);
  free(sw->scenario_src);
  free(sw->scenario_path);
  free(sw->src);
  free(sw->path);
  free(sw);
}

/* ---- reading the sweep table (inside the protected call; may raise) ----
** The sweep file is someone else's code: its tables are read raw (no __index,
** __len or other metamethod runs while they are read), so what is counted in
** one pass is what is read in the next. */

static int rawfield(lua_State *L, int idx, const char *k) {
  idx = lua_absindex(L, idx);
  lua_pushstring(L, k);
  return lua_rawget(L, idx);
}

static lua_Integer rawlen(lua_State *L, int idx) {
  lua_Unsigned n = lua_rawlen(L, idx);
  if (n > ((lua_Unsigned)1 << 24)) luaL_error(L, "sweep: a list of more than 2^24 entries");
  return (lua_Integer)n;
}

static char *c_strdup(lua_State *L, const char *s) {
  char *d = strdup(s);
  if (!d) luaL_error(L, "out of memory");
  return d;
}

static void *c_calloc(lua_State *L, size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz);
  if (!p) luaL_error(L, "out of memory");
  return p;
}

static uint64_t count_field(lua_State *L, int t, const char *k, uint64_t def, uint64_t min) {
  int ty = rawfield(L, t, k);
  uint64_t v = def;
  if (ty != LUA_TNIL) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < (lua_Integer)min)
      luaL_error(L, "sweep: %s must be an integer >= %d", k, (int)min);
    v = (uint64_t)lua_tointeger(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static void read_range(lua_State *L, int t, cs_sweep_param *p) {
  if (lua_type(L, t) != LUA_TTABLE || rawlen(L, t) != 2)
    luaL_error(L, "sweep: parameter '%s': %s takes {low, high}", p->name, cs_sweep_kind_name(p->kind));
  lua_rawgeti(L, t, 1);
  lua_rawgeti(L, t, 2);
  if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
    luaL_error(L, "sweep: parameter '%s': the range must be two numbers", p->name);
  p->lo = lua_tonumber(L, -2);
  p->hi = lua_tonumber(L, -1);
  lua_pop(L, 2);
  if (!isfinite(p->lo) || !isfinite(p->hi) || !(p->lo < p->hi))
    luaL_error(L, "sweep: parameter '%s': the range needs low < high, both finite", p->name);
  if (p->kind == CS_SWP_LOGUNIFORM && !(p->lo > 0))
    luaL_error(L, "sweep: parameter '%s': loguniform needs low > 0", p->name);
}

static void read_params(lua_State *L, cs_sweep *sw, int t) {
  static const char *const kinds[] = {"grid", "uniform", "loguniform", "lhs"};
  lua_Integer n = rawlen(L, t);
  sw->params = c_calloc(L, (size_t)n, sizeof *sw->params);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, t, i);
    int e = lua_gettop(L);
    if (!lua_istable(L, e)) luaL_error(L, "sweep: parameters[%d] must be a table", (int)i);
    cs_sweep_param *p = &sw->params[sw->n_params++];
    if (rawfield(L, e, "name") == LUA_TNIL) {
      lua_pop(L, 1);
      lua_rawgeti(L, e, 1);
    }
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "sweep: parameters[%d] needs a name: { \"name\", grid = {...} }", (int)i);
    p->name = c_strdup(L, lua_tostring(L, -1));
    lua_pop(L, 1);
    for (int j = 0; j < sw->n_params - 1; j++)
      if (!strcmp(sw->params[j].name, p->name)) luaL_error(L, "sweep: parameter '%s' twice", p->name);
    int found = -1;
    for (int k = 0; k < 4; k++) {
      if (rawfield(L, e, kinds[k]) != LUA_TNIL) {
        if (found >= 0) luaL_error(L, "sweep: parameter '%s': give one of grid, uniform, loguniform, lhs", p->name);
        found = k;
        p->kind = k;
        if (k == CS_SWP_GRID) {
          lua_Integer m = lua_istable(L, -1) ? rawlen(L, -1) : 0;
          if (m < 1) luaL_error(L, "sweep: parameter '%s': grid takes a non-empty list of values", p->name);
          p->values = c_calloc(L, (size_t)m, sizeof *p->values);
          for (lua_Integer v = 1; v <= m; v++) {
            int ty = lua_rawgeti(L, -1, v);
            if (ty == LUA_TBOOLEAN) p->values[v - 1] = lua_toboolean(L, -1);
            else if (lua_isnumber(L, -1) && isfinite(lua_tonumber(L, -1))) p->values[v - 1] = lua_tonumber(L, -1);
            else luaL_error(L, "sweep: parameter '%s': grid values must be finite numbers or booleans", p->name);
            lua_pop(L, 1);
          }
          p->n_values = (int)m;
        } else {
          read_range(L, lua_gettop(L), p);
        }
      }
      lua_pop(L, 1);
    }
    if (found < 0) luaL_error(L, "sweep: parameter '%s': give one of grid, uniform, loguniform, lhs", p->name);
    lua_settop(L, e - 1);
  }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Named entries of the metrics table: NAME = function(sim) ... end, or
** NAME = { function(sim) ... end, units = "..." }. Sorted by name, so the
** order never depends on the hash. Returns how many (names in sw->lua_names). */
static int read_lua_metric_names(lua_State *L, int t, cs_sweep *sw) {
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    n += lua_type(L, -2) == LUA_TSTRING;
    lua_pop(L, 1);
  }
  char **names = c_calloc(L, (size_t)n, sizeof *names);
  sw->lua_names = names; /* freed with the sweep, even if what follows raises */
  int k = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *nm = lua_tostring(L, -2);
      int ok = nm[0] == '_' || ((nm[0] | 32) >= 'a' && (nm[0] | 32) <= 'z');
      for (const char *c = nm; *c && ok; c++)
        ok = *c == '_' || (*c >= '0' && *c <= '9') || ((*c | 32) >= 'a' && (*c | 32) <= 'z');
      if (!ok || strlen(nm) > 200)
        luaL_error(L, "sweep: metric name '%s' must be an identifier (letters, digits, _)", nm);
      for (int b = 0; b < CS_MET_KINDS; b++)
        if (!strcmp(nm, MET[b].name) || !strncmp(nm, "fall_time", 9))
          luaL_error(L, "sweep: metric '%s': the name of a built-in metric; call yours something else", nm);
      int fn = lua_type(L, -1) == LUA_TFUNCTION;
      if (!fn && lua_istable(L, -1)) {
        fn = lua_rawgeti(L, -1, 1) == LUA_TFUNCTION;
        lua_pop(L, 1);
      }
      if (!fn)
        luaL_error(L, "sweep: metric '%s' must be a function of the final state, function(sim) ... end, or "
                      "{ function(sim) ... end, units = \"...\" }", nm);
      if (k < n) names[k++] = (char *)nm; /* the key stays in the table, which stays on the stack */
    } else if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || lua_tointeger(L, -2) > rawlen(L, t))
      luaL_error(L, "sweep: metrics is a list of names, then NAME = function(sim) ... end entries");
    lua_pop(L, 1);
  }
  if (k != n) luaL_error(L, "sweep: the metrics table changed while it was read");
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  return n;
}

static void read_metrics(lua_State *L, cs_sweep *sw, int t) {
  lua_Integer n = t ? rawlen(L, t) : 0;
  int n_lua = t ? read_lua_metric_names(L, t, sw) : 0;
  char **lua_names = sw->lua_names; /* keys of t for now; repointed below */
  if (!t) n = CS_MET_FALL_TIME; /* default: every built-in but fall_time */
  sw->metrics = c_calloc(L, (size_t)n + (size_t)n_lua, sizeof *sw->metrics);
  for (lua_Integer i = 1; i <= n + n_lua; i++) {
    cs_sweep_metric *m = &sw->metrics[sw->n_metrics];
    char name[256];
    if (!t) {
      m->kind = (int)(i - 1);
      snprintf(name, sizeof name, "%s", MET[m->kind].name);
    } else if (i > n) {
      const char *nm = lua_names[i - n - 1];
      m->kind = CS_MET_LUA;
      snprintf(name, sizeof name, "%s", nm);
      rawfield(L, t, nm);
      const char *units = "";
      if (lua_istable(L, -1)) {
        int ty = rawfield(L, -1, "units");
        if (ty == LUA_TSTRING) units = lua_tostring(L, -1);
        else if (ty != LUA_TNIL) luaL_error(L, "sweep: metric '%s': units must be a string", nm);
      }
      m->units = c_strdup(L, units);
      lua_settop(L, t);
      char doc[512];
      snprintf(doc, sizeof doc, "Lua function %s of the final state, defined in %s", nm, sw->path);
      m->doc = c_strdup(L, doc);
    } else {
      if (lua_rawgeti(L, t, i) != LUA_TSTRING) luaL_error(L, "sweep: metrics[%d] must be a string", (int)i);
      const char *s = lua_tostring(L, -1);
      m->kind = -1;
      if (!strncmp(s, "fall_time:", 10) && s[10]) {
        m->kind = CS_MET_FALL_TIME;
        m->node = c_strdup(L, s + 10);
        snprintf(name, sizeof name, "fall_time_%s", s + 10);
      } else {
        for (int k = 0; k < CS_MET_FALL_TIME; k++)
          if (!strcmp(s, MET[k].name)) m->kind = k;
        snprintf(name, sizeof name, "%s", s);
      }
      if (m->kind < 0)
        luaL_error(L, "sweep: unknown metric '%s' (known: displaced_final, displaced_integral, "
                      "civilian_deaths_final, engagement_deaths, gang_share_population_final, "
                      "gang_share_population_integral, gang_share_nodes_final, gang_share_nodes_integral, "
                      "nodes_lost, clashes_gang_gang, clashes_gang_state, clashes_all, fall_time:<node>; "
                      "or your own: NAME = function(sim) ... end)", s);
      lua_pop(L, 1);
    }
    m->name = c_strdup(L, name);
    sw->n_metrics++;
    for (int j = 0; j < sw->n_metrics - 1; j++)
      if (!strcmp(sw->metrics[j].name, m->name)) luaL_error(L, "sweep: metric '%s' twice", m->name);
  }
  /* the names now live in metrics[]: point there, not into the Lua state */
  sw->lua_first = (int)n;
  sw->n_lua = n_lua;
  for (int i = 0; i < n_lua; i++) sw->lua_names[i] = sw->metrics[n + i].name;
}

static int cmp_set(const void *a, const void *b) {
  return strcmp(((const cs_sweep_set *)a)->name, ((const cs_sweep_set *)b)->name);
}

/* set = { name = value, ... }: collected with lua_next, then sorted by name
** so that nothing depends on the hash order. */
static void read_sets(lua_State *L, cs_sweep *sw, int t) {
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    n++;
    lua_pop(L, 1);
  }
  sw->sets = c_calloc(L, (size_t)n, sizeof *sw->sets);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "sweep: set: keys must be parameter names");
    char buf[64];
    const char *v = NULL;
    if (lua_type(L, -1) == LUA_TBOOLEAN) v = lua_toboolean(L, -1) ? "true" : "false";
    else if (lua_isinteger(L, -1)) {
      snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, -1));
      v = buf;
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
      snprintf(buf, sizeof buf, "%.17g", lua_tonumber(L, -1));
      v = buf;
    } else if (lua_type(L, -1) == LUA_TSTRING) v = lua_tostring(L, -1);
    else luaL_error(L, "sweep: set.%s must be a number, boolean or string", lua_tostring(L, -2));
    cs_sweep_set *s = &sw->sets[sw->n_sets++];
    s->name = c_strdup(L, lua_tostring(L, -2));
    s->value = c_strdup(L, v);
    lua_pop(L, 1);
  }
  qsort(sw->sets, (size_t)sw->n_sets, sizeof *sw->sets, cmp_set);
}

static int l_sweep_decl(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "cs.sweep");
  return 0;
}

static int t_setup(lua_State *L) {
  lua_pushcfunction(L, l_sweep_decl);
  lua_setglobal(L, "sweep");
  return 0;
}

/* Read the sweep table: [ud, returned value]. */
static int t_read(lua_State *L) {
  static const char *const known[] = {"scenario", "seed", "replicates", "samples", "parameters", "metrics",
                                      "keep_trajectories", "set", NULL};
  cs_sweep *sw = lua_touserdata(L, 1);
  if (lua_isnil(L, 2)) {
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "cs.sweep");
  }
  if (!lua_istable(L, 2)) luaL_error(L, "sweep: the file must return a table or call sweep { ... }");
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    int ok = 0;
    if (lua_type(L, -2) == LUA_TSTRING)
      for (int i = 0; known[i]; i++) ok |= !strcmp(lua_tostring(L, -2), known[i]);
    if (!ok)
      luaL_error(L, "sweep: unknown field '%s' (known: scenario, seed, replicates, samples, parameters, "
                    "metrics, keep_trajectories, set)",
                 lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2));
    lua_pop(L, 1);
  }
  if (rawfield(L, 2, "scenario") != LUA_TSTRING) luaL_error(L, "sweep: scenario = \"path.lua\" is required");
  const char *scen = lua_tostring(L, -1);
  const char *slash = strrchr(sw->path, '/');
  if (scen[0] == '/' || !slash) sw->scenario_path = c_strdup(L, scen);
  else {
    size_t d = (size_t)(slash - sw->path) + 1, n = d + strlen(scen) + 1;
    sw->scenario_path = c_calloc(L, n, 1);
    memcpy(sw->scenario_path, sw->path, d);
    strcpy(sw->scenario_path + d, scen);
  }
  lua_pop(L, 1);
  sw->seed = count_field(L, 2, "seed", 1, 0);
  sw->replicates = count_field(L, 2, "replicates", 1, 1);
  sw->samples = count_field(L, 2, "samples", 0, 1);
  if (rawfield(L, 2, "parameters") != LUA_TNIL) {
    if (!lua_istable(L, -1)) luaL_error(L, "sweep: parameters must be a list of tables");
    read_params(L, sw, lua_gettop(L));
  }
  lua_pop(L, 1);
  if (rawfield(L, 2, "metrics") != LUA_TNIL) {
    if (!lua_istable(L, -1))
      luaL_error(L, "sweep: metrics must be a table: names of built-in metrics, then NAME = function(sim) ... end");
    read_metrics(L, sw, lua_gettop(L));
  } else read_metrics(L, sw, 0);
  lua_pop(L, 1);
  int ty = rawfield(L, 2, "keep_trajectories");
  if (ty == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
    static const char *const def[] = {"residents", "displaced_origin", "owner"};
    sw->traj = c_calloc(L, 3, sizeof *sw->traj);
    for (int i = 0; i < 3; i++) sw->traj[sw->n_traj++] = c_strdup(L, def[i]);
  } else if (ty == LUA_TTABLE) {
    lua_Integer n = rawlen(L, -1);
    sw->traj = c_calloc(L, (size_t)n, sizeof *sw->traj);
    for (lua_Integer i = 1; i <= n; i++) {
      if (lua_rawgeti(L, -1, i) != LUA_TSTRING) luaL_error(L, "sweep: keep_trajectories lists variable names");
      sw->traj[sw->n_traj++] = c_strdup(L, lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  } else if (ty != LUA_TNIL && ty != LUA_TBOOLEAN)
    luaL_error(L, "sweep: keep_trajectories must be a boolean or a list of node variables");
  lua_pop(L, 1);
  if (rawfield(L, 2, "set") != LUA_TNIL) {
    if (!lua_istable(L, -1)) luaL_error(L, "sweep: set must be a table { name = value }");
    read_sets(L, sw, lua_gettop(L));
  }
  lua_pop(L, 1);
  return 0;
}

/* ---- loading ---- */

/* Fill sw->design. Grid outer (first parameter slowest), random rows inner. */
static int make_design(cs_ctx *ctx, cs_sweep *sw, const cs_world *w) {
  uint64_t grid = 1, rnd = 0;
  int n_rand = 0;
  for (int i = 0; i < sw->n_params; i++) {
    if (sw->params[i].kind == CS_SWP_GRID) {
      grid *= (uint64_t)sw->params[i].n_values;
      if (grid > CS_SWEEP_MAX_RUNS) return cs_err(ctx, CS_EINVAL, "%s: the grid is too large", sw->path);
    } else n_rand++;
  }
  if (n_rand && !sw->samples)
    return cs_err(ctx, CS_EINVAL, "%s: random parameters (uniform, loguniform, lhs) need samples = N", sw->path);
  if (!n_rand && sw->samples)
    return cs_err(ctx, CS_EINVAL, "%s: samples = N is for random parameters; none is declared", sw->path);
  rnd = n_rand ? sw->samples : 1;
  if (rnd > CS_SWEEP_MAX_RUNS / grid || grid * rnd > CS_SWEEP_MAX_RUNS / sw->replicates)
    return cs_err(ctx, CS_EINVAL, "%s: too many runs", sw->path);
  size_t np = (size_t)(sw->n_params ? sw->n_params : 1);
  if (grid * rnd > CS_SWEEP_MAX_DESIGN / np) /* the design is held in memory */
    return cs_err(ctx, CS_EINVAL, "%s: the grid and samples = %llu give %llu design points of %d parameters; "
                  "the design is kept in memory, at most %llu values in all", sw->path,
                  (unsigned long long)sw->samples, (unsigned long long)(grid * rnd), sw->n_params,
                  (unsigned long long)CS_SWEEP_MAX_DESIGN);
  sw->n_points = grid * rnd;
  sw->n_runs = sw->n_points * sw->replicates;
  double *rtab = calloc((size_t)rnd * np, sizeof *rtab);
  uint32_t *perm = calloc((size_t)rnd, sizeof *perm);
  sw->design = calloc((size_t)sw->n_points * np, sizeof *sw->design);
  if (!rtab || !perm || !sw->design) {
    free(rtab);
    free(perm);
    return cs_err(ctx, CS_ENOMEM, "out of memory for the design");
  }
  /* Random rows: one stream, drawn parameter by parameter, row by row. */
  cs_pcg32 r;
  cs_stream_init(&r, sw->seed, 0, CS_ENT_NONE, 0, CS_SWEEP_DESIGN_PURPOSE);
  for (int i = 0; i < sw->n_params; i++) {
    const cs_sweep_param *p = &sw->params[i];
    if (p->kind == CS_SWP_GRID) continue;
    if (p->kind == CS_SWP_LHS) {
      for (uint64_t j = 0; j < rnd; j++) perm[j] = (uint32_t)j;
      for (uint64_t j = rnd; j > 1; j--) { /* Fisher-Yates */
        uint32_t o = cs_pcg32_bounded(&r, (uint32_t)j), tmp = perm[j - 1];
        perm[j - 1] = perm[o];
        perm[o] = tmp;
      }
    }
    for (uint64_t j = 0; j < rnd; j++) {
      double u = cs_rng_uniform(&r), v;
      if (p->kind == CS_SWP_UNIFORM) v = p->lo + (p->hi - p->lo) * u;
      else if (p->kind == CS_SWP_LOGUNIFORM) v = exp(log(p->lo) + (log(p->hi) - log(p->lo)) * u);
      else v = p->lo + (p->hi - p->lo) * ((perm[j] + u) / (double)rnd);
      rtab[j * np + (size_t)i] = v;
    }
  }
  for (uint64_t pt = 0; pt < sw->n_points; pt++) {
    uint64_t g = pt / rnd, j = pt % rnd, stride = grid;
    double *row = sw->design + pt * np;
    for (int i = 0; i < sw->n_params; i++) {
      const cs_sweep_param *p = &sw->params[i];
      if (p->kind == CS_SWP_GRID) {
        stride /= (uint64_t)p->n_values;
        row[i] = p->values[(g / stride) % (uint64_t)p->n_values];
      } else row[i] = rtab[j * np + (size_t)i];
    }
  }
  free(rtab);
  free(perm);
  /* Types and ranges, on the probe world. */
  for (int i = 0; i < sw->n_params; i++) {
    int pi = cs_world_param_find(w, sw->params[i].name);
    if (pi < 0) return cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is neither a model parameter nor declared by %s",
                              sw->path, sw->params[i].name, sw->scenario_path);
    cs_param_info info;
    cs_world_param_info(w, pi, &info);
    if (info.type == CS_PT_STRING)
      return cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is a string; only numbers can be swept", sw->path, info.name);
    for (uint64_t pt = 0; pt < sw->n_points; pt++) {
      double *v = &sw->design[pt * np + (size_t)i];
      if (info.type != CS_PT_NUMBER) *v = nearbyint(*v);
      if (info.type == CS_PT_BOOLEAN ? (*v != 0 && *v != 1) : (*v < info.min || *v > info.max))
        return cs_err(ctx, CS_EINVAL, "%s: parameter '%s' = %.17g is outside its range [%g, %g]", sw->path,
                      info.name, *v, info.type == CS_PT_BOOLEAN ? 0 : info.min, info.type == CS_PT_BOOLEAN ? 1 : info.max);
    }
  }
  return CS_OK;
}

/* Load the scenario with the fixed overrides plus design point pt. */
static int load_point(cs_ctx *ctx, const cs_sweep *sw, uint64_t pt, int with_design, uint64_t replicate,
                      cs_world **w, cs_script **sc) {
  size_t n = (size_t)sw->n_sets + (size_t)sw->n_params;
  cs_override *ov = calloc(n ? n : 1, sizeof *ov);
  char (*buf)[32] = calloc((size_t)(sw->n_params ? sw->n_params : 1), sizeof *buf);
  size_t k = 0;
  int rc;
  if (!ov || !buf) {
    free(ov);
    free(buf);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  for (int i = 0; i < sw->n_sets; i++) ov[k++] = (cs_override){sw->sets[i].name, sw->sets[i].value};
  for (int i = 0; with_design && i < sw->n_params; i++) {
    snprintf(buf[i], sizeof buf[i], "%.17g", sw->design[pt * (uint64_t)sw->n_params + (uint64_t)i]);
    ov[k++] = (cs_override){sw->params[i].name, buf[i]};
  }
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  rc = cs_script_load(ctx, sw->scenario_path, &lim, ov, k, sw->seed, replicate, 1, w, sc);
  free(ov);
  free(buf);
  return rc;
}

static int probe(cs_ctx *ctx, cs_sweep *sw) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int rc = load_point(ctx, sw, 0, 0, 0, &w, &sc);
  if (rc != CS_OK) {
    if (sw->n_sets) { /* the overrides come from the sweep file, not the command line */
      char msg[sizeof ctx->msg];
      snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
      cs_err(ctx, rc, "%s: loading the scenario with the sweep's `set` table: %s", sw->path, msg);
    }
    return rc;
  }
  size_t len = 0;
  const char *src = cs_script_source(sc, &len);
  if (!(sw->scenario_src = malloc(len + 1))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  memcpy(sw->scenario_src, src, len);
  sw->scenario_src[len] = '\0';
  sw->scenario_len = len;
  cs_sha256_hex(src, len, sw->scenario_sha);
  sw->n_nodes = cs_world_n_nodes(w);
  sw->n_samples = cs_world_n_samples(w);
  sw->days = cs_world_days(w);
  sw->sample_every = cs_world_sample_every(w);
  if (!(sw->scenario_name = strdup(cs_world_name(w))) ||
      !(sw->node_ids = calloc((size_t)sw->n_nodes + 1, sizeof *sw->node_ids))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < sw->n_nodes; i++)
    if (!(sw->node_ids[i] = strdup(cs_world_node_id(w, i)))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
  for (int m = 0; m < sw->n_metrics; m++) {
    cs_sweep_metric *me = &sw->metrics[m];
    if (me->kind == CS_MET_FALL_TIME && (me->node_idx = cs_world_find_node(w, me->node)) < 0) {
      rc = cs_err(ctx, CS_EINVAL, "%s: metric %s: %s has no node '%s'", sw->path, me->name, sw->scenario_path,
                  me->node);
      goto done;
    }
  }
  if (sw->n_lua > 0) { /* call each function once on the initial state, so a mistake shows now */
    double *tmp = calloc((size_t)sw->n_lua, sizeof *tmp);
    if (!tmp) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
    rc = cs_script_metrics(ctx, sc, sw->path, sw->src, sw->src_len, (const char *const *)sw->lua_names, sw->n_lua,
                           tmp);
    free(tmp);
    if (rc != CS_OK) {
      char msg[CS_ERRMSG_MAX];
      snprintf(msg, sizeof msg, "%s", cs_errmsg(ctx));
      cs_err(ctx, rc, "%s (on the initial state, when the sweep is loaded)", msg);
      goto done;
    }
  }
  int nv;
  const cs_var *vars = cs_world_vars(&nv);
  if (!(sw->traj_var = calloc((size_t)sw->n_traj + 1, sizeof *sw->traj_var))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int t = 0; t < sw->n_traj; t++) {
    sw->traj_var[t] = -1;
    for (int v = 0; v < nv; v++)
      if (vars[v].dim == CS_DIM_NODE && !strcmp(vars[v].name, sw->traj[t])) sw->traj_var[t] = v;
    if (sw->traj_var[t] < 0) {
      rc = cs_err(ctx, CS_EINVAL, "%s: keep_trajectories: '%s' is not a node variable (see output/README.md)",
                  sw->path, sw->traj[t]);
      goto done;
    }
  }
  rc = make_design(ctx, sw, w);
done:
  cs_script_free(sc);
  cs_world_free(w);
  return rc;
}

int cs_sweep_load(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_sweep **out) {
  cs_sweep *sw = calloc(1, sizeof *sw);
  int rc;
  if (!sw || !(sw->path = strdup(path))) {
    free(sw);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  if (src) {
    if (!(sw->src = malloc(src_len + 1))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto fail;
    }
    memcpy(sw->src, src, src_len);
    sw->src[src_len] = '\0';
    sw->src_len = src_len;
  } else if ((rc = cs_script_read_source(ctx, path, "sweep file", &sw->src, &sw->src_len)) != CS_OK) goto fail;
  cs_sha256_hex(sw->src, sw->src_len, sw->sha);
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  if ((rc = cs_script_eval(ctx, path, sw->src, sw->src_len, &lim, t_setup, t_read, sw)) != CS_OK) goto fail;
  if ((rc = probe(ctx, sw)) != CS_OK) goto fail;
  *out = sw;
  return CS_OK;
fail:
  cs_sweep_free(sw);
  return rc;
}

/* ---- one run: the metrics sink ---- */

typedef struct msink {
  const cs_sweep *sw;
  double *rec;
  int v_disp, v_civ, v_pop, v_nodes, v_owner;
  int n_nodes;
  double last_t, last[3];    /* displaced, share pop, share nodes at the previous sample */
  double integ[3];
  int64_t state0, state_last;
  double eng_deaths, gg, gs, all;
} msink;

static int find_var(const cs_sample *s, const char *name) {
  for (int v = 0; v < s->n_vars; v++)
    if (!strcmp(s->vars[v].name, name)) return v;
  return -1;
}

static int ms_begin(void *ud, const cs_world *w) { return CS_OK; }
static int ms_end(void *ud, int status) { return CS_OK; }

static int ms_sample(void *ud, const cs_sample *s) {
  msink *m = ud;
  if (s->index == 0) {
    m->v_disp = find_var(s, "city_displaced");
    m->v_civ = find_var(s, "city_civilian_deaths");
    m->v_pop = find_var(s, "city_gang_share_population");
    m->v_nodes = find_var(s, "city_gang_share_nodes");
    m->v_owner = find_var(s, "owner");
    if (m->v_disp < 0 || m->v_civ < 0 || m->v_pop < 0 || m->v_nodes < 0 || m->v_owner < 0) return CS_EINVAL;
  }
  double cur[3] = {(double)((const int64_t *)s->data[m->v_disp])[0], ((const double *)s->data[m->v_pop])[0],
                   ((const double *)s->data[m->v_nodes])[0]};
  const int64_t *own = s->data[m->v_owner];
  int64_t st = 0;
  for (int i = 0; i < m->n_nodes; i++) st += own[i] == CS_PARTY_STATE;
  if (s->index == 0) m->state0 = st;
  else
    for (int k = 0; k < 3; k++) m->integ[k] += 0.5 * (s->t - m->last_t) * (m->last[k] + cur[k]);
  m->state_last = st;
  m->last_t = s->t;
  memcpy(m->last, cur, sizeof cur);
  double *rec = m->rec;
  const cs_sweep *sw = m->sw;
  for (int k = 0; k < sw->n_metrics; k++) {
    switch (sw->metrics[k].kind) {
    case CS_MET_DISPLACED_FINAL: rec[k] = cur[0]; break;
    case CS_MET_DISPLACED_INTEGRAL: rec[k] = m->integ[0]; break;
    case CS_MET_CIV_DEATHS_FINAL: rec[k] = (double)((const int64_t *)s->data[m->v_civ])[0]; break;
    case CS_MET_SHARE_POP_FINAL: rec[k] = cur[1]; break;
    case CS_MET_SHARE_POP_INTEGRAL: rec[k] = m->integ[1]; break;
    case CS_MET_SHARE_NODES_FINAL: rec[k] = cur[2]; break;
    case CS_MET_SHARE_NODES_INTEGRAL: rec[k] = m->integ[2]; break;
    case CS_MET_NODES_LOST: rec[k] = (double)(m->state0 - m->state_last); break;
    default: break;
    }
  }
  size_t T = (size_t)sw->n_samples, N = (size_t)sw->n_nodes;
  for (int t = 0; t < sw->n_traj; t++) {
    const cs_var *var = &s->vars[sw->traj_var[t]];
    double *dst = rec + sw->n_metrics + ((size_t)t * T + (size_t)s->index) * N;
    for (size_t i = 0; i < N; i++)
      dst[i] = var->is_int ? (double)((const int64_t *)s->data[sw->traj_var[t]])[i]
                           : ((const double *)s->data[sw->traj_var[t]])[i];
  }
  return CS_OK;
}

static int ms_event(void *ud, const cs_event_rec *e) {
  msink *m = ud;
  const cs_sweep *sw = m->sw;
  if (e->kind == CS_EK_ENGAGEMENT) {
    m->eng_deaths += (double)e->deaths;
    m->all++;
    if (CS_PARTY_IS_GANG(e->actor) && CS_PARTY_IS_GANG(e->target)) m->gg++;
    if (CS_PARTY_IS_GANG(e->actor) && e->target == CS_PARTY_STATE) m->gs++;
  }
  for (int k = 0; k < sw->n_metrics; k++) {
    switch (sw->metrics[k].kind) {
    case CS_MET_ENGAGEMENT_DEATHS: m->rec[k] = m->eng_deaths; break;
    case CS_MET_CLASHES_GANG_GANG: m->rec[k] = m->gg; break;
    case CS_MET_CLASHES_GANG_STATE: m->rec[k] = m->gs; break;
    case CS_MET_CLASHES_ALL: m->rec[k] = m->all; break;
    case CS_MET_FALL_TIME:
      if (e->kind == CS_EK_TAKEOVER && e->node == sw->metrics[k].node_idx && CS_PARTY_IS_GANG(e->actor) &&
          isnan(m->rec[k]))
        m->rec[k] = e->t;
      break;
    default: break;
    }
  }
  return CS_OK;
}

int cs_sweep_run(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, double *rec) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  uint64_t pt = k / sw->replicates, rep = k % sw->replicates;
  int rc;
  if (k >= sw->n_runs) return cs_err(ctx, CS_EINVAL, "run %llu is not in the sweep", (unsigned long long)k);
  if ((rc = load_point(ctx, sw, pt, 1, rep, &w, &sc)) != CS_OK) return rc;
  msink m;
  memset(&m, 0, sizeof m);
  m.sw = sw;
  m.rec = rec;
  m.n_nodes = sw->n_nodes;
  size_t len = cs_sweep_record_len(sw);
  for (size_t i = 0; i < len; i++) rec[i] = (i < (size_t)sw->n_metrics) ? 0 : NAN;
  for (int i = 0; i < sw->n_metrics; i++)
    if (sw->metrics[i].kind == CS_MET_FALL_TIME) rec[i] = NAN;
  if (cs_world_n_nodes(w) != sw->n_nodes || cs_world_n_samples(w) != sw->n_samples) {
    rc = cs_err(ctx, CS_EINVAL, "%s: design point %llu changes the number of nodes or samples", sw->path,
                (unsigned long long)pt);
    goto done;
  }
  cs_sink sink = {&m, ms_begin, ms_sample, ms_event, ms_end};
  rc = cs_world_run(w, sw->seed, rep, &sink);
  if (rc != CS_OK) cs_err(ctx, rc, "run %llu: %s", (unsigned long long)k, cs_errmsg(cs_world_ctx(w)));
  else if (sw->n_lua > 0) {
    cs_ctx mctx = {{0}};
    rc = cs_script_metrics(&mctx, sc, sw->path, sw->src, sw->src_len, (const char *const *)sw->lua_names,
                           sw->n_lua, rec + sw->lua_first);
    if (rc != CS_OK) cs_err(ctx, rc, "run %llu: %s", (unsigned long long)k, cs_errmsg(&mctx));
  }
done:
  cs_script_free(sc);
  cs_world_free(w);
  return rc;
}
