/* script_city.c: the `sim` object's view of the city's structure, and the
** changes a script makes to it: a thin, fully checked binding of cs_world.h's
** "queries of the city" (sim/model/query.c) and of its structure changes
** (coalition, media reach, road closures: roads.c). Split from script_sim.c, which keeps the other
** queries, the interventions and the hooks.
**
** Every argument is checked before any side effect; a model refusal becomes
** a Lua error carrying the model's message. Results come in a fixed order
** (road declaration order for neighbours, declaration order for nodes and
** gangs), never pairs() order, so a script that iterates them stays
** deterministic. */
#include <math.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "script_int.h"

static cs_world *city_w(lua_State *L) {
  luaL_checkudata(L, 1, CS_SIM_MT);
  return cs_script_from(L)->w;
}

static int city_node(lua_State *L, int i, const char *fn) {
  const char *id = luaL_checkstring(L, i);
  int n = cs_world_find_node(cs_script_from(L)->w, id);
  if (n < 0) luaL_error(L, "%s: unknown node '%s'", fn, id);
  return n;
}

static int city_gang(lua_State *L, int i, const char *fn) {
  const char *id = luaL_checkstring(L, i);
  int n = cs_world_find_gang(cs_script_from(L)->w, id);
  if (n < 0) luaL_error(L, "%s: unknown gang '%s'", fn, id);
  return n;
}

static int city_coalition(lua_State *L, int i, const char *fn) {
  const char *id = luaL_checkstring(L, i);
  int n = cs_world_find_coalition(cs_script_from(L)->w, id);
  if (n < 0) luaL_error(L, "%s: unknown coalition '%s'", fn, id);
  return n;
}

/* Push a list of node ids. */
static void push_nodes(lua_State *L, cs_world *w, const int *nodes, int n) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, cs_world_node_id(w, nodes[i]));
    lua_rawseti(L, -2, i + 1);
  }
}

/* sim:neighbours(node) -> { {id=, km=}, ... } in road declaration order */
static int s_neighbours(lua_State *L) {
  cs_world *w = city_w(L);
  int j = city_node(L, 2, "sim:neighbours"), n = 0;
  if (cs_world_neighbours(w, j, NULL, NULL, 0, &n) != CS_OK) return cs_script_world_error(L, "sim:neighbours");
  int *nodes = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *nodes, 0);
  double *km = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *km, 0);
  if (cs_world_neighbours(w, j, nodes, km, n, &n) != CS_OK) return cs_script_world_error(L, "sim:neighbours");
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, cs_world_node_id(w, nodes[i]));
    lua_setfield(L, -2, "id");
    lua_pushnumber(L, (lua_Number)km[i]);
    lua_setfield(L, -2, "km");
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* sim:distance(a, b) -> shortest road distance, km */
static int s_distance(lua_State *L) {
  cs_world *w = city_w(L);
  int a = city_node(L, 2, "sim:distance"), b = city_node(L, 3, "sim:distance");
  double km;
  if (cs_world_distance(w, a, b, &km) != CS_OK) return cs_script_world_error(L, "sim:distance");
  lua_pushnumber(L, (lua_Number)km);
  return 1;
}

static int s_intensity(lua_State *L) {
  cs_world *w = city_w(L);
  lua_pushnumber(L, (lua_Number)cs_world_node_intensity(w, city_node(L, 2, "sim:intensity")));
  return 1;
}

/* sim:members_present(node [, gang]) -> members of gang present at node; or,
** without a gang, { {gang=, members=}, ... } for every gang in declaration
** order (0 where it holds nothing). */
static int s_members_present(lua_State *L) {
  cs_world *w = city_w(L);
  int j = city_node(L, 2, "sim:members_present");
  if (!lua_isnoneornil(L, 3)) {
    lua_pushnumber(L, (lua_Number)cs_world_members_present(w, city_gang(L, 3, "sim:members_present"), j));
    return 1;
  }
  int ng = cs_world_n_gangs(w);
  lua_createtable(L, ng, 0);
  for (int g = 0; g < ng; g++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, cs_world_gang_id(w, g));
    lua_setfield(L, -2, "gang");
    lua_pushnumber(L, (lua_Number)cs_world_members_present(w, g, j));
    lua_setfield(L, -2, "members");
    lua_rawseti(L, -2, g + 1);
  }
  return 1;
}

static int node_list(lua_State *L, const char *fn, int (*f)(const cs_world *, int, int *, int)) {
  cs_world *w = city_w(L);
  int g = city_gang(L, 2, fn);
  int n = f(w, g, NULL, 0);
  if (n < 0) return luaL_error(L, "%s: the world is not finalized yet", fn);
  int *nodes = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *nodes, 0);
  n = f(w, g, nodes, n);
  push_nodes(L, w, nodes, n);
  return 1;
}

/* sim:held(gang), sim:frontier(gang) -> list of node ids in declaration order */
static int s_held(lua_State *L) { return node_list(L, "sim:held", cs_world_gang_held); }
static int s_frontier(lua_State *L) { return node_list(L, "sim:frontier", cs_world_gang_frontier); }

