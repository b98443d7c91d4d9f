/* cs_world.h: the conflict model's public contract. A cs_world is the city
** (neighbourhoods, roads, gangs, coalitions, security units, parameters) and,
** during a run, its state. It is plain C: the model knows nothing of Lua or
** HDF5. Anything a scenario script can do goes through these calls, so a C
** test can do it too.
**
** Life cycle:
**   cs_world_new -> declarations (add_node, add_road, ...) -> cs_world_finalize
**   -> cs_world_run (once) -> queries -> cs_world_free.
** Declarations are refused after finalize; interventions and state queries
** are meant for hooks called during the run (queries also work after it).
**
** Party codes name who holds a node or acts in an event: CS_PARTY_STATE,
** CS_PARTY_CONTESTED, or CS_PARTY_GANG(g) for gang index g. Indices of nodes,
** gangs and units are their declaration order, starting at 0.
**
** People are integer counts (int64_t) so that conservation holds exactly:
** at every moment, for the city, residents + displaced (hosted, in transit,
** in the provinces) + dead + recruited into gangs = initial population (the
** residents declared plus the people declared displaced at t = 0); for
** gangs, members + jailed + dead = initial members + initial jailed +
** recruits; for officers, active + dead + deserted = initial + arrived. */
#ifndef CS_WORLD_H
#define CS_WORLD_H

#include "cs_layers.h"
#if defined(CS_LAYER) && CS_LAYER < CS_LAYER_MODEL
#error "cs_world.h is the model's contract: the engine (sim/engine) does not know the model"
#endif

#include "cs_common.h"

typedef struct cs_world cs_world;

enum { CS_PARTY_NONE = -1, CS_PARTY_STATE = 0, CS_PARTY_CONTESTED = 1 };
#define CS_PARTY_GANG(g) (2 + (g))
#define CS_PARTY_IS_GANG(p) ((p) >= 2)
#define CS_PARTY_GANG_INDEX(p) ((p) - 2)

enum cs_unit_kind { CS_UNIT_POLICE, CS_UNIT_PROTECTION, CS_UNIT_ARMY, CS_UNIT_INTERNATIONAL, CS_UNIT_KINDS };
enum cs_posture { CS_POSTURE_GARRISON, CS_POSTURE_PATROL, CS_POSTURE_OFFENSIVE, CS_POSTURE_GUARD, CS_POSTURES };
/* Names used in scripts and files ("police", "protection", "army",
** "international"; "garrison", "patrol", "offensive", "guard"); find returns -1
** for an unknown name. */
const char *cs_unit_kind_name(int kind);
int cs_unit_kind_find(const char *name);
const char *cs_posture_name(int posture);
int cs_posture_find(const char *name);

#define CS_NODE_NONE (-1) /* a unit not on the map (protection duty) */

typedef struct cs_node_decl {
  const char *id;       /* unique, required */
  const char *name;     /* display name; NULL -> id */
  const char *commune;  /* NULL -> "" */
  double x_km, y_km;    /* position on a local plane, km */
  int64_t residents;    /* >= 0 */
  double value;         /* strategic value V in [0, 1] */
  double fortification; /* F >= 1; 0 means the model default (param F_urban) */
  int owner;            /* party code: STATE, CONTESTED or a gang */
  int64_t site_capacity;/* places in displacement sites, >= 0 */
  double media;         /* media reach r in [0, 1] */
} cs_node_decl;

typedef struct cs_gang_decl {
  const char *id, *name; /* id unique, required; name NULL -> id */
  int64_t members;       /* M >= 0 */
  int64_t jailed;        /* members in prison at the start, >= 0 */
  double firepower;      /* q per member, >= 0; < 0 means the model default */
  double aggression;     /* a >= 0; < 0 means the model default */
  int base;              /* node index */
} cs_gang_decl;

typedef struct cs_unit_decl {
  const char *id;     /* unique, required */
  int kind;           /* enum cs_unit_kind */
  int64_t officers;   /* >= 0 */
  double lethality;   /* per officer-day; < 0 means the default for the kind */
  int posture;        /* enum cs_posture */
  int at;             /* node index, or CS_NODE_NONE for protection duty */
} cs_unit_decl;

