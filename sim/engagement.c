/* engagement.c: the forces that meet when gang g attacks node j, and the
** fast contest-success resolution (MODEL.md sections 3-4).
**
** Forces: the attacker commits A0 = phi * M_g * exp(-d(base_g, j) / ell)
** fighters with lethality q_g each, so Sa = q_g * A0. The defenders are the
** officers of the units at j plus, if a gang holds j, that gang's committed
** fighters by the same reach rule; their mean lethality times the node's
** fortification F is aD, so Sd = aD * D0 = F * (sum officers * lethality + M q
** reach-discounted).
**
** Fast mode: the attacker wins with p = Sa^m / (Sa^m + Sd^m). Losses are the
** expected ones of a square-law fight (dA/dt = -aD D, dD/dt = -aA A) run until
** the loser has lost beta of its strength: the invariant aA A^2 - aD D^2 gives
** the winner's losses in closed form. A winner that could not have survived
** that exchange (a lucky underdog) is capped at its own breakpoint. Deaths are
** made integers by stochastic rounding (unbiased); civilian deaths are c_civ
** per combatant death, at most the node's residents. */
#include "model_int.h"

#include <math.h>

void cs_engagement_forces(const cs_world *w, int g, int j, cs_engagement *en) {
  const cs_gang_s *gg = &w->gangs[g];
  double phi = PV(w, P_PHI), ell = PV(w, P_ELL);
  en->A0 = phi * (double)gg->members * exp(-gg->dist[j] / ell);
  en->aA = gg->q;
  en->Sa = en->aA * en->A0;
  double off_n = (double)cs_security_officers_at(w, j), off_s = cs_security_strength_at(w, j);
  double gn = 0, gs = 0;
  if (CS_PARTY_IS_GANG(w->owner[j])) {
    const cs_gang_s *o = &w->gangs[CS_PARTY_GANG_INDEX(w->owner[j])];
    gn = phi * (double)o->members * exp(-o->dist[j] / ell);
    gs = gn * o->q;
  }
  en->D0 = off_n + gn;
  en->Sd = w->fort[j] * (off_s + gs);
  en->aD = en->D0 > 0 ? en->Sd / en->D0 : 0;
  double m = PV(w, P_M);
  if (en->Sa <= 0) en->p = 0;
  else if (en->Sd <= 0) en->p = 1;
  else en->p = 1.0 / (1.0 + pow(en->Sd / en->Sa, m));
  en->attacker_won = 0;
  en->att_deaths = en->def_deaths = en->civ_deaths = 0;
}

/* Winner's expected losses while the loser goes from L0 to (1 - beta) L0. */
static double winner_losses(double W0, double aW, double L0, double aL, double beta) {
  double cap = beta * W0;
  if (aW <= 0) return cap;
  double L1 = (1 - beta) * L0;
  double rest = W0 * W0 - (aL / aW) * (L0 * L0 - L1 * L1);
  if (rest <= 0) return cap;
  double loss = W0 - sqrt(rest);
  return loss < cap ? loss : cap;
}

void cs_engagement_fast(const cs_world *w, cs_pcg32 *r, cs_engagement *en, int64_t residents) {
  double beta = PV(w, P_BETA);
  en->attacker_won = cs_rng_bernoulli(r, en->p);
  double la, ld;
  if (en->attacker_won) {
    ld = beta * en->D0;
    la = winner_losses(en->A0, en->aA, en->D0, en->aD, beta);
  } else {
    la = beta * en->A0;
    ld = winner_losses(en->D0, en->aD, en->A0, en->aA, beta);
  }
  en->att_deaths = cs_rng_round(r, la);
  en->def_deaths = cs_rng_round(r, ld);
  int64_t civ = cs_rng_round(r, PV(w, P_C_CIV) * (double)(en->att_deaths + en->def_deaths));
  en->civ_deaths = civ < residents ? civ : residents;
}
