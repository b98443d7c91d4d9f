/* script_api.c: the scenario API used while a script loads: declarations,
** parameters, timers and event handlers (the `sim` object and the hooks that
** call the script during the run are in script_sim.c).
**
** Every binding checks all its arguments before any side effect, and reports
** errors with luaL_error so that they carry the caller's "path:line: ". The
** declarations are recorded (script_int.h) and added to the world in order by
** cs_script_api_finish, once the whole body has run. Nothing here iterates a
** Lua table in hash order on a path that reaches the simulation: unknown keys
** are looked for only to report an error, and model{} sorts its keys. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "script_int.h"

#define REG_IDS_NODE "cs.ids.node"
#define REG_IDS_GANG "cs.ids.gang"
#define REG_IDS_UNIT "cs.ids.unit"
#define REG_IDS_COAL "cs.ids.coal"

static cs_script *S(lua_State *L) { return cs_script_from(L); }

/* The id field of a declaration table, and c->what set from it. */
static const char *decl_id(dtab *c, const char *kind) {
  snprintf(c->what, sizeof c->what, "%s", kind);
  const char *id = cs_script_opt_str(c, "id", NULL, 1);
  if (!*id) luaL_error(c->L, "%s: field 'id' must not be empty", kind);
  snprintf(c->what, sizeof c->what, "%s '%.100s'", kind, id);
  return id;
}

/* "path:line: " of the caller, as an accounted copy. */
static char *where_dup(lua_State *L) {
  luaL_where(L, 1);
  char *w = cs_script_strdup(L, lua_tostring(L, -1));
  lua_pop(L, 1);
  return w;
}

/* Index (0-based) of id in the registry map `reg`, or -1. */
static int id_find(lua_State *L, const char *reg, const char *id) {
  lua_getfield(L, LUA_REGISTRYINDEX, reg);
  lua_getfield(L, -1, id);
  int i = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) - 1 : -1;
  lua_pop(L, 2);
  return i;
}

static void id_add(lua_State *L, const char *reg, const char *id, int i) {
  lua_getfield(L, LUA_REGISTRYINDEX, reg);
  lua_pushinteger(L, i + 1);
  lua_setfield(L, -2, id);
  lua_pop(L, 1);
}

/* Error for a second declaration of id. The records of that kind start at
** base, each stride bytes long, with their where string at offset off. */
static void check_dup(lua_State *L, const char *reg, const char *kind, const char *id,
                      const void *base, size_t stride, size_t off) {
  int i = id_find(L, reg, id);
  if (i < 0) return;
  const char *fw = *(char *const *)((const char *)base + (size_t)i * stride + off);
  char first[512];
  snprintf(first, sizeof first, "%s", fw);
  size_t n = strlen(first);
  while (n > 0 && (first[n - 1] == ' ' || first[n - 1] == ':')) first[--n] = '\0';
  luaL_error(L, "duplicate %s id '%s' (first declared at %s)", kind, id, first);
}

/* Make room for one more element of size sz in *arr. */
static void grow(lua_State *L, void **arr, int *cap, int n, size_t sz) {
  if (n < *cap) return;
  if (*cap > (1 << 28)) luaL_error(L, "too many declarations");
  int nc = *cap ? *cap * 2 : 16;
  void *np = cs_script_alloc(L, (size_t)nc * sz);
  if (*arr) memcpy(np, *arr, (size_t)n * sz);
  cs_script_dealloc(S(L), *arr, (size_t)*cap * sz);
  *arr = np;
  *cap = nc;
}

/* ---- parameters ---- */

static void push_param(lua_State *L, int i) {
  cs_param_info p;
  cs_world_param_info(S(L)->w, i, &p);
  switch (p.type) {
  case CS_PT_INTEGER: lua_pushinteger(L, (lua_Integer)p.num); break;
  case CS_PT_BOOLEAN: lua_pushboolean(L, p.num != 0); break;
  case CS_PT_STRING: lua_pushstring(L, p.str ? p.str : ""); break;
  default: lua_pushnumber(L, (lua_Number)p.num); break;
  }
}

/* Apply every --set for name, in command-line order. */
static void apply_overrides(lua_State *L, const char *name) {
  cs_script *s = S(L);
  for (size_t i = 0; i < s->n_sets; i++) {
    if (strcmp(s->sets[i].name, name) != 0) continue;
    s->set_used[i] = 1;
    if (cs_world_param_set_text(s->w, name, s->sets[i].value) != CS_OK)
      luaL_error(L, "--set %s=%s: %s", name, s->sets[i].value, cs_errmsg(cs_world_ctx(s->w)));
  }
}

static const char *param_type_name(cs_param_type t) {
  switch (t) {
  case CS_PT_INTEGER: return "an integer";
  case CS_PT_BOOLEAN: return "a boolean";
  case CS_PT_STRING: return "a string";
  default: return "a number";
  }
}

