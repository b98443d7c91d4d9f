/* script_bound.c: the library functions whose work the instruction hook
** cannot see, made to pay for it.
**
** The count hook fires between Lua instructions only; a call into a C
** function is one instruction however long it runs. Most of the allowed
** library is linear in its arguments and so bounded by the memory cap, but
** not all of it:
** - string.find, match, gmatch and gsub backtrack: a pattern with k
**   quantifiers can take (n+1)^k steps at each of n+1 starting positions
**   (string.find(string.rep("a", 30000), ".-.-.-.-.-b") runs for hours);
**   a plain find is (n+1) x (pattern length) in the worst case;
** - string.rep("", 1e15) copies nothing 1e15 times;
** - table.move(a, 1, 1e15, 2) loops 1e15 times over nils;
** - table.insert(t, 1, v) and table.remove(t, 1) shift #t elements, and
**   table.sort(t) compares about #t log2 #t pairs: with __len returning
**   1e15, or a long list of long strings, these run for hours in C. They
**   are charged #t (for sort #t log2 #t, times the cost of comparing its
**   longest string), with #t taken raw and refused on a table whose
**   metatable has __len, since one could make the length the library sees
**   differ from the one charged. table.sort is replaced by a stable merge
**   sort (see l_bounded_sort: the library's pivot depends on the clock).
** The wrappers here charge each call its worst case against the current
** instruction budget (cs_script_charge) before calling the original: a
** call whose bound exceeds what is left fails at once with the budget
** error, and a pattern that cannot blow up costs what it reads. The bound
** for a pattern is (starting positions) x (pattern length + 1) x (n+1) per
** `*`, `+`, `-`, %b and back reference x 2 per `?`: gmatch and gsub try
** each starting position once, so one charge covers all their matches. */
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "script_int.h"

enum { B_FIND, B_MATCH, B_GMATCH, B_GSUB };
static const char *const B_NAME[] = {"string.find", "string.match", "string.gmatch", "string.gsub"};

static uint64_t mul_sat(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
  return a * b;
}

/* Skip a character class at p[i] (one item without its quantifier). */
static size_t class_end(const char *p, size_t lp, size_t i) {
  if (p[i] == '%') return i + 2 <= lp ? i + 2 : lp;
  if (p[i] != '[') return i + 1;
  i++;
  if (i < lp && p[i] == '^') i++;
  do { /* the first ']' is a literal */
    if (i >= lp) return lp;
    if (p[i] == '%') i++;
    i++;
  } while (i < lp && p[i] != ']');
  return i < lp ? i + 1 : lp;
}

/* Worst-case steps to match pattern p against n bytes (see the top). */
static uint64_t pattern_cost(const char *p, size_t lp, size_t n, int plain, int may_anchor) {
  uint64_t N = (uint64_t)n + 1, cost = mul_sat(N, (uint64_t)lp + 1);
  if (plain) return cost;
  size_t i = 0;
  if (may_anchor && lp > 0 && p[0] == '^') {
    cost = (uint64_t)lp + 1;
    i = 1;
  }
  while (i < lp) {
    char c = p[i];
    if (c == '(' || c == ')') {
      i++;
      continue;
    }
    if (c == '%' && i + 1 < lp) {
      char d = p[i + 1];
      if (d == 'b') { /* %bxy scans to the balancing y */
        cost = mul_sat(cost, N);
        i += 4;
        continue;
      }
      if (d == 'f') { /* %f[set]: one step */
        i = class_end(p, lp, i + 2);
        continue;
      }
      if (d >= '0' && d <= '9') { /* a back reference compares a capture */
        cost = mul_sat(cost, N);
        i += 2;
        continue;
      }
    }
    i = class_end(p, lp, i);
    if (i < lp) {
      if (p[i] == '*' || p[i] == '+' || p[i] == '-') {
        cost = mul_sat(cost, N);
        i++;
      } else if (p[i] == '?') {
        cost = mul_sat(cost, 2);
        i++;
      }
    }
  }
  return cost;
}

/* upvalues: the original function, the kind */
static int l_bounded_match(lua_State *L) {
  int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
  size_t n, lp;
  luaL_checklstring(L, 1, &n);
  const char *p = luaL_checklstring(L, 2, &lp);
  int plain = kind == B_FIND && lua_toboolean(L, 4);
  cs_script_charge(L, pattern_cost(p, lp, n, plain, kind != B_GMATCH), B_NAME[kind]);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* string.rep(s, n [, sep]): nothing to repeat gives "" at once. */
static int l_bounded_rep(lua_State *L) {
  size_t l, lsep = 0;
  luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &lsep);
  if (n <= 0 || l + lsep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* table.move(a1, f, e, t [, a2]): charged e - f + 1 steps. */
static int l_bounded_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
  if (e >= f) {
    uint64_t count = (uint64_t)e - (uint64_t)f + 1;
    cs_script_charge(L, count ? count : UINT64_MAX, "table.move");
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* The raw length of the table argument, refused if it has a __len
** metamethod: one that returns different values could make the length the
** library sees differ from the one charged. (__index and __newindex are
** fine: they act per element, and a Lua one runs under the count hook.) */
static lua_Integer plain_len(lua_State *L, const char *what) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL)
    luaL_error(L, "%s: the sandbox does not apply it to a table whose metatable has __len", what);
  return (lua_Integer)lua_rawlen(L, 1);
}

/* table.insert(t, [pos,] v) and table.remove(t [, pos]): the library's
** argument checks, done here so that their messages name the function, then
** a charge for the elements they may shift, then the library function. */
static int l_bounded_shift(lua_State *L) {
  int remove = (int)lua_tointeger(L, lua_upvalueindex(2));
  const char *what = remove ? "table.remove" : "table.insert";
  lua_Integer n = plain_len(L, what), pos;
  if (remove) {
    pos = luaL_optinteger(L, 2, n); /* remove(t, nil) is remove(t) */
    if (pos != n) luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)n, 2, "position out of bounds");
  } else if (lua_gettop(L) == 2) {
    pos = n + 1;
  } else if (lua_gettop(L) == 3) {
    pos = luaL_checkinteger(L, 2);
    luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)n + 1u, 2, "position out of bounds");
  } else {
    return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  if (pos >= 1 && pos <= n + 1) cs_script_charge(L, (uint64_t)(n + 1 - pos) + 1, what);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* a < b for the values at absolute indices ia, ib: comp(a, b) if the sort has
** a comparator (at index 2), else the < operator (with __lt if any). */
static int sort_less(lua_State *L, int has_comp, int ia, int ib) {
  if (!has_comp) return lua_compare(L, ia, ib, LUA_OPLT);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, ia);
  lua_pushvalue(L, ib);
  lua_call(L, 2, 1);
  int r = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return r;
}

