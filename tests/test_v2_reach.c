/* test_v2_reach.c: a gang's reach from its territory (reach.c, parameter
** reach) and joint offensives of a formed coalition (joint.c, parameter
** joint_share); sim/README.md, Verification, "Reach and joint offensives".
**
** 1. Known answers on a line of six nodes at known positions: with reach
**    "base" a gang's distances are |x_j - x_base| whatever it holds; with
**    "territory" they are the distance to the nearest node it holds or its
**    base, at the start of the run, after it takes a node, after it loses
**    one, and after it loses its base node (still a source); the reach
**    cannot change during the run; the invariant check
**    (cs_reach_check) passes, and fails on a distance made wrong. With
**    "spread" the fighters at each node are phi (M / held) sum_k
**    exp(-|x_j - x_k| / ell) over the held nodes through the same changes,
**    and phi M exp(-d_base / ell) when the gang holds nothing.
** 2. Property: on random connected road graphs (40 nodes, 3 gangs), after
**    each of 300 random changes of owner and 20 road closures and openings,
**    every gang's distances ("territory") equal the minimum over its sources
**    of a separate single-source Dijkstra, and its fighters ("spread") the
**    sum over its held nodes by separate Dijkstras (to 1e-9 relative).
** 3. Known answers for the forces of an attack: own fighters phi M e^(-d/ell)
**    plus, in a formed coalition, joint_share chi phi M_p e^(-d_p/ell) per
**    partner at lethality q_p; none with joint_share 0, before the pact, or
**    against a partner's node; a rival's node and a CONTESTED one get them.
**    Without partners the forces are version 1's exactly (A0 and lethality
**    compared with ==).
** 4. Losses: an attack's deaths are conserved exactly between the attacker
**    and its partners, the partners' total within 1/2 of deaths joint_n /
**    A0; with three partners and losses that lower the members as they are
**    applied (as in a run), each partner's part within 1 of its share of
**    the fighters taken before any loss, and the total exactly rounded.
** 5. A whole run with joint offensives, with "territory" and with "spread"
**    (a 12-node ring town with a pact, fighting and takeovers): every model
**    invariant, the reach check included, holds at every one of 200 checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h"

static void quiet_model(cs_world *w) {
  const char *off[] = {"delta0", "recruit_rate", "patrol_rate", "r0", "move_default", "move_conflict",
                       "move_site", "h0", "h1", "h_T", "n_retaliation", "c_civ", "lambda0"};
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) cs_world_param_set(w, off[i], 0);
}

static cs_world *new_world(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  return w;
}

/* ---- 1. the line ---- */
enum { LN = 6 };
static const double LX[LN] = {0, 1, 2.5, 4.5, 7, 10}; /* positions along the line, km */
static int g_line_bad, g_line_checks;

/* the expected distance of node j from the set of nodes `src` */
static double line_dist(int j, const int *src, int n) {
  double d = INFINITY;
  for (int i = 0; i < n; i++) d = fmin(d, fabs(LX[j] - LX[src[i]]));
  return d;
}

static void line_expect(cs_world *w, const int *src, int n, const char *what) {
  char msg[256];
  g_line_checks++;
  for (int j = 0; j < LN; j++)
    if (!(fabs(w->gangs[0].dist[j] - line_dist(j, src, n)) <= 1e-12)) {
      fprintf(stderr, "line, %s: node %d at %g km, expected %g\n", what, j, w->gangs[0].dist[j], line_dist(j, src, n));
      g_line_bad++;
    }
  if (cs_reach_check(w, msg, sizeof msg) != 0) {
    fprintf(stderr, "line, %s: %s\n", what, msg);
    g_line_bad++;
  }
}

/* with reach "spread": the fighters at every node, phi (M / held) sum over
** the held nodes of exp(-|x_j - x_k| / ell), or all at the base if none */
static const double LPHI = 0.3, LELL = 2;
static void spread_expect(cs_world *w, const int *held, int n, const char *what) {
  const double M = 100;
  g_line_checks++;
  for (int j = 0; j < LN; j++) {
    double want = 0;
    if (n == 0) want = LPHI * M * exp(-fabs(LX[j] - LX[1]) / LELL);
    for (int i = 0; i < n; i++) want += LPHI * (M / n) * exp(-fabs(LX[j] - LX[held[i]]) / LELL);
    double got = cs_reach_fighters(w, 0, j);
    if (!(fabs(got - want) <= 1e-12 * want)) {
      fprintf(stderr, "line (spread), %s: node %d: %.17g fighters, expected %.17g\n", what, j, got, want);
      g_line_bad++;
    }
  }
}

