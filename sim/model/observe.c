/* observe.c: media reach, threats against journalists, and the observation
** model that turns every true event into an observed record or not
** (sim/README.md, observe.c; Weidmann 2015).
**
** Media reach of node j starts at its declared value r0_j. An engagement at
** j threatens journalists: r_j drops to r_j (1 - theta_m), then recovers
** toward r0_j with time constant tau_m.
**
** Reporting: an event at node j is reported with probability
**   1 - (1 - r_j * b * f)^n_w,
** b = report_lethal if it killed anyone, else report_other; f =
** report_gang_factor if a gang holds j, else 1; n_w = 1 + deaths + displaced /
** household witnesses. Events with no node (a prison break, a coalition
** forming) reach national media: r = 1. A report appears a Gamma(2,
** obs_lag_scale) lag after the event and gives deaths * LogNormal(-s^2/2, s)
** (mean-preserving noise, s = obs_sigma), rounded stochastically.
** Draws come from the event's node stream (node, PU_OBSERVE), or the city's
** (none, PU_OBSERVE): one uniform for every event, then the lag, the noise
** and the rounding of the noisy deaths for a reported one. Observation draws nothing from any other
** process's stream, so it never shifts the model's random numbers. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double cs_observe_media(const cs_world *w, int j, double t) {
  double base = w->media[j], cur = w->media_cur[j];
  if (cur == base) return base;
  return base - (base - cur) * exp(-(t - w->media_t[j]) / PV(w, P_TAU_M));
}

void cs_observe_threat(cs_world *w, int j) {
  double t = cs__now(w);
  w->media_cur[j] = cs_observe_media(w, j, t) * (1 - PV(w, P_THETA_M));
  w->media_t[j] = t;
}

void cs_observe(cs_world *w, cs_event_rec *e) {
  int j = e->node >= 0 && e->node < w->n ? e->node : -1;
  cs_pcg32 *r = j >= 0 ? &w->observe_rng[j] : &w->observe_city_rng;
  double u = cs_rng_uniform(r);
  double reach = j >= 0 ? cs_observe_media(w, j, e->t) : 1.0;
  double b = e->deaths > 0 ? PV(w, P_REPORT_LETHAL) : PV(w, P_REPORT_OTHER);
  if (j >= 0 && CS_PARTY_IS_GANG(w->owner[j])) b *= PV(w, P_REPORT_GANG);
  double witnesses = 1 + (double)e->deaths + (double)e->displaced / PV(w, P_HOUSEHOLD);
  double x = 1 - reach * b, pw;
  double *memo = j >= 0 ? &w->observe_memo[3 * j] : NULL;
  /* Most events at a node repeat the last base and witnesses (untouched
  ** media, full groups): the same arguments give the same pow. */
  if (memo && memcmp(&memo[0], &x, sizeof x) == 0 && memcmp(&memo[1], &witnesses, sizeof witnesses) == 0) {
    pw = memo[2];
  } else {
    pw = pow(x, witnesses);
    if (memo) memo[0] = x, memo[1] = witnesses, memo[2] = pw;
  }
  double p = 1 - pw;
  if (u < p) {
    double lag = cs_rng_gamma_int(r, 2, PV(w, P_OBS_LAG)), z = cs_rng_normal(r);
    double sigma = PV(w, P_OBS_SIGMA);
    e->observed = 1;
    e->report_time = e->t + lag;
    e->observed_deaths = cs_rng_round(r, (double)e->deaths * exp(sigma * z - sigma * sigma / 2));
  } else {
    e->observed = 0;
    e->report_time = NAN;
    e->observed_deaths = -1;
  }
}

int cs_observe_start(cs_world *w) {
  w->media_cur = malloc((size_t)w->n * sizeof *w->media_cur);
  w->media_t = calloc((size_t)w->n, sizeof *w->media_t);
  w->observe_rng = calloc((size_t)w->n, sizeof *w->observe_rng);
  w->observe_memo = malloc(3 * (size_t)w->n * sizeof *w->observe_memo);
  if (!w->media_cur || !w->media_t || !w->observe_rng || !w->observe_memo) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int j = 0; j < w->n; j++) {
    w->media_cur[j] = w->media[j];
    w->observe_memo[3 * j] = w->observe_memo[3 * j + 1] = NAN;
    w->observe_memo[3 * j + 2] = pow(NAN, NAN); /* a consistent entry */
  }
  cs_observe_streams(w);
  return CS_OK;
}

void cs_observe_streams(cs_world *w) {
  for (int j = 0; j < w->n; j++) cs__stream(w, &w->observe_rng[j], CS_ENT_NODE, (uint64_t)j, PU_OBSERVE);
  cs__stream(w, &w->observe_city_rng, CS_ENT_NONE, 0, PU_OBSERVE);
}

void cs_observe_free(cs_world *w) {
  free(w->media_cur);
  free(w->media_t);
  free(w->observe_rng);
  free(w->observe_memo);
  w->media_cur = w->media_t = w->observe_memo = NULL;
  w->observe_rng = NULL;
}

int cs_world_set_media(cs_world *w, int j, double r) {
  if (!w->running) return cs_err(&w->ctx, CS_EINVAL, "set_media acts during the run: call it from at/every/on/when");
  if (j < 0 || j >= w->n) return cs_err(&w->ctx, CS_EINVAL, "set_media: unknown node");
  if (!(r >= 0 && r <= 1)) return cs_err(&w->ctx, CS_EINVAL, "set_media: reach must be in [0, 1], got %g", r);
  /* No clock reads media reach: observation reads it at each event. */
  w->media[j] = r;
  w->media_cur[j] = r;
  w->media_t[j] = cs__now(w);
  return cs__log(w, cs__now(w), CS_EK_MEDIA_SET, j, CS_PARTY_NONE, CS_PARTY_NONE, 0, 0);
}
