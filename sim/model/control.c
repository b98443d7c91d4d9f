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
** (takeover.c, logged as today by engagement.c). */
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
  }
  if (!c || !c->list || !c->len || !c->cap) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
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
  free(c);
  w->ctl = NULL;
}

static int find(const struct cs_control *c, int j, int party) {
  for (int i = 0; i < c->len[j]; i++)
    if (c->list[j][i].party == party) return i;
  return -1;
}

double cs_control_share(const cs_world *w, int j, int party) {
  if (j < 0 || j >= w->n) return NAN;
  if (!w->ctl) return w->owner[j] == party ? 1.0 : 0.0;
  int i = find(w->ctl, j, party);
  return i < 0 ? 0.0 : w->ctl->list[j][i].share;
}

double cs_control_top(const cs_world *w, int j, int gangs_only) {
  if (j < 0 || j >= w->n) return NAN;
  if (!w->ctl) return CS_PARTY_IS_GANG(w->owner[j]) ? 1.0 : 0.0;
  double top = 0;
  for (int i = 0; i < w->ctl->len[j]; i++) {
    const holding *h = &w->ctl->list[j][i];
    if ((!gangs_only || CS_PARTY_IS_GANG(h->party)) && h->share > top) top = h->share;
  }
  return top;
}

/* The derived owner of j: the armed party above control_majority, else CONTESTED. */
static int derived_owner(const cs_world *w, int j) {
  const struct cs_control *c = w->ctl;
  double theta = PV(w, P_CONTROL_MAJORITY);
  for (int i = 0; i < c->len[j]; i++)
    if (c->list[j][i].party != CS_PARTY_CONTESTED && c->list[j][i].share > theta) return c->list[j][i].party;
  return CS_PARTY_CONTESTED;
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
