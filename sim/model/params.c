/* params.c: the model's parameters (sim/README.md, Parameters) with their defaults,
** allowed ranges, units and basis. [S] sourced, [U] uncertain, [P] a prior to
** calibrate. Every one is settable from a scenario (model{}) and from the
** command line (--set), and is written to the output. Below the table, the
** parameter API of cs_world.h: declare (scenario parameters), find, read and
** set, each value checked against its type and range. A model parameter set
** during a run goes through cs_notify_param (notify.c). */
#include "model_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pdef {
  int index;
  const char *name;
  cs_param_type type;
  double def, min, max;
  const char *units, *doc;
  const char *sdef; /* default of a string parameter */
} pdef;

#define BIG 1e12
#define NUM CS_PT_NUMBER
#define INT CS_PT_INTEGER
#define BOOL CS_PT_BOOLEAN
#define STR CS_PT_STRING

static const char *const MODES[] = {"fast", "square", "linear", NULL};
static const char *const COALITION_MODELS[] = {"cohesion", "bargain", NULL};
static const char *const RETURN_RULES[] = {"v1", "stable", NULL};
static const char *const RESPONSE_MODELS[] = {"unit", "pool", NULL};
static const char *const BRIGADE_MODELS[] = {"fixed", "grown", NULL};
static const char *const FLIGHT_MODELS[] = {"intensity", "exposure", NULL};
static const char *const CONTROL_MODELS[] = {"whole", "shares", NULL};
static const char *const REACHES[] = {"base", "territory", "spread", NULL};
static const char *const ERODE_WHERES[] = {"everywhere", "frontier", NULL};
static const char *const EXPOSE_BYS[] = {"owner", "shares", "fighters", NULL};
static const char *const FELT_PERS[] = {"resident", "exposed", NULL};
static const char *const SPOILS_BYS[] = {"rate", "choice", NULL};
/* String parameters whose values are not the engagement modes. */
static const struct { int index; const char *const *choices; } CHOICES[] = {
  {P_COALITION_MODEL, COALITION_MODELS},
  {P_BRIGADE_MODEL, BRIGADE_MODELS},
  {P_RETURN_RULE, RETURN_RULES},
  {P_RESPONSE_MODEL, RESPONSE_MODELS},
  {P_FLIGHT_MODEL, FLIGHT_MODELS},
  {P_CONTROL_MODEL, CONTROL_MODELS},
  {P_REACH, REACHES},
  {P_ERODE_WHERE, ERODE_WHERES},
  {P_EXPOSE_BY, EXPOSE_BYS},
  {P_FELT_PER, FELT_PERS},
  {P_SPOILS_BY, SPOILS_BYS},
};
static const char *const *choices_of(int index) {
  for (size_t i = 0; i < sizeof CHOICES / sizeof CHOICES[0]; i++)
    if (CHOICES[i].index == index) return CHOICES[i].choices;
  return MODES;
}

