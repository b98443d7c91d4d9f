/* sweep_events.h: each run's event log in a sweep (`events = "conflict"` or
** "all" in the sweep file), for sim/ only.
**
** The journal, the worker pool and the MPI protocol carry a fixed-size
** record per run, so a run's event rows travel beside them: the process that
** runs run k (a forked worker, an MPI rank, rank 0 itself) writes them to
** its own side file OUT.events/K (a temporary file renamed into place) before
** it hands the record back. When the sweep file is written, the rows are
** read back in run order and streamed into the group /events (sweep_h5.c).
**
** Invariants:
** - A side file is {header: magic, the sweep's id_sha, run k}, rows of
**   cs_sweep_evrow, {trailer: row count, FNV-1a of everything before it,
**   end magic}. It is complete or absent: rename(2) puts it in place whole,
**   and a torn or foreign one fails cs_sweep_ev_check.
** - A run counts as done only when its journal record AND its side file are
**   there: cs_sweep_ev_prepare, when the journal is opened, forgets every
**   completed run whose side file is missing or fails its check (after a
**   crash of the machine, which can lose a file the journal outlived), so it
**   runs again. A run done again replaces its side file whole: a resume
**   neither loses nor duplicates rows. A failed run has no rows.
** - The rows of run k are a function of (sweep, k) alone, as its record is,
**   so the group /events does not depend on -j, ranks or shards.
** - A shard's side files live as long as its journal: removed after its
**   sweep file is in place (the directory too, once no shard has files in
**   it). A file left by another sweep under the same name is never read:
**   its header names the other sweep, and a run not in the journal is run
**   (and its file replaced) before it counts. With MPI, every rank writes into it: it must be
**   on a file system every rank sees (as the output is, on a cluster). */
#ifndef CS_SWEEP_EVENTS_H
#define CS_SWEEP_EVENTS_H

#include "sweep_journal.h"

/* 1 if a row of event kind `kind` is kept at level (CS_SWEV_). The levels
** select what `conflictsim run --events` selects: conflict leaves out the
** households' flight, relocation and return. */
int cs_sweep_ev_keep(int level, int kind);

/* The side directory of the output argument out_arg (-o as given, before
** '{shard}' is replaced): "OUT.events" (malloc'd; NULL: out of memory). */
char *cs_sweep_ev_dir(const char *out);

/* Run k's side file is complete and of this sweep. */
int cs_sweep_ev_check(const cs_sweep *sw, const char *dir, uint64_t k);

/* Set sw->ev_dir (owned by sw) to out_arg's side directory, which makes
** cs_sweep_run write side files, and make the directory. With j (rank 0,
** the parent), every completed run of j whose side file fails
** cs_sweep_ev_check is forgotten (cs_journal_forget), so it runs again, and
** counted in *redo. CS_EIO if the directory cannot be made. */
int cs_sweep_ev_prepare(cs_ctx *ctx, cs_sweep *sw, cs_journal *j, const char *out_arg, uint64_t *redo);

/* Remove the side files (and temporary ones) of the runs of shard (index,
** count) from dir, then dir if it is empty (after the shard's sweep file is
** in place). */
int cs_sweep_ev_remove(cs_ctx *ctx, const char *dir, uint64_t index, uint64_t count);

/* ---- writing one run's side file (in the process that runs it) ---- */

typedef struct cs_sweep_evw {
  const cs_sweep *sw;
  uint64_t k, n;        /* run, rows written */
  uint64_t sum;         /* FNV-1a so far */
  int fd;
  char *tmp, *path;
  unsigned char *buf;   /* rows waiting to be written */
  size_t used;
  int failed;           /* a write failed: commit reports it */
} cs_sweep_evw;

/* Start run k's side file in sw->ev_dir (a temporary file). On any result
** cs_sweep_evw_abort or _commit releases w. */
int cs_sweep_evw_begin(cs_ctx *ctx, cs_sweep_evw *w, const cs_sweep *sw, uint64_t k);
/* Add one row (a kept event; row->index is filled in here). */
void cs_sweep_evw_add(cs_sweep_evw *w, const cs_sweep_evrow *row);
/* Write the trailer and rename the file into place; releases w. */
int cs_sweep_evw_commit(cs_ctx *ctx, cs_sweep_evw *w);
/* Remove the temporary file; releases w. Accepts a w never begun (fd -1). */
void cs_sweep_evw_abort(cs_sweep_evw *w);

/* ---- reading side files back (a cs_sweep_ev_fn) ---- */

typedef struct cs_sweep_evr {
  cs_ctx *ctx;
  const cs_sweep *sw;
  const char *dir;
  uint64_t k;           /* the run whose file is open, UINT64_MAX if none */
  uint64_t n;           /* its rows */
  int fd;
} cs_sweep_evr;

/* A cs_sweep_ev_fn over the side files: ud is a cs_sweep_evr with k =
** UINT64_MAX and fd = -1; cs_sweep_evr_close releases it. A failed run (its
** journal record says so) has no side file and no rows: the caller passes
** only completed runs. */
int cs_sweep_evr_rows(void *ud, uint64_t k, uint64_t off, size_t max, cs_sweep_evrow *rows, uint64_t *n);
void cs_sweep_evr_close(cs_sweep_evr *r);

/* Copy rows[n] as run k's side file (--expand: a kept run's rows from the
** old file). */
int cs_sweep_ev_put(cs_ctx *ctx, const cs_sweep *sw, uint64_t k, cs_sweep_ev_fn fn, void *ud, uint64_t src_k);

#endif
