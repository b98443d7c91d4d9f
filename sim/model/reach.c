/* reach.c: how far a gang's fighters are from a node (parameter reach;
** sim/README.md, "reach.c and joint.c").
**
** A gang commits phi * R_g(j) fighters to a fight at node j (engagement.c;
** cs_reach_fighters), R_g(j) its members weighted by their distance to j:
** - reach "base" and "territory": R_g(j) = M_g exp(-d_g(j) / ell), all
**   members at one distance d_g(j), kept in gangs[g].dist (below).
** - reach "spread": the members live spread evenly over the nodes g holds
**   (M_g / held at each, the "members present" of query.c), each node adding
**   its own by its distance: R_g(j) = (M_g / held) sum_k exp(-d(k, j) /
**   ell) over the nodes k g holds; a gang that holds none is all at its
**   base. Computed at the moment of the fight from a search from j bounded
**   at 30 ell. The search depends on the roads and ell alone, not on who
**   holds what, so its result (the nodes visited, in visit order, each with
**   exp(-d / ell)) is kept per j from j's first fight (w->reach_hits) and
**   the sum is taken over it in the same order: the same value, bit for bit,
**   without the search (a sixth of a calibrated capital v2 run's model
**   instructions went to it). The lists are dropped when the roads are
**   rebuilt (roads_gen) or ell changes; past REACH_CACHE_MAX entries, or
**   without memory, a fight searches as before. gangs[g].dist then holds the
**   distances from the base.
** d_g(j):
** - reach "base" (version 1): the road distance from g's base node. It
**   changes only when a road closes or opens.
** - reach "territory": the road distance from the nearest node g holds, its
**   base included (a gang that has lost every node still fights from its
**   base). Gangs live in the neighbourhoods they hold and fight from them;
**   a gang's reach grows with its territory, as armed groups' does with
**   the territory they control (Kalyvas 2006). It changes when g
**   takes a node (a search from that node that visits only the nodes it
**   brings closer), when g loses one (a search from all the nodes g still
**   holds), and when a road closes or opens.
** Invariant (cs_reach_check): dist equals a fresh Dijkstra from the sources
** of the mode. Only engagement forces read dist, and they are computed at
** the moment of a fight: no rate caches it, so a change redraws nothing. */
#include "model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_reach_territory(const cs_world *w) {
  const char *s = w->params[P_REACH].str;
  return s && strcmp(s, "territory") == 0;
}

static int reach_spread(const cs_world *w) {
  const char *s = w->params[P_REACH].str;
  return s && strcmp(s, "spread") == 0;
}

typedef struct spread_ud {
  const cs_world *w;
  int party;
  double inv_ell, sum;
} spread_ud;

static int add_held(void *ud, int k, double km) {
  spread_ud *u = ud;
  if (u->w->owner[k] == u->party) u->sum += exp(-km * u->inv_ell);
  return 0;
}

/* One node of a search from j (w->reach_hits[j]). */
struct cs_reach_hit {
  int k;    /* the node visited */
  double e; /* exp(-km / ell), km its distance from j */
};

#define REACH_CACHE_MAX ((size_t)1 << 20) /* entries kept (16 MB); beyond, fights search */

void cs_reach_free(cs_world *w) {
  for (int j = 0; w->reach_hits && j < w->n; j++) free(w->reach_hits[j]);
  free(w->reach_hits);
  free(w->reach_n);
  w->reach_hits = NULL;
  w->reach_n = NULL;
  w->reach_total = 0;
}

typedef struct record_ud {
  struct cs_reach_hit *h;
  int n, cap;
  double inv_ell;
} record_ud;

static int record_hit(void *ud, int k, double km) {
  record_ud *r = ud;
  if (r->n < r->cap) r->h[r->n] = (struct cs_reach_hit){k, exp(-km * r->inv_ell)}; /* as add_held computes it */
  r->n++;
  return 0;
}

/* The search from j as a list (the caller reads *n entries), built if need
** be; NULL when it cannot be kept (no memory, the cache full): search. The
** lists are a cache, so a const world's may change. */
static const struct cs_reach_hit *hits_from(const cs_world *cw, int j, double ell, int *n) {
  cs_world *w = (cs_world *)cw;
  if (w->reach_hits && (w->reach_gen != w->roads_gen || w->reach_ell != ell)) cs_reach_free(w);
  if (!w->reach_hits) {
    w->reach_hits = calloc((size_t)w->n, sizeof *w->reach_hits);
    w->reach_n = calloc((size_t)w->n, sizeof *w->reach_n);
    if (!w->reach_hits || !w->reach_n) {
      cs_reach_free(w);
      return NULL;
    }
    w->reach_gen = w->roads_gen;
    w->reach_ell = ell;
  }
  if (!w->reach_hits[j]) {
    if (w->reach_total + (size_t)w->n > REACH_CACHE_MAX) return NULL;
    record_ud r = {malloc((size_t)w->n * sizeof *r.h), 0, w->n, 1.0 / ell};
    if (!r.h) return NULL;
    if (cs__graph_visit(w, j, 30 * ell, record_hit, &r) != CS_OK || r.n > r.cap) { /* no node is visited twice */
      free(r.h);
      return NULL;
    }
    w->reach_hits[j] = r.h;
    w->reach_n[j] = r.n;
    w->reach_total += (size_t)w->n;
  }
  *n = w->reach_n[j];
  return w->reach_hits[j];
}

