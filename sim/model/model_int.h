/* model_int.h: the conflict model's internal state, for sim/model only.
**
** A cs_world is structure-of-arrays over nodes, (gang, node) pairs, gangs and
** units. Each process (attack.c, engagement.c, takeover.c, flight.c,
** security.c, sample.c) owns its events and its streams; run.c wires them to
** the engine. Invariants between events:
** - own_cnt[g * n + j] is the number of neighbours of node j, by open road
**   (roads.c), that gang g holds;
**   pair (g, j) is on g's frontier iff owner[j] != gang g and own_cnt > 0.
** - every attack clock's rate equals cs_attack_bound(g, j) for the current
**   state (processes call the update functions after every change they make).
** - people: sum(residents) + sum(hosted) + in_transit + provinces +
**   civ_dead_total + recruited == pop0 (exact, integers); pop0 = declared
**   residents + people declared displaced at t = 0 (cohorts.c).
** - gang g: members + jailed + dead == members0 + jailed0 + recruits.
** - officers: sum(unit officers) + officers_dead + officers_deserted ==
**   officers0 + officers_added.
**
** Ownership. world.c writes every field at declaration and finalize time;
** each process allocates its own run state (cs_X_alloc or cs_X_start) and
** frees it (cs_X_free, called from cs__run_free in run.c). During a run,
** a field is written only by the files named here (the rest of the world
** is written by world.c's interventions, the script's calls, or by one file
** alone, named beside the field):
**   residents[]        flight (leave), displaced (return), engagement
**                      (civilian deaths), recruit (joined a gang), brigade
**                      (a resident lynched)
**   origin_disp[]      flight (+), displaced (- on return)
**   in_transit         flight (+ people leave), displaced (+ moves on),
**                      flight's arrival (-)
**   flee_owner[]       flight (owner at flight); read by displaced (returns,
**                      return_rule v1); cohorts (declared displaced, at start)
**   disp0[], disp0_from[]  cohorts.c only (declarations, finalize)
**   prov_day, prov_used  flight (seats to the provinces, at each choice)
**   xp_D[], xp_X[], xp_Y[], xp_t[], xp_hit[]   exposure (called by
**                      engagement: an engagement's exposure; by flight: the
**                      exposed who left)
**   hosted[], hosted_site[], settled[]   displaced only
**   civ_dead[], deaths[], civ_dead_total engagement only (civ_dead[],
**                      civ_dead_total: also brigade, a resident lynched)
**   owner[], t_takeover[], own_cnt[], gangs[].held   takeover (own_cnt:
**                      also roads, below); the control shares behind
**                      owner[] (control_model "shares") control only
**   gangs[].members    engagement (deaths), arrest (jailed, released),
**                      recruit (+1), security (prison break), brigade
**                      (lynched; also gangs[].dead)
**   gangs[].jailed, jailed_timed, skip_release   arrest, security (prison
**                      break); gangs[].freed   security (prison break)
**   units[].officers, loc, next, unit_head[], off_n[], off_s[]  security
**                      (casualties, moves, desertion); engagement calls
**                      cs_security_casualties
**   units[].posture, responding   security, response (dispatch), dispatch
**                      (its teams); units[].officers also dispatch, through
**                      cs_security_transfer (officers into and out of teams)
**   announced          coalition (cs_world_announce: +), security (an
**                      announced force arrives: -)
**   coal[].chi, active coalition only (its cohesion update, and a script's
**                      cs_world_coalition_set), or bargain (coalition_model
**                      "bargain": formation, split, the formation clock)
**   media[], media_cur[], media_t[]   observe (threats; a script's
**                      cs_world_set_media)
**   intensity[], intensity_t[], conflict_until[]   cs__intensity_add
**                      (world.c), called by engagement
**   gangs[].spoils_norm   spoils (M_g, spoils_by "choice")
**   road_closed[], adj_start[], adj_node[], adj_km[], gangs[].dist   roads
**                      (a script's cs_world_road_close / _open); own_cnt[]
**                      also by roads (at the road's two ends), the flight
**                      destination lists by flight (cs_flight_rebuild,
**                      called by roads)
** Every change to a field another process's rate reads is followed by a
** call into notify.c. */
#ifndef CS_MODEL_INT_H
#define CS_MODEL_INT_H

#include <signal.h>

#include "cs_engine.h"
#include "cs_rng.h"
#include "cs_world.h"

/* ---- parameters: model ones have fixed indices ---- */
enum {
  /* attacks and engagements */
  P_LAMBDA0, P_GAMMA, P_ETA, P_PHI, P_ELL, P_M, P_F_URBAN,
  P_REACH, P_JOINT_SHARE, P_ELL_POLICE, /* reach.c, joint.c, cover.c */
  P_LETH_GANG, P_LETH_POLICE, P_LETH_ARMY, P_LETH_INTL, P_LETH_VIG, P_VIG_SHARE,
  /* self-defence brigades (brigade.c) */
  P_BRIGADE_MODEL, P_BRIGADE_SHARE, P_BRIGADE_M0, P_BRIGADE_GROWTH, P_BRIGADE_GRIEVANCE, P_BRIGADE_TAU,
  P_LYNCH_RATE, P_LYNCH_MISID,
  P_BETA, P_BETA_POLICE, P_POLICE_ARMOUR, P_FRONTAGE, P_T_MAX, P_C_CIV, P_MODE_STATE, P_MODE_RIVAL, P_MODE_POLICE,
  P_WS, P_WR, P_W_RIVAL, P_ZETA,
  P_SPOILS_NU, P_SPOILS_BY, P_SPOILS_DT, /* spoils.c: what a node still has to take */
  /* partial control (control.c) */
  P_CONTROL_MODEL, P_CONTROL_STEP, P_CONTROL_MAJORITY, P_CONSOLIDATE_RATE, P_PRESENCE_HALF, P_ERODE_RATE,
  P_ERODE_WHERE,
  /* retaliation */
  P_N_RET, P_TAU_R,
  /* coalitions */
  P_CHI0, P_CHIMAX, P_THETA_C, P_S_CHI, P_B_CHI, P_C_CHI, P_W_ANN,
  P_CHI_FORM, P_CHI_SPLIT, P_TAU_SPLIT, P_COH_DT, P_INCIDENT_WINDOW,
  /* coalitions as a bargain (bargain.c) */
  P_COALITION_MODEL, P_BARGAIN_RATIO, P_BARGAIN_RATE, P_BARGAIN_SPLIT, P_BARGAIN_SPLIT_N,
  P_BARGAIN_PARTNER, P_BARGAIN_FREED, P_BARGAIN_STAGES,
  /* flight, destinations, returns */
  P_H0, P_H1, P_HT, P_TAU_T, P_TAU_I, P_I_REF, P_I_CONFLICT, P_I_SAFE, P_R0,
  P_RETURN_RULE, P_TAU_STABLE, /* cohorts.c: which displaced cohorts may go home */
  P_WALK, P_S_W, P_S_D, P_P_D, P_SCORE_SAFE, P_SCORE_CONFLICT,
  P_HOUSEHOLD, P_PROVINCES_KM, P_HOST_RATIO, P_HOST_SHARE, P_SITE_RADIUS,
  P_MOVE_CONFLICT, P_MOVE_DEFAULT, P_MOVE_SITE, P_MOVE_GROUP,
  /* flight version 2: exposure to nearby violence, stayers (exposure.c) */
  P_FLIGHT_MODEL, P_H_EXPOSED, P_D_REF, P_TAU_D, P_WALK_KM, P_EXPOSE_ATTACK, P_EXPOSE_TAKEOVER,
  P_TAU_X, P_STAYER_SHARE, P_STAYER_FACTOR, P_EXPOSE_BY, P_EXPOSE_PER_FIGHTER, P_D_SHAPE, P_FELT_PER,
  P_PROVINCES_SEATS, /* the provinces' daily seats (flight.c) */
  /* security forces */
  P_UNIT_SPEED, P_RECALL_MIN, P_RECALL_MAX, P_RECALL_RULE, P_THETA_RECALL, P_RECALL_RULE_N,
  P_V_C, P_RESPONSE_SCALE, P_RAID_RATE,
  P_RESPONSE_MODEL, P_TEAM_SIZE, P_SERVICE_MEAN, P_PATIENCE_MEAN, /* v2 dispatch queue (dispatch.c) */
  P_PATROL_RATE, P_K_ARREST, P_J_MAX, P_DELTA0,
  /* recruitment */
  P_LEGIT, P_HARDSHIP, P_T_ACT, P_YOUTH, P_RECRUIT_RATE,
  /* media and reporting */
  P_THETA_M, P_TAU_M, P_REPORT_LETHAL, P_REPORT_OTHER, P_REPORT_GANG, P_OBS_LAG, P_OBS_SIGMA,
  P_MODEL_COUNT
};

