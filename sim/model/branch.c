/* branch.c: many futures from one past. Owns the keys of the model's
** streams (cs__stream) and the branch event.
**
** A run asked to branch at day D with id b (cs_world_set_branch) schedules
** one EV_BRANCH event at D in the last priority class (PRIO_BRANCH), so it
** runs after every other event at t <= D, including the sample and the
** scripted timers at D. Up to then the run is the plain run, draw for draw.
** The event then
**   1. sets `branched`, so that cs__stream derives every stream from
**      (seed, replicate, entity kind, entity id, purpose, b);
**   2. re-derives every stream of the model, in the order of run start
**      (a stream's derivation draws nothing, so the order only documents);
**      units created later get branch-keyed streams when they appear;
**   3. asks the hooks' owner to re-key its own streams (the script's
**      math.random, script_sim.c);
**   4. redraws the pending clock of every point process from the new streams
**      (cs_notify_rekeyed, notify.c: the one owner of redraws).
** Nothing in the state changes, so after the event the future depends only
** on (the state at D, b): two runs with the same inputs and the same b are
** identical, and two with different b share everything at t <= D.
**
** Invariant: branched == 0 until the event runs, and every cs__stream call
** before it gives exactly cs_stream_init's stream (a run without a branch
** is byte-identical to a run of a build without this file). */
#include "model_int.h"

#include <math.h>

void cs__stream(const cs_world *w, cs_pcg32 *r, uint32_t kind, uint64_t id, uint32_t purpose) {
  if (w->branched) cs_stream_init_branch(r, w->seed, w->replicate, kind, id, purpose, w->branch_id);
  else cs_stream_init(r, w->seed, w->replicate, kind, id, purpose);
}

int cs_world_set_branch(cs_world *w, double day, uint64_t branch) {
  if (!w->finalized) return cs_err(&w->ctx, CS_EINVAL, "the world must be finalized before it is branched");
  if (w->ran) return cs_err(&w->ctx, CS_EINVAL, "a branch must be set before the run");
  if (!(day >= 0) || !(day < w->days))
    return cs_err(&w->ctx, CS_EINVAL, "the branch day must be in [0, %g) (the scenario's days), got %g", w->days, day);
  w->branch_at = day;
  w->branch_id = branch;
  return CS_OK;
}

int cs_world_branch(const cs_world *w, double *day, uint64_t *branch) {
  if (isnan(w->branch_at)) return 0;
  if (day) *day = w->branch_at;
  if (branch) *branch = w->branch_id;
  return 1;
}

int cs_branch_start(cs_world *w) {
  if (isnan(w->branch_at)) return CS_OK;
  cs_event ev = {.kind = EV_BRANCH};
  int rc = cs_engine_schedule(w->eng, w->branch_at, PRIO_BRANCH, &ev, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_branch_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  (void)e;
  (void)ev;
  cs_world *w = ud;
  w->branched = 1;
  cs_engagement_start(w); /* (node, PU_ENGAGE): the function derives streams only */
  cs_security_streams(w);
  cs_displaced_streams(w);
  cs_observe_streams(w);
  cs_bargain_streams(w);
  cs_retaliate_streams(w);
  cs_attack_streams(w);
  cs_recruit_streams(w);
  cs_response_start(w); /* (node, PU_RESPONSE): streams only */
  cs_dispatch_streams(w);
  cs_flight_streams(w);
  cs_brigade_streams(w);
  cs_raid_streams(w);
  if (w->hooks.branch) {
    int rc = w->hooks.branch(w->hooks.ud, w, w->seed, w->replicate, w->branch_id);
    if (rc != CS_OK) return rc;
  }
  return cs_notify_rekeyed(w);
}
