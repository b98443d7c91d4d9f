/* attack.c: gang attacks as state-dependent Poisson processes, one per
** (gang g, node j) pair (sim/README.md, attack.c):
**
**   rate(g, j) = lambda0 * a_g * V_j^gamma * w(g, owner_j) * p(g, j)^eta
**                * S_j^nu
**
** (S_j^nu what j still has to take, spoils.c; 1 by default) on g's
** frontier (j not held by g, next to a node g holds), else 0. Target
** weights: wS (1 + zeta chi) against the STATE, CONTESTED or unaligned nodes,
** wR against a rival gang, wR (1 - chi) against a coalition partner, where chi
** is the cohesion of g's coalition (0 if none); wR is multiplied by w_rival
** when the two gangs were declared rivals (rivals()), partners or not.
**
** Exactness and cost: p depends on the strengths of g and of j's defenders,
** which change with every casualty anywhere in g's territory. Rather than
** re-rate every pair of a gang after each casualty, each pair runs a Poisson
** clock at the bound
**
**   bound(g, j) = lambda0 * a_g * V_j^gamma * w(g, owner_j) / M_g   (p^eta S_j^nu <= 1)
**
** (M_g = 1 but under spoils_by "choice", spoils.c)
**
** and a firing is accepted as an attack with probability p(g, j)^eta S_j^nu
** computed in the state at that instant (thinning, Lewis and Shedler 1979): the
** accepted firings are exactly a Poisson process of the rate above, because p
** and S_j are constant between events. The bound changes only when the frontier, a
** target weight, a gang's aggression, M_g or a parameter changes, and then the
** clock is rescaled by the modified next reaction method (model_int.h,
** cs_clock) without a new draw. Each pair draws only from its own stream
** (pair, PU_ATTACK), so a change at one node never shifts the random numbers
** of another pair. Retaliation is a separate process (retaliate.c) whose
** attacks add to these. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

static double target_weight(const cs_world *w, int g, int owner) {
  double chi = cs_coalition_chi(w, g);
  if (!CS_PARTY_IS_GANG(owner)) return PV(w, P_WS) * (1 + PV(w, P_ZETA) * chi);
  int h = CS_PARTY_GANG_INDEX(owner);
  double wr = cs_gang_rivals(w, g, h) ? PV(w, P_WR) * PV(w, P_W_RIVAL) : PV(w, P_WR);
  return cs_coalition_partners(w, g, h) ? wr * (1 - chi) : wr;
}

double cs_attack_bound(const cs_world *w, int g, int j) {
  return cs_attack_weight(w, g, j) / w->gangs[g].spoils_norm; /* M_g: 1 but under spoils_by "choice" */
}

double cs_attack_weight(const cs_world *w, int g, int j) {
  if (w->owner[j] == CS_PARTY_GANG(g) || w->own_cnt[(size_t)g * w->n + j] == 0) return 0;
  const cs_gang_s *gg = &w->gangs[g];
  if (gg->members <= 0 || gg->a <= 0 || w->value[j] <= 0) return 0;
  double wt = target_weight(w, g, w->owner[j]);
  if (wt <= 0) return 0;
  return PV(w, P_LAMBDA0) * gg->a * pow(w->value[j], PV(w, P_GAMMA)) * wt;
}

/* The thinning acceptance: p^eta times what j still has to take (spoils.c),
** both at most 1. */
static double accept_prob(const cs_world *w, int g, int j) {
  cs_engagement en;
  cs_engagement_forces(w, CS_PARTY_GANG(g), j, &en);
  return en.p > 0 ? pow(en.p, PV(w, P_ETA)) * cs_spoils_factor(w, j) : 0.0;
}

double cs_attack_rate(const cs_world *w, int g, int j) {
  double b = cs_attack_bound(w, g, j);
  return b > 0 ? b * accept_prob(w, g, j) : 0.0;
}

