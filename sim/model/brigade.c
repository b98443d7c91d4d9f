/* brigade.c: self-defence brigades (Bwa Kale) at nodes no gang holds, and
** the lynchings they commit (sim/README.md, brigade.c).
**
** Residents of neighbourhoods not held by gangs arm themselves against the
** gangs next door: a community force that defends its node and kills
** suspected gang members (vigilantism as collective extra-legal violence
** answering an alleged crime: Moncada 2017; community defence forces beside
** or without the state: Jentzsch, Kalyvas and Schubiger 2015). Switched by
** the string parameter brigade_model:
** - "fixed" (the default, version 1): the defenders of a STATE or CONTESTED
**   node are vigilante_share * residents; no state of its own, no lynchings,
**   nothing drawn, nothing scheduled.
** - "grown": node j (STATE or CONTESTED) has a mobilisation m_j in [0, 1]
**   and a brigade B_j = m_j * brigade_share * residents_j. Between events m
**   decays exactly, m(t) = m(t0) exp(-(t - t0) / brigade_tau). A gang attack
**   on j moves it toward 1 by the share brigade_growth of the gap, m <- m +
**   brigade_growth (1 - m); an attack on a neighbour (grievance) by the share
**   brigade_grievance. A gang taking j disbands its brigade (m_j = 0); a node
**   back in the state's hands starts again from 0. At run start (and when a
**   script switches the model on) every node not held by a gang starts at
**   brigade_m0.
**
** Lynchings (grown only) at j, a point process of rate
**   lambda_j(t) = lynch_rate * B_j(t) * x_j,
** x_j the share of j's neighbours (open roads) held by a gang with members.
** Each kills one person: with probability lynch_misid a resident of j taken
** for a gang member (a civilian death), else a member of the gang of one of
** those neighbours, chosen uniformly. Thinning against the rate at the last
** change (the bound counts every gang-held neighbour, members or not): m
** only decays and residents only fall between redraws, and the redraws are
** notify.c's (attacks and owner changes at j or a neighbour, returns to j,
** roads at j, parameters) and this file's own after each candidate.
** Stream (node j, PU_BRIGADE): per candidate one uniform (accept), and for
** an accepted one two more (misidentified? which neighbour?), drawn whatever
** the outcome.
**
** Ownership: the run state (struct cs_brigade) is this file's; a lynching
** writes residents[], civ_dead[], civ_dead_total (a civilian) or a gang's
** members and dead (a member), as engagements do. */
#include "model_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cs_brigade {
  double *m, *t;   /* [n] mobilisation at time t[j] */
  double *bound;   /* [n] thinning bound of the pending candidate */
  cs_handle *h;    /* [n] pending lynching candidate, 0 if none */
  cs_pcg32 *rng;   /* [n] (node, PU_BRIGADE) */
  int on;          /* 1 while the state follows the "grown" model */
};

int cs_brigade_grown(const cs_world *w) { return strcmp(w->params[P_BRIGADE_MODEL].str, "grown") == 0; }

static int holds_brigade(const cs_world *w, int j) { return !CS_PARTY_IS_GANG(w->owner[j]); }

double cs_brigade_mobilisation(const cs_world *w, int j, double t) {
  const struct cs_brigade *b = w->brig;
  if (!holds_brigade(w, j)) return 0;
  if (!b || !b->on) return PV(w, P_BRIGADE_M0); /* before the run: its start value */
  return b->m[j] * exp(-(t - b->t[j]) / PV(w, P_BRIGADE_TAU));
}

double cs_brigade_defenders(const cs_world *w, int j, double t) {
  if (!cs_brigade_grown(w)) return PV(w, P_VIG_SHARE) * (double)w->residents[j];
  return cs_brigade_mobilisation(w, j, t) * PV(w, P_BRIGADE_SHARE) * (double)w->residents[j];
}

