/* script_sim.c: the run-time side of a scenario. The `sim` object handed to
** callbacks (state queries and interventions, each a thin, fully checked
** binding of the model's C API, cs_world.h: every argument is checked before
** any side effect; a model refusal becomes a Lua error carrying the model's
** message), and the hooks through which the model calls the script's timers
** and event handlers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "script_int.h"

/* Most nested events delivered for one model event or timer. */
#define CS_SCRIPT_MAX_CASCADE 100000

static cs_script *S(lua_State *L) { return cs_script_from(L); }

/* ---- the sim object ---- */

static cs_world *sim_w(lua_State *L) {
  luaL_checkudata(L, 1, CS_SIM_MT);
  return S(L)->w;
}

static int node_arg(lua_State *L, int i, const char *fn) {
  const char *id = luaL_checkstring(L, i);
  int n = cs_world_find_node(S(L)->w, id);
  if (n < 0) luaL_error(L, "%s: unknown node '%s'", fn, id);
  return n;
}

static int gang_arg(lua_State *L, int i, const char *fn) {
  const char *id = luaL_checkstring(L, i);
  int n = cs_world_find_gang(S(L)->w, id);
  if (n < 0) luaL_error(L, "%s: unknown gang '%s'", fn, id);
  return n;
}

static int unit_arg(lua_State *L, int i, const char *fn) {
  const char *id = luaL_checkstring(L, i);
  int n = cs_world_find_unit(S(L)->w, id);
  if (n < 0) luaL_error(L, "%s: unknown unit '%s'", fn, id);
  return n;
}

void cs_script_push_party(lua_State *L, int party) {
  const char *n = party == CS_PARTY_NONE ? NULL : cs_world_party_name(S(L)->w, party);
  if (n) lua_pushstring(L, n);
  else lua_pushnil(L);
}

static int s_time(lua_State *L) {
  lua_pushnumber(L, (lua_Number)cs_world_now(sim_w(L)));
  return 1;
}

static int s_owner(lua_State *L) {
  cs_world *w = sim_w(L);
  cs_script_push_party(L, cs_world_node_owner(w, node_arg(L, 2, "sim:owner")));
  return 1;
}

static int s_residents(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_node_residents(w, node_arg(L, 2, "sim:residents")));
  return 1;
}

static int s_displaced(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_node_displaced_hosted(w, node_arg(L, 2, "sim:displaced")));
  return 1;
}

static int s_displaced_from(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_node_displaced_origin(w, node_arg(L, 2, "sim:displaced_from")));
  return 1;
}

static int s_officers(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_node_officers(w, node_arg(L, 2, "sim:officers")));
  return 1;
}

static int s_members(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_gang_members(w, gang_arg(L, 2, "sim:members")));
  return 1;
}

static int s_nodes_held(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_gang_nodes(w, gang_arg(L, 2, "sim:nodes_held")));
  return 1;
}

static int s_gang_share(lua_State *L) {
  cs_world *w = sim_w(L);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TBOOLEAN);
  lua_pushnumber(L, (lua_Number)cs_world_gang_share(w, lua_toboolean(L, 2)));
  return 1;
}

/* sim:nodes() -> list of node ids, in declaration order */
static int s_nodes(lua_State *L) {
  cs_world *w = sim_w(L);
  int n = cs_world_n_nodes(w);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, cs_world_node_id(w, i));
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* sim:location(unit) -> node id, or nil on the road or off the map */
static int s_location(lua_State *L) {
  cs_world *w = sim_w(L);
  int at = cs_world_unit_location(w, unit_arg(L, 2, "sim:location"));
  if (at >= 0 && at < cs_world_n_nodes(w)) lua_pushstring(L, cs_world_node_id(w, at));
  else lua_pushnil(L);
  return 1;
}

static int s_unit_officers(lua_State *L) {
  cs_world *w = sim_w(L);
  lua_pushinteger(L, (lua_Integer)cs_world_unit_officers(w, unit_arg(L, 2, "sim:unit_officers")));
  return 1;
}

