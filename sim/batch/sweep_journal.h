/* sweep_journal.h: the journal of a sweep's completed runs, and the pieces
** the two sweep drivers share (the forked workers of cli_sweep.c, through
** pool.c, and the MPI ranks of sweep_mpi.c), for sim/ only.
**
** The journal OUT.journal is owned by exactly one process (the parent, or
** MPI rank 0): a header (magic, sweep and scenario SHA-256, shard index and
** count, record length, number of runs), then records {run, doubles,
** FNV-1a checksum} appended in completion order. A record is written
** before its run counts as done, so it survives a kill of the process at any
** point; fdatasync runs at most every CS_JOURNAL_SYNC_S seconds and at
** close (group commit), so a crash of the machine can lose the last second
** of runs, which a resume runs again. A torn record at the end (a kill
** during a write) fails its length or checksum and is cut off on the next
** open, with anything after it.
** The file is locked (flock) so two sweeps cannot write the same output.
** When every run of the shard is in it, the driver writes the HDF5 file
** from it in run order (cs_journal_row), so the file does not depend on
** how the work was divided or in which order runs finished. */
#ifndef CS_SWEEP_JOURNAL_H
#define CS_SWEEP_JOURNAL_H

#include <signal.h>
#include <sys/types.h>

#include "sweep.h"

#define CS_JOURNAL_SYNC_S 1.0

typedef struct cs_journal {
  char *path;
  int fd;
  size_t rec_len;   /* doubles */
  size_t rec_bytes; /* on disk: 8 + 8 * rec_len + 8 */
  uint64_t index, count, n_local;
  uint64_t n_runs;  /* 0: a growing journal (calibration), records of any run number */
  uint64_t *off;    /* [cap]: file offset of the record, UINT64_MAX if not done */
  uint64_t cap;
  uint64_t done;
  double synced;    /* cs_sweep_now() of the last fdatasync */
  unsigned char *buf;
} cs_journal;

/* Open (or create) OUT.journal for shard (index, count) of sw, lock it and
** index the records already in it. *j must be zeroed with fd = -1 first; on
** any result cs_journal_close releases it. CS_EINVAL: the journal belongs to
** another sweep, scenario or shard. */
int cs_journal_open(cs_ctx *ctx, cs_journal *j, const cs_sweep *sw, const char *out, uint64_t index,
                    uint64_t count);
/* The same for any driver: sha names the inputs (a sweep file, a
** calibration's configuration), scen_sha the scenario; rec_len doubles per
** record; n_runs 0 for a journal whose number of runs is not known in
** advance (a calibration's: runs are numbered in the order its batches ask
** for them, and the journal grows). */
int cs_journal_open_raw(cs_ctx *ctx, cs_journal *j, const char *out, const char *sha, const char *scen_sha,
                        uint64_t index, uint64_t count, size_t rec_len, uint64_t n_runs);
/* 1 if run k's record is in the journal. */
int cs_journal_has(const cs_journal *j, uint64_t k);
/* Append the record of run k (durable on CS_OK). */
int cs_journal_append(cs_ctx *ctx, cs_journal *j, uint64_t k, const double *rec);
void cs_journal_close(cs_journal *j);

/* A cs_sweep_row_fn reading the journal: ud is a cs_journal_rows. */
typedef struct cs_journal_rows {
  cs_journal *j;
  cs_ctx *ctx;
} cs_journal_rows;
int cs_journal_row(void *ud, uint64_t k, double *rec);

/* SIGINT/SIGTERM set cs_sweep_stop (the signal number); SIGPIPE is ignored.
** The drivers poll the flag, stop handing out runs and keep the journal. */
extern volatile sig_atomic_t cs_sweep_stop;
void cs_sweep_signals_catch(void);
void cs_sweep_signals_restore(void);

/* Monotonic seconds (the journal's group commit). The progress line is
** progress.h's. */
double cs_sweep_now(void);

#endif
