/* cs_sweep.h: what a sweep file says, as plain data (cs_sweep_spec).
**
** The script layer fills a cs_sweep_spec from the sweep file's Lua
** (cs_script_sweep_read, cs_script.h); the batch layer turns it into a sweep
** (sim/batch/sweep.h: the probe load of the scenario, the design, the runs).
** This header holds only types, enums and the tables of names below: no
** function, so it ties neither layer to the other's code.
**
** Invariants of a spec filled by cs_script_sweep_read:
** - Every string and array is malloc'd and owned by the spec; nothing points
**   into a Lua state, which is closed before the reader returns.
** - Order never depends on a hash: parameters and listed metrics keep the
**   file's order, Lua metrics follow them sorted by name, `set` entries are
**   sorted by name.
** - design sobol or morris: every parameter is uniform or loguniform (no
**   grid, no lhs), and levels (morris only) is even.
** - Names are unique among parameters and among metrics; a random parameter
**   has finite lo < hi (lo > 0 for loguniform); a grid has n_values >= 1
**   finite values (booleans as 0 and 1). Whether a parameter exists, and
**   whether its values fit its type, is for batch to check on the scenario. */
#ifndef CS_SWEEP_H
#define CS_SWEEP_H

#include "cs_layers.h"
#if defined(CS_LAYER) && (CS_LAYER < CS_LAYER_SCRIPT || CS_LAYER == CS_LAYER_IO)
#error "cs_sweep.h describes sweeps: only sim/script, sim/batch and sim/cli include it"
#endif

#include <stddef.h>
#include <stdint.h>

/* X-macro lists: each row is expanded where it is needed (the enums below,
** the reader's vocabulary, batch's units and descriptions), so a kind's
** number, name and documentation cannot drift apart. The order is part of
** the output (the default metrics are the built-ins in this order). */

/* How a parameter is varied: X(KIND, name in the sweep file). */
#define CS_SWEEP_KIND_LIST(X)                                                                       \
  X(CS_SWP_GRID, "grid")                                                                            \
  X(CS_SWP_UNIFORM, "uniform")                                                                      \
  X(CS_SWP_LOGUNIFORM, "loguniform")                                                                \
  X(CS_SWP_LHS, "lhs")

/* How the design points are made: X(KIND, name in the sweep file's `design`).
** crossed (the default): grid parameters crossed with `samples` random rows.
** sobol: Saltelli's scheme for Sobol' indices, samples * (d + 2) points;
** morris: `samples` trajectories of d + 1 points (sim/batch/sensitivity.h). */
#define CS_SWEEP_DESIGN_LIST(X)                                                                     \
  X(CS_SWD_CROSSED, "crossed")                                                                      \
  X(CS_SWD_SOBOL, "sobol")                                                                          \
  X(CS_SWD_MORRIS, "morris")

/* Which rows of each run's event log a sweep file keeps (`events` in the
** sweep file): none (the default: no group /events), or the rows a run file
** keeps at `conflictsim run --events conflict` or `all`. */
enum { CS_SWEV_NONE, CS_SWEV_CONFLICT, CS_SWEV_ALL };

/* Which way a metric is better, when runs are compared (`conflictsim
** compare`): the sign of a change that is an improvement. */
enum { CS_BETTER_LOWER = -1, CS_BETTER_HIGHER = 1 };