/* Set parameter i from the Lua value at idx, checking its type. */
void cs_script_set_param_value(lua_State *L, const char *fn, const char *name, int idx) {
  cs_script *s = S(L);
  int i = cs_world_param_find(s->w, name);
  if (i < 0) luaL_error(L, "%s: unknown parameter '%s'%s", fn, name, cs_world_param_hint(s->w, name));
  cs_param_info p;
  cs_world_param_info(s->w, i, &p);
  int t = lua_type(L, idx), ok;
  switch (p.type) {
  case CS_PT_BOOLEAN: ok = t == LUA_TBOOLEAN; break;
  case CS_PT_STRING: ok = t == LUA_TSTRING; break;
  default: ok = t == LUA_TNUMBER; break;
  }
  if (!ok) {
    char got[96];
    cs_script_describe(L, idx, got, sizeof got);
    luaL_error(L, "%s: parameter '%s' must be %s, got %s", fn, name, param_type_name(p.type), got);
  }
  int rc = p.type == CS_PT_STRING ? cs_world_param_set_str(s->w, name, lua_tostring(L, idx))
           : p.type == CS_PT_BOOLEAN ? cs_world_param_set(s->w, name, lua_toboolean(L, idx))
                                     : cs_world_param_set(s->w, name, (double)lua_tonumber(L, idx));
  if (rc != CS_OK) { /* the model's message names the parameter: as --set and sweeps word it */
    const char *msg = cs_errmsg(cs_world_ctx(s->w));
    if (strncmp(msg, "parameter '", 11) == 0) luaL_error(L, "%s: %s", fn, msg);
    luaL_error(L, "%s: parameter '%s': %s", fn, name, msg);
  }
}

/* param(name, default [, doc] [, {min=, max=}]) -> value. The range is set
** before any --set is applied, so an override is checked against it. */
static int l_param(lua_State *L) {
  static const char *const fields[] = {"max", "min", NULL};
  cs_script *s = S(L);
  cs_script_need_loading(L, "param()");
  const char *name = luaL_checkstring(L, 1);
  int opt = lua_istable(L, 3) ? 3 : lua_isnoneornil(L, 4) ? 0 : 4;
  const char *doc = opt == 3 ? "" : luaL_optstring(L, 3, "");
  double min = -HUGE_VAL, max = HUGE_VAL;
  if (opt) {
    luaL_checktype(L, opt, LUA_TTABLE);
    dtab c = {L, opt, ""};
    snprintf(c.what, sizeof c.what, "param '%s'", name);
    cs_script_check_unknown(&c, fields);
    min = cs_script_opt_num(&c, "min", -HUGE_VAL, 0, -HUGE_VAL, HUGE_VAL, "a finite number");
    max = cs_script_opt_num(&c, "max", HUGE_VAL, 0, -HUGE_VAL, HUGE_VAL, "a finite number");
  }
  cs_param_type type;
  double num = 0;
  const char *str = NULL;
  switch (lua_type(L, 2)) {
  case LUA_TNUMBER:
    type = lua_isinteger(L, 2) ? CS_PT_INTEGER : CS_PT_NUMBER;
    num = (double)lua_tonumber(L, 2);
    break;
  case LUA_TBOOLEAN: type = CS_PT_BOOLEAN; num = lua_toboolean(L, 2); break;
  case LUA_TSTRING: type = CS_PT_STRING; str = lua_tostring(L, 2); break;
  default: {
    char got[96];
    cs_script_describe(L, 2, got, sizeof got);
    return luaL_error(L, "param '%s': the default must be a number, boolean or string, got %s", name, got);
  }
  }
  if (cs_world_param_declare(s->w, name, type, num, str, doc) != CS_OK) {
    const char *msg = cs_errmsg(cs_world_ctx(s->w));
    if (strncmp(msg, "parameter '", 11) == 0) return luaL_error(L, "param: %s", msg); /* it names the parameter */
    return luaL_error(L, "param '%s': %s", name, msg);
  }
  if (opt && cs_world_param_range(s->w, name, min, max) != CS_OK) {
    const char *msg = cs_errmsg(cs_world_ctx(s->w));
    if (strncmp(msg, "parameter '", 11) == 0) return luaL_error(L, "param: %s", msg);
    return luaL_error(L, "param '%s': %s", name, msg);
  }
  apply_overrides(L, name);
  push_param(L, cs_world_param_find(s->w, name));
  return 1;
}

static int l_P_index(lua_State *L) {
  cs_script *s = S(L);
  if (lua_type(L, 2) != LUA_TSTRING) {
    char got[96];
    cs_script_describe(L, 2, got, sizeof got);
    return luaL_error(L, "P: parameter names are strings, got %s", got);
  }
  const char *name = lua_tostring(L, 2);
  int i = cs_world_param_find(s->w, name);
  if (i < 0) return luaL_error(L, "unknown parameter '%s'%s", name, cs_world_param_hint(s->w, name));
  push_param(L, i);
  return 1;
}

