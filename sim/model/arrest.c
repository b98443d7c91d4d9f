/* arrest.c: patrols, arrests, jail terms and releases (Epstein 2002).
**
** Every unit runs a patrol clock at patrol_rate per day (its own stream
** (unit, PU_PATROL)). A tick is a patrol only if the unit is on the map with
** posture "patrol" and officers (thinning: the rate is patrol_rate while that
** holds, 0 otherwise). A patrol visits one gang-held node among the unit's
** node and its neighbours, chosen uniformly, and arrests one member of the
** holding gang with the Epstein (2002) probability
**   P = 1 - exp(-k_arrest * officers / members present),
** members present being the gang's members spread over the nodes it holds.
** The arrested member is jailed for U(0, J_max) days, then released back to
** the gang. A prison break frees members held without a release date first
** (those jailed before the run), then ones with a date, whose scheduled
** releases are then skipped. */
#include "model_int.h"

#include <math.h>

/* The patrol clock is exact (not thinned): its rate is patrol_rate. */
static int schedule_patrol(cs_world *w, int u) {
  double rate = PV(w, P_PATROL_RATE);
  w->units[u].patrol_on = rate > 0;
  cs_event ev = {.kind = EV_PATROL, .a = u};
  return cs__redraw(w, &w->units[u].patrol_h, NULL, rate, 0, &w->units[u].patrol_rng, &ev);
}

int cs_arrest_start_unit(cs_world *w, int u) { return w->units[u].patrol_on ? CS_OK : schedule_patrol(w, u); }

int cs_arrest_redraw_unit(cs_world *w, int u) { return schedule_patrol(w, u); }

/* A gang-held node among j and its neighbours, uniformly; -1 if none. */
static int patrol_target(cs_world *w, int j, cs_pcg32 *r) {
  int n = CS_PARTY_IS_GANG(w->owner[j]);
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++) n += CS_PARTY_IS_GANG(w->owner[w->adj_node[k]]);
  if (n == 0) return -1;
  int pick = (int)cs_pcg32_bounded(r, (uint32_t)n);
  if (CS_PARTY_IS_GANG(w->owner[j]) && pick-- == 0) return j;
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
    if (CS_PARTY_IS_GANG(w->owner[w->adj_node[k]]) && pick-- == 0) return w->adj_node[k];
  return -1;
}

int cs_arrest_on_patrol(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int u = ev->a, rc;
  cs_unit_s *un = &w->units[u];
  int j = un->loc;
  double t = cs_engine_now(e);
  un->patrol_h = 0;
  if (PV(w, P_PATROL_RATE) <= 0) { /* the clock stops; a later change restarts it */
    un->patrol_on = 0;
    return CS_OK;
  }
  if (j >= 0 && un->posture == CS_POSTURE_PATROL && un->officers > 0) {
    int k = patrol_target(w, j, &un->patrol_rng);
    if (k >= 0) {
      int g = CS_PARTY_GANG_INDEX(w->owner[k]);
      cs_gang_s *gg = &w->gangs[g];
      double present = gg->held > 0 ? (double)gg->members / gg->held : (double)gg->members;
      double p = present > 0 ? 1 - exp(-PV(w, P_K_ARREST) * (double)un->officers / present) : 0;
      double u1 = cs_rng_uniform(&un->patrol_rng), term = cs_rng_uniform(&un->patrol_rng) * PV(w, P_J_MAX);
      if (u1 < p && gg->members > 0) {
        gg->members--;
        gg->jailed++;
        gg->jailed_timed++;
        cs_event rel = {.kind = EV_RELEASE, .a = g};
        if ((rc = cs_engine_schedule(e, t + term, PRIO_PROCESS, &rel, NULL)) != CS_OK)
          return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(e)));
        if (gg->members == 0 && (rc = cs_notify_members(w, g)) != CS_OK) return rc;
        if ((rc = cs__log(w, t, CS_EK_ARREST, k, u, CS_PARTY_GANG(g), 0, 1)) != CS_OK) return rc;
      }
    }
  }
  return schedule_patrol(w, u);
}

int cs_arrest_on_release(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  cs_gang_s *gg = &w->gangs[ev->a];
  if (gg->skip_release > 0) { /* this member already left in a prison break */
    gg->skip_release--;
    return CS_OK;
  }
  if (gg->jailed_timed <= 0) return CS_OK;
  gg->jailed_timed--;
  gg->jailed--;
  gg->members++;
  int rc;
  if (gg->members == 1 && (rc = cs_notify_members(w, ev->a)) != CS_OK) return rc;
  return cs__log(w, cs_engine_now(e), CS_EK_RELEASE, -1, CS_PARTY_GANG(ev->a), CS_PARTY_NONE, 0, 1);
}
