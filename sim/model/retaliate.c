/* retaliate.c: retaliation as a Hawkes (1971) process (sim/README.md, retaliate.c).
**
** For each ordered pair of gangs (g, h), g's urge to avenge attacks by h is
**   E_gh(t) = sum over attacks by h on g of n/tau_r exp(-(t - t_e)/tau_r),
** damped by (1 - chi) when g and h are partners in a formed coalition. g
** launches retaliation attacks on h at rate E_gh(t), on top of its ordinary
** attacks. A retaliation targets one of h's nodes on g's frontier, chosen in
** proportion to V^gamma, and is resolved like any attack; if h holds no node
** on g's frontier the urge has no outlet. Retaliations are attacks too, so
** they excite h against g: each attack begets n further attacks on average
** and, with n < 1, the total rate of a pair of feuding gangs settles at
** (base rate) / (1 - n).
**
** Exact simulation by thinning (Ogata 1981): E only decays between events, so
** E at the last change bounds it until the next; a candidate drawn from the
** pair's own stream (gang pair g * n_gangs + h, PU_RETALIATE) is accepted with
** probability E(t) / bound. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

static double urge(const cs_world *w, size_t k, double t) {
  if (w->ret_E[k] == 0) return 0;
  return w->ret_E[k] * exp(-(t - w->ret_t[k]) / PV(w, P_TAU_R));
}

/* Draw the next candidate for pair k from the urge now. */
static int reschedule(cs_world *w, int g, int h) {
  size_t k = (size_t)g * w->n_gangs + h;
  cs_event ev = {.kind = EV_RETALIATE, .a = g, .b = h};
  /* below 1e-300 the urge is spent (it only decays until the next attack) */
  return cs__redraw(w, &w->ret_h[k], &w->ret_bound[k], urge(w, k, cs__now(w)), 1e-300, &w->ret_rng[k], &ev);
}

int cs_retaliate_retime(cs_world *w, double tau_before) {
  double t = cs__now(w);
  for (int g = 0; g < w->n_gangs; g++)
    for (int h = 0; h < w->n_gangs; h++) {
      size_t k = (size_t)g * w->n_gangs + h;
      if (w->ret_E[k] == 0 && w->ret_h[k] == 0) continue; /* idle stays idle */
      w->ret_E[k] *= exp(-(t - w->ret_t[k]) / tau_before);
      w->ret_t[k] = t;
      int rc = reschedule(w, g, h);
      if (rc != CS_OK) return rc;
    }
  return CS_OK;
}

int cs_retaliate_excite(cs_world *w, int g, int h) {
  if (g == h || PV(w, P_N_RET) <= 0) return CS_OK;
  size_t k = (size_t)g * w->n_gangs + h;
  double t = cs__now(w), jump = PV(w, P_N_RET) / PV(w, P_TAU_R);
  if (cs_coalition_partners(w, g, h)) jump *= 1 - cs_coalition_chi(w, g);
  w->ret_E[k] = urge(w, k, t) + jump;
  w->ret_t[k] = t;
  return reschedule(w, g, h);
}

/* One of h's nodes on g's frontier, chosen in proportion to V^gamma. */
static int choose_target(cs_world *w, int g, int h, cs_pcg32 *r) {
  double total = 0, gamma = PV(w, P_GAMMA);
  const int *cnt = &w->own_cnt[(size_t)g * w->n];
  for (int j = 0; j < w->n; j++)
    if (w->owner[j] == CS_PARTY_GANG(h) && cnt[j] > 0) total += pow(w->value[j], gamma);
  if (total <= 0) return -1;
  double u = cs_rng_uniform(r) * total;
  int last = -1;
  for (int j = 0; j < w->n; j++)
    if (w->owner[j] == CS_PARTY_GANG(h) && cnt[j] > 0) {
      last = j;
      if ((u -= pow(w->value[j], gamma)) < 0) return j;
    }
  return last;
}

int cs_retaliate_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int g = ev->a, h = ev->b;
  size_t k = (size_t)g * w->n_gangs + h;
  w->ret_h[k] = 0;
  double t = cs_engine_now(e), b = w->ret_bound[k];
  CS_CHECK_BOUND(w, "retaliation", g, h, urge(w, k, t), b);
  int accept = cs_rng_uniform(&w->ret_rng[k]) * b < urge(w, k, t);
  int j = accept ? choose_target(w, g, h, &w->ret_rng[k]) : -1;
  int rc = reschedule(w, g, h);
  if (rc == CS_OK && j >= 0 && w->gangs[g].members > 0) rc = cs_attack_resolve(w, g, j);
  return rc;
}

int cs_retaliate_start(cs_world *w) {
  size_t np = (size_t)w->n_gangs * w->n_gangs + 1;
  w->ret_E = calloc(np, sizeof *w->ret_E);
  w->ret_t = calloc(np, sizeof *w->ret_t);
  w->ret_bound = calloc(np, sizeof *w->ret_bound);
  w->ret_h = calloc(np, sizeof *w->ret_h);
  w->ret_rng = calloc(np, sizeof *w->ret_rng);
  if (!w->ret_E || !w->ret_t || !w->ret_bound || !w->ret_h || !w->ret_rng)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  cs_retaliate_streams(w);
  return CS_OK;
}

void cs_retaliate_streams(cs_world *w) {
  size_t np = (size_t)w->n_gangs * w->n_gangs;
  for (size_t k = 0; k < np; k++) cs__stream(w, &w->ret_rng[k], CS_ENT_GANG, k, PU_RETALIATE);
}

int cs_retaliate_redraw_all(cs_world *w) {
  for (int g = 0; g < w->n_gangs; g++)
    for (int h = 0; h < w->n_gangs; h++) {
      size_t k = (size_t)g * w->n_gangs + h;
      if (w->ret_E[k] == 0 && w->ret_h[k] == 0) continue; /* idle stays idle */
      int rc = reschedule(w, g, h);
      if (rc != CS_OK) return rc;
    }
  return CS_OK;
}

void cs_retaliate_free(cs_world *w) {
  free(w->ret_E);
  free(w->ret_t);
  free(w->ret_bound);
  free(w->ret_h);
  free(w->ret_rng);
  w->ret_E = w->ret_t = w->ret_bound = NULL;
  w->ret_h = NULL;
  w->ret_rng = NULL;
}
