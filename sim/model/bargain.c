/* bargain.c: coalitions as a bargain, coalition_model = "bargain"
** (sim/README.md, bargain.c). Version 1 (coalition.c) moves a continuous
** cohesion with the threat; here a coalition is a pact, struck or not, that
** partners strike when the external threat outweighs what they can field
** together (balancing against threat: Walt 1987; alliances as a minimum
** winning bargain that shifts with relative power: Christia 2012).
**
**   E   = sum over units on the map of officers * lethality + w_ann * announced
**   S_c = sum over member gangs g of q_g ((M_g - f_g) + w_f f_g),  f_g = min(freed_g, M_g)
**   rho = E / S_c                 (the threat ratio; +inf if S_c = 0 < E, 0 if E = 0)
**   h(rho) = kappa (1 - rho_form / rho)   if rho > rho_form, else 0
**
** freed_g counts the members gang g got back in prison breaks: they count at
** w_f (bargain_freed_weight) in the partners' strength, so a prison break does
** not lower the threat ratio one for one with the members it frees.
**
** Formation. A coalition that is not formed strikes its pact at hazard
** h(rho), rho taken at each update (t = 0 and every cohesion_dt days, the
** schedule of coalition.c) and held until the next. The hazard drives a
** unit-rate clock like the attack clocks' (model_int.h, cs_clock): its
** integrated hazard form_T runs at h. The talks pass K stages (K from
** bargain_stages, below); each ends when form_T has grown by Exp(K) (mean
** 1 / K) since the last, at the exact instant (EV_COALITION_FORM), and the
** coalition forms at the end of the K-th. So the pact forms when form_T
** reaches a Gamma(K, rate K) threshold, of mean 1 whatever K: with a threat
** step first seen at the update t0 and rho constant from then on, the waiting
** time from t0 is Erlang(K, K h(rho)), mean 1 / h, coefficient of variation
** 1 / sqrt(K); K = 1 (the default) is Exp(h). A fall of the threat below
** rho_form stops the clock (h = 0) and keeps the stages done: the talks pause.
** K is bargain_stages rounded down, or up with probability its fractional
** part (cs_rng_round), so the law moves continuously with the parameter and a
** calibration can draw it from a continuous prior. K and the first stage's
** length are drawn from (coalition, PU_BARGAIN) at run start (always, formed
** or not) and after each split; a re-rating draws nothing; each later stage's
** length is drawn when the one before ends. Why stages: with one memoryless
** stage, a pact struck within 44 days of a threat step in at most 30% of runs
** (h <= 0.0081 / day) yet within 151 days in at least 70% (h >= 0.0080 / day)
** needs the hazard inside a 2% window; a wait of several stages has a hazard
** that rises with time, as talks that take months do, and widens it.
**
** Formed. Cohesion chi is 1 - epsilon (epsilon = bargain_partner_weight)
** while formed and 0 while not, so attack.c's and retaliate.c's weights give a
** partner wR epsilon, the state wS (1 + zeta (1 - epsilon)), and a partner's
** retaliation urge epsilon of its usual jump. Gangs outside the coalition are
** rivals of its members at wR, as before. At formation the incident list is
** emptied, and coalition.c records no incident while the coalition is not
** formed: only attacks between partners after formation erode the pact.
**
** Split, checked at each update of a formed coalition: (a) the attacks between
** partners since formation within the last incident_window days number at
** least n_split (bargain_split_incidents); or (b) rho has been below
** s rho_form (s = bargain_split <= 1) at every update for tau_split days: a
** lower line than formation's, so a threat hovering near rho_form does not
** make the pact flicker (hysteresis). */
#include "model_int.h"

#include <math.h>
#include <string.h>

int cs_bargain_on(const cs_world *w) {
  const char *s = w->params[P_COALITION_MODEL].str;
  return s && strcmp(s, "bargain") == 0;
}

double cs_bargain_strength(const cs_world *w, int c) {
  double s = 0, wf = PV(w, P_BARGAIN_FREED);
  for (int g = 0; g < w->n_gangs; g++) {
    const cs_gang_s *gg = &w->gangs[g];
    if (gg->coalition != c) continue;
    int64_t f = gg->freed < gg->members ? gg->freed : gg->members;
    s += gg->q * ((double)(gg->members - f) + wf * (double)f);
  }
  return s;
}

