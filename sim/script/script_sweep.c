/* script_sweep.c: the sweep file's reader (cs_script_sweep_read in
** cs_script.h): the sweep text evaluated in the scenario sandbox, and its
** table read into a cs_sweep_spec (cs_sweep.h), plain C data that the batch
** layer turns into a design and runs.
**
** Invariants:
** - The table is read by a C function running inside the sandbox's protected
**   call (cs_script_eval), so a malformed file raises an ordinary Lua error
**   located at its line; the messages ("sweep: ...") are part of the
**   interface (tests and fuzz replays compare them).
** - Everything read is copied into C memory owned by the spec as soon as it
**   is read, so a failure half-way leaves nothing to leak: the spec is
**   cleared (cs_script_sweep_clear) and the Lua state closed.
** - Tables are read raw (no __index, __len or other metamethod of the sweep
**   file runs while they are read), so what is counted in one pass is what
**   is read in the next; anything collected with lua_next is sorted before
**   use, so nothing depends on the order of the hash.
**
** Split out of the batch layer (sim/batch/sweep.c), which used to read the
** Lua itself through this layer's private header: Lua and script_int.h now
** stay inside sim/script, and batch sees only the plain spec. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "script_int.h"

#define KIND_NAME_(kind, name) name,
#define MET_NAME_(kind, name, ...) name,
static const char *const KIND_NAME[CS_SWP_KINDS] = {CS_SWEEP_KIND_LIST(KIND_NAME_)};
static const char *const DESIGN_NAME[CS_SWD_KINDS] = {CS_SWEEP_DESIGN_LIST(KIND_NAME_)};
static const char *const MET_NAME[CS_MET_KINDS] = {CS_SWEEP_METRIC_LIST(MET_NAME_)};
#undef KIND_NAME_
#undef MET_NAME_

/* The reader's argument (ud of cs_script_eval). */
typedef struct sweep_reader {
  const char *path;  /* the sweep file as given */
  cs_sweep_spec *sw; /* filled */
} sweep_reader;

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

#define MAX_LEVELS 1000       /* Morris grid levels */
#define MAX_BOOTSTRAP 1000000 /* bootstrap resamples */

/* design = "crossed" | "sobol" | "morris", then the fields that go with it:
** levels (morris) and bootstrap (sobol, morris). A field given with a design
** that has no use for it is an error, not silently ignored. */
static void read_design(lua_State *L, int t, cs_sweep_spec *sw) {
  int ty = rawfield(L, t, "design");
  sw->design_kind = CS_SWD_CROSSED;
  if (ty != LUA_TNIL) {
    int found = -1;
    if (ty == LUA_TSTRING)
      for (int k = 0; k < CS_SWD_KINDS; k++)
        if (!strcmp(lua_tostring(L, -1), DESIGN_NAME[k])) found = k;
    if (found < 0)
      luaL_error(L, "sweep: design must be \"crossed\" (the default), \"sobol\" or \"morris\"%s%s%s",
                 ty == LUA_TSTRING ? ", got '" : "", ty == LUA_TSTRING ? lua_tostring(L, -1) : "",
                 ty == LUA_TSTRING ? "'" : "");
    sw->design_kind = found;
  }
  lua_pop(L, 1);
  int has_levels = rawfield(L, t, "levels") != LUA_TNIL, has_boot = rawfield(L, t, "bootstrap") != LUA_TNIL;
  lua_pop(L, 2);
  if (has_levels && sw->design_kind != CS_SWD_MORRIS)
    luaL_error(L, "sweep: levels is for design = \"morris\" (the number of grid levels p)");
  if (has_boot && sw->design_kind == CS_SWD_CROSSED)
    luaL_error(L, "sweep: bootstrap is for design = \"sobol\" or \"morris\" (resamples for the intervals)");
  if (sw->design_kind == CS_SWD_MORRIS) {
    sw->levels = count_field(L, t, "levels", 4, 2);
    if (sw->levels % 2 || sw->levels > MAX_LEVELS)
      luaL_error(L, "sweep: levels must be an even integer from 2 to %d (Morris: p levels, steps of p / (2 (p - 1)))",
                 MAX_LEVELS);
  }
  if (sw->design_kind != CS_SWD_CROSSED) {
    sw->bootstrap = count_field(L, t, "bootstrap", 1000, 0);
    if (sw->bootstrap > MAX_BOOTSTRAP) luaL_error(L, "sweep: bootstrap must be at most %d", MAX_BOOTSTRAP);
  }
}

