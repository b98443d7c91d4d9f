/* spoils.c: what a neighbourhood still has to take (spoils_nu; sim/README.md,
** spoils.c).
**
** Armed groups that live off civilians (extortion, looting, kidnapping for
** ransom) gain from attacking a place in proportion to what it still holds;
** violence against civilians to take their goods is one of the two motives
** Azam and Hoeffler (2002) model, and people who have fled take what they can
** and leave little to extort. The share of a neighbourhood's people still at
** home,
**
**   S_j = min(1, R_j / (R0_j + D0_j)),
**
** R_j its residents now, R0_j its residents at the start and D0_j the people
** declared displaced from it at the start, weighs the attack rate by
** S_j^spoils_nu (attack.c). A neighbourhood that had nobody at the start
** (R0_j + D0_j = 0) has S_j = 1: its attraction is its strategic value V_j
** alone; one whose people have all left has S_j = 0, and no spontaneous
** attack reaches it while spoils_nu > 0 (retaliation, joint and scripted
** attacks still can). spoils_nu = 0, the default, is version 1: no weight,
** and the same runs bit for bit (the factor is exactly 1).
**
** Exactness: S_j <= 1, so the factor multiplies the thinning acceptance p^eta
** under the pair's unchanged bound, and is read in the state at the instant
** of the firing. Residents change only at events (flights, returns,
** deaths), so the accepted firings are exactly a Poisson process of the rate
** bound p^eta S_j^nu, with no clock redrawn when residents change (notify.c
** needs no entry).
**
** spoils_by = "rate" (the default) is the above: as a gang's frontier
** empties, it attacks less. spoils_by = "choice" keeps how often a gang
** attacks and moves where: every pair's bound b_gj is divided by
**
**   M_g = max(M_MIN, sum_j b_gj S_j^nu / sum_j b_gj)
**                          (j on g's frontier; 1 if none, or if every S_j^nu is 0)
**
** so that at each update g's total rate before p^eta, sum_j b_gj S_j^nu /
** M_g, equals sum_j b_gj, its rate with a frontier still full. M_g is
** recomputed at t = 0 and every spoils_dt days (EV_SPOILS, before samples at
** the same time) and held between; a change rescales the gang's clocks
** through notify.c (cs_notify_spoils). Between updates the rate is exact for
** the M_g held: the bound is b_gj / M_g and the acceptance p^eta S_j^nu
** (at most 1), read at the firing; takeovers and flights between updates
** change the frontier and S_j, and the next update takes them in; so does a
** parameter changed during the run (cs_spoils_renorm from notify.c), but
** a new spoils_dt applies from the update already scheduled. The floor M_MIN
** = 1e-3 bounds the wasted firings: a gang draws 1 / M_g candidates per
** attack, and a frontier almost emptied would otherwise make the run crawl
** (or, at large spoils_nu, stop advancing); below it the gang attacks less,
** as under "rate". */
#include "model_int.h"

#include <math.h>
#include <string.h>

double cs_spoils_factor(const cs_world *w, int j) {
  double nu = PV(w, P_SPOILS_NU);
  if (nu == 0) return 1;
  double base = (double)w->residents0[j] + (w->disp0_from ? (double)w->disp0_from[j] : 0.0);
  if (base <= 0) return 1;
  double s = (double)w->residents[j] / base;
  return s >= 1 ? 1 : pow(s, nu);
}

#define M_MIN 1e-3

static int choice_on(const cs_world *w) { return strcmp(w->params[P_SPOILS_BY].str, "choice") == 0; }

/* M_g, the bound-weighted mean of S_j^nu over g's frontier. */
static double frontier_mean(const cs_world *w, int g) {
  double num = 0, den = 0;
  for (int j = 0; j < w->n; j++) {
    double b = cs_attack_weight(w, g, j);
    if (b <= 0) continue;
    num += b * cs_spoils_factor(w, j);
    den += b;
  }
  if (!(den > 0 && num > 0)) return 1.0;
  return num / den > M_MIN ? num / den : M_MIN;
}

/* Every gang's M_g now; with notify, the clocks of each gang whose M_g moved
** are rescaled (notify.c). */
static int renorm(cs_world *w, int notify) {
  if (!choice_on(w)) return CS_OK;
  for (int g = 0; g < w->n_gangs; g++) {
    double m = frontier_mean(w, g);
    if (m == w->gangs[g].spoils_norm) continue;
    w->gangs[g].spoils_norm = m;
    int rc = notify ? cs_notify_spoils(w, g) : CS_OK;
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

void cs_spoils_renorm(cs_world *w) { renorm(w, 0); }

static int schedule_next(cs_world *w, double now) {
  cs_event ev = {.kind = EV_SPOILS};
  int rc = cs_engine_schedule(w->eng, cs__next_tick(now, PV(w, P_SPOILS_DT)), PRIO_PROCESS, &ev, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_spoils_start(cs_world *w) {
  for (int g = 0; g < w->n_gangs; g++) w->gangs[g].spoils_norm = 1;
  if (!choice_on(w)) return CS_OK;
  renorm(w, 0); /* the attack clocks start after, at these bounds */
  return schedule_next(w, 0.0);
}

int cs_spoils_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int rc = renorm(w, 1);
  return rc != CS_OK ? rc : schedule_next(w, cs_engine_now(e));
}
