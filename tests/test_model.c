/* test_model.c: the model computes what it claims (sim/README.md, Verification):
** Poisson attack counts (with exact rescheduling when a rate changes), flight
** at constant hazard, destination-choice frequencies, conservation of people,
** gang members and officers at every sample, and determinism.
** Tolerances come from standard errors with a false-failure rate below 1e-3
** per check (|z| <= 4 unless stated). */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "lanchester.h"
#include "model_int.h" /* cs_attack_rate, cs_engagement_forces */

/* Switch off the processes a test does not study. */
static void quiet_model(cs_world *w) {
  cs_world_param_set(w, "delta0", 0);
  cs_world_param_set(w, "recruit_rate", 0);
  cs_world_param_set(w, "patrol_rate", 0);
  cs_world_param_set(w, "r0", 0);
  cs_world_param_set(w, "move_default", 0);
  cs_world_param_set(w, "move_conflict", 0);
  cs_world_param_set(w, "move_site", 0);
  cs_world_param_set(w, "h0", 0);
  cs_world_param_set(w, "h1", 0);
  cs_world_param_set(w, "h_T", 0);
}

/* ---- Poisson: a gang attacks a fortress it can never take ----
** Gang g holds node C; node B (STATE) next to it is held by a unit so strong
** that p ~ 1e-15, and with eta = 0 the rate does not depend on p:
** rate = lambda0 * a * V^gamma * wS = lambda0 * 0.5. Node A (the gang's base,
** STATE, behind B) is not on g's frontier. */
static int poisson_timer(void *ud, cs_world *w, int id) {
  return cs_world_param_set(w, "lambda0", *(double *)ud);
}

static int poisson_run(uint64_t seed, double T, double l0, double l1, double accept, int *count, double *rate0) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  int rc = cs_world_new(&ctx, &w);
  if (rc) return rc;
  fortress_line(w, 1000000);
  cs_world_set_horizon(w, T, T);
  cs_world_param_set(w, "lambda0", l0);
  cs_world_param_set(w, "eta", 0);
  if (accept < 1) { /* choose eta so that the acceptance p^eta is `accept` */
    if ((rc = cs_world_finalize(w))) return rc;
    cs_engagement en;
    cs_engagement_forces(w, CS_PARTY_GANG(0), 1, &en);
    double eta = log(accept) / log(en.p);
    cs_world_free(w);
    w = NULL;
    /* rebuild with the new eta */
    if ((rc = cs_world_new(&ctx, &w))) return rc;
    fortress_line(w, 1000000);
    cs_world_set_horizon(w, T, T);
    cs_world_param_set(w, "lambda0", l0);
    cs_world_param_set(w, "eta", eta);
  }
  cs_world_param_set(w, "beta", 1e-9);
  cs_world_param_set(w, "c_civ", 0);
  quiet_model(w);
  if ((rc = cs_world_finalize(w))) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    cs_world_free(w);
    return rc;
  }
  *rate0 = cs_attack_rate(w, 0, 1); /* bound * p^eta in the initial state */
  if (l1 != l0) {
    cs_hooks h = {&l1, poisson_timer, NULL, NULL};
    cs_world_set_hooks(w, &h);
    cs_world_timer(w, T / 2, 1);
  }
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  rc = cs_world_run(w, seed, 0, &s);
  *count = r.n_events[CS_EK_ENGAGEMENT];
  CHECK(r.n_events[CS_EK_TAKEOVER] == 0);
  cs_world_free(w);
  return rc;
}

static void test_poisson(double l0, double l1, double accept) {
  const int R = 400;
  const double T = 200;
  double sum = 0, sum2 = 0, rate0 = 0;
  for (int rep = 0; rep < R; rep++) {
    int c = -1;
    CHECK(poisson_run(1000 + rep, T, l0, l1, accept, &c, &rate0) == CS_OK);
    sum += c;
    sum2 += (double)c * c;
  }
  /* rate0 = lambda0 * a * V^gamma * wS * p^eta = l0 * 0.5 * accept */
  CHECK_NEAR(rate0, l0 * 0.5 * accept, 1e-12 * l0);
  double expect = 0.5 * accept * (l0 * T / 2 + l1 * T / 2);
  double mean = sum / R, var = (sum2 - R * mean * mean) / (R - 1);
  /* mean: SE = sqrt(lambda T / R) */
  CHECK_NEAR(mean, expect, 4 * sqrt(expect / R));
  /* dispersion: (R - 1) var / (lambda T) ~ chi2(R - 1), sd sqrt(2 (R - 1)) */
  CHECK_NEAR((R - 1) * var / expect, R - 1, 4 * sqrt(2.0 * (R - 1)));
}

/* ---- flight at constant hazard leaves exp(-h t) of the residents ---- */
typedef struct flight_obs {
  double sum[11], sum2[11];
} flight_obs;

static int flight_sample(rec_sink *r, const cs_sample *s) {
  flight_obs *o = r->user;
  double x = (double)var_i(s, "residents", 0);
  o->sum[s->index] += x;
  o->sum2[s->index] += x * x;
  return CS_OK;
}

static void test_flight_constant_hazard(void) {
  const double h = 0.05;
  const int64_t r0 = 20000;
  const int R = 60;
  flight_obs o = {{0}, {0}};
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    cs_node_decl a = node_decl("A", r0, 0.5, CS_PARTY_STATE);
    cs_node_decl b = node_decl("B", 100, 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &a, NULL);
    cs_world_add_node(w, &b, NULL);
    cs_world_add_road(w, 0, 1, 2.0);
    cs_world_set_horizon(w, 40, 4);
    quiet_model(w);
    cs_world_param_set(w, "h0", h);
    cs_world_param_set(w, "host_ratio", 1000);
    CHECK(cs_world_finalize(w) == CS_OK);
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    r.on_sample = flight_sample;
    r.user = &o;
    CHECK(cs_world_run(w, 7, (uint64_t)rep, &s) == CS_OK);
    CHECK(r.n_samples == 11);
    cs_world_free(w);
  }
  for (int k = 0; k <= 10; k++) {
    double t = 4.0 * k, expect = (double)r0 * exp(-h * t);
    double mean = o.sum[k] / R, var = (o.sum2[k] - R * mean * mean) / (R - 1);
    /* Groups of 5 leave independently: Var R(t) = 25 * (r0/5) q (1-q), q = 1 - e^{-ht}. */
    double q = 1 - exp(-h * t), se = sqrt(25.0 * (double)r0 / 5 * q * (1 - q) / R);
    CHECK_NEAR(mean, expect, 4 * se + 1e-9);
    CHECK(var <= 4 * 25.0 * (double)r0 / 5 * q * (1 - q) + 1e-9); /* no excess noise */
  }
}