static const pdef DEFS[P_MODEL_COUNT] = {
  {P_LAMBDA0, "lambda0", NUM, 0.15, 0, BIG, "1/day", "base attack rate per (gang, frontier node) [P; default from the Haiti calibration, calibrate.sh stage 6; was 0.01]", 0},
  {P_GAMMA, "gamma", NUM, 1, 0, 10, "", "exponent on strategic value V in the attack rate [P]", 0},
  {P_ETA, "eta", NUM, 1, 0, 10, "", "exponent on win probability p in the attack rate [P]", 0},
  {P_PHI, "phi", NUM, 0.3, 0, 1, "", "share of a gang's members committed to an engagement [P]", 0},
  {P_ELL, "ell", NUM, 2, 1e-6, BIG, "km", "decay length of a gang's reach from its base (reach base) or from the nearest node it holds (reach territory)", 0},
  {P_REACH, "reach", STR, 0, 0, 0, "", "where a gang's fighters come from: base (its base node, version 1), territory (all from the nearest node it holds or its base) or spread (its members spread evenly over the nodes it holds, each by its own distance; reach.c) [P]", "base"},
  {P_JOINT_SHARE, "joint_share", NUM, 0, 0, 1, "", "joint offensives: share of what each partner of a formed coalition would commit at that distance that it adds, times cohesion, to a partner's attack on a node no partner holds (0: none, version 1; joint.c) [U: joint Viv Ansanm offensives from 29 Feb 2024]", 0},
  {P_ELL_POLICE, "ell_police", NUM, 0, 0, BIG, "km", "police cover: decay length of the defence police posts give the STATE-held nodes around them; the officers at a STATE node add exp(-d/ell_police) of themselves to the defence of an attacked STATE node d km away by road (0: only the officers at the node defend, version 1; cover.c) [P: Boulding 1962's loss-of-strength gradient, as for the gangs' ell]", 0},
  {P_M, "m", NUM, 1.5, 0.1, 10, "", "contest success exponent (1 Tullock, ~2 mimics the square law)", 0},
  {P_F_URBAN, "F_urban", NUM, 1.2, 1, 100, "", "default fortification of a node (strongholds 2.0) [P]", 0},
  {P_LETH_GANG, "lethality_gang", NUM, 0.05, 0, BIG, "1/(fighter day)", "default gang firepower q per member [P]", 0},
  {P_LETH_POLICE, "lethality_police", NUM, 0.05, 0, BIG, "1/(officer day)", "police and protection lethality [P]", 0},
  {P_LETH_ARMY, "lethality_army", NUM, 0.05, 0, BIG, "1/(soldier day)", "army lethality [P]", 0},
  {P_LETH_INTL, "lethality_international", NUM, 0.07, 0, BIG, "1/(officer day)", "international force lethality [P]", 0},
  {P_LETH_VIG, "lethality_vigilante", NUM, 0.02, 0, BIG, "1/(fighter day)", "vigilante lethality [P]", 0},
  {P_VIG_SHARE, "vigilante_share", NUM, 0.001, 0, 1, "", "residents of a STATE or CONTESTED node who fight as vigilantes [P]", 0},
  {P_BRIGADE_MODEL, "brigade_model", STR, 0, 0, 0, "", "defenders of STATE and CONTESTED nodes: fixed (vigilante_share of residents, version 1) or grown (self-defence brigades that grow with attacks, decay, and lynch: brigade.c)", "fixed"},
  {P_BRIGADE_SHARE, "brigade_share", NUM, 0.01, 0, 1, "", "largest share of a node's residents in its self-defence brigade (grown) [P]", 0},
  {P_BRIGADE_M0, "brigade_m0", NUM, 0.1, 0, 1, "", "mobilisation of every brigade at the start, as a share of brigade_share * residents (grown) [P: 0.1 starts a brigade at version 1's vigilante_share of residents]", 0},
  {P_BRIGADE_GROWTH, "brigade_growth", NUM, 0.3, 0, 1, "", "share of the gap to full mobilisation closed by a gang attack on the node (grown) [P]", 0},
  {P_BRIGADE_GRIEVANCE, "brigade_grievance", NUM, 0.05, 0, 1, "", "share of the gap to full mobilisation closed by a gang attack on a neighbouring node (grown) [P]", 0},
  {P_BRIGADE_TAU, "brigade_tau", NUM, 90, 1e-6, BIG, "day", "decay time of a brigade's mobilisation without attacks (grown) [P: Bwa Kale lynchings fell within months of their Apr-Jun 2023 peak, BINUH]", 0},
  {P_LYNCH_RATE, "lynch_rate", NUM, 0.002, 0, BIG, "1/(member day)", "lynchings per brigade member per day with every neighbour gang-held (grown) [P: order of BINUH's 238 lynched in Q2 2023 and OHCHR's 315 in 2024, nationally]", 0},
  {P_LYNCH_MISID, "lynch_misid", NUM, 0.2, 0, 1, "", "chance a lynching kills a resident taken for a gang member, not a member (grown) [U: BINUH counts victims accused of common crimes too]", 0},
  {P_BETA, "beta", NUM, 0.15, 1e-6, 1, "", "breakpoint: share of initial strength lost before a side breaks [P]", 0},
  {P_BETA_POLICE, "beta_police", NUM, 0.005, 1e-6, 1, "",
   "breakpoint of security forces (police, army, international): they withdraw after losing this share "
   "[P; default from the Haiti calibration, calibrate.sh stages 4-5; was beta's 0.15, one breakpoint for all sides]", 0},
  {P_POLICE_ARMOUR, "police_armour", NUM, 1, 1, 1e6, "",
   "police operations: the holding gang's fire on the officers is divided by this, for their armoured vehicles and "
   "cover (1: none, version 1; engagement.c) [P: BINUH counts at least 590 killed in police operations in Q1 2024 "
   "against 19 officers killed or injured]", 0},
  {P_FRONTAGE, "frontage", NUM, 0, 0, BIG, "persons",
   "fighters of each side in contact at once in an engagement: the casualties are those of at most this many a side, "
   "the winner is still drawn from the whole forces (0: every committed fighter fights, version 1; engagement.c) [P]", 0},
  {P_T_MAX, "T_max", NUM, 4, 1e-6, BIG, "day", "time limit of a Lanchester engagement [P]", 0},
  {P_C_CIV, "c_civ", NUM, 0.6, 0, BIG, "", "civilian deaths per combatant death [S: 38% residents]", 0},
  {P_MODE_STATE, "engagement_state", STR, 0, 0, 0, "", "how gang attacks on STATE or CONTESTED nodes resolve: fast, square or linear", "fast"},
  {P_MODE_RIVAL, "engagement_rival", STR, 0, 0, 0, "", "how gang attacks on another gang's node resolve: fast, square or linear", "fast"},
  {P_MODE_POLICE, "engagement_police", STR, 0, 0, 0, "", "how police operations against a gang-held node resolve: fast, square or linear", "fast"},
  {P_WS, "wS", NUM, 1.0, 0, BIG, "", "attack weight against STATE or unaligned nodes [P]", 0},
  {P_WR, "wR", NUM, 0.5, 0, BIG, "", "attack weight against a rival gang [P]", 0},
  {P_W_RIVAL, "w_rival", NUM, 1.0, 0, BIG, "", "multiplier of wR against a gang declared a rival (rivals()): 1 weighs declared rivals like any other gang [P: gang violence follows rivalry networks, Papachristos 2009]", 0},
  {P_ZETA, "zeta", NUM, 1.0, 0, BIG, "", "how much coalition cohesion raises attacks on the state [P]", 0},
  {P_SPOILS_NU, "spoils_nu", NUM, 0, 0, 10, "", "what a neighbourhood still has to take: the attack rate on j is multiplied by S_j^spoils_nu, S_j = min(1, residents of j / (its residents at the start + the people declared displaced from it at the start)); a node nobody lived in weighs 1, one everybody left 0 (no spontaneous attack until someone returns); under spoils_by choice the rates are also divided by the gang's mean weight M_g; 0: no weight, version 1 (spoils.c) [P: armed groups that live off civilians gain from attacking a place in proportion to what it still holds, Azam and Hoeffler 2002; no measured value]", 0},
  {P_SPOILS_BY, "spoils_by", STR, 0, 0, 0, "", "how spoils_nu acts: rate (S_j^spoils_nu weighs the attack rate on j, so a gang attacks less as its frontier empties) or choice (it weighs a gang's choice among its targets: the weights are divided by their mean over the gang's frontier, M_g, updated every spoils_dt days, so its total rate of attack stays that of a frontier still full; spoils.c) [P]", "rate"},
  {P_SPOILS_DT, "spoils_dt", NUM, 1, 1e-3, BIG, "day", "spoils_by choice: interval at which each gang's mean weight M_g over its frontier is updated (spoils.c)", 0},
  {P_CONTROL_MODEL, "control_model", STR, 0, 0, 0, "", "control of a node: whole (one owner; a won engagement hands over the node, version 1) or shares (a share per party; a win moves part of the loser's share, the owner is the majority holder: control.c)", "whole"},
  {P_CONTROL_STEP, "control_step", NUM, 0.5, 0, 1, "", "share of the loser's hold on a node that a win without losses moves to the winner (shares) [P: two decisive wins take a node from full to dominant control, Kalyvas 2006]", 0},
  {P_CONTROL_MAJORITY, "control_majority", NUM, 0.5, 0.5, 0.99, "", "share of a node above which a party holds it; below it for every party the node is CONTESTED (shares) [P: a simple majority; Kalyvas 2006's dominant control starts above parity]", 0},
  {P_CONSOLIDATE_RATE, "consolidate_rate", NUM, 0, 0, BIG, "1/day", "consolidation: the rate at which the majority holder of a node takes over the other shares between engagements (shares; 0: none, version 1; control.c) [P: control breeds collaboration, Kalyvas 2006 ch. 5 and 7; no measured rate]", 0},
  {P_PRESENCE_HALF, "presence_half", NUM, 0, 0, BIG, "officers", "the STATE's presence at a node it holds is O / (O + presence_half), O its officers there and those covering it (ell_police); consolidation toward the STATE runs at consolidate_rate times the presence, and its share wears down to nobody's at erode_rate times the rest (shares; 0: full presence everywhere, no erosion, as before; control.c) [P: control needs the presence of armed forces, Kalyvas 2006 ch. 5; no measured value]", 0},
  {P_ERODE_RATE, "erode_rate", NUM, 0, 0, BIG, "1/day", "the rate at which a STATE hold with no police presence wears down to nobody's between engagements; a hold eroded to control_majority lapses and the node becomes CONTESTED (shares, presence_half > 0; 0: none; control.c) [P: police stations abandoned without a fight, Carrefour 26 Feb 2024 (press reports); no measured rate]", 0},
  {P_ERODE_WHERE, "erode_where", STR, 0, 0, 0, "", "where a STATE hold with little presence wears down (shares, presence_half > 0): everywhere (as before) or frontier (only where a road neighbour is not held by the STATE, gang-held or CONTESTED: erosion needs a rival near; control.c) [P: control is relative to the rival's presence, Kalyvas 2006 ch. 5]", "everywhere"},
  {P_N_RET, "n_retaliation", NUM, 0.3, 0, 0.999, "", "retaliation branching ratio (expected retaliations per attack suffered) [P] (symbol n)", 0},
  {P_TAU_R, "tau_r", NUM, 7, 1e-6, BIG, "day", "decay time of the urge to retaliate [P]", 0},
  {P_CHI0, "chi0", NUM, 0.1, 0, 1, "", "cohesion a coalition tends to without threat [P]", 0},
  {P_CHIMAX, "chimax", NUM, 0.9, 0, 1, "", "cohesion a coalition tends to under full threat [P]", 0},
  {P_THETA_C, "Theta_c", NUM, 0.2, 0, 1, "", "threat at the midpoint of the cohesion response [P; default from the Haiti calibration, calibrate.sh stages 4-5; was 0.4]", 0},
  {P_S_CHI, "chi_width", NUM, 0.03, 1e-6, BIG, "", "width of the cohesion response to threat [P] (symbol s)", 0},
  {P_B_CHI, "chi_rate", NUM, 0.01, 0, BIG, "1/day", "rate at which cohesion relaxes to its target [P; default from the Haiti calibration, calibrate.sh stages 1-2, kept in 4-5; was 1/30] (symbol b)", 0},
  {P_C_CHI, "chi_erosion", NUM, 0.05, 0, BIG, "", "erosion of cohesion per intra-coalition incident per day [P] (symbol c)", 0},
  {P_W_ANN, "w_ann", NUM, 0.5, 0, BIG, "", "weight of announced but undeployed forces in the threat [P]", 0},
  {P_CHI_FORM, "chi_form", NUM, 0.5, 0, 1, "", "a coalition forms when cohesion rises through this [P]", 0},
  {P_CHI_SPLIT, "chi_split", NUM, 0.15, 0, 1, "", "a coalition splits after tau_split days below this [P]", 0},
  {P_TAU_SPLIT, "tau_split", NUM, 30, 0, BIG, "day", "days below chi_split (bargain: with the threat ratio below bargain_split times bargain_ratio) before a coalition splits [P]", 0},
  {P_COH_DT, "cohesion_dt", NUM, 1, 1e-3, BIG, "day", "interval at which cohesion and its effect on attack weights are updated", 0},
  {P_INCIDENT_WINDOW, "incident_window", NUM, 30, 1e-6, BIG, "day", "window over which intra-coalition incidents per day are counted", 0},
  {P_COALITION_MODEL, "coalition_model", STR, 0, 0, 0, "", "how coalitions form and split: cohesion (an ODE driven by threat) or bargain (a discrete pact struck against the threat: Walt 1987, Christia 2012)", "cohesion"},
  {P_BARGAIN_RATIO, "bargain_ratio", NUM, 1, 0, BIG, "", "bargain: threat ratio E / S (security strength over the partners' strength) above which partners strike a pact [P] (symbol rho_form)", 0},
  {P_BARGAIN_RATE, "bargain_rate", NUM, 1.0 / 30, 0, BIG, "1/day", "bargain: formation hazard kappa (1 - rho_form / rho) tends to this as the threat ratio grows; 1 / it is the shortest mean time to strike the pact [P] (symbol kappa)", 0},
  {P_BARGAIN_SPLIT, "bargain_split", NUM, 0.5, 0, 1, "", "bargain: a formed coalition splits after tau_split days with the threat ratio below this share of bargain_ratio (hysteresis) [P] (symbol s)", 0},
  {P_BARGAIN_SPLIT_N, "bargain_split_incidents", INT, 5, 1, 1000000, "", "bargain: a formed coalition splits when attacks between partners since it formed reach this many within incident_window days [P] (symbol n_split)", 0},
  {P_BARGAIN_PARTNER, "bargain_partner_weight", NUM, 0.05, 0, 1, "", "bargain: partners' attack weight against each other once formed, as a share of wR (cohesion chi = 1 - this) [P] (symbol epsilon)", 0},
  {P_BARGAIN_FREED, "bargain_freed_weight", NUM, 0.5, 0, 1, "", "bargain: a member freed in a prison break counts this much of a member in the partners' strength (unarmed, out of practice) [U] (symbol w_f)", 0},
  {P_BARGAIN_STAGES, "bargain_stages", NUM, 1, 1, 50, "", "bargain: the pact is struck in K stages (say contact, truce, pact), each run by the formation hazard at K times its rate, so the mean wait is unchanged and its coefficient of variation is 1 / sqrt(K); K is this number rounded down, or up with probability its fractional part, drawn when talks start (run start, each split); 1: a memoryless wait [P] (symbol K)", 0},
  {P_H0, "h0", NUM, 3e-4, 0, BIG, "1/day", "baseline flight hazard per resident", 0},
  {P_H1, "h1", NUM, 0.15, 0, BIG, "1/day", "flight hazard at saturating violence (~45% gone in 4 days)", 0},
  {P_HT, "h_T", NUM, 0.1, 0, BIG, "1/day", "extra flight hazard for tau_T days after a takeover", 0},
  {P_TAU_T, "tau_T", NUM, 3, 0, BIG, "day", "how long the takeover hazard lasts", 0},
  {P_TAU_I, "tau_I", NUM, 3, 1e-6, BIG, "day", "decay time of violence intensity [P]", 0},
  {P_I_REF, "I_ref", NUM, 5, 1e-9, BIG, "", "intensity scale of the flight hazard [P]", 0},
  {P_I_CONFLICT, "I_conflict", NUM, 1, 0, BIG, "", "intensity at or above which a place counts as in conflict [P]", 0},
  {P_I_SAFE, "I_safe", NUM, 2, 1e-9, BIG, "", "intensity scale of the return rate [P]", 0},
  {P_R0, "r0", NUM, 0.005, 0, BIG, "1/day", "return rate of displaced people to a safe origin (IOM DTM)", 0},
  {P_RETURN_RULE, "return_rule", STR, 0, 0, 0, "",
   "which displaced go home: v1 (while the origin is held by the STATE or by its owner when people last fled it) "
   "or stable (only a cohort whose controller at flight has held the origin for tau_stable days) [U]", "v1"},
  {P_TAU_STABLE, "tau_stable", NUM, 30, 0, BIG, "day",
   "return_rule stable: days an origin must have been held by a cohort's controller at flight before it returns [P]", 0},
  {P_WALK, "walk_speed", NUM, 35, 1e-6, BIG, "km/day", "walking speed of people fleeing (Flee)", 0},
  {P_S_W, "s_w", NUM, 0, 0, BIG, "", "Flee destination weight softening of the score", 0},
  {P_S_D, "s_d", NUM, 1, 0, BIG, "km", "Flee distance softening, scaled to a city", 0},
  {P_P_D, "p_d", NUM, 1, 0, 10, "", "Flee distance exponent", 0},
  {P_SCORE_SAFE, "score_safe", NUM, 1.0, 0, BIG, "", "Flee location score of a safe destination", 0},
  {P_SCORE_CONFLICT, "score_conflict", NUM, 0.25, 0, BIG, "", "Flee location score of a destination in conflict", 0},
  {P_HOUSEHOLD, "household", INT, 5, 1, 1000, "persons", "people moving together in one flight, move or return [P]", 0},
  {P_PROVINCES_KM, "provinces_km", NUM, 5, 0, BIG, "km", "distance from any node to the PROVINCES sink [P; default from the Haiti calibration, calibrate.sh stage 3; was 20]", 0},
  {P_PROVINCES_SEATS, "provinces_seats", INT, 0, 0, BIG, "persons/day", "people who can leave for the PROVINCES per day (bus seats; 0: unlimited, version 1); provinces_km is then the travel cost, as a distance [P: to calibrate on the bus-station outflows counted by IOM DTM]", 0},
  {P_HOST_RATIO, "host_ratio", NUM, 0.5, 0, BIG, "", "displaced a node's host families can take, per initial resident [P]", 0},
  {P_HOST_SHARE, "host_share", NUM, 0.39, 0, 1, "", "share of displaced arriving in a city node who stay with host families (IOM DTM Jun 2024)", 0},
  {P_SITE_RADIUS, "site_radius_km", NUM, 15, 0, BIG, "km", "sites farther than this by road are not considered as destinations [P]", 0},
  {P_MOVE_CONFLICT, "move_conflict", NUM, 1.0, 0, BIG, "1/day", "Flee move chance of displaced people with hosts in a place in conflict", 0},
  {P_MOVE_DEFAULT, "move_default", NUM, 0.3, 0, BIG, "1/day", "Flee move chance of displaced people with hosts elsewhere", 0},
  {P_MOVE_SITE, "move_site", NUM, 0.1, 0, BIG, "1/day", "Flee move chance of displaced people in a site", 0},
  {P_MOVE_GROUP, "move_group", INT, 100, 1, 1000000, "persons", "people moving together in one secondary move or return: a numerical granularity (expected flows do not depend on it; smaller is finer and slower)", 0},
  {P_FLIGHT_MODEL, "flight_model", STR, 0, 0, 0, "", "flight hazard: intensity (version 1: every resident, from intensity and takeovers) or exposure (version 2: residents exposed to deaths nearby, with stayers)", "intensity"},
  {P_H_EXPOSED, "h_exposed", NUM, 0.2, 0, BIG, "1/day", "flight_model exposure: extra flight hazard of an exposed resident at saturating felt violence [P: ~half of the exposed gone in 4 days]", 0},
  {P_D_REF, "D_ref", NUM, 0.25, 1e-9, BIG, "per 1000", "flight_model exposure: felt-violence scale of the hazard, deaths per 1,000 residents (felt_per exposed: per 1,000 people reached) [P]", 0},
  {P_TAU_D, "tau_D", NUM, 7, 1e-6, BIG, "day", "flight_model exposure: decay time of felt violence [P]", 0},
  {P_WALK_KM, "walk_km", NUM, 1, 1e-6, BIG, "km", "flight_model exposure: scale of the walking-distance kernel exp(-d / walk_km), cut at 3 walk_km [P]", 0},
  {P_EXPOSE_ATTACK, "expose_attack", NUM, 0.05, 0, 1, "", "flight_model exposure: share of the unexposed residents an engagement exposes when the node holds [P]", 0},
  {P_EXPOSE_TAKEOVER, "expose_takeover", NUM, 0.25, 0, 1, "", "flight_model exposure: share of the unexposed residents an engagement exposes when the node changes hands [P]", 0},
  {P_TAU_X, "tau_X", NUM, 14, 1e-6, BIG, "day", "flight_model exposure: time constant of the exposed returning to unexposed [P]", 0},
  {P_STAYER_SHARE, "stayer_share", NUM, 0.3, 0, 1, "", "flight_model exposure: share of the exposed who are stayers (elderly, guarding property, cannot pay to move) [P]", 0},
  {P_STAYER_FACTOR, "stayer_factor", NUM, 0.1, 0, 1, "", "flight_model exposure: stayers' extra hazard as a multiple of the exposed's [P]", 0},
  {P_EXPOSE_BY, "expose_by", STR, 0, 0, 0, "", "flight_model exposure: what sets the share an engagement exposes: owner (expose_takeover if the node's owner changed, else expose_attack; as before), shares (expose_attack plus (expose_takeover - expose_attack) times the share of the node that changed holders; the same as owner with control_model whole), or fighters (the fight's scope: each fighter engaged exposes expose_per_fighter residents, and a change of owner adds expose_takeover; exposure.c) [P: under partial control a fight that wins part of a node reaches the people of that part as a takeover would, Kalyvas 2006; fighters: the scope of fighting matters more for flight than its deaths, Melander and Oberg 2006]", "owner"},
  {P_EXPOSE_PER_FIGHTER, "expose_per_fighter", NUM, 2, 0, BIG, "persons", "flight_model exposure, expose_by fighters: residents each fighter engaged (attackers and defenders) exposes; at the engagement's node a share 1 - exp(-expose_per_fighter fighters / residents) of the unexposed is exposed, at a node within walking distance the same with fighters times the kernel [P]", 0},
  {P_D_SHAPE, "D_shape", NUM, 1, 0.1, 10, "", "flight_model exposure: shape of the residents' tolerance of felt violence: the share of the exposed past their threshold at D is 1 - exp(-(D / D_ref)^D_shape) (Weibull thresholds; 1: exponential, the hazard as before; above 1 most tolerate some violence and leave together past D_ref) [P]", 0},
  {P_FELT_PER, "felt_per", STR, 0, 0, 0, "", "flight_model exposure: what felt violence D is counted per: resident (deaths per 1,000 residents of the node, as first built) or exposed (deaths per 1,000 of the node's exposed residents, those the fighting reached, averaged over them as fights add deaths and people; exposure.c) [P: the hazard grows with violence per person within walking distance of it, applied to the people the fighting reached; a fight that reaches a few hundred people of a large quartier is felt by them, not diluted over all its residents]", "resident"},
  {P_UNIT_SPEED, "unit_speed", NUM, 60, 1e-6, BIG, "km/day", "travel speed of security units on the road graph [P]", 0},
  {P_RECALL_MIN, "recall_delay_min", NUM, 1, 0, BIG, "day", "administrative delay of a recall, lower bound", 0},
  {P_RECALL_MAX, "recall_delay_max", NUM, 3, 0, BIG, "day", "administrative delay of a recall, upper bound", 0},
  {P_RECALL_RULE, "recall_rule", BOOL, 0, 0, 1, "", "recall elite officers automatically when gangs hold theta_recall and a V >= 0.6 node is attacked", 0},
  {P_THETA_RECALL, "theta_recall", NUM, 0.8, 0, 1, "", "gang share of nodes that arms the recall rule [P]", 0},
  {P_RECALL_RULE_N, "recall_rule_officers", INT, 300, 0, BIG, "persons", "officers the recall rule takes off protection duty (\"several hundred\") [S]", 0},
  {P_V_C, "V_c", NUM, 0.6, 0, 1, "", "an attack on a node of at least this value calls a police response [P]", 0},
  {P_RESPONSE_SCALE, "response_scale", NUM, 0.5, 0, BIG, "day", "scale of the Gamma(2, scale) dispatch delay of a police response", 0},
  {P_RAID_RATE, "raid_rate", NUM, 0, 0, BIG, "1/day", "raids: rate at which the police start an operation on their own against a gang-held node with a STATE-held road neighbour, served as a response is (the nearest reserve unit, or a team of the dispatch queue), without the recall rule (0: none, version 1; raid.c) [P: BINUH counts at least 590 killed in police operations in Q1 2024]", 0},
  {P_RESPONSE_MODEL, "response_model", STR, 0, 0, 0, "",
   "police response: unit (v1: the nearest free reserve unit per call) or pool (v2: a dispatch queue served by teams "
   "of team_size reserve officers; Larson 1974, Green and Kolesar 1984)", "unit"},
  {P_TEAM_SIZE, "team_size", INT, 20, 1, 1e6, "persons", "officers in one police team sent to a call (response_model pool) [P]", 0},
  {P_SERVICE_MEAN, "service_mean", NUM, 2, 0, BIG, "day",
   "mean time a team stays on its call after it arrives, exponential, before its officers go back (response_model pool) [P]", 0},
  {P_PATIENCE_MEAN, "patience_mean", NUM, 1, 0, BIG, "day",
   "mean time a call waits for a team, exponential, before it is dropped; 0 drops at once (response_model pool) [P]", 0},
  {P_PATROL_RATE, "patrol_rate", NUM, 0.5, 0, BIG, "1/day", "patrols per day of a unit with posture patrol [P]", 0},
  {P_K_ARREST, "k_arrest", NUM, 2.3, 0, BIG, "", "Epstein arrest constant: P(arrest) = 1 - exp(-k officers / members present) (symbol k; Epstein 2002)", 0},
  {P_J_MAX, "J_max", NUM, 365, 0, BIG, "day", "jail terms are U(0, J_max) days [P]", 0},
  {P_DELTA0, "delta0", NUM, 0.125, 0, BIG, "1/year", "desertion rate per officer (1,636 of 13,196 left in 2023) [S]", 0},
  {P_LEGIT, "legitimacy", NUM, 0.2, 0, 1, "", "legitimacy of the state (Epstein); grievance = hardship * (1 - L) [P] (symbol L)", 0},
  {P_HARDSHIP, "hardship", NUM, 1.0, 0, BIG, "", "hardship of young residents is uniform on [0, H] (Epstein) [P] (symbol H)", 0},
  {P_T_ACT, "T_act", NUM, 0.1, 0, BIG, "", "activation threshold: grievance - risk aversion * P(arrest) must exceed it (Epstein) [P]", 0},
  {P_YOUTH, "youth_share", NUM, 0.1, 0, 1, "", "share of residents in the recruitable youth pool [P]", 0},
  {P_RECRUIT_RATE, "recruit_rate", NUM, 0.00005, 0, BIG, "1/day", "recruitment per activated young resident of a gang-held node [P: a few thousand recruits a year across the metro, so that armed members stay within the 5,000-10,000 that UN reports estimate for the metro]", 0},
  {P_THETA_M, "theta_m", NUM, 0.5, 0, 1, "", "share of media reach lost when journalists are threatened by an attack [P]", 0},
  {P_TAU_M, "tau_m", NUM, 60, 1e-6, BIG, "day", "recovery time of media reach [P]", 0},
  {P_REPORT_LETHAL, "report_lethal", NUM, 0.8, 0, 1, "", "chance a witness reports a lethal event [P]", 0},
  {P_REPORT_OTHER, "report_other", NUM, 0.4, 0, 1, "", "chance a witness reports another event [P]", 0},
  {P_REPORT_GANG, "report_gang_factor", NUM, 0.5, 0, 1, "", "factor on reporting from a gang-held node [P]", 0},
  {P_OBS_LAG, "obs_lag_scale", NUM, 1, 0, BIG, "day", "reports come Gamma(2, obs_lag_scale) days after the event", 0},
  {P_OBS_SIGMA, "obs_sigma", NUM, 0.3, 0, 10, "", "sd of the log-normal noise on reported deaths [P]", 0},
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
    p->str = d->type == STR ? cs__strdup(d->sdef) : NULL;
    if (!p->name || !p->doc || (d->type == STR && !p->str)) {
      /* cs_world_free frees every model slot, this one too: clear it here */
      free(p->name);
      free(p->doc);
      free(p->str);
      p->name = p->doc = p->str = NULL;
      return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
    }
    p->units = d->units;
    p->type = d->type;
    p->num = d->def;
    p->min = d->min;
    p->max = d->max;
    p->choices = d->type == STR ? choices_of(d->index) : NULL;
    p->is_model = 1;
    w->n_params++;
  }
  return CS_OK;
}