static int s_move(lua_State *L) {
  cs_world *w = sim_w(L);
  int u = unit_arg(L, 2, "sim:move");
  int n = node_arg(L, 3, "sim:move");
  if (cs_world_move_unit(w, u, n) != CS_OK) return cs_script_world_error(L, "sim:move");
  return 0;
}

/* sim:recall(from, n, { to = node }) -> id of the new unit */
static int s_recall(lua_State *L) {
  static const char *const fields[] = {"to", NULL};
  cs_world *w = sim_w(L);
  int from = unit_arg(L, 2, "sim:recall");
  int64_t n = cs_script_check_count(L, 3, "sim:recall", "the number of officers");
  luaL_checktype(L, 4, LUA_TTABLE);
  dtab c = {L, 4, "sim:recall"};
  cs_script_check_unknown(&c, fields);
  const char *to = cs_script_opt_str(&c, "to", NULL, 1);
  int node = cs_world_find_node(w, to);
  if (node < 0) return luaL_error(L, "sim:recall: unknown node '%s'", to);
  int nu = -1;
  if (cs_world_recall(w, from, n, node, &nu) != CS_OK) return cs_script_world_error(L, "sim:recall");
  lua_pushstring(L, cs_world_unit_id(w, nu));
  return 1;
}

/* sim:add_force{ id=, kind=, officers=, lethality=, posture=, at= } -> id */
static int s_add_force(lua_State *L) {
  cs_world *w = sim_w(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  dtab c = {L, 2, ""};
  cs_unit_decl d;
  const char *at;
  const char *id = cs_script_parse_unit(&c, &d, &at, 1);
  if ((d.at = cs_world_find_node(w, at)) < 0) return luaL_error(L, "%s: unknown node '%s'", c.what, at);
  if (cs_world_find_unit(w, id) >= 0) return luaL_error(L, "%s: duplicate unit id", c.what);
  d.id = id;
  int idx;
  if (cs_world_add_force(w, &d, &idx) != CS_OK) return cs_script_world_error(L, "sim:add_force");
  lua_pushstring(L, id);
  return 1;
}

static int s_set(lua_State *L) {
  sim_w(L);
  cs_script_check_live(L, "sim:set");
  const char *name = luaL_checkstring(L, 2);
  luaL_checkany(L, 3);
  cs_script_set_param_value(L, "sim:set", name, 3);
  return 0;
}

static int s_prison_break(lua_State *L) {
  cs_world *w = sim_w(L);
  int64_t n = cs_script_check_count(L, 2, "sim:prison_break", "the number of prisoners");
  int64_t freed = 0;
  if (cs_world_prison_break(w, n, &freed) != CS_OK) return cs_script_world_error(L, "sim:prison_break");
  lua_pushinteger(L, (lua_Integer)freed);
  return 1;
}

/* sim:announce(officers [, lethality]): a force announced but not deployed
** (it raises the threat coalitions feel, by w_ann). Lethality defaults to
** the international force's. */
static int s_announce(lua_State *L) {
  cs_world *w = sim_w(L);
  cs_script_check_live(L, "sim:announce");
  int64_t n = cs_script_check_count(L, 2, "sim:announce", "the number of officers");
  double leth = luaL_optnumber(L, 3, cs_world_param(w, "lethality_international"));
  if (!(leth >= 0) || leth > 1e6) return luaL_error(L, "sim:announce: lethality must be a number >= 0");
  if (cs_world_announce(w, n, leth) != CS_OK) return cs_script_world_error(L, "sim:announce");
  return 0;
}

static int s_set_capacity(lua_State *L) {
  cs_world *w = sim_w(L);
  cs_script_check_live(L, "sim:set_capacity");
  int node = node_arg(L, 2, "sim:set_capacity");
  int64_t n = cs_script_check_count(L, 3, "sim:set_capacity", "the capacity");
  if (cs_world_set_capacity(w, node, n) != CS_OK) return cs_script_world_error(L, "sim:set_capacity");
  return 0;
}

static int s_attack(lua_State *L) {
  cs_world *w = sim_w(L);
  int g = gang_arg(L, 2, "sim:attack");
  int node = node_arg(L, 3, "sim:attack");
  if (cs_world_force_attack(w, g, node) != CS_OK) return cs_script_world_error(L, "sim:attack");
  return 0;
}

/* sim:log(fmt, ...): string.format, then "[day t] message" through the
** script's log hook (stderr unless the command line gave one). */
static int s_log(lua_State *L) {
  cs_world *w = sim_w(L);
  int n = lua_gettop(L);
  luaL_checkstring(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_FORMAT);
  for (int i = 2; i <= n; i++) lua_pushvalue(L, i);
  lua_call(L, n - 1, 1);
  char day[32]; /* lua_pushfstring has no %.2f */
  snprintf(day, sizeof day, "%.2f", cs_world_now(w));
  cs_script_log(S(L), lua_pushfstring(L, "[day %s] %s", day, lua_tostring(L, -1)));
  return 0;
}

static const luaL_Reg SIM_METHODS[] = {
    {"time", s_time},           {"owner", s_owner},
    {"residents", s_residents}, {"displaced", s_displaced},
    {"displaced_from", s_displaced_from}, {"officers", s_officers},
    {"members", s_members},     {"nodes_held", s_nodes_held},
    {"gang_share", s_gang_share}, {"location", s_location}, {"nodes", s_nodes},
    {"unit_officers", s_unit_officers}, {"move", s_move},
    {"recall", s_recall},       {"add_force", s_add_force},
    {"set", s_set},             {"prison_break", s_prison_break},
    {"set_capacity", s_set_capacity}, {"attack", s_attack},
    {"announce", s_announce},
    {"log", s_log},             {NULL, NULL},
};


void cs_script_sim_methods(lua_State *L) {
  luaL_newlib(L, SIM_METHODS);
  cs_script_city_methods(L);
}

/* ---- hooks: the model calls these during the run ---- */

typedef struct call {
  int timer;                /* timer id, or -1 for an event */
  const cs_event_rec *e;
} call;

static void push_sim(lua_State *L) { lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_SIM); }

