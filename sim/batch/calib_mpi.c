/* calib_mpi.c: a calibration over the ranks of an MPI job (mpirun -n K
** conflictsim calibrate ..., or srun): the cs_calib_exec of calibrate.h for
** MPI. Compiled into cs_cli, and only when CMake finds an MPI (as
** sweep_mpi.c is).
**
** Every rank runs the same calibration state machine. Rank 0 is the leader:
** it keeps the journal and writes the file. For each batch:
** - rank 0 hands out the batch's missing run numbers one at a time
**   (TAG_CRUN), computes runs itself between two looks at its mailbox, and
**   journals every result (its own and the TAG_CRES replies: an mhdr {run,
**   status, len}, then the record or the error message); after the last
**   reply it ends the batch on every worker (TAG_CEND);
** - then rank 0 broadcasts its result code and, when it is CS_OK, the
**   batch's results in run order (read back from the journal), so every
**   rank feeds its machine the same numbers and asks for the same next batch.
** The results are the journal's, so the file is the same bytes as with
** -j 1. After a failed run rank 0 hands out nothing more, collects what is
** out, and broadcasts the failure; every rank then stops with it. */
#ifdef CS_HAVE_MPI
#define _GNU_SOURCE /* nanosleep */
#include "calib_mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sweep_journal.h"

enum { TAG_CRUN = 21, TAG_CEND = 22, TAG_CRES = 23 };

typedef struct mhdr {
  uint64_t run;
  int64_t status;
  uint64_t len;
} mhdr;

static void nap(void) {
  struct timespec ts = {0, 150000};
  nanosleep(&ts, NULL);
}

static int leader_run(cs_ctx *ctx, const uint64_t *todo, uint64_t n, size_t rec_bytes, cs_pool_run_fn run,
                      cs_pool_done_fn done, void *job_ud) {
  int size = 1, rc = CS_OK;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t cap = sizeof(mhdr) + (rec_bytes > CS_ERRMSG_MAX ? rec_bytes : CS_ERRMSG_MAX);
  unsigned char *msg = malloc(cap), *rec = malloc(rec_bytes + 1);
  int *busy = calloc((size_t)size, sizeof *busy);
  if (!msg || !rec || !busy) {
    free(msg), free(rec), free(busy);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  uint64_t next = 0;
  int outstanding = 0;
  for (int w = 1; w < size && next < n; w++) {
    MPI_Send((void *)&todo[next++], 1, MPI_UINT64_T, w, TAG_CRUN, MPI_COMM_WORLD);
    busy[w] = 1;
    outstanding++;
  }
  while (outstanding || (rc == CS_OK && next < n && !cs_sweep_stop)) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_CRES, MPI_COMM_WORLD, &flag, &st);
    if (flag) {
      int len = 0;
      MPI_Get_count(&st, MPI_BYTE, &len);
      MPI_Recv(msg, (int)cap, MPI_BYTE, st.MPI_SOURCE, TAG_CRES, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      outstanding--;
      busy[st.MPI_SOURCE] = 0;
      mhdr h;
      memcpy(&h, msg, sizeof h);
      if (h.status != CS_OK) {
        if (rc == CS_OK) {
          size_t ml = h.len < CS_ERRMSG_MAX ? (size_t)h.len : CS_ERRMSG_MAX - 1;
          char m[CS_ERRMSG_MAX];
          memcpy(m, msg + sizeof h, ml);
          m[ml] = '\0';
          rc = cs_err(ctx, (int)h.status, "run %llu (MPI rank %d): %s", (unsigned long long)h.run, st.MPI_SOURCE, m);
        }
      } else if (rc == CS_OK && (size_t)len == sizeof h + rec_bytes) {
        rc = done(ctx, job_ud, h.run, msg + sizeof h);
      } else if (rc == CS_OK)
        rc = cs_err(ctx, CS_EIO, "run %llu: a short record from MPI rank %d", (unsigned long long)h.run,
                    st.MPI_SOURCE);
      if (rc == CS_OK && next < n && !cs_sweep_stop) {
        MPI_Send((void *)&todo[next++], 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_CRUN, MPI_COMM_WORLD);
        busy[st.MPI_SOURCE] = 1;
        outstanding++;
      }
      continue;
    }
    if (rc == CS_OK && next < n && !cs_sweep_stop) { /* rank 0 computes too */
      uint64_t k = todo[next++];
      cs_ctx rctx = {{0}};
      int r = run(&rctx, job_ud, k, rec);
      if (r != CS_OK) rc = cs_err(ctx, r, "run %llu: %s", (unsigned long long)k, cs_errmsg(&rctx));
      else rc = done(ctx, job_ud, k, rec);
      continue;
    }
    nap();
  }
  uint64_t none = 0;
  for (int w = 1; w < size; w++) MPI_Send(&none, 1, MPI_UINT64_T, w, TAG_CEND, MPI_COMM_WORLD);
  if (rc == CS_OK && cs_sweep_stop) rc = cs_err(ctx, CS_ESTOP, "interrupted");
  free(msg), free(rec), free(busy);
  return rc;
}