/* Engagement modes (string parameters engagement_state/_rival/_police). */
enum { CS_MODE_FAST, CS_MODE_SQUARE, CS_MODE_LINEAR };
int cs_params_mode(const cs_world *w, int param);

typedef struct cs_param {
  char *name, *doc, *str;
  const char *const *choices; /* allowed values of a string model parameter, NULL-terminated */
  const char *units;
  cs_param_type type;
  double num, min, max;
  int is_model;
} cs_param;

/* Fill w->params[0 .. P_MODEL_COUNT) with the defaults (params.c). */
int cs_params_init(cs_world *w);

/* Stream purposes (entity kinds are in cs_rng.h). */
enum {
  PU_ATTACK = 1, PU_FLIGHT = 2, PU_DEST = 3, PU_ENGAGE = 4, PU_UNIT = 5, PU_RETALIATE = 6,
  PU_PATROL = 7, PU_DESERT = 8, PU_RECRUIT = 9, PU_MOVE = 10, PU_RETURN = 11, PU_OBSERVE = 12,
  PU_RESPONSE = 13, PU_HOST = 14, PU_DISPATCH = 15, PU_BRIGADE = 16, PU_BARGAIN = 17,
  PU_RAID = 18
};

/* Event kinds on the engine, and their priority classes among equal times. */
enum {
  EV_ATTACK, EV_FLIGHT, EV_PEOPLE_ARRIVE, EV_UNIT_ARRIVE, EV_TIMER, EV_SAMPLE, EV_COHESION,
  EV_RETALIATE, EV_ENGAGE_END, EV_PATROL, EV_RELEASE, EV_DESERT, EV_RECRUIT, EV_MOVE_ON,
  EV_RETURN, EV_DISPATCH, EV_COALITION_FORM, EV_LYNCH, EV_TEAM_DEPART, EV_TEAM_FREE,
  EV_CALL_LAPSE, EV_BRANCH, EV_HOLD_LAPSE, EV_RAID, EV_SPOILS, EV_KINDS
};
/* PRIO_BRANCH: the branch event (branch.c) runs after everything else at its
** time, so the state it re-keys is the state after every event at t <= DAY. */
enum { PRIO_ARRIVAL = 0, PRIO_PROCESS = 1, PRIO_SCRIPT = 2, PRIO_SAMPLE = 3, PRIO_BRANCH = 4 };

#define LOC_TRANSIT (-2) /* a unit on the road */

/* A unit-rate Poisson clock of the modified next reaction method (Anderson
** 2007): the process fires when its integrated rate T reaches P. A rate change
** rescales the remaining internal time instead of drawing anew, so a change
** elsewhere never consumes this process's random numbers. */
typedef struct cs_clock {
  double T, P;     /* internal time so far, internal time of the next firing */
  double rate, t0; /* current rate, and when T was last brought up to date */
  cs_handle h;     /* pending engine event, 0 if none */
} cs_clock;

typedef struct cs_unit_s {
  char *id;
  int kind, posture;
  int64_t officers;
  double lethality;
  int loc;         /* node, CS_NODE_NONE (protection duty) or LOC_TRANSIT */
  int next;        /* next unit at the same node (list by node), -1 at the end */
  int dest;        /* destination while in transit */
  int responding;  /* 1 while dispatched on a police response */
  int patrol_on;   /* 1 while its patrol clock runs */
  cs_pcg32 rng;    /* (unit, PU_UNIT): recall delays */
  cs_pcg32 patrol_rng, desert_rng; /* (unit, PU_PATROL), (unit, PU_DESERT) */
  cs_handle desert_h, patrol_h; /* pending desertion candidate, patrol tick */
  double desert_bound; /* officers when the pending desertion candidate was drawn */
} cs_unit_s;

typedef struct cs_gang_s {
  char *id, *name;
  int64_t members, jailed, dead, recruits, members0, jailed0;
  int64_t jailed_timed;  /* jailed with a release date (arrested during the run) */
  int64_t skip_release;  /* releases to ignore: those members left in a prison break */
  int64_t freed;         /* members freed in prison breaks (security); bargain.c counts them at a discount */
  double q, a;
  int base, coalition, held;
  double *dist; /* [n_nodes] road distance of the gang's reach (reach.c), km */
  double spoils_norm; /* spoils_by "choice": M_g at the last update, dividing g's attack bounds (spoils.c); else 1 (from declaration) */
} cs_gang_s;

typedef struct cs_coalition_s {
  char *id;
  double chi, chi_decl; /* cohesion now, and as declared (restored at run start) */
  int active;           /* formed: members act as partners */
  double below_since;   /* when chi fell below chi_split while active, or NAN */
  double theta, rate;   /* threat and incidents per day at the last update */
  double t_last;        /* time of the last update */
  double *incidents;    /* times of intra-coalition attacks, oldest first */
  int n_inc, cap_inc;
  /* bargain.c (coalition_model = "bargain"): the formation clock, a unit-rate
  ** clock run at the hazard taken at the last update (as cs_clock) */
  double form_T, form_P; /* integrated hazard so far, where the current stage ends */
  int form_K, form_k;    /* stages of this negotiation, stages completed */
  double form_h, form_t; /* hazard since form_t */
  cs_handle form_ev;     /* pending EV_COALITION_FORM, 0 if none */
  cs_pcg32 rng;          /* (coalition, PU_BARGAIN) */
} cs_coalition_s;

typedef struct cs_engagement cs_engagement;
typedef struct cs_dispatch cs_dispatch; /* the police dispatch queue (dispatch.c) */

