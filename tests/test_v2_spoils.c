/* test_v2_spoils.c: what a neighbourhood still has to take (spoils_nu;
** sim/README.md, spoils.c, and Verification).
**
** A gang holds node C; node B next to it (STATE) is held by a garrison so
** strong that the gang never takes it, and with eta = 0 the win probability
** does not weigh the attacks: the attack rate on B is the bound
** b = lambda0 a V^gamma wS = lambda0 / 2 times S_B^nu, S_B = min(1, R_B /
** (R0_B + D0_B)) (R0 residents at the start, D0 declared displaced from B).
** Civilian casualties are off (c_civ = 0), no resident is drawn into the
** defence (vigilante_share = 0), an engagement moves nobody (h1 = h_T = 0) and
** the provinces take everyone who leaves (provinces_seats = 0, no limit), so
** only the checks' own flight changes R_B.
** 1. Known answers: the rate is b S^nu to 1e-12 for several nu and
**    declarations, with people displaced from A hosted at B (they are not
**    B's residents and do not count); nu = 0 gives b whatever S; a node
**    nobody lived in at the start, and a node with more residents than it
**    started with, weigh 1; a node everybody left weighs 0 (1 at nu = 0);
**    spoils_nu outside [0, 10] is refused.
** 2. A depleted node, nothing moving: B declared three-quarters at home
**    (S = 0.75) with nu = 2.5; the number of attacks over T, 300 replicates:
**    mean within 4 SE of b S^nu T, dispersion (R - 1) var / mean against
**    chi2(R - 1) within 4 SD. Code that ignores S expects 2.05 times as many
**    attacks (about 60 of its own SE away).
** 3. A node emptying: R_B = 4,000 people who each leave at the constant
**    hazard h (household 1), nu = 1. E[R_B(t)] = R_B e^{-h t}, and the
**    attack rate is linear in R_B, so the expected count is exactly
**    b (1 - e^{-h T}) / h; the mean within 4 SE (from the sample variance).
**    Code that reads S only at the start expects b T, 2.3 times as many
**    (about 50 SE away).
** 4. spoils_by = "choice": the gang holds C between two fortresses, B1 full
**    (S = 1) and B2 declared a quarter at home (S = 0.25), nu = 1, nothing
**    moving. M_g = (b + 0.25 b) / 2 b = 0.625, so the rates are 1.6 b on B1
**    and 0.4 b on B2 (the total 2 b, that of a full frontier): after the run
**    the rates to 1e-12, and the attack counts per node over T, 300
**    replicates, within 4 SE of 1.6 b T and 0.4 b T ("rate" gives b and
**    0.25 b: about 40 and 20 SE away).
**    B2 at half B1's value: M_g = 0.75, the bound-weighted mean (an
**    unweighted one gives 0.625), and the rates to 1e-12. One frontier node
**    emptying at hazard h with spoils_dt = D: the expected count is exactly
**    (T / D) b (1 - e^{-hD}) / h (M_g = S at each update), within 4 SE over
**    300 replicates; without the updates it would be under half.
** 5. "choice" with nu = 0 is version 1: the same events (hash) as "rate" in
**    a busy town (the 4x4 town, flights, recruitment, police), its updates
**    changing nothing; with nu = 1 the run differs; spoils_by is checked. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs_attack_rate, cs_attack_bound, cs_spoils_factor */

typedef struct spoil_setup {
  int64_t resid_B, declared_B; /* residents of B at the start, declared displaced from B */
  int64_t hosted_B;            /* declared displaced from A, hosted at B */
  double nu, h, lambda0, T;
  const char *by;              /* spoils_by (NULL: the default, rate) */
  double dt;                   /* spoils_dt (0: the default) */
} spoil_setup;

/* Everything off but the attacks on the fortresses and flight at the
** constant hazard h (household 1): the file comment's list. */
static void quiet_fortress(cs_world *w, double h) {
  static const char *const zero[] = {"delta0", "recruit_rate", "patrol_rate", "r0",     "move_default",   "move_conflict",
                                     "move_site", "h1",         "h_T",          "c_civ", "vigilante_share", "eta",
                                     "provinces_seats"};
  for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) CHECK(cs_world_param_set(w, zero[i], 0) == CS_OK);
  CHECK(cs_world_param_set(w, "beta", 1e-6) == CS_OK);
  CHECK(cs_world_param_set(w, "h0", h) == CS_OK);
  CHECK(cs_world_param_set(w, "household", 1) == CS_OK);
}