/* ---- secondary moves at their rate: N m T moves in [0, T) ----
** N = 10 people from node o declared displaced at node k at t = 0, none at
** home anywhere else to flee or return (flight, returns and attacks off).
** They move on at m a person a day in groups of one (move_group 1), never to
** o (their origin), so between k and d, 1 m apart (a walk of well under a
** second: the time on the road is nil), and the PROVINCES are 1e9 km away (a
** weight of 1e-9). Every person's moves are then a Poisson process of rate m
** wherever they are, and the moves of all of them over [0, T) a Poisson
** count of mean N m T. The few people make each arrival a large rise of the
** rate where they arrive: a clock left at its rate until it next fires runs
** about 1 / (people there) slow, and this total (40 runs of T = 150 days,
** m = 0.25: mean 15,000) falls by some 20 SE. Checked: the total within 4
** Poisson SE, each run's within 4 of its own. Two settings: k and d STATE-held
** with move_default = m, where the clock's bound is the rate (every candidate
** is a move); and k and d CONTESTED (in conflict) with move_conflict = m and
** move_default = 2 m, where the bound is twice the rate (moves_bound: the
** rate out of conflict) and half the candidates are rejected, so a raise that
** left the acceptance against the old bound would show as too many moves. */
typedef struct moves_obs {
  int64_t moves, people;
} moves_obs;
static int moves_event(void *ud, cs_world *w, const cs_event_rec *e) {
  moves_obs *o = ud;
  (void)w;
  if (e->kind == CS_EK_RELOCATION) o->moves++, o->people += e->displaced;
  return CS_OK;
}
static void test_moves_rate(int contested) {
  const double m = 0.25, T = 150;
  const int64_t N = 10;
  const int R = 40;
  int64_t total = 0;
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    line3(w, "o", "k", "d", 1.0, 0.001, contested ? CS_PARTY_CONTESTED : CS_PARTY_STATE);
    cs_displaced_decl dd = {0, 1, CS_PARTY_STATE, N, 0};
    CHECK(cs_world_add_displaced(w, &dd) == CS_OK);
    cs_world_set_horizon(w, T, T);
    quiet_model(w);
    cs_world_param_set(w, "r0", 0);
    cs_world_param_set(w, "move_default", contested ? 2 * m : m);
    cs_world_param_set(w, "move_site", m);
    cs_world_param_set(w, "move_conflict", m);
    cs_world_param_set(w, "move_group", 1);
    cs_world_param_set(w, "host_ratio", 1000);
    cs_world_param_set(w, "provinces_km", 1e9);
    CHECK(cs_world_finalize(w) == CS_OK);
    moves_obs ob = {0, 0};
    cs_hooks h = {&ob, NULL, moves_event, NULL};
    cs_world_set_hooks(w, &h);
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    CHECK(cs_world_run(w, 9 + (uint64_t)contested, (uint64_t)rep, &s) == CS_OK);
    CHECK(ob.people == ob.moves); /* groups of one */
    double mean = (double)N * m * T;
    if (fabs((double)ob.moves - mean) > 4 * sqrt(mean))
      fprintf(stderr, "moves%s: %lld in run %d, expected %g (sd %g)\n", contested ? " (contested)" : "",
              (long long)ob.moves, rep, mean, sqrt(mean));
    CHECK_NEAR((double)ob.moves, mean, 4 * sqrt(mean));
    total += ob.moves;
    cs_world_free(w);
  }
  double mean = (double)N * m * T * R;
  CHECK_NEAR((double)total, mean, 4 * sqrt(mean));
}

/* ---- destination choice frequencies match the normalised weights ---- */
static int dest_counts[6];
static int dest_event(void *ud, const cs_event_rec *e) {
  if (e->kind == CS_EK_FLIGHT) dest_counts[e->target >= 0 ? e->target : 5] += (int)e->displaced;
  return CS_OK;
}

