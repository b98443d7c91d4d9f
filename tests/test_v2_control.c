/* test_v2_control.c: partial control of neighbourhoods (control.c;
** sim/README.md, "control.c: partial control" and Verification).
**
** - one engagement moves exactly the share the rule says (to 1e-12): before
**   each of a series of attacks and police operations the test draws the
**   engagement's result from a copy of the node's stream, computes the
**   margin mu = p_W (the winner's contest success probability) and the
**   transfer control_step * mu * (loser's share) itself, and compares every
**   share and the owner after the fight;
** - a random walk with a known mean: one gang attacks a STATE node again and
**   again with a fixed win probability p (no losses, so p never moves); its
**   share x then moves to x + k p (1 - x) with probability p and to
**   x - k (1 - p) x otherwise, so E[x_{n+1}] = x* r + (1 - r) E[x_n], with
**   r = k (p^2 + (1 - p)^2) and x* = p^2 / (p^2 + (1 - p)^2), hence
**   E[x_n] = x* (1 - (1 - r)^n) from x_0 = 0; the mean over replicates after
**   each engagement is within 4 SE of it;
** - invariants over a busy town with shares (fast fights, one run with
**   Lanchester chains, three with presence and erosion, whose lapses change
**   owners between engagements, one of them with Lanchester chains and no
**   consolidation, and two more with erode_where "frontier", one with
**   chains), after every logged event and at every day: shares in (0, 1] summing to 1, the owner given by the
**   majority rule (cs__check_world, which runs cs_control_check), with
**   people, members and officers conserved; at every sample the sampled
**   owner, state_share and gang_share agree with the majority rule;
** - consolidation, a known answer: the same series run again with
**   consolidate_rate c > 0 (changed to another rate halfway, which brings
**   every node to that time under the old rate), the test drifting its own
**   shares by the closed form between engagements (the majority holder M
**   gains, s_i <- s_i f, s_M <- 1 - (1 - s_M) f, f = exp(-c dt), nothing
**   when no party holds the majority); the model's shares agree to 1e-12
**   before and after every engagement and at half-day checks in between;
** - off is version 1: with control_model "whole" the control parameters
**   (consolidate_rate included) change nothing (same event and sample hash)
**   and the sampled shares are 1 for the owner, 0 otherwise.
** Statistical checks have a false-failure probability below 1e-4 (|z| < 4);
** seeds are fixed. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs_engagement_*, the node streams, cs__check_world */

static void quiet_model(cs_world *w) {
  static const char *const off[] = {"delta0", "recruit_rate", "patrol_rate", "r0", "move_default",
                                    "move_conflict", "move_site", "h0", "h1", "h_T", "lambda0",
                                    "n_retaliation", NULL};
  for (int i = 0; off[i]; i++) cs_world_param_set(w, off[i], 0);
}

/* ---- one engagement, exactly ----
** Two nodes: S (STATE, a police unit in guard posture) and G (the gang's
** base). No other STATE node, so the police never fall back. */
enum { XS, XG };
static const double K_STEP = 0.9, THETA = 0.55;
static struct {
  double s[4];       /* the test's own shares: STATE, nobody, gang 0, gang 1 */
  double c, c2, t;   /* consolidation rate, the rate from engagement 40 on, time of s */
  int bad, checks, decided, owner_changes, police_ops, drifted;
} g_ex;
static const int PARTY[4] = {CS_PARTY_STATE, CS_PARTY_CONTESTED, CS_PARTY_GANG(0), CS_PARTY_GANG(1)};

static int party_slot(int party) { return party == CS_PARTY_STATE ? 0 : party == CS_PARTY_CONTESTED ? 1 : 2 + CS_PARTY_GANG_INDEX(party); }

