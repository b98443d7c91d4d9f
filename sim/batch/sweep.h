/* sweep.h: parameter sweeps (cs_sweep_), for sim/ only.
**
** A sweep file is Lua, read by the script layer in the scenario sandbox
** (cs_script_sweep_read) into plain data (cs_sweep.h): it returns a table, or
** passes one to sweep{...}. It names a scenario (relative to the sweep file),
** the parameters to vary, the replicates per design point, the metrics to
** record and whether to keep trajectories (scenarios/README.md and
** output/README.md describe the fields). A cs_sweep takes over what was read
** and adds the probe load of the scenario and the design.
**
** Invariants:
** - Run k of a sweep is a function of (sweep text, branch setting, k) only:
**   design point p = k / (replicates x branches), replicate
**   r = (k / branches) % replicates, branch b = k % branches (branches is 1
**   without --branch-at); the run uses the streams of (master seed,
**   replicate r), re-keyed by b at the branch day (cs_world_set_branch), so
**   every design point sees the same random numbers in its replicate r and
**   branch b (common random numbers), and the branches of one (p, r) share
**   their past up to the branch day.
** - The design (all n_points x n_params values) is computed once at load:
**   grid parameters form a Cartesian product (first parameter slowest), and
**   random parameters (uniform, loguniform, lhs) fill `samples` rows drawn
**   from one PCG stream seeded from the sweep's seed, crossed with the grid
**   (grid outer). Integer and boolean parameters draw whole numbers (a draw
**   on [lo, hi + 1), rounded down).
**   design = "sobol" or "morris": the points are those of the sensitivity
**   design in the unit cube (sensitivity.h), mapped onto each parameter's
**   range as a random draw would be (uniform, log-uniform, whole numbers).
** - A run's result is a fixed-size record of doubles: n_metrics outcomes,
**   then n_traj * n_samples * n_nodes trajectory values (row-major).
** - A run that fails by its own fault (cs_sweep_run_fault) is a row of NaN
**   with its error message (run_status 1 and run_error in the file); the
**   message is a function of (sweep text, k) as the record is (Lua's
**   printed addresses, "table: 0x...", are masked: cs_sweep_run). */
#ifndef CS_BATCH_SWEEP_H
#define CS_BATCH_SWEEP_H

#include "cs_h5.h"
#include "cs_script.h"
#include "cs_sweep.h"

/* The fields that cs_sweep_spec also has are taken over from the spec the
** script layer read (same names, same meaning); the rest is batch's own. */
typedef struct cs_sweep {
  char *path;                 /* the sweep file as given */
  char *src; size_t src_len;  /* its text */
  char sha[65];
  char *scenario_path;        /* resolved against the sweep file's directory */
  char *scenario_src; size_t scenario_len;
  char scenario_sha[65];
  uint64_t seed, replicates, samples;
  int design_kind;            /* CS_SWD_ */
  uint64_t levels, bootstrap; /* morris levels; sobol and morris bootstrap resamples */
  uint64_t n_points, n_runs;
  cs_sweep_param *params; int n_params;
  double *design;             /* [n_points][n_params] */
  cs_sweep_metric *metrics; int n_metrics;
  /* Lua metrics: listed strings come first, then the named functions sorted
  ** by name; lua_names[i] is metric lua_first + i. */
  char **lua_names; int n_lua, lua_first;
  cs_sweep_set *sets; int n_sets;  /* fixed overrides for every run */
  char **traj; int n_traj;    /* node variables kept as trajectories */
  int *traj_var;              /* their indices in cs_world_vars */
  int ensemble;               /* the group /ensemble (sweep_ens.c) */
  double *quantiles; int n_quantiles;
  /* from the probe load of the scenario */
  int n_nodes, n_samples;
  double days, sample_every;
  char **node_ids;
  char **node_names; /* the nodes' display names (their ids where they have none) */
  char *scenario_name;
  char start_date[11];        /* the scenario's start, "YYYY-MM-DD", or "" */
  char **party_names;         /* [n_parties]: STATE, CONTESTED, then the gang ids */
  int n_parties;
  /* the modules and data files the probe load read, in order (owned copies) */
  cs_prov_file *files; int n_files;
  /* SHA-256 of "scenario SHA\n" then "kind path sha256\n" per file, "" if
  ** no files; the sweep file's scenario_files_sha256, checked by merge and
  ** by the journal */
  char files_sha[65];
  /* many futures from one past (cs_sweep_set_branch); branches 1 and
  ** branched 0 until then */
  int branched;               /* --branch-at given */
  double branch_at;           /* the branch day */
  uint64_t branches;          /* K: runs per (point, replicate) */
  /* the sweep's identity for the journal and the shards: sha without
  ** branches, else the SHA-256 of "sha\nbranch_at %.17g\nbranches K\n" */
  char id_sha[65];
  int events;                 /* CS_SWEV_: each run's event log kept in the group /events */
  char *ev_dir;               /* set by the driver (cs_sweep_ev_prepare): cs_sweep_run writes
                                 run k's event rows to ev_dir/K; NULL: it does not */
} cs_sweep;

