/* exposure.c: who is exposed to violence, and how much violence they feel,
** for flight version 2 (flight_model = "exposure"; sim/README.md, flight.c
** and exposure.c). Threats to personal integrity drive flight (Davenport,
** Moore and Poe 2003); violence experienced or witnessed does, while the
** costs of leaving keep many at home (Adhikari 2013).
**
** State per node j, as values at the time xp_t[j], decaying between changes:
**   D_j  felt violence: deaths within walking distance per 1,000 residents
**        (felt_per "resident") or per 1,000 exposed (felt_per "exposed"),
**        D_j(t) = D_j(t0) exp(-(t - t0) / tau_D);
**   X_j  exposed residents who may leave (movers), and
**   Y_j  exposed stayers (the elderly, those guarding property, those who
**        cannot pay to move), both X(t) = X(t0) exp(-(t - t0) / tau_X):
**        the exposed return to unexposed with time constant tau_X.
** Always 0 <= X_j, 0 <= Y_j and X_j + Y_j <= residents_j: a read scales
** both down when residents fell below them (civilian deaths, recruits:
** taken from the unexposed first, then in proportion).
**
** An engagement at k with `dead` deaths ends: for every node j within
** WALK_CUT walk_km of k by open road (distance d, kernel K = exp(-d /
** walk_km); k itself at d = 0, K = 1), with residents R_j > 0 and U_j =
** R_j - X_j - Y_j unexposed,
**   D_j += 1000 dead K / R_j                      (felt_per "resident")
**   D_j  = (D_j E_j + 1000 dead K) / E'_j          (felt_per "exposed")
**   new = e K U_j,  e = expose_takeover if k changed hands, else expose_attack
**   X_j += (1 - stayer_share) new,  Y_j += stayer_share new.
** That e is expose_by "owner", the default; with expose_by "shares",
**   e = expose_attack + (expose_takeover - expose_attack) m,
** m in [0, 1] the share of k that changed holders in the engagement
** (control.c: delta; with control_model "whole" m is 1 or 0 as k changed
** hands or not, so both rules agree there). With expose_by "fighters" the
** share exposed grows with the fight's scope, the n fighters engaged (both
** sides' headcounts, A0 + D0), each reaching expose_per_fighter = r
** residents, and a change of hands adds expose_takeover = e_T independently:
**   new = U_j (1 - (1 - f_j) (1 - [k changed hands] e_T K)),
**   f_j = 1 - exp(-r n K / R_j),
** so a skirmish of a few fighters in a large quartier exposes few, and a
** five-day assault by a thousand exposes most (Melander and Oberg 2006: the
** scope of fighting, more than its deaths, drives flight).
** Felt violence is per resident by default (felt_per "resident"): the
** deaths spread over all of j's residents, so a fight that kills three in a
** quartier of 100,000 is felt as 0.03 per 1,000 by whoever it reached. With
** felt_per "exposed" it is per person the fighting reached: D_j is the mean
** felt violence of j's exposed, E_j = X_j + Y_j of them before the fight
** and E'_j after it (at least one person counted; with nobody exposed D_j
** stays, as nobody feels it). The fight adds 1000 dead K felt deaths, shared
** by those it reached, exposed before or newly; the newly exposed bring no
** earlier violence, so a fight without deaths lowers the mean. Between
** fights the mean decays with tau_D; people who flee or return to unexposed
** take the mean with them (a mean-field reading: the exposed of a node share
** one D).
** The nodes reached are kept (cs_exposure_reached) for notify.c, which
** redraws their flight clocks.
**
** Flight hazard per resident: h0 for everyone; an exposed mover adds
** hX(D) = h_exposed (1 - exp(-(D / D_ref)^k)), k = D_shape, an exposed
** stayer stayer_factor hX(D). The factor is the share of the exposed whose
** tolerance of felt violence D has been passed, tolerances being Weibull with
** scale D_ref and shape k (heterogeneous thresholds of a collective decision:
** Granovetter 1978): k = 1, the default, is the exponential (many tolerate
** almost nothing; version 2 as first built, bit for bit); k > 1 puts most
** tolerances near D_ref, so light violence moves few and heavy violence most.
** hX rises with D for every k, so the rate still only falls as D decays.
** The flight rate of j, in people per day,
**   S_j(t) = h0 R_j + hX(D_j(t)) (X_j(t) + stayer_factor Y_j(t)),
** only falls between changes (D, X and Y decay; R does not move), so
** thinning against its value at the last change is exact. A flight is one of
** three kinds, by where the acceptance uniform fell in [0, S): baseline (h0
** R), mover, stayer; a baseline flight takes its people from X, Y and the
** unexposed in proportion, the others from X (resp. Y) first.
**
** Nothing here draws a random number. With flight_model = "intensity" (the
** default) nothing here is called but the allocation and the free, and the
** run is version 1's, bit for bit. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kernel is cut at this many walk_km (K = e^-3 = 0.05 there). */
#define WALK_CUT 3.0