static int spread_timer(void *ud, cs_world *w, int id) {
  static const int h0[] = {1, 3}, h1[] = {1, 3, 5}, h2[] = {1, 5}, h3[] = {5};
  static const int *const H[] = {h0, h1, h2, h3};
  static const int N[] = {2, 3, 2, 1};
  static const int take[][2] = {{5, 1}, {3, 0}, {1, 0}, {5, 0}}; /* node, 1: the gang takes it, 0: the STATE */
  if (id < 4) spread_expect(w, H[id], N[id], id == 0 ? "start" : "after a change");
  if (id == 4) {
    spread_expect(w, NULL, 0, "holds nothing");
    return CS_OK;
  }
  return cs_takeover(w, take[id][0], take[id][1] ? CS_PARTY_GANG(0) : CS_PARTY_STATE);
}

static int line_timer(void *ud, cs_world *w, int id) {
  if (strcmp(w->params[P_REACH].str, "spread") == 0) return spread_timer(ud, w, id);
  int terr = cs_reach_territory(w);
  if (id == 0) { /* the start: base 1, held 1 and 3 */
    int s[] = {1, 3};
    line_expect(w, s, terr ? 2 : 1, "start");
    return cs_takeover(w, 5, CS_PARTY_GANG(0));
  }
  if (id == 1) { /* took 5 */
    int s[] = {1, 3, 5};
    line_expect(w, s, terr ? 3 : 1, "took 5");
    return cs_takeover(w, 3, CS_PARTY_STATE);
  }
  if (id == 2) { /* lost 3 */
    int s[] = {1, 5};
    line_expect(w, s, terr ? 2 : 1, "lost 3");
    return cs_takeover(w, 1, CS_PARTY_STATE); /* its base: still a source */
  }
  if (id == 3) {
    int s[] = {1, 5};
    line_expect(w, s, terr ? 2 : 1, "lost its base node");
    if (cs_world_param_set_str(w, "reach", terr ? "base" : "territory") == CS_OK) g_line_bad++; /* not in a run */
    /* the check can fail: a distance made wrong is caught */
    char msg[256];
    double keep = w->gangs[0].dist[2];
    w->gangs[0].dist[2] = keep + 0.5;
    if (cs_reach_check(w, msg, sizeof msg) == 0) g_line_bad++;
    w->gangs[0].dist[2] = keep - 0.5;
    if (cs_reach_check(w, msg, sizeof msg) == 0) g_line_bad++;
    w->gangs[0].dist[2] = keep;
  }
  return CS_OK;
}

static void test_line(const char *reach) {
  cs_world *w = new_world();
  for (int j = 0; j < LN; j++) {
    char id[8];
    snprintf(id, sizeof id, "n%d", j);
    cs_node_decl d = node_decl(id, 1000, 0.5, CS_PARTY_STATE);
    CHECK(cs_world_add_node(w, &d, NULL) == CS_OK);
  }
  for (int j = 0; j + 1 < LN; j++) CHECK(cs_world_add_road(w, j, j + 1, LX[j + 1] - LX[j]) == CS_OK);
  cs_gang_decl g = {"g", NULL, 100, 0, 0.05, 1, 1};
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_OK);
  CHECK(cs_world_set_owner(w, 1, CS_PARTY_GANG(0)) == CS_OK);
  CHECK(cs_world_set_owner(w, 3, CS_PARTY_GANG(0)) == CS_OK);
  quiet_model(w);
  CHECK(cs_world_param_set_str(w, "reach", reach) == CS_OK);
  cs_world_set_horizon(w, 10, 10);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_world_param_set(w, "phi", LPHI);
  cs_world_param_set(w, "ell", LELL);
  cs_hooks h = {NULL, line_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  int spread = strcmp(reach, "spread") == 0;
  for (int i = 0; i < 4 + spread; i++) cs_world_timer(w, 1 + i, i);
  g_line_bad = g_line_checks = 0;
  CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
  CHECK(g_line_checks == 4 + spread);
  CHECK(g_line_bad == 0);
  cs_world_free(w);
}