/* Consolidation by the closed form, from g_ex.t to t, at rate g_ex.c. */
static void ex_drift(double t) {
  int m = -1;
  for (int k = 0; k < 4; k++)
    if (k != 1 && g_ex.s[k] > THETA) m = k;
  if (m >= 0 && g_ex.c > 0 && t > g_ex.t) {
    double f = exp(-g_ex.c * (t - g_ex.t));
    for (int k = 0; k < 4; k++) g_ex.s[k] = k == m ? 1 - (1 - g_ex.s[k]) * f : g_ex.s[k] * f;
    g_ex.drifted += g_ex.s[m] < 1;
  }
  g_ex.t = t;
}

/* The model's shares against the test's. */
static void ex_compare(cs_world *w, int id, const char *when) {
  for (int k = 0; k < 4; k++) {
    g_ex.checks++;
    double got = cs_world_node_share(w, XS, PARTY[k]);
    if (!(fabs(got - g_ex.s[k]) <= 1e-12)) {
      g_ex.bad++;
      fprintf(stderr, "engagement %d (%s): share of party %d is %.17g, the rule gives %.17g\n", id, when, PARTY[k], got,
              g_ex.s[k]);
    }
  }
}

static int ex_timer(void *ud, cs_world *w, int id) {
  ex_drift(cs_world_now(w));
  if (id >= 1000) { /* a check between engagements */
    ex_compare(w, id - 1000, "between");
    return CS_OK;
  }
  ex_compare(w, id, "before");
  if (id == 40 && g_ex.c2 != g_ex.c) { /* a new rate: the drift so far is at the old one */
    if (cs_world_param_set(w, "consolidate_rate", g_ex.c2) != CS_OK) g_ex.bad++;
    g_ex.c = g_ex.c2;
  }
  int owner = cs_world_node_owner(w, XS);
  /* the switch and the threshold cannot change during a run (they would redefine every owner) */
  if (id == 0 && (cs_world_param_set(w, "control_majority", 0.7) == CS_OK ||
                  cs_world_param_set_str(w, "control_model", "whole") == CS_OK || !cs_control_shares(w)))
    g_ex.bad++;
  /* a police operation when the gang holds S and officers are there; else the gang attacks */
  int att = CS_PARTY_IS_GANG(owner) && cs_world_node_officers(w, XS) > 0 && id % 2 ? CS_PARTY_STATE : CS_PARTY_GANG(0);
  if (att == CS_PARTY_GANG(0) && owner == CS_PARTY_GANG(0)) return CS_OK;
  cs_engagement en;
  cs_engagement_forces(w, att, XS, &en);
  cs_pcg32 copy = w->engage_rng[XS];
  cs_engagement_fast(w, &copy, &en, w->residents[XS]);
  /* the rule, computed here: defender = the largest holder other than the attacker */
  int as = party_slot(att), ds = -1;
  for (int k = 0; k < 4; k++)
    if (k != as && g_ex.s[k] > 0 && (ds < 0 || g_ex.s[k] > g_ex.s[ds])) ds = k;
  int ws = en.outcome > 0 ? as : ds, ls = en.outcome > 0 ? ds : as;
  double mu = en.outcome > 0 ? en.p : 1 - en.p; /* the winner's contest success probability */
  double delta = ls >= 0 ? K_STEP * mu * g_ex.s[ls] : 0;
  if (ls >= 0) {
    g_ex.s[ls] -= delta;
    g_ex.s[ws] += delta;
  }
  g_ex.decided += delta > 0;
  g_ex.police_ops += att == CS_PARTY_STATE;
  int rc = att == CS_PARTY_STATE ? cs_engagement_begin(w, att, XS) : cs_world_force_attack(w, 0, XS);
  if (rc != CS_OK) return rc;
  ex_compare(w, id, "after");
  int want = CS_PARTY_CONTESTED;
  for (int k = 0; k < 4; k++)
    if (k != 1 && g_ex.s[k] > THETA) want = PARTY[k];
  if (cs_world_node_owner(w, XS) != want) g_ex.bad++;
  g_ex.owner_changes += want != owner;
  char msg[256];
  if (cs__check_world(w, msg, sizeof msg)) {
    g_ex.bad++;
    fprintf(stderr, "engagement %d: %s\n", id, msg);
  }
  return CS_OK;
}