static void test_destination_frequencies(void) {
  /* A star: origin O with neighbours at 0.5, 1.5 and 3 km; a site 9 km past
  ** the third (two hops, 12 km); PROVINCES at provinces_km = 20. Capacities
  ** are huge, so every capacity factor is 1 and no node is in conflict. */
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  const char *ids[] = {"O", "n1", "n2", "n3", "far"};
  for (int i = 0; i < 5; i++) {
    cs_node_decl d = node_decl(ids[i], i == 0 ? 200000 : 0, 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
  }
  cs_world_add_road(w, 0, 1, 0.5);
  cs_world_add_road(w, 0, 2, 1.5);
  cs_world_add_road(w, 0, 3, 3.0);
  cs_world_add_road(w, 3, 4, 9.0);
  cs_world_set_horizon(w, 5, 5);
  quiet_model(w);
  cs_world_param_set(w, "h0", 0.02);
  cs_world_param_set(w, "provinces_km", 20); /* the distance the weights below use */
  cs_world_param_set(w, "household", 1);
  CHECK(cs_world_set_capacity(w, 1, 1000000000) == CS_OK);
  CHECK(cs_world_set_capacity(w, 2, 1000000000) == CS_OK);
  CHECK(cs_world_set_capacity(w, 3, 1000000000) == CS_OK);
  CHECK(cs_world_set_capacity(w, 4, 1000000000) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  double d[6] = {0, 0.5, 1.5, 3.0, 12.0, 20.0}, wt[6] = {0}, tot = 0;
  for (int k = 1; k < 6; k++) tot += wt[k] = 1.0 / (1.0 + d[k]); /* (s_w + 1) / (s_d + d)^p_d */
  for (int k = 0; k < 6; k++) dest_counts[k] = 0;
  cs_sink s = {NULL, NULL, NULL, dest_event, NULL};
  CHECK(cs_world_run(w, 3, 0, &s) == CS_OK);
  int n = 0;
  for (int k = 1; k < 6; k++) n += dest_counts[k];
  CHECK(n > 10000);
  /* Pearson chi-square with 4 degrees of freedom: P(chi2_4 > 18.47) = 0.001. */
  double chi2 = 0;
  for (int k = 1; k < 6; k++) {
    double e = n * wt[k] / tot;
    chi2 += (dest_counts[k] - e) * (dest_counts[k] - e) / e;
  }
  fprintf(stderr, "destination chi2 = %.2f over %d departures\n", chi2, n);
  CHECK(chi2 < 18.47);
  cs_world_free(w);
}

/* ---- a city: conservation at every sample, determinism ---- */
typedef struct city_obs {
  int64_t pop0, gang0, off0;
  int bad;
  int64_t recruits, deserted, jailed; /* to show the checks saw these processes act */
} city_obs;

static int city_sample(rec_sink *r, const cs_sample *s) {
  city_obs *o = r->user;
  int64_t people = var_i(s, "city_residents", 0) + var_i(s, "city_displaced", 0) +
                   var_i(s, "city_civilian_deaths", 0) + var_i(s, "city_recruited", 0);
  int64_t gang = var_i(s, "city_gang_members", 0) - var_i(s, "city_recruited", 0), recruits = 0;
  for (int g = 0; g < 3; g++) {
    gang += var_i(s, "gang_jailed", g) + var_i(s, "gang_dead", g);
    recruits += var_i(s, "gang_recruits", g);
  }
  if (recruits != var_i(s, "city_recruited", 0)) o->bad++;
  o->recruits = recruits;
  o->deserted = var_i(s, "city_officers_deserted", 0);
  for (int g = 0; g < 3; g++) o->jailed += var_i(s, "gang_jailed", g);
  int64_t off = var_i(s, "city_officers", 0) + var_i(s, "city_officers_dead", 0) +
                var_i(s, "city_officers_deserted", 0) - (s->t >= 30 ? 200 : 0);
  int64_t disp = var_i(s, "city_displaced_hosted", 0) + var_i(s, "city_in_transit", 0) +
                 var_i(s, "city_displaced_provinces", 0);
  int64_t sum_res = 0, sum_origin = 0;
  for (int j = 0; j < 25; j++) {
    sum_res += var_i(s, "residents", j);
    sum_origin += var_i(s, "displaced_origin", j);
  }
  if (people != o->pop0 || gang != o->gang0 || off != o->off0 || disp != var_i(s, "city_displaced", 0) ||
      sum_res != var_i(s, "city_residents", 0) || sum_origin != disp) {
    o->bad++;
    fprintf(stderr, "conservation broken at t=%g: people %lld/%lld gang %lld/%lld officers %lld/%lld\n", s->t,
            (long long)people, (long long)o->pop0, (long long)gang, (long long)o->gang0, (long long)off,
            (long long)o->off0);
  }
  return CS_OK;
}

/* A 5x5 grid city, three gangs in two camps, police at the centre. */
static cs_world *make_city(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  char id[16];
  for (int j = 0; j < 25; j++) {
    snprintf(id, sizeof id, "n%d", j);
    cs_node_decl d = node_decl(id, 1000 + 200 * (j % 7), 0.2 + 0.03 * j, CS_PARTY_STATE);
    d.x_km = j % 5;
    d.y_km = j / 5;
    cs_world_add_node(w, &d, NULL);
  }
  for (int j = 0; j < 25; j++) {
    if (j % 5 < 4) cs_world_add_road(w, j, j + 1, 1.0);
    if (j / 5 < 4) cs_world_add_road(w, j, j + 5, 1.2);
  }
  cs_gang_decl g0 = {"g0", NULL, 800, 100, -1, -1, 0};
  cs_gang_decl g1 = {"g1", NULL, 500, 50, -1, -1, 4};
  cs_gang_decl g2 = {"g2", NULL, 600, 0, -1, -1, 24};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  cs_world_add_gang(w, &g2, NULL);
  int members[2] = {0, 1};
  cs_world_add_coalition(w, "va", members, 2, 0.7, NULL);
  cs_unit_decl p = {"police", CS_UNIT_POLICE, 400, -1, CS_POSTURE_PATROL, 1};
  cs_unit_decl p2 = {"police2", CS_UNIT_POLICE, 200, -1, CS_POSTURE_GARRISON, 20};
  cs_unit_decl e = {"elite", CS_UNIT_PROTECTION, 300, -1, CS_POSTURE_GUARD, CS_NODE_NONE};
  cs_world_add_unit(w, &p, NULL);
  cs_world_add_unit(w, &e, NULL);
  cs_world_add_unit(w, &p2, NULL);
  cs_world_param_set(w, "lambda0", 0.2);
  cs_world_set_horizon(w, 120, 1);
  return w;
}

static int city_timer(void *ud, cs_world *w, int id) {
  if (id == 1) { /* the gangs seize their bases */
    for (int g = 0; g < 3; g++) {
      int base[3] = {0, 4, 24};
      int rc = cs_world_force_attack(w, g, base[g]);
      if (rc != CS_OK) return rc;
    }
    return CS_OK;
  }
  if (id == 2) { /* recall half the elite pool to the centre */
    int nu;
    return cs_world_recall(w, 1, 150, 12, &nu);
  }
  if (id == 3) {
    int64_t freed;
    return cs_world_prison_break(w, 120, &freed);
  }
  if (id == 4) {
    cs_unit_decl intl = {"mss", CS_UNIT_INTERNATIONAL, 200, -1, CS_POSTURE_GUARD, 7};
    return cs_world_add_force(w, &intl, NULL);
  }
  return CS_OK;
}

static struct { int64_t recruits, deserted, jailed, arrests, releases; } g_city;

static const char *g_mode = "fast";

static uint64_t run_city(uint64_t seed, int *bad, int *takeovers, int *flights) {
  cs_world *w = make_city();
  CHECK(w != NULL);
  if (!w) return 0;
  CHECK(cs_world_param_set_str(w, "engagement_state", g_mode) == CS_OK);
  CHECK(cs_world_param_set_str(w, "engagement_rival", g_mode) == CS_OK);
  CHECK(cs_world_param_set_str(w, "engagement_police", g_mode) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, city_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 0, 1);
  cs_world_timer(w, 10, 2);
  cs_world_timer(w, 20, 3);
  cs_world_timer(w, 30, 4);
  city_obs o = {0, 800 + 100 + 500 + 50 + 600, 900, 0, 0, 0, 0};
  for (int j = 0; j < 25; j++) o.pop0 += cs_world_node_residents(w, j);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  r.on_sample = city_sample;
  r.user = &o;
  int rc = cs_world_run(w, seed, 0, &s);
  if (rc) fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
  CHECK(rc == CS_OK);
  CHECK(r.n_samples == 121);
  *bad = o.bad;
  g_city.recruits += o.recruits;
  g_city.deserted += o.deserted;
  g_city.jailed += o.jailed;
  g_city.arrests += r.n_events[CS_EK_ARREST];
  g_city.releases += r.n_events[CS_EK_RELEASE];
  *takeovers = r.n_events[CS_EK_TAKEOVER];
  *flights = r.n_events[CS_EK_FLIGHT];
  cs_world_free(w);
  return r.hash;
}

static void test_city(void) {
  int bad, tk, fl, total_tk = 0, total_fl = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    g_mode = seed <= 6 ? "fast" : seed <= 8 ? "square" : "linear"; /* every resolution mode */
    run_city(seed, &bad, &tk, &fl);
    CHECK(bad == 0);
    total_tk += tk;
    total_fl += fl;
  }
  CHECK(total_tk > 0); /* the city is not frozen: the checks above saw real changes */
  fprintf(stderr, "city: %d takeovers, %lld recruits, %lld deserted, %lld arrests, %lld releases\n", total_tk,
          (long long)g_city.recruits, (long long)g_city.deserted, (long long)g_city.arrests,
          (long long)g_city.releases);
  CHECK(g_city.recruits > 0 && g_city.deserted > 0 && g_city.arrests > 0 && g_city.releases > 0);
  CHECK(total_fl > 0);
  g_mode = "square";
  uint64_t h1 = run_city(42, &bad, &tk, &fl), h2 = run_city(42, &bad, &tk, &fl);
  uint64_t h3 = run_city(43, &bad, &tk, &fl);
  CHECK(h1 == h2); /* same seed, same events and samples */
  CHECK(h1 != h3); /* another seed, another history */
}

/* Two nodes a - b (1 km) and two gangs based at them, g0 and g1; nodes STATE. */
static cs_world *two_gangs(int64_t m0, int64_t m1) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  if (!w) return NULL;
  cs_node_decl a = node_decl("a", 1000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1);
  cs_gang_decl g0 = {"g0", NULL, m0, 0, 0.05, 1, 0}, g1 = {"g1", NULL, m1, 0, 0.05, 1, 1};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  return w;
}

/* ---- Hawkes retaliation: the stationary rate is mu / (1 - n) ----
** Two rival gangs hold adjacent fortresses neither can take (p ~ 1e-15,
** eta = 0 so ordinary attacks are not thinned). Each attack on a gang raises
** its urge to retaliate, so the pair's attacks form a Hawkes process with
** branching ratio n and exponential kernel of time constant tau_r. Started
** empty, E N(T) = mu T/(1-n) - mu n tau/(1-n)^2 (1 - exp(-(1-n) T/tau)). */
static int hawkes_count(uint64_t seed, double n_ret, double T) {
  cs_world *w = two_gangs(100000, 100000);
  if (!w) return -1;
  cs_world_set_owner(w, 0, CS_PARTY_GANG(0));
  cs_world_set_owner(w, 1, CS_PARTY_GANG(1));
  cs_unit_decl fa = {"fa", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 0};
  cs_unit_decl fb = {"fb", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 1};
  cs_world_add_unit(w, &fa, NULL);
  cs_world_add_unit(w, &fb, NULL);
  cs_world_set_horizon(w, T, T);
  cs_world_param_set(w, "lambda0", 0.1); /* mu per gang = 0.1 * 0.5 * wR(0.5) = 0.025 */
  cs_world_param_set(w, "eta", 0);
  cs_world_param_set(w, "beta", 1e-9);
  cs_world_param_set(w, "c_civ", 0);
  cs_world_param_set(w, "n_retaliation", n_ret);
  cs_world_param_set(w, "delta0", 0);
  cs_world_param_set(w, "recruit_rate", 0);
  quiet_model(w);
  CHECK(cs_world_finalize(w) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, seed, 0, &s) == CS_OK);
  CHECK(r.n_events[CS_EK_TAKEOVER] == 0);
  cs_world_free(w);
  return r.n_events[CS_EK_ENGAGEMENT];
}

