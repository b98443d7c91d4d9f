/* test_v2_brigade.c: self-defence brigades and lynchings (brigade.c;
** sim/README.md, brigade.c and Verification).
**
** - growth and decay: a brigade's mobilisation follows its closed form
**   exactly (to 1e-12): jumps m <- m + g (1 - m) at attacks on the node
**   (g = brigade_growth) and on a neighbour (brigade_grievance), exponential
**   decay between them, a change of brigade_tau taking effect from its
**   moment, disbanding when a gang takes the node;
** - lynchings with a fixed gang presence and a brigade decaying without
**   attacks: the count over [0, T] is Poisson with the integrated rate
**   lynch_rate * brigade_share * R * m0 * x * tau (1 - exp(-T / tau)):
**   mean within 4 SE, dispersion within 4 sd of its chi-square; the victims
**   split binomially (misidentified residents with lynch_misid, the gangs
**   next door equally);
** - a gang-held neighbour whose gang has no members: it counts in the
**   thinning bound but not in the rate (x_j counts gangs with members), so
**   with one such neighbour declared empty the count's mean is within 4 SE
**   of the integrated rate at x = 1/3, not 2/3, and no lynching picks that
**   gang; with a gang of 10 that lynchings exhaust mid-run (x 2/3, then
**   1/3), and with an empty gang given members back by a prison break at
**   day 30 (x 1/3, then 2/3, with no redraw of the lynching clock), the
**   count minus each run's compensator sums to 0 within 4 SE over 400 runs,
**   and no lynching picks a gang while it is empty (its members never go
**   below 0). The bound must count the empty gang's node for the revival
**   to stay under it: the debug build checks the bound at every candidate
**   (CS_CHECK_BOUND, brigade.c) and aborts if it does not (a plain build
**   cannot tell: a bound without G2 undercounts here by under 2 SE);
** - conservation: people, gang members and officers (cs__check_world,
**   which also checks every mobilisation is in [0, 1] and 0 where a gang
**   holds the node) at every day of a busy town with brigades, and the
**   model switched on mid-run starting every brigade at brigade_m0;
** - off is version 1: with brigade_model "fixed" the brigade parameters
**   change nothing (same event and sample hash), no lynching is logged and
**   the defenders are vigilante_share * residents.
** Each statistical check has a false-failure probability below 1e-4 (|z| <
** 4; the compensator checks by the martingale central limit theorem);
** the checks that the mid-run cases happened at all (most runs empty the
** gang of 10, some of the freed members are lynched) below 1e-90; seeds are
** fixed. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs_brigade_*, cs__check_world */

static void quiet_model(cs_world *w) {
  static const char *const off[] = {"delta0", "recruit_rate", "patrol_rate", "r0", "move_default",
                                    "move_conflict", "move_site", "h0", "h1", "h_T", "lambda0", NULL};
  for (int i = 0; off[i]; i++) cs_world_param_set(w, off[i], 0);
}

/* ---- growth and decay against the closed form ----
** Roads: T - G - S - N - X. G is the gang's base; S is held by a fortress
** (guard posture: never sent anywhere) so every attack on it fails; N is S's
** neighbour (grievance), X and T see no attack on a neighbour until the gang
** takes T at the end. */
enum { NT, NG, NS, NN, NX, N_NODES };
static const double TAU1 = 40, TAU2 = 10; /* brigade_tau from TAU1 to TAU2 at day 20 */
static const double M0 = 0.25, G_SELF = 0.3, G_NB = 0.05;
typedef struct { double t; int what; } step; /* what: 0 attack S, 1 check, 2 tau change, 3 take T */
static const step STEPS[] = {{0, 1},  {3, 1},  {5, 0},  {5, 0},  {5, 1},  {8, 1},  {12, 0}, {12, 1}, {20, 2},
                             {20, 1}, {26, 1}, {30, 0}, {30, 1}, {45, 1}, {50, 3}, {50, 1}, {60, 1}};
#define N_STEPS ((int)(sizeof STEPS / sizeof STEPS[0]))
static struct { double m[N_NODES], t, tau; int bad, checks; } g_cf; /* the closed form, advanced by the test */

static void cf_advance(double t) {
  for (int j = 0; j < N_NODES; j++) g_cf.m[j] *= exp(-(t - g_cf.t) / g_cf.tau);
  g_cf.t = t;
}