/* People already displaced at t = 0 (cohorts.c): n people from node origin,
** staying at node `at` or in the provinces (CS_AT_PROVINCES), who fled when
** `controller` held origin. They are not residents: a node's declared
** residents are the people at home at t = 0, so residents0 of the origin
** EXCLUDES them, and they are added to the initial population (pop0) on
** their own. Several declarations of one (origin, at, controller) add up. */
#define CS_AT_PROVINCES (-1)
typedef struct cs_displaced_decl {
  int origin;        /* node index */
  int at;            /* node index other than origin, or CS_AT_PROVINCES */
  int controller;    /* party code: STATE, CONTESTED or a gang (checked at finalize) */
  int64_t n;         /* people, >= 0 */
  int64_t sites;     /* of them in displacement sites at `at`, 0..n (0 in the
                        provinces); the rest stay with host families */
} cs_displaced_decl;

/* Create an empty world with every model parameter at its default. */
int cs_world_new(cs_ctx *ctx, cs_world **out);
void cs_world_free(cs_world *w);
/* The context this world reports errors into (borrowed). */
cs_ctx *cs_world_ctx(cs_world *w);

/* ---- declarations (before finalize) ---- */
int cs_world_set_horizon(cs_world *w, double days, double sample_every);
int cs_world_set_name(cs_world *w, const char *name);
/* The calendar date of day 0, "YYYY-MM-DD" (checked); "" if none was set. */
int cs_world_set_start(cs_world *w, const char *date);
const char *cs_world_start(const cs_world *w);
/* Days from the start date to date ("YYYY-MM-DD"); NAN if either is missing
** or malformed. Proleptic Gregorian calendar. */
double cs_world_day_of(const cs_world *w, const char *date);
int cs_world_add_node(cs_world *w, const cs_node_decl *d, int *idx);
int cs_world_add_road(cs_world *w, int a, int b, double km);
/* Set the owner of node i (a party code) during declarations, e.g. once the
** gang a node names has been declared. */
int cs_world_set_owner(cs_world *w, int i, int party);
int cs_world_add_gang(cs_world *w, const cs_gang_decl *d, int *idx);
int cs_world_add_coalition(cs_world *w, const char *id, const int *gangs, int n_gangs,
                           double cohesion, int *idx);
/* Declare gangs g and h rivals (symmetric): their attacks on each other's
** nodes weigh wR w_rival instead of wR (attack.c). Both gangs declared
** before, g != h; a pair declared twice is one rivalry. */
int cs_world_add_rivalry(cs_world *w, int g, int h);
/* After finalize: the distinct rivalries, in the order of their first
** declaration; rivalry k is gangs *g and *h as first declared. */
int cs_world_n_rivalries(const cs_world *w);
void cs_world_rivalry(const cs_world *w, int k, int *g, int *h);
int cs_world_add_unit(cs_world *w, const cs_unit_decl *d, int *idx);
/* Declare people displaced at t = 0 (see cs_displaced_decl). Checked here:
** nodes declared, origin != at, n >= 0, 0 <= sites <= n, no sites in the
** provinces, the total population within bounds; at finalize: a gang
** controller exists, and the sites declared at each node fit its site
** capacity. Under return_rule v1 the controller is the origin's owner "when
** people last fled it" (the last declaration from that origin wins). */
int cs_world_add_displaced(cs_world *w, const cs_displaced_decl *d);
/* Check the whole declaration (at least one node, a connected road graph,
** gang bases, names) and precompute distances. After it, the world can run.
** With a memory limit set, a world whose tables (per neighbourhood, per
** (gang, neighbourhood) and per (gang, gang) pair) would take more than it
** is refused here, before they are allocated. */
int cs_world_finalize(cs_world *w);
/* Bytes the world's tables may take (0, the default: no limit). */
void cs_world_set_memory_limit(cs_world *w, size_t bytes);

