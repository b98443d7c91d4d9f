/* test_v2_coalition.c: coalitions as a bargain, coalition_model = "bargain"
** (sim/README.md, bargain.c; Verification, "Coalitions as a bargain").
**
** 1. Formation: after a threat step first seen at the update t0, the waiting
**    time to formation is Exp(h), h = kappa (1 - rho_form / rho): mean within
**    4 SE of 1/h and Kolmogorov-Smirnov distance below its 0.1% critical
**    value, at two threat ratios; never before t0; never below rho_form.
**    Piecewise: a threat stepping twice (rho 2, then 4), each step first seen
**    at the next update (t0, then t1), gives the hazard h1 on [t0, t1) and h2
**    after; the formation time's law is then exactly piecewise exponential,
**    F(t) = 1 - exp(-h1 (t - t0)) before t1 and 1 - exp(-h1 (t1 - t0) -
**    h2 (t - t1)) after. At cohesion_dt 1 and 2.5, 1000 runs each: the
**    share formed before t1 within 4 binomial SE of F(t1); the mean wait
**    after t1 of those not yet formed within 4 SE of 1/h2 (an integrated
**    hazard carried across the re-rating, not restarted); Kolmogorov-Smirnov
**    distance to F below its 0.1% critical value; none before t0.
**    Talks in stages (bargain_stages): with 3 stages the wait is Erlang(3,
**    3h) (mean, KS); with 1.5, the even mix of one and two stages (the share
**    of quick pacts against the closed form, KS); the piecewise threat with
**    3 stages (KS against P(Gamma(3, 3) <= H(t))); and a branch mid-talks
**    keeps the stages done (KS against the unbranched law).
** 2. Truce: after formation the partners' attack rate on each other is
**    bargain_partner_weight times the rate before (rates from counts over
**    replicates, 4 SE by the delta method); a gang outside the coalition
**    attacks the members, and they it, at the same rate before and after.
** 3. Erosion counts only incidents after formation: with heavy fighting
**    between partners before the pact and none after, it never splits; with
**    fighting after, it splits at exactly the first update where the
**    post-formation incidents in the window reach bargain_split_incidents.
** 4. A prison break moves the threat ratio as the formula says (freed
**    members at bargain_freed_weight; v1: one for one), and a break that
**    pushes the ratio below the split line splits the pact tau_split days
**    after the first update that sees it (hysteresis: it does not re-form).
** 5. coalition_model = "cohesion" is version 1: the same events as the
**    default; the model cannot change during a run; a script cannot set a
**    bargain's cohesion, can form it, and a new bargain_partner_weight
**    reaches a formed pact at once.
** Statistical checks use |z| < 4 (false failure ~6e-5 each); the
** Kolmogorov-Smirnov checks use the 0.1% critical value (1e-3 each). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs_bargain_ratio, cs_bargain_strength */

static void quiet_model(cs_world *w) {
  const char *off[] = {"delta0", "recruit_rate", "patrol_rate", "r0", "move_default", "move_conflict",
                       "move_site", "h0", "h1", "h_T", "n_retaliation", "c_civ"};
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) cs_world_param_set(w, off[i], 0);
}

static cs_world *new_world(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  return w;
}

/* ---- what a run logged ---- */
typedef struct obs {
  double formed[8], split[8]; /* times of the first formations and splits */
  int n_formed, n_split;
  /* partner attacks (between gangs 0 and 1), outsider attacks (gang 2 involved) */
  double *pt;                 /* times of partner attacks */
  int n_pt, cap_pt;
  int n_out_before, n_out_after;
} obs;
static obs *g_obs;

