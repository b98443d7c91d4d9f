/* engine.c: the clock, the run loop and the handler table.
**
** The run loop and cs_engine_schedule use the queue's pop and push inline
** (evq_int.h): under the hold pattern they are most of the engine's own
** work per event. */
#include "cs_engine.h"
#include "evq_int.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>

typedef struct handler {
  cs_handler fn;
  void *ud;
} handler;

struct cs_engine {
  cs_ctx ctx;
  cs_evq *q;
  double now;
  uint64_t nev;
  volatile sig_atomic_t stop;
  handler h[CS_ENGINE_MAX_KINDS];
};

int cs_engine_new(cs_ctx *ctx, size_t cap_hint, cs_engine **out) {
  cs_engine *e = calloc(1, sizeof *e);
  if (!e) return cs_err(ctx, CS_ENOMEM, "out of memory creating the engine");
  int rc = cs_evq_new(ctx, cap_hint, &e->q);
  if (rc != CS_OK) {
    free(e);
    return rc;
  }
  *out = e;
  return CS_OK;
}

void cs_engine_free(cs_engine *e) {
  if (!e) return;
  cs_evq_free(e->q);
  free(e);
}

int cs_engine_on(cs_engine *e, uint32_t kind, cs_handler fn, void *ud) {
  if (kind >= CS_ENGINE_MAX_KINDS || !fn)
    return cs_err(&e->ctx, CS_EINVAL, "engine: bad handler registration for kind %u", kind);
  e->h[kind].fn = fn;
  e->h[kind].ud = ud;
  return CS_OK;
}

int cs_engine_schedule(cs_engine *e, double t, uint8_t prio, const cs_event *ev, cs_handle *h) {
  if (!isfinite(t) || t < e->now)
    return cs_err(&e->ctx, CS_EINVAL, "engine: event of kind %u scheduled at t=%g before now=%g",
                  ev->kind, t, e->now);
  if (ev->kind >= CS_ENGINE_MAX_KINDS || !e->h[ev->kind].fn)
    return cs_err(&e->ctx, CS_EINVAL, "engine: no handler for event kind %u", ev->kind);
  if (cs_evq__push(e->q, t, prio, ev, h) != CS_OK)
    return cs_err(&e->ctx, CS_ENOMEM, "engine: out of memory growing the event queue");
  return CS_OK;
}

void cs_engine_cancel(cs_engine *e, cs_handle h) { cs_evq_cancel(e->q, h); }

int cs_engine_reschedule(cs_engine *e, cs_handle *h, double t, uint8_t prio, const cs_event *ev) {
  if (!isfinite(t) || t < e->now)
    return cs_err(&e->ctx, CS_EINVAL, "engine: event of kind %u rescheduled at t=%g before now=%g", ev->kind, t,
                  e->now);
  if (ev->kind >= CS_ENGINE_MAX_KINDS || !e->h[ev->kind].fn) /* refuse before losing the old event */
    return cs_err(&e->ctx, CS_EINVAL, "engine: no handler for event kind %u", ev->kind);
  cs_evq_cancel(e->q, *h);
  *h = 0;
  return cs_engine_schedule(e, t, prio, ev, h);
}

double cs_engine_now(const cs_engine *e) { return e->now; }

int cs_engine_run(cs_engine *e, double t_end) {
  cs_event ev;
  while (!e->stop && cs_evq__pop(e->q, t_end, &ev)) {
    e->now = ev.t;
    e->nev++;
    const handler *hd = &e->h[ev.kind];
    int rc = hd->fn(e, &ev, hd->ud);
    if (rc != CS_OK) return rc;
  }
  if (e->stop) return cs_err(&e->ctx, CS_ESTOP, "run stopped at t=%g", e->now);
  if (e->now < t_end) e->now = t_end;
  return CS_OK;
}

void cs_engine_stop(cs_engine *e) { e->stop = 1; }
uint64_t cs_engine_events(const cs_engine *e) { return e->nev; }
cs_ctx *cs_engine_ctx(cs_engine *e) { return &e->ctx; }
