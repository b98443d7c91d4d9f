/* sweep_journal.h: the journal of a sweep's completed runs, and the pieces
** the two sweep drivers share (the forked workers of cli_sweep.c, through
** pool.c, and the MPI ranks of sweep_mpi.c), for sim/ only.
**
** The journal OUT.journal is owned by exactly one process (the parent, or
** MPI rank 0): a header (magic, the sweep's SHA-256, that of the scenario
** (or its files) with the conflictsim version, shard index and
** count, record length, number of runs), then records {run, doubles,
** FNV-1a checksum} appended in completion order. A record is written
** before its run counts as done, so it survives a kill of the process at any
** point; fdatasync runs at most every CS_JOURNAL_SYNC_S seconds and at
** close (group commit), so a crash of the machine can lose the last second
** of runs, which a resume runs again. A torn record at the end (a kill
** during a write) fails its length or checksum and is cut off on the next
** open, with anything after it.
** A run that failed by its own fault (an error of the scenario for its
** parameters, a budget: cs_sweep_run_fault) is journalled too, as a
** failure record {run | 2^63, message length, message padded with zeros to
** 8 bytes, checksum}, so a resume does not run it again; its row in the
** file is NaN with the message beside it. A journal is written with the
** magic CSSWJNL1 until its first failure record, which turns it to
** CSSWJNL2 first (a version that knows no failure records refuses it
** rather than cutting it off as torn); both are read.
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
  uint64_t done;    /* runs with a record, failures included */
  uint64_t failed;  /* runs with a failure record */
  int v2;           /* the magic is CSSWJNL2: failure records may follow */
  double synced;    /* cs_sweep_now() of the last fdatasync */
  unsigned char *buf;
} cs_journal;

/* Open (or create) OUT.journal for shard (index, count) of sw, lock it and
** index the records already in it. *j must be zeroed with fd = -1 first; on
** any result cs_journal_close releases it. CS_EINVAL: the journal belongs to
** another sweep, scenario (or modules and data files), shard, branch setting
** or conflictsim version: its scen_sha is SHA-256("<scenario or files SHA>\n
** conflictsim <version>"). */
int cs_journal_open(cs_ctx *ctx, cs_journal *j, const cs_sweep *sw, const char *out, uint64_t index,
                    uint64_t count);
/* The same for any driver: sha names the inputs (a sweep file, a
** calibration's configuration), scen_sha the scenario; rec_len doubles per
** record; n_runs 0 for a journal whose number of runs is not known in
** advance (a calibration's: runs are numbered in the order its batches ask
** for them, and the journal grows). */
int cs_journal_open_raw(cs_ctx *ctx, cs_journal *j, const char *out, const char *sha, const char *scen_sha,
                        uint64_t index, uint64_t count, size_t rec_len, uint64_t n_runs);
/* 1 if run k's record (or failure record) is in the journal. */
int cs_journal_has(const cs_journal *j, uint64_t k);
/* Count run k (completed, not failed) as not done: its record stays in the
** file, and the next one appended for k replaces it (a sweep's events: its
** side file is missing, so it runs again). */
void cs_journal_forget(cs_journal *j, uint64_t k);
/* 1 if run k's record is a failure record. */
int cs_journal_failed(const cs_journal *j, uint64_t k);
/* Append the record of run k (written, so it survives the death of this
** process, on CS_OK; synced as the group commit above says). */
int cs_journal_append(cs_ctx *ctx, cs_journal *j, uint64_t k, const double *rec);
/* Append a failure record for run k with its message msg (truncated to
** CS_ERRMSG_MAX - 1 bytes; an empty one is recorded as "failed (no
** message)"); the same durability. */
int cs_journal_append_failure(cs_ctx *ctx, cs_journal *j, uint64_t k, const char *msg);
/* Read run k's record into rec[rec_len]. A failure record: with err (a
** buffer of CS_ERRMSG_MAX bytes), rec is all NaN and err holds its message;
** without, CS_EINVAL. A completed run sets err to "". CS_EIO if the run has
** no record. */
int cs_journal_read(cs_ctx *ctx, cs_journal *j, uint64_t k, double *rec, char *err);
void cs_journal_close(cs_journal *j);

/* A cs_sweep_row_fn reading the journal: ud is a cs_journal_rows. */
typedef struct cs_journal_rows {
  cs_journal *j;
  cs_ctx *ctx;
} cs_journal_rows;
int cs_journal_row(void *ud, uint64_t k, double *rec, char *err);

/* SIGINT/SIGTERM set cs_sweep_stop (the signal number); SIGPIPE is ignored.
** The drivers poll the flag, stop handing out runs and keep the journal. */
extern volatile sig_atomic_t cs_sweep_stop;
void cs_sweep_signals_catch(void);
void cs_sweep_signals_restore(void);

/* FNV-1a of p[n] continued from h (start: CS_JOURNAL_FNV0): the checksum of
** the journal's records and of the event side files (sweep_events.c). */
#define CS_JOURNAL_FNV0 0xcbf29ce484222325ull
uint64_t cs_journal_fnv1a(const void *p, size_t n, uint64_t h);
/* write(2) until n bytes or an error (EINTR retried): 0 or -1. */
int cs_journal_write_full(int fd, const void *p, size_t n);

/* Monotonic seconds (the journal's group commit). The progress line is
** progress.h's. */
double cs_sweep_now(void);

#endif