static int l_P_newindex(lua_State *L) {
  return luaL_error(L, "P is read-only: declare a parameter with param(), change one with sim:set()");
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* model{ name = value, ... }: applied in name order; a --set for the same
** name still wins. */
static int l_model(lua_State *L) {
  cs_script *s = S(L);
  cs_script_need_loading(L, "model{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "model: keys must be parameter names");
    n++;
  }
  const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
  int k = 0;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    if (k < n) names[k++] = lua_tostring(L, -1);
  }
  qsort(names, (size_t)k, sizeof *names, cmp_str);
  for (int i = 0; i < k; i++) { /* check all before setting any */
    int pi = cs_world_param_find(s->w, names[i]);
    if (pi < 0) return luaL_error(L, "model: unknown parameter '%s'%s", names[i], cs_world_param_hint(s->w, names[i]));
    cs_param_info p;
    cs_world_param_info(s->w, pi, &p);
    if (!p.is_model)
      return luaL_error(L, "model: '%s' is a scenario parameter (declared with param())", names[i]);
  }
  for (int i = 0; i < k; i++) {
    lua_getfield(L, 1, names[i]);
    cs_script_set_param_value(L, "model", names[i], -1);
    lua_pop(L, 1);
    apply_overrides(L, names[i]);
  }
  return 0;
}

/* ---- declarations ---- */

