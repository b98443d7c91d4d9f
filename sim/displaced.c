/* displaced.c: where displaced people are, by origin and by location, and
** how they move on and return (MODEL.md section 4: destination choice with
** sites and host families, secondary moves, returns).
**
** The ledger holds one entry per (origin, location) pair that has ever held
** people, with the counts in sites and with host families; entries are
** listed by location and by origin (in order of creation, so every walk is
** deterministic). Location n is the PROVINCES sink, outside the city.
** Invariants: hosted[k] = sum over k's entries of site + host;
** hosted_site[k] = sum of site; provinces = sum over location n;
** settled[j] = sum over j's entries; origin_disp[j] = settled[j] + people
** from j on the road.
**
** Settling (on arrival in a city node k): with probability host_share the
** group looks for a host family, otherwise for a site; if that has no room
** (host room = host_ratio * initial residents, site room = site capacity) it
** takes the other; if neither has room it crowds in with hosts. The draw is
** the node's (node, PU_HOST) stream.
**
** Secondary moves (Flee): people in a site move on at move_site per day,
** people with hosts at move_conflict in a place in conflict (CONTESTED, or
** intensity >= I_conflict) and move_default elsewhere; in groups of up to
** move_group (a numerical granularity: the rate of group moves is the
** people's rate divided by the group size, so expected flows do not depend
** on it). They pick a new destination from k's candidates as in flight,
** never their own origin (going home is a return), travel, and settle
** again. People in the provinces stay there until they return.
** Simulated by thinning per location against the rate at the last change
** (it only falls between changes: intensity decays), redrawn when people
** arrive or the place's conflict status jumps (stream (node, PU_MOVE)).
**
** Returns: displaced people go home at r0 exp(-I_origin / I_safe) per day
** while their origin is held by the STATE or by the owner it had when people
** last fled it; in groups of up to move_group, from a location drawn in
** proportion to how many of them are there. A return is immediate. Thinning
** per origin against r0 * settled / move_group (stream (node, PU_RETURN)). */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct dentry {
  int origin, loc;
  int64_t site, host;
  int next_loc, next_origin; /* -1 ends a list */
} dentry;

/* (origin, loc) -> entry index: open addressing with linear probing over a
** power-of-two table kept below 70% full. */
static size_t slot_of(const cs_world *w, int origin, int loc) {
  uint64_t key = (uint64_t)origin * (uint64_t)(w->n + 1) + (uint64_t)loc;
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return (size_t)key & (w->dled_hcap - 1);
}

static int find_entry(cs_world *w, int origin, int loc) {
  const dentry *E = w->dled;
  if (!w->dled_hash) return -1;
  for (size_t h = slot_of(w, origin, loc);; h = (h + 1) & (w->dled_hcap - 1)) {
    int i = w->dled_hash[h];
    if (i < 0) return -1;
    if (E[i].origin == origin && E[i].loc == loc) return i;
  }
}

static int rehash(cs_world *w, size_t cap) {
  int *t = malloc(cap * sizeof *t);
  if (!t) return CS_ENOMEM;
  for (size_t h = 0; h < cap; h++) t[h] = -1;
  free(w->dled_hash);
  w->dled_hash = t;
  w->dled_hcap = cap;
  const dentry *E = w->dled;
  for (int i = 0; i < w->dled_n; i++) {
    size_t h = slot_of(w, E[i].origin, E[i].loc);
    while (t[h] >= 0) h = (h + 1) & (cap - 1);
    t[h] = i;
  }
  return CS_OK;
}

static int get_entry(cs_world *w, int origin, int loc) {
  int i = find_entry(w, origin, loc);
  if (i >= 0) return i;
  int cap = w->dled_cap;
  if (cs__grow(&w->dled, &cap, w->dled_n + 1, sizeof(dentry)) != CS_OK) return -1;
  w->dled_cap = cap;
  if ((size_t)(w->dled_n + 1) * 10 > w->dled_hcap * 7 && rehash(w, w->dled_hcap ? 2 * w->dled_hcap : 64) != CS_OK)
    return -1;
  dentry *E = w->dled;
  i = w->dled_n++;
  E[i] = (dentry){origin, loc, 0, 0, -1, -1};
  size_t h = slot_of(w, origin, loc);
  while (w->dled_hash[h] >= 0) h = (h + 1) & (w->dled_hcap - 1);
  w->dled_hash[h] = i;
  /* append at the tail of both lists: creation order */
  int *p = w->dled_loc_tail[loc] >= 0 ? &E[w->dled_loc_tail[loc]].next_loc : &w->dled_loc_head[loc];
  *p = i;
  w->dled_loc_tail[loc] = i;
  p = w->dled_origin_tail[origin] >= 0 ? &E[w->dled_origin_tail[origin]].next_origin : &w->dled_origin_head[origin];
  *p = i;
  w->dled_origin_tail[origin] = i;
  return i;
}