/* w finalized, or NULL (reported, freed). */
static cs_world *finalized(cs_world *w) {
  if (cs_world_finalize(w) == CS_OK) return w;
  fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
  cs_world_free(w);
  return NULL;
}

/* The world of the file comment, finalized; NULL on a failure (reported). */
static cs_world *spoils_world(const spoil_setup *st) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  fortress_line(w, st->resid_B);
  if (st->declared_B > 0) { /* displaced from B, with host families at A */
    cs_displaced_decl d = {1, 0, CS_PARTY_STATE, st->declared_B, 0};
    CHECK(cs_world_add_displaced(w, &d) == CS_OK);
  }
  if (st->hosted_B > 0) { /* displaced from A, with host families at B */
    cs_displaced_decl d = {0, 1, CS_PARTY_STATE, st->hosted_B, 0};
    CHECK(cs_world_add_displaced(w, &d) == CS_OK);
  }
  cs_world_set_horizon(w, st->T, st->T);
  quiet_fortress(w, st->h);
  CHECK(cs_world_param_set(w, "lambda0", st->lambda0) == CS_OK);
  CHECK(cs_world_param_set(w, "spoils_nu", st->nu) == CS_OK);
  if (st->by) CHECK(cs_world_param_set_str(w, "spoils_by", st->by) == CS_OK);
  if (st->dt > 0) CHECK(cs_world_param_set(w, "spoils_dt", st->dt) == CS_OK);
  return finalized(w);
}

static void test_known_answers(void) {
  static const struct {
    int64_t resid, declared, hosted;
    double nu;
  } K[] = {{3000, 1000, 0, 2.5},    {3000, 1000, 0, 0},     {3000, 0, 0, 3},       {1000, 9000, 0, 1},
           {1000, 9000, 500, 0.5}, {500, 1500, 0, 10},     {3000, 1000, 800, 2.5}, {3000, 0, 800, 1}};
  for (size_t i = 0; i < sizeof K / sizeof K[0]; i++) {
    spoil_setup st = {K[i].resid, K[i].declared, K[i].hosted, K[i].nu, 0, 0.4, 10, NULL, 0};
    cs_world *w = spoils_world(&st);
    CHECK(w != NULL);
    if (!w) return;
    double S = (double)K[i].resid / (double)(K[i].resid + K[i].declared), b = 0.4 * 0.5;
    CHECK_NEAR(cs_attack_bound(w, 0, 1), b, 1e-12); /* the bound does not carry S */
    CHECK_NEAR(cs_attack_rate(w, 0, 1), b * pow(S, K[i].nu), 1e-12 * b);
    /* more residents than at the start: 1; a node nobody lived in: 1 */
    int64_t keep = w->residents[1];
    w->residents[1] = 2 * (K[i].resid + K[i].declared);
    CHECK(cs_spoils_factor(w, 1) == 1);
    w->residents[1] = 0; /* everybody left */
    CHECK(cs_spoils_factor(w, 1) == (K[i].nu > 0 ? 0 : 1));
    w->residents[1] = keep;
    /* A with nobody at the start: no residents and nobody declared displaced from it */
    int64_t keep0 = w->residents0[0], keepA = w->residents[0], keepD = w->disp0_from[0];
    w->residents0[0] = w->residents[0] = w->disp0_from[0] = 0;
    CHECK(cs_spoils_factor(w, 0) == 1);
    w->residents0[0] = keep0;
    w->residents[0] = keepA;
    w->disp0_from[0] = keepD;
    cs_world_free(w);
  }
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  CHECK(w->params[P_SPOILS_NU].num == 0); /* the default: version 1 */
  CHECK(cs_world_param_set(w, "spoils_nu", -0.1) == CS_EINVAL);
  CHECK(cs_world_param_set(w, "spoils_nu", 10.5) == CS_EINVAL);
  CHECK(cs_world_param_set(w, "spoils_nu", 10) == CS_OK);
  cs_world_free(w);
}

/* Attacks on B in each of R replicates; their mean and sample variance. */
static void count_attacks(const spoil_setup *st, int R, uint64_t seed, double *mean, double *var) {
  double sum = 0, sum2 = 0;
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = spoils_world(st);
    CHECK(w != NULL);
    if (!w) return;
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    CHECK(cs_world_run(w, seed, (uint64_t)rep, &s) == CS_OK);
    CHECK(r.n_events[CS_EK_TAKEOVER] == 0);
    char msg[256];
    CHECK(cs__check_world(w, msg, sizeof msg) == 0);
    double c = r.n_events[CS_EK_ENGAGEMENT];
    sum += c;
    sum2 += c * c;
    cs_world_free(w);
  }
  *mean = sum / R;
  *var = (sum2 - R * *mean * *mean) / (R - 1);
}

