/* test_v2_cover.c: police cover of nearby STATE-held nodes (cover.c,
** parameter ell_police); sim/README.md, Verification, "Police cover".
**
** 1. Forces, against separate shortest paths: on random connected road
**    graphs (30 nodes, owners at random, police units of random sizes and
**    lethalities at random STATE nodes), after each of 200 random changes
**    of owner, the cover of every node equals the sum over the other
**    STATE-held nodes of their officers (and strength) times
**    exp(-d / ell_police), d from the test's own Floyd-Warshall table (to
**    1e-9 relative), 0 at a node the STATE does not hold; the defence of a
**    gang's attack (cs_engagement_forces) is the officers at the node plus
**    that cover, exactly.
** 2. Losses, a known answer: cs_cover_losses(j, off) for off = 1, 7, 60
**    and more than there are: the test computes the largest-remainder split
**    itself (weights off_n[j] at j, off_n[k] exp(-d / ell) at each covering
**    node; floors, then one more to the largest fractions) and every node
**    loses exactly its part, the total is min(off, floor(sum of weights)),
**    and officers_dead rises by it.
** 3. Off is version 1: with ell_police 0 the cover is 0 everywhere and
**    losses fall on the officers at the node only (at most what it has).
** 4. Whole runs: a 4x4 town with gangs, police units and ell_police 1 runs
**    under every model invariant (cs__check_world after every event, so
**    officers are conserved through the split), and a run with
**    ell_police 0 has the same event and sample hash as one that never sets
**    it, while one with cover differs. */
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
                       "move_site", "h0", "h1", "h_T", "n_retaliation", "c_civ", "lambda0", "desertion_rate"};
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) cs_world_param_set(w, off[i], 0);
}

enum { RN = 30, RU = 8 };
static const double ELLP = 1.3;
static uint64_t g_lcg;
static double unif(void) {
  g_lcg = g_lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(g_lcg >> 11) / 9007199254740992.0;
}

static double g_d[RN][RN]; /* the test's own all-pairs distances */
static int g_bad, g_checks, g_loss_checks, g_loss_bad, g_covered;

static void floyd(int n, const int *a, const int *b, const double *km, int nr) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) g_d[i][j] = i == j ? 0 : INFINITY;
  for (int r = 0; r < nr; r++) {
    g_d[a[r]][b[r]] = fmin(g_d[a[r]][b[r]], km[r]);
    g_d[b[r]][a[r]] = g_d[a[r]][b[r]];
  }
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        if (g_d[i][k] + g_d[k][j] < g_d[i][j]) g_d[i][j] = g_d[i][k] + g_d[k][j];
}

static void expect_cover(const cs_world *w, int j, double *n, double *s) {
  *n = *s = 0;
  if (w->owner[j] != CS_PARTY_STATE) return;
  for (int k = 0; k < w->n; k++) {
    if (k == j || w->owner[k] != CS_PARTY_STATE) continue;
    double f = exp(-g_d[k][j] / ELLP);
    *n += (double)cs_security_officers_at(w, k) * f;
    *s += cs_security_strength_at(w, k) * f;
  }
}

static int close_rel(double got, double want) { return fabs(got - want) <= 1e-9 * (1 + fabs(want)); }

static void compare_forces(cs_world *w) {
  for (int j = 0; j < w->n; j++) {
    double n, s, wn, ws;
    cs_cover_forces(w, j, &n, &s);
    expect_cover(w, j, &wn, &ws);
    g_checks++;
    g_covered += wn > 0;
    if (!close_rel(n, wn) || !close_rel(s, ws)) {
      g_bad++;
      fprintf(stderr, "node %d: cover %.17g (strength %.17g), separate paths give %.17g (%.17g)\n", j, n, s, wn, ws);
    }
    cs_engagement en;
    cs_engagement_forces(w, CS_PARTY_GANG(0), j, &en);
    if (en.off_n != (double)cs_security_officers_at(w, j) + n) g_bad++;
  }
}

/* The split the rule gives, computed here: weights, floors, then one more
** to the largest fractions (ties to the nearer node; j is at distance 0). */
static void expect_split(const cs_world *w, int j, int64_t off, int64_t *want, int64_t *total_out) {
  double c[RN], tot = 0;
  for (int k = 0; k < w->n; k++) {
    c[k] = 0;
    int64_t o = cs_security_officers_at(w, k);
    if (k == j) c[k] = (double)o;
    else if (w->owner[k] == CS_PARTY_STATE && o > 0) c[k] = (double)o * exp(-g_d[k][j] / ELLP);
    tot += c[k];
  }
  if ((double)off > tot) off = (int64_t)floor(tot);
  int64_t left = off;
  for (int k = 0; k < w->n; k++) left -= want[k] = tot > 0 ? (int64_t)floor((double)off * c[k] / tot) : 0;
  while (left > 0) {
    int best = -1;
    double rb = -1;
    for (int k = 0; k < w->n; k++) {
      if (c[k] <= 0) continue;
      double r = (double)off * c[k] / tot - (double)want[k];
      if (r > rb || (best >= 0 && r == rb && g_d[k][j] < g_d[best][j])) rb = r, best = k;
    }
    want[best]++;
    left--;
  }
  *total_out = off;
}

