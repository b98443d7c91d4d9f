/* security.c: security units: where they are, their strength, casualties,
** falling back after a lost node, moves, the recall of officers from the
** elite protection pool, arriving forces, and the prison break.
**
** A unit is at a node (loc >= 0), on protection duty off the map
** (CS_NODE_NONE; also a police team of dispatch.c mobilising or idle), or on
** the road (LOC_TRANSIT, arriving at dest). Officers
** are conserved: sum of unit officers + officers_dead == officers0 +
** officers_added (cs_security_transfer moves them between units, for the
** police teams of dispatch.c). Each unit draws from its own stream (unit, PU_UNIT). */
#include "model_int.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t cs_security_officers_at(const cs_world *w, int j) {
  if (w->off_n) return w->off_n[j];
  int64_t n = 0; /* before the run: no lists yet */
  for (int u = 0; u < w->n_units; u++)
    if (w->units[u].loc == j) n += w->units[u].officers;
  return n;
}

double cs_security_strength_at(const cs_world *w, int j) {
  if (w->off_s) return w->off_s[j];
  double s = 0;
  for (int u = 0; u < w->n_units; u++)
    if (w->units[u].loc == j) s += (double)w->units[u].officers * w->units[u].lethality;
  return s;
}

/* Recompute node j's officer sums from its list, in list order. */
static void recount(cs_world *w, int j) {
  int64_t n = 0;
  double s = 0;
  for (int u = w->unit_head[j]; u >= 0; u = w->units[u].next) {
    n += w->units[u].officers;
    s += (double)w->units[u].officers * w->units[u].lethality;
  }
  w->off_n[j] = n;
  w->off_s[j] = s;
}

/* Units at a node are kept in a list ordered by unit index. */
static void attach(cs_world *w, int u, int j) {
  w->units[u].loc = j;
  int *p = &w->unit_head[j];
  while (*p >= 0 && *p < u) p = &w->units[*p].next;
  w->units[u].next = *p;
  *p = u;
  recount(w, j);
}

static void detach(cs_world *w, int u) {
  int j = w->units[u].loc;
  if (j < 0) return;
  int *p = &w->unit_head[j];
  while (*p != u) {
    assert(*p >= 0 && "a unit at a node is in that node's list");
    p = &w->units[*p].next;
  }
  *p = w->units[u].next;
  w->units[u].next = -1;
  recount(w, j);
}

/* Desertion: each officer leaves at rate delta0 per year. Officers of a unit
** only decrease between draws, so the count at the last draw bounds the rate
** (thinning, the unit's own stream (unit, PU_DESERT)). */
static int schedule_desertion(cs_world *w, int u) {
  cs_unit_s *un = &w->units[u];
  un->desert_bound = (double)un->officers;
  cs_event ev = {.kind = EV_DESERT, .a = u};
  return cs__redraw(w, &un->desert_h, NULL, un->desert_bound * PV(w, P_DELTA0) / 365.0, 0, &un->desert_rng, &ev);
}

int cs_security_on_desert(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int u = ev->a;
  cs_unit_s *un = &w->units[u];
  un->desert_h = 0;
  CS_CHECK_BOUND(w, "desertion", u, -1, (double)un->officers, un->desert_bound);
  if (cs_rng_uniform(&un->desert_rng) * un->desert_bound < (double)un->officers) {
    un->officers--;
    w->officers_deserted++;
    if (un->loc >= 0) recount(w, un->loc);
    int rc = cs__log(w, cs_engine_now(e), CS_EK_DESERTION, un->loc >= 0 ? un->loc : -1, u, CS_PARTY_NONE, 0, 1);
    if (rc != CS_OK) return rc;
  }
  return schedule_desertion(w, u);
}

int cs_security_desertion_redraw(cs_world *w, int u) { return schedule_desertion(w, u); }

void cs_security_transfer(cs_world *w, int from, int to, int64_t n) {
  assert(n >= 0 && n <= w->units[from].officers);
  w->units[from].officers -= n;
  w->units[to].officers += n;
  if (w->units[from].loc >= 0) recount(w, w->units[from].loc);
  if (w->units[to].loc >= 0) recount(w, w->units[to].loc);
}

