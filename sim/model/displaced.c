/* displaced.c: where displaced people are, by origin and by location, and
** how they move on and return (sim/README.md, displaced.c: destination choice with
** sites and host families, secondary moves, returns).
**
** The ledger holds one entry per (origin, cohort, location) that has ever
** held people, with the counts in sites and with host families; entries are
** listed by location and by origin (in order of creation, so every walk is
** deterministic). Location n is the PROVINCES sink, outside the city. The
** cohort is the controller of the origin when the people fled, as
** cohorts.c keys it (return_rule v1: one cohort per origin); it travels
** with every group that moves on.
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
** (it only falls between changes: intensity decays), redrawn when the
** place's conflict status jumps (stream (node, PU_MOVE)). When people arrive
** the pending candidate is kept and, if the bound rose, an independent clock
** for the increase is drawn and the earlier of the two stands (cs__raise,
** notify.c): by memorylessness the same process, without the cancel and push
** of a redraw at every arrival (about 4% of a heavy run's model thread).
**
** Returns: displaced people who have settled somewhere go home at
** r0 exp(-I_origin / I_safe) per day while cohorts.c lets their cohort
** return (v1: the origin is held by the STATE or by the owner it had when
** people last fled it; stable: it has been held for tau_stable days by the
** controller the cohort fled); in groups of up to move_group, from a
** location drawn in proportion to how many of that cohort are there. A
** return is immediate. Thinning per origin against r0 * (its initial
** residents + the people declared displaced from it) / move_group, a bound
** no count of its displaced can pass (stream (node, PU_RETURN)). */
#include "model_int.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The ledger: per location a contiguous array of (origin, cohort, site,
** host) in order of creation; per origin an array of (location, index) refs; a hash
** from (origin, cohort, location) to the index. Entries are never removed.
**
** Each location also keeps the site and host sums of every block of LBLOCK
** consecutive entries, so that choosing an origin in proportion to counts
** skips whole blocks instead of walking every entry (a location holds ~80
** entries in the 100-node benchmark city), while an update stays two
** additions; see take_group for why the choice is the same as the walk's. */
#define LBLOCK 16
typedef struct lentry {
  int origin, ctrl; /* ctrl: the cohort key (cohorts.c) */
  int64_t site, host;
} lentry;
typedef struct lsum {
  int64_t site, host;
} lsum;
typedef struct lvec {
  lentry *e;
  int n, cap;
  lsum *b; /* [ceil(n / LBLOCK)] block sums */
  int bcap;
} lvec;
typedef struct oref {
  int loc, idx;
} oref;
typedef struct ovec {
  oref *r;
  int n, cap;
} ovec;
typedef struct hslot {
  int origin, ctrl, loc, idx; /* origin -1: empty */
} hslot;

#define LOC(w, l) (((lvec *)(w)->dloc)[l])
#define ORIG(w, j) (((ovec *)(w)->dorig)[j])

static size_t slot_of(const cs_world *w, int origin, int ctrl, int loc) {
  uint64_t key = ((uint64_t)(ctrl + 1) * (uint64_t)w->n + (uint64_t)origin) * (uint64_t)(w->n + 1) + (uint64_t)loc;
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return (size_t)key & (w->dled_hcap - 1);
}

static int rehash(cs_world *w, size_t cap) {
  hslot *t = malloc(cap * sizeof *t), *old = w->dled_hash;
  if (!t) return CS_ENOMEM;
  for (size_t h = 0; h < cap; h++) t[h].origin = -1;
  size_t ocap = w->dled_hcap;
  w->dled_hash = t;
  w->dled_hcap = cap;
  for (size_t h = 0; h < ocap; h++)
    if (old[h].origin >= 0) {
      size_t k = slot_of(w, old[h].origin, old[h].ctrl, old[h].loc);
      while (t[k].origin >= 0) k = (k + 1) & (cap - 1);
      t[k] = old[h];
    }
  free(old);
  return CS_OK;
}

