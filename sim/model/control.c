/* control.c: partial control of a neighbourhood (control_model; sim/README.md,
** "control.c: partial control").
**
** With control_model "whole" (version 1, the default) a node has one owner
** and a won engagement hands the whole node to the winner: this file then
** holds no state, draws nothing, and cs_control_settle only says who the
** winner is.
**
** With "shares", after Kalyvas (2006: zones of full, dominant and
** fragmented control), each node j keeps the share s_jP in [0, 1] of every
** party P that holds part of it, summing to 1. The parties are the STATE,
** the gangs, and "nobody" (the part no armed actor holds, the party code
** CS_PARTY_CONTESTED). Invariants between events, checked by
** cs_control_check:
** - every listed share is in (0, 1], a party is listed at most once, and
**   the shares of a node sum to 1 (to 1e-9: each transfer adds to one share
**   what it takes from another, so only rounding moves the sum);
** - owner[j] is the derived owner: the party other than nobody whose share
**   is above control_majority (>= 0.5, so at most one), else CONTESTED.
** Memory: one short list per node, of the parties holding some of it (at
** most n_gangs + 2 entries, in practice two or three), grown on demand.
**
** An engagement at j with outcome +1 or -1 (a draw moves nothing) has a
** winner W and a loser L: the attacker, and the defending party d, the
** largest holder other than the attacker (ties: the lower party code;
** nobody if the attacker holds all of j). The winner takes
**
**   delta = control_step * mu * s_jL,   mu = p_W
**
** from the loser, where p_W is the winner's contest success probability at
** the start of the fight (p for the attacker, 1 - p for the defender;
** engagement.c): the margin of victory as the balance of forces that
** decided it. A win the forces made near certain is decisive; an upset moves
** little. (A margin from the losses, winner's losses against its breakpoint,
** was rejected: fast mode caps the winner's losses at its own breakpoint,
** and with beta_police far below beta nearly every police win sits at that
** cap, so police wins would move nothing.) Since 0 <= control_step * mu <= 1,
** delta lies in [0, s_jL]: no share leaves [0, 1]. A loser left with
** exactly 0 is dropped from the list. A change of the derived owner is the takeover
** (takeover.c, logged as today by engagement.c).
**
** Consolidation (consolidate_rate c >= 0; 0, the default, switches it off).
** Kalyvas (2006, ch. 5 and 7) argues that control breeds collaboration: in a
** zone of dominant control the dominant actor learns who sides with the
** rival, and its hold spreads until control is full, while a fragmented zone
** (no dominant actor) has no such pull. Here, while one party M holds the
** majority of j (the derived owner, not CONTESTED), every other share of j,
** nobody's included, decays toward 0 and M takes what they lose:
**
**   s_i(t) = s_i(t0) f,  s_M(t) = 1 - (1 - s_M(t0)) f,  f = exp(-c (t - t0)),
**
** t0 the node's last engagement (or the start, a change of a parameter the
** drift reads, a lapse). The shares keep summing to 1, M only gains, so
** without presence (below) the derived owner never changes between
** engagements: the drift needs no event and draws nothing. It is exact and lazy: the
** stored shares are those of time t0 (per node), readers evaluate the drift
** at the current time, and an engagement first brings the node to its time
** (consolidate), then moves shares as above. A change of c during a run
** first brings every node to the time of the change under the old rate. A
** CONTESTED node does not drift. The effect is a restoring force: a foothold
** won by a raid fades unless the raids come faster than 1 / c, so a
** community that repels most attacks holds, while one that loses decisively
** falls within days either way.
**
** Presence (presence_half h > 0; 0, the default, switches it off). Kalyvas
** (2006, ch. 5) ties control to the presence of armed forces. Node j's
** presence pi = O / (O + h), O the officers at j and those covering it
** (cs_cover_officers), is measured at the start and at each engagement at j
** (and for every node when a parameter the drift reads changes), and held
** in between. While the STATE holds the majority, consolidation toward it
** runs at a = c pi and its share wears down to nobody's at b = erode_rate
** (1 - pi); a gang's majority consolidates at c. With s* = a / (a + b):
**
**   s_STATE(t) = s* + (s_STATE(t0) - s*) v,   s_gang(t) = s_gang(t0) u,
**   s_nobody(t) = s_nobody(t0) u + (b / (a + b)) (1 - u) + (s_STATE(t0) - s*) (u - v),
**
** u = exp(-a tau), v = exp(-(a + b) tau), tau = t - t0: the shares still
** sum to 1. When s* < theta (control_majority) the STATE's share reaches
** theta at t0 + ln((s_STATE(t0) - s*) / (theta - s*)) / (a + b): the lapse,
** an event (EV_HOLD_LAPSE) that puts the share at theta exactly, makes the
** node CONTESTED (a takeover with no engagement) and reports it through
** notify.c. Any engagement at j, and any change of those parameters, cancels
** and reschedules it. No random number is drawn.
**
** Where erosion runs (erode_where). "everywhere" (the default): as above.
** "frontier": b = 0 unless a neighbour of j by open road is not the STATE's
** (control is relative to a rival's presence), a flag measured with pi; a
** change of hands at a node (cs_control_owner_changed, from notify.c) and a
** road closing or opening at it (cs_control_remeasure) bring each node
** concerned to now under its old flag, then measure flag and pi again. */
#include "model_int.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct holding {
  int party;    /* a party code: STATE, CONTESTED (nobody) or a gang */
  double share; /* in (0, 1] */
} holding;