static void test_one_engagement(double c, double c2) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  cs_node_decl s = node_decl("S", 5000, 0.5, CS_PARTY_STATE);
  cs_node_decl g = node_decl("G", 5000, 0.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &s, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &g, NULL) == CS_OK);
  CHECK(cs_world_add_road(w, XS, XG, 1.0) == CS_OK);
  cs_gang_decl gd = {"g", NULL, 5000000, 0, 0.05, 1.0, XG};
  CHECK(cs_world_add_gang(w, &gd, NULL) == CS_OK);
  CHECK(cs_world_set_owner(w, XG, CS_PARTY_GANG(0)) == CS_OK);
  /* strengths near parity: p about 0.5 for the gang, both sides lose fighters */
  cs_unit_decl f = {"police", CS_UNIT_POLICE, 760000, 0.05, CS_POSTURE_GUARD, XS};
  CHECK(cs_world_add_unit(w, &f, NULL) == CS_OK);
  cs_world_set_horizon(w, 200, 200);
  quiet_model(w);
  cs_world_param_set(w, "beta", 0.05);
  cs_world_param_set(w, "beta_police", 0.02);
  CHECK(cs_world_param_set_str(w, "control_model", "shares") == CS_OK);
  cs_world_param_set(w, "control_step", K_STEP);
  cs_world_param_set(w, "control_majority", THETA);
  CHECK(cs_world_param_set(w, "consolidate_rate", c) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  memset(&g_ex, 0, sizeof g_ex);
  g_ex.s[0] = 1;
  g_ex.c = c;
  g_ex.c2 = c2;
  cs_hooks h = {NULL, ex_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  for (int i = 0; i < 80; i++) {
    cs_world_timer(w, 1 + 2 * i, i);
    cs_world_timer(w, 1.5 + 2 * i, 1000 + i);
  }
  rec_sink r;
  cs_sink sk = rec_sink_of(&r);
  CHECK(cs_world_run(w, 5, 0, &sk) == CS_OK);
  fprintf(stderr,
          "one engagement, consolidate_rate %g then %g: %d share checks, %d moved shares, %d owner changes, %d police "
          "operations, %d drifts\n",
          c, c2, g_ex.checks, g_ex.decided, g_ex.owner_changes, g_ex.police_ops, g_ex.drifted);
  CHECK(g_ex.bad == 0);
  CHECK(g_ex.decided > 20 && g_ex.owner_changes > 2 && g_ex.police_ops > 0);
  CHECK(c > 0 ? g_ex.drifted > 20 : g_ex.drifted == 0);
  CHECK(r.n_events[CS_EK_TAKEOVER] == g_ex.owner_changes);
  cs_world_free(w);
}

/* ---- the random walk ---- */
enum { RW_N = 6 };
static const double RW_K = 0.3, RW_THETA = 0.95;
static double g_rw[RW_N];
static int g_rw_bad, g_rw_lossy;

static int rw_timer(void *ud, cs_world *w, int id) {
  int rc = cs_world_force_attack(w, 0, XS);
  g_rw[id] = cs_world_node_share(w, XS, CS_PARTY_GANG(0));
  double st = cs_world_node_share(w, XS, CS_PARTY_STATE);
  if (!(fabs(g_rw[id] + st - 1) <= 1e-12) || cs_world_node_owner(w, XS) == CS_PARTY_GANG(0)) g_rw_bad++;
  return rc;
}

static double rw_p(void) { /* the contest success function, from the test's forces */
  double Sa = 0.05 * 0.3 * 100.0 * exp(-1.0 / 2.0); /* q phi M exp(-d / ell) */
  double Sd = 1.2 * 0.05 * 12.0;                      /* F_urban officers lethality_police */
  return 1.0 / (1.0 + pow(Sd / Sa, 1.5));
}

static int rw_run(uint64_t rep) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  int rc = cs_world_new(&ctx, &w);
  if (rc) return rc;
  cs_node_decl s = node_decl("S", 5000, 0.5, CS_PARTY_STATE);
  cs_node_decl g = node_decl("G", 5000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &s, NULL);
  cs_world_add_node(w, &g, NULL);
  cs_world_add_road(w, XS, XG, 1.0);
  cs_gang_decl gd = {"g", NULL, 100, 0, 0.05, 1.0, XG};
  cs_world_add_gang(w, &gd, NULL);
  cs_world_set_owner(w, XG, CS_PARTY_GANG(0));
  cs_unit_decl f = {"police", CS_UNIT_POLICE, 12, 0.05, CS_POSTURE_GUARD, XS};
  cs_world_add_unit(w, &f, NULL);
  cs_world_set_horizon(w, RW_N + 1, RW_N + 1);
  quiet_model(w);
  /* (almost) no losses: the breakpoints at their least, 1e-6 of the forces,
  ** so a fight kills someone with probability about 2e-5 (stochastic
  ** rounding); in a run without deaths p stays fixed */
  cs_world_param_set(w, "beta", 1e-6);
  cs_world_param_set(w, "beta_police", 1e-6);
  cs_world_param_set(w, "c_civ", 0);
  cs_world_param_set(w, "vigilante_share", 0);
  cs_world_param_set(w, "phi", 0.3);
  cs_world_param_set(w, "ell", 2);
  cs_world_param_set(w, "m", 1.5);
  cs_world_param_set(w, "F_urban", 1.2);
  cs_world_param_set_str(w, "control_model", "shares");
  cs_world_param_set(w, "control_step", RW_K);
  cs_world_param_set(w, "control_majority", RW_THETA);
  if ((rc = cs_world_finalize(w)) == CS_OK) {
    cs_hooks h = {NULL, rw_timer, NULL, NULL};
    cs_world_set_hooks(w, &h);
    for (int i = 0; i < RW_N; i++) cs_world_timer(w, 1 + i, i);
    cs_engagement en;
    rc = cs_world_run(w, 17, rep, NULL);
    cs_engagement_forces(w, CS_PARTY_GANG(0), XS, &en);
    if (w->officers_dead + w->gangs[0].dead > 0) g_rw_lossy++;
    else if (!(fabs(en.p - rw_p()) <= 1e-12)) g_rw_bad++; /* p never moved */
  }
  cs_world_free(w);
  return rc;
}