/* Add d to the site or host count of entry i and to its block's sum. */
static inline void ledger_add(lvec *lv, int i, int from_site, int64_t d) {
  lsum *b = &lv->b[i / LBLOCK];
  if (from_site) {
    lv->e[i].site += d;
    b->site += d;
  } else {
    lv->e[i].host += d;
    b->host += d;
  }
}

/* Index of (origin, ctrl, loc) in loc's array, created if need be; -1 if
** out of memory. ctrl is the cohort key (cs_cohorts_key). */
static int get_entry(cs_world *w, int origin, int ctrl, int loc) {
  hslot *t = w->dled_hash;
  size_t h = 0;
  if (t) {
    for (h = slot_of(w, origin, ctrl, loc); t[h].origin >= 0; h = (h + 1) & (w->dled_hcap - 1))
      if (t[h].origin == origin && t[h].ctrl == ctrl && t[h].loc == loc) return t[h].idx;
  }
  if ((size_t)(w->dled_n + 1) * 10 > w->dled_hcap * 7) {
    if (rehash(w, w->dled_hcap ? 2 * w->dled_hcap : 64) != CS_OK) return -1;
    t = w->dled_hash;
    for (h = slot_of(w, origin, ctrl, loc); t[h].origin >= 0; h = (h + 1) & (w->dled_hcap - 1)) {}
  }
  lvec *lv = &LOC(w, loc);
  ovec *ov = &ORIG(w, origin);
  if (cs__grow((void **)&lv->e, &lv->cap, lv->n + 1, sizeof *lv->e) != CS_OK ||
      cs__grow((void **)&lv->b, &lv->bcap, lv->n / LBLOCK + 1, sizeof *lv->b) != CS_OK || /* zeroed */
      cs__grow((void **)&ov->r, &ov->cap, ov->n + 1, sizeof *ov->r) != CS_OK)
    return -1;
  int idx = lv->n++;
  lv->e[idx] = (lentry){origin, ctrl, 0, 0};
  ov->r[ov->n++] = (oref){loc, idx};
  t[h] = (hslot){origin, ctrl, loc, idx};
  w->dled_n++;
  return idx;
}

static double move_rate_host(const cs_world *w, int k, double t) {
  int conflict = cs__in_conflict(w, k, t);
  return conflict ? PV(w, P_MOVE_CONFLICT) : PV(w, P_MOVE_DEFAULT);
}

/* The bound on k's move rate now: until the next event here the place can
** only leave conflict, so the larger of its rate now and the rate out of
** conflict. */
static double moves_bound(const cs_world *w, int k, double t) {
  double host = (double)(w->hosted[k] - w->hosted_site[k]), site = (double)w->hosted_site[k];
  double mh = move_rate_host(w, k, t);
  if (PV(w, P_MOVE_DEFAULT) > mh) mh = PV(w, P_MOVE_DEFAULT);
  return (site * PV(w, P_MOVE_SITE) + host * mh) / PV(w, P_MOVE_GROUP);
}

/* Redraw k's move clock against bound b. */
static int redraw_moves(cs_world *w, int k, double b) {
  cs_event ev = {.kind = EV_MOVE_ON, .a = k};
  return cs__redraw_at(w, &w->move_h[k], &w->move_bound[k], b, 0, &w->move_rng[k], &ev, &w->move_t[k]);
}

/* cs_displaced_update_moves with the time now given. */
static int update_moves_at(cs_world *w, int k, double t) { return redraw_moves(w, k, moves_bound(w, k, t)); }

int cs_displaced_update_moves(cs_world *w, int k) { return update_moves_at(w, k, cs__now(w)); }

int cs_displaced_moves_rose(cs_world *w, int k) {
  double b = moves_bound(w, k, cs__now(w));
  if (!w->move_h[k]) return redraw_moves(w, k, b); /* no clock yet: draw one */
  if (!(b > w->move_bound[k])) return CS_OK;       /* the bound still holds */
  cs_event ev = {.kind = EV_MOVE_ON, .a = k};
  return cs__raise(w, &w->move_h[k], &w->move_bound[k], b, &w->move_rng[k], &ev, &w->move_t[k]);
}