/* ---- 2. random graphs ---- */
enum { RN = 40, RG = 3 };
static uint64_t g_lcg;
static double unif(void) {
  g_lcg = g_lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(g_lcg >> 11) / 9007199254740992.0;
}
static int g_rand_bad, g_rand_checks;
static int g_ra[3 * RN], g_rb[3 * RN], g_nr;

static int g_spread;

/* What a search from j gives, summed in visit order as reach.c's add_held
** did before it kept the searches (w->reach_hits): the kept lists must give
** the same value bit for bit, whatever roads and ell changed meanwhile. */
typedef struct exact_ud {
  const cs_world *w;
  int party;
  double inv_ell, sum;
} exact_ud;
static int exact_add(void *ud, int k, double km) {
  exact_ud *u = ud;
  if (u->w->owner[k] == u->party) u->sum += exp(-km * u->inv_ell);
  return 0;
}
static int g_exact_bad;

static void rand_compare(cs_world *w) {
  double *one = malloc(RN * sizeof *one);
  if (g_spread) { /* fighters: phi (M / held) sum exp(-d / ell) over held nodes, by separate searches */
    double phi = PV(w, P_PHI), ell = PV(w, P_ELL);
    for (int g = 0; g < RG; g++) {
      double want[RN] = {0};
      int held = 0;
      for (int k = 0; k < RN; k++) {
        if (w->owner[k] != CS_PARTY_GANG(g)) continue;
        held++;
        CHECK(cs__dijkstra(w, k, one) == CS_OK);
        for (int j = 0; j < RN; j++) want[j] += exp(-one[j] / ell);
      }
      if (held == 0) CHECK(cs__dijkstra(w, w->gangs[g].base, one) == CS_OK);
      for (int j = 0; j < RN; j++) {
        double M = (double)w->gangs[g].members;
        double v = held ? phi * (M / held) * want[j] : phi * M * exp(-one[j] / ell);
        if (!(fabs(cs_reach_fighters(w, g, j) - v) <= 1e-9 * v)) g_rand_bad++;
        if (held) {
          exact_ud u = {w, CS_PARTY_GANG(g), 1.0 / ell, 0.0};
          CHECK(cs__graph_visit(w, j, 30 * ell, exact_add, &u) == CS_OK);
          if (cs_reach_fighters(w, g, j) != phi * (M / held) * u.sum) g_exact_bad++;
        }
      }
    }
    g_rand_checks++;
    free(one);
    return;
  }
  for (int g = 0; g < RG; g++) {
    double want[RN];
    for (int j = 0; j < RN; j++) want[j] = INFINITY;
    for (int s = 0; s < RN; s++) {
      if (s != w->gangs[g].base && w->owner[s] != CS_PARTY_GANG(g)) continue;
      CHECK(cs__dijkstra(w, s, one) == CS_OK); /* a separate search from each source */
      for (int j = 0; j < RN; j++) want[j] = fmin(want[j], one[j]);
    }
    for (int j = 0; j < RN; j++)
      if (!(fabs(w->gangs[g].dist[j] - want[j]) <= 1e-9 * (1 + want[j]))) g_rand_bad++;
  }
  char msg[256];
  if (cs_reach_check(w, msg, sizeof msg) != 0) {
    fprintf(stderr, "random graph: %s\n", msg);
    g_rand_bad++;
  }
  g_rand_checks++;
  free(one);
}

static int rand_timer(void *ud, cs_world *w, int id) {
  int rc = CS_OK;
  if (g_spread && id % 100 == 50) { /* ell changes: the kept searches are stale */
    rc = cs_world_param_set(w, "ell", 1.0 + id / 100);
  } else if (id < 300) {
    int j = (int)(unif() * RN), r = (int)(unif() * (RG + 2));
    int to = r < RG ? CS_PARTY_GANG(r) : r == RG ? CS_PARTY_STATE : CS_PARTY_CONTESTED;
    rc = cs_takeover(w, j, to);
  } else { /* close a road of the spare ones (outside the spanning tree) or open it again */
    int k = RN - 1 + (id - 300) / 2; /* each closed, then opened */
    rc = cs_world_road_state(w, g_ra[k], g_rb[k]) ? cs_world_road_close(w, g_ra[k], g_rb[k])
                                                  : cs_world_road_open(w, g_ra[k], g_rb[k]);
  }
  rand_compare(w);
  return rc;
}