static int obs_event(void *ud, const cs_event_rec *e) {
  obs *o = g_obs;
  (void)ud;
  if (e->kind == CS_EK_COALITION_FORMED && o->n_formed < 8) o->formed[o->n_formed++] = e->t;
  if (e->kind == CS_EK_COALITION_SPLIT && o->n_split < 8) o->split[o->n_split++] = e->t;
  if (e->kind == CS_EK_ENGAGEMENT && CS_PARTY_IS_GANG(e->actor) && CS_PARTY_IS_GANG(e->target)) {
    int a = CS_PARTY_GANG_INDEX(e->actor), b = CS_PARTY_GANG_INDEX(e->target);
    if (a < 2 && b < 2) {
      if (o->n_pt == o->cap_pt) {
        o->cap_pt = o->cap_pt ? 2 * o->cap_pt : 256;
        o->pt = realloc(o->pt, (size_t)o->cap_pt * sizeof *o->pt);
      }
      o->pt[o->n_pt++] = e->t;
    } else if (o->n_formed == 0) {
      o->n_out_before++;
    } else {
      o->n_out_after++;
    }
  }
  return CS_OK;
}

/* ---- 1. formation: waiting time Exp(h) after a threat step ----
** Two gangs of 1000 members, q = 0.05: S = 100. No attacks (lambda0 = 0), so
** S stays 100. At t = 10.5 a force of strength E = rho S is announced
** (w_ann = 1); the first update to see it is at t0 = 11. With a second
** ratio rho2 > 0, a second announcement at 13.5 raises E to rho2 S. */
static double g_announce[2]; /* strength to announce at timers 1 and 2 */
static double g_stages = 1;   /* bargain_stages of formation_run */
static double g_branch = -1;  /* formation_run branches (id = replicate) at this day if >= 0 */
static int announce_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  return cs_world_announce(w, (int64_t)llround(g_announce[id - 1] / 0.05), 0.05);
}

/* The first formation time (-1 if none) with the threat at rho from 10.5
** and, if rho2 > 0, at rho2 from 13.5; coalition updates every dt days. */
static double formation_run(double rho, double rho2, double dt, double kappa, double horizon, uint64_t seed,
                            uint64_t rep) {
  cs_world *w = new_world();
  cs_node_decl a = node_decl("a", 1000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1);
  cs_gang_decl g0 = {"g0", NULL, 1000, 0, 0.05, 1, 0}, g1 = {"g1", NULL, 1000, 0, 0.05, 1, 1};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "c", both, 2, 0.0, NULL);
  cs_world_set_horizon(w, horizon, horizon);
  quiet_model(w);
  cs_world_param_set(w, "lambda0", 0);
  cs_world_param_set(w, "w_ann", 1);
  CHECK(cs_world_param_set_str(w, "coalition_model", "bargain") == CS_OK);
  cs_world_param_set(w, "bargain_ratio", 1);
  cs_world_param_set(w, "bargain_rate", kappa);
  cs_world_param_set(w, "cohesion_dt", dt);
  CHECK(cs_world_param_set(w, "bargain_stages", g_stages) == CS_OK);
  cs_world_timer(w, 10.5, 1);
  g_announce[0] = rho * 100.0;
  if (rho2 > 0) {
    cs_world_timer(w, 13.5, 2);
    g_announce[1] = (rho2 - rho) * 100.0; /* announcements add up */
  }
  cs_hooks h = {NULL, announce_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  CHECK(cs_world_finalize(w) == CS_OK);
  if (g_branch >= 0) CHECK(cs_world_set_branch(w, g_branch, rep) == CS_OK);
  obs o = {0};
  g_obs = &o;
  cs_sink s = {NULL, NULL, NULL, obs_event, NULL};
  CHECK(cs_world_run(w, seed, rep, &s) == CS_OK);
  double rho_end = rho2 > 0 ? rho2 : rho;
  if (rep == 0) CHECK_NEAR(cs_bargain_ratio(w, 0), rho_end, 1e-12 * rho_end);
  cs_world_free(w);
  free(o.pt);
  return o.n_formed ? o.formed[0] : -1;
}

