/* notify.c: one owner for rate redraws.
**
** Every process draws its next event from a rate, or from a bound on its
** rate (thinning), computed from shared state. When a process changes state
** another process reads, the other's clock must be redrawn, or it keeps
** firing at a stale rate (too slow, or above its bound, which thinning cannot
** correct). This file is the whole of that contract: processes report what
** they changed by calling one cs_notify_ function, and only this file reaches
** into another process's clock. A process may still redraw its own clock
** after its own event fires.
**
**   this change                         -> these clocks, in this order
**   ----------------------------------  ------------------------------------
**   (A node changes hands during a run in an engagement, or when a STATE
**   hold erodes below the majority without police presence (control.c);
**   owners declared before the run need no redraw.)
**   engagement at j over, the node      attack: if the node changed hands,
**     passed from -> to (from == to if    every gang at j and from's and to's
**     it held), attacker ag, holder og    pairs at j's neighbours (frontier
**     cs_notify_engagement_over           and targets moved); all of ag's /
**                                         og's pairs if that gang's members
**                                         reached zero
**                                       flight at j (intensity rose, and
**                                         the takeover pulse), once
**                                       flight at the other nodes the
**                                         engagement's exposure reached
**                                         (flight_model "exposure": their
**                                         felt violence and exposed rose;
**                                         exposure.c, in its visit order)
**                                       recruitment at j (owner may differ)
**                                       moves out of j (now in conflict)
**                                       brigades: grown at j and at its
**                                         neighbours if a gang attacked a
**                                         node no gang held, disbanded
**                                         at j if a gang took it; then the
**                                         lynching clocks at j and at its
**                                         neighbours (if anything moved)
**                                       raids at j and at its neighbours,
**                                         if the node changed hands (who
**                                         is gang-held on the STATE's
**                                         frontier may have changed)
**   the STATE's hold on j lapsed (its    attack: every gang at j (the
**     share eroded to control_majority;   target's weight follows its owner;
**     the node is CONTESTED now;          no gang's frontier moved)
**     control.c)                        flight at j, recruitment at j, moves
**     cs_notify_hold_lapsed               out of j, the brigade and lynching
**                                         clock at j (each reads the owner);
**                                         raids at j and at its neighbours
**                                         (j is no longer the STATE's)
**   gang g's members reached or left    attack: all of g's pairs (a gang
**     zero  cs_notify_members             without members has rate 0)
**   gang g's M_g changed (spoils_by     attack: all of g's pairs (M_g
**     "choice", spoils.c's update)        divides their bounds)
**     cs_notify_spoils
**   residents of j rose (returns)       flight at j, recruitment at j,
**     cs_notify_residents_rose            lynching at j (all three bounds
**                                         grow with residents); not the
**                                         attacks: what j still has to take
**                                         (spoils.c) is read at each firing
**                                         under a bound without it
**   displaced hosted at k rose          destination factors of k, moves
**     cs_notify_hosted_rose               out of k (more people to move:
**                                         raised, cs__raise, not redrawn;
**                                         displaced.c)
**   room at k changed: hosted fell, or  destination factors of k (read at
**     capacity set  cs_notify_room        each choice; no clock)
**   cohesion of coalition c stepped,    attack: all pairs of c's members
**     or set, or c formed or dissolved    (targeting weights move with chi
**     by a script (coalition.c,           and with whether c is formed)
**     cs_world_coalition_set)
**     cs_notify_cohesion
**   a bargain formed (its formation     attack: all pairs of c's members
**     event) or split (at an update),     (chi = 1 - bargain_partner_weight
**     or a script's set (bargain.c)       or 0: partner and state weights)
**     cs_notify_cohesion
**   road a-b closed or opened (ends    attack: every gang at a, then every
**     in road declaration order)          gang at b (the frontier moved at
**     cs_notify_road                      both ends; roads.c has already
**                                         rebuilt the adjacency, own_cnt,
**                                         gang distances and destinations);
**                                       lynching at a, then at b (their
**                                         neighbours changed); raids at a,
**                                         then at b
**   officers of unit u rose (a police    desertion of u (its bound is the
**     team formed, or its officers        officers at its last draw)
**     went back to their units;
**     dispatch.c)
**     cs_notify_officers_rose
**   reserve officers may have risen (a  the dispatch queue: waiting calls the
**     unit arrived at a node, a force     pool can now take are served
**     was added; security.c)              (dispatch.c; no clock, a no-op
**     cs_notify_reserve                   with no call waiting)
**   every stream re-keyed (the branch   every clock that waits an exponential
**     event, branch.c; no state           time, drawn anew from its process's
**     changed)  cs_notify_rekeyed         new stream (memorylessness makes
**                                         this exact), in this order: bargain
**                                         formation thresholds of pacts not
**                                         formed; retaliation candidates of
**                                         urges not idle; every attack pair's
**                                         internal firing time (pair order);
**                                         recruitment, flight, moves, returns
**                                         (node order each); patrols and
**                                         desertion (unit order each);
**                                         lynching (node order); raids
**                                         (node order). Not redrawn:
**                                         durations already drawn (travel,
**                                         dispatch and recall delays, jail
**                                         terms, engagement ends, a call's
**                                         patience, a team's service): they
**                                         are part of the state at the branch
**   a model parameter changed           the chi of formed bargains, if
**     cs_notify_param                     bargain_partner_weight changed
**                                         (cs_bargain_param, bargain.c);
**                                       then everything: conflict thresholds,
**                                         flight distances, attack, flight,
**                                         recruitment, patrols (restarted if
**                                         stopped; redrawn if patrol_rate
**                                         changed), desertion, moves,
**                                         returns; retaliation if tau_r
**                                         changed (each urge decays under
**                                         the old tau_r up to now);
**                                         brigades (switched on: every one
**                                         at brigade_m0; brigade_tau: each
**                                         decays under the old value up to
**                                         now) and every lynching clock.
**                                         A string parameter notifies only
**                                         for brigade_model (params.c);
**                                         the dispatch queue (team_size may
**                                         have fallen); raids (raid_rate)
**
** What needs no redraw, and why (the bound still holds):
** - residents of j fell (flight, recruitment, casualties): the flight and
**   recruitment bounds are proportional to residents;
** - hosted at k fell: the moves bound is proportional to the people hosted;
** - officers fell (casualties, desertion): desertion's bound is the count at
**   its last draw;
** - fighting strengths changed: they move the attack's acceptance p^eta,
**   which thinning reads at each firing, not the attack bound (a brigade's
**   size too: it is a defence, read when an attack fires).
** - a brigade's mobilisation decays, residents fell, a gang's members
**   reached or left zero: the lynching bound is at the mobilisation and
**   residents of its last draw and counts every gang-held neighbour, with
**   members or without.
** - a bargain's formation clock (bargain.c) runs at the hazard taken at
**   the last coalition update and is re-rated only at updates (every
**   cohesion_dt days), by design, as v1 cohesion: officers, members, freed
**   prisoners and announcements that move the threat ratio need no call,
**   and a script's change of bargain_rate or bargain_ratio also takes
**   effect at the next update (at most cohesion_dt days later), not at once.
** - anything a return's rate reads (owner of j, t_takeover of j, the end
**   of a stability wait at t_takeover + tau_stable under return_rule
**   stable, the ledger's counts of j's cohorts; cohorts.c): returns are
**   thinned against r0 (residents0_j + people declared displaced from j) /
**   move_group, a bound that depends on no state, so an upward jump of the
**   rate is never missed and needs neither a redraw nor a wake-up event.
** - people declared displaced placed at run start (cohorts.c): the moves
**   where they stay are started there, by displaced.c's own start, before
**   flight's start computes the destination factors.
** - seats to the provinces taken or a new day begun (flight.c,
**   provinces_seats): read at each destination choice; no clock.
** - control shares moved in an engagement without a change of owner
**   (control.c, control_model "shares"): no rate reads a share, only the
**   derived owner, whose changes come through cs_notify_engagement_over.
** - media reach of j set by a script (cs_world_set_media): no clock reads
**   it; the observation model reads it at each logged event.
** - road distances changed (a road closed or opened): they move a gang's
**   committed fighters (p, read at each attack firing), destination
**   choices, routes of units sent from now on and the retaliation and patrol
**   targets, all read when they are used; no rate or bound depends on a
**   distance or on a neighbour other than through own_cnt.
**
** The order of the calls is fixed here, not registered at run time: the
** engine breaks ties between equal times by the order of scheduling, so the
** output's bytes depend on it (Redis's signalModifiedKey and Gillespie's
** dependency graph play the same role; see sim/README.md, "Source map"). */
#include "model_int.h"