static double move_rate_host(const cs_world *w, int k, double t) {
  int conflict = w->owner[k] == CS_PARTY_CONTESTED || cs__intensity(w, k, t) >= PV(w, P_I_CONFLICT);
  return conflict ? PV(w, P_MOVE_CONFLICT) : PV(w, P_MOVE_DEFAULT);
}

static int schedule(cs_world *w, cs_handle *h, double *bound, double b, cs_pcg32 *r, int kind, int node) {
  if (*h) cs_engine_cancel(w->eng, *h);
  *h = 0;
  *bound = b;
  if (b <= 0) return CS_OK;
  double when = cs__now(w) + cs_rng_exp(r, b);
  if (!isfinite(when)) return CS_OK;
  cs_event ev = {.kind = (uint32_t)kind, .a = node};
  int rc = cs_engine_schedule(w->eng, when, PRIO_PROCESS, &ev, h);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_displaced_update_moves(cs_world *w, int k) {
  double host = (double)(w->hosted[k] - w->hosted_site[k]), site = (double)w->hosted_site[k];
  double b = (site * PV(w, P_MOVE_SITE) + host * move_rate_host(w, k, cs__now(w))) / PV(w, P_MOVE_GROUP);
  return schedule(w, &w->move_h[k], &w->move_bound[k], b, &w->move_rng[k], EV_MOVE_ON, k);
}

int cs_displaced_update_returns(cs_world *w, int j) {
  double b = PV(w, P_R0) * (double)w->settled[j] / PV(w, P_MOVE_GROUP);
  return schedule(w, &w->return_h[j], &w->return_bound[j], b, &w->return_rng[j], EV_RETURN, j);
}

int cs_displaced_settle(cs_world *w, int origin, int k, int64_t n) {
  int loc = k >= 0 ? k : w->n;
  int i = get_entry(w, origin, loc);
  if (i < 0) return cs_err(&w->ctx, CS_ENOMEM, "out of memory recording displaced people");
  dentry *e = &((dentry *)w->dled)[i];
  w->settled[origin] += n;
  if (k < 0) {
    e->host += n;
    w->provinces += n;
  } else {
    double host_room = PV(w, P_HOST_RATIO) * (double)w->residents0[k] - (double)(w->hosted[k] - w->hosted_site[k]);
    double site_room = (double)(w->site_cap[k] - w->hosted_site[k]);
    int to_host = cs_rng_bernoulli(&w->host_rng[k], PV(w, P_HOST_SHARE));
    if (to_host && host_room < (double)n && site_room >= (double)n) to_host = 0;
    else if (!to_host && site_room < (double)n) to_host = 1;
    if (to_host) e->host += n;
    else {
      e->site += n;
      w->hosted_site[k] += n;
    }
    w->hosted[k] += n;
    int rc = cs_displaced_update_moves(w, k);
    if (rc != CS_OK) return rc;
  }
  return cs_displaced_update_returns(w, origin);
}

/* Take up to `household` people of one kind (site or host) from location
** loc, choosing the origin in proportion to counts; returns the entry. */
static int take_group(cs_world *w, int loc, int from_site, cs_pcg32 *r, int64_t *size) {
  dentry *E = w->dled;
  double total = (double)(from_site ? w->hosted_site[loc] : w->hosted[loc] - w->hosted_site[loc]);
  if (total <= 0) return -1;
  double u = cs_rng_uniform(r) * total;
  int pick = -1;
  for (int i = w->dled_loc_head[loc]; i >= 0; i = E[i].next_loc) {
    int64_t c = from_site ? E[i].site : E[i].host;
    if (c <= 0) continue;
    pick = i;
    if ((u -= (double)c) < 0) break;
  }
  int64_t have = from_site ? E[pick].site : E[pick].host, g = (int64_t)PV(w, P_MOVE_GROUP);
  *size = have < g ? have : g;
  return pick;
}

static void remove_people(cs_world *w, int i, int from_site, int64_t n) {
  dentry *e = &((dentry *)w->dled)[i];
  if (from_site) e->site -= n;
  else e->host -= n;
  w->settled[e->origin] -= n;
  if (e->loc == w->n) w->provinces -= n;
  else {
    w->hosted[e->loc] -= n;
    if (from_site) w->hosted_site[e->loc] -= n;
  }
}

int cs_displaced_on_move(cs_engine *eng, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int k = ev->a, rc;
  double t = cs_engine_now(eng);
  w->move_h[k] = 0;
  double site = (double)w->hosted_site[k] * PV(w, P_MOVE_SITE);
  double host = (double)(w->hosted[k] - w->hosted_site[k]) * move_rate_host(w, k, t);
  double rate = (site + host) / PV(w, P_MOVE_GROUP);
  double u = cs_rng_uniform(&w->move_rng[k]) * w->move_bound[k];
  if (u < rate) {
    int from_site = u < site / PV(w, P_MOVE_GROUP);
    int64_t size;
    int i = take_group(w, k, from_site, &w->move_rng[k], &size);
    if (i >= 0 && size > 0) {
      int origin = ((dentry *)w->dled)[i].origin;
      double km;
      int dest = cs_flight_choose(w, k, origin, &w->move_rng[k], &km);
      remove_people(w, i, from_site, size);
      w->in_transit += size;
      cs_event arr = {.kind = EV_PEOPLE_ARRIVE, .a = origin, .b = dest, .c = (int32_t)size};
      if ((rc = cs_engine_schedule(eng, t + km / PV(w, P_WALK), PRIO_ARRIVAL, &arr, NULL)) != CS_OK)
        return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(eng)));
      if ((rc = cs__log(w, t, CS_EK_RELOCATION, k, CS_PARTY_NONE, dest, 0, size)) != CS_OK) return rc;
    }
  }
  return cs_displaced_update_moves(w, k);
}