/* scenario{ name=, days=, sample_every=, start= } */
static int l_scenario(lua_State *L) {
  static const char *const fields[] = {"name", "days", "sample_every", "start", NULL};
  cs_script *s = S(L);
  cs_script_need_loading(L, "scenario{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  dtab c = {L, 1, "scenario"};
  if (s->have_scenario) return luaL_error(L, "scenario{} is declared twice");
  cs_script_check_unknown(&c, fields);
  const char *name = cs_script_opt_str(&c, "name", NULL, 0);
  double days = cs_script_opt_num(&c, "days", 0, 1, 0, HUGE_VAL, "a positive number of days");
  double every = cs_script_opt_num(&c, "sample_every", 1, 0, 0, HUGE_VAL, "a positive number of days");
  const char *start = cs_script_opt_str(&c, "start", NULL, 0);
  if (days <= 0) return luaL_error(L, "scenario: field 'days' must be a positive number of days");
  if (every <= 0) return luaL_error(L, "scenario: field 'sample_every' must be a positive number of days");
  if (cs_world_set_horizon(s->w, days, every) != CS_OK) return cs_script_world_error(L, "scenario");
  if (name && cs_world_set_name(s->w, name) != CS_OK) return cs_script_world_error(L, "scenario");
  if (start) {
    if (cs_world_set_start(s->w, start) != CS_OK) return cs_script_world_error(L, "scenario");
    s->start = cs_script_strdup(L, start);
  }
  s->have_scenario = name ? 2 : 1;
  return 0;
}

/* node{ id=, name=, commune=, x=, y=, residents=, value=, fortification=,
** owner=, site_capacity=, media= } */
static int l_node(lua_State *L) {
  static const char *const fields[] = {"id", "name", "commune", "x", "y", "residents", "value",
                                       "fortification", "owner", "site_capacity", "media", NULL};
  cs_script *s = S(L);
  cs_script_need_loading(L, "node{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  dtab c = {L, 1, ""};
  const char *id = decl_id(&c, "node");
  cs_script_check_unknown(&c, fields);
  cs_node_decl d = {0};
  const char *name = cs_script_opt_str(&c, "name", NULL, 0);
  const char *commune = cs_script_opt_str(&c, "commune", NULL, 0);
  d.x_km = cs_script_opt_num(&c, "x", 0, 0, -HUGE_VAL, HUGE_VAL, "a number (km)");
  d.y_km = cs_script_opt_num(&c, "y", 0, 0, -HUGE_VAL, HUGE_VAL, "a number (km)");
  d.residents = cs_script_opt_count(&c, "residents", 0, 0);
  d.value = cs_script_opt_num(&c, "value", 0.5, 0, 0, 1, "a number in [0, 1]");
  d.fortification = cs_script_opt_num(&c, "fortification", 0, 0, 1, HUGE_VAL, "a number >= 1");
  const char *owner = cs_script_opt_str(&c, "owner", "STATE", 0);
  d.site_capacity = cs_script_opt_count(&c, "site_capacity", 0, 0);
  /* media reach: 0.5 unless given, so that reporting works in a town written
  ** from scratch (issue 14; the Haiti scenarios' value) [P] */
  d.media = cs_script_opt_num(&c, "media", 0.5, 0, 0, 1, "a number in [0, 1]");
  check_dup(L, REG_IDS_NODE, "node", id, s->nodes, sizeof *s->nodes, offsetof(sdecl_node, where));
  grow(L, (void **)&s->nodes, &s->cap_nodes, s->n_nodes, sizeof *s->nodes);
  sdecl_node *r = &s->nodes[s->n_nodes];
  memset(r, 0, sizeof *r);
  s->n_nodes++; /* counted now so that api_free releases what follows */
  r->d = d;
  r->d.id = cs_script_strdup(L, id);
  r->d.name = name ? cs_script_strdup(L, name) : NULL;
  r->d.commune = commune ? cs_script_strdup(L, commune) : NULL;
  r->owner = cs_script_strdup(L, owner);
  r->where = where_dup(L);
  id_add(L, REG_IDS_NODE, id, s->n_nodes - 1);
  return 0;
}

/* road(a, b, km) */
static int l_road(lua_State *L) {
  cs_script *s = S(L);
  cs_script_need_loading(L, "road()");
  const char *a = luaL_checkstring(L, 1), *b = luaL_checkstring(L, 2);
  if (lua_type(L, 3) != LUA_TNUMBER || !isfinite((double)lua_tonumber(L, 3)) || lua_tonumber(L, 3) <= 0) {
    char got[96];
    cs_script_describe(L, 3, got, sizeof got);
    return luaL_error(L, "road('%s', '%s'): the distance must be a positive number of km, got %s", a, b, got);
  }
  if (strcmp(a, b) == 0) return luaL_error(L, "road('%s', '%s'): a road needs two different nodes", a, b);
  grow(L, (void **)&s->roads, &s->cap_roads, s->n_roads, sizeof *s->roads);
  sdecl_road *r = &s->roads[s->n_roads];
  memset(r, 0, sizeof *r);
  s->n_roads++;
  r->km = (double)lua_tonumber(L, 3);
  r->a = cs_script_strdup(L, a);
  r->b = cs_script_strdup(L, b);
  r->where = where_dup(L);
  return 0;
}

/* gang{ id=, name=, members=, jailed=, firepower=, aggression=, base= } */
static int l_gang(lua_State *L) {
  static const char *const fields[] = {"id", "name", "members", "jailed", "firepower",
                                       "aggression", "base", NULL};
  cs_script *s = S(L);
  cs_script_need_loading(L, "gang{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  dtab c = {L, 1, ""};
  const char *id = decl_id(&c, "gang");
  cs_script_check_unknown(&c, fields);
  cs_gang_decl d = {0};
  const char *name = cs_script_opt_str(&c, "name", NULL, 0);
  d.members = cs_script_opt_count(&c, "members", 0, 1);
  d.jailed = cs_script_opt_count(&c, "jailed", 0, 0);
  d.firepower = cs_script_opt_num(&c, "firepower", -1, 0, 0, HUGE_VAL, "a non-negative number");
  d.aggression = cs_script_opt_num(&c, "aggression", -1, 0, 0, HUGE_VAL, "a non-negative number");
  const char *base = cs_script_opt_str(&c, "base", NULL, 1);
  if (strcmp(id, "STATE") == 0 || strcmp(id, "CONTESTED") == 0)
    return luaL_error(L, "gang '%s': the ids STATE and CONTESTED are reserved", id);
  check_dup(L, REG_IDS_GANG, "gang", id, s->gangs, sizeof *s->gangs, offsetof(sdecl_gang, where));
  grow(L, (void **)&s->gangs, &s->cap_gangs, s->n_gangs, sizeof *s->gangs);
  sdecl_gang *r = &s->gangs[s->n_gangs];
  memset(r, 0, sizeof *r);
  s->n_gangs++;
  r->d = d;
  r->d.id = cs_script_strdup(L, id);
  r->d.name = name ? cs_script_strdup(L, name) : NULL;
  r->base = cs_script_strdup(L, base);
  r->where = where_dup(L);
  id_add(L, REG_IDS_GANG, id, s->n_gangs - 1);
  return 0;
}

/* rivals(a, b): gangs a and b are rivals (resolved once every gang is declared) */
static int l_rivals(lua_State *L) {
  cs_script *s = S(L);
  cs_script_need_loading(L, "rivals()");
  const char *a = luaL_checkstring(L, 1), *b = luaL_checkstring(L, 2);
  if (strcmp(a, b) == 0) return luaL_error(L, "rivals('%s', '%s'): a gang cannot be its own rival", a, b);
  grow(L, (void **)&s->rivals, &s->cap_rivals, s->n_rivals, sizeof *s->rivals);
  sdecl_rival *r = &s->rivals[s->n_rivals];
  memset(r, 0, sizeof *r);
  s->n_rivals++;
  r->a = cs_script_strdup(L, a);
  r->b = cs_script_strdup(L, b);
  r->where = where_dup(L);
  return 0;
}

/* coalition{ id=, members={ gang ids }, cohesion= } */
static int l_coalition(lua_State *L) {
  static const char *const fields[] = {"id", "members", "cohesion", NULL};
  cs_script *s = S(L);
  cs_script_need_loading(L, "coalition{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  dtab c = {L, 1, ""};
  const char *id = decl_id(&c, "coalition");
  cs_script_check_unknown(&c, fields);
  if (cs_script_field(&c, "members") != LUA_TTABLE) cs_script_bad_field(&c, "members", "a list of gang ids");
  int mt = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, mt);
  if (n < 1) cs_script_bad_field(&c, "members", "a non-empty list of gang ids");
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, mt, i) != LUA_TSTRING) {
      char got[96];
      cs_script_describe(L, -1, got, sizeof got);
      return luaL_error(L, "%s: members[%d] must be a gang id, got %s", c.what, (int)i, got);
    }
    lua_pop(L, 1);
  }
  double cohesion = cs_script_opt_num(&c, "cohesion", 0, 1, 0, 1, "a number in [0, 1]");
  check_dup(L, REG_IDS_COAL, "coalition", id, s->coals, sizeof *s->coals, offsetof(sdecl_coal, where));
  grow(L, (void **)&s->coals, &s->cap_coals, s->n_coals, sizeof *s->coals);
  sdecl_coal *r = &s->coals[s->n_coals];
  memset(r, 0, sizeof *r);
  s->n_coals++;
  r->cohesion = cohesion;
  r->id = cs_script_strdup(L, id);
  r->where = where_dup(L);
  r->members = cs_script_alloc(L, (size_t)n * sizeof *r->members);
  r->cap_members = (int)n;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, mt, i);
    r->members[r->n_members++] = cs_script_strdup(L, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  id_add(L, REG_IDS_COAL, id, s->n_coals - 1);
  return 0;
}

