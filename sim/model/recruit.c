/* recruit.c: recruitment into gangs by Epstein (2002) activation
** (sim/README.md, recruit.c).
**
** Young residents of a gang-held node (youth_share of the residents) have
** hardship H_i ~ U(0, hardship) and risk aversion R_i ~ U(0, 1); one is
** active when grievance H_i (1 - legitimacy) minus R_i times the arrest
** probability P_a exceeds T_act, where P_a = 1 - exp(-k_arrest * officers at
** the node / members present). The active share has a closed form (the
** integral over R of a clipped linear function, activation_share below).
** Active young residents join the holding gang at recruit_rate per day each.
**
** The rate changes with residents, officers and members; it is simulated by
** thinning against recruit_rate * youth * residents (share <= 1), redrawn
** whenever the node's residents or owner change (node stream PU_RECRUIT).
** A recruit leaves the residents and joins the gang's members. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

double cs_recruit_activation_share(const cs_world *w, double p_arrest) {
  double scale = (1 - PV(w, P_LEGIT)) * PV(w, P_HARDSHIP);
  if (scale <= 0) return 0;
  /* f(r) = clip(alpha - beta r, 0, 1) integrated over r in [0, 1] */
  double alpha = 1 - PV(w, P_T_ACT) / scale, beta = p_arrest / scale;
  if (beta <= 0) return alpha <= 0 ? 0 : alpha >= 1 ? 1 : alpha;
  double r1 = (alpha - 1) / beta, r2 = alpha / beta;
  r1 = r1 < 0 ? 0 : r1 > 1 ? 1 : r1;
  r2 = r2 < 0 ? 0 : r2 > 1 ? 1 : r2;
  return r1 + alpha * (r2 - r1) - beta * (r2 * r2 - r1 * r1) / 2;
}

static double bound(const cs_world *w, int j) {
  if (!CS_PARTY_IS_GANG(w->owner[j]) || w->residents[j] <= 0) return 0;
  return PV(w, P_RECRUIT_RATE) * PV(w, P_YOUTH) * (double)w->residents[j];
}

int cs_recruit_update_node(cs_world *w, int j) {
  if (!w->recruit_h) return CS_OK; /* not started */
  cs_event ev = {.kind = EV_RECRUIT, .a = j};
  return cs__redraw(w, &w->recruit_h[j], &w->recruit_bound[j], bound(w, j), 0, &w->recruit_rng[j], &ev);
}

int cs_recruit_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int j = ev->a;
  w->recruit_h[j] = 0;
  double u = cs_rng_uniform(&w->recruit_rng[j]);
  int owner = w->owner[j];
  if (CS_PARTY_IS_GANG(owner) && w->residents[j] > 0) {
    cs_gang_s *gg = &w->gangs[CS_PARTY_GANG_INDEX(owner)];
    double present = gg->held > 0 ? (double)gg->members / gg->held : (double)gg->members;
    double pa = 1 - exp(-PV(w, P_K_ARREST) * (double)cs_security_officers_at(w, j) / (present > 1 ? present : 1));
    double rate = bound(w, j) * cs_recruit_activation_share(w, pa);
    CS_CHECK_BOUND(w, "recruitment", j, -1, rate, w->recruit_bound[j]);
    if (u * w->recruit_bound[j] < rate) {
      w->residents[j]--;
      w->recruited++;
      gg->members++;
      gg->recruits++;
      int rc;
      if (gg->members == 1 && (rc = cs_notify_members(w, CS_PARTY_GANG_INDEX(owner))) != CS_OK) return rc;
      /* fewer residents: the flight bound still holds, no redraw needed */
      if ((rc = cs__log(w, cs_engine_now(e), CS_EK_RECRUITMENT, j, owner, CS_PARTY_NONE, 0, 1)) != CS_OK) return rc;
    }
  }
  return cs_recruit_update_node(w, j);
}

void cs_recruit_streams(cs_world *w) {
  for (int j = 0; j < w->n; j++) cs__stream(w, &w->recruit_rng[j], CS_ENT_NODE, (uint64_t)j, PU_RECRUIT);
}

int cs_recruit_start(cs_world *w) {
  cs_recruit_streams(w);
  for (int j = 0; j < w->n; j++) {
    int rc = cs_recruit_update_node(w, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int cs_recruit_alloc(cs_world *w) {
  size_t n = (size_t)w->n + 1;
  w->recruit_rng = calloc(n, sizeof *w->recruit_rng);
  w->recruit_h = calloc(n, sizeof *w->recruit_h);
  w->recruit_bound = calloc(n, sizeof *w->recruit_bound);
  if (!w->recruit_rng || !w->recruit_h || !w->recruit_bound)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  return CS_OK;
}

void cs_recruit_free(cs_world *w) {
  free(w->recruit_rng);
  free(w->recruit_h);
  free(w->recruit_bound);
  w->recruit_rng = NULL;
  w->recruit_h = NULL;
  w->recruit_bound = NULL;
}
