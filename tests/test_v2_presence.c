/* test_v2_presence.c: the STATE's presence and the erosion of its holds
** (control.c, presence_half and erode_rate; sim/README.md, "control.c:
** partial control" and Verification).
**
** - a known answer: a police post P and STATE-held nodes 1, 3 and 6 km from
**   it by road (nobody attacks), and a gang-held node. The test computes each
**   node's presence pi = O / (O + presence_half), O = the post's officers times
**   exp(-d / ell_police) (all of them at P), and drifts its own shares by the
**   closed form: a = consolidate_rate pi, b = erode_rate (1 - pi), the STATE's
**   share s(t) = s* + (s0 - s*) exp(-(a + b) t), s* = a / (a + b), nobody
**   the rest. Every day the model's shares agree with it to 1e-12; a node
**   lapses to CONTESTED (one takeover row, STATE -> CONTESTED) exactly when
**   s reaches control_majority (to 1e-9 days), and only the nodes whose s*
**   lies below it do; the gang's hold does not erode. On days 20-23 the
**   erosion rate, the consolidation rate, presence_half and ell_police
**   change in turn: the drift so far is at the old values, the presence and
**   the lapse times move to the new closed form (a change left out of the
**   catch-up, or a presence not measured again, fails it);
** - off is as before: with presence_half 0 an erosion rate changes nothing
**   (the same event and sample hash);
** - erode_where "frontier": a hold wears down only while a road neighbour is
**   not the STATE's; a node whose neighbour lapses starts eroding then, at the
**   closed form from that time (test_frontier);
** - invariants in a busy town with presence and erosion on are checked in
**   test_v2_control.c's town (shares summing to 1, the majority rule). */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs__check_world */

enum { NP, N1, N3, N6, NG, NN };
static const double KM[NN] = {0, 1, 3, 6, 12};
static const double OFFICERS = 400, HALF = 50, ELL = 1, C = 0.05, THETA = 0.5, DAYS = 60;
static const double E1 = 0.04, E2 = 0.08;
/* the changes during the run: day, parameter, new value */
static const struct { int day; const char *name; double v; } CHANGE[] = {
  {20, "erode_rate", 0.08}, {21, "consolidate_rate", 0.04}, {22, "presence_half", 30}, {23, "ell_police", 1.2}};

static struct {
  double s[NN], t, e, c, h, ell; /* the test's STATE shares, their time, and the parameters */
  double lapse_at[NN];  /* when the model's takeover row came, or -1 */
  int lapses[NN], bad, checks, vary;
  int contested[NN];    /* the test's owner: 1 once its share reached theta */
} g;

static double pi_of(int j) {
  double o = OFFICERS * exp(-KM[j] / g.ell);
  return o / (o + g.h);
}

/* The test's drift from g.t to t; the time the STATE's share of j crosses
** theta under the current rate, or INFINITY. */
static void drift(double t) {
  for (int j = 0; j < NN; j++) {
    if (j == NG || g.contested[j]) continue;
    double p = pi_of(j), a = g.c * p, b = g.e * (1 - p), k = a + b, star = a / k;
    g.s[j] = star + (g.s[j] - star) * exp(-k * (t - g.t));
  }
  g.t = t;
}

static double crossing(int j) {
  double p = pi_of(j), a = g.c * p, b = g.e * (1 - p), k = a + b, star = a / k;
  if (g.contested[j] || !(star < THETA)) return INFINITY;
  return g.t + log((g.s[j] - star) / (THETA - star)) / k;
}