static void test_hawkes(double n_ret) {
  const int R = 100;
  const double T = 3000, mu = 0.05, tau = 7;
  double sum = 0, sum2 = 0;
  for (int rep = 0; rep < R; rep++) {
    double c = hawkes_count(500 + rep, n_ret, T);
    sum += c;
    sum2 += c * c;
  }
  double mean = sum / R, sd = sqrt((sum2 - R * mean * mean) / (R - 1));
  double expect = mu * T / (1 - n_ret) - mu * n_ret * tau / ((1 - n_ret) * (1 - n_ret)) * (1 - exp(-(1 - n_ret) * T / tau));
  fprintf(stderr, "hawkes n=%.2f: mean %.1f expected %.1f (sd %.1f)\n", n_ret, mean, expect, sd);
  CHECK_NEAR(mean, expect, 4 * sd / sqrt(R));
  /* Asymptotic variance of a Hawkes count: mu T / (1 - n)^3; the sample sd
  ** must agree within a factor that 100 replicates make safe. */
  double sd_theory = sqrt(mu * T / pow(1 - n_ret, 3));
  CHECK(sd > 0.7 * sd_theory && sd < 1.3 * sd_theory);
}

/* ---- observation: reported share and lag of flight events ----
** Flights from a node of media reach 0.5 carry 5 people (household 5), no
** deaths: p = 1 - (1 - 0.5 * report_other)^(1 + 5/5) = 1 - 0.8^2 = 0.36;
** the lag is Gamma(2, 1 day): mean 2, variance 2. */
static struct { int n, obs; double lag, lag2; } g_obs;
static int obs_event(void *ud, const cs_event_rec *e) {
  if (e->kind != CS_EK_FLIGHT || e->displaced != 5) return CS_OK;
  g_obs.n++;
  if (e->observed) {
    g_obs.obs++;
    g_obs.lag += e->report_time - e->t;
    g_obs.lag2 += (e->report_time - e->t) * (e->report_time - e->t);
  }
  return CS_OK;
}

static void test_observation(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  cs_node_decl a = node_decl("a", 100000, 0.5, CS_PARTY_STATE), b = node_decl("b", 0, 0.5, CS_PARTY_STATE);
  a.media = 0.5;
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1);
  cs_world_set_horizon(w, 10, 10);
  quiet_model(w);
  cs_world_param_set(w, "h0", 0.02);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_sink s = {NULL, NULL, NULL, obs_event, NULL};
  CHECK(cs_world_run(w, 9, 0, &s) == CS_OK);
  cs_world_free(w);
  double p = 0.36, n = g_obs.n;
  CHECK(n > 3000);
  CHECK_NEAR(g_obs.obs / n, p, 4 * sqrt(p * (1 - p) / n));
  double m = g_obs.lag / g_obs.obs;
  CHECK_NEAR(m, 2.0, 4 * sqrt(2.0 / g_obs.obs));
}

/* ---- fast mode: binned win rates match p (Verification 6) ----
** Many engagements of a gang of varying size against a police post; each
** draws its outcome with cs_engagement_fast from p = Sa^m / (Sa^m + Sd^m).
** In each decile of p the win rate must match the bin's mean p within 4
** binomial standard errors. */
static void test_fast_mode_win_rates(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  cs_node_decl a = node_decl("a", 1000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1);
  cs_gang_decl g = {"g", NULL, 1000, 0, 0.05, 1, 0};
  cs_world_add_gang(w, &g, NULL);
  cs_unit_decl u = {"p", CS_UNIT_POLICE, 300, 0.05, CS_POSTURE_GARRISON, 1};
  cs_world_add_unit(w, &u, NULL);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_pcg32 r, pick;
  cs_stream_init(&r, 77, 0, CS_ENT_BENCH, 0, 0);
  cs_stream_init(&pick, 77, 0, CS_ENT_BENCH, 1, 0);
  double sum_p[10] = {0}, wins[10] = {0}, n[10] = {0};
  for (int i = 0; i < 40000; i++) {
    w->gangs[0].members = 100 + (int64_t)cs_pcg32_bounded(&pick, 8000);
    cs_engagement en;
    cs_engagement_forces(w, CS_PARTY_GANG(0), 1, &en);
    cs_engagement_fast(w, &r, &en, 1000);
    int bin = (int)(en.p * 10);
    if (bin > 9) bin = 9;
    sum_p[bin] += en.p;
    wins[bin] += en.outcome > 0;
    n[bin]++;
  }
  int bins_used = 0;
  for (int k = 0; k < 10; k++) {
    if (n[k] < 200) continue;
    bins_used++;
    double pbar = sum_p[k] / n[k];
    CHECK_NEAR(wins[k] / n[k], pbar, 4 * sqrt(pbar * (1 - pbar) / n[k]) + 1e-12);
  }
  CHECK(bins_used >= 5); /* the sizes span a wide range of p */
  cs_world_free(w);
}

static int gg_count, gs_count;
static int coalition_event(void *ud, const cs_event_rec *e) {
  if (e->kind != CS_EK_ENGAGEMENT) return CS_OK;
  if (CS_PARTY_IS_GANG(e->actor) && CS_PARTY_IS_GANG(e->target)) gg_count++;
  else if (CS_PARTY_IS_GANG(e->actor)) gs_count++;
  return CS_OK;
}

/* ---- a formed coalition moves violence from infighting to the state ----
** Two partner gangs hold adjacent fortresses and each borders a STATE
** fortress; nobody can win (p ~ 1e-15, eta = 0: every firing is an attack),
** so each pair attacks at lambda0 * a * V * w: w = wR = 0.5 between partners
** and wS = 1 against the state while the coalition is not formed (chi 0), and
** w = wR (1 - chi) = 0.05 and wS (1 + zeta chi) = 1.9 once it is formed at
** chi = 0.9 (held there: chi0 = chimax = chi). Counts are Poisson. */
static void coalition_counts(double chi, double *gang_gang, double *gang_state, int reps) {
  *gang_gang = *gang_state = 0;
  for (int rep = 0; rep < reps; rep++) {
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    const char *ids[4] = {"sa", "ga", "gb", "sb"}; /* sa - ga - gb - sb */
    for (int i = 0; i < 4; i++) {
      cs_node_decl d = node_decl(ids[i], 1000, 0.5, CS_PARTY_STATE);
      cs_world_add_node(w, &d, NULL);
    }
    cs_world_add_road(w, 0, 1, 1);
    cs_world_add_road(w, 1, 2, 1);
    cs_world_add_road(w, 2, 3, 1);
    cs_gang_decl g0 = {"g0", NULL, 1000, 0, 0.05, 1, 1}, g1 = {"g1", NULL, 1000, 0, 0.05, 1, 2};
    cs_world_add_gang(w, &g0, NULL);
    cs_world_add_gang(w, &g1, NULL);
    cs_world_set_owner(w, 1, CS_PARTY_GANG(0));
    cs_world_set_owner(w, 2, CS_PARTY_GANG(1));
    int both[2] = {0, 1};
    cs_world_add_coalition(w, "c", both, 2, chi, NULL);
    char id[8];
    for (int j = 0; j < 4; j++) {
      snprintf(id, sizeof id, "f%d", j);
      cs_unit_decl f = {id, CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, j};
      cs_world_add_unit(w, &f, NULL);
    }
    cs_world_set_horizon(w, 400, 400);
    quiet_model(w);
    cs_world_param_set(w, "lambda0", 0.1);
    cs_world_param_set(w, "eta", 0);
    cs_world_param_set(w, "beta", 1e-9);
    cs_world_param_set(w, "c_civ", 0);
    cs_world_param_set(w, "n_retaliation", 0);
    cs_world_param_set(w, "chi0", chi);
    cs_world_param_set(w, "chimax", chi);
    CHECK(cs_world_finalize(w) == CS_OK);
    gg_count = gs_count = 0;
    cs_sink s = {NULL, NULL, NULL, coalition_event, NULL};
    CHECK(cs_world_run(w, 900, (uint64_t)rep, &s) == CS_OK);
    *gang_gang += gg_count;
    *gang_state += gs_count;
    cs_world_free(w);
  }
}