int cs_params_mode(const cs_world *w, int param) {
  const char *s = w->params[param].str;
  for (int i = 0; MODES[i]; i++)
    if (strcmp(MODES[i], s) == 0) return i;
  return CS_MODE_FAST;
}

/* ---- parameters ---- */

int cs_world_param_find(const cs_world *w, const char *name) {
  for (int i = 0; name && i < w->n_params; i++)
    if (strcmp(w->params[i].name, name) == 0) return i;
  return -1;
}
static const char *param_name_of(const void *params, int i) { return ((const cs_param *)params)[i].name; }

const char *cs_world_param_hint(cs_world *w, const char *name) {
  const char *near = cs_nearest_name_of(name, w->params, w->n_params, param_name_of);
  if (near) snprintf(w->hint, sizeof w->hint, " (did you mean '%.60s'?)", near);
  else w->hint[0] = '\0';
  return w->hint;
}
int cs_world_param_count(const cs_world *w) { return w->n_params; }
void cs_world_param_info(const cs_world *w, int i, cs_param_info *o) {
  const cs_param *p = &w->params[i];
  o->name = p->name;
  o->doc = p->doc;
  o->units = p->units ? p->units : "";
  o->type = p->type;
  o->num = p->num;
  o->str = p->str;
  o->min = p->min;
  o->max = p->max;
  o->is_model = p->is_model;
}
double cs_world_param(const cs_world *w, const char *name) {
  int i = cs_world_param_find(w, name);
  return i >= 0 && w->params[i].type != CS_PT_STRING ? w->params[i].num : NAN;
}