/* ---- lookup (any time) ---- */
int cs_world_find_node(const cs_world *w, const char *id); /* -1 if none */
int cs_world_find_gang(const cs_world *w, const char *id);
int cs_world_find_unit(const cs_world *w, const char *id);
int cs_world_find_coalition(const cs_world *w, const char *id);
/* Party code from "STATE", "CONTESTED" or a gang id; CS_PARTY_NONE if none. */
int cs_world_find_party(const cs_world *w, const char *name);
const char *cs_world_party_name(const cs_world *w, int party);
int cs_world_n_nodes(const cs_world *w);
int cs_world_n_gangs(const cs_world *w);
int cs_world_n_units(const cs_world *w);
int cs_world_n_coalitions(const cs_world *w);
const char *cs_world_name(const cs_world *w);
const char *cs_world_node_id(const cs_world *w, int i);
const char *cs_world_node_name(const cs_world *w, int i);
const char *cs_world_node_commune(const cs_world *w, int i);
const char *cs_world_gang_id(const cs_world *w, int g);
const char *cs_world_gang_name(const cs_world *w, int g);
const char *cs_world_unit_id(const cs_world *w, int u);
/* Position of node i on the scenario's plane, km. */
void cs_world_node_xy(const cs_world *w, int i, double *x_km, double *y_km);
/* Roads in declaration order: ends (node indices) and length, km; every
** declared road, closed or not (cs_world_road_state). */
int cs_world_n_roads(const cs_world *w);
void cs_world_road(const cs_world *w, int r, int *a, int *b, double *km);
double cs_world_days(const cs_world *w);
double cs_world_sample_every(const cs_world *w);
/* Number of samples a run writes: floor(days / sample_every) + 1 (t = 0 included;
** a horizon that is a multiple of sample_every up to rounding counts as one). */
int cs_world_n_samples(const cs_world *w);
/* Time of sample i: i * sample_every, but never past the horizon, so the last
** sample of days = 1.7, sample_every = 0.1 (17 * 0.1 = 1.7000000000000002) is
** taken at 1.7. The run, the run file and the sweep file all use this. */
static inline double cs_sample_time(long i, double sample_every, double days) {
  double t = (double)i * sample_every;
  return t > days ? days : t;
}

/* ---- parameters ----
** Model parameters (sim/README.md, Parameters) exist from cs_world_new with their
** defaults and ranges. A scenario may declare its own parameters; they are
** kept, checked and written to the output like the model's, but the model
** does not read them. */
typedef enum cs_param_type { CS_PT_NUMBER, CS_PT_INTEGER, CS_PT_BOOLEAN, CS_PT_STRING } cs_param_type;

typedef struct cs_param_info {
  const char *name;
  const char *doc;
  const char *units;  /* "" if none */
  cs_param_type type;
  double num;         /* value for NUMBER, INTEGER, BOOLEAN (0 or 1) */
  const char *str;    /* value for STRING, else NULL */
  double min, max;    /* allowed range for numbers (inclusive) */
  int is_model;       /* 1 for a model parameter, 0 for a scenario's own */
} cs_param_info;

/* Declare a scenario parameter. Fails if the name exists already. */
int cs_world_param_declare(cs_world *w, const char *name, cs_param_type type, double num,
                           const char *str, const char *doc);
/* Set a parameter's value. Numbers must be finite and in range; an integer
** parameter takes only integral values; boolean 0 or 1. Unknown name: error.
** Allowed before and during the run (the model re-reads rates at once). */
int cs_world_param_set(cs_world *w, const char *name, double v);
/* Check v for parameter name exactly as cs_world_param_set does (finite,
** integral for an integer, 0 or 1 for a boolean, inside the range) without
** setting it. --set, model{}, sim:set and sweep designs all go through this
** check, so they accept and refuse the same values with the same message. */
int cs_world_param_check(cs_world *w, const char *name, double v);
/* Give a scenario parameter (number or integer) the inclusive range
** [min, max] (-HUGE_VAL or HUGE_VAL for an open end). Fails, changing
** nothing, for a model parameter, a boolean or string, min > max, or a
** current value (the default) outside the range. */
int cs_world_param_range(cs_world *w, const char *name, double min, double max);
int cs_world_param_set_str(cs_world *w, const char *name, const char *v);
/* Parse text (as from --set name=value) by the parameter's type and set it.
** Numbers are decimal ("0.02", "1e-3"; no hexadecimal, inf or nan); booleans
** accept true/false/1/0. */
int cs_world_param_set_text(cs_world *w, const char *name, const char *text);
int cs_world_param_find(const cs_world *w, const char *name); /* -1 if none */
/* For a name that is not a parameter: " (did you mean 'lambda0'?)" naming the
** nearest parameter within 2 edits, else "". Valid until the next call. */
const char *cs_world_param_hint(cs_world *w, const char *name);
int cs_world_param_count(const cs_world *w);
void cs_world_param_info(const cs_world *w, int i, cs_param_info *out);
/* Value of a numeric parameter by name; NAN if unknown. */
double cs_world_param(const cs_world *w, const char *name);