static void push_event(lua_State *L, const cs_event_rec *e) {
  cs_world *w = S(L)->w;
  lua_createtable(L, 0, 7);
  lua_pushnumber(L, (lua_Number)e->t);
  lua_setfield(L, -2, "time");
  lua_pushstring(L, cs_event_kind_name(e->kind));
  lua_setfield(L, -2, "kind");
  if (e->node >= 0 && e->node < cs_world_n_nodes(w)) {
    lua_pushstring(L, cs_world_node_id(w, e->node));
    lua_setfield(L, -2, "node");
  }
  int unit_actor = e->kind == CS_EK_MOVE || e->kind == CS_EK_FORCE || e->kind == CS_EK_RECALL ||
                   e->kind == CS_EK_ARREST || e->kind == CS_EK_DESERTION;
  int node_target = e->kind == CS_EK_FLIGHT || e->kind == CS_EK_RELOCATION || e->kind == CS_EK_RETURN ||
                    e->kind == CS_EK_RECALL || e->kind == CS_EK_ROAD_CLOSED || e->kind == CS_EK_ROAD_OPENED;
  if (e->actor >= 0) {
    if (unit_actor) lua_pushstring(L, e->actor < cs_world_n_units(w) ? cs_world_unit_id(w, e->actor) : NULL);
    else cs_script_push_party(L, e->actor);
    lua_setfield(L, -2, "actor");
  }
  if (e->target >= 0) {
    if (node_target)
      lua_pushstring(L, e->target < cs_world_n_nodes(w) ? cs_world_node_id(w, e->target) : NULL);
    else cs_script_push_party(L, e->target);
    lua_setfield(L, -2, "target");
  } else if (node_target && e->kind != CS_EK_RECALL) {
    lua_pushstring(L, "PROVINCES");
    lua_setfield(L, -2, "target");
  }
  lua_pushboolean(L, e->observed);
  lua_setfield(L, -2, "observed");
  lua_pushinteger(L, (lua_Integer)e->deaths);
  lua_setfield(L, -2, "deaths");
  lua_pushinteger(L, (lua_Integer)e->displaced);
  lua_setfield(L, -2, "displaced");
}