struct cs_world {
  cs_ctx ctx;
  char hint[96];    /* the last cs_world_param_hint */
  char *name;
  char start[11];   /* "YYYY-MM-DD" or "" */
  double days, sample_every;
  int finalized, ran, running;
  volatile sig_atomic_t stop_asked; /* cs_world_stop before the engine existed */

  /* parameters: model ones first, then the scenario's */
  cs_param *params;
  int n_params, cap_params;

  /* nodes (structure of arrays, length n, capacity cap) */
  int n, cap;
  char **node_id, **node_name, **node_commune;
  double *x, *y, *value, *fort, *media;
  int64_t *site_cap, *residents, *residents0, *hosted, *origin_disp, *civ_dead, *deaths;
  int *owner;
  double *intensity, *intensity_t; /* I at time intensity_t; decays with tau_I */
  double *t_takeover;              /* last takeover time, -inf if none */
  double *conflict_until;          /* intensity >= I_conflict until then */
  int *node_index;   /* node id -> index (hash, world_index.c) */
  size_t node_icap;
  int *gang_index, *unit_index, *coal_index; /* gang, unit, coalition ids -> index (hash, world_index.c) */
  size_t gang_icap, unit_icap, coal_icap;
  int *road_index;   /* (a, b) -> road (hash, world_index.c) */
  size_t road_icap;
  /* roads as declared, then as CSR adjacency */
  int n_roads, cap_roads;
  int *road_a, *road_b;
  double *road_km;
  unsigned char *road_closed; /* [n_roads] 1 while closed (roads.c); NULL until a first closure */
  int *adj_start, *adj_node;  /* CSR adjacency of the open roads (roads.c) */
  double *adj_km;
  /* Dijkstra workspace (graph.c): dist all INFINITY between searches */
  double *dj_dist;
  int *dj_touched;
  void *dj_heap;
  int *reach_src; /* [n] scratch: a gang's held nodes (reach.c) */
  /* reach "spread" (reach.c): per node j, the nodes a search from j visits
  ** within 30 ell, in visit order, each with exp(-km / ell); built at j's
  ** first fight, all dropped when the roads are rebuilt or ell changes */
  struct cs_reach_hit **reach_hits; /* [n]; NULL: not built */
  int *reach_n;                     /* [n] entries of reach_hits[j] */
  size_t reach_total;               /* entries allocated, at most REACH_CACHE_MAX (reach.c) */
  double reach_ell;                 /* the ell they were built with */
  unsigned roads_gen, reach_gen;    /* adjacency builds (roads.c); roads_gen when they were built */
  double *joint_x;  /* [n_gangs] scratch: partners' fighters in a joint attack (joint.c; engagement.c allocates) */
  struct cs_cover *cover; /* police cover's scratch (cover.c; engagement.c allocates) */
  int64_t *joint_d; /* [n_gangs] scratch: their share of its losses */
  /* flight destinations: CSR lists of (node, distance) per origin */
  int *cand_start, *cand_node;
  double *cand_km;
  double *cand_dw, prov_dw; /* distance terms 1/(s_d + km)^p_d, cached at run start */
  double *cand_wt;          /* scratch: weights of one choice */
  double *fac_safe, *fac_conf; /* [n] destination factor (score and capacity) if safe / in conflict */

  /* gangs, coalitions, units */
  int n_gangs, cap_gangs;
  cs_gang_s *gangs;
  int n_coal, cap_coal;
  cs_coalition_s *coal;
  int *rival_pairs, n_rival, cap_rival; /* declared rivalries, (g, h) pairs */
  unsigned char *rival;                 /* [n_gangs * n_gangs] 1 if g and h are rivals (built at finalize) */
  int n_units, cap_units;
  cs_unit_s *units;

  /* run state */
  cs_engine *eng;
  const cs_sink *sink;
  cs_hooks hooks;
  uint64_t seed, replicate;
  double branch_at;    /* the branch day (cs_world_set_branch), or NAN: no branching */
  uint64_t branch_id;  /* the branch's id, valid when branch_at is not NAN */
  int branched;        /* 1 once the branch event ran: cs__stream keys by branch_id */
  int *own_cnt;        /* [n_gangs * n] */
  cs_clock *atk;       /* [n_gangs * n] attack clocks */
  cs_pcg32 *atk_rng;   /* [n_gangs * n] (pair, PU_ATTACK) */
  cs_pcg32 *flight_rng, *dest_rng, *engage_rng; /* [n] */
  cs_handle *flight_h; /* [n] pending flight candidate */
  double *flight_bound;/* [n] the thinning bound it was drawn with */
  /* flight version 2 (exposure.c): per node, values at xp_t, decaying */
  int xp_on;           /* flight_model is "exposure" (read at run start) */
  double *xp_D;        /* [n] felt violence, deaths per 1,000 residents */
  double *xp_X, *xp_Y; /* [n] exposed movers, exposed stayers (people) */
  double *xp_t;        /* [n] when D, X, Y were last brought up to date */
  int *xp_hit, xp_n_hit; /* [n] nodes the last engagement reached, in visit order */
  double *xp_hit_km;   /* [n] their road distances */
  double prov_day;     /* day (floor of t) the seats below count, -1 before any */
  int64_t prov_used;   /* people who left for PROVINCES that day (provinces_seats > 0) */
  /* displaced people (displaced.c) */
  void *dloc;              /* [n + 1] per location (n = PROVINCES): its entries */
  void *dorig;             /* [n] per origin: refs to its entries */
  void *dled_hash;         /* (origin, loc) -> index, open addressing */
  size_t dled_hcap;
  int dled_n;
  int64_t *hosted_site;    /* [n] displaced in sites at each node (hosted[] is the total) */
  int64_t *settled;        /* [n] displaced from each origin who have arrived somewhere */
  int *flee_owner;         /* [n] owner when people last fled the node */
  cs_handle *move_h, *return_h;
  double *move_bound, *return_bound;
  double *move_t; /* the time of k's pending move candidate (while move_h[k]) */
  cs_pcg32 *move_rng, *return_rng, *host_rng;
  int64_t returned;        /* people who went home */
  /* displaced cohorts (cohorts.c): people declared displaced at t = 0 */
  cs_displaced_decl *disp0;  /* in declaration order */
  int n_disp0, cap_disp0;
  int64_t *disp0_from;     /* [n] people declared displaced from each origin (finalize) */
  int ret_stable;          /* return_rule is "stable" (fixed at run start) */
  double *media_cur, *media_t; /* [n] media reach after the last threat, and when */
  cs_pcg32 *observe_rng;       /* [n] */
  double *observe_memo;        /* [3n] per node the last (base, witnesses, pow) of cs_observe */
  cs_pcg32 observe_city_rng;
  double *engaged_until;   /* [n] end of the engagement under way, -inf if none */
  cs_pcg32 *recruit_rng, *response_rng; /* [n] */
  cs_dispatch *dispatch;   /* calls, teams and streams of the dispatch queue (dispatch.c) */
  cs_handle *recruit_h;    /* [n] pending recruitment candidate */
  cs_handle *raid_h;       /* [n] pending raid (raid.c) */
  double *raid_rate;       /* [n] the raid rate its pending time was drawn at */
  cs_pcg32 *raid_rng;      /* [n] (node, PU_RAID) */
  double *recruit_bound;   /* [n] its thinning bound */
  cs_engagement *pending;  /* [n] that engagement's drawn result */
  struct cs_brigade *brig; /* self-defence brigades' run state (brigade.c), NULL if not started */
  struct cs_control *ctl;  /* control shares (control.c), NULL unless control_model is "shares" */
  int *unit_head;      /* [n] first unit at each node, -1 if none */
  int64_t *off_n;      /* [n] officers at each node */
  double *off_s;       /* [n] sum of officers * lethality at each node */
  /* retaliation (retaliate.c), per ordered gang pair g * n_gangs + h */
  double *ret_E, *ret_t, *ret_bound;
  cs_handle *ret_h;
  cs_pcg32 *ret_rng;
  double announced;     /* strength (officers * lethality) announced but not deployed */
  int64_t pop0, in_transit, provinces, civ_dead_total;
  int64_t officers0, officers_added, officers_dead, officers_deserted;
  int64_t gang_declared; /* members + jailed over every gang declared: kept <= CS_COUNT_MAX */
  size_t mem_limit;      /* cs_world_set_memory_limit; 0: none */
  uint64_t hash_key;     /* key of the hash tables (world.c draws it for world_index.c) */
  int64_t recruited;   /* residents who joined a gang */
  int recall_fired;    /* the recall rule fires once */
  int n_samples;
  /* timers set before the run starts */
  int n_pending, cap_pending;
  double *pending_t;
  int *pending_id;
  /* scratch for samples */
  void *sample_buf;
  /* rows logged during an engagement's aftermath, emitted after its own
  ** (cs__log_hold / cs__log_release) */
  int held_on, n_held, cap_held;
  cs_event_rec *held;
};