static int cf_timer(void *ud, cs_world *w, int id) {
  const step *s = &STEPS[id];
  double t = cs_world_now(w);
  cf_advance(t);
  int rc = CS_OK;
  switch (s->what) {
  case 0: /* an attack on S: S grows, N (its only brigade neighbour) by grievance */
    rc = cs_world_force_attack(w, 0, NS);
    g_cf.m[NS] += G_SELF * (1 - g_cf.m[NS]);
    g_cf.m[NN] += G_NB * (1 - g_cf.m[NN]);
    if (cs_world_node_owner(w, NS) != CS_PARTY_STATE) g_cf.bad++;
    break;
  case 2:
    rc = cs_world_param_set(w, "brigade_tau", TAU2);
    g_cf.tau = TAU2;
    break;
  case 3: /* the gang takes T: disbanded (its neighbours hold no brigade) */
    rc = cs_world_force_attack(w, 0, NT);
    if (cs_world_node_owner(w, NT) == CS_PARTY_GANG(0)) g_cf.m[NT] = 0;
    else g_cf.bad++;
    break;
  default:
    for (int j = 0; j < N_NODES; j++) {
      double got = cs_brigade_mobilisation(w, j, t);
      g_cf.checks++;
      if (!(fabs(got - g_cf.m[j]) <= 1e-12)) {
        g_cf.bad++;
        fprintf(stderr, "t=%g node %d: mobilisation %.17g, closed form %.17g\n", t, j, got, g_cf.m[j]);
      }
    }
    char msg[256];
    if (cs__check_world(w, msg, sizeof msg)) {
      g_cf.bad++;
      fprintf(stderr, "t=%g: %s\n", t, msg);
    }
  }
  return rc;
}

static void test_growth_decay(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  const char *ids[N_NODES] = {"T", "G", "S", "N", "X"};
  for (int j = 0; j < N_NODES; j++) {
    cs_node_decl d = node_decl(ids[j], 20000, 0.5, CS_PARTY_STATE);
    CHECK(cs_world_add_node(w, &d, NULL) == CS_OK);
  }
  cs_gang_decl g = {"g", NULL, 1000000, 0, 0.05, 1.0, NG};
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_OK);
  CHECK(cs_world_set_owner(w, NG, CS_PARTY_GANG(0)) == CS_OK);
  for (int j = 0; j + 1 < N_NODES; j++) cs_world_add_road(w, j, j + 1, 1.0);
  cs_unit_decl f = {"fortress", CS_UNIT_POLICE, 1000000000, 1000.0, CS_POSTURE_GUARD, NS};
  cs_world_add_unit(w, &f, NULL);
  cs_world_set_horizon(w, 60, 60);
  quiet_model(w);
  CHECK(cs_world_param_set_str(w, "brigade_model", "grown") == CS_OK);
  cs_world_param_set(w, "brigade_m0", M0);
  cs_world_param_set(w, "brigade_growth", G_SELF);
  cs_world_param_set(w, "brigade_grievance", G_NB);
  cs_world_param_set(w, "brigade_tau", TAU1);
  cs_world_param_set(w, "lynch_rate", 0);
  cs_world_param_set(w, "c_civ", 0);
  CHECK(cs_world_finalize(w) == CS_OK);
  for (int j = 0; j < N_NODES; j++) g_cf.m[j] = j == NG ? 0 : M0;
  g_cf.t = 0;
  g_cf.tau = TAU1;
  g_cf.bad = g_cf.checks = 0;
  cs_hooks h = {NULL, cf_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  for (int i = 0; i < N_STEPS; i++) cs_world_timer(w, STEPS[i].t, i);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 3, 0, &s) == CS_OK);
  CHECK(g_cf.bad == 0);
  int n_checks = 0;
  for (int i = 0; i < N_STEPS; i++) n_checks += STEPS[i].what == 1;
  CHECK(g_cf.checks == n_checks * N_NODES);
  CHECK(r.n_events[CS_EK_ENGAGEMENT] == 5 && r.n_events[CS_EK_TAKEOVER] == 1);
  CHECK(r.n_events[CS_EK_LYNCHING] == 0);
  /* the closed form by hand at one point: S after the two attacks at day 5 */
  double m5 = M0 * exp(-5 / TAU1);
  m5 = 1 - (1 - G_SELF) * (1 - G_SELF) * (1 - m5);
  CHECK_NEAR(m5, 1 - 0.49 * (1 - 0.25 * exp(-0.125)), 1e-15);
  cs_world_free(w);
}

