/* dispatch.c: the police response of version 2 (response_model = "pool"): a
** dispatch queue that sends teams of officers from a limited pool, after
** Larson's (1974) hypercube queueing model of police patrol and Green and
** Kolesar's (1984) multi-server queues for police (sim/README.md, dispatch.c).
**
** Servers. The pool is every officer of a reserve unit: a police or army unit
** with officers, at a STATE node, posture patrol or garrison, not on a call
** (responding). A team is team_size of them. A call for node j can be served
** when the reserves at STATE nodes other than j hold at least team_size
** officers; the team is then taken nearest first (nodes by road distance from
** j, ties by index; units at a node in index order; across units), so how
** the same officers are grouped into units at a node does not matter. With
** R reserve officers and no losses there are floor(R / team_size) servers.
**
** Calls (cs_dispatch_call, from cs_response_call). Each call draws, from its
** node's stream (node, PU_DISPATCH) and whatever happens to it, a patience
** patience_mean * Exp(1) and a service time service_mean * Exp(1). Calls wait
** in a queue served by priority: the node's value V_j (higher first), then
** the call time, then the order of the calls. A call still waiting when its
** patience runs out is dropped (logged call_dropped); patience 0 drops at
** once a call no team can take (a loss system: Erlang's B).
**
** A served call. The team's officers leave their units at once (they are
** busy) and form a detachment, a police unit of the pool's own (created when
** no idle one is at hand, reused after) with the team's mean lethality, off
** the map while it mobilises for a Gamma(2, response_scale) delay (stream
** (node, PU_RESPONSE), as in v1); it then travels to j by road at unit_speed
** from the farthest node a member came from (logged move), and on arrival it
** takes posture garrison and, if a gang holds j, starts a police operation
** (security.c, engagement.c), as a v1 response does. It stays on the call,
** wherever it is (at j, or fallen back after a lost operation), for the
** service time after its arrival; then its surviving officers go back to the
** units they came from (survivors shared in proportion to what each unit
** gave: floors, then one each in the order they gave) and the queue is
** served again. Busy time = mobilisation + travel + service.
**
** Invariants (checked by cs_dispatch_check, from check.c): a busy team's
** detachment holds at most the officers it took; an idle detachment holds
** none; officers are conserved through it (they stay in units throughout).
** The queue is re-examined when a call arrives, a team frees, a unit arrives
** at a node, a force is added or a parameter changes (cs_notify_reserve,
** cs_notify_param). With response_model = "unit" no call ever reaches this
** file, the queue stays empty and nothing here draws or schedules. */
#include "model_int.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct call_s {
  int node;
  double t, value;   /* call time, and V_j: the priority */
  double service;    /* service time drawn at the call */
  uint64_t seq;      /* order of the calls */
  cs_handle lapse;   /* pending patience expiry, 0 if none */
} call_s;

typedef struct take_s {
  int unit;
  int64_t n;
} take_s;

typedef struct team_s {
  int unit;          /* the detachment's unit index */
  int busy;          /* 1 from its assignment until its officers go back */
  int node;          /* the call it serves */
  double km, service;/* road distance from its farthest member, service time */
  int64_t taken;
  take_s *from;      /* the units its officers came from, in the order taken */
  int n_from, cap_from;
} team_s;

struct cs_dispatch {
  call_s *q;         /* waiting calls, in the order they came */
  int n_q, cap_q;
  team_s *teams;
  int n_teams, cap_teams;
  cs_pcg32 *rng;     /* [n] (node, PU_DISPATCH) */
  take_s *scratch;   /* one team's sources while it is formed */
  int n_scratch, cap_scratch;
  uint64_t seq;
  int serving;       /* guard: serve() does not nest */
  cs_dispatch_stats st;
};

/* The scan for one team: reserves nearest first, up to team_size officers. */
typedef struct gather {
  cs_world *w;
  int need;          /* the call's node: its own units do not go */
  int64_t want, got;
  double km;         /* distance of the last node used */
  int oom;
} gather;

int cs_dispatch_on(const cs_world *w) {
  const char *s = w->params[P_RESPONSE_MODEL].str;
  return s && strcmp(s, "pool") == 0;
}

