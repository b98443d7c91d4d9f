/* coalition.c: coalition cohesion, formation and split (sim/README.md, coalition.c).
**
**   d chi/dt = b (chi*(Theta) - chi) - c R chi
**   chi*(Theta) = chi0 + (chimax - chi0) / (1 + exp(-(Theta - Theta_c) / s))
**   Theta = E / (E + sum over members of M q)
**
** E is the strength (officers * lethality) of every security unit on the map
** (in a city every unit is near the coalition's territory) plus w_ann times
** the strength announced but not yet deployed (cs_world_announce): an
** international mission counts before it arrives. R is the number of attacks
** between partners per day over the last incident_window days.
**
** At t = 0 and every cohesion_dt days cohesion is advanced from the last
** update with Theta and R held at their values at that update; for those
** values the linear ODE is solved exactly,
**   chi(t + dt) = chi_eq + (chi - chi_eq) exp(-(b + c R) dt),
**   chi_eq = b chi* / (b + c R),
** so with a steady threat cohesion relaxes to chi* with e-folding time 1/b
** exactly. The attack weights that depend on chi are refreshed after each
** step: this coupling is piecewise constant over cohesion_dt by design.
**
** A coalition is formed at the start if its declared cohesion is at least
** chi_form; it forms when cohesion rises through chi_form and splits after
** tau_split days below chi_split. While it is not formed its members treat
** each other as rivals and cohesion does not raise attacks on the state.
**
** This is coalition_model = "cohesion" (the default). With "bargain",
** formation, split and cohesion are bargain.c's instead: this file keeps the
** update schedule, the threat E, the incident list (recorded only while a
** bargain is formed) and the script's cs_world_coalition_set, and hands the
** rest over. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

double cs_coalition_target(const cs_world *w, double theta) {
  double c0 = PV(w, P_CHI0), c1 = PV(w, P_CHIMAX);
  return c0 + (c1 - c0) / (1 + exp(-(theta - PV(w, P_THETA_C)) / PV(w, P_S_CHI)));
}

double cs_coalition_chi(const cs_world *w, int g) {
  int c = w->gangs[g].coalition;
  return c >= 0 && w->coal[c].active ? w->coal[c].chi : 0.0;
}

int cs_coalition_partners(const cs_world *w, int g, int h) {
  int c = w->gangs[g].coalition;
  return c >= 0 && w->coal[c].active && w->gangs[h].coalition == c;
}

double cs_coalition_external(const cs_world *w) {
  double E = w->announced * PV(w, P_W_ANN);
  for (int u = 0; u < w->n_units; u++)
    if (w->units[u].loc >= 0) E += (double)w->units[u].officers * w->units[u].lethality;
  return E;
}

/* In the bargain model the partners' strength counts freed prisoners at a
** discount (bargain.c). */
double cs_coalition_threat(const cs_world *w, int c) {
  double E = cs_coalition_external(w), own = 0;
  if (cs_bargain_on(w)) own = cs_bargain_strength(w, c);
  else
    for (int g = 0; g < w->n_gangs; g++)
      if (w->gangs[g].coalition == c) own += (double)w->gangs[g].members * w->gangs[g].q;
  return E + own > 0 ? E / (E + own) : 0.0;
}

void cs_coalition_incident(cs_world *w, int g, int h) {
  int c = w->gangs[g].coalition;
  if (c < 0 || w->gangs[h].coalition != c) return;
  cs_coalition_s *k = &w->coal[c];
  if (!k->active && cs_bargain_on(w)) return; /* a bargain erodes only after it is struck */
  int cap = k->cap_inc;
  if (cs__grow((void **)&k->incidents, &cap, k->n_inc + 1, sizeof(double)) != CS_OK) return; /* drop: R undercounts */
  k->cap_inc = cap;
  k->incidents[k->n_inc++] = cs__now(w);
}

/* Incidents per day over the window ending now; drops older ones. */
double cs_coalition_incident_rate(cs_world *w, int c) {
  cs_coalition_s *k = &w->coal[c];
  double t = cs__now(w), win = PV(w, P_INCIDENT_WINDOW);
  int drop = 0;
  while (drop < k->n_inc && k->incidents[drop] < t - win) drop++;
  for (int i = drop; i < k->n_inc; i++) k->incidents[i - drop] = k->incidents[i];
  k->n_inc -= drop;
  return k->n_inc / win;
}

int cs_coalition_log(cs_world *w, int c, int kind) {
  int first = -1;
  for (int g = 0; g < w->n_gangs && first < 0; g++)
    if (w->gangs[g].coalition == c) first = g;
  return cs__log(w, cs__now(w), kind, -1, first >= 0 ? CS_PARTY_GANG(first) : CS_PARTY_NONE, CS_PARTY_NONE, 0, 0);
}

