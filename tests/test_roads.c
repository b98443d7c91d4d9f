/* test_roads.c: road closures (roads.c). A closed road is absent for
** everything derived from the graph: the frontier counts, gang distances and
** flight destination lists equal, exactly, those of a world declared without
** the road; shortest distances change as computed by hand and come back when
** the road reopens; a closure that would disconnect the city is refused and
** changes nothing; the world's invariants hold and the attack clocks run at
** their bounds after each change; bad calls are refused with clear messages;
** a run that closes and opens roads over and over is deterministic (and, in
** the CS_DEBUG build, fires no thinning-bound or invariant check).
**
** The world (roads in this declaration order; test_query.c's):
**
**   a --1.0-- b --2.0-- c --0.5-- d --1.5-- e      and  a --4.0-- d
**   STATE     g0        g0        STATE     g1
**   site 50 at a and d; site_radius_km 10
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* own_cnt, gang distances, destination lists, attack clocks */

enum { A, B, C, D, E };

/* The five-node world without road `skip` (index into the list; -1: all). */
static cs_world *five(int skip, int quiet) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  const char *ids[5] = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 5; i++) {
    cs_node_decl d = node_decl(ids[i], 100 * (i + 1), 0.5, CS_PARTY_STATE);
    if (i == A || i == D) d.site_capacity = 50;
    cs_world_add_node(w, &d, NULL);
  }
  static const int ra[5] = {A, B, C, A, D}, rb[5] = {B, C, D, D, E};
  static const double km[5] = {1.0, 2.0, 0.5, 4.0, 1.5};
  for (int r = 0; r < 5; r++)
    if (r != skip) cs_world_add_road(w, ra[r], rb[r], km[r]);
  cs_gang_decl g0 = {"g0", NULL, 100, 0, -1, -1, B}, g1 = {"g1", NULL, 30, 0, -1, -1, E};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  cs_world_set_owner(w, B, CS_PARTY_GANG(0));
  cs_world_set_owner(w, C, CS_PARTY_GANG(0));
  cs_world_set_owner(w, E, CS_PARTY_GANG(1));
  cs_unit_decl u = {"p", CS_UNIT_POLICE, 100, 0.02, CS_POSTURE_PATROL, A};
  cs_world_add_unit(w, &u, NULL);
  cs_world_param_set(w, "site_radius_km", 10);
  if (quiet) {
    const char *off[] = {"lambda0", "delta0", "recruit_rate", "patrol_rate", "r0", "move_default",
                         "move_conflict", "move_site", "h0", "h1", "h_T"};
    for (size_t i = 0; i < sizeof off / sizeof *off; i++) cs_world_param_set(w, off[i], 0);
  } else {
    cs_world_param_set(w, "lambda0", 0.5);
    cs_world_param_set(w, "h0", 0.01);
  }
  cs_world_set_horizon(w, 10, 1);
  return w;
}

static int clocks_at_bounds(const cs_world *w) {
  for (int g = 0; g < w->n_gangs; g++)
    for (int j = 0; j < w->n; j++)
      if (w->atk[(size_t)g * w->n + j].rate != cs_attack_bound(w, g, j)) return 0;
  return 1;
}

/* Everything derived from the graph in w equals that of `ref`, exactly. */
static int same_graph(const cs_world *w, const cs_world *ref) {
  int ok = w->n == ref->n && w->n_gangs == ref->n_gangs;
  for (int j = 0; ok && j <= w->n; j++) ok = w->adj_start[j] == ref->adj_start[j];
  for (int k = 0; ok && k < w->adj_start[w->n]; k++)
    ok = w->adj_node[k] == ref->adj_node[k] && w->adj_km[k] == ref->adj_km[k];
  for (int i = 0; ok && i < w->n_gangs * w->n; i++) ok = w->own_cnt[i] == ref->own_cnt[i];
  for (int g = 0; ok && g < w->n_gangs; g++)
    for (int j = 0; ok && j < w->n; j++) ok = w->gangs[g].dist[j] == ref->gangs[g].dist[j];
  for (int j = 0; ok && j <= w->n; j++) ok = w->cand_start[j] == ref->cand_start[j];
  for (int c = 0; ok && c < w->cand_start[w->n]; c++)
    ok = w->cand_node[c] == ref->cand_node[c] && w->cand_km[c] == ref->cand_km[c];
  return ok;
}