static void test_random_walk(void) {
  const int R = 4000;
  double p = rw_p(), sum[RW_N] = {0}, sum2[RW_N] = {0};
  g_rw_bad = g_rw_lossy = 0;
  for (int rep = 0; rep < R; rep++) {
    CHECK(rw_run((uint64_t)rep) == CS_OK);
    for (int n = 0; n < RW_N; n++) {
      sum[n] += g_rw[n];
      sum2[n] += g_rw[n] * g_rw[n];
    }
  }
  CHECK(g_rw_bad == 0);
  CHECK(g_rw_lossy <= 5); /* about 0.5 expected: 24,000 fights at ~2e-5 */
  CHECK(p > 0.3 && p < 0.8);
  for (int n = 0; n < RW_N; n++) {
    double mean = sum[n] / R, var = (sum2[n] - R * mean * mean) / (R - 1);
    double q = p * p + (1 - p) * (1 - p), want = p * p / q * (1 - pow(1 - RW_K * q, n + 1));
    fprintf(stderr, "random walk (p %.4f, k %g): after %d engagements mean gang share %.5f, expected %.5f (SE %.5f)\n", p,
            RW_K, n + 1, mean, want, sqrt(var / R));
    CHECK(var > 0);
    CHECK_NEAR(mean, want, 4 * sqrt(var / R));
  }
}