static void test_random_graphs(const char *reach) {
  g_spread = strcmp(reach, "spread") == 0;
  g_rand_bad = g_rand_checks = g_exact_bad = 0;
  for (int rep = 0; rep < 5; rep++) {
    g_lcg = 12345 + 977 * (uint64_t)rep;
    cs_world *w = new_world();
    for (int j = 0; j < RN; j++) {
      char id[8];
      snprintf(id, sizeof id, "n%d", j);
      cs_node_decl d = node_decl(id, 1000, 0.5, CS_PARTY_STATE);
      cs_world_add_node(w, &d, NULL);
    }
    g_nr = 0;
    for (int j = 1; j < RN; j++) { /* a random spanning tree, then spare roads */
      g_ra[g_nr] = (int)(unif() * j);
      g_rb[g_nr] = j;
      CHECK(cs_world_add_road(w, g_ra[g_nr], g_rb[g_nr], 0.2 + 3 * unif()) == CS_OK);
      g_nr++;
    }
    while (g_nr < 2 * RN) {
      int a = (int)(unif() * RN), b = (int)(unif() * RN);
      if (a == b || cs_world_road_state(w, a, b) >= 0) continue;
      g_ra[g_nr] = a;
      g_rb[g_nr] = b;
      CHECK(cs_world_add_road(w, a, b, 0.2 + 3 * unif()) == CS_OK);
      g_nr++;
    }
    for (int g = 0; g < RG; g++) {
      char id[8];
      snprintf(id, sizeof id, "g%d", g);
      cs_gang_decl gd = {id, NULL, 100, 0, 0.05, 1, 7 * g};
      cs_world_add_gang(w, &gd, NULL);
      cs_world_set_owner(w, 7 * g, CS_PARTY_GANG(g));
    }
    quiet_model(w);
    cs_world_param_set_str(w, "reach", reach);
    cs_world_set_horizon(w, 400, 400);
    CHECK(cs_world_finalize(w) == CS_OK);
    cs_hooks h = {NULL, rand_timer, NULL, NULL};
    cs_world_set_hooks(w, &h);
    for (int i = 0; i < 320; i++) cs_world_timer(w, 1 + i, i);
    CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
    cs_world_free(w);
  }
  fprintf(stderr, "random graphs (%s): %d comparisons with separate searches, %d wrong\n", reach, g_rand_checks,
          g_rand_bad);
  CHECK(g_rand_checks == 5 * 320);
  CHECK(g_rand_bad == 0);
  CHECK(g_exact_bad == 0);
}

/* ---- 3-4. forces and losses ---- */
/* nodes: S (state, the target), A (gang a's base), B (gang b's base), R
** (the rival r's base), C (CONTESTED); roads A-S 1 km, B-S 3 km, S-R 2 km,
** S-C 1 km */
enum { NS, NA, NB, NR, NC };
static const double PHI = 0.3, ELL = 2, JS = 0.6, EPS = 0.2, QA = 0.05, QB = 0.09;
static const int64_t MA = 400, MB = 900;
static int g_forces_bad, g_loss_bad, g_forces_checks;

static double own_of(double m, double d) { return PHI * m * exp(-d / ELL); }

static void expect_forces(cs_world *w, int j, double d_a, double d_b, int joint, const char *what) {
  cs_engagement en;
  cs_engagement_forces(w, CS_PARTY_GANG(0), j, &en);
  double own = own_of(MA, d_a), x = joint ? JS * (1 - EPS) * own_of(MB, d_b) : 0;
  double A0 = own + x, aA = (own * QA + x * QB) / A0;
  g_forces_checks++;
  if (!joint && !(en.A0 == PHI * (double)MA * exp(-d_a / ELL) && en.aA == QA && en.joint_n == 0)) {
    fprintf(stderr, "forces, %s: without partners not version 1's exactly\n", what);
    g_forces_bad++;
  }
  if (!(fabs(en.A0 - A0) <= 1e-12 * A0 && fabs(en.aA - aA) <= 1e-12 * aA && fabs(en.joint_n - x) <= 1e-12 * A0)) {
    fprintf(stderr, "forces, %s: A0 %.17g (expected %.17g), aA %.17g (%.17g), joint %.17g (%.17g)\n", what, en.A0, A0,
            en.aA, aA, en.joint_n, x);
    g_forces_bad++;
  }
}