int cs_displaced_on_return(cs_engine *eng, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int j = ev->a, rc;
  double t = cs_engine_now(eng);
  w->return_h[j] = 0;
  int safe = w->owner[j] == CS_PARTY_STATE || w->owner[j] == w->flee_owner[j];
  double accept = safe ? exp(-cs__intensity(w, j, t) / PV(w, P_I_SAFE)) : 0;
  double full = PV(w, P_R0) * (double)w->settled[j] / PV(w, P_MOVE_GROUP);
  double u = cs_rng_uniform(&w->return_rng[j]) * w->return_bound[j];
  if (u < full * accept && w->settled[j] > 0) {
    dentry *E = w->dled;
    double v = cs_rng_uniform(&w->return_rng[j]) * (double)w->settled[j];
    int pick = -1, from_site = 0;
    for (int i = w->dled_origin_head[j]; i >= 0 && pick < 0; i = E[i].next_origin) {
      if (E[i].site > 0 && (v -= (double)E[i].site) < 0) pick = i, from_site = 1;
      else if (E[i].host > 0 && (v -= (double)E[i].host) < 0) pick = i, from_site = 0;
    }
    for (int i = w->dled_origin_head[j]; i >= 0 && pick < 0; i = E[i].next_origin) /* rounding */
      if (E[i].site + E[i].host > 0) pick = i, from_site = E[i].site > 0;
    int64_t have = from_site ? E[pick].site : E[pick].host, g = (int64_t)PV(w, P_MOVE_GROUP);
    int64_t size = have < g ? have : g;
    int loc = E[pick].loc;
    remove_people(w, pick, from_site, size);
    w->origin_disp[j] -= size;
    w->residents[j] += size;
    w->returned += size;
    if ((rc = cs_flight_update_node(w, j)) != CS_OK) return rc;
    if ((rc = cs_recruit_update_node(w, j)) != CS_OK) return rc;
    if (loc < w->n && (rc = cs_displaced_update_moves(w, loc)) != CS_OK) return rc;
    if ((rc = cs__log(w, t, CS_EK_RETURN, j, CS_PARTY_NONE, loc < w->n ? loc : -1, 0, size)) != CS_OK) return rc;
  }
  return cs_displaced_update_returns(w, j);
}

int cs_displaced_start(cs_world *w) {
  size_t n = (size_t)w->n;
  w->dled_loc_head = malloc((n + 1) * sizeof *w->dled_loc_head);
  w->dled_origin_head = malloc(n * sizeof *w->dled_origin_head);
  w->dled_loc_tail = malloc((n + 1) * sizeof *w->dled_loc_tail);
  w->dled_origin_tail = malloc(n * sizeof *w->dled_origin_tail);
  w->hosted_site = calloc(n, sizeof *w->hosted_site);
  w->settled = calloc(n, sizeof *w->settled);
  w->flee_owner = malloc(n * sizeof *w->flee_owner);
  w->move_h = calloc(n, sizeof *w->move_h);
  w->return_h = calloc(n, sizeof *w->return_h);
  w->move_bound = calloc(n, sizeof *w->move_bound);
  w->return_bound = calloc(n, sizeof *w->return_bound);
  w->move_rng = calloc(n, sizeof *w->move_rng);
  w->return_rng = calloc(n, sizeof *w->return_rng);
  w->host_rng = calloc(n, sizeof *w->host_rng);
  if (!w->dled_loc_head || !w->dled_origin_head || !w->dled_loc_tail || !w->dled_origin_tail || !w->hosted_site || !w->settled || !w->flee_owner ||
      !w->move_h || !w->return_h || !w->move_bound || !w->return_bound || !w->move_rng || !w->return_rng ||
      !w->host_rng)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  for (size_t j = 0; j <= n; j++) w->dled_loc_head[j] = w->dled_loc_tail[j] = -1;
  for (size_t j = 0; j < n; j++) {
    w->dled_origin_head[j] = w->dled_origin_tail[j] = -1;
    w->flee_owner[j] = w->owner[j];
    cs_stream_init(&w->move_rng[j], w->seed, w->replicate, CS_ENT_NODE, j, PU_MOVE);
    cs_stream_init(&w->return_rng[j], w->seed, w->replicate, CS_ENT_NODE, j, PU_RETURN);
    cs_stream_init(&w->host_rng[j], w->seed, w->replicate, CS_ENT_NODE, j, PU_HOST);
  }
  return CS_OK;
}
