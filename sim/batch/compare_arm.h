/* compare_arm.h: the arms of `conflictsim compare` and their runs
** (cs_cmp_), for sim/ only.
**
** Arm 0 is the baseline, arms 1.. the variants. A variant is either the
** baseline scenario with more overrides (on top of the baseline's) or
** another scenario file. Each arm is a one-point sweep (sweep.c) built from
** Lua text generated in compare_arm.c, so an arm's run r is
** cs_sweep_run(arm, r): streams of (seed, r), and the outcome metrics are
** exactly the sweep's (same names, units and definitions).
**
** Invariants:
** - A run's slot (cs_cmp_slot_len doubles) is the arm's n_metrics outcomes,
**   then CS_CMP_N_TRAJ city trajectories of n_samples values each, derived
**   from the node trajectories the sweep keeps by the identities the
**   sampler holds exactly (sample.c): city_displaced = sum of
**   displaced_origin, city_civilian_deaths = sum of civilian_deaths, and
**   city_gang_share_population = the initial residents of gang-held nodes
**   over all initial residents, summed in node order as
**   cs_world_gang_share does.
** - Every arm has the baseline's time axis (cs_cmp_arm_load refuses
**   another) and, being a sweep of the same metric list (--metric, or the
**   sweep's default), its metrics. */
#ifndef CS_COMPARE_ARM_H
#define CS_COMPARE_ARM_H

#include <stddef.h>
#include <stdint.h>

#include "posterior.h"
#include "sweep.h"

#define CS_CMP_N_TRAJ 3
extern const char *const cs_cmp_traj_names[CS_CMP_N_TRAJ];
extern const char *const cs_cmp_traj_units[CS_CMP_N_TRAJ];
extern const char *const cs_cmp_traj_labels[CS_CMP_N_TRAJ]; /* plain labels for figures (plain.h) */

typedef struct cs_cmp_set {
  char *name, *value;
  int from_calib;      /* 1: the posterior file's own setting (compare --posterior), not the command line's */
} cs_cmp_set;

typedef struct cs_cmp_arm {
  char *name;          /* "baseline" or the variant's name */
  char *scenario;      /* scenario path */
  int own_file;        /* a FILE.lua variant: only its own overrides, not the baseline's */
  cs_cmp_set *sets; int n_sets;
  char *sets_text;     /* "k=v,k=v" for the report (cs_cmp_arm_join_sets) */
  cs_sweep *sw;        /* the one-point sweep (cs_cmp_arm_load) */
  double *res0;        /* initial residents per node (for the share) */
} cs_cmp_arm;

/* Release what a owns (a zeroed arm is empty); a itself is the caller's. */
void cs_cmp_arm_clear(cs_cmp_arm *a);

/* Add "k=v" (len bytes of text) to a's overrides; a later one for the same
** name replaces the earlier. 0, -1 malformed, -2 out of memory. */
int cs_cmp_arm_add_set(cs_cmp_arm *a, const char *text, size_t len);

/* Parse a variant SPEC ([NAME:]K=V,... or [NAME:]FILE.lua) into the zeroed
** arm a, variant number i (for the default name "variant<i>"); overrides
** build on base's. 0, -1 malformed, -2 out of memory; a holds what was
** parsed either way (cs_cmp_arm_clear). */
int cs_cmp_parse_variant(const char *spec, const cs_cmp_arm *base, int i, cs_cmp_arm *a);

/* "k=v,k=v" of a's overrides, or NULL when out of memory. Caller owns it. */
char *cs_cmp_arm_join_sets(const cs_cmp_arm *a);

/* Build arm a's one-point sweep (reps replicates from seed; idx names the
** sweep text "compare-arm-<idx>") and its initial residents; with base, check
** the time axis against the baseline's (CS_EINVAL). The sweep records the
** n_metrics metrics named (as a sweep file's `metrics` list names them, in
** that order), or with n_metrics 0 the sweep's default ones; every arm must
** be given the same list. On any result a keeps what was built
** (cs_cmp_arm_clear). */
int cs_cmp_arm_load(cs_ctx *ctx, cs_cmp_arm *a, int idx, uint64_t seed, uint64_t reps, const cs_cmp_arm *base,
                    const char *const *metrics, int n_metrics);

/* Doubles in one run's slot (arms[0] loaded). */
size_t cs_cmp_slot_len(const cs_cmp_arm *arms);

/* Run r of arm a (replicate r, or with branches replicate r / K branch
** r % K, as run r of the arm's sweep): rec is scratch for its sweep record
** (cs_sweep_record_len doubles), out receives its slot. With post (drawn
** for every replicate), under the posterior draw of its replicate: the same
** parameter set in every arm, so the pairs stay paired and the spread of
** the differences includes parameter uncertainty. */
int cs_cmp_run_one(cs_ctx *ctx, const cs_cmp_arm *a, const cs_posterior *post, uint64_t r, double *rec,
                   double *out);

/* Run every (arm, replicate) over `jobs` forked workers (pool.c; jobs 1: in
** this process) into val[(arm * reps + r) * cs_cmp_slot_len]. val does not
** depend on jobs. Errors: a failed run as CS_EINVAL "ARM: message" (the
** earliest failing run in arm-major order), a worker that died as CS_EIO
** naming the run and arm, or the pool's own. progress (may be NULL) is
** updated with the runs done, in the parent (progress.h). */
struct cs_progress;
int cs_cmp_run_all(cs_ctx *ctx, const cs_cmp_arm *arms, int n_arms, const cs_posterior *post, uint64_t reps,
                   int jobs, double *val, struct cs_progress *progress);

#endif