static void test_coalition_shifts_violence(void) {
  const int R = 50;
  double T = 400 * R, base = 0.1 * 0.5; /* lambda0 * V, per pair and day */
  double gg0, gs0, gg1, gs1;
  coalition_counts(0.0, &gg0, &gs0, R);
  coalition_counts(0.9, &gg1, &gs1, R);
  /* two gang-gang pairs and two gang-state pairs */
  double e_gg0 = 2 * base * 0.5 * T, e_gs0 = 2 * base * 1.0 * T;
  double e_gg1 = 2 * base * 0.5 * 0.1 * T, e_gs1 = 2 * base * 1.9 * T;
  CHECK_NEAR(gg0, e_gg0, 4 * sqrt(e_gg0));
  CHECK_NEAR(gs0, e_gs0, 4 * sqrt(e_gs0));
  CHECK_NEAR(gg1, e_gg1, 4 * sqrt(e_gg1));
  CHECK_NEAR(gs1, e_gs1, 4 * sqrt(e_gs1));
  CHECK(gg1 < gg0 && gs1 > gs0); /* infighting falls, attacks on the state rise */
}

/* ---- cohesion relaxes to chi*(Theta) with e-folding time 1/b ---- */
typedef struct coh_obs {
  double chi_star, chi0;
  double max_err;
  double formed_at, split_at;
} coh_obs;

static int coh_sample(rec_sink *r, const cs_sample *s) {
  coh_obs *o = r->user;
  double chi = var_d(s, "coalition_cohesion", 0);
  double expect = o->chi_star + (o->chi0 - o->chi_star) * exp(-s->t / 30.0);
  double err = fabs(chi - expect);
  if (err > o->max_err) o->max_err = err;
  return CS_OK;
}

static coh_obs *g_coh;
static int coh_event(void *ud, const cs_event_rec *e) {
  if (e->kind == CS_EK_COALITION_FORMED) g_coh->formed_at = e->t;
  if (e->kind == CS_EK_COALITION_SPLIT) g_coh->split_at = e->t;
  return rs_event(ud, e);
}

/* Two allied gangs and (optionally) a police unit whose strength equals
** theirs, so Theta = 1/2 or 0 and nothing else moves: no attacks, no flight. */
static coh_obs run_cohesion(int with_police, double chi_start, double days) {
  coh_obs o = {0, chi_start, 0, -1, -1};
  cs_world *w = two_gangs(600, 400);
  if (!w) return o;
  int both[2] = {0, 1};
  cs_world_add_coalition(w, "va", both, 2, chi_start, NULL);
  if (with_police) { /* strength 1000 * 0.05 = the gangs' (600 + 400) * 0.05 */
    cs_unit_decl u = {"p", CS_UNIT_POLICE, 1000, 0.05, CS_POSTURE_GARRISON, 0};
    cs_world_add_unit(w, &u, NULL);
  }
  cs_world_set_horizon(w, days, 1);
  cs_world_param_set(w, "chi_rate", 1.0 / 30); /* the e-folding time of 30 days the checks use */
  cs_world_param_set(w, "lambda0", 0);
  cs_world_param_set(w, "delta0", 0);
  cs_world_param_set(w, "recruit_rate", 0);
  quiet_model(w);
  CHECK(cs_world_finalize(w) == CS_OK);
  o.chi_star = cs_coalition_target(w, with_police ? 0.5 : 0.0);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  s.event = coh_event;
  g_coh = &o;
  r.on_sample = coh_sample;
  r.user = &o;
  CHECK(cs_world_run(w, 1, 0, &s) == CS_OK);
  cs_world_free(w);
  return o;
}

static void test_cohesion(void) {
  /* Rising: Theta = 1/2, from chi = 0.2 toward chi* ~ 0.87; the solution is
  ** exact at every update, so the samples match to rounding. */
  coh_obs o = run_cohesion(1, 0.2, 120);
  CHECK(o.max_err < 1e-12);
  CHECK(o.chi_star > 0.8);
  /* It forms at the first daily update after chi crosses chi_form = 0.5. */
  double t_cross = -30.0 * log((0.5 - o.chi_star) / (0.2 - o.chi_star));
  CHECK(o.formed_at == ceil(t_cross));
  CHECK(o.split_at < 0);
  /* Falling: no threat, chi* ~ chi0 = 0.1 < chi_split = 0.15: below the split
  ** line from the first update after the crossing, split tau_split = 30 days later. */
  o = run_cohesion(0, 0.6, 150);
  CHECK(o.max_err < 1e-12);
  double t_below = -30.0 * log((0.15 - o.chi_star) / (0.6 - o.chi_star));
  CHECK(o.split_at == ceil(t_below) + 30);
  CHECK(o.formed_at < 0);
}

/* ---- breakpoints: officers break at beta_police, gangs at beta ----
** Fast mode gives the loser exactly its breakpoint share of its strength
** (stochastically rounded, so the floor or the ceiling) and the winner at most
** its own. A police operation breaks the officers at beta_police; a defence of
** officers and vigilantes breaks at the headcount-weighted mean. The default
** beta_police (0.005) is the Haiti calibration's, below beta's 0.15. */
static int is_rounding_of(int64_t k, double x) { return k == (int64_t)floor(x) || k == (int64_t)ceil(x); }

static void test_breakpoints(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  CHECK(cs_world_param(w, "beta_police") == 0.005); /* the Haiti calibration's value (issue 14) */
  cs_node_decl a = node_decl("a", 100000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_GANG(0));
  cs_gang_decl g = {"g", NULL, 3000, 0, 0.05, 1, 0}; /* based at a: b is declared after the gang */
  CHECK(cs_world_add_node(w, &a, NULL) == CS_OK);
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &b, NULL) == CS_OK);
  cs_world_add_road(w, 0, 1, 1);
  cs_unit_decl u1 = {"post", CS_UNIT_POLICE, 400, 0.05, CS_POSTURE_GARRISON, 0};
  cs_unit_decl u2 = {"raid", CS_UNIT_POLICE, 700, 0.05, CS_POSTURE_GARRISON, 1};
  cs_world_add_unit(w, &u1, NULL);
  cs_world_add_unit(w, &u2, NULL);
  CHECK(cs_world_param_set(w, "vigilante_share", 0.002) == CS_OK);
  CHECK(cs_world_param_set(w, "beta", 0.2) == CS_OK);
  CHECK(cs_world_param_set(w, "beta_police", 0.01) == CS_OK);
  if (cs_world_finalize(w) != CS_OK) {
    CHECK(0);
    cs_world_free(w);
    return;
  }
  cs_pcg32 r;
  cs_stream_init(&r, 5, 0, CS_ENT_BENCH, 0, 0);
  int ok_op = 1, ok_def = 1, seen[2][2] = {{0, 0}, {0, 0}};
  for (int i = 0; i < 4000; i++) {
    w->gangs[0].members = 200 + (int64_t)cs_pcg32_bounded(&r, 6000);
    cs_engagement en;
    /* police operation at b: officers attack the gang that holds it */
    cs_engagement_forces(w, CS_PARTY_STATE, 1, &en);
    ok_op &= en.bA == 0.01 && en.bD == 0.2;
    cs_engagement_fast(w, &r, &en, 1000);
    seen[0][en.outcome > 0]++;
    if (en.outcome > 0)
      ok_op &= is_rounding_of(en.def_deaths, 0.2 * en.D0) && en.att_deaths <= (int64_t)ceil(0.01 * en.A0);
    else
      ok_op &= is_rounding_of(en.att_deaths, 0.01 * en.A0) && en.def_deaths <= (int64_t)ceil(0.2 * en.D0);
    /* the gang attacks a, held by 400 officers and 200 vigilantes */
    cs_engagement_forces(w, CS_PARTY_GANG(0), 0, &en);
    double bD = (400 * 0.01 + 200 * 0.2) / 600.0;
    ok_def &= en.off_n == 400 && en.vig_n == 200 && fabs(en.bD - bD) < 1e-12 && en.bA == 0.2;
    cs_engagement_fast(w, &r, &en, 100000);
    seen[1][en.outcome > 0]++;
    if (en.outcome > 0)
      ok_def &= is_rounding_of(en.def_deaths, bD * 600) && en.att_deaths <= (int64_t)ceil(0.2 * en.A0);
    else
      ok_def &= is_rounding_of(en.att_deaths, 0.2 * en.A0) && en.def_deaths <= (int64_t)ceil(bD * 600);
  }
  CHECK(ok_op);
  CHECK(ok_def);
  CHECK(seen[0][0] > 100 && seen[0][1] > 100 && seen[1][0] > 100 && seen[1][1] > 100); /* both outcomes */
  cs_world_free(w);
}