static int on_event(void *ud, cs_world *w, const cs_event_rec *e) {
  (void)ud;
  if (e->kind != CS_EK_TAKEOVER) return CS_OK;
  int j = e->node;
  g.lapses[j]++;
  g.lapse_at[j] = e->t;
  if (e->actor != CS_PARTY_CONTESTED || e->target != CS_PARTY_STATE) g.bad++;
  /* the test's own state at the crossing: the STATE at theta exactly */
  double want = crossing(j);
  if (!(fabs(e->t - want) <= 1e-9)) {
    g.bad++;
    fprintf(stderr, "node %d lapsed at %.12g, the closed form says %.12g\n", j, e->t, want);
  }
  drift(e->t);
  g.s[j] = THETA;
  g.contested[j] = 1;
  char msg[256];
  if (cs__check_world(w, msg, sizeof msg)) {
    g.bad++;
    fprintf(stderr, "after the lapse of node %d: %s\n", j, msg);
  }
  return CS_OK;
}

static int on_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  double t = cs_world_now(w);
  drift(t);
  for (int j = 0; j < NN; j++) {
    double st = cs_world_node_share(w, j, CS_PARTY_STATE), no = cs_world_node_share(w, j, CS_PARTY_CONTESTED);
    double want_s = j == NG ? 0 : g.s[j], want_n = j == NG ? 0 : 1 - g.s[j];
    int want_o = j == NG ? CS_PARTY_GANG(0) : g.contested[j] ? CS_PARTY_CONTESTED : CS_PARTY_STATE;
    g.checks++;
    if (!(fabs(st - want_s) <= 1e-12 && fabs(no - want_n) <= 1e-12) || cs_world_node_owner(w, j) != want_o) {
      g.bad++;
      fprintf(stderr, "day %g, node %d: STATE %.17g nobody %.17g owner %d; the closed form: %.17g %.17g %d\n", t, j, st,
              no, cs_world_node_owner(w, j), want_s, want_n, want_o);
    }
    if (j == NG && cs_world_node_share(w, j, CS_PARTY_GANG(0)) != 1.0) g.bad++; /* a gang's hold does not erode */
  }
  char msg[256];
  if (cs__check_world(w, msg, sizeof msg)) {
    g.bad++;
    fprintf(stderr, "day %g: %s\n", t, msg);
  }
  for (size_t i = 0; i < sizeof CHANGE / sizeof CHANGE[0]; i++) /* the drift so far is at the old values */
    if (id == CHANGE[i].day && g.vary) {
      if (cs_world_param_set(w, CHANGE[i].name, CHANGE[i].v) != CS_OK) g.bad++;
      double *mine[] = {&g.e, &g.c, &g.h, &g.ell};
      *mine[i] = CHANGE[i].v;
    }
  return CS_OK;
}

static cs_world *build_where(double half, double erode, const char *where);
static cs_world *build(double half, double erode) { return build_where(half, erode, NULL); }

/* where: NULL, the town above; "everywhere" or "frontier", the same town with
** two more roads, A6-G (A6 borders the gang) and A3-A6 (4 km: the post's
** shortest roads to A3 and A6 stay 3 and 6 km), and erode_where set. */
static cs_world *build_where(double half, double erode, const char *where) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  static const char *const id[NN] = {"P", "A1", "A3", "A6", "G"};
  for (int j = 0; j < NN; j++) {
    cs_node_decl d = node_decl(id[j], 4000, 0.5, CS_PARTY_STATE);
    CHECK(cs_world_add_node(w, &d, NULL) == CS_OK);
    if (j) CHECK(cs_world_add_road(w, NP, j, KM[j]) == CS_OK);
  }
  if (where) {
    CHECK(cs_world_add_road(w, N6, NG, 2) == CS_OK);
    CHECK(cs_world_add_road(w, N3, N6, 4) == CS_OK);
    CHECK(cs_world_param_set_str(w, "erode_where", where) == CS_OK);
  }
  cs_gang_decl gd = {"g", NULL, 500, 0, 0.05, 1.0, NG};
  CHECK(cs_world_add_gang(w, &gd, NULL) == CS_OK);
  CHECK(cs_world_set_owner(w, NG, CS_PARTY_GANG(0)) == CS_OK);
  cs_unit_decl f = {"post", CS_UNIT_POLICE, (int64_t)OFFICERS, 0.05, CS_POSTURE_GUARD, NP};
  CHECK(cs_world_add_unit(w, &f, NULL) == CS_OK);
  cs_world_set_horizon(w, DAYS, 1);
  static const char *const off[] = {"delta0", "recruit_rate", "patrol_rate", "r0", "move_default", "move_conflict",
                                    "move_site", "h0", "h1", "h_T", "lambda0", "n_retaliation", NULL};
  for (int i = 0; off[i]; i++) CHECK(cs_world_param_set(w, off[i], 0) == CS_OK);
  CHECK(cs_world_param_set_str(w, "control_model", "shares") == CS_OK);
  CHECK(cs_world_param_set(w, "control_majority", THETA) == CS_OK);
  CHECK(cs_world_param_set(w, "consolidate_rate", C) == CS_OK);
  CHECK(cs_world_param_set(w, "ell_police", ELL) == CS_OK);
  CHECK(cs_world_param_set(w, "presence_half", half) == CS_OK);
  CHECK(cs_world_param_set(w, "erode_rate", erode) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  return w;
}

