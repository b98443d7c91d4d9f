/* targets.h: observed targets of a scenario, and their statistics computed
** from a run (cs_targets_), for sim/ only.
**
** A targets file is Lua, read in the sandbox by the script layer
** (cs_script_targets_read, cs_script.h; the language: scenarios/README.md,
** "Targets files"). This module resolves what was read against a scenario
** (a probe load: node names, dates, variables) and computes each target's
** statistic from one run, with a sink that keeps only what the statistics
** need. A target over a series of dates is expanded into one scalar target
** per date, so everything below counts scalar targets.
**
** Invariants:
** - Target order is the file's order (series expanded in date order); it
**   never depends on a hash.
** - With include_holdout == 0 the entries marked holdout = true are dropped
**   by the reader before any of their other fields is read or checked, so
**   nothing of a held-out observation can reach a calibration.
** - A statistic the run cannot compute (a ratio over an empty window, a
**   share of nobody) is NaN for that run, never an error; a statistic no run
**   of the scenario could compute (a date outside the run, an unknown node
**   or variable) is an error at load, naming the file, the target and the
**   field. */
#ifndef CS_BATCH_TARGETS_H
#define CS_BATCH_TARGETS_H

#include "cs_script.h"

typedef struct cs_target_info {
  const char *name;     /* unique; "NAME@YYYY-MM-DD" for one date of a series */
  const char *source;   /* who observed it ("" if not given) */
  const char *doc;      /* one line: what the statistic is */
  double observed;
  double sd;            /* the observation error as a standard deviation (> 0):
                           given, or interval half-width / 2, or rel * |observed| / 2 */
  double lo, hi;        /* the tolerance a run's summary must fall in to pass:
                           the interval given, or observed -+ 2 sd (hi may be +inf
                           for a one-sided target) */
  double discrepancy;   /* model discrepancy as a standard deviation (>= 0; default 0) */
  int summary;          /* CS_TARGET_MEDIAN (default) or CS_TARGET_MEAN over runs */
  int holdout;
} cs_target_info;

enum { CS_TARGET_MEDIAN = 0, CS_TARGET_MEAN = 1 };

typedef struct cs_targets cs_targets;

/* Read the targets file at path, probe-load the scenario (with sets) and
** resolve every target against it. On CS_OK the caller owns *out. Errors
** name the file, the target and the field (CS_ESCRIPT for a Lua error or a
** malformed entry, CS_EINVAL for one the scenario cannot compute). */
int cs_targets_load(cs_ctx *ctx, const char *path, const char *scenario, const cs_script_limits *lim,
                    const cs_override *sets, size_t n_sets, int include_holdout, cs_targets **out);
void cs_targets_free(cs_targets *t);

int cs_targets_count(const cs_targets *t);
const cs_target_info *cs_targets_info(const cs_targets *t, int i);
/* SHA-256 (hex) of the targets file's text and of the modules it read, as
** used (the held-out entries are part of the text: the hash names the file,
** not what was read of it). A targets file runs in the sandbox of sweep
** files, which has no require: today the hash is the text's alone. */
const char *cs_targets_sha(const cs_targets *t);

/* Load the scenario with sets, run it with the streams of (seed, replicate)
** and write every target's statistic to out[cs_targets_count] (NaN where
** the run cannot compute it). Lua-function statistics are called on the
** final state, under the callback instruction budget. */
int cs_targets_run(cs_ctx *ctx, const cs_targets *t, const cs_override *sets, size_t n_sets, uint64_t seed,
                   uint64_t replicate, double *out);

#endif