#include <assert.h>
#include <math.h>

int cs__redraw_at(cs_world *w, cs_handle *h, double *bound, double b, double floor, cs_pcg32 *r,
                  const cs_event *ev, double *at) {
  assert(!isnan(b) && "a rate is a number");
  if (*h) cs_engine_cancel(w->eng, *h);
  *h = 0;
  if (at) *at = INFINITY;
  if (bound) *bound = b;
  if (b <= floor) return CS_OK;
  double when = cs__now(w) + cs_rng_exp(r, b);
  if (!isfinite(when)) return CS_OK; /* so slow it never fires in this run */
  int rc = cs_engine_schedule(w->eng, when, PRIO_PROCESS, ev, h);
  if (rc != CS_OK) return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
  if (at) *at = when;
  return CS_OK;
}

int cs__redraw(cs_world *w, cs_handle *h, double *bound, double b, double floor, cs_pcg32 *r,
               const cs_event *ev) {
  return cs__redraw_at(w, h, bound, b, floor, r, ev, NULL);
}

int cs__raise(cs_world *w, cs_handle *h, double *bound, double b, cs_pcg32 *r, const cs_event *ev, double *when) {
  assert(*h && b > *bound && "raise a pending clock, upwards");
  double x = cs__now(w) + cs_rng_exp(r, b - *bound);
  *bound = b;
  if (!(x < *when)) return CS_OK; /* the pending candidate comes first: it stands */
  int rc = cs_engine_reschedule(w->eng, h, x, PRIO_PROCESS, ev);
  if (rc != CS_OK) return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
  *when = x;
  return CS_OK;
}