static void test_known_answer(int vary) {
  memset(&g, 0, sizeof g);
  for (int j = 0; j < NN; j++) g.s[j] = 1, g.lapse_at[j] = -1;
  g.e = E1, g.c = C, g.h = HALF, g.ell = ELL, g.vary = vary;
  cs_world *w = build(HALF, E1);
  cs_hooks h = {NULL, on_timer, on_event, NULL};
  cs_world_set_hooks(w, &h);
  for (int d = 0; d <= (int)DAYS; d++) cs_world_timer(w, d, d);
  rec_sink r;
  cs_sink sk = rec_sink_of(&r);
  CHECK(cs_world_run(w, 3, 0, &sk) == CS_OK);
  fprintf(stderr, "presence%s: %d share checks; lapses at days %.4g (1 km), %.4g (3 km), %.4g (6 km), post %.4g\n", vary ? " (parameters changed on days 20-23)" : "",
          g.checks, g.lapse_at[N1], g.lapse_at[N3], g.lapse_at[N6], g.lapse_at[NP]);
  CHECK(g.bad == 0);
  CHECK(g.checks == (int)(DAYS + 1) * NN);
  /* which nodes lapse is the closed form's s* < theta, not the test's choice of numbers */
  g.e = E1, g.c = C, g.h = HALF, g.ell = ELL; /* pi_of at the starting values */
  for (int j = 0; j < NN; j++) {
    if (j == NG) {
      CHECK(g.lapses[j] == 0);
      continue;
    }
    double p = pi_of(j), star_lo = C * p / (C * p + E2 * (1 - p));
    if (!vary && star_lo >= THETA) CHECK(g.lapses[j] == 0); /* never below theta */
  }
  CHECK(g.lapses[N3] == 1 && g.lapses[N6] == 1 && g.lapses[NP] == 0); /* this geometry has both kinds */
  CHECK(g.lapse_at[N6] < g.lapse_at[N3]); /* less presence, sooner */
  CHECK(r.n_events[CS_EK_TAKEOVER] == g.lapses[N1] + g.lapses[N3] + g.lapses[N6]);
  cs_world_free(w);
}

/* erode_where "frontier": a hold wears down only while a road neighbour is
** not the STATE's. In the town of build_where, A6 borders the gang from the
** start and lapses when the closed form from day 0 says; A3's only
** neighbours are the post and A6, so its share stays exactly 1 until A6
** lapses, and it lapses at that time plus the closed form from a full share
** (with "everywhere" it lapses at the closed form from day 0, earlier); A1
** borders only the post: its share stays 1. The erosion's parameter cannot
** change during a run. */
static int frontier_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  (void)id;
  if (cs_world_param_set_str(w, "erode_where", "everywhere") == CS_OK) g.bad++;
  return CS_OK;
}