struct cs_control {
  holding **list; /* [n] the holders of each node, in the order they first held it */
  int *len, *cap; /* [n] */
  double *t;      /* [n] time of the stored shares (consolidation drifts them from there) */
  double *pi;     /* [n] the STATE's presence, measured at the node's last engagement (1: full) */
  unsigned char *rival; /* [n] 1 if erosion may run (erode_where frontier: a rival near), measured with pi */
  cs_handle *lapse; /* [n] pending EV_HOLD_LAPSE of a STATE hold eroding below the majority, 0 if none */
};

int cs_control_shares(const cs_world *w) {
  const char *s = w->params[P_CONTROL_MODEL].str;
  return s && strcmp(s, "shares") == 0;
}

int cs_control_alloc(cs_world *w) {
  if (!cs_control_shares(w)) return CS_OK; /* "whole": no state */
  size_t n = (size_t)w->n;
  struct cs_control *c = calloc(1, sizeof *c);
  if (c) {
    w->ctl = c;
    c->list = calloc(n + 1, sizeof *c->list);
    c->len = calloc(n + 1, sizeof *c->len);
    c->cap = calloc(n + 1, sizeof *c->cap);
    c->t = calloc(n + 1, sizeof *c->t); /* 0: the run's start */
    c->pi = calloc(n + 1, sizeof *c->pi);
    c->lapse = calloc(n + 1, sizeof *c->lapse);
    c->rival = calloc(n + 1, sizeof *c->rival);
  }
  if (!c || !c->list || !c->len || !c->cap || !c->t || !c->pi || !c->lapse || !c->rival) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  for (size_t j = 0; j < n; j++) {
    if (!(c->list[j] = malloc(2 * sizeof *c->list[j]))) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
    c->cap[j] = 2;
    c->len[j] = 1;
    c->list[j][0].party = w->owner[j]; /* the declared owner holds all of it (CONTESTED: nobody does) */
    c->list[j][0].share = 1.0;
    c->pi[j] = 1.0;
    c->rival[j] = 1;
  }
  return CS_OK;
}

void cs_control_free(cs_world *w) {
  struct cs_control *c = w->ctl;
  if (!c) return;
  if (c->list)
    for (int j = 0; j < w->n; j++) free(c->list[j]);
  free(c->list);
  free(c->len);
  free(c->cap);
  free(c->t);
  free(c->pi);
  free(c->lapse);
  free(c->rival);
  free(c);
  w->ctl = NULL;
}

static int find(const struct cs_control *c, int j, int party) {
  for (int i = 0; i < c->len[j]; i++)
    if (c->list[j][i].party == party) return i;
  return -1;
}