double cs_reach_fighters(const cs_world *w, int g, int j) {
  const cs_gang_s *gg = &w->gangs[g];
  double phi = PV(w, P_PHI), M = (double)gg->members, ell = PV(w, P_ELL);
  if (M <= 0) return 0;
  if (!reach_spread(w) || gg->held == 0) return phi * M * exp(-gg->dist[j] / ell); /* version 1's order of operations */
  /* members / held at each node g holds, each by its own distance to j;
  ** nodes beyond 30 ell add less than e^-30 of their members and are not
  ** visited. The visit writes only graph.c's workspace, which it resets
  ** (as query.c's searches do), so the world's state is untouched; the
  ** workspace exists from the run's start (cs_reach_recompute_all), so the
  ** visit cannot fail for want of memory and the fallback below is never
  ** taken in a run. No graph visit's callback reaches this function. */
  int n;
  const struct cs_reach_hit *h = hits_from(w, j, ell, &n);
  if (h) { /* add_held's sum, in the search's order */
    int party = CS_PARTY_GANG(g);
    double sum = 0.0;
    for (int i = 0; i < n; i++)
      if (w->owner[h[i].k] == party) sum += h[i].e;
    return phi * (M / gg->held) * sum;
  }
  spread_ud u = {w, CS_PARTY_GANG(g), 1.0 / ell, 0.0};
  if (cs__graph_visit((cs_world *)w, j, 30 * ell, add_held, &u) != CS_OK) return phi * M * exp(-gg->dist[j] / ell);
  return phi * (M / gg->held) * u.sum;
}

/* The sources of g's reach into w->reach_src; returns how many. */
static int sources(const cs_world *w, int g) {
  int n = 0, base = w->gangs[g].base;
  w->reach_src[n++] = base;
  if (!cs_reach_territory(w)) return n; /* base and spread: the base */
  for (int j = 0; j < w->n; j++)
    if (j != base && w->owner[j] == CS_PARTY_GANG(g)) w->reach_src[n++] = j;
  return n;
}

int cs_reach_recompute(cs_world *w, int g) {
  if (!w->reach_src) {
    w->reach_src = malloc((size_t)w->n * sizeof *w->reach_src);
    if (!w->reach_src) return cs_err(&w->ctx, CS_ENOMEM, "out of memory computing a gang's reach");
  }
  double *d = w->gangs[g].dist;
  for (int j = 0; j < w->n; j++) d[j] = INFINITY;
  return cs__graph_lower(w, w->reach_src, sources(w, g), d);
}

int cs_reach_recompute_all(cs_world *w) {
  int rc = CS_OK;
  for (int g = 0; rc == CS_OK && g < w->n_gangs; g++) rc = cs_reach_recompute(w, g);
  return rc;
}

int cs_reach_takeover(cs_world *w, int j, int from, int to) {
  if (!cs_reach_territory(w) || from == to) return CS_OK;
  int rc = CS_OK;
  if (CS_PARTY_IS_GANG(to)) rc = cs__graph_lower(w, &j, 1, w->gangs[CS_PARTY_GANG_INDEX(to)].dist);
  if (rc == CS_OK && CS_PARTY_IS_GANG(from)) {
    int g = CS_PARTY_GANG_INDEX(from);
    if (j != w->gangs[g].base) rc = cs_reach_recompute(w, g); /* the base always counts */
  }
  return rc;
}

/* dist is the table of shortest distances from the sources iff (roads are
** longer than 0): every source is at 0; no road shortens it (d[v] <= d[u] +
** km for every road u-v); every other reached node has a road on which it is
** tight (d[v] = d[u] + km), so following tight roads reaches a source. */
int cs_reach_check(const cs_world *w, char *msg, size_t cap) {
  for (int g = 0; g < w->n_gangs; g++) {
    const cs_gang_s *gg = &w->gangs[g];
    const double *d = gg->dist;
    int terr = cs_reach_territory(w);
    for (int v = 0; v < w->n; v++) {
      int src = v == gg->base || (terr && w->owner[v] == CS_PARTY_GANG(g));
      if (!(d[v] >= 0)) { /* NaN or negative */
        snprintf(msg, cap, "gang %s: reach distance %g km at %s", gg->id, d[v], w->node_id[v]);
        return -1;
      }
      if (src && d[v] != 0) {
        snprintf(msg, cap, "gang %s: reach distance %g km at %s, one of its sources", gg->id, d[v], w->node_id[v]);
        return -1;
      }
      int tight = src;
      for (int k = w->adj_start[v]; k < w->adj_start[v + 1]; k++) {
        double via = d[w->adj_node[k]] + w->adj_km[k];
        if (!(d[v] <= via + 1e-9 * (1 + via))) {
          snprintf(msg, cap, "gang %s: reach distance %g km at %s, but %g km through %s", gg->id, d[v], w->node_id[v],
                   via, w->node_id[w->adj_node[k]]);
          return -1;
        }
        tight |= fabs(d[v] - via) <= 1e-9 * (1 + via);
      }
      if (!tight && isfinite(d[v])) {
        snprintf(msg, cap, "gang %s: reach distance %g km at %s comes from no road or source", gg->id, d[v],
                 w->node_id[v]);
        return -1;
      }
    }
  }
  return 0;
}