/* Trampoline for one timer or one event (all its handlers, then the pending
** `when` conditions), each callback with a fresh budget. */
static int t_dispatch(lua_State *L) {
  const call *c = lua_touserdata(L, 1);
  cs_script *s = S(L);
  s->cb[0] = '\0';
  if (c->timer >= 0) {
    const stimer *t = &s->timers[c->timer];
    if (t->every > 0) snprintf(s->cb, sizeof s->cb, "every(%g)", t->every);
    else snprintf(s->cb, sizeof s->cb, "at(%g)", t->t0);
    lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_TIMERS);
    lua_rawgeti(L, -1, c->timer + 1);
    push_sim(L);
    lua_call(L, 1, 0);
    return 0;
  }
  const cs_event_rec *e = c->e;
  push_event(L, e);
  int ev = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_ON);
  lua_rawgeti(L, -1, e->kind + 1);
  int handlers = lua_gettop(L);
  for (int i = 1; i <= s->n_on[e->kind]; i++) {
    lua_rawgeti(L, handlers, i);
    push_sim(L);
    lua_pushvalue(L, ev);
    snprintf(s->cb, sizeof s->cb, "on(\"%s\")", cs_event_kind_name(e->kind));
    cs_script_budget_reset(s, s->lim.callback_instructions);
    lua_call(L, 2, 0);
  }
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_WHEN);
  int whens = lua_gettop(L);
  for (int i = 1; i <= s->n_when && s->when_pending > 0; i++) {
    lua_rawgeti(L, whens, i);
    int entry = lua_gettop(L);
    lua_rawgeti(L, entry, 3);
    int fired = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!fired) {
      lua_rawgeti(L, entry, 1);
      push_sim(L);
      lua_pushvalue(L, ev);
      snprintf(s->cb, sizeof s->cb, "when() condition on \"%s\"", cs_event_kind_name(e->kind));
      cs_script_budget_reset(s, s->lim.callback_instructions);
      lua_call(L, 2, 1);
      int yes = lua_toboolean(L, -1);
      lua_pop(L, 1);
      if (yes) {
        lua_pushboolean(L, 1);
        lua_rawseti(L, entry, 3);
        s->when_pending--;
        lua_rawgeti(L, entry, 2);
        push_sim(L);
        lua_pushvalue(L, ev);
        snprintf(s->cb, sizeof s->cb, "when() action on \"%s\"", cs_event_kind_name(e->kind));
        cs_script_budget_reset(s, s->lim.callback_instructions);
        lua_call(L, 2, 0);
      }
    }
    lua_settop(L, whens);
  }
  return 0;
}

/* A callback failed: its error, with the callback and the day, is the run's. */
static int fail(cs_script *s, int rc) {
  if (!s->failed) cs_script_callback_error(s, s->cb[0] ? s->cb : "?", cs_world_now(s->w));
  s->failed = 1;
  return cs_err(cs_world_ctx(s->w), rc, "%s", s->errbuf);
}

static int wants(const cs_script *s, const cs_event_rec *e) {
  return e->kind >= 0 && e->kind < CS_EK_COUNT && (s->n_on[e->kind] > 0 || s->when_pending > 0);
}