static void test_depleted(void) {
  const int R = 300;
  spoil_setup st = {3000, 1000, 0, 2.5, 0, 0.5, 200, NULL, 0};
  double mean = 0, var = 0, expect = st.lambda0 * 0.5 * pow(0.75, st.nu) * st.T;
  count_attacks(&st, R, 31, &mean, &var);
  if (fabs(mean - expect) > 4 * sqrt(expect / R))
    fprintf(stderr, "depleted: %.3f attacks per run, expected %.3f (SE %.3f)\n", mean, expect, sqrt(expect / R));
  CHECK_NEAR(mean, expect, 4 * sqrt(expect / R));
  CHECK_NEAR((R - 1) * var / expect, R - 1, 4 * sqrt(2.0 * (R - 1)));
}

static void test_emptying(void) {
  const int R = 300;
  spoil_setup st = {4000, 0, 0, 1, 0.02, 0.5, 100, NULL, 0};
  double mean = 0, var = 0, b = st.lambda0 * 0.5, expect = b * (1 - exp(-st.h * st.T)) / st.h;
  count_attacks(&st, R, 47, &mean, &var);
  double se = sqrt(var / R);
  if (fabs(mean - expect) > 4 * se)
    fprintf(stderr, "emptying: %.3f attacks per run, expected %.3f (SE %.3f)\n", mean, expect, se);
  CHECK_NEAR(mean, expect, 4 * se);
}

/* Engagements per node (r->user: int[4]), and the record's hash. */
static int count_by_node(void *ud, const cs_event_rec *e) {
  rec_sink *r = ud;
  if (e->kind == CS_EK_ENGAGEMENT && e->node >= 0 && e->node < 4) ((int *)r->user)[e->node]++;
  return rs_event(ud, e);
}

/* fortress_line's A (base, STATE) - B1 - C (gang), and B2 beyond C, a
** fortress too, with declared_B2 of its people displaced to A. */
static cs_world *choice_world(int64_t declared_B2, double v_B2, const char *by, double nu, double T) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  fortress_line(w, 4000); /* A (0), B1 (1), C (2) */
  cs_node_decl b2 = node_decl("B2", 4000 - declared_B2, v_B2, CS_PARTY_STATE);
  cs_world_add_node(w, &b2, NULL);
  cs_world_add_road(w, 2, 3, 1.0);
  cs_unit_decl f3 = {"fortress3", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 3};
  cs_world_add_unit(w, &f3, NULL);
  cs_displaced_decl d = {3, 0, CS_PARTY_STATE, declared_B2, 0};
  CHECK(cs_world_add_displaced(w, &d) == CS_OK);
  cs_world_set_horizon(w, T, T);
  quiet_fortress(w, 0); /* nobody flees: S stays as declared */
  CHECK(cs_world_param_set(w, "lambda0", 0.5) == CS_OK);
  CHECK(cs_world_param_set(w, "spoils_nu", nu) == CS_OK);
  CHECK(cs_world_param_set_str(w, "spoils_by", by) == CS_OK);
  return finalized(w);
}

static void test_choice(void) {
  const int R = 300;
  const double T = 100, b = 0.5 * 0.5;
  double sum[2] = {0}, sum2[2] = {0};
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = choice_world(3000, 0.5, "choice", 1, T);
    CHECK(w != NULL);
    if (!w) return;
    int n[4] = {0};
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    s.event = count_by_node;
    r.user = n;
    CHECK(cs_world_run(w, 61, (uint64_t)rep, &s) == CS_OK);
    CHECK(r.n_events[CS_EK_TAKEOVER] == 0);
    if (rep == 0) { /* nothing moved: M_g = 0.625 throughout */
      CHECK_NEAR(w->gangs[0].spoils_norm, 0.625, 1e-12);
      CHECK_NEAR(cs_attack_rate(w, 0, 1), 1.6 * b, 1e-12);
      CHECK_NEAR(cs_attack_rate(w, 0, 3), 0.4 * b, 1e-12);
    }
    for (int k = 0; k < 2; k++) {
      double c = n[k ? 3 : 1];
      sum[k] += c;
      sum2[k] += c * c;
    }
    cs_world_free(w);
  }
  const double expect[2] = {1.6 * b * T, 0.4 * b * T};
  for (int k = 0; k < 2; k++) {
    double mean = sum[k] / R;
    if (fabs(mean - expect[k]) > 4 * sqrt(expect[k] / R))
      fprintf(stderr, "choice: node B%d %.3f attacks per run, expected %.3f (SE %.3f)\n", k + 1, mean, expect[k],
              sqrt(expect[k] / R));
    CHECK_NEAR(mean, expect[k], 4 * sqrt(expect[k] / R));
  }
}