static int frontier_event(void *ud, cs_world *w, const cs_event_rec *e) {
  (void)ud;
  (void)w;
  if (e->kind == CS_EK_TAKEOVER) {
    g.lapses[e->node]++;
    g.lapse_at[e->node] = e->t;
    if (e->actor != CS_PARTY_CONTESTED || e->target != CS_PARTY_STATE) g.bad++;
  }
  return CS_OK;
}

static void frontier_run(const char *where, double at[NN], double end_share[NN]) {
  memset(&g, 0, sizeof g);
  for (int j = 0; j < NN; j++) g.lapse_at[j] = -1;
  cs_world *w = build_where(HALF, E1, where);
  cs_hooks h = {NULL, frontier_timer, frontier_event, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 5, 0);
  rec_sink r;
  cs_sink sk = rec_sink_of(&r);
  CHECK(cs_world_run(w, 3, 0, &sk) == CS_OK);
  CHECK(g.bad == 0); /* the change during the run was refused; every takeover a lapse */
  for (int j = 0; j < NN; j++) {
    CHECK(g.lapses[j] <= 1);
    at[j] = g.lapse_at[j];
    end_share[j] = cs_world_node_share(w, j, CS_PARTY_STATE);
  }
  char msg[256];
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  cs_world_free(w);
}

static double lapse_from_full(int j) { /* days from a full STATE share to theta, at the starting values */
  g.e = E1, g.c = C, g.h = HALF, g.ell = ELL;
  double p = pi_of(j), a = C * p, b = E1 * (1 - p), k = a + b, star = a / k;
  return star < THETA ? log((1 - star) / (THETA - star)) / k : INFINITY;
}

static void test_frontier(void) {
  double fa[NN], fs[NN], ea[NN], es[NN];
  frontier_run("frontier", fa, fs);
  frontier_run("everywhere", ea, es);
  double t6 = lapse_from_full(N6), t3 = lapse_from_full(N3);
  fprintf(stderr, "erode_where frontier: A6 lapses at %.6g (closed form %.6g), A3 at %.6g (%.6g); everywhere: A3 at %.6g\n",
          fa[N6], t6, fa[N3], t6 + t3, ea[N3]);
  CHECK(t6 + t3 < DAYS); /* the geometry shows both lapses within the run */
  CHECK(fabs(fa[N6] - t6) <= 1e-9);
  CHECK(fabs(fa[N3] - (fa[N6] + t3)) <= 1e-9);
  CHECK(fa[N1] < 0 && fs[N1] == 1.0 && fa[NP] < 0);
  CHECK(fabs(ea[N6] - t6) <= 1e-9 && fabs(ea[N3] - t3) <= 1e-9); /* everywhere: both from day 0 */
}

static uint64_t run_hash(double half, double erode) {
  cs_world *w = build(half, erode);
  rec_sink r;
  cs_sink sk = rec_sink_of(&r);
  CHECK(cs_world_run(w, 3, 0, &sk) == CS_OK);
  cs_world_free(w);
  return r.hash;
}

static void test_off(void) {
  uint64_t h0 = run_hash(0, 0), h1 = run_hash(0, 0.3), h2 = run_hash(HALF, 0.3);
  CHECK(h0 != 0 && h0 == h1); /* no presence: no erosion */
  CHECK(h2 != h0);            /* and with it, the holds erode */
}

static void test_params(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  CHECK(cs_world_param_set(w, "presence_half", -1) != CS_OK);
  CHECK(cs_world_param_set(w, "erode_rate", -0.1) != CS_OK);
  CHECK(cs_world_param_set_text(w, "erode_rate", "0.05") == CS_OK);
  cs_world_free(w);
}

int main(void) {
  test_params();
  test_known_answer(0);
  test_known_answer(1);
  test_off();
  test_frontier();
  return check_report();
}