/* ---- a busy town: invariants at every event, and the model off ----
** A 4x4 grid, two rival gangs in opposite corners, a police unit and a
** reserve; attacks, police responses, flight, returns and recruitment run. */
static int g_town_bad, g_town_checks, g_town_events, g_town_lapses;
static double g_theta;
static cs_event_rec g_town_last;

static int town_event(void *ud, cs_world *w, const cs_event_rec *e) {
  char msg[256];
  g_town_events++;
  if (e->kind == CS_EK_TAKEOVER && !(g_town_last.kind == CS_EK_ENGAGEMENT && g_town_last.node == e->node &&
                                     g_town_last.t == e->t))
    g_town_lapses++; /* a hold lapsed: a takeover with no engagement before it */
  g_town_last = *e;
  if (cs__check_world(w, msg, sizeof msg)) {
    g_town_bad++;
    fprintf(stderr, "day %g, event kind %d: %s\n", e->t, e->kind, msg);
  }
  return CS_OK;
}

static int town_timer(void *ud, cs_world *w, int id) {
  g_town_checks++;
  return town_event(ud, w, &(cs_event_rec){.t = cs_world_now(w), .kind = -1});
}

static int town_sample(rec_sink *r, const cs_sample *s) {
  const cs_world *w = r->user;
  int shares = cs_control_shares(w);
  for (int j = 0; j < 16; j++) {
    int o = (int)var_i(s, "owner", j);
    double st = var_d(s, "state_share", j), gs = var_d(s, "gang_share", j);
    double g0 = cs_world_node_share(w, j, CS_PARTY_GANG(0)), g1 = cs_world_node_share(w, j, CS_PARTY_GANG(1));
    int want = st > g_theta ? CS_PARTY_STATE
             : g0 > g_theta ? CS_PARTY_GANG(0)
             : g1 > g_theta ? CS_PARTY_GANG(1) : CS_PARTY_CONTESTED;
    if (!shares) { /* "whole": the owner holds all */
      st = o == CS_PARTY_STATE;
      want = o;
      if (var_d(s, "state_share", j) != st || gs != (o >= CS_PARTY_GANG(0))) g_town_bad++;
    }
    if (o != want || gs != fmax(g0, g1) || !(st >= 0 && st <= 1 && gs >= 0 && gs <= 1)) g_town_bad++;
  }
  return CS_OK;
}

static uint64_t run_town(uint64_t seed, const char *model, int tweak, int *takeovers, double *contested) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return 0;
  town_4x4(w, 1.0, 1.0, 6);
  cs_unit_decl p = {"police", CS_UNIT_POLICE, 300, -1, CS_POSTURE_PATROL, 5};
  cs_unit_decl q = {"reserve", CS_UNIT_POLICE, 200, -1, CS_POSTURE_PATROL, 10};
  cs_world_add_unit(w, &p, NULL);
  cs_world_add_unit(w, &q, NULL);
  cs_world_set_horizon(w, 150, 1);
  cs_world_param_set(w, "lambda0", 0.3);
  cs_world_param_set(w, "recruit_rate", 0.001);
  cs_world_param_set(w, "r0", 0.05);
  cs_world_param_set_str(w, "control_model", model);
  g_theta = 0.5;
  if (tweak == 2 || tweak == 5 || tweak == 6) /* timed fights: the shares move when a Lanchester chain ends */
    for (int k = 0; k < 3; k++)
      cs_world_param_set_str(w, (const char *[]){"engagement_state", "engagement_rival", "engagement_police"}[k], "square");
  if (tweak >= 1 && tweak <= 4) { /* control parameters far from their defaults */
    cs_world_param_set(w, "control_step", 0.8);
    cs_world_param_set(w, "control_majority", 0.7);
    cs_world_param_set(w, "consolidate_rate", 0.05);
    g_theta = 0.7;
  }
  if (tweak == 4) /* erosion without presence: nothing changes */
    cs_world_param_set(w, "erode_rate", 0.3);
  if (tweak == 3 || tweak >= 5) { /* presence and erosion: the holds far from the two units lapse */
    cs_world_param_set(w, "ell_police", 0.7);
    cs_world_param_set(w, "presence_half", 100);
    cs_world_param_set(w, "erode_rate", 0.05);
  }
  if (tweak >= 6) /* only where a rival borders the hold: the neighbours measured again at each change of hands */
    cs_world_param_set_str(w, "erode_where", "frontier");
  if (cs_world_finalize(w) != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    cs_world_free(w);
    return 0;
  }
  cs_hooks h = {NULL, town_timer, town_event, NULL};
  cs_world_set_hooks(w, &h);
  for (int d = 0; d <= 150; d++) cs_world_timer(w, d, d);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  r.on_sample = town_sample;
  r.user = w;
  if (cs_world_run(w, seed, 0, &s) != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    g_town_bad++;
  }
  *takeovers = r.n_events[CS_EK_TAKEOVER];
  *contested = 0;
  for (int j = 0; j < 16; j++) *contested += cs_world_node_owner(w, j) == CS_PARTY_CONTESTED;
  cs_world_free(w);
  return r.hash;
}