static int64_t g_lost[4];
static int64_t lose_rec(cs_world *w, int g, int64_t n) {
  (void)w;
  g_lost[g] += n;
  return n;
}

static void check_losses(cs_world *w, int j) {
  cs_engagement en;
  cs_engagement_forces(w, CS_PARTY_GANG(0), j, &en);
  for (int64_t deaths = 0; deaths <= 60; deaths++) {
    memset(g_lost, 0, sizeof g_lost);
    int64_t dead = cs_joint_losses(w, 0, j, deaths, en.A0 - en.joint_n, en.joint_n, lose_rec);
    double theirs = (double)deaths * en.joint_n / en.A0;
    if (dead != deaths || g_lost[0] + g_lost[1] + g_lost[2] != deaths || g_lost[2] != 0 ||
        !(fabs((double)g_lost[1] - theirs) <= 0.5 + 1e-12))
      g_loss_bad++;
  }
}

static int forces_timer(void *ud, cs_world *w, int id) {
  if (id == 0) { /* no pact yet */
    expect_forces(w, NS, 1, 3, 0, "before the pact");
    return cs_world_coalition_set(w, 0, NAN, 1);
  }
  if (id == 1) { /* formed: chi = 1 - bargain_partner_weight */
    expect_forces(w, NS, 1, 3, 1, "state node, formed");
    expect_forces(w, NR, 3, 5, 1, "rival's node");
    expect_forces(w, NC, 2, 4, 1, "contested node");
    expect_forces(w, NB, 4, 0, 0, "partner's node");
    check_losses(w, NS);
    check_losses(w, NR);
    cs_world_param_set(w, "joint_share", 0);
    expect_forces(w, NS, 1, 3, 0, "joint_share 0");
    /* the losses of an attack without partners all fall on the attacker */
    memset(g_lost, 0, sizeof g_lost);
    if (cs_joint_losses(w, 0, NS, 17, 5.0, 0.0, lose_rec) != 17 || g_lost[0] != 17) g_loss_bad++;
    cs_world_param_set(w, "joint_share", JS);
  }
  return CS_OK;
}

static void test_forces(void) {
  cs_world *w = new_world();
  const char *ids[] = {"S", "A", "B", "R", "C"};
  for (int j = 0; j < 5; j++) {
    cs_node_decl d = node_decl(ids[j], 1000, 0.5, j == NC ? CS_PARTY_CONTESTED : CS_PARTY_STATE);
    CHECK(cs_world_add_node(w, &d, NULL) == CS_OK);
  }
  cs_world_add_road(w, NA, NS, 1);
  cs_world_add_road(w, NB, NS, 3);
  cs_world_add_road(w, NS, NR, 2);
  cs_world_add_road(w, NS, NC, 1);
  cs_gang_decl a = {"a", NULL, MA, 0, QA, 1, NA}, b = {"b", NULL, MB, 0, QB, 1, NB}, r = {"r", NULL, 100, 0, 0.05, 1, NR};
  cs_world_add_gang(w, &a, NULL);
  cs_world_add_gang(w, &b, NULL);
  cs_world_add_gang(w, &r, NULL);
  cs_world_set_owner(w, NA, CS_PARTY_GANG(0));
  cs_world_set_owner(w, NB, CS_PARTY_GANG(1));
  cs_world_set_owner(w, NR, CS_PARTY_GANG(2));
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "c", both, 2, 0.0, NULL);
  quiet_model(w);
  cs_world_param_set_str(w, "coalition_model", "bargain");
  cs_world_param_set(w, "bargain_ratio", 1e9); /* no pact unless the test strikes it */
  cs_world_param_set(w, "bargain_partner_weight", EPS);
  cs_world_param_set(w, "phi", PHI);
  cs_world_param_set(w, "ell", ELL);
  cs_world_param_set(w, "joint_share", JS);
  cs_world_param_set(w, "vigilante_share", 0);
  cs_world_set_horizon(w, 5, 5);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, forces_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 1.5, 0);
  cs_world_timer(w, 2.5, 1);
  g_forces_bad = g_loss_bad = g_forces_checks = 0;
  CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
  CHECK(g_forces_checks == 6);
  CHECK(g_forces_bad == 0);
  CHECK(g_loss_bad == 0);
  cs_world_free(w);
}

