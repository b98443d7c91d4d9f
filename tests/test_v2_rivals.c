/* test_v2_rivals.c: declared rivalries between gangs (cs_world_add_rivalry,
** rivals() in scenarios; the attack weight w_rival; sim/README.md, attack.c).
**
** 1. Known answers. Three gangs hold a node each, all bordering a state-held
**    node and each other; g0 and g1 are declared rivals. The attack bound of
**    a pair (cs_attack_bound, which the attack clock runs at) is
**      lambda0 a V^gamma wR w_rival        g0 on g1's node and g1 on g0's
**      lambda0 a V^gamma wR                 any gang on g2's, g2 on theirs
**      lambda0 a V^gamma wS (1 + zeta chi)  on the state's node
**    checked to 1e-12 relative, before the run and after w_rival, wR and a
**    coalition of g0 and g1 (cohesion chi, partners: wR w_rival (1 - chi))
**    change during it; every attack clock runs at its bound after each change.
** 2. w_rival = 1 (the default) weighs declared rivals like any other gang:
**    a busy run with the rivalry declared has the same event hash as one
**    without; with w_rival = 4 it differs.
** 3. Declarations: a gang its own rival, an unknown gang and a rivalry
**    after finalize are refused; a pair declared twice (either order) is one
**    rivalry. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs_attack_bound, cs_gang_rivals, attack clocks, PV */

enum { NS = 0, N0 = 1, N1 = 2, N2 = 3 };

/* A state-held node S in the middle, and one node per gang around it, each
** next to S and to the other two. */
static cs_world *triangle(int declare_rivals, double lambda0) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  cs_node_decl s = node_decl("S", 5000, 0.8, CS_PARTY_STATE);
  cs_node_decl a = node_decl("A", 3000, 0.5, CS_PARTY_STATE);
  cs_node_decl b = node_decl("B", 2000, 0.4, CS_PARTY_STATE);
  cs_node_decl c = node_decl("C", 1000, 0.3, CS_PARTY_STATE);
  cs_world_add_node(w, &s, NULL);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_node(w, &c, NULL);
  for (int i = N0; i <= N2; i++) cs_world_add_road(w, NS, i, 1.0);
  cs_world_add_road(w, N0, N1, 0.8);
  cs_world_add_road(w, N1, N2, 0.9);
  cs_world_add_road(w, N0, N2, 1.2);
  cs_gang_decl g0 = {"g0", NULL, 300, 0, -1, 1.3, N0}, g1 = {"g1", NULL, 200, 0, -1, 0.7, N1};
  cs_gang_decl g2 = {"g2", NULL, 150, 0, -1, -1, N2};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  cs_world_add_gang(w, &g2, NULL);
  for (int g = 0; g < 3; g++) cs_world_set_owner(w, N0 + g, CS_PARTY_GANG(g));
  int pair[2] = {0, 1};
  cs_world_add_coalition(w, "pact", pair, 2, 0.0, NULL);
  if (declare_rivals) {
    CHECK(cs_world_add_rivalry(w, 0, 1) == CS_OK);
    CHECK(cs_world_add_rivalry(w, 1, 0) == CS_OK); /* the same pair again: one rivalry */
  }
  cs_unit_decl u = {"p", CS_UNIT_POLICE, 200, 0.02, CS_POSTURE_GARRISON, NS};
  cs_world_add_unit(w, &u, NULL);
  cs_world_param_set(w, "lambda0", lambda0);
  cs_world_set_horizon(w, 60, 1);
  return w;
}

static double expected_bound(const cs_world *w, int g, int j) {
  double base = PV(w, P_LAMBDA0) * w->gangs[g].a * pow(w->value[j], PV(w, P_GAMMA));
  int owner = w->owner[j];
  double chi = cs_coalition_chi(w, g);
  if (!CS_PARTY_IS_GANG(owner)) return base * PV(w, P_WS) * (1 + PV(w, P_ZETA) * chi);
  int h = CS_PARTY_GANG_INDEX(owner);
  int rivals = (g == 0 && h == 1) || (g == 1 && h == 0);
  double wr = PV(w, P_WR) * (rivals ? PV(w, P_W_RIVAL) : 1);
  return base * (cs_coalition_partners(w, g, h) ? wr * (1 - chi) : wr);
}

static int bounds_ok(const cs_world *w) {
  int ok = 1;
  for (int g = 0; g < w->n_gangs; g++)
    for (int j = 0; j < w->n; j++) {
      if (w->owner[j] == CS_PARTY_GANG(g)) continue;
      double want = expected_bound(w, g, j), got = cs_attack_bound(w, g, j);
      if (!(fabs(got - want) <= 1e-12 * want)) {
        fprintf(stderr, "gang %d node %d: bound %.17g, expected %.17g\n", g, j, got, want);
        ok = 0;
      }
    }
  return ok;
}