/* Deliver the events reported while callbacks ran, in order. */
static int drain(cs_script *s) {
  int delivered = 0;
  while (s->pending_head < s->n_pending) {
    cs_event_rec e = s->pending[s->pending_head++];
    if (++delivered > CS_SCRIPT_MAX_CASCADE) {
      snprintf(s->errbuf, sizeof s->errbuf,
               "%s: callbacks caused more than %d events in a row at day %g (a callback that reacts to its own events?)",
               s->path, CS_SCRIPT_MAX_CASCADE, cs_world_now(s->w));
      s->n_pending = s->pending_head = 0;
      return fail(s, CS_ESCRIPT);
    }
    if (!wants(s, &e)) continue;
    call c = {-1, &e};
    int rc = cs_script_pcall(s, t_dispatch, &c, s->lim.callback_instructions);
    if (rc != CS_OK) {
      s->n_pending = s->pending_head = 0;
      return fail(s, rc);
    }
  }
  s->n_pending = s->pending_head = 0;
  return CS_OK;
}

static int hook_timer(void *ud, cs_world *w, int id) {
  cs_script *s = ud;
  if (s->failed) return cs_err(cs_world_ctx(w), CS_ESCRIPT, "%s", s->errbuf);
  if (id < 0 || id >= s->n_timers) return cs_err(cs_world_ctx(w), CS_EINVAL, "unknown script timer %d", id);
  call c = {id, NULL};
  int rc = cs_script_pcall(s, t_dispatch, &c, s->lim.callback_instructions);
  if (rc != CS_OK) return fail(s, rc);
  if (s->timers[id].every > 0) {
    double next = cs_world_now(w) + s->timers[id].every;
    if (next <= cs_world_days(w) && (rc = cs_world_timer(w, next, id)) != CS_OK) return rc;
  }
  return s->depth == 0 ? drain(s) : CS_OK;
}

static int hook_event(void *ud, cs_world *w, const cs_event_rec *e) {
  cs_script *s = ud;
  if (s->failed) return cs_err(cs_world_ctx(w), CS_ESCRIPT, "%s", s->errbuf);
  if (!wants(s, e)) return CS_OK;
  if (s->depth > 0) { /* reported by an intervention inside a callback */
    if (s->n_pending == s->cap_pending) {
      int nc = s->cap_pending ? s->cap_pending * 2 : 64;
      cs_event_rec *np = realloc(s->pending, (size_t)nc * sizeof *np);
      if (!np) return cs_err(cs_world_ctx(w), CS_ENOMEM, "out of memory");
      s->pending = np;
      s->cap_pending = nc;
    }
    s->pending[s->n_pending++] = *e;
    return CS_OK;
  }
  call c = {-1, e};
  int rc = cs_script_pcall(s, t_dispatch, &c, s->lim.callback_instructions);
  if (rc != CS_OK) return fail(s, rc);
  return drain(s);
}

/* The world branched (cs_world_set_branch): math.random's stream is re-keyed
** like the model's, from (seed, replicate, CS_ENT_SCRIPT, 0, 0, branch). */
static int hook_branch(void *ud, cs_world *w, uint64_t seed, uint64_t replicate, uint64_t branch) {
  (void)w;
  cs_script *s = ud;
  cs_stream_init_branch(&s->rng, seed, replicate, CS_ENT_SCRIPT, 0, 0, branch);
  return CS_OK;
}

void cs_script_hooks(cs_script *s, cs_hooks *out) {
  s->counting_run = 1;
  s->run_used = 0;
  out->ud = s;
  out->timer = hook_timer;
  out->event = hook_event;
  out->branch = hook_branch;
}

/* ---- sweep metrics: Lua functions of the final state ---- */

/* The sim methods a metric may call: the state queries, no intervention. */
static const char *const READ_METHODS[] = {"time",    "owner",      "residents", "displaced", "displaced_from",
                                           "officers", "members",   "nodes_held", "gang_share", "location",
                                           "unit_officers", "nodes", "neighbours", "distance",
                                           "intensity", "members_present", "held", "frontier",
                                           "coalition", "gang_control", "road_closed", NULL};

