/* flight.c: residents fleeing, where they go, and their arrival
** (sim/README.md, flight.c; Flee: Suleimenova et al. 2017).
**
** Hazard per resident at node j:
**   h(t) = h0 + h1 (1 - exp(-I_j(t) / I_ref)) + h_T [t < t_takeover + tau_T]
** People leave in groups of g = min(household, residents) at rate
** residents * h / g, so each resident's hazard is h. Between events at j, I_j
** only decays and the takeover term only switches off, so h never rises:
** the process is simulated exactly by thinning (Lewis and Shedler 1979)
** against the rate at the last change, with a fresh bound after any change
** at j (the node's own stream (node, PU_FLIGHT) draws candidates and
** acceptances).
** Version 2 (flight_model = "exposure", read at run start): the rate is
** exposure.c's S_j / g, from felt violence and the exposed residents, and
** the acceptance uniform also says which kind of flight fired (baseline,
** exposed mover, exposed stayer); destinations are the same.
**
** Destination (Flee, Suleimenova et al. 2017, distances scaled to a city):
** candidates are the nodes within two road hops (distance along the shorter
** of the one- and two-hop routes; two hops only through a neighbour of at
** most TWO_HOP_MAX_DEGREE roads), every node declared with site capacity
** within site_radius_km by road (shortest road distance), and PROVINCES
** (distance provinces_km). The lists are built at finalize, and rebuilt
** whole when a road closes or opens (cs_flight_rebuild, from roads.c): from
** the open roads and the site capacities of that moment. Between rebuilds, a
** node given site capacity by set_capacity is a destination only for the
** nodes within two hops of it. Weight:
**   (s_w + score_k) / (s_d + d_jk)^p_d * capacity factor,
** score_k = score_conflict if k is CONTESTED or its intensity is at least
** I_conflict, else score_safe; PROVINCES is safe and never full. Capacity of k
** = site capacity + host_ratio * initial residents; the factor is 1 until 90%
** full, then falls linearly to 0 at full. The draw uses (node, PU_DEST).
** With provinces_seats > 0 at most that many people leave for PROVINCES per
** day (days [d, d + 1), flights and moves together): a group of n may pick
** PROVINCES only if n seats are left, and a group with no destination with
** room stays (CS_DEST_NONE).
** The group travels distance / walk_speed days, counted in transit, and then
** settles at the destination (displaced.c: a site or a host family) or in
** the PROVINCES sink. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

/* Two-hop destinations are reached only through neighbours with at most
** this many roads: a hub with thousands of roads (a star-shaped graph) would
** otherwise give every one of its neighbours thousands of candidates, and
** building the lists would cost the square of its degree. */
#define TWO_HOP_MAX_DEGREE 64

/* Nodes within site_radius_km of a site, collected by a search from each
** site in index order: (node, site, km) triples. */
typedef struct site_pairs {
  cs_world *w;
  int site, n, cap;
  int *node, *site_of;
  double *km;
  int failed;
} site_pairs;

static int add_site_pair(void *ud, int j, double km) {
  site_pairs *sp = ud;
  if (j == sp->site) return 0;
  if (sp->n == sp->cap) {
    int c1 = sp->cap, c2 = sp->cap, c3 = sp->cap;
    if (cs__grow((void **)&sp->node, &c1, sp->n + 1, sizeof(int)) ||
        cs__grow((void **)&sp->site_of, &c2, sp->n + 1, sizeof(int)) ||
        cs__grow((void **)&sp->km, &c3, sp->n + 1, sizeof(double))) {
      sp->failed = 1;
      return 1;
    }
    sp->cap = c1;
  }
  sp->node[sp->n] = j;
  sp->site_of[sp->n] = sp->site;
  sp->km[sp->n++] = km;
  return 0;
}