int cs_displaced_update_returns(cs_world *w, int j) {
  /* Bound: j's initial residents and the people declared displaced from j,
  ** which no count of people displaced from j can exceed (residents +
  ** displaced + dead + recruited = initial). It changes only with
  ** parameters, so flights, arrivals, owner changes and the end of a
  ** stability wait (cohorts.c) never redraw it. */
  double b = PV(w, P_R0) * (double)(w->residents0[j] + w->disp0_from[j]) / PV(w, P_MOVE_GROUP);
  cs_event ev = {.kind = EV_RETURN, .a = j};
  return cs__redraw(w, &w->return_h[j], &w->return_bound[j], b, 0, &w->return_rng[j], &ev);
}

int cs_displaced_settle(cs_world *w, int origin, int ctrl, int k, int64_t n) {
  int loc = k >= 0 ? k : w->n;
  int i = get_entry(w, origin, cs_cohorts_key(w, ctrl), loc);
  if (i < 0) return cs_err(&w->ctx, CS_ENOMEM, "out of memory recording displaced people");
  lvec *lv = &LOC(w, loc);
  w->settled[origin] += n;
  if (k < 0) {
    ledger_add(lv, i, 0, n);
    w->provinces += n;
  } else {
    double host_room = PV(w, P_HOST_RATIO) * (double)w->residents0[k] - (double)(w->hosted[k] - w->hosted_site[k]);
    double site_room = (double)(w->site_cap[k] - w->hosted_site[k]);
    int to_host = cs_rng_bernoulli(&w->host_rng[k], PV(w, P_HOST_SHARE));
    if (to_host && host_room < (double)n && site_room >= (double)n) to_host = 0;
    else if (!to_host && site_room < (double)n) to_host = 1;
    ledger_add(lv, i, !to_host, n);
    if (!to_host) w->hosted_site[k] += n;
    w->hosted[k] += n;
    return cs_notify_hosted_rose(w, k);
  }
  return CS_OK;
}

/* Take up to move_group people of one kind (site or host) from location
** loc, choosing the origin in proportion to counts; returns the index in
** loc's array.
**
** The choice is defined as a walk in order of creation that subtracts each
** positive count c_i from u = uniform * total and stops when u < 0 (the last
** entry with people if it never does). As u < total < 2^53, the ulp of u
** is a power of 2 no larger than 1, and every count is a multiple of it:
** while the running difference stays in [0, u] it is such a multiple no
** larger than u, so every subtraction is exact, and the first difference
** below 0 stays negative after rounding. The walk therefore stops at the
** first entry whose exact prefix sum exceeds u; below, the prefix sums are
** kept in integers (exact as doubles), whole blocks at a time while a block
** ends at or below u. */
static int take_group(cs_world *w, int loc, int from_site, cs_pcg32 *r, int64_t *size) {
  const lvec *lv = &LOC(w, loc);
  double total = (double)(from_site ? w->hosted_site[loc] : w->hosted[loc] - w->hosted_site[loc]);
  if (total <= 0) return -1;
  double u = cs_rng_uniform(r) * total;
  int nb = (lv->n + LBLOCK - 1) / LBLOCK, blk = 0, pick = -1;
  int64_t acc = 0;
  for (; blk < nb; blk++) {
    int64_t next = acc + (from_site ? lv->b[blk].site : lv->b[blk].host);
    if ((double)next > u) break;
    acc = next;
  }
  if (blk < nb) {
    int end = (blk + 1) * LBLOCK < lv->n ? (blk + 1) * LBLOCK : lv->n;
    for (int i = blk * LBLOCK; i < end; i++) {
      acc += from_site ? lv->e[i].site : lv->e[i].host;
      if ((double)acc > u) {
        pick = i;
        break;
      }
    }
  }
  for (int i = lv->n - 1; i >= 0 && pick < 0; i--) /* u >= the sum: the last with people */
    if ((from_site ? lv->e[i].site : lv->e[i].host) > 0) pick = i;
  if (pick < 0) return -1;
  int64_t have = from_site ? lv->e[pick].site : lv->e[pick].host, g = (int64_t)PV(w, P_MOVE_GROUP);
  *size = have < g ? have : g;
  return pick;
}