static double formation_time(double rho, double kappa, double horizon, uint64_t rep) {
  return formation_run(rho, 0, 1, kappa, horizon, 40 + (uint64_t)rho, rep); /* independent draws per case */
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* P(Gamma(K, rate K) <= H): the formation law after an integrated hazard H
** with K stages, 1 - exp(-x) sum_{i<K} x^i / i!, x = K H. */
static double erlang_cdf(int K, double H) {
  double x = K * H, term = 1, sum = 0;
  for (int i = 0; i < K; i++) {
    sum += term;
    term *= x / (i + 1);
  }
  return 1 - exp(-x) * sum;
}

/* The same for bargain_stages a: K = floor(a) or floor(a) + 1 with
** probability a - floor(a). */
static double stages_cdf(double a, double H) {
  int K = (int)floor(a);
  double f = a - K;
  return (1 - f) * erlang_cdf(K, H) + (f > 0 ? f * erlang_cdf(K + 1, H) : 0);
}

/* Var(T) h^2 for a wait of mean 1 / h: sum over K of P(K) / K. */
static double stages_var(double a) {
  int K = (int)floor(a);
  double f = a - K;
  return (1 - f) / K + f / (K + 1);
}

/* Kolmogorov-Smirnov distance of the sorted sample x[0..n) to the law of
** the formation time with integrated hazard H(x) = h x. */
static double ks_stages(const double *x, int n, double a, double h) {
  double D = 0;
  for (int i = 0; i < n; i++) {
    double F = stages_cdf(a, h * x[i]);
    double d1 = fabs((i + 1.0) / n - F), d2 = fabs(F - (double)i / n);
    if (d1 > D) D = d1;
    if (d2 > D) D = d2;
  }
  return D;
}

/* bargain_stages a (1: the memoryless wait): mean within 4 SE of 1 / h (the
** SE from the law's variance) and the KS distance to the law below its 0.1%
** critical value. A clock that ran each stage at h, not K h, waits K / h on
** average; one that dropped the stages waits Exp(h) (at K = 3, KS ~0.13). */
static void test_formation_time(double rho, double a) {
  const int N = 400;
  double kappa = 0.2, h = kappa * (1 - 1 / rho), t0 = 11, *wait = malloc(N * sizeof *wait);
  g_stages = a;
  int early = 0, never = 0;
  double sum = 0;
  for (int r = 0; r < N; r++) {
    double tf = formation_time(rho, kappa, 300, (uint64_t)r);
    if (tf < 0) never++;
    else if (tf <= t0) early++;
    wait[r] = tf - t0;
    sum += wait[r];
  }
  CHECK(early == 0 && never == 0); /* P(none in 289 days) < 1e-12 */
  double mean = sum / N, se = sqrt(stages_var(a)) / h / sqrt(N);
  CHECK_NEAR(mean, 1 / h, 4 * se);
  /* Kolmogorov-Smirnov: D < 1.949 / sqrt(N) at the 0.1% level */
  qsort(wait, N, sizeof *wait, cmp_double);
  CHECK(ks_stages(wait, N, a, h) < 1.949 / sqrt(N));
  free(wait);
  g_stages = 1;
}

/* A fractional bargain_stages mixes its two neighbours: at 1.5, half the
** talks have one stage and half two, so the share of pacts struck within
** 0.1 / h of the step is 0.5 (1 - e^-0.1) + 0.5 (1 - 1.2 e^-0.2) = 0.0563,
** against 0.095 with one stage and 0.0175 with two (each more than 7 SE away
** at N = 2000); within 4 binomial SE, and the KS distance as above. */
static void test_formation_fractional(void) {
  const int N = 2000;
  const double a = 1.5, rho = 2.0, kappa = 0.2, h = kappa * (1 - 1 / rho), t0 = 11;
  double *wait = malloc(N * sizeof *wait);
  int quick = 0, bad = 0;
  g_stages = a;
  for (int r = 0; r < N; r++) {
    double tf = formation_run(rho, 0, 1, kappa, 400, 60, (uint64_t)r);
    if (!(tf > t0)) bad++;
    wait[r] = tf - t0;
    quick += wait[r] < 0.1 / h;
  }
  g_stages = 1;
  CHECK(bad == 0); /* P(none in 389 days) < 1e-30 */
  double p = stages_cdf(a, 0.1);
  CHECK_NEAR(p, 0.0563, 1e-4); /* the closed form above */
  CHECK_NEAR(quick, N * p, 4 * sqrt(N * p * (1 - p)));
  qsort(wait, N, sizeof *wait, cmp_double);
  CHECK(ks_stages(wait, N, a, h) < 1.949 / sqrt(N));
  free(wait);
}

/* Piecewise: rho = 2 from the update t0 that first sees the step at 10.5
** (h1 = kappa / 2), rho = 4 from the update t1 that first sees the step at
** 13.5 (h2 = 3 kappa / 4). The hazard is read only at updates, so t0 and t1
** are the next multiples of dt, not the announcements' times: at dt = 2.5,
** 12.5 and 15. A clock that re-rated at an announcement forms before t0
** (at dt = 2.5, in 18% of runs); one that restarted its integrated hazard
** at t1 waits (1 + h1 (t1 - t0)) / h2 on average after t1, not 1 / h2; one
** that ran the new hazard over the update interval just ended misses F (KS
** at dt = 2.5). */
static void test_formation_piecewise(double dt, double a) {
  const int N = 1000;
  const double kappa = 0.2, h1 = kappa * (1 - 1 / 2.0), h2 = kappa * (1 - 1 / 4.0);
  const double t0 = ceil(10.5 / dt) * dt, t1 = ceil(13.5 / dt) * dt, H1 = h1 * (t1 - t0);
  double *tf = malloc(N * sizeof *tf), sum_after = 0;
  int early = 0, never = 0, before = 0, after = 0;
  g_stages = a;
  for (int r = 0; r < N; r++) {
    tf[r] = formation_run(2.0, 4.0, dt, kappa, 300, 50 + (uint64_t)(10 * dt) + (a > 1 ? 100 : 0), (uint64_t)r);
    if (tf[r] < 0) never++;
    else if (tf[r] < t0) early++;
    else if (tf[r] < t1) before++;
    else {
      after++;
      sum_after += tf[r] - t1;
    }
  }
  g_stages = 1;
  CHECK(early == 0 && never == 0); /* P(none by 300) < 1e-18 at a = 1, less with more stages */
  double p = stages_cdf(a, H1);
  CHECK_NEAR(before, N * p, 4 * sqrt(N * p * (1 - p)));
  if (a == 1) { /* given T >= t1, T - t1 ~ Exp(h2): memoryless once the hazard is h2 */
    CHECK(after > 0);
    CHECK_NEAR(sum_after / after, 1 / h2, 4 * (1 / h2) / sqrt(after));
  }
  /* Kolmogorov-Smirnov against F(t) = P(threshold <= H(t)), H piecewise linear
  ** (continuous); with stages, a clock that restarted a stage at t1 misses it */
  qsort(tf, N, sizeof *tf, cmp_double);
  double D = 0;
  for (int i = 0; i < N; i++) {
    double t = tf[i], H = t < t0 ? 0 : t < t1 ? h1 * (t - t0) : H1 + h2 * (t - t1), F = stages_cdf(a, H);
    double d1 = fabs((i + 1.0) / N - F), d2 = fabs(F - (double)i / N);
    if (d1 > D) D = d1;
    if (d2 > D) D = d2;
  }
  CHECK(D < 1.949 / sqrt(N));
  free(tf);
}

/* A branch redraws the rest of the current stage of the talks and keeps the
** stages done and K: with three stages and a branch at day 20 (h = 0.1 from
** t0 = 11, so most runs are in the second or third stage), the formation time
** still follows the three-stage law from t0 (KS as above; 1000 runs, branch
** id = replicate). A redraw that restarted the talks, or drew the rest at
** rate 1 instead of K, moves the law past the critical value. */
static void test_formation_branch(void) {
  const int N = 1000;
  const double a = 3, kappa = 0.2, h = kappa * (1 - 1 / 2.0), t0 = 11;
  double *wait = malloc(N * sizeof *wait);
  int bad = 0;
  g_stages = a;
  g_branch = 20;
  for (int r = 0; r < N; r++) {
    double tf = formation_run(2.0, 0, 1, kappa, 400, 70, (uint64_t)r);
    if (!(tf > t0)) bad++;
    wait[r] = tf - t0;
  }
  g_stages = 1;
  g_branch = -1;
  CHECK(bad == 0);
  qsort(wait, N, sizeof *wait, cmp_double);
  CHECK(ks_stages(wait, N, a, h) < 1.949 / sqrt(N));
  free(wait);
}

/* Below the threshold the hazard is 0: it never forms. */
static void test_no_formation_below(void) {
  int formed = 0;
  for (int r = 0; r < 20; r++) formed += formation_time(0.95, 10.0, 200, (uint64_t)r) >= 0;
  CHECK(formed == 0);
}

/* ---- 2 and 3. gangs that fight: partners g0, g1, outsider g2 ----
** Each gang holds one node of a triangle (all adjacent, 1 km roads); every
** node is fortified (F = 100) and m = 10, so p ~ 1e-22 and no node ever
** changes hands; eta = 0, so every firing is an attack. Pair (g, j) fires
** at lambda0 V wR (V = 0.5) until formation; then partners at
** lambda0 V wR epsilon, outsiders unchanged. The threat step at 50.5 with
** kappa = 1000 forms the pact just after the update at 51; the test splits
** each run at its own formation time. */
static void fight_run(obs *o, int n_gangs, double eps, int split_n, uint64_t rep, double days) {
  cs_world *w = new_world();
  const char *ids[3] = {"A", "B", "C"};
  for (int i = 0; i < n_gangs; i++) {
    cs_node_decl d = node_decl(ids[i], 1000, 0.5, CS_PARTY_STATE);
    d.fortification = 100;
    cs_world_add_node(w, &d, NULL);
  }
  cs_world_add_road(w, 0, 1, 1);
  if (n_gangs == 3) {
    cs_world_add_road(w, 0, 2, 1);
    cs_world_add_road(w, 1, 2, 1);
  }
  const char *gid[3] = {"g0", "g1", "g2"};
  for (int i = 0; i < n_gangs; i++) {
    cs_gang_decl g = {gid[i], NULL, 1000, 0, 0.05, 1, i};
    cs_world_add_gang(w, &g, NULL);
    cs_world_set_owner(w, i, CS_PARTY_GANG(i));
  }
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "c", both, 2, 0.0, NULL);
  cs_world_set_horizon(w, days, days);
  quiet_model(w);
  cs_world_param_set(w, "lambda0", 4);
  cs_world_param_set(w, "eta", 0);
  cs_world_param_set(w, "m", 10);
  cs_world_param_set(w, "beta", 1e-6);
  cs_world_param_set(w, "w_ann", 1);
  CHECK(cs_world_param_set_str(w, "coalition_model", "bargain") == CS_OK);
  cs_world_param_set(w, "bargain_rate", 1000);
  cs_world_param_set(w, "bargain_partner_weight", eps);
  cs_world_param_set(w, "bargain_split_incidents", split_n);
  cs_world_param_set(w, "bargain_split", 0); /* no split by threat */
  cs_world_timer(w, 50.5, 1);
  g_announce[0] = 4 * 100.0; /* rho = 4 */
  cs_hooks h = {NULL, announce_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  CHECK(cs_world_finalize(w) == CS_OK);
  g_obs = o;
  cs_sink s = {NULL, NULL, NULL, obs_event, NULL};
  CHECK(cs_world_run(w, 7, rep, &s) == CS_OK);
  cs_world_free(w);
}

static void test_truce_and_outsider(void) {
  const int R = 60;
  const double days = 200, eps = 0.1, per_pair = 4 * 0.5 * 0.5; /* lambda0 V wR */
  double Tb = 0, Ta = 0;
  long nb = 0, na = 0, ob = 0, oa = 0;
  int ok = 1;
  for (int r = 0; r < R; r++) {
    obs o = {0};
    fight_run(&o, 3, eps, 1000000, (uint64_t)r, days);
    ok &= o.n_formed == 1 && o.n_split == 0 && o.formed[0] > 51 && o.formed[0] < 52;
    double tf = o.n_formed ? o.formed[0] : days;
    for (int i = 0; i < o.n_pt; i++) {
      if (o.pt[i] < tf) nb++;
      else na++;
    }
    ob += o.n_out_before;
    oa += o.n_out_after;
    Tb += tf;
    Ta += days - tf;
    free(o.pt);
  }
  CHECK(ok);
  /* two partner pairs, four outsider pairs (g0 and g1 on C, g2 on A and B) */
  double eb = 2 * per_pair * Tb, ea = 2 * per_pair * eps * Ta;
  CHECK_NEAR(nb, eb, 4 * sqrt(eb));
  CHECK_NEAR(na, ea, 4 * sqrt(ea));
  double ratio = ((double)na / Ta) / ((double)nb / Tb);
  CHECK_NEAR(ratio, eps, 4 * ratio * sqrt(1.0 / na + 1.0 / nb));
  double oratio = ((double)oa / Ta) / ((double)ob / Tb);
  CHECK_NEAR(oratio, 1.0, 4 * oratio * sqrt(1.0 / oa + 1.0 / ob));
  CHECK_NEAR(ob, 4 * per_pair * Tb, 4 * sqrt(4 * per_pair * Tb));
}

/* The first update (a whole day, cohesion_dt = 1) after tf at which the
** partner attacks after tf within the last `win` days number at least n. */
static double predicted_split(const obs *o, double tf, double win, int n, double days) {
  for (double t = ceil(tf); t <= days; t += 1) {
    int c = 0;
    for (int i = 0; i < o->n_pt; i++)
      if (o->pt[i] > tf && o->pt[i] <= t && o->pt[i] >= t - win) c++;
    if (c >= n) return t;
  }
  return -1;
}

static void test_erosion_after_formation_only(void) {
  const double days = 120, win = 30; /* incident_window's default */
  const int n = 5;
  int ok_quiet = 1, ok_split = 1, busy_before = 1;
  for (int r = 0; r < 10; r++) {
    /* no fighting between partners after the pact (epsilon = 0) */
    obs o = {0};
    fight_run(&o, 2, 0.0, n, (uint64_t)r, days);
    double tf = o.n_formed ? o.formed[0] : -1;
    int before = 0, after = 0;
    for (int i = 0; i < o.n_pt; i++) {
      before += o.pt[i] < tf && o.pt[i] >= tf - win;
      after += o.pt[i] > tf;
    }
    busy_before &= before >= n; /* ~60 expected: enough to split, had they counted */
    ok_quiet &= o.n_formed == 1 && o.n_split == 0 && after == 0;
    free(o.pt);
    /* the partners keep fighting at full weight (epsilon = 1) */
    obs p = {0};
    fight_run(&p, 2, 1.0, n, (uint64_t)r, days);
    tf = p.n_formed ? p.formed[0] : -1;
    double want = predicted_split(&p, tf, win, n, days);
    ok_split &= p.n_formed >= 1 && p.n_split >= 1 && want > 0 && p.split[0] == want;
    free(p.pt);
  }
  CHECK(busy_before);
  CHECK(ok_quiet);
  CHECK(ok_split);
}

/* ---- 4. prison break ----
** g0: 1000 members, 6000 jailed, q 0.05; g1: 500 members, 2000 jailed, q 0.08;
** a police unit of strength E = 3000 * 0.05 = 150 on the map. The coalition is
** formed at the start (declared 0.6 >= chi_form). At 5.5 a break frees 8000:
** 6000 and 2000 by jailed shares. */
typedef struct pb_obs {
  double theta_before, theta_after, rho_before, rho_after;
} pb_obs;
static pb_obs g_pb;
static int pb_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  (void)id;
  int bargain = cs_bargain_on(w);
  cs_world_coalition_state(w, 0, &g_pb.theta_before, NULL, NULL);
  if (bargain) g_pb.rho_before = cs_bargain_ratio(w, 0);
  int64_t freed = 0;
  int rc = cs_world_prison_break(w, 8000, &freed);
  CHECK(freed == 8000);
  cs_world_coalition_state(w, 0, &g_pb.theta_after, NULL, NULL);
  if (bargain) g_pb.rho_after = cs_bargain_ratio(w, 0);
  return rc;
}