/* The attack pairs an owner change touches: every gang's at j, and the old
** and new owners' at j's neighbours. */
static int owner_attack(cs_world *w, int j, int from, int to) {
  int rc = cs_attack_update_node(w, j);
  for (int k = w->adj_start[j]; rc == CS_OK && k < w->adj_start[j + 1]; k++) {
    int nb = w->adj_node[k];
    if (CS_PARTY_IS_GANG(from)) rc = cs_attack_update_pair(w, CS_PARTY_GANG_INDEX(from), nb);
    if (rc == CS_OK && CS_PARTY_IS_GANG(to)) rc = cs_attack_update_pair(w, CS_PARTY_GANG_INDEX(to), nb);
  }
  return rc;
}

int cs_notify_members(cs_world *w, int g) { return cs_attack_update_gang(w, g); }

int cs_notify_spoils(cs_world *w, int g) { return cs_attack_update_gang(w, g); }

int cs_notify_engagement_over(cs_world *w, int j, int from, int to, int ag, int og) {
  int rc = from != to ? owner_attack(w, j, from, to) : CS_OK;
  if (rc == CS_OK && from != to) rc = cs_control_owner_changed(w, j);
  if (rc == CS_OK && ag >= 0 && w->gangs[ag].members == 0) rc = cs_notify_members(w, ag);
  if (rc == CS_OK && og >= 0 && w->gangs[og].members == 0) rc = cs_notify_members(w, og);
  if (rc == CS_OK) rc = cs_flight_update_node(w, j);
  const int *hit;
  int n_hit = cs_exposure_reached(w, &hit); /* 0 with flight_model "intensity" */
  for (int i = 0; rc == CS_OK && i < n_hit; i++)
    if (hit[i] != j) rc = cs_flight_update_node(w, hit[i]);
  if (rc == CS_OK) rc = cs_recruit_update_node(w, j);
  if (rc == CS_OK) rc = cs_displaced_update_moves(w, j);
  if (rc == CS_OK) rc = cs_brigade_engagement(w, j, from, to, ag);
  if (rc == CS_OK && from != to) rc = cs_raid_update_around(w, j);
  return rc;
}