int cs_flight_build(cs_world *w) {
  int n = w->n, rc = CS_OK, cap = 0, len = 0;
  site_pairs sp = {w, 0, 0, 0, NULL, NULL, NULL, 0};
  int *stamp = malloc((size_t)n * sizeof *stamp), *pos = malloc((size_t)n * sizeof *pos);
  int *first = calloc((size_t)n + 1, sizeof *first), *order = NULL;
  w->cand_start = calloc((size_t)n + 1, sizeof *w->cand_start);
  if (!stamp || !pos || !first || !w->cand_start) goto nomem;
  for (int s = 0; s < n; s++)
    if (w->site_cap[s] > 0) {
      sp.site = s;
      if ((rc = cs__graph_visit(w, s, PV(w, P_SITE_RADIUS), add_site_pair, &sp)) != CS_OK) goto done;
      if (sp.failed) goto nomem;
    }
  /* Group the triples by node, keeping site order (a stable counting sort). */
  if (!(order = malloc((size_t)(sp.n + 1) * sizeof *order))) goto nomem;
  for (int i = 0; i < sp.n; i++) first[sp.node[i] + 1]++;
  for (int j = 0; j < n; j++) first[j + 1] += first[j];
  for (int j = 0; j < n; j++) pos[j] = first[j];
  for (int i = 0; i < sp.n; i++) order[pos[sp.node[i]]++] = i;
  for (int j = 0; j < n; j++) stamp[j] = -1;
  for (int j = 0; j < n; j++) {
    w->cand_start[j] = len;
#define ADD(node, km)                                                                      \
  do {                                                                                     \
    int nd_ = (node);                                                                      \
    double km_ = (km);                                                                     \
    if (nd_ == j) break;                                                                   \
    if (stamp[nd_] == j) {                                                                 \
      if (km_ < w->cand_km[pos[nd_]]) w->cand_km[pos[nd_]] = km_;                          \
      break;                                                                               \
    }                                                                                      \
    int c1_ = cap, c2_ = cap;                                                              \
    if (cs__grow((void **)&w->cand_node, &c1_, len + 1, sizeof(int)) ||                    \
        cs__grow((void **)&w->cand_km, &c2_, len + 1, sizeof(double)))                     \
      goto nomem;                                                                          \
    cap = c1_;                                                                             \
    stamp[nd_] = j;                                                                        \
    pos[nd_] = len;                                                                        \
    w->cand_node[len] = nd_;                                                               \
    w->cand_km[len++] = km_;                                                               \
  } while (0)
    for (int a = w->adj_start[j]; a < w->adj_start[j + 1]; a++) {
      int k = w->adj_node[a];
      ADD(k, w->adj_km[a]);
      if (w->adj_start[k + 1] - w->adj_start[k] <= TWO_HOP_MAX_DEGREE) /* see the file comment */
        for (int b = w->adj_start[k]; b < w->adj_start[k + 1]; b++) ADD(w->adj_node[b], w->adj_km[a] + w->adj_km[b]);
    }
    for (int i = first[j]; i < first[j + 1]; i++) ADD(sp.site_of[order[i]], sp.km[order[i]]);
#undef ADD
  }
  w->cand_start[n] = len;
  goto done;
nomem:
  rc = cs_err(&w->ctx, CS_ENOMEM, "out of memory building destinations");
done:
  free(stamp);
  free(pos);
  free(first);
  free(order);
  free(sp.node);
  free(sp.site_of);
  free(sp.km);
  return rc;
}

int cs_flight_rebuild(cs_world *w) {
  void *p[] = {w->cand_start, w->cand_node, w->cand_km, w->cand_dw, w->cand_wt};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) free(p[i]);
  w->cand_start = w->cand_node = NULL;
  w->cand_km = w->cand_dw = w->cand_wt = NULL;
  int rc = cs_flight_build(w);
  return rc == CS_OK ? cs_flight_cache_distances(w) : rc;
}

double cs_flight_hazard(const cs_world *w, int j, double t) {
  double h = PV(w, P_H0) + PV(w, P_H1) * (1 - exp(-cs__intensity(w, j, t) / PV(w, P_I_REF)));
  if (t < w->t_takeover[j] + PV(w, P_TAU_T)) h += PV(w, P_HT);
  return h;
}

static double group_size(const cs_world *w, int j) {
  double g = PV(w, P_HOUSEHOLD), r = (double)w->residents[j];
  return r < g ? r : g;
}

