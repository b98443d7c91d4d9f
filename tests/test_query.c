/* test_query.c: the queries of the city (query.c) against answers computed
** by hand on a five-node world, and the structure changes scripts make
** (coalition.c's cs_world_coalition_set, observe.c's cs_world_set_media):
** the world's invariants hold after each, the attack clocks run at their new
** bounds, and each is logged.
**
** The world (roads in this declaration order):
**
**   a --1.0-- b --2.0-- c --0.5-- d --1.5-- e      and  a --4.0-- d
**   STATE     g0        g0        STATE     g1
**   100       200       300       400       500 residents
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs__check_world, attack clocks, media */

static cs_world *five(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  const char *ids[5] = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 5; i++) {
    cs_node_decl d = node_decl(ids[i], 100 * (i + 1), 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
  }
  cs_world_add_road(w, 0, 1, 1.0);
  cs_world_add_road(w, 1, 2, 2.0);
  cs_world_add_road(w, 2, 3, 0.5);
  cs_world_add_road(w, 0, 3, 4.0);
  cs_world_add_road(w, 3, 4, 1.5);
  cs_gang_decl g0 = {"g0", NULL, 100, 0, -1, -1, 1}, g1 = {"g1", NULL, 30, 0, -1, -1, 4};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  cs_world_set_owner(w, 1, CS_PARTY_GANG(0));
  cs_world_set_owner(w, 2, CS_PARTY_GANG(0));
  cs_world_set_owner(w, 4, CS_PARTY_GANG(1));
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "pact", both, 2, 0.6, NULL);
  cs_unit_decl u = {"p", CS_UNIT_POLICE, 100, 0.02, CS_POSTURE_GARRISON, 0};
  cs_world_add_unit(w, &u, NULL);
  /* a world where nothing happens by itself */
  const char *off[] = {"lambda0", "delta0", "recruit_rate", "patrol_rate", "r0", "move_default",
                       "move_conflict", "move_site", "h0", "h1", "h_T"};
  for (size_t i = 0; i < sizeof off / sizeof *off; i++) cs_world_param_set(w, off[i], 0);
  cs_world_set_horizon(w, 10, 1);
  return w;
}

static void check_queries(cs_world *w) {
  int nodes[8], n = -1;
  double km[8];
  /* neighbours of d in road declaration order: c (road 3), a (road 4), e (road 5) */
  CHECK(cs_world_neighbours(w, 3, nodes, km, 8, &n) == CS_OK && n == 3);
  CHECK(nodes[0] == 2 && km[0] == 0.5 && nodes[1] == 0 && km[1] == 4.0 && nodes[2] == 4 && km[2] == 1.5);
  CHECK(cs_world_neighbours(w, 3, nodes, km, 1, &n) == CS_OK && n == 3 && nodes[0] == 2); /* cap 1 */
  CHECK(cs_world_neighbours(w, 7, nodes, km, 8, &n) == CS_EINVAL);
  /* a to e: a-b-c-d-e = 1 + 2 + 0.5 + 1.5 = 5.0, shorter than a-d-e = 5.5 */
  double d = -1;
  CHECK(cs_world_distance(w, 0, 4, &d) == CS_OK && fabs(d - 5.0) < 1e-12);
  CHECK(cs_world_distance(w, 4, 0, &d) == CS_OK && fabs(d - 5.0) < 1e-12);
  CHECK(cs_world_distance(w, 2, 2, &d) == CS_OK && d == 0);
  CHECK(cs_world_distance(w, 0, 9, &d) == CS_EINVAL);
  /* members present: g0's 100 over its 2 nodes; g1's 30 over 1 */
  CHECK(cs_world_members_present(w, 0, 1) == 50 && cs_world_members_present(w, 0, 2) == 50);
  CHECK(cs_world_members_present(w, 0, 0) == 0 && cs_world_members_present(w, 1, 4) == 30);
  CHECK(isnan(cs_world_members_present(w, 2, 0)) && isnan(cs_world_members_present(w, 0, 5)));
  /* held and frontier, in node order */
  CHECK(cs_world_gang_held(w, 0, nodes, 8) == 2 && nodes[0] == 1 && nodes[1] == 2);
  CHECK(cs_world_gang_frontier(w, 0, nodes, 8) == 2 && nodes[0] == 0 && nodes[1] == 3);
  CHECK(cs_world_gang_frontier(w, 1, nodes, 8) == 1 && nodes[0] == 3);
  CHECK(cs_world_gang_held(w, 5, nodes, 8) == -1 && cs_world_gang_frontier(w, -1, nodes, 8) == -1);
  /* residents under gang control: b + c + e = 200 + 300 + 500 of 1500 */
  int64_t under = 0, all = 0;
  cs_world_gang_control(w, &under, &all);
  CHECK(under == 1000 && all == 1500);
  /* threat: E / (E + own), E = 100 officers x 0.02, own = 130 members x q */
  double theta = -1, chi = -1, q = cs_world_param(w, "lethality_gang");
  int formed = -1;
  CHECK(cs_world_coalition_state(w, 0, &theta, &chi, &formed) == CS_OK);
  CHECK(fabs(theta - 2.0 / (2.0 + 130 * q)) < 1e-12);
  CHECK(cs_world_coalition_state(w, 1, &theta, &chi, &formed) == CS_EINVAL);
}

/* ---- queries before the run, and the same answers during it ---- */
static int g_phase;
static int query_timer(void *ud, cs_world *w, int id) {
  check_queries(w);
  double chi;
  int formed;
  cs_world_coalition_state(w, 0, NULL, &chi, &formed);
  CHECK(formed == 1 && fabs(chi - 0.6) < 0.2);
  g_phase++;
  return CS_OK;
}