/* The derived owner of j from the stored shares: the armed party above
** control_majority, else CONTESTED. Consolidation never changes it. */
static int derived_owner(const cs_world *w, int j) {
  const struct cs_control *c = w->ctl;
  double theta = PV(w, P_CONTROL_MAJORITY);
  for (int i = 0; i < c->len[j]; i++)
    if (c->list[j][i].party != CS_PARTY_CONTESTED && c->list[j][i].share > theta) return c->list[j][i].party;
  return CS_PARTY_CONTESTED;
}

/* Node j's drift from its stored time to t: the majority holder M
** (CONTESTED: none, the stored shares stand), u = exp(-a tau), v =
** exp(-(a + b) tau), with a = consolidate_rate * pi[j] toward M and b =
** erode_rate * (1 - pi[j]) of the STATE's share to nobody (b = 0 unless M is
** the STATE), pi[j] the presence measured at the node's last engagement. */
typedef struct drift {
  int major;
  double u, v, a, b; /* b = 0: consolidation alone, as before presence */
  double sm, s0;     /* stored shares of M and of nobody (b > 0 only) */
} drift;

static drift drift_at(const cs_world *w, int j, double t) {
  const struct cs_control *c = w->ctl;
  drift d = {CS_PARTY_CONTESTED, 1.0, 1.0, 0, 0, 0, 0};
  double rate = PV(w, P_CONSOLIDATE_RATE), erode = PV(w, P_ERODE_RATE);
  if (!(rate > 0 || erode > 0)) return d;
  d.major = derived_owner(w, j);
  if (d.major == CS_PARTY_CONTESTED || !(t > c->t[j])) {
    d.major = CS_PARTY_CONTESTED;
    return d;
  }
  double pi = d.major == CS_PARTY_STATE ? c->pi[j] : 1.0;
  d.a = pi == 1.0 ? rate : rate * pi;
  d.b = d.major == CS_PARTY_STATE && pi < 1.0 && c->rival[j] ? erode * (1.0 - pi) : 0.0;
  d.u = exp(-d.a * (t - c->t[j]));
  if (d.b > 0) {
    d.v = exp(-(d.a + d.b) * (t - c->t[j]));
    int im = find(c, j, d.major), i0 = find(c, j, CS_PARTY_CONTESTED);
    d.sm = im >= 0 ? c->list[j][im].share : 0;
    d.s0 = i0 >= 0 ? c->list[j][i0].share : 0;
  } else d.v = d.u;
  if (d.u == 1.0 && d.v == 1.0) d.major = CS_PARTY_CONTESTED; /* nothing moved */
  return d;
}

/* The share of `party`, stored as s, under drift d. */
static double share_at(int party, double s, const drift *d) {
  if (d->major == CS_PARTY_CONTESTED) return s;
  if (d->b <= 0) return party == d->major ? 1.0 - (1.0 - s) * d->u : s * d->u;
  double k = d->a + d->b, star = d->a / k;
  if (party == d->major) return star + (d->sm - star) * d->v;
  if (party == CS_PARTY_CONTESTED) { /* fed by the STATE's erosion; never below 0 */
    double s0 = d->s0 * d->u + d->b / k * (1.0 - d->u) + (d->sm - star) * (d->u - d->v);
    return s0 > 0 ? s0 : 0;
  }
  return s * d->u;
}

/* List nobody at j with a share of 0 if it holds none yet. */
static int list_nobody(cs_world *w, int j) {
  struct cs_control *c = w->ctl;
  if (find(c, j, CS_PARTY_CONTESTED) >= 0) return CS_OK;
  if (c->len[j] == c->cap[j] && cs__grow((void **)&c->list[j], &c->cap[j], c->len[j] + 1, sizeof *c->list[j]))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory sharing node '%s'", w->node_id[j]);
  c->list[j][c->len[j]].party = CS_PARTY_CONTESTED;
  c->list[j][c->len[j]++].share = 0;
  return CS_OK;
}