int cs_notify_hold_lapsed(cs_world *w, int j, int from, int to) {
  int rc = owner_attack(w, j, from, to);
  if (rc == CS_OK) rc = cs_control_owner_changed(w, j);
  if (rc == CS_OK) rc = cs_flight_update_node(w, j);
  if (rc == CS_OK) rc = cs_recruit_update_node(w, j);
  if (rc == CS_OK) rc = cs_displaced_update_moves(w, j);
  if (rc == CS_OK) rc = cs_brigade_update_node(w, j);
  return rc == CS_OK ? cs_raid_update_around(w, j) : rc;
}

int cs_notify_residents_rose(cs_world *w, int j) {
  int rc = cs_flight_update_node(w, j);
  if (rc == CS_OK) rc = cs_recruit_update_node(w, j);
  return rc == CS_OK ? cs_brigade_update_node(w, j) : rc;
}

void cs_notify_room(cs_world *w, int k) { cs_flight_refresh(w, k); }

int cs_notify_hosted_rose(cs_world *w, int k) {
  cs_notify_room(w, k);
  return cs_displaced_moves_rose(w, k);
}

int cs_notify_cohesion(cs_world *w, int c) {
  for (int g = 0; g < w->n_gangs; g++)
    if (w->gangs[g].coalition == c) {
      int rc = cs_attack_update_gang(w, g);
      if (rc != CS_OK) return rc;
    }
  return CS_OK;
}

int cs_notify_road(cs_world *w, int a, int b) {
  int rc = cs_attack_update_node(w, a);
  if (rc == CS_OK) rc = cs_attack_update_node(w, b);
  if (rc == CS_OK) rc = cs_control_remeasure(w, a);
  if (rc == CS_OK) rc = cs_control_remeasure(w, b);
  if (rc == CS_OK) rc = cs_brigade_update_node(w, a);
  if (rc == CS_OK) rc = cs_brigade_update_node(w, b);
  if (rc == CS_OK) rc = cs_raid_update_node(w, a);
  return rc == CS_OK ? cs_raid_update_node(w, b) : rc;
}

int cs_notify_officers_rose(cs_world *w, int u) { return cs_security_desertion_redraw(w, u); }

int cs_notify_reserve(cs_world *w) { return cs_dispatch_serve(w); }

int cs_notify_rekeyed(cs_world *w) {
  int rc = cs_bargain_redraw_all(w);
  if (rc == CS_OK) rc = cs_retaliate_redraw_all(w);
  if (rc == CS_OK) rc = cs_attack_redraw_all(w);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_recruit_update_node(w, j);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_flight_update_node(w, j);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_displaced_update_moves(w, j);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_displaced_update_returns(w, j);
  for (int u = 0; rc == CS_OK && u < w->n_units; u++) rc = cs_arrest_redraw_unit(w, u);
  if (rc == CS_OK) rc = cs_security_reschedule(w);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_brigade_update_node(w, j);
  if (rc == CS_OK) rc = cs_raid_redraw_all(w);
  return rc;
}

int cs_notify_param(cs_world *w, int param, double old) {
  cs_bargain_param(w, param); /* before the attack clocks read chi */
  cs__conflict_refresh(w);
  int rc = cs_flight_cache_distances(w);
  if (rc == CS_OK) cs_spoils_renorm(w); /* M_g from the new weights; the next line rescales every clock */
  if (rc == CS_OK) rc = cs_attack_update_all(w);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_flight_update_node(w, j);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_recruit_update_node(w, j);
  for (int u = 0; rc == CS_OK && u < w->n_units; u++)
    rc = param == P_PATROL_RATE ? cs_arrest_redraw_unit(w, u) : cs_arrest_start_unit(w, u);
  if (rc == CS_OK) rc = cs_security_reschedule(w);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_displaced_update_moves(w, j);
  for (int j = 0; rc == CS_OK && j < w->n; j++) rc = cs_displaced_update_returns(w, j);
  if (rc == CS_OK && param == P_TAU_R) rc = cs_retaliate_retime(w, old);
  if (rc == CS_OK) rc = cs_brigade_param(w, param, old);
  if (rc == CS_OK) rc = cs_dispatch_serve(w);
  if (rc == CS_OK) rc = cs_raid_update_all(w);
  return rc;
}