static int default_posture(int kind) {
  return kind == CS_UNIT_POLICE || kind == CS_UNIT_ARMY ? CS_POSTURE_PATROL : CS_POSTURE_GUARD;
}

/* The fields of unit{} and sim:add_force{}; *at receives the node id or NULL. */
const char *cs_script_parse_unit(dtab *c, cs_unit_decl *d, const char **at, int force) {
  static const char *const fields[] = {"id", "kind", "officers", "lethality", "posture", "at", NULL};
  const char *id = decl_id(c, force ? "add_force" : "unit");
  cs_script_check_unknown(c, fields);
  memset(d, 0, sizeof *d);
  const char *kind = cs_script_opt_str(c, "kind", NULL, 1);
  if ((d->kind = cs_unit_kind_find(kind)) < 0)
    luaL_error(c->L, "%s: field 'kind' must be \"police\", \"protection\", \"army\" or \"international\", got '%s'",
               c->what, kind);
  d->officers = cs_script_opt_count(c, "officers", 0, 1);
  d->lethality = cs_script_opt_num(c, "lethality", -1, 0, 0, HUGE_VAL, "a non-negative number");
  const char *posture = cs_script_opt_str(c, "posture", NULL, 0);
  d->posture = default_posture(d->kind);
  if (posture && (d->posture = cs_posture_find(posture)) < 0)
    luaL_error(c->L, "%s: field 'posture' must be \"garrison\", \"patrol\", \"offensive\" or \"guard\", got '%s'",
               c->what, posture);
  *at = cs_script_opt_str(c, "at", NULL, force || d->kind != CS_UNIT_PROTECTION);
  d->at = CS_NODE_NONE;
  return id;
}

/* unit{ id=, kind=, officers=, lethality=, posture=, at= } */
static int l_unit(lua_State *L) {
  cs_script *s = S(L);
  cs_script_need_loading(L, "unit{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  dtab c = {L, 1, ""};
  cs_unit_decl d;
  const char *at;
  const char *id = cs_script_parse_unit(&c, &d, &at, 0);
  check_dup(L, REG_IDS_UNIT, "unit", id, s->units, sizeof *s->units, offsetof(sdecl_unit, where));
  grow(L, (void **)&s->units, &s->cap_units, s->n_units, sizeof *s->units);
  sdecl_unit *r = &s->units[s->n_units];
  memset(r, 0, sizeof *r);
  s->n_units++;
  r->d = d;
  r->d.id = cs_script_strdup(L, id);
  r->at = at ? cs_script_strdup(L, at) : NULL;
  r->where = where_dup(L);
  id_add(L, REG_IDS_UNIT, id, s->n_units - 1);
  return 0;
}

/* ---- timers and handlers ---- */

/* Append the function at fidx to the registry array reg (creating it). */
static int append_fn(lua_State *L, const char *reg, int fidx) {
  lua_getfield(L, LUA_REGISTRYINDEX, reg);
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1) + 1;
  lua_pushvalue(L, fidx);
  lua_rawseti(L, -2, n);
  lua_pop(L, 1);
  return (int)n;
}

static void add_timer(lua_State *L, double t0, double every, int fidx) {
  cs_script *s = S(L);
  if (s->n_timers >= 1 << 24) luaL_error(L, "too many timers");
  grow(L, (void **)&s->timers, &s->cap_timers, s->n_timers, sizeof *s->timers);
  int id = s->n_timers;
  append_fn(L, CS_REG_TIMERS, fidx);
  s->timers[id].t0 = t0;
  s->timers[id].every = every;
  s->n_timers++;
  if (!s->loading && cs_world_timer(s->w, t0, id) != CS_OK) cs_script_world_error(L, "timer");
}