static int frontier(const cs_world *w, int g, int *nodes) { return cs_world_gang_frontier(w, g, nodes, 8); }

static int n_closed, n_opened, last_node, last_target;
static int count_event(void *ud, cs_world *w, const cs_event_rec *e) {
  if (e->kind == CS_EK_ROAD_CLOSED || e->kind == CS_EK_ROAD_OPENED) {
    *(e->kind == CS_EK_ROAD_CLOSED ? &n_closed : &n_opened) += 1;
    last_node = e->node;
    last_target = e->target;
  }
  return CS_OK;
}

/* ---- closing c-d, by hand ---- */
static int g_done;
static int close_timer(void *ud, cs_world *w, int id) {
  char msg[256] = "";
  int nodes[8];
  double km = -1;
  cs_world *ref = five(2, 1), *full = five(-1, 1); /* without c-d; with every road */
  CHECK(ref && cs_world_finalize(ref) == CS_OK && full && cs_world_finalize(full) == CS_OK);
  CHECK(same_graph(w, full));
  CHECK(frontier(w, 0, nodes) == 2 && nodes[0] == A && nodes[1] == D);
  CHECK(cs_world_distance(w, A, E, &km) == CS_OK && km == 5.0); /* a-b-c-d-e */
  CHECK(cs_world_distance(w, B, D, &km) == CS_OK && km == 2.5); /* b-c-d */
  /* close c-d, given as d-c: the row names the ends in declaration order */
  CHECK(cs_world_road_close(w, D, C) == CS_OK);
  CHECK(n_closed == 1 && last_node == C && last_target == D);
  CHECK(cs_world_road_state(w, C, D) == 0 && cs_world_road_state(w, D, C) == 0 && cs_world_road_state(w, A, B) == 1);
  CHECK(same_graph(w, ref));
  CHECK(frontier(w, 0, nodes) == 1 && nodes[0] == A); /* g0 no longer borders d */
  CHECK(cs_attack_bound(w, 0, D) == 0 && clocks_at_bounds(w));
  CHECK(cs_world_distance(w, A, E, &km) == CS_OK && km == 5.5); /* a-d-e */
  CHECK(cs_world_distance(w, B, D, &km) == CS_OK && km == 5.0); /* b-a-d */
  CHECK(w->gangs[0].dist[D] == 5.0 && w->gangs[1].dist[C] == 8.5); /* e-d-a-b-c */
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  /* refused, changing nothing: a closure that cuts the city (d-e is a bridge;
  ** with c-d closed, a-d is one too), and bad calls */
  int ev = n_closed + n_opened;
  CHECK(cs_world_road_close(w, D, E) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "would disconnect") &&
        strstr(cs_errmsg(cs_world_ctx(w)), "'e'"));
  CHECK(cs_world_road_close(w, A, D) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "road 'a'-'d'"));
  CHECK(cs_world_road_close(w, C, D) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "already closed"));
  CHECK(cs_world_road_open(w, A, B) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "already open"));
  CHECK(cs_world_road_close(w, A, C) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "no road 'a'-'c'"));
  CHECK(cs_world_road_close(w, A, 9) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "unknown node"));
  CHECK(cs_world_road_state(w, A, C) == -1 && cs_world_road_state(w, A, 9) == -1);
  CHECK(n_closed + n_opened == ev && same_graph(w, ref) && clocks_at_bounds(w));
  CHECK(cs_world_road_state(w, D, E) == 1 && cs_world_road_state(w, A, D) == 1);
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  /* reopen: everything as declared again */
  CHECK(cs_world_road_open(w, C, D) == CS_OK && n_opened == 1 && last_node == C && last_target == D);
  CHECK(same_graph(w, full) && clocks_at_bounds(w));
  CHECK(cs_world_distance(w, A, E, &km) == CS_OK && km == 5.0);
  CHECK(frontier(w, 0, nodes) == 2 && nodes[1] == D && cs_attack_bound(w, 0, D) > 0);
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  /* a-d closed instead: g0 still borders d through c; a to e goes round */
  cs_world *ref2 = five(3, 1);
  CHECK(ref2 && cs_world_finalize(ref2) == CS_OK);
  CHECK(cs_world_road_close(w, A, D) == CS_OK && same_graph(w, ref2) && clocks_at_bounds(w));
  CHECK(cs_world_distance(w, A, D, &km) == CS_OK && km == 3.5);
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  cs_world_free(ref2);
  cs_world_free(ref);
  cs_world_free(full);
  g_done = 1;
  return CS_OK;
}