static obs prison_run(const char *model, double wf) {
  cs_world *w = new_world();
  cs_node_decl a = node_decl("a", 1000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1);
  cs_gang_decl g0 = {"g0", NULL, 1000, 6000, 0.05, 1, 0}, g1 = {"g1", NULL, 500, 2000, 0.08, 1, 1};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  cs_unit_decl u = {"p", CS_UNIT_POLICE, 3000, 0.05, CS_POSTURE_GARRISON, 0};
  cs_world_add_unit(w, &u, NULL);
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "c", both, 2, 0.6, NULL);
  cs_world_set_horizon(w, 60, 60);
  quiet_model(w);
  cs_world_param_set(w, "lambda0", 0);
  CHECK(cs_world_param_set_str(w, "coalition_model", model) == CS_OK);
  cs_world_param_set(w, "bargain_freed_weight", wf);
  cs_world_param_set(w, "tau_split", 10);
  cs_world_timer(w, 5.5, 1);
  cs_hooks h = {NULL, pb_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  CHECK(cs_world_finalize(w) == CS_OK);
  obs o = {0};
  g_obs = &o;
  cs_sink s = {NULL, NULL, NULL, obs_event, NULL};
  CHECK(cs_world_run(w, 3, 0, &s) == CS_OK);
  cs_world_free(w);
  free(o.pt);
  return o;
}