/* ---- shared helpers (world.c) ---- */
int cs__grow(void **p, int *cap, int need, size_t elem);
/* The largest total of people of one kind (residents, officers, gang
** members) a world may hold, so that no sum of counts can overflow int64. */
#define CS_COUNT_MAX (INT64_MAX / 4)
/* The most trajectory values (samples x the variables' lengths) a run may
** write: 2e9 values, 16 GB before compression. */
#define CS_MAX_TRAJECTORY_VALUES 2e9
/* ---- world_index.c: enter item i, just added as the last, in its index
** (CS_OK or CS_ENOMEM); find road a-b in either direction (-1 if none). */
int cs__index_node(cs_world *w, int i);
int cs__index_gang(cs_world *w, int g);
int cs__index_unit(cs_world *w, int u);
int cs__index_coalition(cs_world *w, int c);
int cs__index_road(cs_world *w, int r);
int cs__road_find(const cs_world *w, int a, int b);
/* ---- roads.c: the adjacency of the open roads (built at finalize, rebuilt
** after a closure or opening; no allocation after the first build), the
** finalize check that the graph is connected, and whether road r is closed. */
int cs__roads_build(cs_world *w);
int cs__roads_check_connected(cs_world *w);
static inline int cs__road_closed(const cs_world *w, int r) { return w->road_closed && w->road_closed[r]; }
char *cs__strdup(const char *s);
/* Dijkstra from src over the road graph into dist[n] (km; INFINITY if none). */
int cs__dijkstra(cs_world *w, int src, double *dist);
/* Visit nodes in increasing road distance from src (ties by index) up to
** max_km; stop early when visit returns non-zero. visit may be NULL. */
typedef int (*cs_visit_fn)(void *ud, int node, double km);
int cs__graph_visit(cs_world *w, int src, double max_km, cs_visit_fn visit, void *ud);
/* Lower dist[] (distances from some set of sources, or all INFINITY) to
** the distances from that set plus src[0..n_src): a Dijkstra that visits
** only the nodes the new sources bring closer. */
int cs__graph_lower(cs_world *w, const int *src, int n_src, double *dist);
/* Shortest road distance from one node to another into *km. */
int cs__road_km(cs_world *w, int from, int to, double *km);
/* Current violence intensity at node j (decayed to now). */
double cs__intensity(const cs_world *w, int j, double t);
void cs__intensity_add(cs_world *w, int j, double t, double amount);
/* Is node j in conflict at t: CONTESTED, or intensity >= I_conflict? Uses
** the time the intensity falls below I_conflict, kept by intensity_add.
** Inline: destination choice asks it for every candidate. */
/* The rule, from a node's owner and conflict_until (for loops over arrays). */
static inline int cs__conflict_rule(int owner, double conflict_until, double t) {
  return owner == CS_PARTY_CONTESTED || t < conflict_until;
}
static inline int cs__in_conflict(const cs_world *w, int j, double t) {
  return cs__conflict_rule(w->owner[j], w->conflict_until[j], t);
}
/* Recompute those times (after tau_I or I_conflict changed). */
void cs__conflict_refresh(cs_world *w);
/* Record an event: to the sink and then the script's hooks. */
int cs__emit(cs_world *w, const cs_event_rec *e);
/* Hold the rows logged from now on (cs__emit keeps them), then release:
** emit first[0 .. n_first) and then the held rows in the order they were
** logged. An engagement's aftermath uses this so that its engagement and
** takeover rows come first, however many rows its consequences log (units
** falling back, a recall by the recall rule). Holds do not nest. */
void cs__log_hold(cs_world *w);
int cs__log_release(cs_world *w, const cs_event_rec *first, int n_first);
/* Log an event (cs__emit with the record built from its fields). */
int cs__log(cs_world *w, double t, int kind, int node, int actor, int target, int64_t deaths,
            int64_t displaced);
double cs__now(const cs_world *w);
/* The next multiple of dt after now (periodic updates: coalition.c, spoils.c). */
double cs__next_tick(double now, double dt);

/* ---- branch.c: stream keys and the branch event ---- */
/* Derive *r for (entity kind, id, purpose) from (seed, replicate), and after
** the branch event also from the branch id: every model stream comes from
** here, so re-deriving after the branch re-keys all of them. */
void cs__stream(const cs_world *w, cs_pcg32 *r, uint32_t kind, uint64_t id, uint32_t purpose);
/* Schedule the branch event if one was asked for (run start). */
int cs_branch_start(cs_world *w);
int cs_branch_on_event(cs_engine *e, const cs_event *ev, void *ud);
/* Free every process's run state and the engine (run.c; from cs_world_free). */
void cs__run_free(cs_world *w);
#define PV(w, i) ((w)->params[(i)].num)

/* ---- notify.c: one owner for rate redraws (its opening comment is the
** table "this change -> these clocks"). Processes call these after changing
** shared state; none reaches into another process's clock. ---- */
/* from, to: parties holding j before and after; ag, og: gang indices of the
** attacker and the holder before, or -1. */
int cs_notify_engagement_over(cs_world *w, int j, int from, int to, int ag, int og);
int cs_notify_hold_lapsed(cs_world *w, int j, int from, int to); /* a STATE hold eroded (control.c) */
int cs_notify_members(cs_world *w, int g);    /* g's members reached or left zero */
int cs_notify_spoils(cs_world *w, int g);     /* g's M_g changed (spoils_by "choice") */
int cs_notify_residents_rose(cs_world *w, int j);
int cs_notify_hosted_rose(cs_world *w, int k);
void cs_notify_room(cs_world *w, int k);      /* hosted fell or capacity set at k */
int cs_notify_cohesion(cs_world *w, int c);
int cs_notify_param(cs_world *w, int param, double old); /* after params[param] changed from old */
int cs_notify_road(cs_world *w, int a, int b); /* road a-b closed or opened (ends in declaration order) */
int cs_notify_officers_rose(cs_world *w, int u); /* unit u gained officers (a police team formed or went back) */
int cs_notify_reserve(cs_world *w);
int cs_notify_rekeyed(cs_world *w);            /* every stream was re-keyed (the branch event) */            /* reserve officers may have risen (a unit arrived, a force) */
/* The one way to redraw a thinned clock: cancel the pending candidate *h,
** store b in *bound (if not NULL) and, if b > floor, schedule the next
** candidate ev at now + Exp(b) drawn from r, its handle in *h. */
int cs__redraw(cs_world *w, cs_handle *h, double *bound, double b, double floor, cs_pcg32 *r,
               const cs_event *ev);