static void test_close(void) {
  cs_world *w = five(-1, 1);
  CHECK(w != NULL);
  if (!w) return;
  cs_world_param_set(w, "lambda0", 0.5); /* live attack clocks whose bounds move */
  CHECK(cs_world_finalize(w) == CS_OK);
  /* not before the run */
  CHECK(cs_world_road_close(w, C, D) == CS_EINVAL && strstr(cs_errmsg(cs_world_ctx(w)), "during the run"));
  cs_hooks h = {NULL, close_timer, count_event, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 2.5, 1);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  n_closed = n_opened = 0;
  g_done = 0;
  CHECK(cs_world_run(w, 1, 0, &s) == CS_OK && g_done == 1);
  CHECK(r.n_events[CS_EK_ROAD_CLOSED] == 2 && r.n_events[CS_EK_ROAD_OPENED] == 1);
  CHECK(strcmp(cs_event_kind_name(CS_EK_ROAD_CLOSED), "road_closed") == 0 &&
        cs_event_kind_find("road_opened") == CS_EK_ROAD_OPENED);
  /* not after it */
  CHECK(cs_world_road_open(w, A, D) == CS_EINVAL);
  CHECK(cs_world_road_state(w, A, D) == 0);
  cs_world_free(w);
}

/* ---- a busy run closing and opening roads over and over ---- */
static int churn_timer(void *ud, cs_world *w, int id) {
  /* roads a-b, b-c, c-d, a-d in turn; d-e is a bridge and always refused */
  static const int ra[4] = {A, B, C, A}, rb[4] = {B, C, D, D};
  int r = id % 4, rc;
  if (cs_world_road_state(w, ra[r], rb[r]) == 1) {
    rc = cs_world_road_close(w, ra[r], rb[r]);
    /* refused only if another closed road of the cycle makes it a bridge */
    CHECK(rc == CS_OK || strstr(cs_errmsg(cs_world_ctx(w)), "would disconnect"));
  } else CHECK(cs_world_road_open(w, ra[r], rb[r]) == CS_OK);
  CHECK(cs_world_road_close(w, D, E) == CS_EINVAL);
  char msg[256] = "";
  CHECK(cs__check_world(w, msg, sizeof msg) == 0 && clocks_at_bounds(w));
  if (*msg) fprintf(stderr, "  %s\n", msg);
  return cs_world_timer(w, cs_world_now(w) + 0.37, id + 1);
}

static uint64_t churn(uint64_t seed, int *n_events) {
  cs_world *w = five(-1, 0);
  cs_world_set_horizon(w, 60, 1);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_hooks h = {NULL, churn_timer, count_event, NULL};
  cs_world_set_hooks(w, &h);
  cs_world_timer(w, 0.5, 0);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  n_closed = n_opened = 0;
  int rc = cs_world_run(w, seed, 0, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) fprintf(stderr, "  %s\n", cs_errmsg(cs_world_ctx(w)));
  char msg[256] = "";
  CHECK(cs__check_world(w, msg, sizeof msg) == 0);
  *n_events = 0;
  for (int k = 0; k < CS_EK_COUNT; k++) *n_events += r.n_events[k];
  CHECK(r.n_events[CS_EK_ROAD_CLOSED] > 20 && r.n_events[CS_EK_ROAD_OPENED] > 20);
  CHECK(r.n_events[CS_EK_ENGAGEMENT] > 0 && r.n_events[CS_EK_FLIGHT] > 0);
  cs_world_free(w);
  return r.hash;
}

static void test_churn(void) {
  int n1, n2;
  uint64_t h1 = churn(7, &n1), h2 = churn(7, &n2);
  CHECK(h1 == h2 && n1 == n2); /* deterministic */
}

int main(void) {
  test_close();
  test_churn();
  return check_report();
}