/* ---- lynchings: Poisson with the integrated rate ----
** S (STATE, R residents) has neighbours G1 and G2 (one gang each) and N
** (STATE, with no gang next door: rate 0). Gang a at G1 has members enough
** never to run out; gang b at G2 has b_members: as many (x_S = 2/3), none
** (x_S = 1/3 though G2 is gang-held), or a few that lynchings may exhaust;
** or none and b_jailed, all freed at LY_BREAK.
** No attacks: the brigade decays from m0 = 1 with tau. */
typedef struct {
  int total, civ, gang[2], other;
  double t_out; /* when gang b's last member was lynched, -1 if never */
} lynch_obs;
static lynch_obs *g_ly;
static int lynch_event(void *ud, cs_world *w, const cs_event_rec *e) {
  if (e->kind != CS_EK_LYNCHING) return CS_OK;
  g_ly->total++;
  if (e->node != 0 || e->deaths != 1) g_ly->other++;
  if (e->target == CS_PARTY_NONE) g_ly->civ++;
  else if (e->target == CS_PARTY_GANG(0)) g_ly->gang[0]++;
  else if (e->target == CS_PARTY_GANG(1)) g_ly->gang[1]++;
  else g_ly->other++;
  if (e->target == CS_PARTY_GANG(1)) {
    int64_t left = cs_world_gang_members(w, 1); /* after the lynching: -1 if it picked an empty gang */
    if (left < 0) g_ly->other++;
    if (left == 0) g_ly->t_out = e->t;
  }
  return CS_OK;
}

static const int64_t LY_R = 100000;
static const double LY_SHARE = 0.01, LY_KAPPA = 0.001, LY_TAU = 50, LY_T = 100, LY_BREAK = 30;

static int ly_break_timer(void *ud, cs_world *w, int id) { /* every jailed member freed: gang b's */
  (void)ud;
  (void)id;
  return cs_world_prison_break(w, 1000000, NULL);
}

/* b_jailed > 0: gang b's jailed are freed at LY_BREAK. */
static int lynch_run(uint64_t rep, double misid, int64_t b_members, int64_t b_jailed, lynch_obs *o, int *bad) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  int rc = cs_world_new(&ctx, &w);
  if (rc) return rc;
  cs_node_decl s = node_decl("S", LY_R, 0.5, CS_PARTY_STATE);
  cs_node_decl g1 = node_decl("G1", 1000, 0.5, CS_PARTY_STATE);
  cs_node_decl g2 = node_decl("G2", 1000, 0.5, CS_PARTY_STATE);
  cs_node_decl n = node_decl("N", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &s, NULL);
  cs_world_add_node(w, &g1, NULL);
  cs_world_add_node(w, &g2, NULL);
  cs_world_add_node(w, &n, NULL);
  cs_gang_decl ga = {"a", NULL, 100000, 0, -1, -1, 1};
  cs_gang_decl gb = {"b", NULL, b_members, b_jailed, -1, -1, 2};
  cs_world_add_gang(w, &ga, NULL);
  cs_world_add_gang(w, &gb, NULL);
  cs_world_set_owner(w, 1, CS_PARTY_GANG(0));
  cs_world_set_owner(w, 2, CS_PARTY_GANG(1));
  cs_world_add_road(w, 0, 1, 1.0);
  cs_world_add_road(w, 0, 2, 1.0);
  cs_world_add_road(w, 0, 3, 1.0);
  cs_world_set_horizon(w, LY_T, LY_T);
  quiet_model(w);
  cs_world_param_set_str(w, "brigade_model", "grown");
  cs_world_param_set(w, "brigade_m0", 1);
  cs_world_param_set(w, "brigade_share", LY_SHARE);
  cs_world_param_set(w, "brigade_tau", LY_TAU);
  cs_world_param_set(w, "lynch_rate", LY_KAPPA);
  cs_world_param_set(w, "lynch_misid", misid);
  cs_world_param_set(w, "n_retaliation", 0);
  if ((rc = cs_world_finalize(w)) != CS_OK) {
    cs_world_free(w);
    return rc;
  }
  g_ly = o;
  o->t_out = -1;
  cs_hooks h = {NULL, ly_break_timer, lynch_event, NULL};
  cs_world_set_hooks(w, &h);
  if (b_jailed > 0) cs_world_timer(w, LY_BREAK, 1);
  rec_sink r;
  cs_sink sk = rec_sink_of(&r);
  rc = cs_world_run(w, 11, rep, &sk);
  char msg[256];
  if (cs__check_world(w, msg, sizeof msg)) {
    (*bad)++;
    fprintf(stderr, "lynch run %llu: %s\n", (unsigned long long)rep, msg);
  }
  /* the true rate at the end, no attack having moved the brigade:
  ** kappa * share * residents * m0 exp(-T / tau) * x, x = 2/3, or 1/3 if
  ** gang b has no members left (G2 still gang-held) */
  double x_end = (w->gangs[1].members > 0 ? 2.0 : 1.0) / 3.0;
  if (b_jailed > 0 && w->gangs[1].jailed != 0) (*bad)++; /* the break freed them all */
  if (w->gangs[1].members < 0 || cs_world_node_owner(w, 2) != CS_PARTY_GANG(1)) (*bad)++;
  double want = LY_KAPPA * LY_SHARE * (double)w->residents[0] * exp(-LY_T / LY_TAU) * x_end;
  if (!(fabs(cs_brigade_lynch_rate(w, 0, LY_T) - want) <= 1e-12 * want)) (*bad)++;
  if (cs_brigade_lynch_rate(w, 3, LY_T) != 0) (*bad)++; /* N: no gang next door */
  /* every death is accounted for: residents lynched, members lynched */
  int64_t dead = w->gangs[0].dead + w->gangs[1].dead;
  if (w->civ_dead_total + dead != r.n_events[CS_EK_LYNCHING] || w->residents[0] != LY_R - w->civ_dead_total) (*bad)++;
  cs_world_free(w);
  return rc;
}