/* table.sort(t [, comp]): a bottom-up merge sort here instead of the
** library's quicksort, for two reasons. The library picks a random pivot
** (from clock() and time()) when a partition is lopsided, so the order it
** leaves equal elements in could differ between two runs of one seed; this
** sort is stable, so that order is the input's. And its work is known in
** advance: about n log2 n comparisons, each charged 1 + (the longest string
** in t) / 64 since comparing strings costs their length, plus n to copy. */
static int l_bounded_sort(lua_State *L) {
  lua_Integer n = plain_len(L, "table.sort");
  int has_comp = !lua_isnoneornil(L, 2);
  if (has_comp) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  if (n < 2) return 0;
  size_t longest = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 1, i) == LUA_TSTRING && lua_rawlen(L, -1) > longest) longest = lua_rawlen(L, -1);
    lua_pop(L, 1);
  }
  uint64_t lg = 1;
  while (lg < 63 && ((uint64_t)1 << lg) < (uint64_t)n) lg++;
  uint64_t per = 1 + longest / 64, cmp = (uint64_t)n * lg;
  cs_script_charge(L, 2 * (uint64_t)n + (cmp > UINT64_MAX / per ? UINT64_MAX : cmp * per), "table.sort");
  /* src and dst alternate: runs of width w in src are merged into dst */
  lua_createtable(L, (int)(n < INT32_MAX ? n : 0), 0); /* 3 */
  lua_createtable(L, (int)(n < INT32_MAX ? n : 0), 0); /* 4 */
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    lua_rawseti(L, 3, i);
  }
  int src = 3, dst = 4;
  for (lua_Integer w = 1; w < n; w *= 2) {
    for (lua_Integer lo = 1; lo <= n; lo += 2 * w) {
      lua_Integer mid = lo + w < n + 1 ? lo + w : n + 1, hi = lo + 2 * w < n + 1 ? lo + 2 * w : n + 1;
      lua_Integer i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        lua_rawgeti(L, src, j); /* -2 after the next push */
        lua_rawgeti(L, src, i);
        int top = lua_gettop(L);
        if (sort_less(L, has_comp, top - 1, top)) { /* right < left: take the right one */
          lua_pop(L, 1);
          lua_rawseti(L, dst, k++);
          j++;
        } else { /* take the left one (ties keep their order) */
          lua_rawseti(L, dst, k++);
          lua_pop(L, 1);
          i++;
        }
      }
      for (; i < mid; i++, k++) {
        lua_rawgeti(L, src, i);
        lua_rawseti(L, dst, k);
      }
      for (; j < hi; j++, k++) {
        lua_rawgeti(L, src, j);
        lua_rawseti(L, dst, k);
      }
    }
    int t = src;
    src = dst;
    dst = t;
  }
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, src, i);
    lua_seti(L, 1, i);
  }
  return 0;
}

static void wrap(lua_State *L, int lib, const char *name, lua_CFunction f, int kind) {
  lua_getfield(L, lib, name);
  lua_pushinteger(L, kind);
  lua_pushcclosure(L, f, 2);
  lua_setfield(L, lib, name);
}

void cs_script_bound_open(lua_State *L) {
  lua_getglobal(L, LUA_STRLIBNAME);
  int s = lua_gettop(L);
  wrap(L, s, "find", l_bounded_match, B_FIND);
  wrap(L, s, "match", l_bounded_match, B_MATCH);
  wrap(L, s, "gmatch", l_bounded_match, B_GMATCH);
  wrap(L, s, "gsub", l_bounded_match, B_GSUB);
  wrap(L, s, "rep", l_bounded_rep, 0);
  lua_getglobal(L, LUA_TABLIBNAME);
  wrap(L, lua_gettop(L), "move", l_bounded_move, 0);
  wrap(L, lua_gettop(L), "insert", l_bounded_shift, 0);
  wrap(L, lua_gettop(L), "remove", l_bounded_shift, 1);
  wrap(L, lua_gettop(L), "sort", l_bounded_sort, 0);
  lua_pop(L, 2);
}
