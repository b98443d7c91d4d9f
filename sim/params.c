/* params.c: the model's parameters (MODEL.md section 5) with their defaults,
** allowed ranges, units and basis. [S] sourced, [U] uncertain, [P] a prior to
** calibrate. The order of this table is the P_ enum in model_int.h. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct pdef {
  int index;
  const char *name;
  double def, min, max;
  const char *units, *doc;
} pdef;

#define BIG 1e12

static const pdef DEFS[P_MODEL_COUNT] = {
  {P_LAMBDA0, "lambda0", 0.01, 0, BIG, "1/day", "base attack rate per (gang, frontier node) [P]"},
  {P_GAMMA, "gamma", 1, 0, 10, "", "exponent on strategic value V in the attack rate [P]"},
  {P_ETA, "eta", 1, 0, 10, "", "exponent on win probability p in the attack rate [P]"},
  {P_PHI, "phi", 0.3, 0, 1, "", "share of a gang's members committed to an attack [P]"},
  {P_ELL, "ell", 2, 1e-6, BIG, "km", "decay length of a gang's reach from its base"},
  {P_M, "m", 1.5, 0.1, 10, "", "contest success exponent (1 Tullock, ~2 square law)"},
  {P_F_URBAN, "F_urban", 1.2, 1, 100, "", "default fortification of a node [P]"},
  {P_LETH_GANG, "lethality_gang", 0.05, 0, BIG, "1/(fighter day)", "default gang firepower q per member [P]"},
  {P_LETH_POLICE, "lethality_police", 0.05, 0, BIG, "1/(officer day)", "police and protection lethality [P]"},
  {P_LETH_ARMY, "lethality_army", 0.05, 0, BIG, "1/(soldier day)", "army lethality [P]"},
  {P_LETH_INTL, "lethality_international", 0.07, 0, BIG, "1/(officer day)", "international force lethality [P]"},
  {P_BETA, "beta", 0.15, 1e-6, 1, "", "breakpoint: share of initial strength lost before a side breaks [P]"},
  {P_C_CIV, "c_civ", 0.6, 0, BIG, "", "civilian deaths per combatant death [S: 38% residents]"},
  {P_WS, "wS", 1.0, 0, BIG, "", "attack weight against STATE or unaligned nodes [P]"},
  {P_WR, "wR", 0.5, 0, BIG, "", "attack weight against a rival gang [P]"},
  {P_ZETA, "zeta", 1.0, 0, BIG, "", "how much coalition cohesion raises attacks on the state [P]"},
  {P_H0, "h0", 3e-4, 0, BIG, "1/day", "baseline flight hazard per resident"},
  {P_H1, "h1", 0.15, 0, BIG, "1/day", "flight hazard at saturating violence"},
  {P_HT, "h_T", 0.1, 0, BIG, "1/day", "extra flight hazard after a takeover"},
  {P_TAU_T, "tau_T", 3, 0, BIG, "day", "how long the takeover hazard lasts"},
  {P_TAU_I, "tau_I", 3, 1e-6, BIG, "day", "decay time of violence intensity [P]"},
  {P_I_REF, "I_ref", 5, 1e-9, BIG, "", "intensity scale of the flight hazard [P]"},
  {P_I_CONFLICT, "I_conflict", 1, 0, BIG, "", "intensity at or above which a destination counts as in conflict [P]"},
  {P_WALK, "walk_speed", 35, 1e-6, BIG, "km/day", "walking speed of people fleeing (Flee)"},
  {P_S_W, "s_w", 0, 0, BIG, "", "Flee destination weight softening of the score"},
  {P_S_D, "s_d", 1, 0, BIG, "km", "Flee distance softening, scaled to a city"},
  {P_P_D, "p_d", 1, 0, 10, "", "Flee distance exponent"},
  {P_SCORE_SAFE, "score_safe", 1.0, 0, BIG, "", "Flee location score of a safe destination"},
  {P_SCORE_CONFLICT, "score_conflict", 0.25, 0, BIG, "", "Flee location score of a destination in conflict"},
  {P_HOUSEHOLD, "household", 5, 1, 1000, "persons", "people leaving together in one flight event [P]"},
  {P_PROVINCES_KM, "provinces_km", 20, 0, BIG, "km", "distance from any node to the PROVINCES sink [P]"},
  {P_HOST_RATIO, "host_ratio", 0.5, 0, BIG, "", "displaced a node's host families can take, per initial resident [P]"},
  {P_SITE_RADIUS, "site_radius_km", 15, 0, BIG, "km", "sites farther than this by road are not considered as destinations [P]"},
  {P_UNIT_SPEED, "unit_speed", 60, 1e-6, BIG, "km/day", "travel speed of security units on the road graph [P]"},
  {P_RECALL_MIN, "recall_delay_min", 1, 0, BIG, "day", "administrative delay of a recall, lower bound"},
  {P_RECALL_MAX, "recall_delay_max", 3, 0, BIG, "day", "administrative delay of a recall, upper bound"},
};

int cs_params_init(cs_world *w) {
  w->params = calloc(P_MODEL_COUNT + 16, sizeof *w->params);
  if (!w->params) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  w->cap_params = P_MODEL_COUNT + 16;
  for (int i = 0; i < P_MODEL_COUNT; i++) {
    const pdef *d = &DEFS[i];
    cs_param *p = &w->params[d->index];
    p->name = cs__strdup(d->name);
    p->doc = cs__strdup(d->doc);
    if (!p->name || !p->doc) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
    p->units = d->units;
    p->type = CS_PT_NUMBER;
    p->num = d->def;
    p->min = d->min;
    p->max = d->max;
    p->is_model = 1;
  }
  w->params[P_HOUSEHOLD].type = CS_PT_INTEGER;
  w->n_params = P_MODEL_COUNT;
  return CS_OK;
}
