/* roads.c: the road graph as the model sees it, and road closures (Flee's
** link closures: Suleimenova et al. 2017). Split from world.c, which kept the
** adjacency when roads could not change: a closure touches everything derived
** from the graph, and that list belongs in one place.
**
** The graph is the CSR adjacency (adj_start, adj_node, adj_km) of the OPEN
** roads, neighbours in road declaration order. Declared roads never go away
** (road_a, road_b, road_km, the road index and the run file's network keep
** them all); road_closed[r] says whether road r is closed now (NULL while
** none has ever been closed). Invariants between events:
** - the adjacency lists exactly the open roads, in declaration order;
** - the open graph is connected (finalize refuses a disconnected
**   declaration, and a closure that would disconnect it is refused, changing
**   nothing);
** - everything derived from the graph is that of the open graph:
**   own_cnt (the frontier), each gang's road distances from its base
**   (gangs[].dist), the flight destination lists and their cached distance
**   terms (flight.c). Graph searches done when an event happens (unit
**   travel, fall-back, response dispatch, the nearest STATE node, patrols'
**   neighbours, queries) read the adjacency, so they see the graph of now.
**
** A closure or opening is a change of structure made by a script during the
** run. In this order: the road's flag; the adjacency, rebuilt (O(nodes +
** roads), no allocation); own_cnt at the road's two ends; every gang's
** distances (one Dijkstra per gang: O(gangs (roads + nodes) log nodes));
** the flight destination lists, rebuilt whole (flight.c: about one Dijkstra
** per site within site_radius_km plus the two-hop lists); the attack clocks
** at the two ends, through notify.c; then the row is logged. Full rebuilds
** cost more than patching, but a closure is a rare scripted event, and a
** rebuild gives exactly the lists a world declared without the road would
** have, which a patch would have to prove. Who is on the road (people
** fleeing or moving on, units travelling) keeps going: they left before the
** closure, and their arrival was scheduled then. Results depend only on the
** state, never on memory layout: the rebuild is deterministic. */
#include "model_int.h"

#include <stdlib.h>

int cs__roads_build(cs_world *w) {
  if (!w->adj_start) {
    w->adj_start = calloc((size_t)w->n + 1, sizeof *w->adj_start);
    w->adj_node = malloc((size_t)(2 * w->n_roads + 1) * sizeof *w->adj_node);
    w->adj_km = malloc((size_t)(2 * w->n_roads + 1) * sizeof *w->adj_km);
    if (!w->adj_start || !w->adj_node || !w->adj_km)
      return cs_err(&w->ctx, CS_ENOMEM, "out of memory building the road graph");
  }
  /* adj_start[j + 1] counts j's open roads, then becomes a prefix sum; the
  ** fill below advances adj_start[j] itself, which then holds j's end, and a
  ** shift by one restores the starts (no scratch array: the rebuild after a
  ** closure cannot fail) */
  for (int j = 0; j <= w->n; j++) w->adj_start[j] = 0;
  for (int r = 0; r < w->n_roads; r++)
    if (!cs__road_closed(w, r)) {
      w->adj_start[w->road_a[r] + 1]++;
      w->adj_start[w->road_b[r] + 1]++;
    }
  for (int j = 0; j < w->n; j++) w->adj_start[j + 1] += w->adj_start[j];
  for (int r = 0; r < w->n_roads; r++) /* neighbours in road declaration order */
    if (!cs__road_closed(w, r)) {
      int a = w->road_a[r], b = w->road_b[r];
      int ka = w->adj_start[a]++, kb = w->adj_start[b]++;
      w->adj_node[ka] = b;
      w->adj_km[ka] = w->road_km[r];
      w->adj_node[kb] = a;
      w->adj_km[kb] = w->road_km[r];
    }
  for (int j = w->n; j > 0; j--) w->adj_start[j] = w->adj_start[j - 1];
  w->adj_start[0] = 0;
  w->roads_gen++; /* searches cached on the old graph are stale (reach.c) */
  return CS_OK;
}

/* A node the open graph cannot reach from node 0 into *first (-1 if none),
** by depth-first search; CS_ENOMEM if the search cannot allocate. */
static int unreached(cs_world *w, int *first, int *missing) {
  *first = -1;
  *missing = 0;
  if (w->n <= 1) return CS_OK;
  int *seen = calloc((size_t)w->n, sizeof *seen), *stack = malloc((size_t)w->n * sizeof *stack);
  if (!seen || !stack) {
    free(seen);
    free(stack);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  }
  int top = 0, count = 1;
  seen[0] = 1;
  stack[top++] = 0;
  while (top > 0) {
    int j = stack[--top];
    for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
      if (!seen[w->adj_node[k]]) {
        seen[w->adj_node[k]] = 1;
        count++;
        stack[top++] = w->adj_node[k];
      }
  }
  if (count < w->n) {
    int j = 0;
    while (seen[j]) j++;
    *first = j;
    *missing = w->n - count;
  }
  free(seen);
  free(stack);
  return CS_OK;
}