static double ratio_of(double E, double S) { return S > 0 ? E / S : E > 0 ? INFINITY : 0.0; }

double cs_bargain_ratio(const cs_world *w, int c) {
  return ratio_of(cs_coalition_external(w), cs_bargain_strength(w, c));
}

double cs_bargain_hazard(const cs_world *w, double rho) {
  double r0 = PV(w, P_BARGAIN_RATIO);
  return rho > r0 ? PV(w, P_BARGAIN_RATE) * (1 - r0 / rho) : 0.0;
}

/* New talks for c: the number of stages K, none done, and the first stage's
** length in integrated hazard, Exp(K). With bargain_stages 1 this draws one
** Exp(1), as the single-stage clock always did. */
static void talks_start(cs_world *w, int c) {
  cs_coalition_s *k = &w->coal[c];
  k->form_K = (int)cs_rng_round(&k->rng, PV(w, P_BARGAIN_STAGES));
  k->form_k = 0;
  k->form_T = 0;
  k->form_P = cs_rng_exp(&k->rng, (double)k->form_K);
}

/* Bring c's formation clock up to now under its old hazard, then run it at h:
** the formation is (re)scheduled where the integrated hazard reaches form_P. */
static int form_rerate(cs_world *w, int c, double h) {
  cs_coalition_s *k = &w->coal[c];
  double t = cs__now(w);
  if (k->form_h > 0) {
    k->form_T += k->form_h * (t - k->form_t);
    if (k->form_T > k->form_P) k->form_T = k->form_P; /* rounding: never past the firing point */
  }
  k->form_t = t;
  if (h == k->form_h && k->form_ev) return CS_OK; /* same hazard: the pending time stands */
  k->form_h = h;
  if (k->form_ev) cs_engine_cancel(w->eng, k->form_ev);
  k->form_ev = 0;
  if (k->active || !(h > 0)) return CS_OK;
  double when = t + (k->form_P - k->form_T) / h;
  if (!isfinite(when)) return CS_OK; /* so slow it never forms in this run */
  cs_event ev = {.kind = EV_COALITION_FORM, .a = c};
  int rc = cs_engine_schedule(w->eng, when, PRIO_PROCESS, &ev, &k->form_ev);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

static int form_now(cs_world *w, int c) {
  cs_coalition_s *k = &w->coal[c];
  if (k->form_ev) cs_engine_cancel(w->eng, k->form_ev);
  k->form_ev = 0;
  k->form_h = 0;
  k->form_t = cs__now(w);
  k->active = 1;
  k->chi = 1 - PV(w, P_BARGAIN_PARTNER);
  k->below_since = NAN;
  k->n_inc = 0; /* incidents before the pact do not count against it */
  k->rate = 0;
  int rc = cs_coalition_log(w, c, CS_EK_COALITION_FORMED);
  return rc == CS_OK ? cs_notify_cohesion(w, c) : rc;
}

/* Split c now; its formation clock restarts from a new threshold at hazard h. */
static int split_now(cs_world *w, int c, double h) {
  cs_coalition_s *k = &w->coal[c];
  k->active = 0;
  k->chi = 0;
  k->below_since = NAN;
  k->n_inc = 0;
  k->rate = 0;
  talks_start(w, c);
  k->form_h = 0;
  k->form_t = cs__now(w);
  int rc = cs_coalition_log(w, c, CS_EK_COALITION_SPLIT);
  if (rc == CS_OK) rc = cs_notify_cohesion(w, c);
  return rc == CS_OK ? form_rerate(w, c, h) : rc;
}

int cs_bargain_step(cs_world *w, int c) {
  cs_coalition_s *k = &w->coal[c];
  double t = cs__now(w), E = cs_coalition_external(w), S = cs_bargain_strength(w, c);
  double rho = ratio_of(E, S);
  k->theta = E + S > 0 ? E / (E + S) : 0.0;
  k->t_last = t;
  if (!k->active) return form_rerate(w, c, cs_bargain_hazard(w, rho));
  k->rate = cs_coalition_incident_rate(w, c); /* drops incidents older than the window */
  int split = k->n_inc >= PV(w, P_BARGAIN_SPLIT_N);
  if (rho < PV(w, P_BARGAIN_SPLIT) * PV(w, P_BARGAIN_RATIO)) {
    if (isnan(k->below_since)) k->below_since = t;
    if (t - k->below_since >= PV(w, P_TAU_SPLIT)) split = 1;
  } else {
    k->below_since = NAN;
  }
  return split ? split_now(w, c, cs_bargain_hazard(w, rho)) : CS_OK;
}

int cs_bargain_on_form(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  cs_coalition_s *k = &w->coal[ev->a];
  (void)e;
  k->form_ev = 0;
  if (k->active) return CS_OK; /* cannot happen: forming cancels the pending event */
  k->form_T = k->form_P;
  k->form_t = cs__now(w);
  if (++k->form_k < k->form_K) { /* a stage of the talks ends: the next runs at the same hazard */
    k->form_P = k->form_T + cs_rng_exp(&k->rng, (double)k->form_K);
    return form_rerate(w, ev->a, k->form_h);
  }
  return form_now(w, ev->a);
}

int cs_bargain_set(cs_world *w, int c, double cohesion, int formed) {
  cs_coalition_s *k = &w->coal[c];
  if (!isnan(cohesion))
    return cs_err(&w->ctx, CS_EINVAL,
                  "coalition '%s': with coalition_model = \"bargain\" cohesion follows the pact (1 - "
                  "bargain_partner_weight formed, 0 not): give formed, not cohesion",
                  k->id);
  if (formed < 0 || formed == k->active) return CS_OK;
  if (formed) return form_now(w, c);
  return split_now(w, c, cs_bargain_hazard(w, cs_bargain_ratio(w, c)));
}

void cs_bargain_streams(cs_world *w) {
  for (int c = 0; c < w->n_coal; c++) cs__stream(w, &w->coal[c].rng, CS_ENT_COALITION, (uint64_t)c, PU_BARGAIN);
}

/* A pact not formed: the integrated hazard still to go before the current
** stage of its talks ends is Exp(K) whatever happened before (each stage is
** memoryless), so it is drawn anew from c's stream and the stage's end
** rescheduled at the unchanged hazard; the stages done and K stand. A formed
** pact has no pending draw (its next talks are drawn when it splits). */
int cs_bargain_redraw_all(cs_world *w) {
  if (!cs_bargain_on(w)) return CS_OK;
  double t = cs__now(w);
  for (int c = 0; c < w->n_coal; c++) {
    cs_coalition_s *k = &w->coal[c];
    if (k->active) continue;
    if (k->form_h > 0) k->form_T += k->form_h * (t - k->form_t);
    k->form_t = t;
    k->form_P = k->form_T + cs_rng_exp(&k->rng, (double)k->form_K);
    if (k->form_ev) cs_engine_cancel(w->eng, k->form_ev);
    k->form_ev = 0;
    int rc = form_rerate(w, c, k->form_h);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

void cs_bargain_start(cs_world *w) {
  double eps = PV(w, P_BARGAIN_PARTNER);
  cs_bargain_streams(w);
  for (int c = 0; c < w->n_coal; c++) {
    cs_coalition_s *k = &w->coal[c];
    k->active = k->chi_decl >= PV(w, P_CHI_FORM);
    k->chi = k->active ? 1 - eps : 0;
    k->below_since = NAN;
    k->n_inc = 0;
    k->t_last = 0;
    k->rate = 0;
    k->theta = cs_coalition_threat(w, c);
    talks_start(w, c);
    k->form_h = 0;
    k->form_t = 0;
    k->form_ev = 0;
  }
}

void cs_bargain_param(cs_world *w, int param) {
  if (param != P_BARGAIN_PARTNER || !cs_bargain_on(w)) return;
  for (int c = 0; c < w->n_coal; c++)
    if (w->coal[c].active) w->coal[c].chi = 1 - PV(w, P_BARGAIN_PARTNER);
}