/* Bring node j's stored shares to time t (consolidation and erosion),
** dropping a share that reached 0 (underflow after a very long drift) and
** listing nobody when erosion gives it a first share. */
static int consolidate(cs_world *w, int j, double t) {
  struct cs_control *c = w->ctl;
  drift d = drift_at(w, j, t);
  if (d.major == CS_PARTY_CONTESTED) {
    if (t > c->t[j]) c->t[j] = t;
    return CS_OK;
  }
  int rc = d.b > 0 ? list_nobody(w, j) : CS_OK;
  if (rc != CS_OK) return rc; /* the node keeps its time and shares */
  c->t[j] = t;
  int k = 0;
  for (int i = 0; i < c->len[j]; i++) {
    holding h = c->list[j][i];
    h.share = share_at(h.party, h.share, &d);
    if (h.share > 0) c->list[j][k++] = h;
  }
  c->len[j] = k;
  return CS_OK;
}

/* The STATE's presence at j: its officers there and those covering it
** (cover.c), O, as O / (O + presence_half); 1 with presence_half 0. */
static double presence(const cs_world *w, int j) {
  double h = PV(w, P_PRESENCE_HALF);
  if (!(h > 0)) return 1.0;
  double o = cs_cover_officers(w, j);
  return o / (o + h);
}

static int frontier(const cs_world *w) {
  const char *where = w->params[P_ERODE_WHERE].str;
  return where && strcmp(where, "frontier") == 0;
}

/* Whether erosion may run at j: always with erode_where "everywhere"; with
** "frontier", only while a neighbour by open road is not held by the STATE
** (gang-held or CONTESTED), the rival whose presence control is relative to. */
static int rival_near(const cs_world *w, int j) {
  if (!frontier(w)) return 1;
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
    if (w->owner[w->adj_node[k]] != CS_PARTY_STATE) return 1;
  return 0;
}

