/* query.c: read-only queries of the city's structure and state, for
** scenario scripts and C callers alike (cs_world.h, "queries of the city").
**
** Nothing here writes the world's state or draws a random number, so a
** query never changes a run. Every list comes in a fixed order: neighbours
** in road declaration order (the order of the CSR adjacency), node lists in
** node index order (declaration order). The one write is graph.c's Dijkstra
** workspace, which it resets before returning.
**
** "Members present" is the model's own notion, the one arrests (arrest.c)
** and recruitment (recruit.c) read: a gang's members spread evenly over the
** nodes it holds, members / held at a node it holds, 0 elsewhere. (An
** engagement commits a different number, phi M exp(-d / ell) by distance
** from the base: engagement.c.) */
#include "model_int.h"

#include <math.h>

#define NEED_FINAL(w, what)                                                                   \
  do {                                                                                        \
    if (!(w)->finalized)                                                                      \
      return cs_err(&((cs_world *)(w))->ctx, CS_EINVAL, "%s: the world is not finalized yet", what); \
  } while (0)

int cs_world_neighbours(const cs_world *w, int j, int *nodes, double *km, int cap, int *n) {
  NEED_FINAL(w, "neighbours");
  if (j < 0 || j >= w->n) return cs_err(&((cs_world *)w)->ctx, CS_EINVAL, "neighbours: unknown node");
  int c = 0;
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++, c++)
    if (c < cap) {
      if (nodes) nodes[c] = w->adj_node[k];
      if (km) km[c] = w->adj_km[k];
    }
  *n = c;
  return CS_OK;
}

int cs_world_distance(cs_world *w, int a, int b, double *km) {
  NEED_FINAL(w, "distance");
  if (a < 0 || a >= w->n || b < 0 || b >= w->n) return cs_err(&w->ctx, CS_EINVAL, "distance: unknown node");
  if (a == b) {
    *km = 0;
    return CS_OK;
  }
  return cs__road_km(w, a, b, km);
}

double cs_world_node_intensity(const cs_world *w, int j) {
  if (j < 0 || j >= w->n) return NAN;
  return cs__intensity(w, j, w->running || w->ran ? cs__now(w) : 0.0);
}

double cs_world_members_present(const cs_world *w, int g, int j) {
  if (g < 0 || g >= w->n_gangs || j < 0 || j >= w->n) return NAN;
  if (w->owner[j] != CS_PARTY_GANG(g)) return 0.0;
  const cs_gang_s *gg = &w->gangs[g];
  return gg->held > 0 ? (double)gg->members / gg->held : (double)gg->members;
}

int cs_world_gang_held(const cs_world *w, int g, int *nodes, int cap) {
  if (g < 0 || g >= w->n_gangs) return -1;
  int c = 0;
  for (int j = 0; j < w->n; j++)
    if (w->owner[j] == CS_PARTY_GANG(g)) {
      if (nodes && c < cap) nodes[c] = j;
      c++;
    }
  return c;
}

int cs_world_gang_frontier(const cs_world *w, int g, int *nodes, int cap) {
  if (g < 0 || g >= w->n_gangs || !w->finalized) return -1;
  const int *cnt = &w->own_cnt[(size_t)g * w->n];
  int c = 0;
  for (int j = 0; j < w->n; j++)
    if (w->owner[j] != CS_PARTY_GANG(g) && cnt[j] > 0) {
      if (nodes && c < cap) nodes[c] = j;
      c++;
    }
  return c;
}

int cs_world_coalition_state(const cs_world *w, int c, double *threat, double *cohesion, int *formed) {
  if (c < 0 || c >= w->n_coal) return cs_err(&((cs_world *)w)->ctx, CS_EINVAL, "coalition: unknown coalition");
  const cs_coalition_s *k = &w->coal[c];
  int live = w->running || w->ran;
  if (threat) *threat = cs_coalition_threat(w, c);
  if (cohesion) *cohesion = live ? k->chi : k->chi_decl;
  if (formed) *formed = live ? k->active : k->chi_decl >= PV(w, P_CHI_FORM);
  return CS_OK;
}

void cs_world_gang_control(const cs_world *w, int64_t *under, int64_t *all) {
  int64_t u = 0, a = 0;
  for (int j = 0; j < w->n; j++) {
    a += w->residents[j];
    if (CS_PARTY_IS_GANG(w->owner[j])) u += w->residents[j];
  }
  if (under) *under = u;
  if (all) *all = a;
}