/* M_g is the bound-weighted mean: B2 at half B1's value (b2 = b1 / 2) and
** S = 0.25, nu = 1: M_g = (b1 + 0.25 b2) / (b1 + b2) = 0.75 (an unweighted
** mean would give 0.625); the rates b1 / 0.75 and 0.25 b2 / 0.75. */
static void test_choice_weighted(void) {
  cs_world *w = choice_world(3000, 0.25, "choice", 1, 1);
  CHECK(w != NULL);
  if (!w) return;
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 3, 0, &s) == CS_OK);
  double b1 = 0.5 * 0.5, b2 = 0.5 * 0.25;
  CHECK_NEAR(w->gangs[0].spoils_norm, 0.75, 1e-12);
  CHECK_NEAR(cs_attack_rate(w, 0, 1), b1 / 0.75, 1e-12);
  CHECK_NEAR(cs_attack_rate(w, 0, 3), 0.25 * b2 / 0.75, 1e-12);
  cs_world_free(w);
}

/* The updates: one frontier node (fortress_line's B) emptying at the
** constant hazard h, nu = 1, spoils_dt = D: M_g = S(t_k) at each update, so
** the rate after it is b S(t) / S(t_k), whose expectation given the update is
** b e^{-h (t - t_k)}; the expected count over T = n D is exactly
** n b (1 - e^{-h D}) / h. Without updates (M_g from t = 0 only) it is
** b (1 - e^{-h T}) / h, under half as many. */
static void test_choice_updates(void) {
  const int R = 300;
  const double T = 100, D = 10, h = 0.02, b = 0.5 * 0.5;
  double sum = 0, sum2 = 0;
  for (int rep = 0; rep < R; rep++) {
    spoil_setup st = {4000, 0, 0, 1, h, 0.5, T, "choice", D};
    cs_world *w = spoils_world(&st);
    CHECK(w != NULL);
    if (!w) return;
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    CHECK(cs_world_run(w, 71, (uint64_t)rep, &s) == CS_OK);
    double c = r.n_events[CS_EK_ENGAGEMENT];
    sum += c;
    sum2 += c * c;
    cs_world_free(w);
  }
  double expect = (T / D) * b * (1 - exp(-h * D)) / h, mean = sum / R;
  double se = sqrt((sum2 - R * mean * mean) / (R - 1) / R);
  if (fabs(mean - expect) > 4 * se)
    fprintf(stderr, "choice updates: %.3f attacks per run, expected %.3f (SE %.3f)\n", mean, expect, se);
  CHECK_NEAR(mean, expect, 4 * se);
}

/* The event hash of the 4x4 town at war under spoils_by `by` and spoils_nu `nu`. */
static uint64_t town_hash(const char *by, double nu) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  town_4x4(w, 1.0, 1.5, -1);
  cs_world_set_horizon(w, 120, 10);
  CHECK(cs_world_param_set(w, "spoils_nu", nu) == CS_OK);
  CHECK(cs_world_param_set_str(w, "spoils_by", by) == CS_OK);
  CHECK(cs_world_param_set_str(w, "spoils_by", "share") == CS_EINVAL);
  CHECK(cs_world_finalize(w) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 5, 0, &s) == CS_OK);
  char msg[256];
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  CHECK(r.n_events[CS_EK_ENGAGEMENT] > 20 && r.n_events[CS_EK_FLIGHT] > 20); /* busy */
  cs_world_free(w);
  return r.hash;
}

static void test_choice_v1(void) {
  uint64_t rate0 = town_hash("rate", 0), choice0 = town_hash("choice", 0), choice1 = town_hash("choice", 1);
  CHECK(rate0 == choice0);
  CHECK(choice0 != choice1);
}

int main(void) {
  test_known_answers();
  test_depleted();
  test_emptying();
  test_choice();
  test_choice_weighted();
  test_choice_updates();
  test_choice_v1();
  return check_report();
}