/* cs__redraw that also writes the candidate's time to *when (INFINITY if none
** was scheduled). */
int cs__redraw_at(cs_world *w, cs_handle *h, double *bound, double b, double floor, cs_pcg32 *r,
                  const cs_event *ev, double *when);
/* Raise a pending thinned clock from *bound to b > *bound without redrawing
** it: by memorylessness the candidate pending at *when is the first of a
** Poisson stream of rate *bound from now, so the first of it and of an
** independent stream of rate b - *bound, drawn here from r, is the first of
** a stream of rate b. The candidate moves only if the new stream's first is
** earlier. Requires *h pending at *when; stores b in *bound. */
int cs__raise(cs_world *w, cs_handle *h, double *bound, double b, cs_pcg32 *r, const cs_event *ev, double *when);

/* ---- check.c: the model's contracts at run time ---- */
/* The invariants of model_int.h's opening comment: 0, or -1 with a message. */
int cs__check_world(const cs_world *w, char *msg, size_t cap);
void cs__check_world_or_abort(const cs_world *w);
void cs__check_bound_fail(const cs_world *w, const char *process, int a, int b, double rate, double bound);
/* At a thinned firing: the true rate must not exceed the bound the candidate
** was drawn from (up to rounding). Only in a CS_DEBUG build; the arguments
** must have no side effects (no draws). */
#ifdef CS_DEBUG
#define CS_CHECK_BOUND(w, process, a, b, rate, bound)                                      \
  do {                                                                                     \
    double r_ = (rate), b_ = (bound);                                                      \
    if (!(r_ <= b_ + 1e-9 * fabs(b_) + 1e-300)) cs__check_bound_fail(w, process, a, b, r_, b_); \
  } while (0)
#else
#define CS_CHECK_BOUND(w, process, a, b, rate, bound) ((void)0)
#endif

/* ---- attack.c ---- */
int cs_attack_alloc(cs_world *w); /* run state: clocks and streams of every pair */
void cs_attack_free(cs_world *w);
int cs_attack_start(cs_world *w);
void cs_attack_streams(cs_world *w);   /* (pair, PU_ATTACK) of every pair, from cs__stream */
int cs_attack_redraw_all(cs_world *w); /* a new internal firing time P = T + Exp(1) for every pair */
/* The true attack rate (bound times p^eta times the spoils factor), and the
** thinning bound alone. */
double cs_attack_rate(const cs_world *w, int g, int j);
double cs_attack_bound(const cs_world *w, int g, int j);
/* The bound before spoils_by "choice" divides it by g's M_g (spoils.c). */
double cs_attack_weight(const cs_world *w, int g, int j);
/* Bring pair (g, j)'s clock up to date with its current bound. */
int cs_attack_update_pair(cs_world *w, int g, int j);
/* All pairs at node j (after its owner changed). */
int cs_attack_update_node(cs_world *w, int j);
/* All pairs of gang g (after its members reached or left zero, or its
** aggression or coalition changed). */
int cs_attack_update_gang(cs_world *w, int g);
int cs_attack_update_all(cs_world *w);
int cs_attack_on_event(cs_engine *e, const cs_event *ev, void *ud);
/* Gang g attacks j now (spontaneous, retaliation or scripted). */
int cs_attack_resolve(cs_world *w, int g, int j);

/* ---- spoils.c: what a node still has to take (spoils_nu) ---- */
/* S_j^spoils_nu, S_j = min(1, residents / (residents at the start + declared
** displaced from j)); 1 when spoils_nu = 0 or nobody lived at j. */
double cs_spoils_factor(const cs_world *w, int j);
/* spoils_by "choice": every gang's M_g now, then an update every spoils_dt
** days (EV_SPOILS); "rate": M_g = 1, nothing scheduled. Before cs_attack_start. */
int cs_spoils_start(cs_world *w);
int cs_spoils_on_event(cs_engine *e, const cs_event *ev, void *ud);
/* "choice": every gang's M_g recomputed now, clocks untouched (the caller,
** cs_notify_param, rescales every attack clock next); "rate": nothing. */
void cs_spoils_renorm(cs_world *w);

/* ---- reach.c: a gang's reach, gangs[].dist (parameter reach) ---- */
int cs_reach_territory(const cs_world *w); /* reach is "territory" */
/* The fighters gang g commits to a fight at j: phi times its members
** weighted by their distance to j, exp(-d / ell). */
double cs_reach_fighters(const cs_world *w, int g, int j);
/* Recompute gang g's reach (all gangs) from its sources. */
int cs_reach_recompute(cs_world *w, int g);
int cs_reach_recompute_all(cs_world *w);
/* Node j passed from party `from` to `to` (takeover.c). */
int cs_reach_takeover(cs_world *w, int j, int from, int to);
/* Invariant: every gang's dist is the shortest distance from its sources. */
int cs_reach_check(const cs_world *w, char *msg, size_t cap);
/* Free the per-node lists of reach "spread" (world free). */
void cs_reach_free(cs_world *w);

/* ---- joint.c: joint offensives of a formed coalition (joint_share) ---- */
/* The fighters (*n) and strength (*s: fighters times lethality) gang g's
** partners add to its attack at j. */
void cs_joint_forces(const cs_world *w, int g, int j, double *n, double *s);
/* Put an attack's `deaths` on g (own_n of the attackers) and on the
** partners (joint_n) through lose(w, gang, deaths); returns the deaths
** lose() applied. */
int64_t cs_joint_losses(cs_world *w, int g, int j, int64_t deaths, double own_n, double joint_n,
                        int64_t (*lose)(cs_world *, int, int64_t));

/* ---- cover.c: police cover of nearby STATE nodes (ell_police) ---- */
/* The officers (*n) and strength (*s) of the other STATE nodes that cover j
** (0 unless j is STATE-held and ell_police > 0). */
void cs_cover_forces(const cs_world *w, int j, double *n, double *s);
/* Kill `off` officers defending j: at j and at the nodes covering it, by
** largest remainder; returns how many died (at most the officers there). */
int64_t cs_cover_losses(cs_world *w, int j, int64_t off);
/* The officers at j plus those of the STATE-held nodes covering it, weighted
** by exp(-d / ell_police) (only those at j with ell_police 0), whoever holds j. */
double cs_cover_officers(const cs_world *w, int j);
int cs_cover_alloc(cs_world *w);
void cs_cover_free(cs_world *w);