static const char *TYPE_NAMES[] = {"number", "integer", "boolean", "string"};
static const char *TYPE_ARTICLE[] = {"a", "an", "a", "a"};

int cs_world_param_declare(cs_world *w, const char *name, cs_param_type type, double num,
                           const char *str, const char *doc) {
  if (!name || !*name) return cs_err(&w->ctx, CS_EINVAL, "a parameter needs a name");
  if (cs_world_param_find(w, name) >= 0)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is already declared%s", name,
                  w->params[cs_world_param_find(w, name)].is_model ? " (it is a model parameter: set it with model{})" : "");
  if (type != CS_PT_STRING && !isfinite(num)) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s': default must be finite", name);
  if (type == CS_PT_INTEGER && fabs(num) > 9007199254740992.0) /* as cs_world_param_set: exact in a double */
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s': an integer default must be at most 2^53 in size", name);
  if (cs__grow((void **)&w->params, &w->cap_params, w->n_params + 1, sizeof *w->params))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  cs_param *p = &w->params[w->n_params];
  memset(p, 0, sizeof *p);
  p->name = cs__strdup(name);
  p->doc = cs__strdup(doc);
  p->str = type == CS_PT_STRING ? cs__strdup(str) : NULL;
  if (!p->name || !p->doc || (type == CS_PT_STRING && !p->str)) {
    free(p->name); free(p->doc); free(p->str);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  }
  p->units = "";
  p->type = type;
  p->num = type == CS_PT_STRING ? 0 : num;
  p->min = -HUGE_VAL;
  p->max = HUGE_VAL;
  w->n_params++;
  return CS_OK;
}