/* Gang-held neighbours of j by open road: all of them, and those of a gang
** with members; the share is over j's degree. */
static void presence(const cs_world *w, int j, int *all, int *alive, int *deg) {
  *all = *alive = 0;
  *deg = w->adj_start[j + 1] - w->adj_start[j];
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++) {
    int o = w->owner[w->adj_node[k]];
    if (!CS_PARTY_IS_GANG(o)) continue;
    (*all)++;
    *alive += w->gangs[CS_PARTY_GANG_INDEX(o)].members > 0;
  }
}

static double rate_of(const cs_world *w, int j, double t, int use_all) {
  if (!w->brig || !w->brig->on || !holds_brigade(w, j) || w->residents[j] <= 0) return 0;
  int all, alive, deg;
  presence(w, j, &all, &alive, &deg);
  if (deg == 0) return 0;
  double x = (double)(use_all ? all : alive) / deg;
  return PV(w, P_LYNCH_RATE) * cs_brigade_defenders(w, j, t) * x;
}

double cs_brigade_lynch_rate(const cs_world *w, int j, double t) { return rate_of(w, j, t, 0); }

int cs_brigade_update_node(cs_world *w, int j) {
  struct cs_brigade *b = w->brig;
  if (!b) return CS_OK; /* not started */
  cs_event ev = {.kind = EV_LYNCH, .a = j};
  return cs__redraw(w, &b->h[j], &b->bound[j], rate_of(w, j, cs__now(w), 1), 0, &b->rng[j], &ev);
}

/* j's clock, then its neighbours' in adjacency order. */
static int update_around(cs_world *w, int j) {
  int rc = cs_brigade_update_node(w, j);
  for (int k = w->adj_start[j]; rc == CS_OK && k < w->adj_start[j + 1]; k++)
    rc = cs_brigade_update_node(w, w->adj_node[k]);
  return rc;
}

/* m_j <- m_j(t) + g (1 - m_j(t)) at t = now. */
static void jump(cs_world *w, int j, double g) {
  struct cs_brigade *b = w->brig;
  double t = cs__now(w), m = cs_brigade_mobilisation(w, j, t);
  b->m[j] = m + g * (1 - m);
  b->t[j] = t;
}

static void set_m(cs_world *w, int j, double m) {
  w->brig->m[j] = m;
  w->brig->t[j] = cs__now(w);
}

int cs_brigade_engagement(cs_world *w, int j, int from, int to, int ag) {
  struct cs_brigade *b = w->brig;
  if (!b || !b->on) return CS_OK;
  int attacked = ag >= 0 && !CS_PARTY_IS_GANG(from);
  if (attacked) {
    for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
      if (holds_brigade(w, w->adj_node[k])) jump(w, w->adj_node[k], PV(w, P_BRIGADE_GRIEVANCE));
    if (holds_brigade(w, j)) jump(w, j, PV(w, P_BRIGADE_GROWTH));
  }
  if (CS_PARTY_IS_GANG(to) && !CS_PARTY_IS_GANG(from)) set_m(w, j, 0); /* disbanded */
  /* A change between two gangs moves no lynching bound: j holds no brigade
  ** before or after, and the neighbours' bounds count every gang-held node,
  ** with members or without. A neighbour's true rate may rise (an empty
  ** gang replaced by one with members) but stays under its bound, and
  ** thinning reads it when a candidate fires. */
  if (!attacked && CS_PARTY_IS_GANG(from) == CS_PARTY_IS_GANG(to)) return CS_OK;
  return update_around(w, j);
}

/* Set up the "grown" state now: every node not held by a gang at
** brigade_m0. */
static void begin(cs_world *w) {
  struct cs_brigade *b = w->brig;
  b->on = 1;
  for (int j = 0; j < w->n; j++) set_m(w, j, holds_brigade(w, j) ? PV(w, P_BRIGADE_M0) : 0);
}

int cs_brigade_param(cs_world *w, int param, double old) {
  struct cs_brigade *b = w->brig;
  if (!b) return CS_OK;
  int grown = cs_brigade_grown(w);
  if (grown && !b->on) begin(w);
  else if (!grown) b->on = 0;
  else if (param == P_BRIGADE_TAU) { /* decay under the old tau up to now, the new one from now */
    double t = cs__now(w);
    for (int j = 0; j < w->n; j++) {
      b->m[j] *= exp(-(t - b->t[j]) / old);
      b->t[j] = t;
    }
  }
  int rc = CS_OK;
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_brigade_update_node(w, j);
  return rc;
}