/* ---- 4b. three partners, losses that lower the members ---- */
static int64_t lose_members(cs_world *w, int g, int64_t n) {
  if (n > w->gangs[g].members) n = w->gangs[g].members;
  w->gangs[g].members -= n;
  g_lost[g] += n;
  return n;
}
static int g_three_bad, g_three_checks;
static const double KM3[4] = {0.5, 1.5, 2.5, 4.0};
static const int64_t M3[4] = {300, 500, 700, 1100};
static int three_timer(void *ud, cs_world *w, int id) {
  if (id == 0) return cs_world_coalition_set(w, 0, NAN, 1);
  cs_engagement en;
  cs_engagement_forces(w, CS_PARTY_GANG(0), 0, &en);
  double chi = 1 - EPS, x[4], xs = 0;
  for (int p = 1; p < 4; p++) xs += x[p] = JS * chi * PHI * (double)M3[p] * exp(-KM3[p] / ELL);
  if (!(fabs(en.joint_n - xs) <= 1e-12 * xs)) g_three_bad++;
  for (int64_t deaths = 1; deaths <= 400; deaths += 3) {
    int64_t keep[4];
    for (int p = 0; p < 4; p++) keep[p] = w->gangs[p].members;
    memset(g_lost, 0, sizeof g_lost);
    int64_t dead = cs_joint_losses(w, 0, 0, deaths, en.A0 - en.joint_n, en.joint_n, lose_members);
    int64_t theirs = (int64_t)floor((double)deaths * en.joint_n / en.A0 + 0.5);
    g_three_checks++;
    if (dead != deaths || g_lost[1] + g_lost[2] + g_lost[3] != theirs) g_three_bad++;
    for (int p = 1; p < 4; p++)
      if (!(fabs((double)g_lost[p] - (double)theirs * x[p] / xs) < 1)) g_three_bad++;
    for (int p = 0; p < 4; p++) w->gangs[p].members = keep[p]; /* the next case from the same forces */
  }
  return CS_OK;
}

static void test_three_partners(void) {
  cs_world *w = new_world();
  cs_node_decl t = node_decl("T", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &t, NULL);
  for (int p = 0; p < 4; p++) {
    char id[8];
    snprintf(id, sizeof id, "b%d", p);
    cs_node_decl d = node_decl(id, 1000, 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
    cs_world_add_road(w, 0, 1 + p, KM3[p]);
  }
  int all[4];
  for (int p = 0; p < 4; p++) {
    char id[8];
    snprintf(id, sizeof id, "g%d", p);
    cs_gang_decl gd = {id, NULL, M3[p], 0, 0.05, 1, 1 + p};
    cs_world_add_gang(w, &gd, NULL);
    cs_world_set_owner(w, 1 + p, CS_PARTY_GANG(p));
    all[p] = p;
  }
  cs_world_add_coalition(w, "c", all, 4, 0.0, NULL);
  quiet_model(w);
  cs_world_param_set_str(w, "coalition_model", "bargain");
  cs_world_param_set(w, "bargain_ratio", 1e9);
  cs_world_param_set(w, "bargain_partner_weight", EPS);
  cs_world_param_set(w, "phi", PHI);
  cs_world_param_set(w, "ell", ELL);
  cs_world_param_set(w, "joint_share", JS);
  cs_world_set_horizon(w, 5, 5);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, three_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 1.5, 0);
  cs_world_timer(w, 2.5, 1);
  g_three_bad = g_three_checks = 0;
  CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
  fprintf(stderr, "three partners: %d loss splits, %d wrong\n", g_three_checks, g_three_bad);
  CHECK(g_three_checks == 134 && g_three_bad == 0);
  cs_world_free(w);
}