/* A unit whose officers may form a team (the v1 rule for a reserve). */
static int in_pool(const cs_world *w, int u) {
  const cs_unit_s *un = &w->units[u];
  return (un->kind == CS_UNIT_POLICE || un->kind == CS_UNIT_ARMY) && !un->responding && un->officers > 0 &&
         un->loc >= 0 && (un->posture == CS_POSTURE_PATROL || un->posture == CS_POSTURE_GARRISON);
}

static int visit_gather(void *ud, int k, double km) {
  gather *g = ud;
  cs_world *w = g->w;
  cs_dispatch *d = w->dispatch;
  if (k == g->need || w->owner[k] != CS_PARTY_STATE) return 0;
  for (int u = w->unit_head[k]; u >= 0 && g->got < g->want; u = w->units[u].next) {
    if (!in_pool(w, u)) continue;
    int64_t n = w->units[u].officers < g->want - g->got ? w->units[u].officers : g->want - g->got;
    if (cs__grow((void **)&d->scratch, &d->cap_scratch, d->n_scratch + 1, sizeof *d->scratch)) {
      g->oom = 1;
      return 1;
    }
    d->scratch[d->n_scratch++] = (take_s){u, n};
    g->got += n;
    g->km = km;
  }
  return g->got >= g->want;
}

/* An idle detachment to reuse (not on the road: one that went home while
** travelling is reused once it has arrived), or a new one; its index in *t. */
static int idle_team(cs_world *w, int *t) {
  cs_dispatch *d = w->dispatch;
  for (int i = 0; i < d->n_teams; i++)
    if (!d->teams[i].busy && w->units[d->teams[i].unit].loc != LOC_TRANSIT) {
      cs_security_park(w, d->teams[i].unit);
      *t = i;
      return CS_OK;
    }
  if (cs__grow((void **)&d->teams, &d->cap_teams, d->n_teams + 1, sizeof *d->teams))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory forming a police team");
  char id[64];
  int k = d->n_teams + 1;
  do snprintf(id, sizeof id, "dispatch.team%d", k++);
  while (cs_world_find_unit(w, id) >= 0);
  cs_unit_decl ud = {id, CS_UNIT_POLICE, 0, PV(w, P_LETH_POLICE), CS_POSTURE_GARRISON, CS_NODE_NONE};
  int u, rc = cs_security_add_unit(w, &ud, &u);
  if (rc != CS_OK) return rc;
  team_s *tm = &d->teams[d->n_teams];
  memset(tm, 0, sizeof *tm);
  tm->unit = u;
  *t = d->n_teams++;
  return CS_OK;
}