static void read_range(lua_State *L, int t, cs_sweep_param *p) {
  if (lua_type(L, t) != LUA_TTABLE || rawlen(L, t) != 2)
    luaL_error(L, "sweep: parameter '%s': %s takes {low, high}", p->name, KIND_NAME[p->kind]);
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

static void read_params(lua_State *L, cs_sweep_spec *sw, int t) {
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
    for (int k = 0; k < CS_SWP_KINDS; k++) {
      if (rawfield(L, e, KIND_NAME[k]) != LUA_TNIL) {
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
static int read_lua_metric_names(lua_State *L, int t, cs_sweep_spec *sw) {
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    n += lua_type(L, -2) == LUA_TSTRING;
    lua_pop(L, 1);
  }
  char **names = c_calloc(L, (size_t)n, sizeof *names);
  sw->lua_names = names; /* freed with the spec, even if what follows raises */
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
      /* a node metric's output names, NAME_<node>, are the built-in's too */
      for (int b = 0; b < CS_MET_KINDS; b++) {
        size_t bl = strlen(MET_NAME[b]);
        if (!strcmp(nm, MET_NAME[b]) || (b >= CS_MET_NODE_FIRST && !strncmp(nm, MET_NAME[b], bl) && nm[bl] == '_'))
          luaL_error(L, "sweep: metric '%s': the name of a built-in metric; call yours something else", nm);
      }
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

static void read_metrics(lua_State *L, cs_sweep_spec *sw, const char *path, int t) {
  lua_Integer n = t ? rawlen(L, t) : 0;
  int n_lua = t ? read_lua_metric_names(L, t, sw) : 0;
  char **lua_names = sw->lua_names; /* keys of t for now; repointed below */
  if (!t) n = CS_MET_NODE_FIRST; /* default: every built-in but those of one node */
  sw->metrics = c_calloc(L, (size_t)n + (size_t)n_lua, sizeof *sw->metrics);
  for (lua_Integer i = 1; i <= n + n_lua; i++) {
    cs_sweep_metric *m = &sw->metrics[sw->n_metrics];
    char name[256];
    if (!t) {
      m->kind = (int)(i - 1);
      snprintf(name, sizeof name, "%s", MET_NAME[m->kind]);
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
      snprintf(doc, sizeof doc, "Lua function %s of the final state, defined in %s", nm, path);
      m->doc = c_strdup(L, doc);
    } else {
      if (lua_rawgeti(L, t, i) != LUA_TSTRING) luaL_error(L, "sweep: metrics[%d] must be a string", (int)i);
      const char *s = lua_tostring(L, -1);
      const char *colon = strchr(s, ':');
      size_t head = colon ? (size_t)(colon - s) : strlen(s);
      m->kind = -1;
      for (int k = 0; k < CS_MET_KINDS; k++)
        if (strlen(MET_NAME[k]) == head && !strncmp(s, MET_NAME[k], head) &&
            (k >= CS_MET_NODE_FIRST ? colon && colon[1] : !colon))
          m->kind = k;
      if (m->kind >= CS_MET_NODE_FIRST) {
        m->node = c_strdup(L, colon + 1);
        snprintf(name, sizeof name, "%s_%s", MET_NAME[m->kind], colon + 1);
      } else snprintf(name, sizeof name, "%s", s);
      if (m->kind < 0)
        luaL_error(L, "sweep: unknown metric '%s' (known: displaced_final, displaced_integral, "
                      "civilian_deaths_final, engagement_deaths, gang_share_population_final, "
                      "gang_share_population_integral, gang_share_nodes_final, gang_share_nodes_integral, "
                      "nodes_lost, clashes_gang_gang, clashes_gang_state, clashes_all, fall_time:<node>, "
                      "fled:<node>; or your own: NAME = function(sim) ... end)", s);
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
static void read_sets(lua_State *L, cs_sweep_spec *sw, int t) {
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

#define MAX_QUANTILES 99

/* ensemble = true (quantiles 0.05, 0.5, 0.95) or { quantiles = { q1, q2, ... } }
** (increasing, in [0, 1]; an empty list: mean and variance only). */
static void read_ensemble(lua_State *L, int t, cs_sweep_spec *sw) {
  static const double def[3] = {0.05, 0.5, 0.95};
  int ty = rawfield(L, t, "ensemble");
  if (ty == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
    sw->ensemble = 1;
    sw->quantiles = c_calloc(L, 3, sizeof *sw->quantiles);
    for (int i = 0; i < 3; i++) sw->quantiles[sw->n_quantiles++] = def[i];
  } else if (ty == LUA_TTABLE) {
    int e = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, e)) {
      if (lua_type(L, -2) != LUA_TSTRING || strcmp(lua_tostring(L, -2), "quantiles") != 0)
        luaL_error(L, "sweep: ensemble takes true or { quantiles = { q1, q2, ... } }");
      lua_pop(L, 1);
    }
    sw->ensemble = 1;
    if (rawfield(L, e, "quantiles") != LUA_TTABLE)
      luaL_error(L, "sweep: ensemble = { quantiles = { q1, q2, ... } }: a list of probabilities");
    lua_Integer n = rawlen(L, -1);
    if (n > MAX_QUANTILES) luaL_error(L, "sweep: ensemble: at most %d quantiles", MAX_QUANTILES);
    sw->quantiles = c_calloc(L, (size_t)n, sizeof *sw->quantiles);
    for (lua_Integer i = 1; i <= n; i++) {
      int isnum = lua_rawgeti(L, -1, i) == LUA_TNUMBER;
      double q = lua_tonumber(L, -1);
      if (!isnum || !(q >= 0 && q <= 1) || (i > 1 && !(q > sw->quantiles[i - 2])))
        luaL_error(L, "sweep: ensemble: quantiles must be increasing numbers in [0, 1]");
      sw->quantiles[sw->n_quantiles++] = q;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  } else if (ty != LUA_TNIL && ty != LUA_TBOOLEAN)
    luaL_error(L, "sweep: ensemble takes true or { quantiles = { q1, q2, ... } }");
  lua_pop(L, 1);
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
  static const char *const known[] = {"scenario", "seed",    "replicates", "samples",           "parameters",
                                      "metrics",  "design",  "levels",     "bootstrap",         "keep_trajectories",
                                      "set",      "ensemble", "events",     NULL};
  const sweep_reader *rd = lua_touserdata(L, 1);
  cs_sweep_spec *sw = rd->sw;
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
                    "metrics, design, levels, bootstrap, keep_trajectories, set, ensemble, events)",
                 lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2));
    lua_pop(L, 1);
  }
  if (rawfield(L, 2, "scenario") != LUA_TSTRING) luaL_error(L, "sweep: scenario = \"path.lua\" is required");
  const char *scen = lua_tostring(L, -1);
  const char *slash = strrchr(rd->path, '/');
  if (scen[0] == '/' || !slash) sw->scenario_path = c_strdup(L, scen);
  else {
    size_t d = (size_t)(slash - rd->path) + 1, n = d + strlen(scen) + 1;
    sw->scenario_path = c_calloc(L, n, 1);
    memcpy(sw->scenario_path, rd->path, d);
    strcpy(sw->scenario_path + d, scen);
  }
  lua_pop(L, 1);
  sw->seed = count_field(L, 2, "seed", 1, 0);
  sw->replicates = count_field(L, 2, "replicates", 1, 1);
  sw->samples = count_field(L, 2, "samples", 0, 1);
  read_design(L, 2, sw);
  if (rawfield(L, 2, "parameters") != LUA_TNIL) {
    if (!lua_istable(L, -1)) luaL_error(L, "sweep: parameters must be a list of tables");
    read_params(L, sw, lua_gettop(L));
  }
  lua_pop(L, 1);
  for (int i = 0; i < sw->n_params && sw->design_kind != CS_SWD_CROSSED; i++) {
    const cs_sweep_param *p = &sw->params[i];
    if (p->kind == CS_SWP_GRID || p->kind == CS_SWP_LHS)
      luaL_error(L, "sweep: parameter '%s': design = \"%s\" varies every parameter over a range: give "
                    "uniform = {low, high} or loguniform = {low, high}, not %s%s", p->name, DESIGN_NAME[sw->design_kind],
                 KIND_NAME[p->kind], p->kind == CS_SWP_GRID ? " (fix it with set = { ... } instead)" : "");
  }
  if (rawfield(L, 2, "metrics") != LUA_TNIL) {
    if (!lua_istable(L, -1))
      luaL_error(L, "sweep: metrics must be a table: names of built-in metrics, then NAME = function(sim) ... end");
    read_metrics(L, sw, rd->path, lua_gettop(L));
  } else read_metrics(L, sw, rd->path, 0);
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
  read_ensemble(L, 2, sw);
  ty = rawfield(L, 2, "events");
  if (ty != LUA_TNIL) {
    const char *v = ty == LUA_TSTRING ? lua_tostring(L, -1) : "";
    if (!strcmp(v, "none")) sw->events = CS_SWEV_NONE;
    else if (!strcmp(v, "conflict")) sw->events = CS_SWEV_CONFLICT;
    else if (!strcmp(v, "all")) sw->events = CS_SWEV_ALL;
    else luaL_error(L, "sweep: events must be \"none\", \"conflict\" or \"all\" (the rows of each run's event log "
                       "the sweep file keeps, as conflictsim run --events)");
  }
  lua_pop(L, 1);
  return 0;
}

void cs_script_sweep_clear(cs_sweep_spec *sw) {
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
  free(sw->lua_names); /* the names are borrowed (from metrics[].name, or Lua keys) */
  for (int i = 0; i < sw->n_sets; i++) {
    free(sw->sets[i].name);
    free(sw->sets[i].value);
  }
  free(sw->sets);
  for (int i = 0; i < sw->n_traj; i++) free(sw->traj[i]);
  free(sw->traj);
  free(sw->quantiles);
  free(sw->scenario_path);
  free(sw->src);
  memset(sw, 0, sizeof *sw);
}

int cs_script_sweep_read(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_sweep_spec *out) {
  cs_sweep_spec sw;
  sweep_reader rd = {path, &sw};
  int rc;
  memset(&sw, 0, sizeof sw);
  if ((rc = cs_script_source_or_file(ctx, path, "sweep file", src, src_len, &sw.src, &sw.src_len)) != CS_OK)
    return rc;
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  if ((rc = cs_script_eval(ctx, path, sw.src, sw.src_len, &lim, t_setup, t_read, &rd)) != CS_OK) {
    cs_script_sweep_clear(&sw);
    return rc;
  }
  /* the Lua metric names point into metrics[], not into the closed state */
  assert(sw.scenario_path && sw.n_lua <= sw.n_metrics &&
         (sw.n_lua == 0 || sw.lua_names[0] == sw.metrics[sw.lua_first].name));
  *out = sw;
  return CS_OK;
}