/* One row of a run's event log, as the group /events holds it (the columns
** of a run file's /events, output/README.md); 64 bytes, also the layout of
** the side files (sweep_events.h). */
typedef struct cs_sweep_evrow {
  double t, report_time;
  int64_t index, deaths, displaced, obs_deaths;
  int32_t node, actor, target;
  uint8_t kind, observed, pad[2];
} cs_sweep_evrow;

/* Event rows of global run k: with rows NULL, its number of rows into *n;
** else rows [off, off + max) (fewer at its end) into rows, and how many
** into *n. CS_OK or an error with its message in the source's context. */
typedef int (*cs_sweep_ev_fn)(void *ud, uint64_t k, uint64_t off, size_t max, cs_sweep_evrow *rows, uint64_t *n);

/* Evaluate the sweep text src (named path; NULL src: read the file at path),
** resolve and probe-load the scenario, check parameter names and every design
** value against the parameter's type and range, and compute the design. On
** CS_OK the caller owns *out (cs_sweep_free). */
int cs_sweep_load(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_sweep **out);
void cs_sweep_free(cs_sweep *sw);

/* Branch every run of sw at day `at` into k futures (1 <= k <= 10000): run
** k of the sweep is then (point, replicate, branch) as the invariants say,
** n_runs grows k-fold and id_sha changes. CS_EINVAL (sw unchanged) if at is
** not in [0, days), k is out of range, the design is sobol or morris (their
** analysis reads one run per replicate), the sweep would be too large, or
** ensemble quantiles would keep too much (cs_ens_check). Call once, right
** after cs_sweep_load. */
int cs_sweep_set_branch(cs_ctx *ctx, cs_sweep *sw, double at, uint64_t k);
/* Runs per design point: replicates x branches. */
uint64_t cs_sweep_per_point(const cs_sweep *sw);
/* The point, replicate and branch of run k (any may be NULL). */
void cs_sweep_run_coords(const cs_sweep *sw, uint64_t k, uint64_t *pt, uint64_t *rep, uint64_t *branch);
/* The branch setting as a phrase for messages: "no branches" or "branches
** at day D x K" into buf[cap]; returns buf. */
const char *cs_sweep_branch_desc(int branched, double at, uint64_t k, char *buf, size_t cap);

/* Doubles in one run's result record. */
size_t cs_sweep_record_len(const cs_sweep *sw);
/* Units and a one-line description of metric m. */
const char *cs_sweep_metric_units(const cs_sweep *sw, int m);
const char *cs_sweep_metric_doc(const cs_sweep *sw, int m);
/* Which way metric m is better when runs are compared: CS_BETTER_LOWER or
** CS_BETTER_HIGHER (cs_sweep.h); lower for a Lua metric. Its name, "lower"
** or "higher", as the reports write it. */
int cs_sweep_metric_better(const cs_sweep *sw, int m);
const char *cs_sweep_better_name(int better);
/* The value a NaN of metric m stands for when runs are compared: the
** horizon (sw->days) for fall_time, whose NaN is a node that had not fallen
** by then (so the comparison is of fall times censored at the horizon);
** NaN for every other metric. */
double cs_sweep_metric_nan_as(const cs_sweep *sw, int m);
const char *cs_sweep_kind_name(int kind);

/* Run k in-process (quiet): load the scenario with the fixed overrides and
** the design point of k, run it with (seed, its replicate) and, branched,
** its branch (cs_sweep_run_coords), fill
** rec[cs_sweep_record_len] with its outcomes and trajectories. On an error,
** ": 0x" and 6 or more hex digits in the message read ": 0x?" (Lua prints
** a table or function by its address, which differs between processes). */
int cs_sweep_run(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, double *rec);
/* The same with the overrides pre[n_pre] applied first (the sweep's own
** `set` entries and design come after them): a posterior draw under an
** arm of compare. */
int cs_sweep_run_pre(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, const cs_override *pre, size_t n_pre,
                     double *rec);

