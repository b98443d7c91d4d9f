/* sweep_mpi.c: a sweep over MPI ranks (see sweep_mpi.h). Compiled only when
** CMake finds an MPI.
**
** Protocol, on MPI_COMM_WORLD:
** - rank 0 -> worker, TAG_RUN: one uint64, a run number to compute;
**   TAG_STOP: one uint64 (ignored): leave the loop and finalize.
** - worker -> rank 0, TAG_RES: bytes: an mhdr {run, status, len}, then len
**   bytes: the run's record (8 * cs_sweep_record_len doubles) when status is
**   CS_OK, else the error message.
**
** Dynamic load balancing: rank 0 keeps up to CS_MPI_DEPTH runs outstanding
** per worker, so a worker finds its next run waiting when it finishes one;
** while runs remain, every worker is full, and rank 0 computes one run
** itself between two looks at its mailbox (so `mpirun -n 2` keeps both
** cores busy; a worker idles only if a run of rank 0 outlasts two of its
** own). MPI's non-overtaking rule means a worker's results arrive in the
** order its runs were sent, which rank 0 checks. A worker sends with
** MPI_Isend from two alternating buffers, so a large record (trajectories)
** waiting for rank 0 to receive it does not stop the worker computing its
** next run. Nobody waits in a blocking MPI call (Open MPI spins there):
** idle ranks poll with 0.1-0.2 ms naps, so an idle worker costs no core.
**
** Where the results go (the journal, then the HDF5 file in run order) is
** exactly the fork driver's, so the file is byte-identical to -j 1. */
#define _GNU_SOURCE /* nanosleep */
#include "sweep_mpi.h"
#include "progress.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CS_MPI_DEPTH 2
enum { TAG_RUN = 1, TAG_STOP = 2, TAG_RES = 3 };

typedef struct mhdr {
  uint64_t run;
  int64_t status;
  uint64_t len; /* bytes that follow */
} mhdr;

int cs_mpi_init(cs_ctx *ctx, int *rank, int *size) {
  if (MPI_Init(NULL, NULL) != MPI_SUCCESS) return cs_err(ctx, CS_EIO, "MPI_Init failed");
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return CS_OK;
}

int cs_mpi_all(int ok) {
  int in = ok != 0, out = 0;
  MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return out;
}

int cs_mpi_bcast(int v) {
  MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return v;
}

void cs_mpi_finish(int abort_code, int release) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (abort_code) {
    fflush(NULL);
    MPI_Abort(MPI_COMM_WORLD, abort_code);
  }
  uint64_t none = 0;
  for (int w = 1; release && rank == 0 && w < size; w++) MPI_Send(&none, 1, MPI_UINT64_T, w, TAG_STOP, MPI_COMM_WORLD);
  MPI_Finalize();
}

const char *cs_mpi_library(void) {
  static char v[MPI_MAX_LIBRARY_VERSION_STRING + 1];
  int n = 0;
  if (!v[0] && MPI_Get_library_version(v, &n) == MPI_SUCCESS) v[strcspn(v, ",\n")] = '\0';
  return v;
}

static void nap(long ns) {
  struct timespec ts = {0, ns};
  nanosleep(&ts, NULL);
}