static void test_lynching_poisson(void) {
  const int R = 400;
  const double x = 2.0 / 3.0;
  const double lam = LY_KAPPA * LY_SHARE * (double)LY_R * 1.0 * x * LY_TAU * (1 - exp(-LY_T / LY_TAU));
  double sum = 0, sum2 = 0;
  int bad = 0, other = 0;
  for (int rep = 0; rep < R; rep++) {
    lynch_obs o = {0};
    CHECK(lynch_run((uint64_t)rep, 0.0, 100000, 0, &o, &bad) == CS_OK);
    sum += o.total;
    sum2 += (double)o.total * o.total;
    other += o.other + o.civ;
  }
  double mean = sum / R, var = (sum2 - R * mean * mean) / (R - 1);
  fprintf(stderr, "lynchings over %g days: mean %.3f var %.3f, integrated rate %.3f\n", LY_T, mean, var, lam);
  CHECK_NEAR(mean, lam, 4 * sqrt(lam / R));
  CHECK_NEAR((R - 1) * var / lam, R - 1, 4 * sqrt(2.0 * (R - 1)));
  CHECK(bad == 0);
  CHECK(other == 0); /* misid 0: every victim a gang member, every row at S with one death */

  /* the victims: residents with lynch_misid, else the two gangs next door equally */
  const double p = 0.3;
  lynch_obs all = {0};
  for (int rep = 0; rep < 100; rep++) {
    lynch_obs o = {0};
    CHECK(lynch_run(1000 + (uint64_t)rep, p, 100000, 0, &o, &bad) == CS_OK);
    all.total += o.total;
    all.civ += o.civ;
    all.gang[0] += o.gang[0];
    all.gang[1] += o.gang[1];
    all.other += o.other;
  }
  int ng = all.gang[0] + all.gang[1];
  fprintf(stderr, "victims: %d of %d residents (misid %g), gangs %d / %d\n", all.civ, all.total, p, all.gang[0], all.gang[1]);
  CHECK(all.total > 1000 && all.other == 0 && all.civ + ng == all.total);
  CHECK_NEAR(all.civ, p * all.total, 4 * sqrt(all.total * p * (1 - p)));
  CHECK_NEAR(all.gang[0], 0.5 * ng, 4 * sqrt(ng * 0.25));
  CHECK(bad == 0);
}

/* A gang-held neighbour whose gang has no members: G2 is held by gang b
** throughout, but lynchings count it (x_S) and pick from it only while b has
** members. The thinning bound at S counts G2 all the same: while b is empty
** the candidates come at the rate for x = 2/3 and half must be refused.
**
** Lambda(T), the integrated rate of a run whose x_S steps from x0 to x1 at
** ts: N(T) - Lambda(T) is a martingale, so over runs the sum of the counts
** minus the sum of the Lambda is 0 within 4 sqrt(sum of Lambda). */
static double ly_compensator(double x0, double ts, double x1) {
  double c = LY_KAPPA * LY_SHARE * (double)LY_R * 1.0 * LY_TAU; /* m0 = 1; e^(-t/tau) integrates to tau */
  double es = exp(-ts / LY_TAU), eT = exp(-LY_T / LY_TAU);
  return c * (x0 * (1 - es) + x1 * (es - eT));
}