/* A method of the read-only sim: upvalues (method, real sim, proxy). */
static int ro_call(lua_State *L) { /* [-n, +r, v] */
  if (!lua_rawequal(L, 1, lua_upvalueindex(3)))
    return luaL_error(L, "call the sim methods as sim:name(...)");
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_replace(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

static int l_capture_sweep(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_setfield(L, lua_upvalueindex(1), "__sweep");
  return 0;
}

typedef struct metric_args {
  const char *path, *src;
  size_t len;
  const char *const *names;
  int n;
  double *out;
  int cur;              /* the metric being evaluated, -1 while loading */
} metric_args;

void cs_script_push_readonly_sim(lua_State *L) {
  lua_newtable(L);
  int proxy = lua_gettop(L);
  luaL_getmetatable(L, CS_SIM_MT);
  lua_getfield(L, -1, "__index");
  int methods = lua_gettop(L);
  for (int i = 0; READ_METHODS[i]; i++) {
    lua_getfield(L, methods, READ_METHODS[i]);
    push_sim(L);
    lua_pushvalue(L, proxy);
    lua_pushcclosure(L, ro_call, 3);
    lua_setfield(L, proxy, READ_METHODS[i]);
  }
  lua_settop(L, proxy);
}

static int t_metrics(lua_State *L) {
  metric_args *a = lua_touserdata(L, 1);
  cs_script *s = S(L);
  cs_script_push_readonly_sim(L);
  int proxy = lua_gettop(L);
  /* the sweep chunk, in its own environment over the scenario's globals */
  lua_newtable(L);
  int env = lua_gettop(L);
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, env);
  lua_pushvalue(L, env);
  lua_pushcclosure(L, l_capture_sweep, 1);
  lua_setfield(L, env, "sweep");
  const char *chunkname = lua_pushfstring(L, "@%s", a->path);
  if (luaL_loadbufferx(L, a->src, a->len, chunkname, "t") != LUA_OK) return lua_error(L);
  lua_pushvalue(L, env);
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 1);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_pushstring(L, "__sweep");
    lua_rawget(L, env);
  }
  /* raw reads: the sweep's own metamethods never run here */
  if (!lua_istable(L, -1)) return luaL_error(L, "%s: the sweep no longer defines its metrics table", a->path);
  lua_pushstring(L, "metrics");
  if (lua_rawget(L, -2) != LUA_TTABLE) return luaL_error(L, "%s: the sweep no longer defines its metrics table", a->path);
  int mt = lua_gettop(L);
  for (a->cur = 0; a->cur < a->n; a->cur++) {
    lua_pushstring(L, a->names[a->cur]);
    int ty = lua_rawget(L, mt);
    if (ty == LUA_TTABLE) {
      lua_rawgeti(L, -1, 1);
      lua_remove(L, -2);
    }
    if (lua_type(L, -1) != LUA_TFUNCTION) return luaL_error(L, "%s: not a function", a->path);
    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar); /* where it is defined, for the message below */
    lua_pushvalue(L, proxy);
    cs_script_budget_reset(s, s->lim.callback_instructions);
    lua_call(L, 1, 1);
    if (lua_type(L, -1) != LUA_TNUMBER)
      return luaL_error(L, "%s:%d: returned %s, not a number", ar.short_src, ar.linedefined, luaL_typename(L, -1));
    a->out[a->cur] = (double)lua_tonumber(L, -1);
    lua_settop(L, mt);
  }
  return 0;
}

int cs_script_metrics(cs_ctx *ctx, cs_script *s, const char *sweep_path, const char *src, size_t len,
                      const char *const *names, int n, double *out) {
  metric_args a = {sweep_path, src, len, names, n, out, -1};
  if (n <= 0) return CS_OK;
  int rc = cs_script_pcall(s, t_metrics, &a, s->lim.load_instructions);
  if (rc == CS_OK) return CS_OK;
  if (a.cur >= 0 && a.cur < n) {
    cs_script_callback_error(s, "sweep metric", cs_world_now(s->w));
    return cs_err(ctx, rc, "%s: metric '%s': %s", sweep_path, names[a.cur], s->errbuf);
  }
  return cs_err(ctx, rc, "%s: evaluating the sweep file for its metric functions: %s", sweep_path, s->errbuf);
}