static int clocks_at_bounds(const cs_world *w) {
  for (int g = 0; g < w->n_gangs; g++)
    for (int j = 0; j < w->n; j++)
      if (w->atk[(size_t)g * w->n + j].rate != cs_attack_bound(w, g, j)) return 0;
  return 1;
}

static int g_changes;
static int change_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  CHECK(bounds_ok(w) && clocks_at_bounds(w));
  if (id == 1) CHECK(cs_world_param_set(w, "w_rival", 6.5) == CS_OK);
  if (id == 2) CHECK(cs_world_param_set(w, "wR", 0.9) == CS_OK);
  if (id == 3) CHECK(cs_world_coalition_set(w, 0, 0.7, 1) == CS_OK); /* partners now: (1 - chi) */
  CHECK(cs_gang_rivals(w, 0, 1) && cs_gang_rivals(w, 1, 0) && !cs_gang_rivals(w, 0, 2) && !cs_gang_rivals(w, 2, 1));
  CHECK(bounds_ok(w) && clocks_at_bounds(w));
  g_changes++;
  return CS_OK;
}

static void test_known_answers(void) {
  cs_world *w = triangle(1, 0.02);
  CHECK(w != NULL);
  if (!w) return;
  CHECK(cs_world_param_set(w, "w_rival", 3.0) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  int a = -1, b = -1;
  CHECK(cs_world_n_rivalries(w) == 1); /* (g0, g1) and (g1, g0): one rivalry, as first declared */
  cs_world_rivalry(w, 0, &a, &b);
  CHECK(a == 0 && b == 1);
  CHECK(bounds_ok(w));
  /* the rivals' weight is w_rival times the others' */
  CHECK(fabs(cs_attack_bound(w, 0, N1) / (w->value[N1] * w->gangs[0].a) -
             3.0 * cs_attack_bound(w, 2, N1) / (w->value[N1] * w->gangs[2].a)) <= 1e-12);
  cs_hooks h = {NULL, change_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  for (int k = 1; k <= 3; k++) CHECK(cs_world_timer(w, 5.0 * k, k) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  g_changes = 0;
  CHECK(cs_world_run(w, 11, 0, &s) == CS_OK);
  CHECK(g_changes == 3);
  cs_world_free(w);
}

static uint64_t busy_hash(int declare_rivals, double w_rival, int64_t *gang_fights) {
  cs_world *w = triangle(declare_rivals, 3.0);
  CHECK(w != NULL);
  if (!w) return 0;
  CHECK(cs_world_param_set(w, "w_rival", w_rival) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 5, 0, &s) == CS_OK);
  char msg[256] = "";
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  if (gang_fights) *gang_fights = r.n_events[CS_EK_ENGAGEMENT];
  cs_world_free(w);
  return r.hash;
}

static void test_default_is_neutral(void) {
  int64_t n_none = 0, n_four = 0;
  uint64_t none = busy_hash(0, 1.0, &n_none), one = busy_hash(1, 1.0, NULL), four = busy_hash(1, 4.0, &n_four);
  CHECK(n_none >= 5 && n_four >= 5); /* fights happen: the hashes compare runs with engagements */
  CHECK(none == one);
  CHECK(one != four);
}

static void test_declarations(void) {
  cs_world *w = triangle(0, 0.0);
  CHECK(w != NULL);
  if (!w) return;
  CHECK(cs_world_add_rivalry(w, 2, 2) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "own rival") != NULL);
  CHECK(cs_world_add_rivalry(w, 0, 3) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "unknown gang") != NULL);
  CHECK(cs_world_add_rivalry(w, -1, 0) == CS_EINVAL);
  CHECK(cs_world_add_rivalry(w, 2, 0) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  CHECK(cs_gang_rivals(w, 0, 2) && cs_gang_rivals(w, 2, 0) && !cs_gang_rivals(w, 0, 1));
  CHECK(cs_world_n_rivalries(w) == 1);
  CHECK(cs_world_add_rivalry(w, 0, 1) != CS_OK); /* declarations end at finalize */
  cs_world_free(w);
  /* no rivalry declared: nobody is anybody's rival */
  w = triangle(0, 0.0);
  CHECK(w != NULL && cs_world_finalize(w) == CS_OK);
  if (w) CHECK(!cs_gang_rivals(w, 0, 1) && !cs_gang_rivals(w, 1, 0) && cs_world_n_rivalries(w) == 0);
  cs_world_free(w);
}

int main(void) {
  test_known_answers();
  test_default_is_neutral();
  test_declarations();
  return check_report();
}