/* ---- events the model reports (the event log) ---- */
enum cs_event_kind {
  CS_EK_ENGAGEMENT,   /* a gang attack resolved: actor attacked node held by target */
  CS_EK_TAKEOVER,     /* node changed hands: actor is the new owner, target the old */
  CS_EK_FLIGHT,       /* a group left node for target node index (displaced = size) */
  CS_EK_MOVE,         /* a unit (actor = unit index) started moving to node */
  CS_EK_RECALL,       /* officers left protection duty (actor = the protection unit,
                         node = where they go, displaced = officers recalled) */
  CS_EK_FORCE,        /* a force arrived at node (actor = unit index, displaced = officers) */
  CS_EK_PRISON_BREAK, /* jailed members freed (displaced field = number freed) */
  CS_EK_COALITION_FORMED, /* a coalition formed (actor = its first member gang) */
  CS_EK_COALITION_SPLIT,  /* a coalition split (actor = its first member gang) */
  CS_EK_ARREST,       /* unit actor arrested a member of gang target at node (displaced = 1) */
  CS_EK_RELEASE,      /* a member of gang actor left jail (displaced = 1) */
  CS_EK_DESERTION,    /* an officer of unit actor deserted (displaced = 1) */
  CS_EK_RECRUITMENT,  /* gang actor recruited a resident of node (displaced = 1) */
  CS_EK_RELOCATION,   /* displaced people hosted at node moved on to node target (-1 PROVINCES) */
  CS_EK_RETURN,       /* displaced people went home to node (displaced = group size;
                         actor = the cohort's controller at flight under
                         return_rule stable, -1 under v1) */
  CS_EK_COHESION_SET, /* cs_world_coalition_set changed a coalition's cohesion (actor = its
                         first member gang; the value is in the samples) */
  CS_EK_MEDIA_SET,    /* cs_world_set_media changed node's media reach */
  CS_EK_ROAD_CLOSED,  /* cs_world_road_close closed the road from node to target (a node
                         index; the ends in road declaration order) */
  CS_EK_ROAD_OPENED,  /* cs_world_road_open opened it again (node, target as above) */
  CS_EK_LYNCHING,     /* a self-defence brigade at node killed one person (deaths = 1):
                         target = the party code of the gang of the member killed, or -1
                         for a resident taken for a gang member (brigade_model "grown") */
  CS_EK_CALL_DROPPED, /* a police call for node waited past its patience and was dropped
                         (response_model "pool", dispatch.c) */
  CS_EK_COUNT
};
const char *cs_event_kind_name(int kind);
int cs_event_kind_find(const char *name); /* -1 if unknown */

typedef struct cs_event_rec {
  double t;
  int kind;          /* enum cs_event_kind */
  int node;          /* node index or -1 */
  int actor;         /* party code; a unit index for MOVE, FORCE, RECALL, ARREST,
                        DESERTION; -1 if none */
  int target;        /* party code; a node index for FLIGHT and RELOCATION (-1 is
                        PROVINCES), RETURN, ROAD_CLOSED and ROAD_OPENED; -1 if none */
  int64_t deaths;    /* all deaths caused (combatants and civilians) */
  int64_t displaced; /* people moved by this event */
  /* The observation model (observe.c) fills these when the event is logged:
  ** whether it was reported, when the report appeared, and the deaths the
  ** report gave. Not reported: 0, NAN, -1. */
  int observed;
  double report_time;
  int64_t observed_deaths;
} cs_event_rec;

