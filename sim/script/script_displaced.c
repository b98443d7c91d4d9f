/* script_displaced.c: the scenario's displaced{} declaration, people already
** displaced at t = 0 (the model's side: cohorts.c, cs_world_add_displaced).
**
**   displaced{ origin = "id", at = "id" | "provinces", n = 1200, sites = 500,
**              controller = "STATE" | "CONTESTED" | gang id }
**
** Checked when called (fields known, types, 0 <= sites <= n, no sites in the
** provinces), recorded with its "path:line: ", and added to the world by
** cs_script_displaced_finish once every node and gang exists, so it may name
** things declared after it; an unknown id is then an error naming the field.
** "state" and "contested" are accepted for STATE and CONTESTED. A node's
** declared residents do not include these people (cs_world.h).
**
** Split from script_api.c, which was near 800 lines; it shares only the
** field checks of script_check.c. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "script_int.h"

#define PROVINCES "provinces"

static cs_script *S(lua_State *L) { return cs_script_from(L); }

/* displaced{ origin=, at=, n=, sites=, controller= } */
int cs_script_l_displaced(lua_State *L) {
  static const char *const fields[] = {"origin", "at", "n", "sites", "controller", NULL};
  cs_script *s = S(L);
  cs_script_need_loading(L, "displaced{}");
  luaL_checktype(L, 1, LUA_TTABLE);
  dtab c = {L, 1, "displaced"};
  const char *origin = cs_script_opt_str(&c, "origin", NULL, 1);
  snprintf(c.what, sizeof c.what, "displaced from '%.100s'", origin);
  cs_script_check_unknown(&c, fields);
  const char *at = cs_script_opt_str(&c, "at", NULL, 1);
  int64_t n = cs_script_opt_count(&c, "n", 0, 1);
  int64_t sites = cs_script_opt_count(&c, "sites", 0, 0);
  const char *ctrl = cs_script_opt_str(&c, "controller", NULL, 1);
  if (strcmp(at, origin) == 0) return luaL_error(L, "%s: field 'at' must name another node than the origin", c.what);
  if (sites > n)
    return luaL_error(L, "%s: field 'sites' must be at most n = %I, got %I", c.what, (lua_Integer)n, (lua_Integer)sites);
  if (sites > 0 && strcmp(at, PROVINCES) == 0)
    return luaL_error(L, "%s: field 'sites' must be 0 in the provinces (no sites there), got %I", c.what,
                      (lua_Integer)sites);
  if (s->n_disps >= s->cap_disps) {
    if (s->cap_disps > (1 << 24)) return luaL_error(L, "too many displaced{} declarations");
    int nc = s->cap_disps ? 2 * s->cap_disps : 16;
    sdecl_disp *p = cs_script_alloc(L, (size_t)nc * sizeof *p);
    if (s->disps) memcpy(p, s->disps, (size_t)s->n_disps * sizeof *p);
    cs_script_dealloc(s, s->disps, (size_t)s->cap_disps * sizeof *p);
    s->disps = p;
    s->cap_disps = nc;
  }
  sdecl_disp *r = &s->disps[s->n_disps];
  memset(r, 0, sizeof *r);
  s->n_disps++; /* counted now so that the free releases what follows */
  r->n = n;
  r->sites = sites;
  r->origin = cs_script_strdup(L, origin);
  r->at = cs_script_strdup(L, at);
  r->controller = cs_script_strdup(L, ctrl);
  luaL_where(L, 1);
  r->where = cs_script_strdup(L, lua_tostring(L, -1));
  lua_pop(L, 1);
  return 0;
}

/* The party code of a controller name, or a located error. */
static int controller_of(lua_State *L, cs_world *w, const sdecl_disp *r, const char *what) {
  const char *c = r->controller;
  int lower = strcmp(c, "state") == 0 || strcmp(c, "contested") == 0;
  if (lower && cs_world_find_gang(w, c) >= 0)
    luaL_error(L, "%s%s: field 'controller': '%s' is both a gang id and a name for %s; write \"%s\" or rename the gang",
               r->where, what, c, c[0] == 's' ? "STATE" : "CONTESTED", c[0] == 's' ? "STATE" : "CONTESTED");
  if (strcmp(c, "STATE") == 0 || strcmp(c, "state") == 0) return CS_PARTY_STATE;
  if (strcmp(c, "CONTESTED") == 0 || strcmp(c, "contested") == 0) return CS_PARTY_CONTESTED;
  int g = cs_world_find_gang(w, c);
  if (g < 0)
    luaL_error(L, "%s%s: field 'controller' must be \"STATE\", \"CONTESTED\" or a gang id, got '%s'", r->where, what, c);
  return CS_PARTY_GANG(g);
}

void cs_script_displaced_finish(lua_State *L) {
  cs_script *s = S(L);
  cs_world *w = s->w;
  for (int i = 0; i < s->n_disps; i++) {
    const sdecl_disp *r = &s->disps[i];
    char what[160];
    snprintf(what, sizeof what, "displaced from '%.100s'", r->origin);
    cs_displaced_decl d = {0};
    if ((d.origin = cs_world_find_node(w, r->origin)) < 0)
      luaL_error(L, "%s%s: field 'origin': unknown node '%s'", r->where, what, r->origin);
    if (strcmp(r->at, PROVINCES) == 0) {
      if (cs_world_find_node(w, PROVINCES) >= 0)
        luaL_error(L, "%s%s: field 'at': \"provinces\" names the provinces, and a node is called so too", r->where,
                   what);
      d.at = CS_AT_PROVINCES;
    } else if ((d.at = cs_world_find_node(w, r->at)) < 0)
      luaL_error(L, "%s%s: field 'at': unknown node '%s' (or \"provinces\")", r->where, what, r->at);
    d.controller = controller_of(L, w, r, what);
    d.n = r->n;
    d.sites = r->sites;
    if (cs_world_add_displaced(w, &d) != CS_OK) {
      const char *msg = cs_errmsg(cs_world_ctx(w));
      luaL_error(L, "%s%s", r->where, msg);
    }
  }
}

void cs_script_displaced_free(cs_script *s) {
  for (int i = 0; i < s->n_disps; i++) {
    sdecl_disp *r = &s->disps[i];
    cs_script_freestr(s, r->origin);
    cs_script_freestr(s, r->at);
    cs_script_freestr(s, r->controller);
    cs_script_freestr(s, r->where);
  }
  cs_script_dealloc(s, s->disps, (size_t)s->cap_disps * sizeof *s->disps);
  s->disps = NULL;
  s->n_disps = s->cap_disps = 0;
}