/* The world of test_armour and test_frontage: node a (STATE, 100,000
** residents) and b (held by gang g: 3,000 members of q 0.05 based at a, 1 km
** away), and 700 officers (lethality 0.05) in garrison at b. */
static void raid_world(cs_world *w) {
  cs_node_decl a = node_decl("a", 100000, 0.5, CS_PARTY_STATE), b = node_decl("b", 1000, 0.5, CS_PARTY_GANG(0));
  cs_gang_decl g = {"g", NULL, 3000, 0, 0.05, 1, 0};
  CHECK(cs_world_add_node(w, &a, NULL) == CS_OK);
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &b, NULL) == CS_OK);
  cs_world_add_road(w, 0, 1, 1);
  cs_unit_decl u = {"raid", CS_UNIT_POLICE, 700, 0.05, CS_POSTURE_GARRISON, 1};
  cs_world_add_unit(w, &u, NULL);
}

/* ---- police armour divides the gang's fire in a police operation ----
** Node b is held by gang g (q = 0.05, 3,000 members based at a, 1 km away)
** and garrisoned by 700 officers (lethality 0.05). In a police operation at
** b the defence's strength is fort_b * (g's fighters at b) * q / kappa:
** 1. the forces with kappa = 10 are those with kappa = 1 but Sd / 10 (A0,
**    aA, D0 unchanged), and p = 1 / (1 + (Sd / Sa)^m) with that Sd;
** 2. a gang attack on a (not a police operation) is unchanged by kappa;
** 3. the square-law chain whose breakpoints are both one casualty stops at
**    the first casualty, which is the gang's with probability
**    aA A0 / (aA A0 + aD D0), aD D0 = fort_b * q * D0 / kappa by the
**    declarations: 20,000 chains per kappa, the share within 4 SE. */
static void test_armour(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  CHECK(cs_world_param(w, "police_armour") == 1); /* the default: version 1's fight */
  raid_world(w);
  CHECK(cs_world_param_set(w, "vigilante_share", 0.002) == CS_OK);
  CHECK(cs_world_param_set(w, "police_armour", 0.5) != CS_OK); /* below 1: refused */
  if (cs_world_finalize(w) != CS_OK) {
    CHECK(0);
    cs_world_free(w);
    return;
  }
  cs_engagement e1, e10, g1, g10;
  cs_engagement_forces(w, CS_PARTY_STATE, 1, &e1);
  cs_engagement_forces(w, CS_PARTY_GANG(0), 0, &g1);
  CHECK(cs_world_param_set(w, "police_armour", 10) == CS_OK);
  cs_engagement_forces(w, CS_PARTY_STATE, 1, &e10);
  cs_engagement_forces(w, CS_PARTY_GANG(0), 0, &g10);
  double fort = w->fort[1], m = cs_world_param(w, "m");
  CHECK(e1.D0 > 0 && e1.A0 == 700);
  CHECK(fabs(e1.Sd - fort * e1.D0 * 0.05) <= 1e-12 * e1.Sd); /* kappa 1: fort * fighters * q */
  CHECK(fabs(e10.Sd * 10 - e1.Sd) <= 1e-12 * e1.Sd);
  CHECK(e10.A0 == e1.A0 && e10.aA == e1.aA && e10.D0 == e1.D0 && e10.Sa == e1.Sa);
  CHECK(fabs(e10.p - 1 / (1 + pow(e10.Sd / e10.Sa, m))) < 1e-12 && e10.p > e1.p);
  CHECK(g10.Sa == g1.Sa && g10.Sd == g1.Sd && g10.p == g1.p); /* only police operations */
  cs_pcg32 r;
  cs_stream_init(&r, 11, 0, CS_ENT_BENCH, 0, 0);
  const double kappas[2] = {1, 10};
  for (int k = 0; k < 2; k++) {
    CHECK(cs_world_param_set(w, "police_armour", kappas[k]) == CS_OK);
    cs_engagement en;
    cs_engagement_forces(w, CS_PARTY_STATE, 1, &en);
    cs_lanchester_in in = {0};
    in.A0 = llround(en.A0);
    in.D0 = llround(en.D0);
    in.aA = en.aA;
    in.aD = en.aD;
    in.law = CS_LAW_SQUARE;
    in.beta_A = in.beta_D = 1e-9; /* a breakpoint of one casualty each */
    in.t_max = INFINITY;
    double sa = 0.05 * (double)in.A0, sd = fort * 0.05 * (double)in.D0 / kappas[k]; /* the declarations */
    double p = sa / (sa + sd);
    int n = 20000, wins = 0;
    for (int i = 0; i < n; i++) {
      cs_lanchester_out out;
      CHECK(cs_lanchester_run(&w->ctx, &r, &in, &out) == CS_OK);
      wins += out.outcome > 0;
    }
    double se = sqrt(p * (1 - p) / n);
    if (fabs((double)wins / n - p) > 4 * se)
      fprintf(stderr, "armour %g: police win %g of first casualties, expected %g (se %g)\n", kappas[k],
              (double)wins / n, p, se);
    CHECK(fabs((double)wins / n - p) <= 4 * se);
  }
  cs_world_free(w);
}

/* ---- frontage: the casualties are those of the fighters in contact ----
** The world of test_armour (700 officers against gang g's fighters at b, and
** g attacking a, defended by vigilantes). With frontage W below both forces:
** 1. the forces are those without it, and the front is (W, W): p, A0, D0
**    unchanged; W above both forces leaves the front at (A0, D0);
** 2. fast mode, 4,000 fights each way: the loser loses a stochastic rounding
**    of its breakpoint share of W (not of its force) and the winner at most
**    the ceiling of its own; the attacker's wins within 4 SE of p (the whole
**    forces decide who wins);
** 3. same seed, W at or above both forces: the same outcomes and losses as
**    W = 0, draw for draw. */
static void test_frontage(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  CHECK(cs_world_param(w, "frontage") == 0); /* the default: everyone fights */
  raid_world(w);
  CHECK(cs_world_param_set(w, "vigilante_share", 0.01) == CS_OK);
  CHECK(cs_world_param_set(w, "beta", 0.2) == CS_OK);
  CHECK(cs_world_param_set(w, "beta_police", 0.05) == CS_OK);
  CHECK(cs_world_param_set(w, "frontage", -1) != CS_OK);
  if (cs_world_finalize(w) != CS_OK) {
    CHECK(0);
    cs_world_free(w);
    return;
  }
  const double W = 40;
  const int attacker[2] = {CS_PARTY_STATE, CS_PARTY_GANG(0)}, node[2] = {1, 0};
  for (int k = 0; k < 2; k++) {
    cs_engagement e0, ew, ebig;
    CHECK(cs_world_param_set(w, "frontage", 0) == CS_OK);
    cs_engagement_forces(w, attacker[k], node[k], &e0);
    CHECK(e0.Ae == e0.A0 && e0.De == e0.D0);
    CHECK(e0.A0 > W && e0.D0 > W); /* both forces larger than the front */
    CHECK(cs_world_param_set(w, "frontage", W) == CS_OK);
    cs_engagement_forces(w, attacker[k], node[k], &ew);
    CHECK(ew.Ae == W && ew.De == W && ew.A0 == e0.A0 && ew.D0 == e0.D0 && ew.p == e0.p && ew.Sd == e0.Sd);
    double big = fmax(e0.A0, e0.D0);
    CHECK(cs_world_param_set(w, "frontage", big) == CS_OK);
    cs_engagement_forces(w, attacker[k], node[k], &ebig);
    CHECK(ebig.Ae == e0.A0 && ebig.De == e0.D0);
    /* 2: fast fights on the front */
    cs_pcg32 r;
    cs_stream_init(&r, 21 + (uint64_t)k, 0, CS_ENT_BENCH, 0, 0);
    int n = 4000, wins = 0, ok = 1;
    for (int i = 0; i < n; i++) {
      cs_engagement en = ew;
      cs_engagement_fast(w, &r, &en, 100000);
      wins += en.outcome > 0;
      if (en.outcome > 0)
        ok &= is_rounding_of(en.def_deaths, ew.bD * W) && en.att_deaths <= (int64_t)ceil(ew.bA * W);
      else
        ok &= is_rounding_of(en.att_deaths, ew.bA * W) && en.def_deaths <= (int64_t)ceil(ew.bD * W);
    }
    CHECK(ok);
    double se = sqrt(ew.p * (1 - ew.p) / n);
    CHECK(ew.p > 0.01 && ew.p < 0.99); /* both outcomes are seen */
    CHECK(fabs((double)wins / n - ew.p) <= 4 * se);
    /* 3: a front as wide as the forces is no front */
    cs_pcg32 r1, r2;
    cs_stream_init(&r1, 31, 0, CS_ENT_BENCH, 0, 0);
    r2 = r1;
    int same = 1;
    for (int i = 0; i < 500; i++) {
      cs_engagement x = e0, y = ebig;
      cs_engagement_fast(w, &r1, &x, 100000);
      cs_engagement_fast(w, &r2, &y, 100000);
      same &= x.outcome == y.outcome && x.att_deaths == y.att_deaths && x.def_deaths == y.def_deaths &&
              x.civ_deaths == y.civ_deaths;
    }
    CHECK(same);
  }
  cs_world_free(w);
}