/* "[0, 1000]", ">= 0" or "<= 10" for messages; "" when unbounded. */
static const char *range_text(char *buf, size_t n, double min, double max) {
  if (isfinite(min) && isfinite(max)) snprintf(buf, n, "in [%g, %g]", min, max);
  else if (isfinite(min)) snprintf(buf, n, ">= %g", min);
  else if (isfinite(max)) snprintf(buf, n, "<= %g", max);
  else buf[0] = '\0';
  return buf;
}

/* The one check of a numeric value against parameter i: finite, integral for
** an integer parameter, 0 or 1 for a boolean, inside the range. */
static int param_check(cs_world *w, int i, double v) {
  const cs_param *p = &w->params[i];
  const char *name = p->name;
  char r[96];
  if (p->type == CS_PT_STRING) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is a string", name);
  if (!isfinite(v)) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be finite, got %g", name, v);
  if (p->type == CS_PT_INTEGER && (v != floor(v) || fabs(v) > 9007199254740992.0))
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be an integer (a whole number of at most 2^53), got %.17g", name, v);
  if (p->type == CS_PT_BOOLEAN && v != 0 && v != 1)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be a boolean", name);
  if (v < p->min || v > p->max)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be %s, got %.15g", name, range_text(r, sizeof r, p->min, p->max), v);
  return CS_OK;
}

