/* run.c: one run of the model on the engine. Creates the engine, registers
** each process's handler, derives every stream from (seed, replicate),
** starts the processes, and runs to the horizon.
**
** Order among events at the same time (priority classes, then the order of
** scheduling): arrivals, model processes, script timers, samples. So a
** sample at t sees everything that happened at t, including a scripted
** intervention due at t. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

static int on_timer(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  return w->hooks.timer ? w->hooks.timer(w->hooks.ud, w, ev->a) : CS_OK;
}

int cs_world_timer(cs_world *w, double t, int id) {
  if (!isfinite(t) || t < cs__now(w))
    return cs_err(&w->ctx, CS_EINVAL, "a timer must be set at a finite time not before now (%g), got %g", cs__now(w), t);
  if (w->running) {
    cs_event ev = {.kind = EV_TIMER, .a = id};
    int rc = cs_engine_schedule(w->eng, t, PRIO_SCRIPT, &ev, NULL);
    return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
  }
  int c1 = w->cap_pending, c2 = w->cap_pending;
  if (cs__grow((void **)&w->pending_t, &c1, w->n_pending + 1, sizeof(double)) ||
      cs__grow((void **)&w->pending_id, &c2, w->n_pending + 1, sizeof(int)))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  w->cap_pending = c1;
  w->pending_t[w->n_pending] = t;
  w->pending_id[w->n_pending++] = id;
  return CS_OK;
}

/* Each process allocates its run state (cs_X_alloc) before any starts, so
** that no process sees another's arrays missing; cs__run_free releases them
** in reverse order (world.c calls it from cs_world_free). */
static int alloc_run_state(cs_world *w) {
  int rc = cs_engagement_alloc(w);
  if (rc == CS_OK) rc = cs_attack_alloc(w);
  if (rc == CS_OK) rc = cs_flight_alloc(w);
  if (rc == CS_OK) rc = cs_exposure_alloc(w);
  if (rc == CS_OK) rc = cs_recruit_alloc(w);
  if (rc == CS_OK) rc = cs_raid_alloc(w);
  if (rc == CS_OK) rc = cs_response_alloc(w);
  if (rc == CS_OK) rc = cs_brigade_alloc(w);
  if (rc == CS_OK) rc = cs_control_alloc(w); /* "whole" (version 1): nothing */
  return rc;
}

void cs__run_free(cs_world *w) {
  cs_control_free(w);
  cs_brigade_free(w);
  cs_dispatch_free(w);
  cs_sample_free(w);
  cs_retaliate_free(w);
  cs_observe_free(w);
  cs_displaced_free(w);
  cs_security_free(w);
  cs_response_free(w);
  cs_raid_free(w);
  cs_recruit_free(w);
  cs_exposure_free(w);
  cs_flight_free(w);
  cs_attack_free(w);
  cs_engagement_free(w);
  cs_engine_free(w->eng);
  w->eng = NULL;
}