/* Bring the clock to time t under its old rate, then switch to `rate`. */
static int clock_set(cs_world *w, cs_clock *c, double rate, const cs_event *ev) {
  double t = cs__now(w);
  if (c->rate > 0) {
    c->T += c->rate * (t - c->t0);
    if (c->T > c->P) c->T = c->P; /* rounding: never past the firing point */
  }
  c->t0 = t;
  if (rate == c->rate && (c->h != 0 || rate <= 0)) return CS_OK;
  c->rate = rate;
  if (c->h) cs_engine_cancel(w->eng, c->h);
  c->h = 0;
  if (rate <= 0) return CS_OK;
  double when = t + (c->P - c->T) / rate;
  if (!isfinite(when)) return CS_OK; /* so slow it never fires in this run */
  int rc = cs_engine_schedule(w->eng, when, PRIO_PROCESS, ev, &c->h);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_attack_update_pair(cs_world *w, int g, int j) {
  size_t k = (size_t)g * w->n + j;
  double rate = cs_attack_bound(w, g, j);
  if (rate <= 0 && w->atk[k].rate <= 0 && w->atk[k].h == 0) return CS_OK; /* idle stays idle */
  cs_event ev = {.kind = EV_ATTACK, .a = g, .b = j};
  return clock_set(w, &w->atk[k], rate, &ev);
}

int cs_attack_update_node(cs_world *w, int j) {
  for (int g = 0; g < w->n_gangs; g++) {
    int rc = cs_attack_update_pair(w, g, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int cs_attack_update_gang(cs_world *w, int g) {
  for (int j = 0; j < w->n; j++) {
    int rc = cs_attack_update_pair(w, g, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int cs_attack_update_all(cs_world *w) {
  for (int g = 0; g < w->n_gangs; g++)
    for (int j = 0; j < w->n; j++) {
      int rc = cs_attack_update_pair(w, g, j);
      if (rc != CS_OK) return rc;
    }
  return CS_OK;
}

void cs_attack_streams(cs_world *w) {
  size_t np = (size_t)w->n_gangs * w->n;
  for (size_t k = 0; k < np; k++) cs__stream(w, &w->atk_rng[k], CS_ENT_PAIR, k, PU_ATTACK);
}

int cs_attack_start(cs_world *w) {
  size_t np = (size_t)w->n_gangs * w->n;
  cs_attack_streams(w);
  for (size_t k = 0; k < np; k++)
    w->atk[k] = (cs_clock){.T = 0, .P = cs_rng_exp(&w->atk_rng[k], 1.0), .rate = 0, .t0 = 0, .h = 0};
  return cs_attack_update_all(w);
}

/* The remaining internal time P - T of a unit-rate clock is Exp(1) whatever
** happened before (memorylessness): draw it anew from the pair's stream, in
** pair order, and reschedule at the unchanged rate. */
int cs_attack_redraw_all(cs_world *w) {
  double t = cs__now(w);
  for (int g = 0; g < w->n_gangs; g++)
    for (int j = 0; j < w->n; j++) {
      size_t k = (size_t)g * w->n + j;
      cs_clock *c = &w->atk[k];
      if (c->rate > 0) c->T += c->rate * (t - c->t0);
      c->t0 = t;
      c->P = c->T + cs_rng_exp(&w->atk_rng[k], 1.0);
      if (c->h) cs_engine_cancel(w->eng, c->h);
      c->h = 0;
      cs_event ev = {.kind = EV_ATTACK, .a = g, .b = j};
      int rc = clock_set(w, c, c->rate, &ev);
      if (rc != CS_OK) return rc;
    }
  return CS_OK;
}

int cs_attack_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int g = ev->a, j = ev->b;
  size_t k = (size_t)g * w->n + j;
  cs_clock *c = &w->atk[k];
  c->h = 0;
  /* the clock runs at exactly the pair's bound (no notify was missed) */
  CS_CHECK_BOUND(w, "attack", g, j, cs_attack_bound(w, g, j), c->rate);
  CS_CHECK_BOUND(w, "attack", g, j, c->rate, cs_attack_bound(w, g, j));
  c->T = c->P;
  c->t0 = cs_engine_now(e);
  c->P += cs_rng_exp(&w->atk_rng[k], 1.0);
  int rc = CS_OK;
  /* Thinning: the firing is an attack with probability p^eta S^nu, drawn from the
  ** pair's stream whether or not it is needed so that the stream's use does
  ** not depend on the state. */
  double u = cs_rng_uniform(&w->atk_rng[k]);
  if (u < accept_prob(w, g, j)) rc = cs_attack_resolve(w, g, j);
  if (rc != CS_OK) return rc;
  return cs_attack_update_pair(w, g, j);
}

int cs_attack_resolve(cs_world *w, int g, int j) { return cs_engagement_begin(w, CS_PARTY_GANG(g), j); }

int cs_world_force_attack(cs_world *w, int g, int j) {
  if (!w->running) return cs_err(&w->ctx, CS_EINVAL, "attacks can be ordered only during the run");
  if (g < 0 || g >= w->n_gangs) return cs_err(&w->ctx, CS_EINVAL, "attack: unknown gang");
  if (j < 0 || j >= w->n) return cs_err(&w->ctx, CS_EINVAL, "attack: unknown node");
  if (w->owner[j] == CS_PARTY_GANG(g))
    return cs_err(&w->ctx, CS_EINVAL, "attack: gang '%s' already holds '%s'", w->gangs[g].id, w->node_id[j]);
  return cs_attack_resolve(w, g, j);
}

int cs_attack_alloc(cs_world *w) {
  size_t np = (size_t)w->n_gangs * w->n + 1;
  w->atk = calloc(np, sizeof *w->atk);
  w->atk_rng = calloc(np, sizeof *w->atk_rng);
  return w->atk && w->atk_rng ? CS_OK : cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
}

void cs_attack_free(cs_world *w) {
  free(w->atk);
  free(w->atk_rng);
  w->atk = NULL;
  w->atk_rng = NULL;
}