/* ---- engagement.c ---- */
struct cs_engagement {
  int attacker;               /* a gang's party code, or CS_PARTY_STATE (police operation) */
  int node, mode;             /* where, and CS_MODE_FAST / _SQUARE / _LINEAR */
  double A0, D0;              /* committed attackers, defenders (fighters) */
  double Ae, De;              /* of them, the fighters in contact: min(A0, frontage), min(D0, frontage);
                              ** A0 and D0 with frontage 0 */
  double off_n, gang_n, vig_n;/* defenders by kind (headcounts) */
  double joint_n;             /* attackers the gang's coalition partners added (joint.c) */
  double aA, aD;              /* per-fighter lethality (defender's includes F) */
  double bA, bD;              /* breakpoints: share of A0, D0 lost before a side breaks */
  double Sa, Sd, p;           /* strengths and the attacker's win probability */
  int outcome;                /* +1 attacker won, -1 lost, 0 time limit */
  int64_t att_deaths, def_deaths, civ_deaths;
  double duration;            /* days */
};
int cs_engagement_alloc(cs_world *w); /* streams, engaged_until, pending */
void cs_engagement_start(cs_world *w);
void cs_engagement_free(cs_world *w);
/* Forces of `attacker` (a gang party or STATE) against node j now. */
void cs_engagement_forces(const cs_world *w, int attacker, int j, cs_engagement *out);
/* Fast contest-success mode: the outcome from p (the whole forces), expected
** square-law losses of the fighters in contact (Ae, De). */
void cs_engagement_fast(const cs_world *w, cs_pcg32 *r, cs_engagement *en, int64_t residents);
/* Start an engagement now (it may end now or later); the aftermath; the end
** of a timed engagement. */
int cs_engagement_begin(cs_world *w, int attacker, int j);
int cs_engagement_finish(cs_world *w, const cs_engagement *en);
int cs_engagement_on_end(cs_engine *e, const cs_event *ev, void *ud);

/* ---- takeover.c ---- */
/* Node j passes to party `to`; keeps own_cnt and held counts right and
** sends the units there back if a gang took it. The caller, the
** engagement's aftermath, notifies (cs_notify_engagement_over). */
int cs_takeover(cs_world *w, int j, int to);
/* Set owner at declaration/finalize time (no rate updates). */
void cs_takeover_count(cs_world *w, int j, int party, int delta);

/* ---- control.c: partial control (control_model = "shares") ---- */
int cs_control_shares(const cs_world *w); /* control_model is "shares" */
int cs_control_alloc(cs_world *w);        /* "shares": every node held whole by its owner */
void cs_control_free(cs_world *w);
/* Share of node j held by party (CS_PARTY_CONTESTED: held by nobody); the
** largest share held by any party (gangs_only 0) or by a gang (1). With
** "whole": 1 for the owner, else 0. NAN for an unknown node. */
double cs_control_share(const cs_world *w, int j, int party);
double cs_control_top(const cs_world *w, int j, int gangs_only);
/* Bring every node's stored shares to now under the current consolidate_rate
** and erode_rate (before a parameter the drift reads changes during a run). */
int cs_control_consolidate_all(cs_world *w);
/* Measure every node's presence and schedule the lapses of STATE holds
** (cs_control_start at the run's start; cs_control_remeasure_all after a
** parameter the drift reads changed during a run, every node first brought
** to now by cs_control_consolidate_all under the old value). */
int cs_control_start(cs_world *w);
int cs_control_remeasure_all(cs_world *w);
/* erode_where "frontier" (else no-ops): node j changed hands, so whether its
** neighbours have a rival near may have changed: each is brought to now
** under its old measure and measured again (presence, rival, lapse);
** cs_control_remeasure does it for j alone (a road at j closed or opened). */
int cs_control_owner_changed(cs_world *w, int j);
int cs_control_remeasure(cs_world *w, int j);
/* EV_HOLD_LAPSE: node a's STATE hold eroded to control_majority; it becomes
** CONTESTED (a takeover row, then cs_notify_hold_lapsed). */
int cs_control_on_lapse(cs_engine *e, const cs_event *ev, void *ud);
/* The margin of victory mu in [0, 1] of a decided engagement. */
double cs_control_margin(const cs_engagement *en);
/* After engagement en at its node, held by `from` at its start: move the
** winner's share ("shares") and put the owner it leaves in *to (== from if
** none changes), and in *moved the share of the node that changed holders
** (in [0, 1]; "whole": 1 if the owner changed, else 0). The caller runs the
** takeover. CS_ENOMEM possible. */
int cs_control_settle(cs_world *w, const cs_engagement *en, int from, int *to, double *moved);
int cs_control_check(const cs_world *w, char *msg, size_t cap);

/* ---- flight.c ---- */
int cs_flight_alloc(cs_world *w);                 /* run state: streams, pending candidates */
void cs_flight_free(cs_world *w);                 /* and the candidate lists of cs_flight_build */
int cs_flight_build(cs_world *w);                 /* candidate lists (finalize) */
/* Rebuild the candidate lists and their cached distance terms from the
** current graph and site capacities (after a road closed or opened). */
int cs_flight_rebuild(cs_world *w);
int cs_flight_start(cs_world *w);
void cs_flight_streams(cs_world *w); /* (node, PU_FLIGHT), (node, PU_DEST) */
int cs_flight_update_node(cs_world *w, int j);    /* after a change at j */
double cs_flight_hazard(const cs_world *w, int j, double t);
int cs_flight_on_event(cs_engine *e, const cs_event *ev, void *ud);
int cs_flight_on_arrive(cs_engine *e, const cs_event *ev, void *ud);
/* Draw a destination for people leaving j (never `exclude`): a node index
** or -1 (PROVINCES); *km receives the distance. */
int cs_flight_choose(cs_world *w, int j, int exclude, cs_pcg32 *r, double *km);
/* The same for a group of n people, respecting the provinces' daily seats
** (provinces_seats > 0: PROVINCES only if n seats are left today, and then
** they are taken). Returns CS_DEST_NONE if no destination has room (the
** group stays). With n = 0 or provinces_seats = 0, cs_flight_choose. */
#define CS_DEST_NONE (-2)
int cs_flight_choose_group(cs_world *w, int j, int exclude, int64_t n, cs_pcg32 *r, double *km);
/* Refresh node k's cached destination factors (after its occupancy or
** capacity changed). */
void cs_flight_refresh(cs_world *w, int k);
/* Recompute the cached distance terms and factors (run start, and after a
** parameter change). */
int cs_flight_cache_distances(cs_world *w);
/* Weight of destination k (-1 = PROVINCES) at distance km from now. */
double cs_flight_dest_weight(const cs_world *w, int k, double km, double t);