static int start(cs_world *w) {
  static const struct { int kind; cs_handler fn; } H[] = {
    {EV_ATTACK, cs_attack_on_event},       {EV_FLIGHT, cs_flight_on_event},
    {EV_PEOPLE_ARRIVE, cs_flight_on_arrive}, {EV_UNIT_ARRIVE, cs_security_on_arrive},
    {EV_TIMER, on_timer},                  {EV_SAMPLE, cs_sample_on_event},
    {EV_COHESION, cs_coalition_on_event},  {EV_RETALIATE, cs_retaliate_on_event},
    {EV_ENGAGE_END, cs_engagement_on_end},  {EV_PATROL, cs_arrest_on_patrol},
    {EV_RELEASE, cs_arrest_on_release},    {EV_DESERT, cs_security_on_desert},
    {EV_RECRUIT, cs_recruit_on_event},     {EV_DISPATCH, cs_response_on_dispatch},
    {EV_MOVE_ON, cs_displaced_on_move},    {EV_RETURN, cs_displaced_on_return},
    {EV_COALITION_FORM, cs_bargain_on_form},
    {EV_LYNCH, cs_brigade_on_event},
    {EV_TEAM_DEPART, cs_dispatch_on_depart}, {EV_TEAM_FREE, cs_dispatch_on_free},
    {EV_CALL_LAPSE, cs_dispatch_on_lapse},   {EV_BRANCH, cs_branch_on_event},
    {EV_HOLD_LAPSE, cs_control_on_lapse},  {EV_RAID, cs_raid_on_event},
    {EV_SPOILS, cs_spoils_on_event},
  };
  int rc = cs_engine_new(&w->ctx, 1024, &w->eng);
  if (rc != CS_OK) return rc;
  for (size_t i = 0; i < sizeof H / sizeof H[0]; i++)
    if ((rc = cs_engine_on(w->eng, (uint32_t)H[i].kind, H[i].fn, w)) != CS_OK) return rc;
  if ((rc = alloc_run_state(w)) != CS_OK) return rc;
  cs_engagement_start(w);
  if ((rc = cs_reach_recompute_all(w)) != CS_OK) return rc; /* reach "territory": from the owners at the start */
  cs__conflict_refresh(w); /* I_conflict may have been set after the nodes */
  if ((rc = cs_security_start(w)) != CS_OK) return rc;
  if ((rc = cs_displaced_start(w)) != CS_OK) return rc;
  if ((rc = cs_observe_start(w)) != CS_OK) return rc;
  cs_event s0 = {.kind = EV_SAMPLE, .a = 0};
  if ((rc = cs_engine_schedule(w->eng, 0.0, PRIO_SAMPLE, &s0, NULL)) != CS_OK) return rc;
  w->running = 1;
  for (int i = 0; i < w->n_pending; i++)
    if ((rc = cs_world_timer(w, w->pending_t[i], w->pending_id[i])) != CS_OK) return rc;
  if ((rc = cs_coalition_start(w)) != CS_OK) return rc;
  if ((rc = cs_retaliate_start(w)) != CS_OK) return rc;
  if ((rc = cs_spoils_start(w)) != CS_OK) return rc; /* M_g before the attack clocks read it */
  if ((rc = cs_attack_start(w)) != CS_OK) return rc;
  if ((rc = cs_recruit_start(w)) != CS_OK) return rc;
  cs_response_start(w);
  if ((rc = cs_dispatch_start(w)) != CS_OK) return rc;
  if ((rc = cs_flight_start(w)) != CS_OK) return rc;
  if ((rc = cs_brigade_start(w)) != CS_OK) return rc; /* "fixed" (version 1): schedules nothing */
  if ((rc = cs_control_start(w)) != CS_OK) return rc;  /* presence and lapses (shares, presence_half > 0) */
  if ((rc = cs_raid_start(w)) != CS_OK) return rc;     /* raid_rate 0 (the default): schedules nothing */
  return cs_branch_start(w); /* nothing without cs_world_set_branch */
}

int cs_world_run(cs_world *w, uint64_t seed, uint64_t replicate, const cs_sink *sink) {
  if (!w->finalized) return cs_err(&w->ctx, CS_EINVAL, "the world must be finalized before it runs");
  if (w->ran) return cs_err(&w->ctx, CS_EINVAL, "a world runs once; build a new one for another run");
  w->ran = 1;
  w->seed = seed;
  w->replicate = replicate;
  w->sink = sink;
  int rc = CS_OK;
  if (sink && sink->begin && (rc = sink->begin(sink->ud, w)) != CS_OK) {
    if (sink->end) sink->end(sink->ud, rc);
    return rc;
  }
  rc = start(w);
  if (rc == CS_OK && w->stop_asked) cs_engine_stop(w->eng); /* asked while starting */
  if (rc == CS_OK) rc = cs_engine_run(w->eng, w->days);
  if (rc != CS_OK && w->stop_asked) rc = CS_ESTOP; /* a callback the stop interrupted fails as stopped */
  if (rc == CS_ESTOP) cs_err(&w->ctx, rc, "the run was stopped at day %g", cs__now(w));
  w->running = 0;
  if (sink && sink->end) {
    int rc2 = sink->end(sink->ud, rc);
    if (rc == CS_OK) rc = rc2;
  }
  return rc;
}

int cs_world_stop_asked(const cs_world *w) { return w->stop_asked != 0; }

void cs_world_stop(cs_world *w) {
  w->stop_asked = 1; /* a stop before the engine exists (the sink's begin) is not lost */
  if (w->eng) cs_engine_stop(w->eng);
}

uint64_t cs_world_events_processed(const cs_world *w) { return w->eng ? cs_engine_events(w->eng) : 0; }