/* 1 if a run that failed with rc failed by its own fault, as it would
** again on every try and on any machine: an error of the scenario or of a
** Lua metric for its parameters, an instruction budget or the Lua memory
** limit (CS_ESCRIPT), a value refused or a design point that changes the
** file's axes (CS_EINVAL). A sweep records such a failure and completes the
** other runs. 0 for what is not the run's fault (CS_ENOMEM, CS_EIO: the
** scenario could not be read, CS_ESTOP), which stops the sweep. */
int cs_sweep_run_fault(int rc);

/* ---- the sweep file (sweep_h5.c) ---- */

/* Rows of the file come from here: the record of global run k, and in err
** (CS_ERRMSG_MAX bytes) "" for a run that completed, or the error message
** of a run that failed (its record then all NaN). */
typedef int (*cs_sweep_row_fn)(void *ud, uint64_t k, double *rec, char *err);

/* Write the sweep file for shard (index, count) (count 1: the whole sweep)
** to path through a temporary file renamed into place (fsync file and
** directory). Runs are k = index, index + count, ... < n_runs, in order. */
/* With sw->events (not CS_SWEV_NONE), ev gives each completed run's event
** rows (ev_ud its ud), streamed into the group /events in run order; a run
** that failed has none. ev is not called otherwise (NULL allowed). */
int cs_sweep_h5_write(cs_ctx *ctx, const cs_sweep *sw, const char *path, uint64_t index,
                      uint64_t count, cs_sweep_row_fn row, void *ud, cs_sweep_ev_fn ev, void *ev_ud);

typedef struct cs_sweep_shard cs_sweep_shard;
/* Open a shard (or a whole sweep file) for reading. Fails with a clear
** message if path is not a sweep file. */
int cs_sweep_shard_open(cs_ctx *ctx, const char *path, cs_sweep_shard **out);
void cs_sweep_shard_close(cs_sweep_shard *sh);
/* Attributes of the shard (borrowed until close). */
const char *cs_sweep_shard_attr(const cs_sweep_shard *sh, const char *name);
uint64_t cs_sweep_shard_index(const cs_sweep_shard *sh);
uint64_t cs_sweep_shard_count(const cs_sweep_shard *sh);
/* Read the record of global run k (it must be one of the shard's) and its
** error message into err (CS_ERRMSG_MAX bytes; "" if the run completed, as
** for every run of a shard written before failures were recorded). */
int cs_sweep_shard_row(cs_ctx *ctx, cs_sweep_shard *sh, const cs_sweep *sw, uint64_t k, double *rec, char *err);
/* The same for row `row` of the file (its run number is run[row]). */
int cs_sweep_shard_row_at(cs_ctx *ctx, cs_sweep_shard *sh, const cs_sweep *sw, uint64_t row, double *rec, char *err);
/* The file's replicates per point, and its rows (runs it holds). */
uint64_t cs_sweep_shard_replicates(const cs_sweep_shard *sh);
/* The file's branch setting (attributes branch_at and branches; none:
** *branched 0, *k 1). */
void cs_sweep_shard_branch(const cs_sweep_shard *sh, int *branched, double *at, uint64_t *k);
/* CS_OK if the file's branch setting is sw's, else CS_EINVAL saying both. */
int cs_sweep_shard_same_branch(cs_ctx *ctx, const cs_sweep_shard *sh, const cs_sweep *sw);
uint64_t cs_sweep_shard_rows(const cs_sweep_shard *sh);
/* Rows [off, off + n) of `run` into runs[n] and of `design` into
** design[n][n_params]. */
int cs_sweep_shard_design(cs_ctx *ctx, cs_sweep_shard *sh, uint64_t off, uint64_t n, int n_params, uint64_t *runs,
                          double *design);
/* A cs_sweep_ev_fn over the group /events of shards (ud: a cs_sweep_shard_ev): the
** rows of its run k (event_offset, event_count). CS_EINVAL if the file has
** no group /events. */
typedef struct cs_sweep_shard_ev {
  cs_ctx *ctx;
  cs_sweep_shard **sh;  /* n_sh shards: run k is in sh[k % n_sh] (n_sh 1: sh[0]) */
  uint64_t n_sh;
} cs_sweep_shard_ev;
int cs_sweep_shard_events(void *ud, uint64_t k, uint64_t off, size_t max, cs_sweep_evrow *rows, uint64_t *n);
/* The shard's events level (attribute events of /events), CS_SWEV_NONE if
** it has no group /events. */
int cs_sweep_shard_events_level(const cs_sweep_shard *sh);
/* CS_OK if the 1-d string dataset `name` holds exactly names[n] in order,
** else CS_EINVAL saying where it differs. */
int cs_sweep_shard_same_names(cs_ctx *ctx, cs_sweep_shard *sh, const char *name, const char *const *names,
                              uint64_t n);

#endif
