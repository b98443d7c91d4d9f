/* sweep_ens.h: the group /ensemble of a whole sweep file: per design point,
** the mean, variance and quantiles over its replicates of every outcome and
** every kept trajectory, and the (point, replicate) view of the flat `run`
** dimension. For sim/ only; written by sweep_h5.c when the sweep file says
** `ensemble = true` (or gives quantiles), layout in output/README.md
** ("Ensemble statistics: group ensemble").
**
** Invariants:
** - With branches (cs_sweep_set_branch) a point's runs are its replicates x
**   branches, k = (point * replicates + replicate) * branches + branch: the
**   statistics are over all of them (branches fold into the replicates) and
**   the run view is (point, replicate, branch); "replicates" below then
**   means a point's runs.
** - Rows arrive in run order, k = point * replicates + replicate (the file
**   is written from the journal in run order, whatever -j, the MPI ranks or
**   the shards), so a point's replicates arrive together and in replicate
**   order: the statistics are accumulated in that fixed order (Welford's
**   mean and M2), and are therefore the same bytes for any split of the work.
** - A failed run (run_status 1) is left out; `n` counts the completed
**   replicates. A NaN in a completed run (fall_time of a node that did not
**   fall) makes that cell's statistics NaN, as numpy's would be.
** - Memory: two records (mean, M2) for the point being accumulated, one
**   point's run numbers (or a block of a scale's indices), and, for
**   quantiles, the point's completed records (replicates x record doubles,
**   exact quantiles from a sort) and one variable's quantiles (quantiles x
**   the larger of metrics and samples x nodes doubles); the two together are
**   capped at CS_ENS_EXACT_MAX bytes, checked at load by cs_ens_check.
**   Nothing grows with the number of points: the scales are written a block
**   at a time, and each point's statistics when its last replicate arrives. */
#ifndef CS_SWEEP_ENS_H
#define CS_SWEEP_ENS_H

#include <hdf5.h>

#include "sweep.h"

#define CS_ENS_EXACT_MAX ((uint64_t)512 << 20)

typedef struct cs_ens cs_ens;

/* CS_EINVAL, naming the sweep, if exact quantiles would need more than
** CS_ENS_EXACT_MAX bytes (a point's records and one variable's quantiles:
** (runs x record length + quantiles x slab) x 8). */
int cs_ens_check(cs_ctx *ctx, const cs_sweep *sw);

/* Create the group /ensemble in the file f (path for messages, str the
** file's string type) with its datasets, labelled with the root's scales
** parameter, metric, and (with trajectories) time and node. On CS_OK the
** caller owns *out (cs_ens_end). */
int cs_ens_begin(cs_ctx *ctx, const char *path, hid_t f, hid_t str, const cs_sweep *sw, hid_t s_param,
                 hid_t s_metric, hid_t s_time, hid_t s_node, cs_ens **out);
/* Run k's record (failed: a failed run's, left out); the rows must come in
** run order 0, 1, ..., n_runs - 1. Writes a point's statistics when its last
** replicate arrives. */
int cs_ens_add(cs_ens *e, uint64_t k, const double *rec, int failed);
/* Close the group; rc is the caller's result so far, returned unless a close
** fails. Accepts NULL. */
int cs_ens_end(cs_ens *e, int rc);

#endif