static void remove_people(cs_world *w, int loc, int i, int from_site, int64_t n) {
  lvec *lv = &LOC(w, loc);
  ledger_add(lv, i, from_site, -n);
  w->settled[lv->e[i].origin] -= n;
  if (loc == w->n) w->provinces -= n;
  else {
    w->hosted[loc] -= n;
    cs_notify_room(w, loc); /* fewer people: the moves bound still holds */
    if (from_site) w->hosted_site[loc] -= n;
  }
}

int cs_displaced_on_move(cs_engine *eng, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int k = ev->a, rc;
  double t = cs_engine_now(eng);
  assert(t == w->move_t[k] && "the candidate fired is the one cs__raise knows");
  w->move_h[k] = 0;
  double site = (double)w->hosted_site[k] * PV(w, P_MOVE_SITE);
  double host = (double)(w->hosted[k] - w->hosted_site[k]) * move_rate_host(w, k, t);
  double rate = (site + host) / PV(w, P_MOVE_GROUP);
  CS_CHECK_BOUND(w, "moves", k, -1, rate, w->move_bound[k]);
  double u = cs_rng_uniform(&w->move_rng[k]) * w->move_bound[k];
  if (u < rate) {
    int from_site = u < site / PV(w, P_MOVE_GROUP);
    int64_t size;
    int i = take_group(w, k, from_site, &w->move_rng[k], &size);
    if (i >= 0 && size > 0) {
      int origin = LOC(w, k).e[i].origin, ctrl = LOC(w, k).e[i].ctrl;
      double km;
      int dest = cs_flight_choose_group(w, k, origin, size, &w->move_rng[k], &km);
      if (dest == CS_DEST_NONE) return update_moves_at(w, k, t); /* nowhere with room: they stay */
      remove_people(w, k, i, from_site, size);
      w->in_transit += size;
      cs_event arr = {.kind = EV_PEOPLE_ARRIVE, .a = origin, .b = dest, .c = (int32_t)size, .x = ctrl};
      if ((rc = cs_engine_schedule(eng, t + km / PV(w, P_WALK), PRIO_ARRIVAL, &arr, NULL)) != CS_OK)
        return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(eng)));
      if ((rc = cs__log(w, t, CS_EK_RELOCATION, k, CS_PARTY_NONE, dest, 0, size)) != CS_OK) return rc;
    }
  }
  return update_moves_at(w, k, t);
}

/* People of origin j's cohort `key` settled anywhere (key: a controller, or
** CS_COHORT_ALL for all of them). */
static int64_t cohort_settled(const cs_world *w, int j, int key) {
  if (key == CS_COHORT_ALL) return w->settled[j];
  if (key == CS_COHORT_NOBODY) return 0;
  const ovec *ov = &ORIG(w, j);
  int64_t n = 0;
  for (int q = 0; q < ov->n; q++) {
    const lentry *e = &LOC(w, ov->r[q].loc).e[ov->r[q].idx];
    if (e->ctrl == key) n += e->site + e->host;
  }
  return n;
}

int64_t cs_world_displaced_cohort(const cs_world *w, int origin, int controller) {
  if (!w->dorig || origin < 0 || origin >= w->n) return 0;
  return cohort_settled(w, origin, cs_cohorts_key(w, controller));
}