void cs_security_park(cs_world *w, int u) {
  assert(w->units[u].loc != LOC_TRANSIT);
  detach(w, u);
  w->units[u].loc = CS_NODE_NONE;
}

int cs_security_reschedule(cs_world *w) {
  for (int u = 0; u < w->n_units; u++) {
    int rc = schedule_desertion(w, u);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

/* Streams and processes of a unit (at run start, or when it appears). */
static void unit_streams(cs_world *w, int u) {
  cs_unit_s *un = &w->units[u];
  cs__stream(w, &un->rng, CS_ENT_UNIT, (uint64_t)u, PU_UNIT);
  cs__stream(w, &un->patrol_rng, CS_ENT_UNIT, (uint64_t)u, PU_PATROL);
  cs__stream(w, &un->desert_rng, CS_ENT_UNIT, (uint64_t)u, PU_DESERT);
}

void cs_security_streams(cs_world *w) {
  for (int u = 0; u < w->n_units; u++) unit_streams(w, u);
}

static int start_unit(cs_world *w, int u) {
  unit_streams(w, u);
  int rc = schedule_desertion(w, u);
  return rc != CS_OK ? rc : cs_arrest_start_unit(w, u);
}

int cs_security_start(cs_world *w) {
  w->unit_head = malloc((size_t)w->n * sizeof *w->unit_head);
  w->off_n = calloc((size_t)w->n, sizeof *w->off_n);
  w->off_s = calloc((size_t)w->n, sizeof *w->off_s);
  if (!w->unit_head || !w->off_n || !w->off_s) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int j = 0; j < w->n; j++) w->unit_head[j] = -1;
  for (int u = 0; u < w->n_units; u++) {
    w->units[u].next = -1;
    if (w->units[u].loc >= 0) attach(w, u, w->units[u].loc);
  }
  for (int u = 0; u < w->n_units; u++) {
    int rc = start_unit(w, u);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

double cs_security_default_lethality(const cs_world *w, int kind) {
  switch (kind) {
  case CS_UNIT_ARMY: return PV(w, P_LETH_ARMY);
  case CS_UNIT_INTERNATIONAL: return PV(w, P_LETH_INTL);
  default: return PV(w, P_LETH_POLICE);
  }
}

int cs_security_add_unit(cs_world *w, const cs_unit_decl *d, int *idx) {
  if (!d->id || !*d->id) return cs_err(&w->ctx, CS_EINVAL, "a unit needs a non-empty id");
  if (cs_world_find_unit(w, d->id) >= 0) return cs_err(&w->ctx, CS_EINVAL, "duplicate unit id '%s'", d->id);
  if (d->kind < 0 || d->kind >= CS_UNIT_KINDS) return cs_err(&w->ctx, CS_EINVAL, "unit '%s': unknown kind", d->id);
  if (d->posture < 0 || d->posture >= CS_POSTURES) return cs_err(&w->ctx, CS_EINVAL, "unit '%s': unknown posture", d->id);
  if (d->officers < 0) return cs_err(&w->ctx, CS_EINVAL, "unit '%s': officers must be >= 0", d->id);
  if (w->officers0 + w->officers_added > CS_COUNT_MAX - d->officers)
    return cs_err(&w->ctx, CS_EINVAL, "unit '%s': %lld officers would take the officers of all units past %lld", d->id,
                  (long long)d->officers, (long long)CS_COUNT_MAX);
  if (!isfinite(d->lethality) || d->lethality > 1e6) return cs_err(&w->ctx, CS_EINVAL, "unit '%s': lethality must be finite", d->id);
  if (d->at != CS_NODE_NONE && (d->at < 0 || d->at >= w->n)) return cs_err(&w->ctx, CS_EINVAL, "unit '%s': unknown node", d->id);
  if (d->kind == CS_UNIT_PROTECTION && d->at != CS_NODE_NONE)
    return cs_err(&w->ctx, CS_EINVAL,
                  "unit '%s': a protection unit is on protection duty, off the map: omit 'at' (kind 'police' or "
                  "'army' stands at a node; sim:recall brings protection officers onto the map)", d->id);
  if (cs__grow((void **)&w->units, &w->cap_units, w->n_units + 1, sizeof *w->units))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding unit '%s'", d->id);
  cs_unit_s *u = &w->units[w->n_units];
  memset(u, 0, sizeof *u);
  if (!(u->id = cs__strdup(d->id))) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  u->kind = d->kind;
  u->posture = d->posture;
  u->officers = d->officers;
  u->lethality = d->lethality >= 0 ? d->lethality : (w->finalized ? cs_security_default_lethality(w, d->kind) : -1);
  u->loc = d->at;
  u->next = -1;
  u->dest = -1;
  int i = w->n_units++;
  if (cs__index_unit(w, i) != CS_OK) {
    w->n_units--;
    free(u->id);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding unit '%s'", d->id);
  }
  if (w->running) w->officers_added += d->officers;
  else w->officers0 += d->officers;
  if (w->running) {
    if (d->at >= 0) attach(w, i, d->at);
    int rc = start_unit(w, i);
    if (rc != CS_OK) return rc;
  }
  if (idx) *idx = i;
  return CS_OK;
}

void cs_security_casualties(cs_world *w, int j, int64_t n) {
  int64_t total = w->off_n[j];
  if (n > total) n = total;
  if (n <= 0) return;
  /* Shares by headcount, floors first, then one each in unit order: exact. */
  int64_t given = 0;
  for (int u = w->unit_head[j]; u >= 0; u = w->units[u].next) {
    int64_t k = (int64_t)((double)n * (double)w->units[u].officers / (double)total);
    if (k > w->units[u].officers) k = w->units[u].officers;
    w->units[u].officers -= k;
    given += k;
  }
  for (int u = w->unit_head[j]; given < n && u >= 0; u = w->units[u].next)
    if (w->units[u].officers > 0) {
      w->units[u].officers--;
      given++;
    }
  w->officers_dead += given;
  recount(w, j);
}

int cs_security_travel(cs_world *w, int u, int to, double km, int flag) {
  cs_unit_s *un = &w->units[u];
  detach(w, u);
  un->loc = LOC_TRANSIT;
  un->dest = to;
  cs_event ev = {.kind = EV_UNIT_ARRIVE, .a = u, .b = to, .c = flag};
  int rc = cs_engine_schedule(w->eng, cs__now(w) + km / PV(w, P_UNIT_SPEED), PRIO_ARRIVAL, &ev, NULL);
  if (rc != CS_OK) return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
  /* defence changes move p only, which thinning reads at each firing */
  return cs__log(w, cs__now(w), CS_EK_MOVE, to, u, CS_PARTY_NONE, 0, 0);
}

typedef struct nearest_state {
  const cs_world *w;
  int from, found;
  double km;
} nearest_state;

static int stop_at_state(void *ud, int k, double km) {
  nearest_state *ns = ud;
  if (k == ns->from || ns->w->owner[k] != CS_PARTY_STATE) return 0;
  ns->found = k;
  ns->km = km;
  return 1;
}

int cs_security_nearest_state(cs_world *w, int j, int *node, double *km) {
  nearest_state ns = {w, j, -1, 0};
  int rc = cs__graph_visit(w, j, INFINITY, stop_at_state, &ns);
  *node = ns.found;
  *km = ns.km;
  return rc;
}

int cs_security_fall_back(cs_world *w, int j) {
  if (w->unit_head[j] < 0) return CS_OK;
  nearest_state ns = {w, j, -1, 0};
  int rc = cs__graph_visit(w, j, INFINITY, stop_at_state, &ns);
  if (rc != CS_OK || ns.found < 0) return rc; /* nowhere to go: they hold on */
  while (w->unit_head[j] >= 0)
    if ((rc = cs_security_travel(w, w->unit_head[j], ns.found, ns.km, 0)) != CS_OK) return rc;
  return CS_OK;
}

int cs_security_on_arrive(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  cs_unit_s *un = &w->units[ev->a];
  attach(w, ev->a, ev->b);
  un->dest = -1;
  if (ev->c == 0) return cs_notify_reserve(w);
  if (ev->c == 2 || ev->c == 3) { /* a police response arrives: retake the node if a gang holds it */
    un->responding = ev->c == 3; /* a dispatched team stays on its call (dispatch.c) */
    un->posture = CS_POSTURE_GARRISON;
    int rc = CS_PARTY_IS_GANG(w->owner[ev->b]) ? cs_engagement_begin(w, CS_PARTY_STATE, ev->b) : CS_OK;
    return rc == CS_OK ? cs_notify_reserve(w) : rc;
  }
  /* c == 1: the end of a recall, reported as a force arriving; at a node a
  ** gang took meanwhile, the new unit then falls back like any unit there. */
  int rc = cs__log(w, cs_engine_now(e), CS_EK_FORCE, ev->b, ev->a, CS_PARTY_NONE, 0, un->officers);
  if (rc == CS_OK && CS_PARTY_IS_GANG(w->owner[ev->b])) rc = cs_security_fall_back(w, ev->b);
  return rc == CS_OK ? cs_notify_reserve(w) : rc;
}

#define RUN_CHECK(w, what)                                                                 \
  do {                                                                                     \
    if (!(w)->running)                                                                     \
      return cs_err(&(w)->ctx, CS_EINVAL, "%s acts during the run: call it from at/every/on/when", what); \
  } while (0)

int cs_world_move_unit(cs_world *w, int u, int node) {
  RUN_CHECK(w, "move");
  if (u < 0 || u >= w->n_units) return cs_err(&w->ctx, CS_EINVAL, "move: unknown unit");
  if (node < 0 || node >= w->n) return cs_err(&w->ctx, CS_EINVAL, "move: unknown node");
  cs_unit_s *un = &w->units[u];
  if (un->loc == CS_NODE_NONE)
    return cs_err(&w->ctx, CS_EINVAL, "move: unit '%s' is on protection duty: use recall", un->id);
  if (un->loc == LOC_TRANSIT)
    return cs_err(&w->ctx, CS_EINVAL, "move: unit '%s' is on the road; move it when it arrives", un->id);
  if (un->loc == node) return CS_OK;
  double km;
  int rc = cs__road_km(w, un->loc, node, &km);
  return rc != CS_OK ? rc : cs_security_travel(w, u, node, km, 0);
}

int cs_world_recall(cs_world *w, int from, int64_t n, int to, int *new_unit) {
  RUN_CHECK(w, "recall");
  if (from < 0 || from >= w->n_units) return cs_err(&w->ctx, CS_EINVAL, "recall: unknown unit");
  if (to < 0 || to >= w->n) return cs_err(&w->ctx, CS_EINVAL, "recall: unknown node");
  cs_unit_s *src = &w->units[from];
  if (src->kind != CS_UNIT_PROTECTION || src->loc != CS_NODE_NONE)
    return cs_err(&w->ctx, CS_EINVAL, "recall: unit '%s' is not a protection unit on duty", src->id);
  if (n < 0 || n > src->officers)
    return cs_err(&w->ctx, CS_EINVAL, "recall: %lld officers asked of unit '%s', which has %lld", (long long)n,
                  src->id, (long long)src->officers);
  if (n == 0) return CS_OK; /* a recall of nothing changes nothing (and draws nothing) */
  /* To a gang-held node: the officers go to the nearest STATE node instead
  ** (road distance, ties by index); the row names both. */
  int asked = -1, rc;
  if (CS_PARTY_IS_GANG(w->owner[to])) {
    double km;
    asked = to;
    if ((rc = cs_security_nearest_state(w, asked, &to, &km)) != CS_OK) return rc;
    if (to < 0)
      return cs_err(&w->ctx, CS_EINVAL, "recall: node '%s' is held by gang '%s' and the state holds no node to send the officers to",
                    w->node_id[asked], w->gangs[CS_PARTY_GANG_INDEX(w->owner[asked])].id);
  }
  double lo = PV(w, P_RECALL_MIN), hi = PV(w, P_RECALL_MAX);
  double delay = lo + (hi - lo) * cs_rng_uniform(&src->rng);
  char id[256];
  int k = 1;
  do snprintf(id, sizeof id, "%.200s.recall%d", src->id, k++);
  while (cs_world_find_unit(w, id) >= 0);
  cs_unit_decl d = {id, CS_UNIT_POLICE, n, src->lethality, CS_POSTURE_GARRISON, CS_NODE_NONE};
  int idx;
  /* Moved officers are not new: keep officers_added unchanged. */
  int64_t added = w->officers_added;
  if ((rc = cs_security_add_unit(w, &d, &idx)) != CS_OK) return rc;
  w->officers_added = added;
  src = &w->units[from]; /* the array may have moved */
  src->officers -= n;
  w->units[idx].loc = LOC_TRANSIT;
  w->units[idx].dest = to;
  cs_event ev = {.kind = EV_UNIT_ARRIVE, .a = idx, .b = to, .c = 1};
  if ((rc = cs_engine_schedule(w->eng, cs__now(w) + delay, PRIO_ARRIVAL, &ev, NULL)) != CS_OK)
    return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
  if (new_unit) *new_unit = idx;
  return cs__log(w, cs__now(w), CS_EK_RECALL, to, from, asked, 0, n);
}

int cs_world_add_force(cs_world *w, const cs_unit_decl *d, int *idx) {
  RUN_CHECK(w, "add_force");
  if (d->kind == CS_UNIT_PROTECTION)
    return cs_err(&w->ctx, CS_EINVAL, "add_force: a force arrives on the map, so it cannot be of kind 'protection' "
                                      "(police, army or international)");
  if (d->at < 0 || d->at >= w->n) return cs_err(&w->ctx, CS_EINVAL, "add_force: a force must arrive at a node");
  int i, rc = cs_security_add_unit(w, d, &i);
  if (rc != CS_OK) return rc;
  if (d->kind == CS_UNIT_INTERNATIONAL) { /* an announced force arriving */
    double s = (double)d->officers * w->units[i].lethality;
    w->announced = w->announced > s ? w->announced - s : 0.0;
  }
  if (idx) *idx = i;
  rc = cs__log(w, cs__now(w), CS_EK_FORCE, d->at, i, CS_PARTY_NONE, 0, d->officers);
  return rc == CS_OK ? cs_notify_reserve(w) : rc;
}

/* Free k jailed members of gg: those without a release date first. */
static void free_jailed(cs_gang_s *gg, int64_t k) {
  int64_t untimed = gg->jailed - gg->jailed_timed, a = k < untimed ? k : untimed;
  gg->jailed -= k;
  gg->members += k;
  gg->freed += k;
  gg->jailed_timed -= k - a;
  gg->skip_release += k - a;
}

int cs_world_prison_break(cs_world *w, int64_t n, int64_t *freed) {
  RUN_CHECK(w, "prison_break");
  if (n < 0) return cs_err(&w->ctx, CS_EINVAL, "prison_break: the number freed must be >= 0");
  int64_t jailed = 0;
  for (int g = 0; g < w->n_gangs; g++) jailed += w->gangs[g].jailed;
  if (n > jailed) n = jailed;
  int64_t given = 0;
  int64_t *before = malloc((size_t)(w->n_gangs + 1) * sizeof *before);
  if (!before) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int g = 0; g < w->n_gangs; g++) before[g] = w->gangs[g].members;
  for (int g = 0; g < w->n_gangs && n > 0; g++) {
    int64_t k = (int64_t)((double)n * (double)w->gangs[g].jailed / (double)jailed);
    if (k > w->gangs[g].jailed) k = w->gangs[g].jailed;
    free_jailed(&w->gangs[g], k);
    given += k;
  }
  for (int g = 0; given < n && g < w->n_gangs; g++)
    if (w->gangs[g].jailed > 0) {
      free_jailed(&w->gangs[g], 1);
      given++;
    }
  if (freed) *freed = given;
  int rc = CS_OK;
  for (int g = 0; rc == CS_OK && g < w->n_gangs; g++) /* a gang back from zero attacks again */
    if (before[g] == 0 && w->gangs[g].members > 0) rc = cs_notify_members(w, g);
  free(before);
  if (rc != CS_OK) return rc;
  return cs__log(w, cs__now(w), CS_EK_PRISON_BREAK, -1, CS_PARTY_NONE, CS_PARTY_NONE, 0, given);
}

void cs_security_free(cs_world *w) {
  free(w->unit_head);
  free(w->off_n);
  free(w->off_s);
  w->unit_head = NULL;
  w->off_n = NULL;
  w->off_s = NULL;
}