int cs_exposure_alloc(cs_world *w) {
  size_t n = (size_t)w->n + 1;
  w->xp_D = calloc(n, sizeof *w->xp_D);
  w->xp_X = calloc(n, sizeof *w->xp_X);
  w->xp_Y = calloc(n, sizeof *w->xp_Y);
  w->xp_t = calloc(n, sizeof *w->xp_t);
  w->xp_hit = calloc(n, sizeof *w->xp_hit);
  w->xp_hit_km = calloc(n, sizeof *w->xp_hit_km);
  w->xp_n_hit = 0;
  w->xp_on = strcmp(w->params[P_FLIGHT_MODEL].str, "exposure") == 0;
  if (!w->xp_D || !w->xp_X || !w->xp_Y || !w->xp_t || !w->xp_hit || !w->xp_hit_km)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  return CS_OK;
}

void cs_exposure_free(cs_world *w) {
  free(w->xp_D);
  free(w->xp_X);
  free(w->xp_Y);
  free(w->xp_t);
  free(w->xp_hit);
  free(w->xp_hit_km);
  w->xp_D = w->xp_X = w->xp_Y = w->xp_t = w->xp_hit_km = NULL;
  w->xp_hit = NULL;
  w->xp_n_hit = 0;
}

void cs_exposure_state(const cs_world *w, int j, double t, double *D, double *X, double *Y) {
  double dt = t - w->xp_t[j];
  double d = w->xp_D[j], x = w->xp_X[j], y = w->xp_Y[j];
  if (d != 0) d *= exp(-dt / PV(w, P_TAU_D));
  if (x != 0 || y != 0) {
    double f = exp(-dt / PV(w, P_TAU_X));
    x *= f;
    y *= f;
    double r = (double)w->residents[j];
    if (x + y > r) { /* residents fell under the exposed: scale both down */
      double s = r > 0 ? r / (x + y) : 0;
      x *= s;
      y *= s;
    }
  }
  *D = d;
  *X = x;
  *Y = y;
}

/* Store j's state brought up to t. */
static void settle(cs_world *w, int j, double t, double D, double X, double Y) {
  w->xp_D[j] = D;
  w->xp_X[j] = X;
  w->xp_Y[j] = Y;
  w->xp_t[j] = t;
}

double cs_exposure_extra(const cs_world *w, double D) {
  double x = D / PV(w, P_D_REF), k = PV(w, P_D_SHAPE);
  return PV(w, P_H_EXPOSED) * (1 - exp(-(k == 1 ? x : pow(x, k)))); /* k = 1: bit for bit as before */
}

void cs_exposure_rates(const cs_world *w, int j, double t, double *base, double *mover, double *stayer) {
  double D, X, Y;
  cs_exposure_state(w, j, t, &D, &X, &Y);
  double hx = cs_exposure_extra(w, D);
  *base = PV(w, P_H0) * (double)w->residents[j];
  *mover = hx * X;
  *stayer = PV(w, P_STAYER_FACTOR) * hx * Y;
}

