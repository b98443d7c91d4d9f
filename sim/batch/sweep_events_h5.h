/* sweep_events_h5.h: the group /events of a sweep file (each run's event
** log, sweep file field `events`), for sim/batch only. Layout in
** output/README.md, "Each run's event log in a sweep".
**
** Invariants:
** - The group is a function of the rows the runs give, in run order: rows
**   are buffered into blocks of CS_SWEEP_EV_BLOCK (also the chunk length)
**   and each full block is written once, so the calls to HDF5, and the
**   bytes, do not depend on where one run's rows end and the next begin in
**   the stream, nor on which process wrote them.
** - Memory is one block, whatever the number of runs or rows. */
#ifndef CS_SWEEP_EVENTS_H5_H
#define CS_SWEEP_EVENTS_H5_H

#include <hdf5.h>

#include "sweep.h"

#define CS_SWEEP_EV_BLOCK 4096

typedef struct cs_sweep_evh5 cs_sweep_evh5;

/* Create the group /events of file f (written to path; str the file's
** string type) for sw->events. On CS_OK the caller owns *out: every path
** ends with cs_sweep_evh5_end. */
int cs_sweep_evh5_begin(cs_ctx *ctx, const char *path, hid_t f, hid_t str, const cs_sweep *sw, cs_sweep_evh5 **out);
/* Append the rows of run k from ev (ud its ud); *first and *n: where they
** start in the group and how many (event_offset, event_count). */
int cs_sweep_evh5_run(cs_sweep_evh5 *e, uint64_t k, cs_sweep_ev_fn ev, void *ud, uint64_t *first, uint64_t *n);
/* Write what is buffered (if rc is CS_OK) and close everything; returns rc
** or the first error of the closing. Accepts NULL. */
int cs_sweep_evh5_end(cs_sweep_evh5 *e, int rc);

#endif
