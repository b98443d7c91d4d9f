/* calib_mpi.h: a calibration spread over the ranks of an MPI job, for sim/
** only. calib_mpi.c is compiled, and MPI linked, only when CMake finds an
** MPI (CS_HAVE_MPI), like sweep_mpi.c; MPI must be initialised first
** (cs_mpi_init, sweep_mpi.h). */
#ifndef CS_CALIB_MPI_H
#define CS_CALIB_MPI_H

#ifdef CS_HAVE_MPI
#include "calibrate.h"

/* Fill ex for this rank: rank 0 leads (journal, file), the others compute. */
void cs_calib_mpi_exec(cs_calib_exec *ex);
#endif

#endif
