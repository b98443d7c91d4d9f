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
** t0 the node's last engagement (or the start). The shares keep summing to
** 1, M only gains, so the derived owner never changes between engagements:
** the drift needs no event and draws nothing. It is exact and lazy: the
** stored shares are those of time t0 (per node), readers evaluate the drift
** at the current time, and an engagement first brings the node to its time
** (consolidate), then moves shares as above. A change of c during a run
** first brings every node to the time of the change under the old rate. A
** CONTESTED node does not drift. The effect is a restoring force: a foothold
** won by a raid fades unless the raids come faster than 1 / c, so a
** community that repels most attacks holds, while one that loses decisively
** falls within days either way. */
#include "model_int.h"

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
  }
  if (!c || !c->list || !c->len || !c->cap || !c->t) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  for (size_t j = 0; j < n; j++) {
    if (!(c->list[j] = malloc(2 * sizeof *c->list[j]))) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
    c->cap[j] = 2;
    c->len[j] = 1;
    c->list[j][0].party = w->owner[j]; /* the declared owner holds all of it (CONTESTED: nobody does) */
    c->list[j][0].share = 1.0;
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

/* Consolidation's factor f for node j at time t, and its majority holder
** (CONTESTED: no drift, f = 1). */
static double drift(const cs_world *w, int j, double t, int *major) {
  double c = PV(w, P_CONSOLIDATE_RATE);
  *major = c > 0 ? derived_owner(w, j) : CS_PARTY_CONTESTED;
  if (*major == CS_PARTY_CONTESTED || !(t > w->ctl->t[j])) return 1.0;
  return exp(-c * (t - w->ctl->t[j]));
}

/* A stored share at drift factor f with majority holder `major`. */
static double share_at(const holding *h, int major, double f) {
  if (f == 1.0) return h->share;
  return h->party == major ? 1.0 - (1.0 - h->share) * f : h->share * f;
}

/* Bring node j's stored shares to time t (consolidation), dropping a share
** that reached 0 (underflow after a very long drift). */
static void consolidate(cs_world *w, int j, double t) {
  struct cs_control *c = w->ctl;
  int major;
  double f = drift(w, j, t, &major);
  if (t > c->t[j]) c->t[j] = t;
  if (f == 1.0) return;
  int k = 0;
  for (int i = 0; i < c->len[j]; i++) {
    holding h = c->list[j][i];
    h.share = share_at(&h, major, f);
    if (h.share > 0) c->list[j][k++] = h;
  }
  c->len[j] = k;
}

void cs_control_consolidate_all(cs_world *w) {
  if (!w->ctl) return;
  double t = cs__now(w);
  for (int j = 0; j < w->n; j++) consolidate(w, j, t);
}

double cs_control_share(const cs_world *w, int j, int party) {
  if (j < 0 || j >= w->n) return NAN;
  if (!w->ctl) return w->owner[j] == party ? 1.0 : 0.0;
  int i = find(w->ctl, j, party), major;
  if (i < 0) return 0.0;
  double f = drift(w, j, cs__now(w), &major);
  return share_at(&w->ctl->list[j][i], major, f);
}

double cs_control_top(const cs_world *w, int j, int gangs_only) {
  if (j < 0 || j >= w->n) return NAN;
  if (!w->ctl) return CS_PARTY_IS_GANG(w->owner[j]) ? 1.0 : 0.0;
  int major;
  double f = drift(w, j, cs__now(w), &major), top = 0;
  for (int i = 0; i < w->ctl->len[j]; i++) {
    const holding *h = &w->ctl->list[j][i];
    double s = share_at(h, major, f);
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

int cs_control_settle(cs_world *w, const cs_engagement *en, int from, int *to) {
  int j = en->node, att = en->attacker;
  if (!w->ctl) { /* "whole" (version 1): a win hands over the node */
    *to = en->outcome > 0 && att != from ? att : from;
    return CS_OK;
  }
  *to = from;
  consolidate(w, j, cs__now(w)); /* the drift since the node's last engagement */
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
  if (W->share > 1) W->share = 1;
  if (L->share <= 0) { /* drop the loser, keeping the order of the rest */
    memmove(L, L + 1, (size_t)(c->len[j] - il - 1) * sizeof *L);
    c->len[j]--;
  }
  *to = derived_owner(w, j);
  return CS_OK;
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
