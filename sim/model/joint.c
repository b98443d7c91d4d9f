/* joint.c: joint offensives of a formed coalition (parameter joint_share;
** sim/README.md, "reach.c and joint.c").
**
** Partners in a pact fight together: the Viv Ansanm coalition launched
** joint attacks from 29 Feb 2024 (police stations, prisons, the airport),
** where each federation had attacked alone before. When gang g, a member of
** a formed coalition, attacks node j, every partner p of g (p != g, and
** only if j is not held by a partner) adds
**
**   x_p = joint_share * chi * phi * R_p(j)
**
** fighters of lethality q_p to the attack: joint_share of what p would
** commit to its own attack at j, times the coalition's cohesion chi
** (cs_coalition_chi). R_p(j) is p's members weighted by their distance to
** j (reach.c: all at one distance with reach base or territory, spread
** over the nodes p holds with reach spread). With joint_share 0
** (version 1) or no formed coalition nothing changes.
**
** The pooled fighters share the attack's fate: the attacker's losses fall
** on g and its partners in proportion to the fighters each committed
** (cs_joint_losses), the partners' total rounded to the nearest whole
** number and split among them by largest remainder (ties to the lower gang
** index; each partner's fighters taken once, before any loss), and the
** rest on g: the deaths are conserved exactly (as far as each gang has
** members to lose) and no random number is drawn. In a timed (Lanchester)
** engagement the partners' total share is the one at its start (joint_n)
** and its split among them uses their forces at its end; if at its end the
** pact is gone, joint_share is 0 or a partner holds j, all the losses fall
** on g. */
#include "model_int.h"

#include <math.h>

/* Fighters partner p adds to g's attack at j (0 if it adds none). */
static double added(const cs_world *w, int g, int p, int j, double k) {
  if (p == g || !cs_coalition_partners(w, g, p)) return 0;
  const cs_gang_s *pp = &w->gangs[p];
  return pp->members > 0 ? k * cs_reach_fighters(w, p, j) : 0;
}

/* joint_share * chi, or 0 if g's attack at j gets no help. */
static double factor(const cs_world *w, int g, int j) {
  double js = PV(w, P_JOINT_SHARE), chi = cs_coalition_chi(w, g);
  if (js <= 0 || chi <= 0) return 0;
  int owner = w->owner[j];
  if (CS_PARTY_IS_GANG(owner) && cs_coalition_partners(w, g, CS_PARTY_GANG_INDEX(owner))) return 0;
  return js * chi;
}

void cs_joint_forces(const cs_world *w, int g, int j, double *n, double *s) {
  *n = *s = 0;
  double k = factor(w, g, j);
  if (k <= 0) return;
  for (int p = 0; p < w->n_gangs; p++) {
    double x = added(w, g, p, j, k);
    *n += x;
    *s += x * w->gangs[p].q;
  }
}

int64_t cs_joint_losses(cs_world *w, int g, int j, int64_t deaths, double own_n, double joint_n,
                        int64_t (*lose)(cs_world *, int, int64_t)) {
  double total = own_n + joint_n, k = factor(w, g, j);
  int64_t mine = deaths, dead = 0;
  if (joint_n > 0 && total > 0 && k > 0 && deaths > 0) {
    /* every partner's fighters now, before any loss lowers them */
    double x = 0, *xp = w->joint_x;
    for (int p = 0; p < w->n_gangs; p++) x += xp[p] = added(w, g, p, j, k);
    int64_t theirs = (int64_t)floor((double)deaths * joint_n / total + 0.5), assigned = 0;
    if (theirs > deaths) theirs = deaths;
    if (x > 0 && theirs > 0) {
      /* largest remainder: floors first, then one more to the largest
      ** fractions (ties to the lower index) until theirs is spent */
      int64_t *d = w->joint_d, left = theirs;
      for (int p = 0; p < w->n_gangs; p++) left -= d[p] = (int64_t)floor((double)theirs * xp[p] / x);
      while (left > 0) {
        int best = -1;
        double rb = -1;
        for (int p = 0; p < w->n_gangs; p++) {
          if (xp[p] <= 0) continue;
          double sp = (double)theirs * xp[p] / x, r = sp - (double)d[p];
          if (r > rb) rb = r, best = p;
        }
        if (best < 0) break;
        d[best]++;
        left--;
      }
      for (int p = 0; p < w->n_gangs; p++) {
        if (d[p] > deaths - assigned) d[p] = deaths - assigned; /* rounding never hands out more than there is */
        assigned += d[p];
      }
      for (int p = 0; p < w->n_gangs; p++)
        if (d[p] > 0) dead += lose(w, p, d[p]);
      mine = deaths - assigned;
    }
  }
  return dead + lose(w, g, mine);
}