void cs_exposure_flight(cs_world *w, int j, int kind, int64_t size) {
  double t = cs__now(w), D, X, Y, r = (double)w->residents[j];
  cs_exposure_state(w, j, t, &D, &X, &Y);
  if (kind == CS_XP_BASE) {
    if (r > 0) {
      X -= X * (double)size / r;
      Y -= Y * (double)size / r;
    }
  } else if (kind == CS_XP_MOVER) {
    X = (double)size < X ? X - (double)size : 0;
  } else {
    Y = (double)size < Y ? Y - (double)size : 0;
  }
  if (X < 0) X = 0;
  if (Y < 0) Y = 0;
  settle(w, j, t, D, X, Y);
}

static int collect(void *ud, int j, double km) {
  cs_world *w = ud;
  w->xp_hit[w->xp_n_hit] = j;
  w->xp_hit_km[w->xp_n_hit++] = km;
  return 0;
}

/* The share of the unexposed an engagement exposes at its own node (the
** kernel scales it elsewhere): by the change of owner, or by the share
** that changed holders (expose_by; moved is in [0, 1], cs_control_settle).
** Not used with expose_by "fighters" (fresh_share). */
static double exposed_share(const cs_world *w, int took, double moved) {
  double ea = PV(w, P_EXPOSE_ATTACK), et = PV(w, P_EXPOSE_TAKEOVER);
  if (strcmp(w->params[P_EXPOSE_BY].str, "shares") != 0) return took ? et : ea;
  return ea + (et - ea) * moved;
}

/* The share of node j's unexposed (r residents, kernel K from the fight) an
** engagement exposes: e K, or with expose_by "fighters" by its n fighters. */
static double fresh_share(const cs_world *w, int by_fighters, double e, int took, double n, double K, double r) {
  if (!by_fighters) return e * K;
  double f = 1 - exp(-PV(w, P_EXPOSE_PER_FIGHTER) * n * K / r);
  return 1 - (1 - f) * (1 - (took ? PV(w, P_EXPOSE_TAKEOVER) * K : 0));
}

/* Felt violence at a node after an engagement whose deaths, weighted by the
** kernel and times 1,000, are dk: per resident (r residents), D + dk / r; per
** exposed (felt_per "exposed"), the mean over the E1 exposed after it, the E0
** before it having carried D: (D E0 + dk) / E1, at least one person counted
** (nobody exposed: D unchanged, as nobody feels it). */
static double felt(int per_exposed, double D, double E0, double E1, double dk, double r) {
  if (!per_exposed) return D + dk / r;
  if (E1 <= 0) return D;
  return (D * E0 + dk) / (E1 > 1 ? E1 : 1);
}

int cs_exposure_engagement(cs_world *w, int k, int64_t dead, int took, double moved, double fighters) {
  w->xp_n_hit = 0;
  if (!w->xp_on) return CS_OK;
  double ell = PV(w, P_WALK_KM), t = cs__now(w);
  int rc = cs__graph_visit(w, k, WALK_CUT * ell, collect, w);
  if (rc != CS_OK) return rc;
  double e = exposed_share(w, took, moved), s = PV(w, P_STAYER_SHARE);
  int by_fighters = strcmp(w->params[P_EXPOSE_BY].str, "fighters") == 0;
  int per_exposed = strcmp(w->params[P_FELT_PER].str, "exposed") == 0;
  for (int i = 0; i < w->xp_n_hit; i++) {
    int j = w->xp_hit[i];
    double r = (double)w->residents[j], K = exp(-w->xp_hit_km[i] / ell), D, X, Y;
    if (r <= 0) continue;
    cs_exposure_state(w, j, t, &D, &X, &Y);
    double u = r - X - Y, fresh = fresh_share(w, by_fighters, e, took, fighters, K, r) * (u > 0 ? u : 0);
    double X1 = X + (1 - s) * fresh, Y1 = Y + s * fresh;
    settle(w, j, t, felt(per_exposed, D, X + Y, X1 + Y1, 1000.0 * (double)dead * K, r), X1, Y1);
  }
  return CS_OK;
}

int cs_exposure_reached(const cs_world *w, const int **nodes) {
  *nodes = w->xp_hit;
  return w->xp_n_hit;
}