/* The index of parameter name, or -1 with "unknown parameter" (and a hint)
** in the world's context. */
static int param_known(cs_world *w, const char *name) {
  int i = cs_world_param_find(w, name);
  if (i < 0)
    cs_err(&w->ctx, CS_EINVAL, "unknown parameter '%s'%s", name ? name : "(null)",
           name ? cs_world_param_hint(w, name) : "");
  return i;
}

int cs_world_param_check(cs_world *w, const char *name, double v) {
  int i = param_known(w, name);
  if (i < 0) return CS_EINVAL;
  return param_check(w, i, v);
}

int cs_world_param_range(cs_world *w, const char *name, double min, double max) {
  int i = param_known(w, name);
  if (i < 0) return CS_EINVAL;
  cs_param *p = &w->params[i];
  if (p->is_model) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is a model parameter: its range is fixed", name);
  if (p->type != CS_PT_NUMBER && p->type != CS_PT_INTEGER)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is %s %s: only numbers and integers take a range", name,
                  TYPE_ARTICLE[p->type], TYPE_NAMES[p->type]);
  if (isnan(min) || isnan(max) || min == HUGE_VAL || max == -HUGE_VAL)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s': min and max must be numbers", name);
  if (min > max) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s': min %g is above max %g", name, min, max);
  double omin = p->min, omax = p->max;
  p->min = min;
  p->max = max;
  int rc = param_check(w, i, p->num); /* the value in effect (the default) must lie inside */
  if (rc != CS_OK) {
    char msg[CS_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", cs_errmsg(&w->ctx));
    p->min = omin;
    p->max = omax;
    return cs_err(&w->ctx, rc, "%s (the default)", msg);
  }
  return CS_OK;
}