static void test_town(void) {
  int take = 0, all_take = 0;
  double cont = 0, all_cont = 0;
  g_town_bad = g_town_checks = g_town_events = g_town_lapses = 0;
  for (uint64_t seed = 1; seed <= 11; seed++) { /* tweak: 0 for seeds 1-3, 1, 1, 2, 3, 3, 5, 6, 7 */
    int tweak = seed >= 9 ? (int)seed - 4 : seed > 6 ? 3 : seed > 3 ? 1 + (seed == 6) : 0;
    run_town(seed, "shares", tweak, &take, &cont);
    all_take += take;
    all_cont += cont;
  }
  fprintf(stderr, "town with shares: %d takeovers in 11 runs, %g nodes contested at the end, %d events checked\n", all_take,
          all_cont, g_town_events);
  fprintf(stderr, "town with presence and erosion: %d holds lapsed\n", g_town_lapses);
  CHECK(all_take > 0 && g_town_events > 1000 && g_town_lapses > 0);
  CHECK(g_town_checks == 11 * 151);
  CHECK(g_town_bad == 0);

  /* off: the control parameters change nothing */
  g_town_bad = 0;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    int t1 = 0, t2 = 0;
    uint64_t h1 = run_town(seed, "whole", 0, &t1, &cont), h2 = run_town(seed, "whole", 1, &t2, &cont);
    CHECK(h1 != 0 && h1 == h2 && t1 == t2);
    /* presence off (presence_half 0): an erosion rate changes nothing */
    h1 = run_town(seed, "shares", 1, &t1, &cont), h2 = run_town(seed, "shares", 4, &t2, &cont);
    CHECK(h1 != 0 && h1 == h2 && t1 == t2);
  }
  CHECK(g_town_bad == 0);
}

static void test_params(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  CHECK(!cs_control_shares(w)); /* "whole" by default */
  CHECK(cs_world_param_set_str(w, "control_model", "halves") != CS_OK);
  CHECK(cs_world_param_set(w, "control_majority", 0.4) != CS_OK);
  CHECK(cs_world_param_set(w, "control_step", 1.5) != CS_OK);
  CHECK(cs_world_param_set(w, "consolidate_rate", -0.1) != CS_OK);
  CHECK(cs_world_param_set_text(w, "consolidate_rate", "0.05") == CS_OK);
  cs_world_free(w);
}

int main(void) {
  test_params();
  test_one_engagement(0, 0);
  test_one_engagement(0.05, 0.05);
  test_one_engagement(0.02, 0.3);
  test_random_walk();
  test_town();
  return check_report();
}
