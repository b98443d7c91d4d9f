/* script_priors.c: the priors file's reader (cs_script_priors_read in
** cs_script.h): priors { NAME = uniform(LO, HI), NAME2 = loguniform(LO, HI),
** NAME3 = uniform() } evaluated in the sandbox of sweep files, and copied
** into a cs_priors_spec (cs_targets.h), sorted by name. The language:
** scenarios/README.md, "Priors files".
**
** Invariants:
** - The constructors check their bounds when called, so a bad bound is
**   reported at its line; what they return is known by its identity (a key
**   of a table private to them), so a hand-written table is refused.
** - Names are collected with lua_next and sorted, so nothing depends on the
**   order of the hash; whether a name is a parameter of the scenario, and
**   whether the bounds fit its range, is for batch (sim/batch/priors.c). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cs_targets.h"
#include "script_int.h"

#define KIND_NAME_(kind, name) name,
static const char *const KIND_NAME[CS_PSPEC_KINDS] = {CS_PRIOR_SPEC_LIST(KIND_NAME_)};
#undef KIND_NAME_

/* uniform(LO, HI), loguniform(LO, HI), or either with no argument (the
** parameter's declared range). Upvalues: 1 the book, 2 the kind. Returns a
** table {kind, bounded, lo, hi} registered in the book. */
static int l_prior(lua_State *L) { /* [-0|2, +1, v] */
  int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
  int n = lua_gettop(L);
  const char *name = KIND_NAME[kind];
  if (n != 0 && n != 2) return luaL_error(L, "%s() takes two bounds, %s(LO, HI), or none, got %d arguments", name, name, n);
  double lo = 0, hi = 0;
  if (n == 2) {
    if (!lua_isnumber(L, 1) || !lua_isnumber(L, 2)) return luaL_error(L, "%s(LO, HI): the bounds must be numbers", name);
    lo = (double)lua_tonumber(L, 1), hi = (double)lua_tonumber(L, 2);
    char a[32], b[32]; /* lua_pushfstring has no %g */
    snprintf(a, sizeof a, "%.14g", lo);
    snprintf(b, sizeof b, "%.14g", hi);
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
      return luaL_error(L, "%s(LO, HI): needs LO < HI, both finite, got %s(%s, %s)", name, name, a, b);
    if (kind == CS_PSPEC_LOGUNIFORM && !(lo > 0)) return luaL_error(L, "loguniform(LO, HI): needs LO > 0, got %s", a);
  }
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushboolean(L, n == 2);
  lua_setfield(L, -2, "bounded");
  lua_pushnumber(L, lo);
  lua_setfield(L, -2, "lo");
  lua_pushnumber(L, hi);
  lua_setfield(L, -2, "hi");
  lua_pushvalue(L, -1);
  lua_pushboolean(L, 1);
  lua_rawset(L, lua_upvalueindex(1));
  return 1;
}

static int l_priors_decl(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_setfield(L, lua_upvalueindex(1), "__priors");
  return 0;
}

static int t_setup(lua_State *L) {
  lua_newtable(L);
  int book = lua_gettop(L);
  for (int k = 0; k < CS_PSPEC_KINDS; k++) {
    lua_pushvalue(L, book);
    lua_pushinteger(L, k);
    lua_pushcclosure(L, l_prior, 2);
    lua_setglobal(L, KIND_NAME[k]);
  }
  lua_pushvalue(L, book);
  lua_pushcclosure(L, l_priors_decl, 1);
  lua_setglobal(L, "priors");
  lua_setfield(L, LUA_REGISTRYINDEX, "cs.priors.book");
  return 0;
}

static int cmp_prior(const void *a, const void *b) {
  return strcmp(((const cs_prior_spec *)a)->name, ((const cs_prior_spec *)b)->name);
}

/* Read the priors table: [ud, returned value]. */
static int t_read(lua_State *L) {
  cs_priors_spec *sp = lua_touserdata(L, 1);
  lua_settop(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, "cs.priors.book");
  int book = 3;
  if (lua_isnil(L, 2)) {
    lua_pushstring(L, "__priors");
    lua_rawget(L, book);
    lua_replace(L, 2);
  }
  if (!lua_istable(L, 2))
    luaL_error(L, "priors: the file must return a table or call priors { NAME = uniform(LO, HI), ... }");
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    if (n >= (1 << 16)) luaL_error(L, "priors: more than 65536 entries");
    n++;
    lua_pop(L, 1);
  }
  if (n == 0) luaL_error(L, "priors: the table is empty; give NAME = uniform(LO, HI) for each parameter to calibrate");
  if (!(sp->priors = calloc((size_t)n, sizeof *sp->priors))) luaL_error(L, "out of memory");
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "priors: keys must be parameter names, NAME = uniform(LO, HI); a list entry is not one");
    const char *name = lua_tostring(L, -2);
    lua_pushvalue(L, -1);
    if (lua_type(L, -1) != LUA_TTABLE || lua_rawget(L, book) != LUA_TBOOLEAN) {
      char got[96];
      cs_script_describe(L, -2, got, sizeof got);
      luaL_error(L, "priors: '%s' must be uniform(LO, HI), loguniform(LO, HI), uniform() or loguniform(), got %s",
                 name, got);
    }
    lua_pop(L, 1);
    if (sp->n_priors == n) luaL_error(L, "priors: the table changed while it was read");
    cs_prior_spec *p = &sp->priors[sp->n_priors++];
    if (!(p->name = strdup(name))) luaL_error(L, "out of memory");
    lua_getfield(L, -1, "kind");
    lua_getfield(L, -2, "bounded");
    lua_getfield(L, -3, "lo");
    lua_getfield(L, -4, "hi");
    p->kind = (int)lua_tointeger(L, -4);
    p->bounded = lua_toboolean(L, -3);
    p->lo = (double)lua_tonumber(L, -2);
    p->hi = (double)lua_tonumber(L, -1);
    lua_pop(L, 5);
    /* the table is the file's to change after the constructor checked it */
    if (p->kind < 0 || p->kind >= CS_PSPEC_KINDS ||
        (p->bounded && (!isfinite(p->lo) || !isfinite(p->hi) || !(p->lo < p->hi) ||
                        (p->kind == CS_PSPEC_LOGUNIFORM && !(p->lo > 0)))))
      luaL_error(L, "priors: '%s': its prior was changed after it was made", name);
  }
  qsort(sp->priors, (size_t)sp->n_priors, sizeof *sp->priors, cmp_prior);
  return 0;
}

void cs_script_priors_clear(cs_priors_spec *sp) {
  if (!sp) return;
  for (int i = 0; i < sp->n_priors; i++) free(sp->priors[i].name);
  free(sp->priors);
  free(sp->src);
  memset(sp, 0, sizeof *sp);
}

int cs_script_priors_read(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_priors_spec *out) {
  cs_priors_spec sp;
  int rc;
  memset(&sp, 0, sizeof sp);
  if ((rc = cs_script_source_or_file(ctx, path, "priors file", src, src_len, &sp.src, &sp.src_len)) != CS_OK)
    return rc;
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  if ((rc = cs_script_eval(ctx, path, sp.src, sp.src_len, &lim, t_setup, t_read, &sp)) != CS_OK) {
    cs_script_priors_clear(&sp);
    return rc;
  }
  *out = sp;
  return CS_OK;
}