int cs_world_param_set(cs_world *w, const char *name, double v) {
  int i = param_known(w, name);
  if (i < 0) return CS_EINVAL;
  cs_param *p = &w->params[i];
  int rc = param_check(w, i, v);
  if (rc != CS_OK) return rc;
  if (i == P_RECALL_MIN && v > PV(w, P_RECALL_MAX))
    return cs_err(&w->ctx, CS_EINVAL, "recall_delay_min must not exceed recall_delay_max");
  if (i == P_RECALL_MAX && v < PV(w, P_RECALL_MIN))
    return cs_err(&w->ctx, CS_EINVAL, "recall_delay_max must not be below recall_delay_min");
  if (i == P_CONTROL_MAJORITY && w->running) /* it would redefine every owner at once */
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' cannot change during a run", name);
  /* the drift of the control shares so far, under the old value */
  /* (erode_rate and ell_police move it only with presence on, or before it is switched on) */
  int presence = PV(w, P_PRESENCE_HALF) > 0 || (i == P_PRESENCE_HALF && v > 0);
  int drift = i == P_CONSOLIDATE_RATE || (presence && (i == P_ERODE_RATE || i == P_PRESENCE_HALF || i == P_ELL_POLICE));
  if (drift && w->running && (rc = cs_control_consolidate_all(w)) != CS_OK) return rc;
  double old = p->num;
  p->num = v;
  if (drift && w->running && (rc = cs_control_remeasure_all(w)) != CS_OK) return rc; /* presence and lapses under the new */
  if (w->running && p->is_model) return cs_notify_param(w, i, old);
  return CS_OK;
}

