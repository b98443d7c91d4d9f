/* test_v2_raid.c: police raids (raid_rate; sim/README.md, raid.c).
**
** The raids are counted by their calls: response_model "pool" with no
** officer in reserve and patience 0, so every call is dropped at once and
** logged (call_dropped, at the raided node). Nothing else calls the police:
** no gang attacks (lambda0 = 0) unless a test forces one.
**
** 1. Known rate. A chain S - A - B: S STATE-held, A and B held by gang g,
**    and a CONTESTED node C joined to S and B. A borders the STATE, B does
**    not (C is nobody's). Raids on A over [0, 1000) number
**    raid_rate * 1000 within 4 Poisson SE; after raid_rate is raised at day
**    1000 (a script's change), [1000, 1500) at the new rate; after the road
**    S-A closes at day 1500, none; none ever on B or S. With raid_rate 0
**    (the default) no call at all.
** 2. An owner change moves the frontier. A chain S0 - S1 - A: at day 500 gang
**    g takes S1 (an attack it cannot lose: no defender). Before, only A is
**    raided; after, only S1 (A's only neighbour is no longer the STATE's);
**    each count within 4 Poisson SE of its rate times its time.
** 3. A branch at day 700 re-keys the raid clocks: 40 branches of one run
**    (same seed and replicate) raid A over [700, 1000) at the rate (the sum
**    within 4 SE), and their first raids after day 700 differ (a branch that
**    kept the pending raid would give all 40 the same).
** Each z-check fails by chance with probability 6e-5. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"

#define RATE 0.05

typedef struct counts {
  int at[4][4]; /* calls dropped per period [0..3] and node [0..3] */
  double cut[3]; /* period boundaries */
  double first_after; /* the first call at or after cut[0] */
} counts;

static int on_event(void *ud, cs_world *w, const cs_event_rec *e) {
  counts *c = ud;
  (void)w;
  if (e->kind != CS_EK_CALL_DROPPED || e->node < 0 || e->node > 3) return CS_OK;
  int p = 0;
  while (p < 3 && e->t >= c->cut[p]) p++;
  if (p >= 1 && isnan(c->first_after)) c->first_after = e->t;
  c->at[p][e->node]++;
  return CS_OK;
}

static double g_rate2 = 4 * RATE; /* raid_rate from day 1000 in test 1 */
static int chain_timer(void *ud, cs_world *w, int id) {
  (void)ud;
  if (id == 1) return cs_world_param_set(w, "raid_rate", g_rate2);
  if (id == 2) return cs_world_road_close(w, 0, 1);
  if (id == 3) return cs_world_force_attack(w, 0, 1); /* test 2: g takes S1 */
  return CS_OK;
}

/* Three nodes in a chain 0 - 1 - 2, owners given, and a CONTESTED node 3
** joined to 0 and 2; gang g of 500 at its base. */
static cs_world *chain(int o0, int o1, int o2, int base, double rate) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  cs_node_decl n0 = node_decl("n0", 1000, 0.5, CS_PARTY_STATE), n1 = node_decl("n1", 1000, 0.5, CS_PARTY_STATE);
  cs_node_decl n2 = node_decl("n2", 1000, 0.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &n0, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &n1, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &n2, NULL) == CS_OK);
  CHECK(cs_world_add_road(w, 0, 1, 1.0) == CS_OK);
  CHECK(cs_world_add_road(w, 1, 2, 1.0) == CS_OK);
  /* C, CONTESTED, between n0 and n2: keeps the city connected when n0-n1
  ** closes, and is neither raided (no gang holds it) nor a STATE neighbour */
  cs_node_decl n3 = node_decl("C", 1000, 0.5, CS_PARTY_CONTESTED);
  CHECK(cs_world_add_node(w, &n3, NULL) == CS_OK);
  CHECK(cs_world_add_road(w, 0, 3, 1.0) == CS_OK);
  CHECK(cs_world_add_road(w, 3, 2, 1.0) == CS_OK);
  cs_gang_decl g = {"g", NULL, 500, 0, 0.05, 1.0, base};
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_OK);
  const int own[3] = {o0, o1, o2};
  for (int j = 0; j < 3; j++) CHECK(cs_world_set_owner(w, j, own[j]) == CS_OK);
  cs_world_set_horizon(w, 2000, 100);
  static const char *off[] = {"lambda0", "h0", "h1", "recruit_rate", "delta0", "r0", "patience_mean",
                              "vigilante_share"};
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) CHECK(cs_world_param_set(w, off[i], 0) == CS_OK);
  CHECK(cs_world_param_set_str(w, "response_model", "pool") == CS_OK);
  if (rate > 0) CHECK(cs_world_param_set(w, "raid_rate", rate) == CS_OK);
  return w;
}

