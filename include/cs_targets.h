/* cs_targets.h: what a targets file and a priors file say, as plain data
** (cs_targets_spec, cs_priors_spec).
**
** The script layer fills these from the files' Lua (cs_script_targets_read,
** cs_script_priors_read, cs_script.h); the batch layer resolves them against
** a scenario and computes the statistics from runs (sim/batch/targets.h,
** sim/batch/priors.h). This header holds only types, enums and the tables of
** names below: no function, so it ties neither layer to the other's code.
** The languages: scenarios/README.md, "Targets files" and "Priors files".
**
** Invariants of a spec filled by cs_script_targets_read:
** - Every string and array is malloc'd and owned by the spec; nothing points
**   into a Lua state, which is closed before the reader returns.
** - Targets keep the file's order; a series (a statistic at dates = {...})
**   is expanded into one scalar target per date, named NAME@YYYY-MM-DD, in
**   the order of its dates. Names are unique after expansion.
** - With include_holdout == 0, an entry marked holdout = true is dropped
**   before any other of its fields is read: nothing of it is in the spec.
** - Every date is a valid "YYYY-MM-DD"; every window has from < to; each
**   target's error is resolved: sd > 0, lo < hi, both finite, and observed
**   inside [lo, hi]. Whether a node, a gang, a variable or an event kind
**   exists, and whether a date falls inside the run, is for batch to check
**   on the scenario.
**
** Invariants of a cs_priors_spec: entries sorted by name, names unique; a
** prior with bounds has finite lo < hi (lo > 0 for loguniform). */
#ifndef CS_TARGETS_H
#define CS_TARGETS_H

#include "cs_layers.h"
#if defined(CS_LAYER) && (CS_LAYER < CS_LAYER_SCRIPT || CS_LAYER == CS_LAYER_IO)
#error "cs_targets.h describes targets and priors files: only sim/script, sim/batch and sim/cli include it"
#endif

#include <stddef.h>

/* The statistics a target can take: X(KIND, constructor in the targets
** file, one-line description). */
#define CS_STAT_KIND_LIST(X)                                                                       \
  X(CS_STAT_COUNT, "count", "events of given kinds (and parties, nodes) in a date window, or the " \
    "sum of their deaths or of the people they moved")                                            \
  X(CS_STAT_RATIO, "ratio", "one statistic over another (NaN where the second is 0)")             \
  X(CS_STAT_VALUE, "value", "a sampled variable at a date, or its change since another date")     \
  X(CS_STAT_FLED, "fled", "people who fled given nodes (or went to the provinces) in a window")   \
  X(CS_STAT_GANG_SHARE, "gang_share", "the share of the population, or of the nodes, held by "    \
    "gangs at a date")                                                                            \
  X(CS_STAT_FN, "fn", "a Lua function of the run (its final state and its city variables)")

/* What count{} adds up: X(KIND, name of sum = ...). */
#define CS_COUNT_SUM_LIST(X)                                                                       \
  X(CS_SUM_EVENTS, "events")                                                                       \
  X(CS_SUM_DEATHS, "deaths")                                                                       \
  X(CS_SUM_DISPLACED, "displaced")

#define CS_TARGETS_ENUM_(kind, ...) kind,
enum { CS_STAT_KIND_LIST(CS_TARGETS_ENUM_) CS_STAT_KINDS };
enum { CS_COUNT_SUM_LIST(CS_TARGETS_ENUM_) CS_SUM_KINDS };
#undef CS_TARGETS_ENUM_

/* How the observation error was given (exactly one per target). */
enum { CS_TERR_SD = 0, CS_TERR_INTERVAL = 1, CS_TERR_REL = 2 };
/* The summary over runs a target is judged by. */
enum { CS_TSUM_MEDIAN = 0, CS_TSUM_MEAN = 1 };

/* One statistic. Only the fields of its kind are set; strings absent are
** NULL, lists absent have n_ == 0. */
typedef struct cs_stat_spec {
  int kind;                   /* CS_STAT_ */
  char *where;                /* "path:line" of the constructor's call */
  char *from, *to;            /* count, fled: the window [from, to), "YYYY-MM-DD" */
  char *date;                 /* value, gang_share: the date */
  char **nodes; int n_nodes;  /* count, fled, value, gang_share: node ids (none: every node) */
  /* count */
  int observed_log;           /* 1: the observed log (reported events), 0: the true log */
  int sum;                    /* CS_SUM_ */
  char **kinds; int n_kinds;  /* event kind names, >= 1 */
  char *actor, *target;       /* party filters: "gang", "STATE", "CONTESTED" or a gang id; NULL: any */
  /* ratio: indices into the spec's stats */
  int num, den;
  /* value */
  char *var;                  /* a sampled variable (output/README.md) */
  char **gangs; int n_gangs;  /* gang ids, for a gang variable (none: every gang) */
  char *since;                /* NULL, or: the change from this date to date */
  /* gang_share */
  int by_nodes;               /* 0: share of the initial population, 1: share of nodes */
  int contested;              /* 1: CONTESTED nodes count as held (outside the state's control) */
  /* fled */
  int to_provinces;           /* 1: only people going to the provinces (flights and relocations) */
  /* fn */
  int fn_index;               /* which fn() call of the file's evaluation, from 0 */
} cs_stat_spec;

typedef struct cs_target_spec {
  char *name;                 /* unique; "NAME@YYYY-MM-DD" for one date of a series */
  char *source;               /* "" if not given */
  char *where;                /* "path: target 'NAME'" for messages */
  double observed;
  int err;                    /* CS_TERR_: how the error was given */
  double sd;                  /* sd, or interval half-width / 2, or rel * |observed| / 2 */
  double lo, hi;              /* the interval, or observed -+ 2 sd */
  double discrepancy;         /* >= 0 (default 0) */
  int summary;                /* CS_TSUM_ */
  int holdout;
  int stat;                   /* index into the spec's stats */
} cs_target_spec;

/* A targets file as read. */
typedef struct cs_targets_spec {
  char *src; size_t src_len;  /* the file's text, NUL-terminated */
  cs_target_spec *targets; int n_targets;
  cs_stat_spec *stats; int n_stats;
  int n_fn;                   /* fn() calls in one evaluation of the file */
} cs_targets_spec;

/* What a run offers fn() statistics besides its final state: the city
** variables (cs_world_vars with dimension CS_DIM_CITY) at every sample;
** values[i * n_vars + v] is names[v] at sample i. Borrowed for the call. */
typedef struct cs_run_view {
  int n_samples, n_vars;
  double sample_every, days;
  const char *const *names;
  const double *values;
} cs_run_view;

/* Priors: X(KIND, constructor in the priors file). */
#define CS_PRIOR_SPEC_LIST(X)                                                                      \
  X(CS_PSPEC_UNIFORM, "uniform")                                                                   \
  X(CS_PSPEC_LOGUNIFORM, "loguniform")
#define CS_PRIORS_ENUM_(kind, ...) kind,
enum { CS_PRIOR_SPEC_LIST(CS_PRIORS_ENUM_) CS_PSPEC_KINDS };
#undef CS_PRIORS_ENUM_

typedef struct cs_prior_spec {
  char *name;                 /* a parameter of the scenario (checked by batch) */
  int kind;                   /* CS_PSPEC_ */
  int bounded;                /* 0: uniform() with no bounds: the parameter's declared range */
  double lo, hi;              /* if bounded */
} cs_prior_spec;

typedef struct cs_priors_spec {
  char *src; size_t src_len;  /* the file's text, NUL-terminated */
  cs_prior_spec *priors; int n_priors; /* sorted by name */
} cs_priors_spec;

#endif