static double check_time(lua_State *L, int idx, const char *fn) {
  double now = S(L)->loading ? 0 : cs_world_now(S(L)->w);
  if (lua_type(L, idx) != LUA_TNUMBER || !isfinite((double)lua_tonumber(L, idx)) ||
      (double)lua_tonumber(L, idx) < now) {
    char got[96], min[64];
    cs_script_describe(L, idx, got, sizeof got);
    snprintf(min, sizeof min, "%g", now);
    luaL_error(L, "%s: the time must be a number of days >= %s, got %s", fn, min, got);
  }
  return (double)lua_tonumber(L, idx);
}

/* at(t, fn): fn(sim) at day t. */
static int l_at(lua_State *L) {
  cs_script_check_live(L, "at");
  double t = check_time(L, 1, "at");
  luaL_checktype(L, 2, LUA_TFUNCTION);
  add_timer(L, t, 0, 2);
  return 0;
}

/* every(dt, fn [, first_t]): fn(sim) at first_t (default now + dt), then
** every dt days until the horizon. */
static int l_every(lua_State *L) {
  cs_script_check_live(L, "every");
  if (lua_type(L, 1) != LUA_TNUMBER || !isfinite((double)lua_tonumber(L, 1)) || lua_tonumber(L, 1) <= 0) {
    char got[96];
    cs_script_describe(L, 1, got, sizeof got);
    return luaL_error(L, "every: the interval must be a positive number of days, got %s", got);
  }
  double dt = (double)lua_tonumber(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  double now = S(L)->loading ? 0 : cs_world_now(S(L)->w);
  double t0 = lua_isnoneornil(L, 3) ? now + dt : check_time(L, 3, "every");
  add_timer(L, t0, dt, 2);
  return 0;
}

/* on(kind, fn): fn(sim, ev) after every model event of that kind. */
static int l_on(lua_State *L) {
  cs_script *s = S(L);
  cs_script_check_live(L, "on");
  const char *name = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  int k = cs_event_kind_find(name);
  if (k < 0 || k >= CS_EK_COUNT) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < CS_EK_COUNT; i++) {
      if (i) luaL_addstring(&b, ", ");
      luaL_addstring(&b, cs_event_kind_name(i));
    }
    luaL_pushresult(&b);
    return luaL_error(L, "on: unknown event kind '%s' (one of %s)", name, lua_tostring(L, -1));
  }
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_ON);
  lua_rawgeti(L, -1, k + 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, s->n_on[k] + 1);
  s->n_on[k]++;
  return 0;
}

/* when(cond, fn): after each model event, cond(sim, ev); the first time it
** returns true, fn(sim, ev), once. */
static int l_when(lua_State *L) {
  cs_script *s = S(L);
  cs_script_check_live(L, "when");
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_WHEN);
  lua_createtable(L, 3, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, 2);
  lua_pushboolean(L, 0);
  lua_rawseti(L, -2, 3);
  lua_rawseti(L, -2, s->n_when + 1);
  s->n_when++;
  s->when_pending++;
  return 0;
}

/* ---- opening and finishing ---- */

void cs_script_api_open(lua_State *L) {
  static const luaL_Reg globals[] = {
      {"scenario", l_scenario}, {"param", l_param}, {"model", l_model},
      {"node", l_node},         {"road", l_road},   {"gang", l_gang},
      {"coalition", l_coalition}, {"rivals", l_rivals}, {"unit", l_unit}, {"at", l_at},
      {"every", l_every},       {"on", l_on},       {"when", l_when},
      {"displaced", cs_script_l_displaced},
      {NULL, NULL},
  };
  static const char *const regs[] = {REG_IDS_NODE, REG_IDS_GANG, REG_IDS_UNIT, REG_IDS_COAL,
                                     CS_REG_TIMERS, CS_REG_WHEN};
  for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, regs[i]);
  }
  lua_createtable(L, CS_EK_COUNT, 0);
  for (int k = 0; k < CS_EK_COUNT; k++) {
    lua_newtable(L);
    lua_rawseti(L, -2, k + 1);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, CS_REG_ON);

  lua_pushglobaltable(L);
  luaL_setfuncs(L, globals, 0);
  lua_newtable(L); /* P */
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, l_P_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_P_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "P");
  lua_pop(L, 1);

  luaL_newmetatable(L, CS_SIM_MT);
  cs_script_sim_methods(L);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "sim");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

void cs_script_api_presets(lua_State *L) {
  cs_script *s = S(L);
  for (size_t i = 0; i < s->n_sets; i++) {
    if (s->set_used[i] || cs_world_param_find(s->w, s->sets[i].name) < 0) continue;
    apply_overrides(L, s->sets[i].name);
  }
}