/* ---- samples (trajectories) ----
** The model describes its sampled variables once; each sample then carries one
** array per variable. The writer needs no knowledge of what they mean. */
enum cs_var_dim { CS_DIM_CITY, CS_DIM_NODE, CS_DIM_GANG };
typedef struct cs_var {
  const char *name;  /* dataset name, e.g. "residents" */
  const char *units; /* "persons", "party", "fraction", ... */
  const char *doc;   /* one-line description */
  int dim;           /* enum cs_var_dim: length 1, n_nodes or n_gangs */
  int is_int;        /* 1: data is int64_t[], 0: data is double[] */
} cs_var;

typedef struct cs_sample {
  double t;
  int index;                /* 0, 1, ..., n_samples - 1 */
  const cs_var *vars;
  int n_vars;
  const void *const *data;  /* data[v] points to the values of vars[v] */
} cs_sample;

/* The sampled variables (static table, same for every world). */
const cs_var *cs_world_vars(int *n);
/* 1 if v holds codes, not quantities (owner: an index into the party
** coordinate, units "party"): no mean, variance, quantile or target of it
** means anything. The one rule; the ensemble statistics and the
** calibration targets ask it. */
int cs_var_is_code(const cs_var *v);

/* ---- output sink: where samples and events go ---- */
typedef struct cs_sink {
  void *ud;
  int (*begin)(void *ud, const cs_world *w);   /* before t = 0 */
  int (*sample)(void *ud, const cs_sample *s);
  int (*event)(void *ud, const cs_event_rec *e);
  /* status CS_OK: the run completed, commit; otherwise discard everything.
  ** Always called once if begin was called. */
  int (*end)(void *ud, int status);
} cs_sink;

/* ---- hooks the scripting layer installs ---- */
typedef struct cs_hooks {
  void *ud;
  /* A timer scheduled with cs_world_timer fired. */
  int (*timer)(void *ud, cs_world *w, int id);
  /* After every model event in the log (and after it changed the state). */
  int (*event)(void *ud, cs_world *w, const cs_event_rec *e);
  /* The branch event re-keyed the model's streams (cs_world_set_branch):
  ** re-key the hook owner's own streams (the script's math.random) from
  ** (seed, replicate, branch). May be NULL. */
  int (*branch)(void *ud, cs_world *w, uint64_t seed, uint64_t replicate, uint64_t branch);
} cs_hooks;
void cs_world_set_hooks(cs_world *w, const cs_hooks *h);
/* Schedule timer id at absolute time t (days, >= now). Before the run
** starts, timers are kept and scheduled when it starts. Timers at the same
** time fire in the order they were set. */
int cs_world_timer(cs_world *w, double t, int id);

/* ---- the run ---- */
/* Run from t = 0 to the horizon with streams derived from (seed, replicate).
** A world runs once. Returns CS_OK or the first error (from a hook, the sink,
** or CS_ESTOP after cs_world_stop). The sink's end is always called. */
int cs_world_run(cs_world *w, uint64_t seed, uint64_t replicate, const cs_sink *sink);
/* Many futures from one past (sim/README.md, "Branching"): at time `day`,
** after every event at times <= day (the branch event's priority class is
** the last), every stream of the model and of the hooks' owner is derived
** anew from (seed, replicate, entity kind, entity id, purpose, branch) and
** the pending clock of every point process is redrawn (notify.c,
** cs_notify_rekeyed; waiting times drawn whole, such as travel, are kept). Runs with the same inputs and different branch ids
** are therefore identical up to and including `day` and differ after it.
** Call after the world is finalized and before cs_world_run. CS_EINVAL
** unless 0 <= day < days (a branch at the horizon would have no future). */
int cs_world_set_branch(cs_world *w, double day, uint64_t branch);
/* 1 and the branch day and id if cs_world_set_branch was called, else 0
** (day and branch, if not NULL, are written only then). */
int cs_world_branch(const cs_world *w, double *day, uint64_t *branch);
/* Ask a running world to stop after the current event (async-signal safe). */
void cs_world_stop(cs_world *w);
/* Whether cs_world_stop was called (safe from a signal handler's point of
** view: the script layer polls it to interrupt a long callback). */
int cs_world_stop_asked(const cs_world *w);
double cs_world_now(const cs_world *w);
/* 1 once cs_world_run has returned (the world is then read-only to scripts). */
int cs_world_finished(const cs_world *w);
uint64_t cs_world_events_processed(const cs_world *w);

