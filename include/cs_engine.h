/* cs_engine.h: the discrete-event engine: a clock, the event queue and a
** table of handlers indexed by event kind (like ROSS's tw_lptype). The engine
** knows nothing of the model: no gangs, no Lua, no HDF5.
**
** The clock never goes backwards: scheduling before now is an error. Handlers
** may schedule and cancel freely. A handler returning non-zero stops the run
** and cs_engine_run returns that code. */
#ifndef CS_ENGINE_H
#define CS_ENGINE_H

#include "cs_evq.h"

typedef struct cs_engine cs_engine;

/* A handler: called with the event being processed. Returns CS_OK to go on. */
typedef int (*cs_handler)(cs_engine *e, const cs_event *ev, void *ud);

#define CS_ENGINE_MAX_KINDS 64

int cs_engine_new(cs_ctx *ctx, size_t cap_hint, cs_engine **out);
void cs_engine_free(cs_engine *e);

/* Register fn for events of the given kind (< CS_ENGINE_MAX_KINDS). */
int cs_engine_on(cs_engine *e, uint32_t kind, cs_handler fn, void *ud);
/* Schedule ev (its kind must have a handler) at absolute time t >= now. */
int cs_engine_schedule(cs_engine *e, double t, uint8_t prio, const cs_event *ev, cs_handle *h);
/* Cancel by handle; stale handles are ignored. */
void cs_engine_cancel(cs_engine *e, cs_handle h);
/* Move a pending event: cancel *h (if still pending) and schedule ev at t,
** writing the new handle to *h. The rescheduled event is ordered as a new
** insertion (it gets a new sequence number). */
int cs_engine_reschedule(cs_engine *e, cs_handle *h, double t, uint8_t prio, const cs_event *ev);
double cs_engine_now(const cs_engine *e);
/* Process events in order while their time is <= t_end; afterwards now is
** t_end (or the time of the event that stopped the run). Returns CS_OK, the
** first non-zero handler result, or CS_ESTOP if cs_engine_stop was called. */
int cs_engine_run(cs_engine *e, double t_end);
/* Ask the run loop to return CS_ESTOP after the current event (async-signal
** safe: it only sets a volatile flag). */
void cs_engine_stop(cs_engine *e);
uint64_t cs_engine_events(const cs_engine *e);
/* The context errors are reported into (borrowed, lives as long as e). */
cs_ctx *cs_engine_ctx(cs_engine *e);

#endif