/* ---- exposure.c: flight version 2 (flight_model = "exposure") ---- */
enum { CS_XP_BASE, CS_XP_MOVER, CS_XP_STAYER }; /* kinds of flight */
int cs_exposure_alloc(cs_world *w); /* run state (also reads flight_model) */
void cs_exposure_free(cs_world *w);
/* j's felt violence D and exposed movers X and stayers Y at t (>= its last
** change), X + Y capped by the residents. */
void cs_exposure_state(const cs_world *w, int j, double t, double *D, double *X, double *Y);
/* The extra hazard of an exposed mover at felt violence D. */
double cs_exposure_extra(const cs_world *w, double D);
/* j's flight rate in people per day at t, by kind: h0 R, hX X, stayer_factor hX Y. */
void cs_exposure_rates(const cs_world *w, int j, double t, double *base, double *mover, double *stayer);
/* A flight of `kind` takes size people from j now (before residents fall). */
void cs_exposure_flight(cs_world *w, int j, int kind, int64_t size);
/* An engagement at k with `dead` deaths ended now; took: it changed hands;
** moved: the share of k that changed holders (cs_control_settle); fighters:
** both sides' headcounts (A0 + D0, for expose_by "fighters"). Raises D
** and the exposed at k and the nodes within walking distance. */
int cs_exposure_engagement(cs_world *w, int k, int64_t dead, int took, double moved, double fighters);
/* The nodes the last engagement reached (k first, then by road distance). */
int cs_exposure_reached(const cs_world *w, const int **nodes);

/* ---- displaced.c ---- */
int cs_displaced_start(cs_world *w);
void cs_displaced_streams(cs_world *w); /* (node, PU_MOVE), (node, PU_RETURN), (node, PU_HOST) */
void cs_displaced_free(cs_world *w);
/* n people from origin, who fled controller ctrl (a party code), arrive at k
** (-1 = PROVINCES) and settle there. */
int cs_displaced_settle(cs_world *w, int origin, int ctrl, int k, int64_t n);
/* Put people declared displaced into the ledger at run start: sites in
** sites and host with host families at k (-1 = PROVINCES: host only). No
** draw, no redraw (the caller starts the moves). */
int cs_displaced_place(cs_world *w, int origin, int ctrl, int k, int64_t sites, int64_t host);
/* The ledger agrees with hosted, hosted_site, provinces, settled and
** origin_disp: 0, or -1 with a message (check.c). */
int cs_displaced_check(const cs_world *w, char *msg, size_t cap);
int cs_displaced_update_moves(cs_world *w, int k);
/* The people hosted at k rose: raise k's move clock to its new bound
** (cs__raise), or draw one if it has none. */
int cs_displaced_moves_rose(cs_world *w, int k);
int cs_displaced_update_returns(cs_world *w, int j);
int cs_displaced_on_move(cs_engine *e, const cs_event *ev, void *ud);
int cs_displaced_on_return(cs_engine *e, const cs_event *ev, void *ud);

/* ---- cohorts.c: people displaced at t = 0, and which cohorts may return ---- */
int cs_cohorts_finalize(cs_world *w); /* check the declarations, count disp0_from */
void cs_cohorts_free(cs_world *w);
/* Run start (from cs_displaced_start): fix the rule, place the declared
** displaced in the ledger, start the moves where they stay. */
int cs_cohorts_start(cs_world *w);
/* The ledger's key for people who fled controller ctrl: ctrl under
** return_rule stable, CS_COHORT_ALL under v1 (one cohort per origin). */
#define CS_COHORT_ALL CS_PARTY_NONE
#define CS_COHORT_NOBODY (-2)
static inline int cs_cohorts_key(const cs_world *w, int ctrl) { return w->ret_stable ? ctrl : CS_COHORT_ALL; }
/* Whose displaced from origin j may go home at t: CS_COHORT_ALL (v1, j
** safe by owner), a controller (stable: j held by it for tau_stable days),
** or CS_COHORT_NOBODY. The intensity factor is the caller's. */
int cs_cohorts_returning(const cs_world *w, int j, double t);

/* ---- security.c ---- */
void cs_security_free(cs_world *w); /* units-by-node lists, officer sums */
int64_t cs_security_officers_at(const cs_world *w, int j);
double cs_security_strength_at(const cs_world *w, int j); /* sum officers * lethality */
double cs_security_default_lethality(const cs_world *w, int kind);
/* Apply n officer deaths at node j, spread over its units (largest remainder). */
void cs_security_casualties(cs_world *w, int j, int64_t n);
/* The nearest node held by the STATE other than j (road distance, ties by
** index) into *node (-1 if none) and its distance into *km. */
int cs_security_nearest_state(cs_world *w, int j, int *node, double *km);
/* Units at j fall back to the nearest node held by the STATE. */
int cs_security_fall_back(cs_world *w, int j);
int cs_security_on_arrive(cs_engine *e, const cs_event *ev, void *ud);
int cs_security_add_unit(cs_world *w, const cs_unit_decl *d, int *idx);
/* Build the units-by-node lists and officer sums, start desertion and
** patrols (run start). */
int cs_security_start(cs_world *w);
void cs_security_streams(cs_world *w); /* (unit, PU_UNIT / PU_PATROL / PU_DESERT) of every unit */
/* Put unit u on the road to `to` (km away); flag travels with the arrival:
** 1 the end of a recall, 2 a police response, 3 a police team of
** dispatch.c (as 2, but it stays on its call: responding). */
int cs_security_travel(cs_world *w, int u, int to, double km, int flag);
int cs_security_on_desert(cs_engine *e, const cs_event *ev, void *ud);
/* Redraw every unit's desertion clock (after a parameter change). */
int cs_security_reschedule(cs_world *w);
/* Redraw unit u's desertion clock (after its officers rose; via notify.c). */
int cs_security_desertion_redraw(cs_world *w, int u);
/* Move n officers (<= from's) from unit `from` to unit `to`, keeping the
** node sums; the caller notifies (cs_notify_officers_rose for `to`). */
void cs_security_transfer(cs_world *w, int from, int to, int64_t n);
/* Take unit u (not on the road) off the map: loc CS_NODE_NONE. */
void cs_security_park(cs_world *w, int u);

/* ---- arrest.c ---- */
int cs_arrest_start_unit(cs_world *w, int u);  /* start its patrol clock if stopped */
int cs_arrest_redraw_unit(cs_world *w, int u); /* after patrol_rate changed */
int cs_arrest_on_patrol(cs_engine *e, const cs_event *ev, void *ud);
int cs_arrest_on_release(cs_engine *e, const cs_event *ev, void *ud);

/* ---- coalition.c ---- */
int cs_coalition_start(cs_world *w);
int cs_coalition_on_event(cs_engine *e, const cs_event *ev, void *ud);
/* Cohesion of g's coalition as it acts on targeting: chi if the coalition is
** formed, else 0; and whether g and h are partners in a formed coalition. */
double cs_coalition_chi(const cs_world *w, int g);
int cs_coalition_partners(const cs_world *w, int g, int h);
/* 1 if gangs g and h were declared rivals (cs_world_add_rivalry). */
int cs_gang_rivals(const cs_world *w, int g, int h);
/* Record an attack of g on h (both gangs): counts toward R if partners. */
void cs_coalition_incident(cs_world *w, int g, int h);
/* The threat Theta faced by coalition c now. */
double cs_coalition_threat(const cs_world *w, int c);
/* Target cohesion chi*(Theta). */
double cs_coalition_target(const cs_world *w, double theta);
/* The external threat E: security strength on the map plus w_ann times the
** announced strength. */
double cs_coalition_external(const cs_world *w);
/* Incidents per day in c over the last incident_window days (older ones
** dropped from its list; k->n_inc is then their number). */
double cs_coalition_incident_rate(cs_world *w, int c);
/* Log a coalition_formed, coalition_split or cohesion_set row for c. */
int cs_coalition_log(cs_world *w, int c, int kind);