/* The group rate at j given the hazard h there (any value if j has no
** residents). */
static double rate_with(const cs_world *w, int j, double h) {
  if (w->residents[j] <= 0) return 0;
  return (double)w->residents[j] * h / group_size(w, j);
}

/* Version 2 (exposure.c): the groups per day of each kind of flight at j. */
static double exposure_rate(const cs_world *w, int j, double t, double *base, double *mover) {
  double b, m, s;
  cs_exposure_rates(w, j, t, &b, &m, &s);
  double g = group_size(w, j);
  *base = b / g;
  *mover = m / g;
  return (b + m + s) / g;
}

static double flight_rate(const cs_world *w, int j, double t) {
  double b, m;
  if (w->residents[j] <= 0) return 0;
  return w->xp_on ? exposure_rate(w, j, t, &b, &m) : rate_with(w, j, cs_flight_hazard(w, j, t));
}

/* Redraw j's next flight candidate now against bound b. */
static int redraw(cs_world *w, int j, double t, double b) {
  (void)t; /* always now */
  cs_event ev = {.kind = EV_FLIGHT, .a = j};
  return cs__redraw(w, &w->flight_h[j], &w->flight_bound[j], b, 0, &w->flight_rng[j], &ev);
}

int cs_flight_update_node(cs_world *w, int j) {
  double t = cs__now(w);
  return redraw(w, j, t, flight_rate(w, j, t));
}

void cs_flight_streams(cs_world *w) {
  for (int j = 0; j < w->n; j++) {
    cs__stream(w, &w->flight_rng[j], CS_ENT_NODE, (uint64_t)j, PU_FLIGHT);
    cs__stream(w, &w->dest_rng[j], CS_ENT_NODE, (uint64_t)j, PU_DEST);
  }
}