/* ---- interventions (during the run, from hooks) ---- */
/* Send unit u to node: it leaves now and arrives after road distance / speed. */
int cs_world_move_unit(cs_world *w, int u, int node);
/* Take n officers off protection duty from unit `from` (kind protection, not
** on the map); after an administrative delay U(delay_min, delay_max) days they
** form a new police unit at node `to`. *new_unit receives its index. */
int cs_world_recall(cs_world *w, int from, int64_t n, int to, int *new_unit);
/* Add a force (e.g. an international contingent) arriving now at d->at. */
int cs_world_add_force(cs_world *w, const cs_unit_decl *d, int *idx);
/* Free up to n jailed gang members, spread over gangs by how many each has
** jailed (floors of the shares, then one each in gang order); those jailed
** without a release date (before the run) go first. *freed receives the
** number freed. */
int cs_world_prison_break(cs_world *w, int64_t n, int64_t *freed);
/* Change the site capacity of a node (>= 0). */
int cs_world_set_capacity(cs_world *w, int node, int64_t cap);
/* Announce a force not yet deployed: officers * lethality is added to the
** announced strength that counts (times w_ann) in coalitions' threat. An
** arriving international force (add_force) draws it down. */
int cs_world_announce(cs_world *w, int64_t officers, double lethality);
/* Make gang g attack node now (the attack resolves like a spontaneous one). */
int cs_world_force_attack(cs_world *w, int g, int node);
/* Call the police to node now, as a lost STATE node or an attack on a node
** with V >= V_c does (response.c: the recall rule, then a v1 response or,
** with response_model "pool", a call to the dispatch queue of dispatch.c). */
int cs_world_police_call(cs_world *w, int node);
/* The dispatch queue so far (response_model "pool"; all 0 otherwise). */
typedef struct cs_dispatch_stats {
  int64_t calls, served, dropped; /* calls made, served by a team, dropped (patience ran out) */
  int64_t waited;                 /* served calls that waited (wait > 0) */
  double wait_sum;                /* days waited, summed over served calls */
  int64_t freed;                  /* teams whose officers went back to their units */
  int64_t waiting, teams_busy, officers_busy; /* now: calls queued, teams out, officers in them */
} cs_dispatch_stats;
void cs_world_dispatch_stats(const cs_world *w, cs_dispatch_stats *out);
/* Change coalition c now (coalition.c). cohesion: a value in [0, 1], or NAN
** to keep it; formed: 1 form, 0 dissolve, -1 leave as it is. Cohesion is
** first advanced to now under the threat and incident rate of its last
** update, then set; from then on it follows its ODE as usual, and formation
** and split apply at its next update. Refused: dissolving (or keeping
** dissolved) a coalition whose cohesion is >= chi_form, since the next update
** would form it again; lower its cohesion in the same call. Logged, after the
** change, as a cohesion_set row (if cohesion was given), then a
** coalition_formed or coalition_split row (if that changed). */
int cs_world_coalition_set(cs_world *w, int c, double cohesion, int formed);
/* Set node j's media reach to r in [0, 1] now (observe.c): both its base
** value and its current one (any drop after a threat is forgotten); threats
** lower it and it recovers toward r as before. Logged as a media_set row. */
int cs_world_set_media(cs_world *w, int j, double r);
/* Close the road between nodes a and b (either order) now, or open it again
** (roads.c; Flee's link closures). A closed road is absent from the graph
** for everything that reads it from then on: the frontier (a gang next to a
** node only by that road no longer borders it, and the attack clocks at both
** ends are redrawn), shortest road distances (a gang's reach from its base,
** flight and move destinations and their distances, units sent anywhere,
** police responses, fall-back), patrols and the neighbour and distance
** queries. People and units already on the road keep going: they left
** before it closed. Refused, changing nothing (CS_EINVAL with a message):
** before or after the run, an unknown node, no road between a and b, a
** road already closed (open: not closed), and a closure that would
** disconnect the road graph (the model needs a connected city). Logged as
** a road_closed / road_opened row (node and target: the ends in road
** declaration order). Cost: the adjacency, every gang's distances and the
** destination lists are rebuilt (about gangs + sites Dijkstra searches). */
int cs_world_road_close(cs_world *w, int a, int b);
int cs_world_road_open(cs_world *w, int a, int b);