int cs_displaced_on_return(cs_engine *eng, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int j = ev->a, rc;
  double t = cs_engine_now(eng);
  w->return_h[j] = 0;
  int key = cs_cohorts_returning(w, j, t); /* whose people may go home now */
  int64_t have_j = cohort_settled(w, j, key);
  double accept = key != CS_COHORT_NOBODY ? exp(-cs__intensity(w, j, t) / PV(w, P_I_SAFE)) : 0;
  double full = PV(w, P_R0) * (double)have_j / PV(w, P_MOVE_GROUP);
  CS_CHECK_BOUND(w, "returns", j, -1, full * accept, w->return_bound[j]);
  double u = cs_rng_uniform(&w->return_rng[j]) * w->return_bound[j];
  if (u < full * accept && have_j > 0) {
    const ovec *ov = &ORIG(w, j);
    double v = cs_rng_uniform(&w->return_rng[j]) * (double)have_j;
    int pick = -1, from_site = 0, loc = -1;
    for (int q = 0; q < ov->n && pick < 0; q++) {
      const lentry *e = &LOC(w, ov->r[q].loc).e[ov->r[q].idx];
      if (key != CS_COHORT_ALL && e->ctrl != key) continue;
      if (e->site > 0 && (v -= (double)e->site) < 0) pick = ov->r[q].idx, loc = ov->r[q].loc, from_site = 1;
      else if (e->host > 0 && (v -= (double)e->host) < 0) pick = ov->r[q].idx, loc = ov->r[q].loc, from_site = 0;
    }
    for (int q = ov->n - 1; q >= 0 && pick < 0; q--) { /* rounding left v >= 0: the last with people */
      const lentry *e = &LOC(w, ov->r[q].loc).e[ov->r[q].idx];
      if (key != CS_COHORT_ALL && e->ctrl != key) continue;
      if (e->site + e->host > 0) pick = ov->r[q].idx, loc = ov->r[q].loc, from_site = e->site > 0;
    }
    assert(pick >= 0 && "have_j > 0: some entry of the cohort holds people");
    const lentry *e = &LOC(w, loc).e[pick];
    int64_t have = from_site ? e->site : e->host, g = (int64_t)PV(w, P_MOVE_GROUP);
    int64_t size = have < g ? have : g;
    remove_people(w, loc, pick, from_site, size);
    w->origin_disp[j] -= size;
    w->residents[j] += size;
    w->returned += size;
    if ((rc = cs_notify_residents_rose(w, j)) != CS_OK) return rc;
    /* fewer people at loc: its move bound still holds */
    if ((rc = cs__log(w, t, CS_EK_RETURN, j, key == CS_COHORT_ALL ? CS_PARTY_NONE : key, loc < w->n ? loc : -1, 0,
                      size)) != CS_OK)
      return rc;
  }
  return cs_displaced_update_returns(w, j);
}

int cs_displaced_place(cs_world *w, int origin, int ctrl, int k, int64_t sites, int64_t host) {
  int loc = k >= 0 ? k : w->n;
  int i = get_entry(w, origin, cs_cohorts_key(w, ctrl), loc);
  if (i < 0) return cs_err(&w->ctx, CS_ENOMEM, "out of memory recording displaced people");
  lvec *lv = &LOC(w, loc);
  ledger_add(lv, i, 1, sites);
  ledger_add(lv, i, 0, host);
  w->settled[origin] += sites + host;
  w->origin_disp[origin] += sites + host;
  if (k < 0) w->provinces += sites + host;
  else {
    w->hosted[k] += sites + host;
    w->hosted_site[k] += sites;
  }
  return CS_OK;
}