/* ---- bargain.c: coalitions as a bargain (coalition_model = "bargain") ---- */
int cs_bargain_on(const cs_world *w); /* coalition_model is "bargain" */
void cs_bargain_start(cs_world *w);   /* streams, formation clocks, initial state */
void cs_bargain_streams(cs_world *w);   /* (coalition, PU_BARGAIN) */
int cs_bargain_redraw_all(cs_world *w); /* a new formation threshold for every pact not formed */
/* The partners' strength S (freed members at bargain_freed_weight), the
** threat ratio rho = E / S, and the formation hazard h(rho). */
double cs_bargain_strength(const cs_world *w, int c);
double cs_bargain_ratio(const cs_world *w, int c);
double cs_bargain_hazard(const cs_world *w, double rho);
/* The update of coalition c every cohesion_dt days: threat, split rules,
** formation clock re-rated. */
int cs_bargain_step(cs_world *w, int c);
int cs_bargain_on_form(cs_engine *e, const cs_event *ev, void *ud);
/* cs_world_coalition_set in bargain mode: form or split; cohesion refused. */
int cs_bargain_set(cs_world *w, int c, double cohesion, int formed);
/* A model parameter changed: formed coalitions take the new partner weight. */
void cs_bargain_param(cs_world *w, int param);

/* ---- retaliate.c ---- */
void cs_retaliate_free(cs_world *w);
int cs_retaliate_start(cs_world *w);
void cs_retaliate_streams(cs_world *w);   /* (gang pair, PU_RETALIATE) */
int cs_retaliate_redraw_all(cs_world *w); /* a new candidate for every urge not idle */
/* Gang h attacked gang g: raise g's urge to retaliate against h. */
int cs_retaliate_excite(cs_world *w, int g, int h);
/* tau_r changed from tau_before: every urge decays under tau_before up to
** now and under the new tau_r from now on, and its candidate is redrawn. */
int cs_retaliate_retime(cs_world *w, double tau_before);
int cs_retaliate_on_event(cs_engine *e, const cs_event *ev, void *ud);

/* ---- response.c ---- */
int cs_response_alloc(cs_world *w);
void cs_response_free(cs_world *w);
/* A STATE node was lost, or a valuable node attacked: send the nearest free
** reserve unit (after a dispatch delay); also applies the recall rule. */
int cs_response_call(cs_world *w, int j);
/* The same without the recall rule (a raid, raid.c): the nearest free
** reserve unit, or with response_model "pool" a call to the dispatch queue. */
int cs_response_send(cs_world *w, int j);
int cs_response_on_dispatch(cs_engine *e, const cs_event *ev, void *ud);
void cs_response_start(cs_world *w); /* streams */

/* ---- raid.c: police operations the police start themselves ---- */
int cs_raid_alloc(cs_world *w);
void cs_raid_free(cs_world *w);
int cs_raid_start(cs_world *w);
void cs_raid_streams(cs_world *w);            /* (node, PU_RAID) */
int cs_raid_update_node(cs_world *w, int j);  /* j's rate may have changed: redraw if it did */
int cs_raid_update_around(cs_world *w, int j); /* j and its road neighbours (an owner changed at j) */
int cs_raid_update_all(cs_world *w);
int cs_raid_redraw_all(cs_world *w);          /* re-keyed streams: every pending raid drawn anew */
int cs_raid_on_event(cs_engine *e, const cs_event *ev, void *ud);

/* ---- dispatch.c: the v2 police response, a queue served by teams from a
** pool of reserve officers (response_model = "pool") ---- */
int cs_dispatch_on(const cs_world *w);      /* response_model is "pool" */
int cs_dispatch_start(cs_world *w);         /* streams (node, PU_DISPATCH), empty queue */
void cs_dispatch_streams(cs_world *w);      /* (node, PU_DISPATCH) */
void cs_dispatch_free(cs_world *w);
/* A call for node j (from cs_response_call): queued, served by priority. */
int cs_dispatch_call(cs_world *w, int j);
/* Serve the waiting calls the pool can serve now (a no-op with none). */
int cs_dispatch_serve(cs_world *w);
int cs_dispatch_on_depart(cs_engine *e, const cs_event *ev, void *ud);
int cs_dispatch_on_free(cs_engine *e, const cs_event *ev, void *ud);
int cs_dispatch_on_lapse(cs_engine *e, const cs_event *ev, void *ud);
/* The teams' invariants: 0, or -1 with a message (check.c). */
int cs_dispatch_check(const cs_world *w, char *msg, size_t cap);

/* ---- recruit.c ---- */
int cs_recruit_alloc(cs_world *w);
void cs_recruit_free(cs_world *w);
int cs_recruit_start(cs_world *w);
void cs_recruit_streams(cs_world *w); /* (node, PU_RECRUIT) */
double cs_recruit_activation_share(const cs_world *w, double p_arrest);
int cs_recruit_update_node(cs_world *w, int j);
int cs_recruit_on_event(cs_engine *e, const cs_event *ev, void *ud);

/* ---- observe.c ---- */
void cs_observe_free(cs_world *w);
int cs_observe_start(cs_world *w);
void cs_observe_streams(cs_world *w); /* (node, PU_OBSERVE), (none, PU_OBSERVE) */
double cs_observe_media(const cs_world *w, int j, double t);
/* An attack at j threatens journalists: media reach drops. */
void cs_observe_threat(cs_world *w, int j);
/* Decide whether e is reported, when, and with what deaths (fills e). */
void cs_observe(cs_world *w, cs_event_rec *e);

/* ---- brigade.c: self-defence brigades and lynchings ---- */
int cs_brigade_alloc(cs_world *w);
void cs_brigade_free(cs_world *w);
int cs_brigade_start(cs_world *w);
void cs_brigade_streams(cs_world *w); /* (node, PU_BRIGADE) */
int cs_brigade_grown(const cs_world *w); /* brigade_model is "grown" */
/* Defenders of node j (not gang-held) at t: vigilante_share * residents
** ("fixed"), or the brigade m_j(t) * brigade_share * residents ("grown"). */
double cs_brigade_defenders(const cs_world *w, int j, double t);
double cs_brigade_mobilisation(const cs_world *w, int j, double t); /* m_j(t) */
double cs_brigade_lynch_rate(const cs_world *w, int j, double t);  /* true rate at j */
/* Called by notify.c: an engagement at j is over (from, to, attacker gang
** ag or -1); j's clock alone. */
int cs_brigade_engagement(cs_world *w, int j, int from, int to, int ag);
int cs_brigade_update_node(cs_world *w, int j);
/* A parameter changed (old value; NAN for a string): the model switched on
** or off, brigade_tau retimed, every clock redrawn. */
int cs_brigade_param(cs_world *w, int param, double old);
int cs_brigade_on_event(cs_engine *e, const cs_event *ev, void *ud);
int cs_brigade_check(const cs_world *w, char *msg, size_t cap);

/* ---- sample.c ---- */
void cs_sample_free(cs_world *w);
int cs_sample_on_event(cs_engine *e, const cs_event *ev, void *ud);

#endif