static void test_lynching_memberless(void) {
  const int R = 400;
  /* b declared with no members: x = 1/3 from the start, Poisson */
  const double lam = ly_compensator(1.0 / 3.0, LY_T, 0);
  double sum = 0, sum2 = 0;
  int bad = 0, other = 0, picked_b = 0;
  for (int rep = 0; rep < R; rep++) {
    lynch_obs o = {0};
    CHECK(lynch_run(2000 + (uint64_t)rep, 0.0, 0, 0, &o, &bad) == CS_OK);
    sum += o.total;
    sum2 += (double)o.total * o.total;
    other += o.other + o.civ;
    picked_b += o.gang[1];
  }
  double mean = sum / R, var = (sum2 - R * mean * mean) / (R - 1);
  fprintf(stderr, "memberless gang next door: mean %.3f var %.3f, integrated rate %.3f\n", mean, var, lam);
  CHECK_NEAR(mean, lam, 4 * sqrt(lam / R));
  CHECK_NEAR((R - 1) * var / lam, R - 1, 4 * sqrt(2.0 * (R - 1)));
  CHECK(picked_b == 0 && other == 0 && bad == 0);

  /* b with 10 members, lynched out in most runs (its victims are Poisson
  ** with mean 14.4 until then): x 2/3 until the run's tenth, 1/3 after */
  double sum_n = 0, sum_lam = 0;
  int emptied = 0;
  bad = other = 0;
  for (int rep = 0; rep < R; rep++) {
    lynch_obs o = {0};
    CHECK(lynch_run(3000 + (uint64_t)rep, 0.0, 10, 0, &o, &bad) == CS_OK);
    sum_n += o.total;
    sum_lam += ly_compensator(2.0 / 3.0, o.t_out >= 0 ? o.t_out : LY_T, 1.0 / 3.0);
    emptied += o.t_out >= 0;
    other += o.other + o.civ;
    if (o.t_out >= 0 ? o.gang[1] != 10 : o.gang[1] >= 10) bad++; /* emptied exactly at its tenth */
  }
  fprintf(stderr, "gang of 10 next door, emptied in %d of %d runs: %.0f lynchings, compensator %.1f\n", emptied, R,
          sum_n, sum_lam);
  CHECK(emptied > R / 2); /* a run does not empty it w.p. P(Poisson(14.4) < 10) = 0.09 */
  CHECK_NEAR(sum_n, sum_lam, 4 * sqrt(sum_lam));
  CHECK(other == 0 && bad == 0);

  /* b empty with 1000 jailed, all freed at LY_BREAK: x 1/3, then 2/3. The
  ** break redraws no lynching clock (notify.c): only a bound that already
  ** counted G2 covers the rate after it. */
  sum_n = sum_lam = 0;
  bad = other = picked_b = 0;
  for (int rep = 0; rep < R; rep++) {
    lynch_obs o = {0};
    CHECK(lynch_run(4000 + (uint64_t)rep, 0.0, 0, 1000, &o, &bad) == CS_OK);
    sum_n += o.total;
    sum_lam += ly_compensator(1.0 / 3.0, LY_BREAK, 2.0 / 3.0);
    other += o.other + o.civ;
    picked_b += o.gang[1];
  }
  fprintf(stderr, "empty gang next door freed at day %g: %d of its members lynched, %.0f lynchings, compensator %.1f\n",
          LY_BREAK, picked_b, sum_n, sum_lam);
  CHECK(picked_b > 0); /* Poisson, mean 400 * 6.9 */
  CHECK_NEAR(sum_n, sum_lam, 4 * sqrt(sum_lam));
  CHECK(other == 0 && bad == 0);
}

/* ---- a busy town: conservation at every day, and the model off ----
** A 4x4 grid, two rival gangs in opposite corners, a police unit; attacks,
** flight, returns, recruitment, patrols and lynchings all run. */
static int g_town_bad, g_town_checks;
static double g_switch_day; /* > 0: brigade_model switched on then (timer id 1000) */