static void test_prison_break(void) {
  const double E = 150, S0 = 0.05 * 1000 + 0.08 * 500; /* 90 */
  const double wfs[3] = {0.5, 0.0, 1.0};
  for (int i = 0; i < 3; i++) {
    double wf = wfs[i];
    obs o = prison_run("bargain", wf);
    double S1 = 0.05 * (1000 + wf * 6000) + 0.08 * (500 + wf * 2000);
    CHECK_NEAR(g_pb.rho_before, E / S0, 1e-12);
    CHECK_NEAR(g_pb.rho_after, E / S1, 1e-12);
    CHECK_NEAR(g_pb.theta_before, E / (E + S0), 1e-12);
    CHECK_NEAR(g_pb.theta_after, E / (E + S1), 1e-12);
    if (wf == 0.5) { /* rho 150 / 320 < 0.5 * 1: below the split line from the update at 6 */
      CHECK(E / S1 < 0.5);
      CHECK(o.n_split == 1 && o.split[0] == 6 + 10);
      CHECK(o.n_formed == 0); /* below bargain_ratio: hazard 0, it does not re-form */
    }
    if (wf == 0.0) CHECK(g_pb.rho_after == g_pb.rho_before && o.n_split == 0);
  }
  /* version 1: freed members count one for one */
  prison_run("cohesion", 0.5);
  CHECK_NEAR(g_pb.theta_after, E / (E + 0.05 * 7000 + 0.08 * 2500), 1e-12);
}