int cs_world_param_set_str(cs_world *w, const char *name, const char *v) {
  int i = param_known(w, name);
  if (i < 0) return CS_EINVAL;
  if (w->params[i].type != CS_PT_STRING)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is %s %s, not a string", name, TYPE_ARTICLE[w->params[i].type],
                  TYPE_NAMES[w->params[i].type]);
  if ((i == P_COALITION_MODEL || i == P_CONTROL_MODEL || i == P_REACH || i == P_ERODE_WHERE || i == P_SPOILS_BY) &&
      w->running)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' cannot change during a run", name);
  if (w->running && i == P_RETURN_RULE) /* the ledger's cohorts are keyed by it (cohorts.c) */
    return cs_err(&w->ctx, CS_EINVAL, "parameter 'return_rule' cannot change during a run");
  if (w->params[i].choices) {
    int ok = 0;
    char list[256] = "";
    for (int c = 0; w->params[i].choices[c]; c++) {
      ok |= v && strcmp(v, w->params[i].choices[c]) == 0;
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c ? ", " : "", w->params[i].choices[c]);
    }
    if (!ok) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be one of %s, got '%s'", name, list, v ? v : "(null)");
  }
  char *d = cs__strdup(v);
  if (!d) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  free(w->params[i].str);
  w->params[i].str = d;
  /* the engagement modes are read at each engagement; the brigade model
  ** also decides whether lynching clocks run */
  if (w->running && i == P_BRIGADE_MODEL) return cs_notify_param(w, i, NAN);
  return CS_OK;
}

int cs_world_param_set_text(cs_world *w, const char *name, const char *text) {
  int i = param_known(w, name);
  if (i < 0) return CS_EINVAL;
  cs_param *p = &w->params[i];
  if (p->type == CS_PT_STRING) return cs_world_param_set_str(w, name, text);
  if (p->type == CS_PT_BOOLEAN) {
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) return cs_world_param_set(w, name, 1);
    if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) return cs_world_param_set(w, name, 0);
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is a boolean: use true, false, 1 or 0, got '%s'", name, text);
  }
  /* decimal only: strtod would also take hexadecimal, "inf" and "nan" */
  char *end = NULL;
  errno = 0;
  double v = text[strspn(text, "0123456789+-.eE")] == '\0' ? strtod(text, &end) : 0;
  if (!end || end == text || *end != '\0' || errno == ERANGE)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' takes a finite %s written in decimal, got '%s'", name,
                  TYPE_NAMES[p->type], text);
  return cs_world_param_set(w, name, v);
}