/* MPI_Wait without spinning. */
static void wait_nap(MPI_Request *r) {
  int done = 0;
  while (MPI_Test(r, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) nap(100000);
}

/* Per worker rank w (1..nw): the runs sent and not yet answered, oldest first. */
typedef struct wq {
  uint64_t run[CS_MPI_DEPTH];
  int n;
} wq;

int cs_sweep_mpi_master(cs_ctx *ctx, const cs_sweep *sw, cs_journal *j, int show, int keep_failures,
                        int *outstanding) {
  int size = 1, rc = CS_OK;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int nw = size - 1;
  size_t rl = cs_sweep_record_len(sw);
  size_t cap = sizeof(mhdr) + (8 * rl > CS_ERRMSG_MAX ? 8 * rl : CS_ERRMSG_MAX);
  uint64_t *todo = NULL, n_todo = 0, next = 0, got = 0, done0 = j->done;
  wq *q = NULL;
  unsigned char *buf = NULL;
  double *rec = NULL;
  cs_progress line;
  cs_progress_start(&line, !show, "runs", 0, "runs/s", (double)done0, (double)j->n_local);
  *outstanding = 0;
  if (!(todo = malloc((size_t)(j->n_local - j->done + 1) * 8)) || !(q = calloc((size_t)size, sizeof *q)) ||
      !(buf = malloc(cap)) || !(rec = malloc((rl + 1) * 8))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (uint64_t l = 0; l < j->n_local; l++)
    if (j->off[l] == UINT64_MAX) todo[n_todo++] = j->index + l * j->count;
  for (int w = 1; w <= nw; w++)
    while (q[w].n < CS_MPI_DEPTH && next < n_todo) {
      MPI_Send(&todo[next], 1, MPI_UINT64_T, w, TAG_RUN, MPI_COMM_WORLD);
      q[w].run[q[w].n++] = todo[next++];
    }
  while (got < n_todo) {
    int any = 0, flag = 0;
    MPI_Status st;
    while (!cs_sweep_stop && MPI_Iprobe(MPI_ANY_SOURCE, TAG_RES, MPI_COMM_WORLD, &flag, &st) == MPI_SUCCESS && flag) {
      int n = 0, w = st.MPI_SOURCE;
      mhdr h;
      MPI_Get_count(&st, MPI_BYTE, &n);
      if (n < (int)sizeof h || (size_t)n > cap || w < 1 || w > nw) {
        rc = cs_err(ctx, CS_EIO, "MPI rank %d sent a malformed result", w);
        goto done;
      }
      MPI_Recv(buf, n, MPI_BYTE, w, TAG_RES, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      memcpy(&h, buf, sizeof h);
      if (q[w].n == 0 || h.run != q[w].run[0] || h.len != (uint64_t)n - sizeof h) {
        rc = cs_err(ctx, CS_EIO, "MPI rank %d answered run %llu out of turn", w, (unsigned long long)h.run);
        goto done;
      }
      memmove(q[w].run, q[w].run + 1, (size_t)--q[w].n * sizeof q[w].run[0]);
      any = 1;
      if (h.status != CS_OK) {
        char msg[CS_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%.*s", (int)h.len, (const char *)buf + sizeof h);
        if (!keep_failures || !cs_sweep_run_fault((int)h.status)) {
          rc = cs_err(ctx, (int)h.status, "%s", msg);
          goto done;
        }
        if ((rc = cs_journal_append_failure(ctx, j, h.run, msg)) != CS_OK) goto done;
        got++;
        if (next < n_todo) {
          MPI_Send(&todo[next], 1, MPI_UINT64_T, w, TAG_RUN, MPI_COMM_WORLD);
          q[w].run[q[w].n++] = todo[next++];
        }
        continue;
      }
      if (h.len != 8 * rl) {
        rc = cs_err(ctx, CS_EIO, "MPI rank %d: short result for run %llu", w, (unsigned long long)h.run);
        goto done;
      }
      memcpy(rec, buf + sizeof h, 8 * rl);
      if ((rc = cs_journal_append(ctx, j, h.run, rec)) != CS_OK) goto done;
      got++;
      if (next < n_todo) {
        MPI_Send(&todo[next], 1, MPI_UINT64_T, w, TAG_RUN, MPI_COMM_WORLD);
        q[w].run[q[w].n++] = todo[next++];
      }
    }
    if (cs_sweep_stop) {
      rc = cs_err(ctx, CS_ESTOP, "interrupted");
      goto done;
    }
    if (next < n_todo) { /* every worker is full: compute one here */
      cs_ctx rctx = {{0}};
      uint64_t k = todo[next++];
      if ((rc = cs_sweep_run(&rctx, sw, k, rec)) != CS_OK) {
        if (!keep_failures || !cs_sweep_run_fault(rc)) {
          cs_err(ctx, rc, "%s", cs_errmsg(&rctx));
          goto done;
        }
        rc = cs_journal_append_failure(ctx, j, k, cs_errmsg(&rctx));
      } else rc = cs_journal_append(ctx, j, k, rec);
      if (rc != CS_OK) goto done;
      got++;
      any = 1;
    }
    if (!any) nap(200000);
    cs_progress_update(&line, (double)j->done);
  }
done:
  cs_progress_end(&line);
  /* After an error (not a signal), collect what is still out: the workers
  ** finish those runs anyway, and a completed run is worth keeping. */
  for (int w = 1; q && w <= nw; w++) {
    while (rc != CS_ESTOP && !cs_sweep_stop && q[w].n > 0) {
      MPI_Status st;
      int n = 0;
      mhdr h;
      MPI_Probe(w, TAG_RES, MPI_COMM_WORLD, &st);
      MPI_Get_count(&st, MPI_BYTE, &n);
      if (n < (int)sizeof h || (size_t)n > cap) break;
      MPI_Recv(buf, n, MPI_BYTE, w, TAG_RES, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      memcpy(&h, buf, sizeof h);
      q[w].n--;
      cs_ctx ignore = {{0}};
      if (h.status == CS_OK && h.len == 8 * rl) {
        memcpy(rec, buf + sizeof h, 8 * rl);
        cs_journal_append(&ignore, j, h.run, rec);
      } else if (h.status != CS_OK && keep_failures && cs_sweep_run_fault((int)h.status)) {
        char msg[CS_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%.*s", (int)h.len, (const char *)buf + sizeof h);
        cs_journal_append_failure(&ignore, j, h.run, msg);
      }
    }
    *outstanding += q[w].n;
  }
  free(rec);
  free(buf);
  free(q);
  free(todo);
  return rc;
}

int cs_sweep_mpi_worker(cs_ctx *ctx, const cs_sweep *sw) {
  size_t rl = cs_sweep_record_len(sw);
  size_t cap = sizeof(mhdr) + (8 * rl > CS_ERRMSG_MAX ? 8 * rl : CS_ERRMSG_MAX);
  unsigned char *buf[2] = {malloc(cap), malloc(cap)};
  MPI_Request req[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  double *rec = malloc((rl + 1) * 8);
  int rc = CS_OK, b = 0;
  if (!buf[0] || !buf[1] || !rec) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    MPI_Abort(MPI_COMM_WORLD, 5);
  }
  for (;;) {
    uint64_t k = 0;
    MPI_Status st;
    int flag = 0;
    /* Wait by polling with naps, not in MPI_Recv: Open MPI spins in a
    ** blocking receive, which would take a core from rank 0's own runs. */
    while (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) == MPI_SUCCESS && !flag) nap(100000);
    MPI_Recv(&k, 1, MPI_UINT64_T, 0, st.MPI_TAG, MPI_COMM_WORLD, &st);
    if (st.MPI_TAG == TAG_STOP) break;
    cs_ctx rctx = {{0}};
    int r = cs_sweep_run(&rctx, sw, k, rec);
    const char *msg = cs_errmsg(&rctx);
    mhdr h = {k, r, r == CS_OK ? 8 * rl : strlen(msg)};
    wait_nap(&req[b]); /* this buffer's previous send */
    memcpy(buf[b], &h, sizeof h);
    memcpy(buf[b] + sizeof h, r == CS_OK ? (const void *)rec : msg, h.len);
    MPI_Isend(buf[b], (int)(sizeof h + h.len), MPI_BYTE, 0, TAG_RES, MPI_COMM_WORLD, &req[b]);
    b ^= 1;
  }
  wait_nap(&req[0]);
  wait_nap(&req[1]);
  free(rec);
  free(buf[0]);
  free(buf[1]);
  return rc;
}