/* ---- 5. "cohesion" is version 1 ---- */
static int g_refused;
static int v1_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  if (id == 1) g_refused += cs_world_param_set_str(w, "coalition_model", "bargain") != CS_OK;
  if (id == 2) g_refused += cs_world_coalition_set(w, 0, 0.3, -1) != CS_OK;
  if (id == 2) CHECK(cs_world_coalition_set(w, 0, NAN, 1) == CS_OK);
  if (id == 3) { /* a new partner weight reaches a formed pact at once */
    CHECK(cs_world_param_set(w, "bargain_partner_weight", 0.4) == CS_OK);
    double chi = -1;
    cs_world_coalition_state(w, 0, NULL, &chi, NULL);
    CHECK(chi == 1 - 0.4);
    CHECK(cs_world_param_set(w, "bargain_partner_weight", 0.25) == CS_OK);
  }
  return CS_OK;
}

static uint64_t city_hash(const char *model, int *n_formed) {
  cs_world *w = new_world();
  const char *ids[4] = {"sa", "ga", "gb", "gc"};
  for (int i = 0; i < 4; i++) {
    cs_node_decl d = node_decl(ids[i], 5000, 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
  }
  for (int i = 1; i < 4; i++) cs_world_add_road(w, 0, i, 1 + i);
  cs_world_add_road(w, 1, 2, 1);
  cs_world_add_road(w, 2, 3, 1);
  const char *gid[3] = {"g0", "g1", "g2"};
  for (int i = 0; i < 3; i++) {
    cs_gang_decl g = {gid[i], NULL, 400, 300, 0.05, 1, i + 1};
    cs_world_add_gang(w, &g, NULL);
    cs_world_set_owner(w, i + 1, CS_PARTY_GANG(i));
  }
  cs_unit_decl u = {"p", CS_UNIT_POLICE, 600, 0.05, CS_POSTURE_PATROL, 0};
  cs_world_add_unit(w, &u, NULL);
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "c", both, 2, 0.2, NULL);
  cs_world_set_horizon(w, 150, 5);
  cs_world_param_set(w, "chi_rate", 0.05);
  if (model) CHECK(cs_world_param_set_str(w, "coalition_model", model) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 5, 0, &s) == CS_OK);
  *n_formed = r.n_events[CS_EK_COALITION_FORMED];
  cs_world_free(w);
  return r.hash;
}