int cs__roads_check_connected(cs_world *w) {
  int first, missing, rc = unreached(w, &first, &missing);
  if (rc != CS_OK || first < 0) return rc;
  return cs_err(&w->ctx, CS_EINVAL,
                "the road graph is not connected: %d of %d nodes cannot be reached from '%s' (for example '%s')",
                missing, w->n, w->node_id[0], w->node_id[first]);
}

int cs_world_road_state(const cs_world *w, int a, int b) {
  if (a < 0 || a >= w->n || b < 0 || b >= w->n) return -1;
  int r = cs__road_find(w, a, b);
  return r < 0 ? -1 : !cs__road_closed(w, r);
}

/* Everything derived from the graph, after road r (ends a, b) closed
** (delta -1) or opened (+1); the adjacency is already rebuilt. */
static int rederive(cs_world *w, int a, int b, int delta) {
  /* the frontier: g's count at b includes a iff g holds a and the road is open */
  if (CS_PARTY_IS_GANG(w->owner[a])) w->own_cnt[(size_t)CS_PARTY_GANG_INDEX(w->owner[a]) * w->n + b] += delta;
  if (CS_PARTY_IS_GANG(w->owner[b])) w->own_cnt[(size_t)CS_PARTY_GANG_INDEX(w->owner[b]) * w->n + a] += delta;
  int rc = cs_reach_recompute_all(w);
  if (rc == CS_OK) rc = cs_flight_rebuild(w);
  if (rc == CS_OK) rc = cs_notify_road(w, a, b);
  return rc;
}

/* Close (closed = 1) or open (0) the road between a and b; fn names the
** call in messages. */
static int road_set(cs_world *w, int a, int b, int closed, const char *fn) {
  if (!w->running) return cs_err(&w->ctx, CS_EINVAL, "%s acts during the run: call it from at/every/on/when", fn);
  if (a < 0 || a >= w->n || b < 0 || b >= w->n) return cs_err(&w->ctx, CS_EINVAL, "%s: unknown node", fn);
  int r = cs__road_find(w, a, b);
  if (r < 0) return cs_err(&w->ctx, CS_EINVAL, "%s: there is no road '%s'-'%s'", fn, w->node_id[a], w->node_id[b]);
  if (cs__road_closed(w, r) == closed)
    return cs_err(&w->ctx, CS_EINVAL, "%s: road '%s'-'%s' is already %s", fn, w->node_id[a], w->node_id[b],
                  closed ? "closed" : "open");
  if (!w->road_closed && !(w->road_closed = calloc((size_t)w->n_roads, 1)))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory closing a road");
  a = w->road_a[r]; /* the ends in declaration order, whichever way they were given */
  b = w->road_b[r];
  w->road_closed[r] = (unsigned char)closed;
  int rc = cs__roads_build(w), first = -1, missing = 0;
  if (rc == CS_OK && closed) rc = unreached(w, &first, &missing);
  if (rc != CS_OK || first >= 0) { /* refused: the graph as it was, nothing else touched */
    w->road_closed[r] = 0;
    cs__roads_build(w);
    if (rc != CS_OK) return rc;
    return cs_err(&w->ctx, CS_EINVAL,
                  "%s: closing road '%s'-'%s' would disconnect the city (%d node%s, for example '%s', could no "
                  "longer be reached from '%s'); the model needs a connected road graph: close another road, or "
                  "open one first",
                  fn, w->node_id[a], w->node_id[b], missing, missing == 1 ? "" : "s", w->node_id[first],
                  w->node_id[0]);
  }
  if ((rc = rederive(w, a, b, closed ? -1 : +1)) != CS_OK) return rc;
  return cs__log(w, cs__now(w), closed ? CS_EK_ROAD_CLOSED : CS_EK_ROAD_OPENED, a, CS_PARTY_NONE, b, 0, 0);
}

int cs_world_road_close(cs_world *w, int a, int b) { return road_set(w, a, b, 1, "close_road"); }
int cs_world_road_open(cs_world *w, int a, int b) { return road_set(w, a, b, 0, "open_road"); }