/* ---- frontage in the chain modes: whole runs of the 5x5 city ----
** Every kind of engagement fought as a square-law chain, frontage 10: no
** engagement row may log more deaths than two breakpoints of the front
** (2 ceil(0.15 * 10) = 4 combatants, the loser's and at most the winner's) and
** their civilians (at most ceil(c_civ * 4) = 3). Without a front, the same
** runs log engagements above that bound (so the check can fail). */
typedef struct front_obs {
  int64_t max_deaths;
  int engagements;
} front_obs;
static int front_event(void *ud, cs_world *w, const cs_event_rec *e) {
  front_obs *o = ud;
  (void)w;
  if (e->kind == CS_EK_ENGAGEMENT) {
    o->engagements++;
    if (e->deaths > o->max_deaths) o->max_deaths = e->deaths;
  }
  return CS_OK;
}
static int front_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  return city_timer(NULL, w, id);
}
static front_obs front_runs(double frontage) {
  front_obs o = {0, 0};
  for (uint64_t seed = 1; seed <= 4; seed++) {
    cs_world *w = make_city();
    CHECK(w != NULL);
    if (!w) return o;
    CHECK(cs_world_param_set_str(w, "engagement_state", "square") == CS_OK);
    CHECK(cs_world_param_set_str(w, "engagement_rival", "square") == CS_OK);
    CHECK(cs_world_param_set_str(w, "engagement_police", "square") == CS_OK);
    CHECK(cs_world_param_set(w, "beta", 0.15) == CS_OK);
    CHECK(cs_world_param_set(w, "beta_police", 0.15) == CS_OK);
    CHECK(cs_world_param_set(w, "c_civ", 0.6) == CS_OK);
    CHECK(cs_world_param_set(w, "frontage", frontage) == CS_OK);
    CHECK(cs_world_finalize(w) == CS_OK);
    cs_hooks h = {&o, front_timer, front_event, NULL};
    cs_world_set_hooks(w, &h);
    cs_world_timer(w, 0, 1);
    rec_sink r;
    cs_sink sk = rec_sink_of(&r);
    CHECK(cs_world_run(w, seed, 0, &sk) == CS_OK);
    cs_world_free(w);
  }
  return o;
}
static void test_frontage_chain(void) {
  front_obs with = front_runs(10), without = front_runs(0);
  fprintf(stderr, "frontage 10: %d engagements, most deaths in one %lld; none: %d, %lld\n", with.engagements,
          (long long)with.max_deaths, without.engagements, (long long)without.max_deaths);
  CHECK(with.engagements > 20 && without.engagements > 20);
  CHECK(with.max_deaths <= 4 + 3);
  CHECK(without.max_deaths > 4 + 3);
}

/* ---- a police operation that wins keeps its ground ----
** post - b - c in a line; gang g is based at c and can reach only b. b is
** unpoliced, so g takes it; the unit at post responds and, being far
** stronger, retakes it. sim/README.md, takeover.c: the units that fall back are the ones at
** a node lost to a gang; the winners of a police operation stay in garrison,
** so no unit may leave b at the instant the state takes it, and the unit must
** end the run at b (g cannot win against it: p ~ 1e-9). */
typedef struct retake_obs {
  double t_retake, t_move; /* the last retake and the last unit move */
  int retakes, moves_at_retake;
  int64_t off_b, off_post;
} retake_obs;
static retake_obs *g_rt;
static int retake_event(void *ud, const cs_event_rec *e) {
  /* a move at the instant of a retake, logged before or after it */
  if (e->kind == CS_EK_TAKEOVER && e->actor == CS_PARTY_STATE && e->node == 1) {
    g_rt->retakes++;
    g_rt->t_retake = e->t;
    if (e->t == g_rt->t_move) g_rt->moves_at_retake++;
  }
  if (e->kind == CS_EK_MOVE) {
    g_rt->t_move = e->t;
    if (e->t == g_rt->t_retake) g_rt->moves_at_retake++;
  }
  return rs_event(ud, e);
}
static int retake_sample(rec_sink *r, const cs_sample *s) {
  g_rt->off_post = var_i(s, "officers", 0);
  g_rt->off_b = var_i(s, "officers", 1);
  return CS_OK;
}

static void test_police_retake_holds(void) {
  int runs_with_retake = 0, ok = 1;
  for (int rep = 0; rep < 20; rep++) {
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    line3(w, "post", "b", "c", 1, 1, CS_PARTY_STATE);
    cs_gang_decl g = {"g", NULL, 200, 0, 0.05, 1, 2};
    cs_world_add_gang(w, &g, NULL);
    cs_world_set_owner(w, 2, CS_PARTY_GANG(0));
    cs_unit_decl u = {"hnp", CS_UNIT_POLICE, 1000, 10.0, CS_POSTURE_GARRISON, 0};
    cs_world_add_unit(w, &u, NULL);
    cs_world_set_horizon(w, 60, 1);
    quiet_model(w);
    cs_world_param_set(w, "lambda0", 2);
    if (cs_world_finalize(w) != CS_OK) {
      CHECK(0);
      cs_world_free(w);
      return;
    }
    retake_obs o = {NAN, NAN, 0, 0, 0, 0};
    g_rt = &o;
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    s.event = retake_event;
    r.on_sample = retake_sample;
    CHECK(cs_world_run(w, 31, (uint64_t)rep, &s) == CS_OK);
    if (o.retakes > 0) {
      runs_with_retake++;
      ok &= o.moves_at_retake == 0 && o.off_b > 0 && o.off_post == 0;
    }
    cs_world_free(w);
  }
  CHECK(ok);
  CHECK(runs_with_retake >= 15); /* b is lost and retaken in (nearly) every run */
}

/* ---- a rate parameter changed mid-run takes effect at once ----
** Retaliation: the fortress pair of test_hawkes with tau_r = tau1 until T0,
** then tau2. The mean intensity m(t) of a Hawkes process with exponential
** kernel obeys m' = (mu - (1 - n) m) / tau, so from the empty start
**   m(T0) = mu/(1-n) - mu n/(1-n) exp(-(1-n) T0/tau1),
** and after the switch m relaxes to mu/(1-n) with time constant
** tau2/(1-n). The expected count is the integral of m. A kernel whose
** thinning bound was drawn under tau1 and read under tau2 loses events (and
** a debug build aborts at the first such firing). */
static double g_tau2;
static int tau_timer(void *ud, cs_world *w, int id) { return cs_world_param_set(w, "tau_r", g_tau2); }