static void test_queries(void) {
  cs_world *w = five();
  CHECK(w && cs_world_finalize(w) == CS_OK);
  if (!w) return;
  check_queries(w);
  double chi;
  int formed;
  CHECK(cs_world_coalition_state(w, 0, NULL, &chi, &formed) == CS_OK && chi == 0.6 &&
        formed == (0.6 >= cs_world_param(w, "chi_form")));
  CHECK(cs_world_node_intensity(w, 0) == 0 && isnan(cs_world_node_intensity(w, 5)));
  cs_hooks h = {NULL, query_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 2.5, 1);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  g_phase = 0;
  CHECK(cs_world_run(w, 1, 0, &s) == CS_OK && g_phase == 1);
  cs_world_free(w);
}

/* ---- intensity: an engagement adds deaths + 1, decaying with tau_I ---- */
static double g_before, g_after;
static int intensity_timer(void *ud, cs_world *w, int id) {
  if (id == 1) {
    g_before = cs_world_node_intensity(w, 0);
    return cs_world_force_attack(w, 0, 0);
  }
  return CS_OK;
}
static int intensity_event(void *ud, cs_world *w, const cs_event_rec *e) {
  if (e->kind == CS_EK_ENGAGEMENT && e->node == 0)
  {
    g_after = g_before + (double)e->deaths + 1;
    CHECK_NEAR(cs_world_node_intensity(w, 0), g_after, 1e-9);
  }
  return CS_OK;
}

static void test_intensity(void) {
  cs_world *w = five();
  if (!w) return;
  CHECK(cs_world_param_set_str(w, "engagement_state", "fast") == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, intensity_timer, intensity_event, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 1.0, 1);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 3, 0, &s) == CS_OK && r.n_events[CS_EK_ENGAGEMENT] == 1);
  /* after the run, decayed from day 1 to day 10 with tau_I */
  CHECK_NEAR(cs_world_node_intensity(w, 0), g_after * exp(-(10.0 - 1.0) / cs_world_param(w, "tau_I")), 1e-9);
  cs_world_free(w);
}

/* ---- structure changes: coalition and media reach ---- */
static int clocks_at_bounds(const cs_world *w) {
  for (int g = 0; g < w->n_gangs; g++)
    for (int j = 0; j < w->n; j++)
      if (w->atk[(size_t)g * w->n + j].rate != cs_attack_bound(w, g, j)) return 0;
  return 1;
}

static int change_timer(void *ud, cs_world *w, int id) {
  char msg[256] = "";
  double chi;
  int formed;
  double ws = cs_attack_bound(w, 0, 0);
  /* dissolving while cohesion stays >= chi_form is refused, and changes nothing */
  CHECK(cs_world_coalition_set(w, 0, NAN, 0) == CS_EINVAL &&
        strstr(cs_errmsg(cs_world_ctx(w)), "form again") != NULL);
  CHECK(cs_world_coalition_set(w, 0, 0.9, 0) == CS_EINVAL);
  CHECK(cs_world_coalition_set(w, 0, 1.5, -1) == CS_EINVAL && cs_world_coalition_set(w, 3, 0.1, 0) == CS_EINVAL);
  CHECK(cs_attack_bound(w, 0, 0) == ws);
  /* dissolve with a low cohesion: no longer partners, weight on the state drops to wS */
  CHECK(cs_world_coalition_set(w, 0, 0.1, 0) == CS_OK);
  CHECK(cs_world_coalition_state(w, 0, NULL, &chi, &formed) == CS_OK && chi == 0.1 && formed == 0);
  CHECK(cs_coalition_partners(w, 0, 1) == 0 && clocks_at_bounds(w));
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  /* form again with cohesion 0.8: wS (1 + zeta 0.8) against the state */
  CHECK(cs_world_coalition_set(w, 0, 0.8, 1) == CS_OK);
  CHECK(cs_coalition_partners(w, 0, 1) == 1 && clocks_at_bounds(w));
  CHECK_NEAR(cs_coalition_chi(w, 0), 0.8, 0);
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  /* media */
  CHECK(cs_world_set_media(w, 2, 0.25) == CS_OK && cs_observe_media(w, 2, cs_world_now(w)) == 0.25);
  CHECK(cs_world_set_media(w, 2, 1.5) == CS_EINVAL && cs_world_set_media(w, 9, 0.5) == CS_EINVAL);
  return CS_OK;
}

static void test_changes(void) {
  cs_world *w = five();
  if (!w) return;
  cs_world_param_set(w, "lambda0", 0.5); /* live attack clocks whose bounds move */
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, change_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 3.0, 1);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 2, 0, &s) == CS_OK);
  CHECK(r.n_events[CS_EK_COHESION_SET] == 2 && r.n_events[CS_EK_MEDIA_SET] == 1);
  CHECK(r.n_events[CS_EK_COALITION_SPLIT] >= 1 && r.n_events[CS_EK_COALITION_FORMED] >= 1);
  char msg[256] = "";
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  /* not before the run */
  cs_world *w2 = five();
  CHECK(cs_world_finalize(w2) == CS_OK);
  CHECK(cs_world_coalition_set(w2, 0, 0.1, 0) == CS_EINVAL && cs_world_set_media(w2, 0, 0.5) == CS_EINVAL);
  cs_world_free(w2);
  cs_world_free(w);
}

int main(void) {
  test_queries();
  test_intensity();
  test_changes();
  return check_report();
}