/* Advance coalition c from its last update to now with the threat and
** incident rate of that update, then take the new ones and apply formation
** and split. */
static int step(cs_world *w, int c) {
  cs_coalition_s *k = &w->coal[c];
  double t = cs__now(w), dt = t - k->t_last;
  double b = PV(w, P_B_CHI), cc = PV(w, P_C_CHI);
  double target = cs_coalition_target(w, k->theta), decay = b + cc * k->rate;
  double chi_eq = decay > 0 ? b * target / decay : k->chi;
  if (dt > 0) k->chi = chi_eq + (k->chi - chi_eq) * exp(-decay * dt);
  if (k->chi < 0) k->chi = 0;
  if (k->chi > 1) k->chi = 1;
  k->t_last = t;
  k->theta = cs_coalition_threat(w, c);
  k->rate = cs_coalition_incident_rate(w, c);
  int rc = CS_OK;
  if (!k->active && k->chi >= PV(w, P_CHI_FORM)) {
    k->active = 1;
    k->below_since = NAN;
    rc = cs_coalition_log(w, c, CS_EK_COALITION_FORMED);
  } else if (k->active) {
    if (k->chi >= PV(w, P_CHI_SPLIT)) k->below_since = NAN;
    else if (isnan(k->below_since)) k->below_since = t;
    else if (t - k->below_since >= PV(w, P_TAU_SPLIT)) {
      k->active = 0;
      k->below_since = NAN;
      rc = cs_coalition_log(w, c, CS_EK_COALITION_SPLIT);
    }
  }
  if (rc != CS_OK) return rc;
  return cs_notify_cohesion(w, c);
}

int cs_coalition_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int bargain = cs_bargain_on(w);
  for (int c = 0; c < w->n_coal; c++) {
    int rc = bargain ? cs_bargain_step(w, c) : step(w, c);
    if (rc != CS_OK) return rc;
  }
  /* The next update at the next multiple of cohesion_dt (before samples at
  ** the same time, which see the updated cohesion). */
  double next = cs__next_tick(cs_engine_now(e), PV(w, P_COH_DT));
  cs_event nx = {.kind = EV_COHESION};
  int rc = cs_engine_schedule(e, next, PRIO_PROCESS, &nx, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(e)));
}

int cs_coalition_start(cs_world *w) {
  if (cs_bargain_on(w)) cs_bargain_start(w);
  else
    for (int c = 0; c < w->n_coal; c++) {
      cs_coalition_s *k = &w->coal[c];
      k->chi = k->chi_decl;
      k->active = k->chi >= PV(w, P_CHI_FORM);
      k->below_since = NAN;
      k->n_inc = 0;
      k->t_last = 0;
      k->theta = cs_coalition_threat(w, c);
      k->rate = 0;
    }
  if (w->n_coal == 0) return CS_OK;
  cs_event ev = {.kind = EV_COHESION};
  int rc = cs_engine_schedule(w->eng, 0.0, PRIO_PROCESS, &ev, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_world_announce(cs_world *w, int64_t officers, double lethality) {
  if (officers < 0 || !(lethality >= 0) || !isfinite(lethality))
    return cs_err(&w->ctx, CS_EINVAL, "announce: officers must be >= 0 and lethality finite and >= 0");
  w->announced += (double)officers * lethality;
  return CS_OK;
}

/* Cohesion from the last update to now under that update's threat and
** incident rate (the same exact solution as step), without taking new ones
** or applying formation and split. */
static void advance(cs_world *w, cs_coalition_s *k) {
  double t = cs__now(w), dt = t - k->t_last;
  double b = PV(w, P_B_CHI), decay = b + PV(w, P_C_CHI) * k->rate;
  double chi_eq = decay > 0 ? b * cs_coalition_target(w, k->theta) / decay : k->chi;
  if (dt > 0) k->chi = chi_eq + (k->chi - chi_eq) * exp(-decay * dt);
  if (k->chi < 0) k->chi = 0;
  if (k->chi > 1) k->chi = 1;
  k->t_last = t;
}

int cs_world_coalition_set(cs_world *w, int c, double cohesion, int formed) {
  if (!w->running) return cs_err(&w->ctx, CS_EINVAL, "coalition: acts during the run: call it from at/every/on/when");
  if (c < 0 || c >= w->n_coal) return cs_err(&w->ctx, CS_EINVAL, "coalition: unknown coalition");
  cs_coalition_s *k = &w->coal[c];
  if (!isnan(cohesion) && !(cohesion >= 0 && cohesion <= 1))
    return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': cohesion must be in [0, 1], got %g", k->id, cohesion);
  if (formed < -1 || formed > 1) return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': formed must be -1, 0 or 1", k->id);
  if (cs_bargain_on(w)) return cs_bargain_set(w, c, cohesion, formed);
  double chi_form = PV(w, P_CHI_FORM);
  int active = formed >= 0 ? formed : k->active;
  double chi_after = isnan(cohesion) ? NAN : cohesion;
  if (isnan(chi_after)) { /* refuse before any change: advance a copy */
    cs_coalition_s tmp = *k;
    advance(w, &tmp);
    chi_after = tmp.chi;
  }
  if (!active && chi_after >= chi_form)
    return cs_err(&w->ctx, CS_EINVAL,
                  "coalition '%s': dissolved with cohesion %g >= chi_form %g, it would form again at its next "
                  "update; give a cohesion below chi_form",
                  k->id, chi_after, chi_form);
  advance(w, k);
  if (!isnan(cohesion)) k->chi = cohesion;
  int was = k->active;
  if (active != was) {
    k->active = active;
    k->below_since = NAN;
  }
  int rc = cs_notify_cohesion(w, c);
  if (rc == CS_OK && !isnan(cohesion)) rc = cs_coalition_log(w, c, CS_EK_COHESION_SET);
  if (rc == CS_OK && active != was) rc = cs_coalition_log(w, c, active ? CS_EK_COALITION_FORMED : CS_EK_COALITION_SPLIT);
  return rc;
}
