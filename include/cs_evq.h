/* cs_evq.h: the pending-event set: a 4-ary min-heap, with a calendar of
** unsorted buckets behind it once it holds 1024 events or more (sim/engine/evq.c).
**
** Order: events leave in increasing (time, priority class, insertion
** sequence). The sequence number is assigned by the queue at insertion and
** never reused, so the order of simultaneous events is fixed by the order in
** which they were scheduled: never by an address or a heap position.
**
** Storage: the heap and the buckets hold 16-byte entries (time, slot); the
** payload lives in a slot of a pool. Cancellation is lazy: a cancelled slot
** is marked dead and its entry is dropped when it reaches the top of the heap
** or its bucket is moved into the heap (everything is compacted if dead
** entries outnumber live ones). A handle is (generation << 32 | slot),
** so a stale handle to a reused slot is recognised and ignored.
**
** Pop-then-push optimisation ("hold"): cs_evq_pop leaves the popped root as a
** hole that the next push fills with one sift-down instead of a removal plus
** an insertion. Callers see no difference. */
#ifndef CS_EVQ_H
#define CS_EVQ_H

#include "cs_common.h"

/* The payload carried by an event. The engine does not interpret a, b, c, x. */
typedef struct cs_event {
  double t;      /* scheduled time (set by the queue) */
  uint32_t kind; /* handler index */
  int32_t a, b, c;
  double x;
} cs_event;

typedef uint64_t cs_handle; /* 0 is never a valid handle */

typedef struct cs_evq cs_evq;

/* Create an empty queue with room for cap_hint events (it grows). Caller owns. */
int cs_evq_new(cs_ctx *ctx, size_t cap_hint, cs_evq **out);
void cs_evq_free(cs_evq *q);

/* Insert ev at time t with priority class prio (lower first among equal
** times). t must not be NaN. *h (if h != NULL) receives the handle. */
int cs_evq_push(cs_evq *q, double t, uint8_t prio, const cs_event *ev, cs_handle *h);
/* Cancel a pending event; a handle that is stale, 0 or already fired is a
** no-op. Returns 1 if an event was cancelled, 0 otherwise. */
int cs_evq_cancel(cs_evq *q, cs_handle h);
/* Remove the first event into *ev if its time is <= tmax. Returns 1 if an
** event was removed, 0 if the queue is empty or its first event is later. */
int cs_evq_pop(cs_evq *q, double tmax, cs_event *ev);
/* Time of the first live event, or +INFINITY if none. */
double cs_evq_peek_time(cs_evq *q);
/* Number of live (not cancelled) events. */
size_t cs_evq_size(const cs_evq *q);

#endif
