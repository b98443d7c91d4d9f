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
** needs no entry). */
#include "model_int.h"

#include <math.h>

double cs_spoils_factor(const cs_world *w, int j) {
  double nu = PV(w, P_SPOILS_NU);
  if (nu == 0) return 1;
  double base = (double)w->residents0[j] + (w->disp0_from ? (double)w->disp0_from[j] : 0.0);
  if (base <= 0) return 1;
  double s = (double)w->residents[j] / base;
  return s >= 1 ? 1 : pow(s, nu);
}