/* ---- state queries ---- */
int cs_world_node_owner(const cs_world *w, int i);          /* party code */
/* Share of node i that party controls, in [0, 1] (control.c): with
** control_model "whole" 1 for the owner and 0 for any other party; with
** "shares" the party's control share (CS_PARTY_CONTESTED: the share no armed
** party holds). NAN for an unknown node. */
double cs_world_node_share(const cs_world *w, int i, int party);
int64_t cs_world_node_residents(const cs_world *w, int i);
int64_t cs_world_node_displaced_hosted(const cs_world *w, int i);  /* displaced now at i */
int64_t cs_world_node_displaced_origin(const cs_world *w, int i);  /* displaced from i, anywhere */
/* People displaced from origin who fled `controller` and have settled
** somewhere (sites, host families, the provinces; not those on the road).
** Cohorts are told apart only under return_rule stable; under v1 every
** controller gives all of origin's settled displaced. 0 before the run. */
int64_t cs_world_displaced_cohort(const cs_world *w, int origin, int controller);
int64_t cs_world_node_officers(const cs_world *w, int i);
int64_t cs_world_gang_members(const cs_world *w, int g);
int cs_world_gang_nodes(const cs_world *w, int g);
int64_t cs_world_unit_officers(const cs_world *w, int u);
int cs_world_unit_location(const cs_world *w, int u);       /* node, or -1 off map / in transit */
/* Share of nodes (by_population = 0) or of initial population (1) held by a gang. */
double cs_world_gang_share(const cs_world *w, int by_population);

/* ---- queries of the city (query.c): read-only, no random draw, results
** in a fixed order; for hooks during the run and after it (the structure
** ones from finalize on) ---- */
/* The neighbours of node j by open road, in road declaration order: up to
** cap of them into nodes[] and km[] (either may be NULL), their number into
** *n (which may exceed cap: call again with a larger array). */
int cs_world_neighbours(const cs_world *w, int j, int *nodes, double *km, int cap, int *n);
/* Shortest road distance between nodes a and b by open roads, km (0 if a == b). */
int cs_world_distance(cs_world *w, int a, int b, double *km);
/* Road a-b (either order): 1 open, 0 closed (cs_world_road_close), -1 if
** there is no such road or a node is unknown. */
int cs_world_road_state(const cs_world *w, int a, int b);
/* Violence intensity I_j now (decayed to the current time); NAN for an
** unknown node. */
double cs_world_node_intensity(const cs_world *w, int j);
/* Members of gang g present at node j as the model counts them for arrests
** and recruitment: members / nodes held at a node g holds, else 0; NAN for an
** unknown gang or node. Officers present at a node: cs_world_node_officers. */
double cs_world_members_present(const cs_world *w, int g, int j);
/* Nodes gang g holds, and its frontier (nodes it does not hold next to one it
** holds by an open road), in node index order: up to cap into nodes[] (may be
** NULL); returns their number, or -1 for an unknown gang (frontier: or a
** world not finalized). */
int cs_world_gang_held(const cs_world *w, int g, int *nodes, int cap);
int cs_world_gang_frontier(const cs_world *w, int g, int *nodes, int cap);
/* Coalition c now: the threat Theta it faces (computed now), its cohesion
** chi (as of its last update, every cohesion_dt days or a set below) and
** whether it is formed. Before the run: the declared cohesion, and formed iff
** it is >= chi_form. Any output may be NULL. */
int cs_world_coalition_state(const cs_world *w, int c, double *threat, double *cohesion, int *formed);
/* Current residents (not the initial population) of gang-held nodes, and of
** all nodes; either may be NULL. The share is *under / *all (0 if none). */
void cs_world_gang_control(const cs_world *w, int64_t *under, int64_t *all);

#endif