int cs_flight_start(cs_world *w) {
  w->prov_day = -1;
  w->prov_used = 0;
  int rc0 = cs_flight_cache_distances(w);
  if (rc0 != CS_OK) return rc0;
  cs_flight_streams(w);
  for (int j = 0; j < w->n; j++) {
    int rc = cs_flight_update_node(w, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

/* Destination k's capacity factor (1 for PROVINCES, k = -1). */
static inline double capacity_factor(const cs_world *w, int k) {
  double factor = 1.0;
  if (k >= 0) {
    double cap = (double)w->site_cap[k] + PV(w, P_HOST_RATIO) * (double)w->residents0[k];
    double occ = (double)w->hosted[k];
    if (cap <= 0 || occ >= cap) factor = 0;
    else if (occ > 0.9 * cap) factor = (cap - occ) / (0.1 * cap);
  }
  return factor;
}

/* Everything in a destination's weight but the distance term:
** (s_w + score) * capacity factor. */
static double dest_factor(const cs_world *w, int k, double t) {
  int conflict = k >= 0 && cs__in_conflict(w, k, t);
  return (PV(w, P_S_W) + PV(w, conflict ? P_SCORE_CONFLICT : P_SCORE_SAFE)) * capacity_factor(w, k);
}

void cs_flight_refresh(cs_world *w, int k) {
  if (!w->fac_safe) return;
  double f = capacity_factor(w, k);
  w->fac_safe[k] = (PV(w, P_S_W) + PV(w, P_SCORE_SAFE)) * f;
  w->fac_conf[k] = (PV(w, P_S_W) + PV(w, P_SCORE_CONFLICT)) * f;
}

static double distance_term(const cs_world *w, double km) { return 1.0 / pow(PV(w, P_S_D) + km, PV(w, P_P_D)); }

double cs_flight_dest_weight(const cs_world *w, int k, double km, double t) {
  return dest_factor(w, k, t) * distance_term(w, km);
}

int cs_flight_cache_distances(cs_world *w) {
  int len = w->cand_start[w->n];
  if (!w->fac_safe && !(w->fac_safe = malloc((size_t)w->n * sizeof *w->fac_safe))) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  if (!w->fac_conf && !(w->fac_conf = malloc((size_t)w->n * sizeof *w->fac_conf))) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int k = 0; k < w->n; k++) cs_flight_refresh(w, k);
  if (!w->cand_dw && !(w->cand_dw = malloc((size_t)(len + 1) * sizeof *w->cand_dw)))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  if (!w->cand_wt && !(w->cand_wt = malloc((size_t)(len + 1) * sizeof *w->cand_wt)))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int c = 0; c < len; c++) w->cand_dw[c] = distance_term(w, w->cand_km[c]);
  w->prov_dw = distance_term(w, PV(w, P_PROVINCES_KM));
  return CS_OK;
}

int cs_flight_choose(cs_world *w, int j, int exclude, cs_pcg32 *r, double *km) {
  return cs_flight_choose_group(w, j, exclude, 0, r, km);
}

/* Seats to the provinces: may a group of n go today? (Rolls the day over.) */
static int provinces_open(cs_world *w, int64_t n, double t) {
  double seats = PV(w, P_PROVINCES_SEATS), day = floor(t);
  if (seats <= 0 || n <= 0) return 1;
  if (day != w->prov_day) {
    w->prov_day = day;
    w->prov_used = 0;
  }
  return (double)(w->prov_used + n) <= seats;
}

int cs_flight_choose_group(cs_world *w, int j, int exclude, int64_t n, cs_pcg32 *r, double *km) {
  double t = cs__now(w);
  int prov = provinces_open(w, n, t);
  double total = prov ? dest_factor(w, -1, t) * w->prov_dw : 0;
  int c0 = w->cand_start[j], c1 = w->cand_start[j + 1];
  /* Local restrict pointers: the weights stored in the first loop alias
  ** nothing it reads, and the compiler may keep every base in a register. */
  const int *restrict node = w->cand_node, *restrict owner = w->owner;
  const double *restrict dw = w->cand_dw, *restrict until = w->conflict_until;
  const double *restrict fac_safe = w->fac_safe, *restrict fac_conf = w->fac_conf;
  double *restrict wt = w->cand_wt;
  for (int c = c0; c < c1; c++) {
    int k = node[c];
    double f = cs__conflict_rule(owner[k], until[k], t) ? fac_conf[k] : fac_safe[k];
    double x = k == exclude ? 0.0 : f * dw[c];
    wt[c] = x;
    total += x;
  }
  double u = cs_rng_uniform(r) * total;
  int last = -1;
  for (int c = c0; c < c1; c++) {
    if (wt[c] <= 0) continue;
    last = c;
    u -= wt[c];
    if (u < 0) {
      *km = w->cand_km[c];
      return node[c];
    }
  }
  if (!prov) { /* no seats today: never PROVINCES, even by rounding */
    if (last < 0) return CS_DEST_NONE;
    *km = w->cand_km[last];
    return node[last];
  }
  if (PV(w, P_PROVINCES_SEATS) > 0) w->prov_used += n;
  *km = PV(w, P_PROVINCES_KM);
  return -1;
}

/* A group leaves j now: its destination, the counts, its arrival; with
** kind >= 0 (version 2) the exposed stocks lose its people. *k is
** CS_DEST_NONE if no destination has room: then nothing changes. */
static int leave(cs_engine *e, cs_world *w, int j, double t, int kind, int64_t *size, int *k) {
  double km;
  *size = (int64_t)group_size(w, j);
  *k = cs_flight_choose_group(w, j, -1, *size, &w->dest_rng[j], &km);
  if (*k == CS_DEST_NONE) return CS_OK; /* nowhere with room: the group stays */
  if (kind >= 0) cs_exposure_flight(w, j, kind, *size);
  w->flee_owner[j] = w->owner[j];
  w->residents[j] -= *size;
  w->origin_disp[j] += *size;
  w->in_transit += *size;
  cs_event arr = {.kind = EV_PEOPLE_ARRIVE, .a = j, .b = *k, .c = (int32_t)*size, .x = w->owner[j]}; /* x: controller */
  int rc = cs_engine_schedule(e, t + km / PV(w, P_WALK), PRIO_ARRIVAL, &arr, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(e)));
}