/* Built-in metrics: X(KIND, name in the sweep file and the output, units,
** better, one-line description, plain label for the tables and figures
** a reader sees, "%s" standing for a node metric's node: sim/batch/plain.c).
** Better is lower for every count, share and integral (fewer displaced,
** dead, fled, nodes lost, clashes; less gang control) and higher for
** fall_time: a node that falls later held out longer. The kinds from
** CS_MET_NODE_FIRST on are about one node: written "NAME:<node>" in a
** sweep file and named "NAME_<node>" in the output ("fall_time:centre",
** "fall_time_centre"); the default metrics are the kinds before it. */
#define CS_SWEEP_METRIC_LIST(X)                                                                     \
  X(CS_MET_DISPLACED_FINAL, "displaced_final", "persons", CS_BETTER_LOWER,                          \
    "displaced people (city_displaced) at the last sample",                                         \
    "Displaced people at the end")                                                                  \
  X(CS_MET_DISPLACED_INTEGRAL, "displaced_integral", "person-days", CS_BETTER_LOWER,                \
    "time integral of city_displaced over the run (trapezoid rule on the samples)",                 \
    "Displacement over the whole run")                                                              \
  X(CS_MET_CIV_DEATHS_FINAL, "civilian_deaths_final", "persons", CS_BETTER_LOWER,                   \
    "civilians killed during the run (city_civilian_deaths at the last sample)",                    \
    "Civilians killed")                                                                             \
  X(CS_MET_ENGAGEMENT_DEATHS, "engagement_deaths", "persons", CS_BETTER_LOWER,                      \
    "all deaths in engagements (combatants and civilians), from the event stream",                  \
    "Deaths in clashes (fighters and civilians)")                                                   \
  X(CS_MET_SHARE_POP_FINAL, "gang_share_population_final", "1", CS_BETTER_LOWER,                    \
    "city_gang_share_population at the last sample",                                                \
    "Residents under gang control at the end")                                                      \
  X(CS_MET_SHARE_POP_INTEGRAL, "gang_share_population_integral", "days", CS_BETTER_LOWER,           \
    "time integral of city_gang_share_population (trapezoid rule)",                                 \
    "Time residents spent under gang control")                                                      \
  X(CS_MET_SHARE_NODES_FINAL, "gang_share_nodes_final", "1", CS_BETTER_LOWER,                       \
    "city_gang_share_nodes at the last sample",                                                     \
    "Neighbourhoods held by gangs at the end")                                                      \
  X(CS_MET_SHARE_NODES_INTEGRAL, "gang_share_nodes_integral", "days", CS_BETTER_LOWER,              \
    "time integral of city_gang_share_nodes (trapezoid rule)",                                      \
    "Time neighbourhoods spent under gangs")                                                        \
  X(CS_MET_NODES_LOST, "nodes_lost", "nodes", CS_BETTER_LOWER,                                      \
    "neighbourhoods held by the STATE at the first sample minus at the last",                       \
    "Neighbourhoods lost by the state")                                                             \
  X(CS_MET_CLASHES_GANG_GANG, "clashes_gang_gang", "events", CS_BETTER_LOWER,                       \
    "engagements in which a gang attacked a node held by another gang",                             \
    "Clashes between gangs")                                                                        \
  X(CS_MET_CLASHES_GANG_STATE, "clashes_gang_state", "events", CS_BETTER_LOWER,                     \
    "engagements in which a gang attacked a node held by the STATE",                                \
    "Gang attacks on state-held areas")                                                             \
  X(CS_MET_CLASHES_ALL, "clashes_all", "events", CS_BETTER_LOWER,                                   \
    "all engagements",                                                                              \
    "All clashes")                                                                                  \
  X(CS_MET_FALL_TIME, "fall_time", "days", CS_BETTER_HIGHER,                                        \
    "time of the first takeover of the node by a gang; NaN if it did not fall",                     \
    "Day %s fell to a gang")                                                                        \
  X(CS_MET_FLED, "fled", "persons", CS_BETTER_LOWER,                                                \
    "people who fled the node over the run: the group sizes of its flight events, summed",          \
    "People who fled %s")

#define CS_SWEEP_ENUM_(kind, ...) kind,
enum { CS_SWEEP_KIND_LIST(CS_SWEEP_ENUM_) CS_SWP_KINDS };
enum { CS_SWEEP_DESIGN_LIST(CS_SWEEP_ENUM_) CS_SWD_KINDS };
enum { CS_SWEEP_METRIC_LIST(CS_SWEEP_ENUM_) CS_MET_KINDS, CS_MET_LUA = CS_MET_KINDS,
       CS_MET_NODE_FIRST = CS_MET_FALL_TIME };
#undef CS_SWEEP_ENUM_

typedef struct cs_sweep_param {
  char *name;
  int kind;         /* CS_SWP_ */
  double lo, hi;    /* range (random kinds) */
  double *values;   /* grid values */
  int n_values;
} cs_sweep_param;

typedef struct cs_sweep_metric {
  int kind;         /* CS_MET_, or CS_MET_LUA: a function in the sweep file */
  char *name;       /* output name, e.g. "displaced_final", "fall_time_centre" */
  char *node;       /* kinds >= CS_MET_NODE_FIRST: node id */
  int node_idx;     /* resolved on the probe world (batch); 0 in a spec */
  char *units;      /* CS_MET_LUA: as declared ("" if not) */
  char *doc;        /* CS_MET_LUA: "Lua function NAME of the final state, defined in FILE" */
} cs_sweep_metric;

typedef struct cs_sweep_set {
  char *name, *value;
} cs_sweep_set;

/* The sweep file as read: its text and its fields (scenarios/README.md
** describes them). */
typedef struct cs_sweep_spec {
  char *src; size_t src_len;  /* the sweep file's text, NUL-terminated */
  char *scenario_path;        /* resolved against the sweep file's directory */
  uint64_t seed, replicates, samples; /* defaults 1, 1, 0 */
  int design_kind;            /* CS_SWD_; default crossed */
  uint64_t levels;            /* morris: grid levels p, even >= 2 (default 4); 0 for other designs */
  uint64_t bootstrap;         /* sobol, morris: bootstrap resamples (default 1000); 0 for crossed */
  cs_sweep_param *params; int n_params;
  cs_sweep_metric *metrics; int n_metrics;
  /* Lua metrics: listed names come first, then the named functions sorted by
  ** name; lua_names[i] is metric lua_first + i (borrowed from metrics[].name). */
  char **lua_names; int n_lua, lua_first;
  cs_sweep_set *sets; int n_sets;  /* fixed overrides for every run */
  char **traj; int n_traj;    /* node variables kept as trajectories */
  int ensemble;               /* 1: the group /ensemble (statistics per design point) */
  double *quantiles; int n_quantiles; /* its quantiles: increasing, in [0, 1] */
  int events;                 /* CS_SWEV_: each run's event log in the group /events */
} cs_sweep_spec;

#endif