/* Measure j's presence now (its shares are at now) and schedule the lapse of
** a STATE hold the erosion takes below control_majority: the STATE's share
** s(t) = s* + (s(t0) - s*) exp(-(a + b)(t - t0)), s* = a / (a + b), crosses
** theta at t0 + ln((s(t0) - s*) / (theta - s*)) / (a + b) when s* < theta. */
static int measure(cs_world *w, int j) {
  struct cs_control *c = w->ctl;
  c->pi[j] = presence(w, j);
  c->rival[j] = (unsigned char)rival_near(w, j);
  if (c->lapse[j]) cs_engine_cancel(w->eng, c->lapse[j]);
  c->lapse[j] = 0;
  double pi = c->pi[j], rate = PV(w, P_CONSOLIDATE_RATE), erode = PV(w, P_ERODE_RATE);
  if (!(erode > 0) || !(pi < 1.0) || !c->rival[j] || derived_owner(w, j) != CS_PARTY_STATE) return CS_OK;
  double a = rate * pi, b = erode * (1.0 - pi), k = a + b, star = a / k;
  double theta = PV(w, P_CONTROL_MAJORITY), sm = c->list[j][find(c, j, CS_PARTY_STATE)].share;
  if (!(star < theta) || !(sm > theta)) return CS_OK; /* the hold tends to stay above theta */
  double when = c->t[j] + log((sm - star) / (theta - star)) / k;
  if (!isfinite(when) || when > w->days) return CS_OK; /* after the horizon */
  cs_event ev = {.kind = EV_HOLD_LAPSE, .a = j};
  int rc = cs_engine_schedule(w->eng, when, PRIO_PROCESS, &ev, &c->lapse[j]);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_control_start(cs_world *w) {
  if (!w->ctl) return CS_OK;
  for (int j = 0; j < w->n; j++) {
    int rc = measure(w, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int cs_control_remeasure_all(cs_world *w) { /* the caller brought every node to now */
  int rc = CS_OK;
  for (int j = 0; w->ctl && rc == CS_OK && j < w->n; j++) rc = measure(w, j);
  return rc;
}

/* Whether a node's rival flag can change between its own measurements. */
static int rival_tracked(const cs_world *w) { return w->ctl && frontier(w) && PV(w, P_PRESENCE_HALF) > 0; }

static int remeasure(cs_world *w, int j) {
  int rc = consolidate(w, j, cs__now(w)); /* under the rival flag it had until now */
  return rc == CS_OK ? measure(w, j) : rc;
}

int cs_control_remeasure(cs_world *w, int j) { return rival_tracked(w) ? remeasure(w, j) : CS_OK; }

int cs_control_owner_changed(cs_world *w, int j) {
  int rc = CS_OK;
  if (!rival_tracked(w)) return CS_OK; /* no flag to update: no loop on the takeover path */
  for (int k = w->adj_start[j]; rc == CS_OK && k < w->adj_start[j + 1]; k++) rc = remeasure(w, w->adj_node[k]);
  return rc;
}

int cs_control_on_lapse(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  struct cs_control *c = w->ctl;
  int j = (int)ev->a, rc;
  (void)e;
  c->lapse[j] = 0;
  /* A timed fight under way at j (Lanchester chains) settles the node when it
  ** ends: the erosion runs on until then, and the fight's own settlement
  ** finds the owner (so the engagement row names the holder at its start). */
  if (w->engaged_until[j] > cs__now(w)) return CS_OK;
  if (derived_owner(w, j) != CS_PARTY_STATE) { /* never: every change of j's hold reschedules */
    assert(0 && "a lapse is cancelled when the STATE's hold changes");
    return CS_OK;
  }
  if ((rc = consolidate(w, j, cs__now(w))) != CS_OK) return rc;
  if ((rc = list_nobody(w, j)) != CS_OK) return rc; /* a crossing at t0 itself: no drift listed it */
  int is = find(c, j, CS_PARTY_STATE), i0 = find(c, j, CS_PARTY_CONTESTED);
  /* the crossing, exactly: the STATE at theta, nobody the rest */
  double theta = PV(w, P_CONTROL_MAJORITY), others = 0;
  for (int i = 0; i < c->len[j]; i++)
    if (i != is && i != i0) others += c->list[j][i].share;
  c->list[j][is].share = theta;
  c->list[j][i0].share = 1.0 - theta - others;
  if (c->list[j][i0].share < 0) c->list[j][i0].share = 0; /* rounding; the check's 1e-9 */
  if ((rc = measure(w, j)) != CS_OK) return rc; /* CONTESTED now: no drift, no lapse */
  int from = w->owner[j];
  if ((rc = cs_takeover(w, j, CS_PARTY_CONTESTED)) != CS_OK) return rc;
  if ((rc = cs__log(w, cs__now(w), CS_EK_TAKEOVER, j, CS_PARTY_CONTESTED, from, 0, 0)) != CS_OK) return rc;
  return cs_notify_hold_lapsed(w, j, from, CS_PARTY_CONTESTED);
}

int cs_control_consolidate_all(cs_world *w) {
  if (!w->ctl) return CS_OK;
  double t = cs__now(w);
  for (int j = 0; j < w->n; j++) {
    int rc = consolidate(w, j, t);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

double cs_control_share(const cs_world *w, int j, int party) {
  if (j < 0 || j >= w->n) return NAN;
  if (!w->ctl) return w->owner[j] == party ? 1.0 : 0.0;
  int i = find(w->ctl, j, party);
  drift d = drift_at(w, j, cs__now(w));
  if (i < 0) return party == CS_PARTY_CONTESTED && d.b > 0 ? share_at(party, 0, &d) : 0.0;
  return share_at(party, w->ctl->list[j][i].share, &d);
}

double cs_control_top(const cs_world *w, int j, int gangs_only) {
  if (j < 0 || j >= w->n) return NAN;
  if (!w->ctl) return CS_PARTY_IS_GANG(w->owner[j]) ? 1.0 : 0.0;
  drift d = drift_at(w, j, cs__now(w));
  double top = 0;
  if (d.b > 0 && !gangs_only && find(w->ctl, j, CS_PARTY_CONTESTED) < 0) top = share_at(CS_PARTY_CONTESTED, 0, &d);
  for (int i = 0; i < w->ctl->len[j]; i++) {
    const holding *h = &w->ctl->list[j][i];
    double s = share_at(h->party, h->share, &d);
    if ((!gangs_only || CS_PARTY_IS_GANG(h->party)) && s > top) top = s;
  }
  return top;
}

/* The largest holder of j other than `att` (ties: the lower party code);
** nobody if att holds all of it. */
static int defender(const cs_world *w, int j, int att) {
  const struct cs_control *c = w->ctl;
  int d = CS_PARTY_CONTESTED;
  double best = -1;
  for (int i = 0; i < c->len[j]; i++) {
    const holding *h = &c->list[j][i];
    if (h->party == att) continue;
    if (h->share > best || (h->share == best && h->party < d)) {
      best = h->share;
      d = h->party;
    }
  }
  return d;
}

double cs_control_margin(const cs_engagement *en) {
  double m = en->outcome > 0 ? en->p : 1.0 - en->p;
  return m < 0 ? 0 : m > 1 ? 1 : m;
}

/* Move the shares of j after engagement en (its shares are at now). */
static int move(cs_world *w, const cs_engagement *en, int from, int *to, double *moved) {
  int j = en->node, att = en->attacker;
  *to = from;
  *moved = 0;
  if (en->outcome == 0) return CS_OK;
  struct cs_control *c = w->ctl;
  int d = defender(w, j, att);
  int win = en->outcome > 0 ? att : d, lose = en->outcome > 0 ? d : att;
  int il = find(c, j, lose);
  double k = PV(w, P_CONTROL_STEP) * cs_control_margin(en);
  if (il < 0 || k <= 0) return CS_OK; /* the loser holds nothing here, or nothing moves */
  int iw = find(c, j, win);
  if (iw < 0) { /* the winner's first share of j */
    if (c->len[j] == c->cap[j] && cs__grow((void **)&c->list[j], &c->cap[j], c->len[j] + 1, sizeof *c->list[j]))
      return cs_err(&w->ctx, CS_ENOMEM, "out of memory sharing node '%s'", w->node_id[j]);
    iw = c->len[j]++;
    c->list[j][iw].party = win;
    c->list[j][iw].share = 0;
  }
  holding *L = &c->list[j][il], *W = &c->list[j][iw];
  double s = L->share, delta = k * s;
  L->share = s - delta; /* exactly 0 when k == 1 */
  W->share += delta;
  *moved = delta;
  if (W->share > 1) W->share = 1;
  if (L->share <= 0) { /* drop the loser, keeping the order of the rest */
    memmove(L, L + 1, (size_t)(c->len[j] - il - 1) * sizeof *L);
    c->len[j]--;
  }
  *to = derived_owner(w, j);
  return CS_OK;
}

int cs_control_settle(cs_world *w, const cs_engagement *en, int from, int *to, double *moved) {
  int j = en->node, att = en->attacker;
  if (!w->ctl) { /* "whole" (version 1): a win hands over the node */
    *to = en->outcome > 0 && att != from ? att : from;
    *moved = *to != from;
    return CS_OK;
  }
  int rc = consolidate(w, j, cs__now(w)); /* the drift since the node's last engagement */
  if (rc == CS_OK) rc = move(w, en, from, to, moved);
  return rc == CS_OK ? measure(w, j) : rc; /* the presence from now, and the lapse it sets */
}

int cs_control_check(const cs_world *w, char *msg, size_t cap) {
  const struct cs_control *c = w->ctl;
  if (!c) return 0;
  for (int j = 0; j < w->n; j++) {
    double sum = 0;
    for (int i = 0; i < c->len[j]; i++) {
      const holding *h = &c->list[j][i];
      if (!(h->share > 0 && h->share <= 1) || find(c, j, h->party) != i) {
        if (msg && cap) snprintf(msg, cap, "node %s: share %.17g of party %d (listed at %d)", w->node_id[j], h->share, h->party, i);
        return -1;
      }
      sum += h->share;
    }
    if (!(fabs(sum - 1) <= 1e-9)) {
      if (msg && cap) snprintf(msg, cap, "node %s: shares sum to %.17g", w->node_id[j], sum);
      return -1;
    }
    if (w->owner[j] != derived_owner(w, j)) {
      if (msg && cap) snprintf(msg, cap, "node %s: owner %d, majority rule %d", w->node_id[j], w->owner[j], derived_owner(w, j));
      return -1;
    }
  }
  return 0;
}
