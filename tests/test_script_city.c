/* test_script_city.c: the sim object's queries of the city and structure
** changes (script_city.c) from a scenario: answers on a small world, fixed
** orders, and clear errors for bad arguments (unknown node, gang or
** coalition, wrong types, out of range, after the run); road closures
** (unknown node, no such road, already closed or open, disconnecting). The model's side is
** tested in test_query.c. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cs_script.h"
#include "cs_world.h"

static const char *SCEN =
    "scenario { name = 'city', days = 10 }\n"
    "model { lambda0 = 0 }\n"
    "node { id = 'a', residents = 100 }\n"
    "node { id = 'b', residents = 200, owner = 'g0' }\n"
    "node { id = 'c', residents = 300, owner = 'g0' }\n"
    "node { id = 'd', residents = 400 }\n"
    "node { id = 'e', residents = 500, owner = 'g1' }\n"
    "road('a', 'b', 1.0) road('b', 'c', 2.0) road('c', 'd', 0.5) road('a', 'd', 4.0) road('d', 'e', 1.5)\n"
    "gang { id = 'g0', members = 100, base = 'b' }\n"
    "gang { id = 'g1', members = 30, base = 'e' }\n"
    "coalition { id = 'pact', members = { 'g0', 'g1' }, cohesion = 0.6 }\n"
    "unit { id = 'elite', kind = 'protection', officers = 60 }\n"
    "param('checks', 0)\n"
    "local function ok(c, what) assert(c, what) sim_checks = (sim_checks or 0) + 1 end\n"
    "local function err(f, want) local good, e = pcall(f) ok(not good and e:find(want, 1, true), want .. ' / ' .. tostring(e)) end\n"
    "at(1, function(sim)\n"
    "  local nb = sim:neighbours('d')\n"
    "  ok(#nb == 3 and nb[1].id == 'c' and nb[1].km == 0.5 and nb[2].id == 'a' and nb[3].id == 'e', 'neighbours')\n"
    "  ok(math.abs(sim:distance('a', 'e') - 5.0) < 1e-12 and sim:distance('c', 'c') == 0, 'distance')\n"
    "  ok(sim:intensity('a') == 0, 'intensity')\n"
    "  ok(sim:members_present('b', 'g0') == 50 and sim:members_present('a', 'g0') == 0, 'present')\n"
    "  local mp = sim:members_present('e')\n"
    "  ok(#mp == 2 and mp[1].gang == 'g0' and mp[1].members == 0 and mp[2].members == 30, 'present all')\n"
    "  local h, f = sim:held('g0'), sim:frontier('g0')\n"
    "  ok(#h == 2 and h[1] == 'b' and h[2] == 'c' and #f == 2 and f[1] == 'a' and f[2] == 'd', 'held/frontier')\n"
    "  local co = sim:coalition('pact')\n"
    "  ok(co.formed == true and co.threat >= 0 and co.cohesion > 0, 'coalition')\n"
    "  local share, n = sim:gang_control()\n"
    "  ok(n == 1000 and math.abs(share - 1000 / 1500) < 1e-12, 'control')\n"
    "  err(function() return sim:neighbours('zz') end, \"sim:neighbours: unknown node 'zz'\")\n"
    "  err(function() return sim:members_present('a', 'gx') end, \"sim:members_present: unknown gang 'gx'\")\n"
    "  err(function() return sim:held({}) end, 'string expected')\n"
    "  err(function() return sim:coalition('nope') end, \"sim:coalition: unknown coalition 'nope'\")\n"
    "  err(function() return sim:distance('a') end, 'string expected')\n"
    "  err(function() sim:set_coalition('pact', { cohesion = 2 }) end, 'cohesion')\n"
    "  err(function() sim:set_coalition('pact', { formed = 'yes' }) end, 'a boolean')\n"
    "  err(function() sim:set_coalition('pact', { colour = 1 }) end, 'colour')\n"
    "  err(function() sim:set_coalition('pact', {}) end, 'give formed')\n"
    "  err(function() sim:set_coalition('pact', { formed = false, cohesion = 0.9 }) end, 'form again')\n"
    "  err(function() sim:set_media('a', -1) end, 'reach must be in [0, 1]')\n"
    "  err(function() sim:set_media('a', 'x') end, 'number expected')\n"
    "  sim:set_coalition('pact', { formed = false, cohesion = 0.2 })\n"
    "  co = sim:coalition('pact')\n"
    "  ok(co.formed == false and co.cohesion == 0.2, 'dissolved')\n"
    "  sim:set_media('a', 0.3)\n"
    "  sim:set('checks', sim_checks)\n"
    "end)\n"
    "at(2, function(sim)\n"
    "  ok(sim:road_closed('c', 'd') == false, 'open at first')\n"
    "  sim:close_road('d', 'c')\n"
    "  ok(sim:road_closed('c', 'd') == true and math.abs(sim:distance('a', 'e') - 5.5) < 1e-12, 'closed')\n"
    "  local nb = sim:neighbours('d')\n"
    "  ok(#nb == 2 and nb[1].id == 'a' and nb[2].id == 'e', 'closed road not a neighbour')\n"
    "  local f = sim:frontier('g0')\n"
    "  ok(#f == 1 and f[1] == 'a', 'frontier without c-d')\n"
    "  err(function() sim:close_road('c', 'zz') end, \"sim:close_road: unknown node 'zz'\")\n"
    "  err(function() sim:close_road('a', 'c') end, \"sim:close_road: there is no road 'a'-'c'\")\n"
    "  err(function() sim:close_road('c', 'd') end, \"sim:close_road: road 'c'-'d' is already closed\")\n"
    "  err(function() sim:open_road('a', 'b') end, \"sim:open_road: road 'a'-'b' is already open\")\n"
    "  err(function() sim:close_road('d', 'e') end, \"sim:close_road: closing road 'd'-'e' would disconnect the city\")\n"
    "  err(function() sim:close_road('a') end, 'string expected')\n"
    "  err(function() return sim:road_closed('a', 'c') end, \"sim:road_closed: there is no road 'a'-'c'\")\n"
    "  sim:open_road('c', 'd')\n"
    "  ok(sim:road_closed('d', 'c') == false and math.abs(sim:distance('a', 'e') - 5.0) < 1e-12, 'reopened')\n"
    "  sim:set('checks', sim_checks)\n"
    "end)\n"
    "on('road_closed', function(sim, ev) assert(ev.node == 'c' and ev.target == 'd') sim:set('seen', P.seen + 1000) end)\n"
    "on('road_opened', function(sim, ev) assert(ev.node == 'c' and ev.target == 'd') sim:set('seen', P.seen + 10000) end)\n"
    "param('seen', 0)\n"
    "on('cohesion_set', function(sim, ev) assert(ev.actor == 'g0') sim:set('seen', P.seen + 1) end)\n"
    "on('media_set', function(sim, ev) assert(ev.node == 'a') sim:set('seen', P.seen + 10) end)\n"
    "on('coalition_split', function(sim, ev) sim:set('seen', P.seen + 100) end)\n";

int main(void) {
  char dir[256], path[512];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/cs_test_city_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return 2;
  snprintf(path, sizeof path, "%s/city.lua", dir);
  FILE *f = fopen(path, "wb");
  if (!f) return 2;
  fputs(SCEN, f);
  fclose(f);
  cs_script_limits l;
  cs_script_limits_default(&l);
  cs_ctx ctx = {{0}};
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = cs_script_load(&ctx, path, &l, NULL, 0, 1, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) fprintf(stderr, "  %s\n", ctx.msg);
  if (rc == CS_OK) {
    rc = cs_world_run(w, 1, 0, NULL);
    CHECK(rc == CS_OK);
    if (rc != CS_OK) fprintf(stderr, "  %s\n", cs_errmsg(cs_world_ctx(w)));
    CHECK(cs_world_param(w, "checks") == 33);
    if (cs_world_param(w, "checks") != 33) fprintf(stderr, "  checks %g\n", cs_world_param(w, "checks"));
    CHECK(cs_world_param(w, "seen") == 11111);
    cs_script_free(s);
    cs_world_free(w);
  }
  unlink(path);
  rmdir(dir);
  return check_report();
}
