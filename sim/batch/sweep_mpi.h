/* sweep_mpi.h: a sweep spread over the ranks of an MPI job (`mpirun -n K
** conflictsim sweep ...` or `srun`), for sim/ only. sweep_mpi.c is compiled,
** and MPI linked into the conflictsim executable (never into the core
** library), only when CMake finds an MPI; the build then defines
** CS_HAVE_MPI. Without it none of this exists and cli_sweep.c refuses to run
** under a launcher that started more than one process.
**
** Every rank loads the sweep (so every rank can compute any run); rank 0
** owns the journal and the output exactly as the fork driver's parent does,
** ranks 1..K-1 only compute. MPI_Init is called only when the environment
** shows an MPI launcher, so a plain run never touches MPI. */
#ifndef CS_SWEEP_MPI_H
#define CS_SWEEP_MPI_H

#ifdef CS_HAVE_MPI
#include "sweep_journal.h"

/* MPI_Init; *rank and *size of MPI_COMM_WORLD. CS_EIO if MPI cannot start. */
int cs_mpi_init(cs_ctx *ctx, int *rank, int *size);
/* Collective: 1 if ok is non-zero on every rank. */
int cs_mpi_all(int ok);
/* Collective: rank 0's v on every rank. */
int cs_mpi_bcast(int v);
/* At the end. Rank 0: if release, tell the workers (which are in
** cs_sweep_mpi_worker) to stop; then MPI_Finalize, or, if abort_code is
** non-zero, MPI_Abort the whole job with that status (after a signal: the
** workers may be busy or already dead). Other ranks: MPI_Finalize. */
void cs_mpi_finish(int abort_code, int release);
/* The MPI library's version line (MPI_Get_library_version, first line). */
const char *cs_mpi_library(void);

/* Rank 0: run the runs of the shard missing from the journal on the ranks
** with dynamic load balancing, appending each result to j as it arrives.
** With keep_failures, a run that fails by its own fault (cs_sweep_run_fault)
** is journalled as a failure and the others go on. On any other error or a
** signal it stops handing out runs; on an error it still collects (and
** journals) the runs already handed out, so *outstanding is 0 unless it
** returns CS_ESTOP. Progress line on stderr when show. */
int cs_sweep_mpi_master(cs_ctx *ctx, const cs_sweep *sw, cs_journal *j, int show, int keep_failures,
                        int *outstanding);
/* Ranks > 0: compute the runs rank 0 sends until it says stop. Returns
** CS_OK, or CS_ENOMEM; a failed run is reported to rank 0, not here. */
int cs_sweep_mpi_worker(cs_ctx *ctx, const cs_sweep *sw);
#endif

#endif