/* ---- 5. a whole run ---- */
static int g_inv_bad, g_inv_checks;
static int inv_timer(void *ud, cs_world *w, int id) {
  char msg[256];
  g_inv_checks++;
  if (cs__check_world(w, msg, sizeof msg) != 0) {
    if (g_inv_bad++ < 3) fprintf(stderr, "whole run, check %d: %s\n", id, msg);
  }
  return CS_OK;
}

static void test_whole_run(const char *reach) {
  cs_world *w = new_world();
  enum { N = 12 };
  for (int j = 0; j < N; j++) {
    char id[8];
    snprintf(id, sizeof id, "n%d", j);
    cs_node_decl d = node_decl(id, 5000, 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
  }
  for (int j = 0; j + 1 < N; j++) cs_world_add_road(w, j, j + 1, 1.0 + 0.1 * j);
  cs_world_add_road(w, 0, N - 1, 2.0);
  cs_world_add_road(w, 3, 8, 1.5);
  const int base[3] = {0, 4, 8};
  for (int g = 0; g < 3; g++) {
    char id[8];
    snprintf(id, sizeof id, "g%d", g);
    cs_gang_decl gd = {id, NULL, 300, 0, 0.05, 1, base[g]};
    cs_world_add_gang(w, &gd, NULL);
    cs_world_set_owner(w, base[g], CS_PARTY_GANG(g));
  }
  int pair[2] = {0, 1};
  cs_world_add_coalition(w, "c", pair, 2, 0.0, NULL);
  cs_unit_decl u = {"police", CS_UNIT_POLICE, 200, 0.05, CS_POSTURE_GUARD, 6};
  cs_world_add_unit(w, &u, NULL);
  cs_world_param_set_str(w, "coalition_model", "bargain");
  cs_world_param_set(w, "bargain_ratio", 0.01); /* the pact forms early */
  cs_world_param_set(w, "bargain_rate", 0.2);
  cs_world_param_set_str(w, "reach", reach);
  cs_world_param_set(w, "joint_share", 0.7);
  cs_world_param_set(w, "lambda0", 3.0);
  cs_world_param_set(w, "beta", 0.2);
  cs_world_set_horizon(w, 200, 200);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, inv_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  for (int i = 0; i < 200; i++) cs_world_timer(w, 0.5 + i, i);
  rec_sink r;
  cs_sink sk = rec_sink_of(&r);
  g_inv_bad = g_inv_checks = 0;
  CHECK(cs_world_run(w, 3, 0, &sk) == CS_OK);
  fprintf(stderr, "whole run (%s): %d engagements, %d takeovers, %d checks, %d failed\n", reach, r.n_events[CS_EK_ENGAGEMENT],
          r.n_events[CS_EK_TAKEOVER], g_inv_checks, g_inv_bad);
  CHECK(r.n_events[CS_EK_ENGAGEMENT] > 30 && r.n_events[CS_EK_TAKEOVER] > 5);
  CHECK(r.n_events[CS_EK_COALITION_FORMED] >= 1);
  CHECK(g_inv_checks == 200 && g_inv_bad == 0);
  cs_world_free(w);
}

static void test_params(void) {
  cs_world *w = new_world();
  cs_param_info pi;
  cs_world_param_info(w, cs_world_param_find(w, "reach"), &pi);
  CHECK(pi.type == CS_PT_STRING && strcmp(pi.str, "base") == 0);
  cs_world_param_info(w, cs_world_param_find(w, "joint_share"), &pi);
  CHECK(pi.num == 0);
  CHECK(cs_world_param_set_str(w, "reach", "headquarters") != CS_OK);
  CHECK(cs_world_param_set(w, "joint_share", 1.5) != CS_OK);
  CHECK(cs_world_param_set(w, "joint_share", -0.1) != CS_OK);
  cs_world_free(w);
}

int main(void) {
  test_params();
  test_line("base");
  test_line("territory");
  test_line("spread");
  test_random_graphs("territory");
  test_random_graphs("spread");
  test_forces();
  test_three_partners();
  test_whole_run("territory");
  test_whole_run("spread");
  return check_report();
}