static int bad(char *msg, size_t cap, const char *fmt, ...) {
  if (msg && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int cs_displaced_check(const cs_world *w, char *msg, size_t cap) {
  if (!w->dloc) return 0; /* before the run: no ledger */
  int64_t in_prov = 0;
  for (int l = 0; l <= w->n; l++) {
    const lvec *lv = &LOC(w, l);
    int64_t site = 0, host = 0;
    for (int i = 0; i < lv->n; i++) {
      if (lv->e[i].site < 0 || lv->e[i].host < 0)
        return bad(msg, cap, "ledger: a negative count at location %d", l);
      site += lv->e[i].site;
      host += lv->e[i].host;
    }
    if (l == w->n) in_prov = site + host;
    else if (site + host != w->hosted[l] || site != w->hosted_site[l])
      return bad(msg, cap, "ledger: node %s holds %lld (%lld in sites), hosted says %lld (%lld)", w->node_id[l],
                      (long long)(site + host), (long long)site, (long long)w->hosted[l], (long long)w->hosted_site[l]);
  }
  if (in_prov != w->provinces)
    return bad(msg, cap, "ledger: %lld in the provinces, counted %lld", (long long)in_prov, (long long)w->provinces);
  for (int j = 0; j < w->n; j++) {
    int64_t n = 0;
    const ovec *ov = &ORIG(w, j);
    for (int q = 0; q < ov->n; q++) {
      const lentry *e = &LOC(w, ov->r[q].loc).e[ov->r[q].idx];
      n += e->site + e->host;
    }
    if (n != w->settled[j] || w->origin_disp[j] < n)
      return bad(msg, cap, "ledger: %lld settled from %s, counted %lld (displaced from it %lld)", (long long)n,
                      w->node_id[j], (long long)w->settled[j], (long long)w->origin_disp[j]);
  }
  return 0;
}

void cs_displaced_streams(cs_world *w) {
  for (int j = 0; j < w->n; j++) {
    cs__stream(w, &w->move_rng[j], CS_ENT_NODE, (uint64_t)j, PU_MOVE);
    cs__stream(w, &w->return_rng[j], CS_ENT_NODE, (uint64_t)j, PU_RETURN);
    cs__stream(w, &w->host_rng[j], CS_ENT_NODE, (uint64_t)j, PU_HOST);
  }
}

int cs_displaced_start(cs_world *w) {
  size_t n = (size_t)w->n;
  w->dloc = calloc(n + 1, sizeof(lvec));
  w->dorig = calloc(n, sizeof(ovec));
  w->hosted_site = calloc(n, sizeof *w->hosted_site);
  w->settled = calloc(n, sizeof *w->settled);
  w->flee_owner = malloc(n * sizeof *w->flee_owner);
  w->move_h = calloc(n, sizeof *w->move_h);
  w->return_h = calloc(n, sizeof *w->return_h);
  w->move_bound = calloc(n, sizeof *w->move_bound);
  w->move_t = calloc(n, sizeof *w->move_t);
  w->return_bound = calloc(n, sizeof *w->return_bound);
  w->move_rng = calloc(n, sizeof *w->move_rng);
  w->return_rng = calloc(n, sizeof *w->return_rng);
  w->host_rng = calloc(n, sizeof *w->host_rng);
  if (!w->dloc || !w->dorig || !w->hosted_site || !w->settled || !w->flee_owner ||
      !w->move_h || !w->return_h || !w->move_bound || !w->move_t || !w->return_bound || !w->move_rng || !w->return_rng ||
      !w->host_rng)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  for (size_t j = 0; j < n; j++) w->flee_owner[j] = w->owner[j];
  cs_displaced_streams(w);
  int rc0 = cs_cohorts_start(w); /* the people displaced at t = 0 */
  if (rc0 != CS_OK) return rc0;
  for (int j = 0; j < w->n; j++) {
    int rc = cs_displaced_update_returns(w, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

void cs_displaced_free(cs_world *w) {
  if (w->dloc)
    for (int l = 0; l <= w->n; l++) {
      free(LOC(w, l).e);
      free(LOC(w, l).b);
    }
  if (w->dorig)
    for (int j = 0; j < w->n; j++) free(ORIG(w, j).r);
  free(w->dloc);
  free(w->dorig);
  free(w->dled_hash);
  void *p[] = {w->hosted_site, w->settled, w->flee_owner, w->move_h, w->return_h, w->move_bound, w->move_t,
               w->return_bound, w->move_rng, w->return_rng, w->host_rng};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) free(p[i]);
  w->dloc = w->dorig = w->dled_hash = NULL;
  w->hosted_site = w->settled = NULL;
  w->flee_owner = NULL;
  w->move_h = w->return_h = NULL;
  w->move_bound = w->return_bound = w->move_t = NULL;
  w->move_rng = w->return_rng = w->host_rng = NULL;
}