/* Serve call c now if the pool can: 1 if served, 0 if not, or an error. */
static int assign(cs_world *w, const call_s *c) {
  cs_dispatch *d = w->dispatch;
  int64_t size = (int64_t)PV(w, P_TEAM_SIZE);
  gather g = {w, c->node, size, 0, 0, 0};
  d->n_scratch = 0;
  int rc = cs__graph_visit(w, c->node, INFINITY, visit_gather, &g);
  if (rc != CS_OK) return rc;
  if (g.oom) return cs_err(&w->ctx, CS_ENOMEM, "out of memory forming a police team");
  if (g.got < size) return 0;
  int t = -1;
  if ((rc = idle_team(w, &t)) != CS_OK) return rc;
  team_s *tm = &d->teams[t];
  if (cs__grow((void **)&tm->from, &tm->cap_from, d->n_scratch, sizeof *tm->from))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory forming a police team");
  cs_unit_s *un = &w->units[tm->unit];
  double s = 0;
  for (int i = 0; i < d->n_scratch; i++) s += (double)d->scratch[i].n * w->units[d->scratch[i].unit].lethality;
  un->lethality = s / (double)g.got; /* off the map: no node sums to recount */
  un->posture = CS_POSTURE_OFFENSIVE;
  un->responding = 1;
  for (int i = 0; i < d->n_scratch; i++) {
    tm->from[i] = d->scratch[i];
    cs_security_transfer(w, d->scratch[i].unit, tm->unit, d->scratch[i].n);
  }
  tm->n_from = d->n_scratch;
  tm->taken = g.got;
  tm->busy = 1;
  tm->node = c->node;
  tm->km = g.km;
  tm->service = c->service;
  double now = cs__now(w), wait = now - c->t;
  d->st.served++;
  d->st.wait_sum += wait;
  d->st.waited += wait > 0;
  if ((rc = cs_notify_officers_rose(w, tm->unit)) != CS_OK) return rc;
  double delay = cs_rng_gamma_int(&w->response_rng[c->node], 2, PV(w, P_RESPONSE_SCALE));
  cs_event ev = {.kind = EV_TEAM_DEPART, .a = t};
  rc = cs_engine_schedule(w->eng, now + delay, PRIO_PROCESS, &ev, NULL);
  return rc == CS_OK ? 1 : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

static int by_priority(const void *pa, const void *pb) {
  const call_s *a = pa, *b = pb;
  if (a->value != b->value) return a->value > b->value ? -1 : 1;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Drop call i of the queue (its order among the rest is kept). */
static void unqueue(cs_dispatch *d, int i) {
  memmove(&d->q[i], &d->q[i + 1], (size_t)(d->n_q - i - 1) * sizeof *d->q);
  d->n_q--;
}

/* One pass over the waiting calls by priority, serving each the pool can.
** The pool only shrinks during a pass, so a call it cannot serve stays. */
int cs_dispatch_serve(cs_world *w) {
  cs_dispatch *d = w->dispatch;
  if (!d || d->n_q == 0 || d->serving) return CS_OK;
  d->serving = 1;
  qsort(d->q, (size_t)d->n_q, sizeof *d->q, by_priority); /* seq makes the order total */
  int rc = CS_OK;
  for (int i = 0; i < d->n_q;) {
    int served = assign(w, &d->q[i]);
    if (served < 0) {
      rc = served;
      break;
    }
    if (!served) {
      i++;
      continue;
    }
    if (d->q[i].lapse) cs_engine_cancel(w->eng, d->q[i].lapse);
    unqueue(d, i);
  }
  d->serving = 0;
  return rc;
}

static int drop(cs_world *w, int i) {
  cs_dispatch *d = w->dispatch;
  int j = d->q[i].node;
  unqueue(d, i);
  d->st.dropped++;
  return cs__log(w, cs__now(w), CS_EK_CALL_DROPPED, j, -1, -1, 0, 0);
}

int cs_dispatch_call(cs_world *w, int j) {
  cs_dispatch *d = w->dispatch;
  double now = cs__now(w);
  double patience = PV(w, P_PATIENCE_MEAN) * cs_rng_exp(&d->rng[j], 1.0);
  double service = PV(w, P_SERVICE_MEAN) * cs_rng_exp(&d->rng[j], 1.0);
  if (cs__grow((void **)&d->q, &d->cap_q, d->n_q + 1, sizeof *d->q))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory queueing a police call");
  uint64_t seq = d->seq++;
  d->q[d->n_q++] = (call_s){j, now, w->value[j], service, seq, 0};
  d->st.calls++;
  int rc = cs_dispatch_serve(w);
  if (rc != CS_OK) return rc;
  int i = d->n_q - 1; /* the queue is sorted by priority: find the call */
  while (i >= 0 && d->q[i].seq != seq) i--;
  if (i < 0) return CS_OK; /* served */
  if (!(patience > 0)) return drop(w, i);
  if (now + patience > w->days) return CS_OK; /* it would lapse after the horizon */
  cs_event ev = {.kind = EV_CALL_LAPSE, .x = (double)seq};
  rc = cs_engine_schedule(w->eng, now + patience, PRIO_PROCESS, &ev, &d->q[i].lapse);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_dispatch_on_lapse(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  cs_dispatch *d = w->dispatch;
  (void)e;
  for (int i = 0; i < d->n_q; i++)
    if ((double)d->q[i].seq == ev->x) return drop(w, i);
  assert(0 && "a lapse is cancelled when its call is served");
  return CS_OK;
}

int cs_dispatch_on_depart(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  team_s *tm = &w->dispatch->teams[ev->a];
  double now = cs_engine_now(e);
  if (w->units[tm->unit].officers == 0) { /* all deserted while it mobilised */
    cs_event fr = {.kind = EV_TEAM_FREE, .a = ev->a};
    int rc = cs_engine_schedule(w->eng, now, PRIO_PROCESS, &fr, NULL);
    return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
  }
  /* the arrival time as cs_security_travel computes it, then the service */
  double arrive = now + tm->km / PV(w, P_UNIT_SPEED);
  int rc = cs_security_travel(w, tm->unit, tm->node, tm->km, 3);
  if (rc != CS_OK) return rc;
  cs_event fr = {.kind = EV_TEAM_FREE, .a = ev->a};
  rc = cs_engine_schedule(w->eng, arrive + tm->service, PRIO_PROCESS, &fr, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_dispatch_on_free(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  cs_dispatch *d = w->dispatch;
  team_s *tm = &d->teams[ev->a];
  (void)e;
  int u = tm->unit, rc = CS_OK;
  int64_t back = w->units[u].officers, given = 0;
  assert(tm->busy && back <= tm->taken);
  /* survivors go back in proportion to what each unit gave */
  int64_t *k = malloc((size_t)(tm->n_from + 1) * sizeof *k);
  if (!k) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int i = 0; i < tm->n_from; i++) {
    k[i] = (int64_t)((double)back * (double)tm->from[i].n / (double)tm->taken);
    if (k[i] > tm->from[i].n) k[i] = tm->from[i].n;
    given += k[i];
  }
  for (int i = 0; given < back && i < tm->n_from; i++)
    if (k[i] < tm->from[i].n) {
      k[i]++;
      given++;
    }
  for (int i = 0; i < tm->n_from; i++) cs_security_transfer(w, u, tm->from[i].unit, k[i]);
  for (int i = 0; rc == CS_OK && i < tm->n_from; i++)
    if (k[i] > 0) rc = cs_notify_officers_rose(w, tm->from[i].unit);
  free(k);
  if (rc != CS_OK) return rc;
  assert(w->units[u].officers == 0);
  w->units[u].responding = 0;
  w->units[u].posture = CS_POSTURE_GARRISON;
  if (w->units[u].loc != LOC_TRANSIT) cs_security_park(w, u); /* on the road: parked when reused */
  tm->busy = 0;
  tm->n_from = 0;
  tm->taken = 0;
  d->st.freed++;
  return cs_dispatch_serve(w);
}

void cs_world_dispatch_stats(const cs_world *w, cs_dispatch_stats *out) {
  memset(out, 0, sizeof *out);
  const cs_dispatch *d = w->dispatch;
  if (!d) return;
  *out = d->st;
  out->waiting = d->n_q;
  for (int i = 0; i < d->n_teams; i++)
    if (d->teams[i].busy) {
      out->teams_busy++;
      out->officers_busy += w->units[d->teams[i].unit].officers;
    }
}

int cs_dispatch_check(const cs_world *w, char *msg, size_t cap) {
  const cs_dispatch *d = w->dispatch;
  if (!d) return 0;
  for (int i = 0; i < d->n_teams; i++) {
    const team_s *tm = &d->teams[i];
    const cs_unit_s *un = &w->units[tm->unit];
    int64_t given = 0;
    for (int f = 0; f < tm->n_from; f++) given += tm->from[f].n;
    if (tm->busy ? (un->officers > tm->taken || given != tm->taken || !un->responding) : un->officers != 0) {
      if (msg && cap)
        snprintf(msg, cap, "police team %s: %s with %" PRId64 " officers, %" PRId64 " taken", un->id,
                 tm->busy ? "busy" : "idle", un->officers, tm->taken);
      return -1;
    }
  }
  return 0;
}

int cs_dispatch_start(cs_world *w) {
  cs_dispatch *d = calloc(1, sizeof *d);
  if (!d || !(d->rng = calloc((size_t)w->n + 1, sizeof *d->rng))) {
    free(d);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  }
  w->dispatch = d;
  cs_dispatch_streams(w);
  return CS_OK;
}

void cs_dispatch_streams(cs_world *w) {
  cs_dispatch *d = w->dispatch;
  for (int j = 0; d && j < w->n; j++) cs__stream(w, &d->rng[j], CS_ENT_NODE, (uint64_t)j, PU_DISPATCH);
}

void cs_dispatch_free(cs_world *w) {
  cs_dispatch *d = w->dispatch;
  if (!d) return;
  for (int i = 0; i < d->n_teams; i++) free(d->teams[i].from);
  free(d->teams);
  free(d->q);
  free(d->scratch);
  free(d->rng);
  free(d);
  w->dispatch = NULL;
}

int cs_world_police_call(cs_world *w, int j) {
  if (!w->running) return cs_err(&w->ctx, CS_EINVAL, "police_call acts during the run");
  if (j < 0 || j >= w->n) return cs_err(&w->ctx, CS_EINVAL, "police_call: unknown node");
  return cs_response_call(w, j);
}