static uint64_t g_branch_id; /* the branch id of run() */
static counts run(cs_world *w, uint64_t seed, uint64_t rep, const double cut[3], double branch) {
  counts c = {{{0}}, {cut[0], cut[1], cut[2]}, NAN};
  cs_hooks h = {&c, chain_timer, on_event, NULL};
  cs_world_set_hooks(w, &h);
  CHECK(cs_world_finalize(w) == CS_OK);
  if (branch > 0) CHECK(cs_world_set_branch(w, branch, g_branch_id) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  int rc = cs_world_run(w, seed, rep, &s);
  if (rc != CS_OK) fprintf(stderr, "run: %s\n", cs_errmsg(cs_world_ctx(w)));
  CHECK(rc == CS_OK);
  cs_world_free(w);
  return c;
}

static void check_poisson(int n, double mean) {
  if (!(fabs(n - mean) <= 4 * sqrt(mean))) fprintf(stderr, "count %d, expected %g\n", n, mean);
  CHECK(fabs(n - mean) <= 4 * sqrt(mean));
}

static void test_rate(void) {
  const double cut[3] = {1000, 1500, 1e9};
  cs_world *w = chain(CS_PARTY_STATE, CS_PARTY_GANG(0), CS_PARTY_GANG(0), 2, RATE);
  CHECK(cs_world_timer(w, 1000, 1) == CS_OK);
  CHECK(cs_world_timer(w, 1500, 2) == CS_OK);
  counts c = run(w, 11, 0, cut, 0);
  check_poisson(c.at[0][1], RATE * 1000);
  check_poisson(c.at[1][1], g_rate2 * 500);
  CHECK(c.at[2][1] == 0); /* the road closed: A borders no STATE node */
  for (int p = 0; p < 3; p++) CHECK(c.at[p][0] == 0 && c.at[p][2] == 0 && c.at[p][3] == 0);
  /* the default: none */
  w = chain(CS_PARTY_STATE, CS_PARTY_GANG(0), CS_PARTY_GANG(0), 2, 0);
  c = run(w, 11, 0, cut, 0);
  for (int p = 0; p < 3; p++)
    for (int j = 0; j < 4; j++) CHECK(c.at[p][j] == 0);
}

static void test_owner_change(void) {
  const double cut[3] = {500, 1e9, 1e9};
  cs_world *w = chain(CS_PARTY_STATE, CS_PARTY_STATE, CS_PARTY_GANG(0), 2, RATE);
  CHECK(cs_world_timer(w, 500, 3) == CS_OK);
  counts c = run(w, 12, 0, cut, 0);
  check_poisson(c.at[0][2], RATE * 500); /* A, while S1 was the STATE's */
  CHECK(c.at[0][1] == 0);
  CHECK(c.at[1][2] == 0);                 /* A, after: S1 is g's */
  check_poisson(c.at[1][1], RATE * 1500); /* S1, now gang-held next to S0 */
  CHECK(c.at[0][0] == 0 && c.at[1][0] == 0 && c.at[0][3] == 0 && c.at[1][3] == 0);
}

static void test_branch(void) {
  const double cut[3] = {700, 1000, 1e9};
  int total = 0, same = 0;
  const int B = 40;
  double first0 = NAN;
  for (int b = 0; b < B; b++) {
    cs_world *w = chain(CS_PARTY_STATE, CS_PARTY_GANG(0), CS_PARTY_GANG(0), 2, RATE);
    g_branch_id = (uint64_t)b;
    counts c = run(w, 13, 0, cut, 700); /* one past, B futures: branch id b */
    if (b == 0) first0 = c.first_after;
    else same += c.first_after == first0;
    total += c.at[1][1];
  }
  check_poisson(total, B * RATE * 300);
  CHECK(same < B - 1); /* the futures differ: the pending raid was drawn anew */
}

int main(void) {
  test_rate();
  test_owner_change();
  test_branch();
  return check_report();
}