/* sim:coalition(id) -> { threat=, cohesion=, formed= } */
static int s_coalition(lua_State *L) {
  cs_world *w = city_w(L);
  int c = city_coalition(L, 2, "sim:coalition"), formed = 0;
  double theta = 0, chi = 0;
  if (cs_world_coalition_state(w, c, &theta, &chi, &formed) != CS_OK)
    return cs_script_world_error(L, "sim:coalition");
  lua_createtable(L, 0, 3);
  lua_pushnumber(L, (lua_Number)theta);
  lua_setfield(L, -2, "threat");
  lua_pushnumber(L, (lua_Number)chi);
  lua_setfield(L, -2, "cohesion");
  lua_pushboolean(L, formed);
  lua_setfield(L, -2, "formed");
  return 1;
}

/* sim:gang_control() -> share, count: current residents of gang-held nodes,
** as a share of all current residents and as a count */
static int s_gang_control(lua_State *L) {
  cs_world *w = city_w(L);
  int64_t under = 0, all = 0;
  cs_world_gang_control(w, &under, &all);
  lua_pushnumber(L, all > 0 ? (lua_Number)under / (lua_Number)all : 0.0);
  lua_pushinteger(L, (lua_Integer)under);
  return 2;
}

/* sim:set_coalition(id, { formed = bool, cohesion = number }) */
static int s_set_coalition(lua_State *L) {
  static const char *const fields[] = {"cohesion", "formed", NULL};
  cs_world *w = city_w(L);
  cs_script_check_live(L, "sim:set_coalition");
  int c = city_coalition(L, 2, "sim:set_coalition");
  luaL_checktype(L, 3, LUA_TTABLE);
  dtab t = {L, 3, "sim:set_coalition"};
  cs_script_check_unknown(&t, fields);
  double chi = cs_script_opt_num(&t, "cohesion", NAN, 0, 0, 1, "a number in [0, 1]");
  int formed = -1, ty = cs_script_field(&t, "formed");
  if (ty == LUA_TBOOLEAN) formed = lua_toboolean(L, -1);
  else if (ty != LUA_TNIL) cs_script_bad_field(&t, "formed", "a boolean");
  lua_pop(L, 1);
  if (formed < 0 && isnan(chi))
    return luaL_error(L, "sim:set_coalition: give formed = true/false, cohesion = a number, or both");
  if (cs_world_coalition_set(w, c, chi, formed) != CS_OK) return cs_script_world_error(L, "sim:set_coalition");
  return 0;
}

/* sim:set_media(node, reach) */
static int s_set_media(lua_State *L) {
  cs_world *w = city_w(L);
  cs_script_check_live(L, "sim:set_media");
  int j = city_node(L, 2, "sim:set_media");
  lua_Number r = luaL_checknumber(L, 3);
  if (!(r >= 0 && r <= 1)) return luaL_error(L, "sim:set_media: reach must be in [0, 1], got %f", (double)r);
  if (cs_world_set_media(w, j, (double)r) != CS_OK) return cs_script_world_error(L, "sim:set_media");
  return 0;
}

/* sim:road_closed(a, b) -> true if the road between a and b is closed now,
** false if open; an error if there is no such road. */
static int s_road_closed(lua_State *L) {
  cs_world *w = city_w(L);
  int a = city_node(L, 2, "sim:road_closed"), b = city_node(L, 3, "sim:road_closed");
  int st = cs_world_road_state(w, a, b);
  if (st < 0) return luaL_error(L, "sim:road_closed: there is no road '%s'-'%s'", cs_world_node_id(w, a), cs_world_node_id(w, b));
  lua_pushboolean(L, st == 0);
  return 1;
}

/* sim:close_road(a, b), sim:open_road(a, b) */
static int road_change(lua_State *L, const char *fn, int (*f)(cs_world *, int, int)) {
  cs_world *w = city_w(L);
  cs_script_check_live(L, fn);
  int a = city_node(L, 2, fn), b = city_node(L, 3, fn);
  if (f(w, a, b) != CS_OK) return cs_script_world_error(L, fn);
  return 0;
}
static int s_close_road(lua_State *L) { return road_change(L, "sim:close_road", cs_world_road_close); }
static int s_open_road(lua_State *L) { return road_change(L, "sim:open_road", cs_world_road_open); }

static const luaL_Reg CITY_METHODS[] = {
    {"neighbours", s_neighbours},       {"distance", s_distance},
    {"intensity", s_intensity},         {"members_present", s_members_present},
    {"held", s_held},                   {"frontier", s_frontier},
    {"coalition", s_coalition},         {"gang_control", s_gang_control},
    {"set_coalition", s_set_coalition}, {"set_media", s_set_media},
    {"road_closed", s_road_closed},     {"close_road", s_close_road},
    {"open_road", s_open_road},
    {NULL, NULL},
};

void cs_script_city_methods(lua_State *L) { luaL_setfuncs(L, CITY_METHODS, 0); }