static void check_losses(cs_world *w, int j, int64_t off) {
  int64_t want[RN], before[RN], total;
  if (w->owner[j] != CS_PARTY_STATE) return;
  expect_split(w, j, off, want, &total);
  for (int k = 0; k < w->n; k++) before[k] = cs_security_officers_at(w, k);
  int64_t dead0 = w->officers_dead;
  int64_t got = cs_cover_losses(w, j, off);
  g_loss_checks++;
  int bad = got != total || w->officers_dead - dead0 != total;
  for (int k = 0; k < w->n; k++) bad |= before[k] - cs_security_officers_at(w, k) != want[k];
  if (bad) {
    g_loss_bad++;
    fprintf(stderr, "losses at %d: %lld of %lld asked, the rule gives %lld\n", j, (long long)got, (long long)off,
            (long long)total);
  }
}

static int rand_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  int rc = CS_OK;
  if (id % 10 == 9) { /* losses at a STATE node now and then */
    for (int tries = 0; tries < 50; tries++) {
      int j = (int)(unif() * RN);
      if (w->owner[j] != CS_PARTY_STATE) continue;
      static const int64_t OFF[4] = {1, 7, 60, 1000000};
      check_losses(w, j, OFF[(id / 10) % 4]);
      break;
    }
  } else {
    int j = (int)(unif() * RN), r = (int)(unif() * 4);
    int to = r < 2 ? CS_PARTY_STATE : r == 2 ? CS_PARTY_CONTESTED : CS_PARTY_GANG(0);
    rc = cs_takeover(w, j, to);
  }
  char msg[256];
  if (cs__check_world(w, msg, sizeof msg)) {
    g_bad++;
    fprintf(stderr, "random graph: %s\n", msg);
  }
  compare_forces(w);
  return rc;
}

static void test_random_graphs(void) {
  g_bad = g_checks = g_loss_checks = g_loss_bad = g_covered = 0;
  for (int rep = 0; rep < 4; rep++) {
    g_lcg = 4242 + 1013 * (uint64_t)rep;
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    int owner[RN];
    for (int j = 0; j < RN; j++) {
      char id[8];
      snprintf(id, sizeof id, "n%d", j);
      double r = unif();
      owner[j] = j == 0 ? CS_PARTY_GANG(0) : r < 0.65 ? CS_PARTY_STATE : r < 0.8 ? CS_PARTY_CONTESTED : CS_PARTY_GANG(0);
      cs_node_decl d = node_decl(id, 1000, 0.5, owner[j] == CS_PARTY_GANG(0) ? CS_PARTY_STATE : owner[j]);
      cs_world_add_node(w, &d, NULL);
    }
    int a[3 * RN], b[3 * RN], nr = 0;
    double km[3 * RN];
    for (int j = 1; j < RN; j++) { /* a random spanning tree, then spare roads */
      a[nr] = (int)(unif() * j), b[nr] = j, km[nr] = 0.2 + 3 * unif();
      CHECK(cs_world_add_road(w, a[nr], b[nr], km[nr]) == CS_OK);
      nr++;
    }
    while (nr < 2 * RN) {
      int x = (int)(unif() * RN), y = (int)(unif() * RN);
      if (x == y || cs_world_road_state(w, x, y) >= 0) continue;
      a[nr] = x, b[nr] = y, km[nr] = 0.2 + 3 * unif();
      CHECK(cs_world_add_road(w, x, y, km[nr]) == CS_OK);
      nr++;
    }
    floyd(RN, a, b, km, nr);
    cs_gang_decl gd = {"g", NULL, 300, 0, 0.05, 1, 0};
    CHECK(cs_world_add_gang(w, &gd, NULL) == CS_OK);
    for (int j = 0; j < RN; j++)
      if (owner[j] == CS_PARTY_GANG(0)) CHECK(cs_world_set_owner(w, j, CS_PARTY_GANG(0)) == CS_OK);
    for (int u = 0, placed = 0; placed < RU && u < 1000; u++) {
      int j = (int)(unif() * RN);
      if (owner[j] != CS_PARTY_STATE) continue;
      char id[16];
      snprintf(id, sizeof id, "u%d", placed);
      cs_unit_decl ud = {id, CS_UNIT_POLICE, 20 + (int64_t)(unif() * 300), 0.02 + 0.1 * unif(), CS_POSTURE_GUARD, j};
      CHECK(cs_world_add_unit(w, &ud, NULL) == CS_OK);
      placed++;
    }
    quiet_model(w);
    CHECK(cs_world_param_set(w, "ell_police", ELLP) == CS_OK);
    cs_world_set_horizon(w, 300, 300);
    CHECK(cs_world_finalize(w) == CS_OK);
    cs_hooks h = {NULL, rand_timer, NULL, NULL};
    cs_world_set_hooks(w, &h);
    for (int i = 0; i < 200; i++) cs_world_timer(w, 1 + i, i);
    CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
    cs_world_free(w);
  }
  fprintf(stderr,
          "random graphs: %d cover comparisons with separate paths (%d with cover), %d wrong; %d loss splits, %d "
          "wrong\n",
          g_checks, g_covered, g_bad, g_loss_checks, g_loss_bad);
  CHECK(g_checks == 4 * 200 * RN);
  CHECK(g_covered > g_checks / 4);
  CHECK(g_bad == 0);
  CHECK(g_loss_checks >= 4 * 18);
  CHECK(g_loss_bad == 0);
}