/* Version 2: the acceptance uniform also says which kind of flight it is
** (baseline, exposed mover, exposed stayer), and the exposed stocks lose
** its people (exposure.c). */
static int on_event_exposure(cs_engine *e, cs_world *w, int j, double t) {
  double base = 0, mover = 0, r = 0;
  if (w->residents[j] > 0) r = exposure_rate(w, j, t, &base, &mover);
  CS_CHECK_BOUND(w, "flight", j, -1, r, w->flight_bound[j]);
  double u = cs_rng_uniform(&w->flight_rng[j]) * w->flight_bound[j];
  if (u >= r) return redraw(w, j, t, r); /* thinned out */
  int kind = u < base ? CS_XP_BASE : u < base + mover ? CS_XP_MOVER : CS_XP_STAYER;
  int64_t size;
  int k, rc = leave(e, w, j, t, kind, &size, &k);
  if (rc == CS_OK) rc = redraw(w, j, t, flight_rate(w, j, t));
  if (rc != CS_OK || k == CS_DEST_NONE) return rc;
  return cs__log(w, t, CS_EK_FLIGHT, j, CS_PARTY_NONE, k, 0, size);
}

int cs_flight_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int j = ev->a;
  double t = cs_engine_now(e);
  w->flight_h[j] = 0;
  if (w->xp_on) return on_event_exposure(e, w, j, t);
  /* The hazard does not depend on the residents: the redraw below uses the
  ** same value, as it would if it computed it again at the same time. */
  double h = w->residents[j] > 0 ? cs_flight_hazard(w, j, t) : 0;
  double r = rate_with(w, j, h);
  CS_CHECK_BOUND(w, "flight", j, -1, r, w->flight_bound[j]);
  if (cs_rng_uniform(&w->flight_rng[j]) * w->flight_bound[j] >= r) /* thinned out */
    return redraw(w, j, t, r);
  int64_t size;
  int k, rc = leave(e, w, j, t, -1, &size, &k);
  if (rc != CS_OK) return rc;
  if ((rc = redraw(w, j, t, rate_with(w, j, h))) != CS_OK) return rc;
  if (k == CS_DEST_NONE) return CS_OK;
  /* fewer residents: the recruitment bound still holds, no redraw needed */
  return cs__log(w, t, CS_EK_FLIGHT, j, CS_PARTY_NONE, k, 0, size);
}

int cs_flight_on_arrive(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  w->in_transit -= ev->c;
  return cs_displaced_settle(w, ev->a, (int)ev->x, ev->b, ev->c);
}

int cs_world_set_capacity(cs_world *w, int node, int64_t cap) {
  if (node < 0 || node >= w->n) return cs_err(&w->ctx, CS_EINVAL, "set_capacity: unknown node");
  if (cap < 0) return cs_err(&w->ctx, CS_EINVAL, "set_capacity: capacity must be >= 0, got %lld", (long long)cap);
  w->site_cap[node] = cap;
  cs_notify_room(w, node);
  return CS_OK;
}

int cs_flight_alloc(cs_world *w) {
  size_t n = (size_t)w->n + 1;
  w->flight_rng = calloc(n, sizeof *w->flight_rng);
  w->dest_rng = calloc(n, sizeof *w->dest_rng);
  w->flight_h = calloc(n, sizeof *w->flight_h);
  w->flight_bound = calloc(n, sizeof *w->flight_bound);
  if (!w->flight_rng || !w->dest_rng || !w->flight_h || !w->flight_bound)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  return CS_OK;
}

void cs_flight_free(cs_world *w) {
  void *p[] = {w->flight_rng, w->dest_rng, w->flight_h, w->flight_bound, w->cand_start, w->cand_node,
               w->cand_km, w->cand_dw, w->cand_wt, w->fac_safe, w->fac_conf};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) free(p[i]);
  w->flight_rng = w->dest_rng = NULL;
  w->flight_h = NULL;
  w->flight_bound = w->cand_km = w->cand_dw = w->cand_wt = w->fac_safe = w->fac_conf = NULL;
  w->cand_start = w->cand_node = NULL;
}