static void test_v1(void) {
  cs_world *w = new_world();
  cs_param_info pi;
  cs_world_param_info(w, cs_world_param_find(w, "coalition_model"), &pi);
  CHECK(pi.type == CS_PT_STRING && strcmp(pi.str, "cohesion") == 0);
  CHECK(cs_world_param_set_str(w, "coalition_model", "treaty") != CS_OK);
  cs_world_free(w);
  int f0 = 0, f1 = 0, f2 = 0;
  uint64_t h0 = city_hash(NULL, &f0), h1 = city_hash("cohesion", &f1), h2 = city_hash("bargain", &f2);
  CHECK(h0 == h1 && f0 == f1);
  CHECK(h2 != h0); /* the switch does something */
  /* during a run: the model cannot change; a bargain's cohesion cannot be set,
  ** its formation can */
  w = new_world();
  cs_node_decl a = node_decl("a", 1000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1);
  cs_gang_decl g0 = {"g0", NULL, 100, 0, 0.05, 1, 0}, g1 = {"g1", NULL, 100, 0, 0.05, 1, 1};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "c", both, 2, 0.0, NULL);
  cs_world_set_horizon(w, 10, 10);
  quiet_model(w);
  cs_world_param_set(w, "lambda0", 0);
  CHECK(cs_world_param_set_str(w, "coalition_model", "bargain") == CS_OK);
  cs_world_param_set(w, "bargain_partner_weight", 0.25);
  cs_world_timer(w, 1.5, 1);
  cs_world_timer(w, 2.5, 2);
  cs_world_timer(w, 3.5, 3);
  cs_hooks h = {NULL, v1_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  CHECK(cs_world_finalize(w) == CS_OK);
  obs o = {0};
  g_obs = &o;
  cs_sink s = {NULL, NULL, NULL, obs_event, NULL};
  g_refused = 0;
  CHECK(cs_world_run(w, 1, 0, &s) == CS_OK);
  CHECK(g_refused == 2);
  CHECK(o.n_formed == 1 && o.formed[0] == 2.5);
  double chi = -1;
  int formed = -1;
  cs_world_coalition_state(w, 0, NULL, &chi, &formed);
  CHECK(formed == 1 && chi == 0.75); /* 1 - bargain_partner_weight */
  cs_world_free(w);
  free(o.pt);
}

int main(void) {
  test_formation_time(2.0, 1); /* h = kappa / 2 */
  test_formation_time(4.0, 1); /* h = 3 kappa / 4 */
  test_formation_time(2.0, 3); /* three stages, each at 3 h */
  test_formation_fractional();
  test_formation_piecewise(1.0, 1); /* t0 = 11, t1 = 14 */
  test_formation_piecewise(2.5, 1); /* t0 = 12.5, t1 = 15 */
  test_formation_piecewise(2.5, 3);
  test_formation_branch();
  test_no_formation_below();
  test_truce_and_outsider();
  test_erosion_after_formation_only();
  test_prison_break();
  test_v1();
  return check_report();
}