/* ---- 3. off is version 1 ---- */
static int g_off_bad;
static int off_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  (void)id;
  for (int j = 0; j < w->n; j++) {
    double n, s;
    cs_cover_forces(w, j, &n, &s);
    g_off_bad += n != 0 || s != 0;
  }
  /* node 1 holds 40 officers; node 2, 1 km away, holds 100: version 1 kills at 1 only */
  int64_t at2 = cs_security_officers_at(w, 2), dead = cs_cover_losses(w, 1, 55);
  g_off_bad += dead != 40 || cs_security_officers_at(w, 1) != 0 || cs_security_officers_at(w, 2) != at2;
  return CS_OK;
}

static void test_off(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  for (int j = 0; j < 3; j++) {
    char id[8];
    snprintf(id, sizeof id, "n%d", j);
    cs_node_decl d = node_decl(id, 1000, 0.5, CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
  }
  cs_world_add_road(w, 0, 1, 1.0);
  cs_world_add_road(w, 1, 2, 1.0);
  cs_unit_decl u1 = {"a", CS_UNIT_POLICE, 40, -1, CS_POSTURE_GUARD, 1};
  cs_unit_decl u2 = {"b", CS_UNIT_POLICE, 100, -1, CS_POSTURE_GUARD, 2};
  cs_world_add_unit(w, &u1, NULL);
  cs_world_add_unit(w, &u2, NULL);
  quiet_model(w);
  cs_world_set_horizon(w, 5, 5);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, off_timer, NULL, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 1, 0);
  g_off_bad = 0;
  CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
  CHECK(g_off_bad == 0);
  CHECK(cs_world_param_set(w, "ell_police", -1) != CS_OK);
  cs_world_free(w);
}

/* ---- 4. whole runs ---- */
static int g_town_bad, g_town_events;
static int town_event(void *ud, cs_world *w, const cs_event_rec *e) {
  (void)ud;
  char msg[256];
  g_town_events++;
  if (cs__check_world(w, msg, sizeof msg)) {
    g_town_bad++;
    fprintf(stderr, "town, day %g, event kind %d: %s\n", e->t, e->kind, msg);
  }
  return CS_OK;
}

/* ell < 0: never set */
static uint64_t run_town(uint64_t seed, double ell, int64_t *officers_dead) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return 0;
  town_4x4(w, 0.8, 1.1, -1);
  cs_unit_decl p = {"police", CS_UNIT_POLICE, 300, -1, CS_POSTURE_PATROL, 5};
  cs_unit_decl q = {"reserve", CS_UNIT_POLICE, 200, -1, CS_POSTURE_GARRISON, 10};
  cs_world_add_unit(w, &p, NULL);
  cs_world_add_unit(w, &q, NULL);
  cs_world_set_horizon(w, 150, 1);
  cs_world_param_set(w, "lambda0", 0.3);
  cs_world_param_set(w, "r0", 0.05);
  if (ell >= 0) cs_world_param_set(w, "ell_police", ell);
  if (cs_world_finalize(w) != CS_OK) {
    cs_world_free(w);
    return 0;
  }
  cs_hooks h = {NULL, NULL, town_event, NULL};
  cs_world_set_hooks(w, &h);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  if (cs_world_run(w, seed, 0, &s) != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    g_town_bad++;
  }
  *officers_dead = w->officers_dead;
  cs_world_free(w);
  return r.hash;
}

static void test_town(void) {
  g_town_bad = g_town_events = 0;
  int differ = 0;
  int64_t dead_v1 = 0, dead_cover = 0, d;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    uint64_t never = run_town(seed, -1, &d), zero = run_town(seed, 0, &dead_v1), cover = run_town(seed, 1, &dead_cover);
    CHECK(never != 0 && never == zero);
    differ += cover != zero;
    fprintf(stderr, "town seed %llu: officers killed %lld without cover, %lld with ell_police 1\n",
            (unsigned long long)seed, (long long)dead_v1, (long long)dead_cover);
  }
  fprintf(stderr, "town: %d events checked\n", g_town_events);
  CHECK(differ == 3);
  CHECK(g_town_events > 1000);
  CHECK(g_town_bad == 0);
}

int main(void) {
  test_off();
  test_random_graphs();
  test_town();
  return check_report();
}