static int hawkes_switch_count(uint64_t seed, double n_ret, double T, double T0, double tau1) {
  cs_world *w = two_gangs(100000, 100000);
  if (!w) return -1;
  cs_world_set_owner(w, 0, CS_PARTY_GANG(0));
  cs_world_set_owner(w, 1, CS_PARTY_GANG(1));
  cs_unit_decl fa = {"fa", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 0};
  cs_unit_decl fb = {"fb", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 1};
  cs_world_add_unit(w, &fa, NULL);
  cs_world_add_unit(w, &fb, NULL);
  cs_world_set_horizon(w, T, T);
  cs_world_param_set(w, "lambda0", 0.1); /* mu = 0.05 for the pair, as in test_hawkes */
  cs_world_param_set(w, "eta", 0);
  cs_world_param_set(w, "beta", 1e-9);
  cs_world_param_set(w, "c_civ", 0);
  cs_world_param_set(w, "n_retaliation", n_ret);
  cs_world_param_set(w, "tau_r", tau1);
  quiet_model(w);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, tau_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, T0, 1);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, seed, 0, &s) == CS_OK);
  cs_world_free(w);
  return r.n_events[CS_EK_ENGAGEMENT];
}

static void test_tau_r_change(void) {
  const int R = 100;
  const double T = 1200, T0 = 600, mu = 0.05, n = 0.6, tau1 = 2, L = T - T0;
  g_tau2 = 60;
  double sum = 0, sum2 = 0;
  for (int rep = 0; rep < R; rep++) {
    double c = hawkes_switch_count(700 + rep, n, T, T0, tau1);
    sum += c;
    sum2 += c * c;
  }
  double mean = sum / R, sd = sqrt((sum2 - R * mean * mean) / (R - 1));
  double m_inf = mu / (1 - n), m0 = m_inf - mu * n / (1 - n) * exp(-(1 - n) * T0 / tau1);
  double before = mu * T0 / (1 - n) - mu * n * tau1 / ((1 - n) * (1 - n)) * (1 - exp(-(1 - n) * T0 / tau1));
  double after = m_inf * L + (m0 - m_inf) * g_tau2 / (1 - n) * (1 - exp(-(1 - n) * L / g_tau2));
  fprintf(stderr, "tau_r %g -> %g at day %g: mean %.1f expected %.1f (sd %.1f)\n", tau1, g_tau2, T0, mean,
          before + after, sd);
  CHECK_NEAR(mean, before + after, 4 * sd / sqrt(R));
}

/* Patrols: one unit of 1,000 officers (posture patrol) next to a node held
** by a gang of 10^5 members, k_arrest so large that a patrol arrests with
** probability 1 - exp(-k officers / members) > 0.9999. patrol_rate is 1e-4
** until day T0, then 1: arrests in (T0, T] are Poisson with mean T - T0
** (plus at most ~1e-4 T0 from before). A change that waited for the pending
** tick (drawn at rate 1e-4, ~10^4 days away) would see almost none. */
static double g_patrol;
static int patrol_timer(void *ud, cs_world *w, int id) { return cs_world_param_set(w, "patrol_rate", g_patrol); }

static void test_patrol_rate_change(void) {
  const int R = 50;
  const double T = 60, T0 = 20;
  g_patrol = 1.0;
  double sum = 0;
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = two_gangs(100000, 1);
    if (!w) return;
    cs_world_set_owner(w, 1, CS_PARTY_GANG(0));
    cs_unit_decl u = {"p", CS_UNIT_POLICE, 1000, 0.0, CS_POSTURE_PATROL, 0};
    cs_world_add_unit(w, &u, NULL);
    cs_world_set_horizon(w, T, T);
    quiet_model(w);
    cs_world_param_set(w, "lambda0", 0);
    cs_world_param_set(w, "patrol_rate", 1e-4);
    cs_world_param_set(w, "k_arrest", 1e6);
    cs_world_param_set(w, "J_max", 1e6);
    CHECK(cs_world_finalize(w) == CS_OK);
    cs_hooks h = {NULL, patrol_timer, NULL, NULL};
    cs_world_set_hooks(w, &h);
    cs_world_timer(w, T0, 1);
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    CHECK(cs_world_run(w, 40 + (uint64_t)rep, 0, &s) == CS_OK);
    sum += r.n_events[CS_EK_ARREST];
    cs_world_free(w);
  }
  double expect = R * (T - T0); /* Poisson: variance = mean */
  fprintf(stderr, "patrol_rate 1e-4 -> 1 at day %g: %.0f arrests in %d runs, expected %.0f\n", T0, sum, R, expect);
  CHECK_NEAR(sum, expect, 4 * sqrt(expect) + 1);
}

/* ---- the world check (check.c) holds after a busy run, and fails on each
** kind of corruption it claims to detect ---- */
static void test_world_check(void) {
  cs_world *w = make_city();
  CHECK(w != NULL);
  if (!w) return;
  CHECK(cs_world_finalize(w) == CS_OK);
  char msg[256] = "";
  CHECK(cs__check_world(w, msg, sizeof msg) == 0); /* before the run: no unit lists yet */
  cs_hooks h = {NULL, city_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 0, 1);
  cs_world_timer(w, 10, 2);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  CHECK(cs_world_run(w, 5, 0, &s) == CS_OK);
  CHECK(r.n_events[CS_EK_TAKEOVER] > 0 && r.n_events[CS_EK_FLIGHT] > 0);
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  if (msg[0]) fprintf(stderr, "unexpected: %s\n", msg);
  /* each corruption is caught, with a message naming it */
  w->residents[3]++;
  CHECK(cs__check_world(w, msg, sizeof msg) != 0 && strstr(msg, "people"));
  w->residents[3]--;
  w->gangs[0].members++;
  CHECK(cs__check_world(w, msg, sizeof msg) != 0 && strstr(msg, "gang"));
  w->gangs[0].members--;
  w->own_cnt[7]++;
  CHECK(cs__check_world(w, msg, sizeof msg) != 0 && strstr(msg, "frontier"));
  w->own_cnt[7]--;
  int u = 0;
  while (u < w->n_units && w->units[u].loc < 0) u++;
  CHECK(u < w->n_units);
  if (u < w->n_units) {
    w->units[u].officers++;
    CHECK(cs__check_world(w, msg, sizeof msg) != 0 && strstr(msg, "officers"));
    w->units[u].officers--;
    int loc = w->units[u].loc;
    w->units[u].loc = w->n + 5;
    CHECK(cs__check_world(w, msg, sizeof msg) != 0 && strstr(msg, "nowhere"));
    w->units[u].loc = loc == 0 ? 1 : 0; /* stands elsewhere than its list says */
    CHECK(cs__check_world(w, msg, sizeof msg) != 0);
    w->units[u].loc = loc;
  }
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  cs_world_free(w);
}

int main(void) {
  test_hawkes(0.0);
  test_hawkes(0.5);
  test_cohesion();
  test_observation();
  test_fast_mode_win_rates();
  test_breakpoints();
  test_armour();
  test_frontage();
  test_frontage_chain();
  test_police_retake_holds();
  test_coalition_shifts_violence();
  test_poisson(0.1, 0.1, 1.0);
  test_poisson(0.1, 0.4, 1.0); /* exact rescheduling when the rate changes at T/2 */
  test_poisson(0.2, 0.2, 0.5); /* thinning: half the firings become attacks */
  test_flight_constant_hazard();
  test_moves_rate(0);
  test_moves_rate(1);
  test_destination_frequencies();
  test_city();
  test_world_check();
  test_tau_r_change();
  test_patrol_rate_change();
  return check_report();
}