int cs_brigade_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  struct cs_brigade *b = w->brig;
  int j = ev->a;
  double t = cs_engine_now(e);
  b->h[j] = 0;
  double u = cs_rng_uniform(&b->rng[j]);
  double rate = rate_of(w, j, t, 0);
  CS_CHECK_BOUND(w, "lynching", j, -1, rate, b->bound[j]);
  if (u * b->bound[j] < rate) {
    double u_mis = cs_rng_uniform(&b->rng[j]), u_who = cs_rng_uniform(&b->rng[j]);
    int target = CS_PARTY_NONE, rc;
    if (u_mis < PV(w, P_LYNCH_MISID)) { /* a resident taken for a gang member */
      w->residents[j]--;
      w->civ_dead[j]++;
      w->civ_dead_total++;
    } else {
      int all, alive, deg, pick;
      presence(w, j, &all, &alive, &deg);
      pick = (int)(u_who * alive);
      if (pick >= alive) pick = alive - 1;
      for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++) {
        int o = w->owner[w->adj_node[k]];
        if (!CS_PARTY_IS_GANG(o) || w->gangs[CS_PARTY_GANG_INDEX(o)].members <= 0 || pick-- > 0) continue;
        target = o;
        break;
      }
      cs_gang_s *gg = &w->gangs[CS_PARTY_GANG_INDEX(target)];
      gg->members--;
      gg->dead++;
      if (gg->members == 0 && (rc = cs_notify_members(w, CS_PARTY_GANG_INDEX(target))) != CS_OK) return rc;
    }
    /* fewer residents or members: every bound still holds */
    if ((rc = cs__log(w, t, CS_EK_LYNCHING, j, CS_PARTY_NONE, target, 1, 0)) != CS_OK) return rc;
  }
  return cs_brigade_update_node(w, j);
}

int cs_brigade_check(const cs_world *w, char *msg, size_t cap) {
  const struct cs_brigade *b = w->brig;
  if (!b || !b->on) return 0;
  for (int j = 0; j < w->n; j++)
    if (!(b->m[j] >= 0 && b->m[j] <= 1) || (!holds_brigade(w, j) && b->m[j] != 0)) {
      if (msg && cap) snprintf(msg, cap, "node %s: brigade mobilisation %g (owner %d)", w->node_id[j], b->m[j], w->owner[j]);
      return -1;
    }
  return 0;
}

int cs_brigade_alloc(cs_world *w) {
  size_t n = (size_t)w->n + 1;
  struct cs_brigade *b = calloc(1, sizeof *b);
  w->brig = b;
  if (b) {
    b->m = calloc(n, sizeof *b->m);
    b->t = calloc(n, sizeof *b->t);
    b->bound = calloc(n, sizeof *b->bound);
    b->h = calloc(n, sizeof *b->h);
    b->rng = calloc(n, sizeof *b->rng);
  }
  if (!b || !b->m || !b->t || !b->bound || !b->h || !b->rng)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  return CS_OK;
}

void cs_brigade_streams(cs_world *w) {
  struct cs_brigade *b = w->brig;
  for (int j = 0; b && j < w->n; j++) cs__stream(w, &b->rng[j], CS_ENT_NODE, (uint64_t)j, PU_BRIGADE);
}

int cs_brigade_start(cs_world *w) {
  cs_brigade_streams(w);
  if (!cs_brigade_grown(w)) return CS_OK; /* version 1: nothing scheduled */
  begin(w);
  int rc = CS_OK;
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_brigade_update_node(w, j);
  return rc;
}

void cs_brigade_free(cs_world *w) {
  struct cs_brigade *b = w->brig;
  if (!b) return;
  free(b->m);
  free(b->t);
  free(b->bound);
  free(b->h);
  free(b->rng);
  free(b);
  w->brig = NULL;
}