/* Index of a declared id in the registry map, or a located error with the
** nearest declared id as a hint (candidates in name order, so a tie gives
** the same hint on every run). */
static int resolve(lua_State *L, const char *reg, const char *id, const char *where, const char *what,
                   const char *kind) {
  int i = id_find(L, reg, id);
  if (i >= 0) return i;
  lua_getfield(L, LUA_REGISTRYINDEX, reg);
  int n = 0;
  for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) n++;
  const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
  int k = 0; /* the keys stay alive in the registry table below on the stack */
  for (lua_pushnil(L); lua_next(L, -3); lua_pop(L, 1))
    if (k < n && lua_type(L, -2) == LUA_TSTRING) names[k++] = lua_tostring(L, -2);
  qsort(names, (size_t)k, sizeof *names, cmp_str);
  const char *near = cs_nearest_name(id, names, k);
  if (near) luaL_error(L, "%s%s: unknown %s '%s' (did you mean '%s'?)", where, what, kind, id, near);
  luaL_error(L, "%s%s: unknown %s '%s'", where, what, kind, id);
  return -1;
}

void cs_script_api_finish(lua_State *L) {
  cs_script *s = S(L);
  cs_world *w = s->w;
  const char *msg;
  /* The model's messages usually name the thing already. */
#define WFAIL(where, what)                                                          \
  (msg = cs_errmsg(cs_world_ctx(w)),                                                \
   strstr(msg, what) ? luaL_error(L, "%s%s", where, msg) : luaL_error(L, "%s%s: %s", where, what, msg))
  for (size_t i = 0; i < s->n_sets; i++)
    if (!s->set_used[i])
      luaL_error(L, "unknown parameter '%s' in --set%s", s->sets[i].name, cs_world_param_hint(w, s->sets[i].name));
  if (!s->have_scenario) luaL_error(L, "no scenario{ days = ... } declaration");
  if (s->have_scenario == 1) { /* no name: the file's base name */
    const char *b = strrchr(s->path, '/');
    b = b ? b + 1 : s->path;
    const char *dot = strrchr(b, '.');
    msg = lua_pushlstring(L, b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
    if (cs_world_set_name(w, msg) != CS_OK) luaL_error(L, "%s", cs_errmsg(cs_world_ctx(w)));
    lua_pop(L, 1);
  }
  for (int i = 0; i < s->n_nodes; i++) {
    sdecl_node *r = &s->nodes[i];
    char what[160];
    snprintf(what, sizeof what, "node '%.100s'", r->d.id);
    if (strcmp(r->owner, "STATE") == 0) r->d.owner = CS_PARTY_STATE;
    else if (strcmp(r->owner, "CONTESTED") == 0) r->d.owner = CS_PARTY_CONTESTED;
    else {
      int g = id_find(L, REG_IDS_GANG, r->owner);
      if (g < 0)
        luaL_error(L, "%s%s: unknown owner '%s' (expected \"STATE\", \"CONTESTED\" or a gang id)",
                   r->where, what, r->owner);
      r->d.owner = CS_PARTY_GANG(g);
    }
    cs_node_decl d = r->d; /* a gang owner is set once the gangs exist */
    if (CS_PARTY_IS_GANG(d.owner)) d.owner = CS_PARTY_STATE;
    int idx;
    if (cs_world_add_node(w, &d, &idx) != CS_OK) WFAIL(r->where, what);
    if (idx != i) luaL_error(L, "%s%s: the model numbered it %d, expected %d", r->where, what, idx, i);
  }
  for (int i = 0; i < s->n_roads; i++) {
    sdecl_road *r = &s->roads[i];
    char what[256];
    snprintf(what, sizeof what, "road('%.100s', '%.100s')", r->a, r->b);
    int a = resolve(L, REG_IDS_NODE, r->a, r->where, what, "node");
    int b = resolve(L, REG_IDS_NODE, r->b, r->where, what, "node");
    if (cs_world_add_road(w, a, b, r->km) != CS_OK) WFAIL(r->where, what);
  }
  for (int i = 0; i < s->n_gangs; i++) {
    sdecl_gang *r = &s->gangs[i];
    char what[160];
    snprintf(what, sizeof what, "gang '%.100s'", r->d.id);
    r->d.base = resolve(L, REG_IDS_NODE, r->base, r->where, what, "base node");
    int idx;
    if (cs_world_add_gang(w, &r->d, &idx) != CS_OK) WFAIL(r->where, what);
    if (idx != i) luaL_error(L, "%s%s: the model numbered it %d, expected %d", r->where, what, idx, i);
  }
  for (int i = 0; i < s->n_nodes; i++) {
    sdecl_node *r = &s->nodes[i];
    if (!CS_PARTY_IS_GANG(r->d.owner)) continue;
    if (cs_world_set_owner(w, i, r->d.owner) != CS_OK) {
      char what[160];
      snprintf(what, sizeof what, "node '%.100s'", r->d.id);
      WFAIL(r->where, what);
    }
  }
  for (int i = 0; i < s->n_coals; i++) {
    sdecl_coal *r = &s->coals[i];
    char what[160];
    snprintf(what, sizeof what, "coalition '%.100s'", r->id);
    int *g = lua_newuserdatauv(L, (size_t)r->n_members * sizeof *g, 0);
    for (int k = 0; k < r->n_members; k++)
      g[k] = resolve(L, REG_IDS_GANG, r->members[k], r->where, what, "gang");
    int idx;
    if (cs_world_add_coalition(w, r->id, g, r->n_members, r->cohesion, &idx) != CS_OK)
      WFAIL(r->where, what);
    lua_pop(L, 1);
  }
  for (int i = 0; i < s->n_rivals; i++) {
    sdecl_rival *r = &s->rivals[i];
    char what[256];
    snprintf(what, sizeof what, "rivals('%.100s', '%.100s')", r->a, r->b);
    int a = resolve(L, REG_IDS_GANG, r->a, r->where, what, "gang");
    int b = resolve(L, REG_IDS_GANG, r->b, r->where, what, "gang");
    if (cs_world_add_rivalry(w, a, b) != CS_OK) WFAIL(r->where, what);
  }
  for (int i = 0; i < s->n_units; i++) {
    sdecl_unit *r = &s->units[i];
    char what[160];
    snprintf(what, sizeof what, "unit '%.100s'", r->d.id);
    r->d.at = r->at ? resolve(L, REG_IDS_NODE, r->at, r->where, what, "node") : CS_NODE_NONE;
    int idx;
    if (cs_world_add_unit(w, &r->d, &idx) != CS_OK) WFAIL(r->where, what);
  }
  cs_script_displaced_finish(L);
  if (cs_world_finalize(w) != CS_OK) luaL_error(L, "%s", cs_errmsg(cs_world_ctx(w)));
  for (int i = 0; i < s->n_timers; i++)
    if (cs_world_timer(w, s->timers[i].t0, i) != CS_OK) luaL_error(L, "timer: %s", cs_errmsg(cs_world_ctx(w)));
  lua_newuserdatauv(L, sizeof(void *), 0);
  luaL_setmetatable(L, CS_SIM_MT);
  lua_setfield(L, LUA_REGISTRYINDEX, CS_REG_SIM);
#undef WFAIL
}

void cs_script_api_free(cs_script *s) {
  for (int i = 0; i < s->n_nodes; i++) {
    sdecl_node *r = &s->nodes[i];
    cs_script_freestr(s, (char *)r->d.id);
    cs_script_freestr(s, (char *)r->d.name);
    cs_script_freestr(s, (char *)r->d.commune);
    cs_script_freestr(s, r->owner);
    cs_script_freestr(s, r->where);
  }
  for (int i = 0; i < s->n_roads; i++) {
    cs_script_freestr(s, s->roads[i].a);
    cs_script_freestr(s, s->roads[i].b);
    cs_script_freestr(s, s->roads[i].where);
  }
  for (int i = 0; i < s->n_gangs; i++) {
    cs_script_freestr(s, (char *)s->gangs[i].d.id);
    cs_script_freestr(s, (char *)s->gangs[i].d.name);
    cs_script_freestr(s, s->gangs[i].base);
    cs_script_freestr(s, s->gangs[i].where);
  }
  for (int i = 0; i < s->n_coals; i++) {
    sdecl_coal *r = &s->coals[i];
    for (int k = 0; k < r->n_members; k++) cs_script_freestr(s, r->members[k]);
    cs_script_dealloc(s, r->members, (size_t)r->cap_members * sizeof *r->members);
    cs_script_freestr(s, r->id);
    cs_script_freestr(s, r->where);
  }
  for (int i = 0; i < s->n_rivals; i++) {
    cs_script_freestr(s, s->rivals[i].a);
    cs_script_freestr(s, s->rivals[i].b);
    cs_script_freestr(s, s->rivals[i].where);
  }
  for (int i = 0; i < s->n_units; i++) {
    cs_script_freestr(s, (char *)s->units[i].d.id);
    cs_script_freestr(s, s->units[i].at);
    cs_script_freestr(s, s->units[i].where);
  }
  cs_script_dealloc(s, s->nodes, (size_t)s->cap_nodes * sizeof *s->nodes);
  cs_script_dealloc(s, s->roads, (size_t)s->cap_roads * sizeof *s->roads);
  cs_script_dealloc(s, s->gangs, (size_t)s->cap_gangs * sizeof *s->gangs);
  cs_script_dealloc(s, s->coals, (size_t)s->cap_coals * sizeof *s->coals);
  cs_script_dealloc(s, s->rivals, (size_t)s->cap_rivals * sizeof *s->rivals);
  cs_script_dealloc(s, s->units, (size_t)s->cap_units * sizeof *s->units);
  cs_script_dealloc(s, s->timers, (size_t)s->cap_timers * sizeof *s->timers);
  cs_script_displaced_free(s);
  cs_script_freestr(s, s->start);
  free(s->pending);
  s->nodes = NULL, s->roads = NULL, s->gangs = NULL, s->coals = NULL, s->rivals = NULL, s->units = NULL;
  s->timers = NULL, s->start = NULL, s->pending = NULL;
  s->n_nodes = s->n_roads = s->n_gangs = s->n_coals = s->n_rivals = s->n_units = s->n_timers = 0;
}