static int town_timer(void *ud, cs_world *w, int id) {
  if (id == 1000) {
    int rc = cs_world_param_set_str(w, "brigade_model", "grown");
    double t = cs_world_now(w);
    for (int j = 0; j < cs_world_n_nodes(w); j++) {
      double want = CS_PARTY_IS_GANG(cs_world_node_owner(w, j)) ? 0 : cs_world_param(w, "brigade_m0");
      if (cs_brigade_mobilisation(w, j, t) != want) g_town_bad++;
    }
    return rc;
  }
  char msg[256];
  g_town_checks++;
  if (cs__check_world(w, msg, sizeof msg)) {
    g_town_bad++;
    fprintf(stderr, "day %g: %s\n", cs_world_now(w), msg);
  }
  return CS_OK;
}

static int town_sample(rec_sink *r, const cs_sample *s) {
  /* "fixed": the defenders are vigilante_share * residents where no gang holds the node */
  if (r->user) return CS_OK;
  for (int j = 0; j < 16; j++) {
    double want = var_i(s, "owner", j) >= 2 ? 0 : 0.001 * (double)var_i(s, "residents", j);
    if (var_d(s, "brigade", j) != want) g_town_bad++;
  }
  return CS_OK;
}

static uint64_t run_town(uint64_t seed, const char *model, int tweak, int *lynchings, int *takeovers) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return 0;
  town_4x4(w, 1.0, 1.0, -1);
  cs_unit_decl p = {"police", CS_UNIT_POLICE, 300, -1, CS_POSTURE_PATROL, 5};
  cs_world_add_unit(w, &p, NULL);
  cs_world_set_horizon(w, 150, 1);
  cs_world_param_set(w, "lambda0", 0.3);
  cs_world_param_set(w, "recruit_rate", 0.001);
  cs_world_param_set(w, "r0", 0.05);
  cs_world_param_set_str(w, "brigade_model", model);
  if (tweak) { /* brigade parameters far from their defaults */
    cs_world_param_set(w, "brigade_share", 0.05);
    cs_world_param_set(w, "brigade_m0", 0.5);
    cs_world_param_set(w, "brigade_growth", 0.8);
    cs_world_param_set(w, "brigade_grievance", 0.4);
    cs_world_param_set(w, "brigade_tau", 20);
    cs_world_param_set(w, "lynch_rate", 0.01);
    cs_world_param_set(w, "lynch_misid", 0.3);
  }
  if (cs_world_finalize(w) != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    cs_world_free(w);
    return 0;
  }
  cs_hooks h = {NULL, town_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  for (int d = 0; d <= 150; d++) cs_world_timer(w, d, d);
  if (g_switch_day > 0) cs_world_timer(w, g_switch_day, 1000);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  r.on_sample = town_sample;
  r.user = strcmp(model, "fixed") == 0 && g_switch_day <= 0 ? NULL : w;
  if (cs_world_run(w, seed, 0, &s) != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    g_town_bad++;
  }
  *lynchings = r.n_events[CS_EK_LYNCHING];
  *takeovers = r.n_events[CS_EK_TAKEOVER];
  cs_world_free(w);
  return r.hash;
}

static void test_town(void) {
  int lynch = 0, take = 0, all_lynch = 0, all_take = 0;
  g_town_bad = g_town_checks = 0;
  g_switch_day = 0;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    run_town(seed, "grown", 1, &lynch, &take);
    all_lynch += lynch;
    all_take += take;
  }
  g_switch_day = 40.5; /* switched on mid-run */
  run_town(7, "fixed", 1, &lynch, &take);
  all_lynch += lynch;
  g_switch_day = 0;
  fprintf(stderr, "town with brigades: %d lynchings, %d takeovers in 7 runs, %d checks\n", all_lynch, all_take, g_town_checks);
  CHECK(all_lynch > 0 && all_take > 0);
  CHECK(g_town_checks == 7 * 151);
  CHECK(g_town_bad == 0);

  /* off: the brigade parameters change nothing, and nobody is lynched */
  g_town_bad = 0;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    int l1 = -1, l2 = -1, t1 = 0, t2 = 0;
    uint64_t h1 = run_town(seed, "fixed", 0, &l1, &t1), h2 = run_town(seed, "fixed", 1, &l2, &t2);
    CHECK(h1 != 0 && h1 == h2);
    CHECK(l1 == 0 && l2 == 0);
    all_take += t1;
  }
  CHECK(g_town_bad == 0);
}

int main(void) {
  test_growth_decay();
  test_lynching_poisson();
  test_lynching_memberless();
  test_town();
  return check_report();
}