static int worker_run(cs_ctx *ctx, size_t rec_bytes, cs_pool_run_fn run, void *job_ud) {
  size_t cap = sizeof(mhdr) + (rec_bytes > CS_ERRMSG_MAX ? rec_bytes : CS_ERRMSG_MAX);
  unsigned char *msg = malloc(cap);
  if (!msg) return cs_err(ctx, CS_ENOMEM, "out of memory");
  for (;;) {
    int flag = 0;
    MPI_Status st;
    while (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) == MPI_SUCCESS && !flag) nap();
    uint64_t k;
    MPI_Recv(&k, 1, MPI_UINT64_T, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (st.MPI_TAG == TAG_CEND) break;
    cs_ctx rctx = {{0}};
    int r = run(&rctx, job_ud, k, msg + sizeof(mhdr));
    mhdr h = {k, r, r == CS_OK ? rec_bytes : strlen(cs_errmsg(&rctx))};
    if (r != CS_OK) memcpy(msg + sizeof h, cs_errmsg(&rctx), (size_t)h.len);
    memcpy(msg, &h, sizeof h);
    MPI_Send(msg, (int)(sizeof h + h.len), MPI_BYTE, 0, TAG_CRES, MPI_COMM_WORLD);
  }
  free(msg);
  return CS_OK;
}

static int mpi_run(cs_ctx *ctx, void *ud, const uint64_t *todo, uint64_t n, size_t rec_bytes, cs_pool_run_fn run,
                   cs_pool_done_fn done, void *job_ud) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank == 0 ? leader_run(ctx, todo, n, rec_bytes, run, done, job_ud)
                   : worker_run(ctx, rec_bytes, run, job_ud);
}

static int mpi_share(cs_ctx *ctx, void *ud, int rc, double *out, size_t n) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int64_t code = rc;
  char m[CS_ERRMSG_MAX];
  snprintf(m, sizeof m, "%s", rank == 0 ? cs_errmsg(ctx) : "");
  MPI_Bcast(&code, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  if (code != CS_OK) {
    MPI_Bcast(m, (int)sizeof m, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank != 0) cs_err(ctx, (int)code, "%s", m);
    return (int)code;
  }
  /* in slices: an MPI count is an int */
  for (size_t off = 0; off < n; off += (size_t)1 << 26) {
    size_t k = n - off < (size_t)1 << 26 ? n - off : (size_t)1 << 26;
    MPI_Bcast(out + off, (int)k, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  }
  return CS_OK;
}

static int mpi_all(void *ud, int ok) {
  int in = ok != 0, res = 0;
  MPI_Allreduce(&in, &res, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return res;
}

void cs_calib_mpi_exec(cs_calib_exec *ex) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  memset(ex, 0, sizeof *ex);
  ex->leader = rank == 0;
  ex->run = mpi_run;
  ex->share = mpi_share;
  ex->all = mpi_all;
}
#endif
