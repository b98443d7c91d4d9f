/* lanchester.h: the stochastic Lanchester engagement, a pure module that knows
** nothing of the model (sim/README.md, engagements; Verification, items 4 and 5).
**
** The fight is a continuous-time Markov chain on (A, D), the fighters still
** standing on the attacking and the defending side. Each transition is one
** casualty: A -> A - 1 at rate lA, or D -> D - 1 at rate lD.
**
**   square law (aimed fire):  lA = aD * D,             lD = aA * A
**   linear law (area fire):   lA = aD * D * A / A0,    lD = aA * A * D / D0
**
** aA, aD are per-fighter lethalities per day. The linear law is the classical
** dA/dt = -k D A (fire aimed at an area: hits grow with the density of
** targets in it). We write its coefficient as k = aD / A0 so that (i) aA, aD
** keep the same meaning and unit (casualties per shooter per day at full
** target density) under both laws, and (ii) both laws start at the same
** rates; switching the law then changes only how fire thins out with the
** target, not the initial intensity, so a scenario can switch laws without
** recalibrating lethality. Consequence used by the tests: under the linear
** law lA / (lA + lD) = (aD/A0) / (aD/A0 + aA/D0) is constant, so the order of
** casualties is a sequence of iid coin flips.
**
** Breakpoints: a side breaks when its losses reach b = breakpoint(n0, beta)
** (see cs_lanchester_breakpoint), beta = beta_A for the attacker and beta_D
** for the defender; beta = 1 is a fight to annihilation. The
** run ends at the first break, or at t_max if nobody has broken by then.
**
** Simulation: Gillespie's direct method, exact (no time step). Each step
** draws, from r and in this order, one exponential (the waiting time, rate
** lA + lD) then one uniform (which side loses); a step whose waiting time
** passes t_max draws only the exponential and ends the run. So a run uses
** exactly 4 * steps PCG32 outputs, plus 2 if it ended at t_max with a
** positive rate: the draw contract that common random numbers rely on.
**
** Cost: O(1) per step and steps = A_loss + D_loss <= bA + bD - 1, i.e. at most
** about beta_A A0 + beta_D D0 steps (each step ~ 4 PCG32 outputs and a log). Forces
** of a few thousand cost microseconds; forces of 1e7 and more cost seconds
** per fight: use the model's fast mode for those. Forces are capped at 2^53
** so that they convert to double exactly. No allocation. */
#ifndef CS_LANCHESTER_H
#define CS_LANCHESTER_H

#include "cs_common.h"
#include "cs_rng.h"

#include <stdint.h>

typedef enum { CS_LAW_SQUARE = 0, CS_LAW_LINEAR = 1 } cs_law;

#define CS_LANCHESTER_MAX_FORCE ((int64_t)1 << 53) /* A0, D0 <= 2^53 */

typedef struct cs_lanchester_in {
  int64_t A0, D0;  /* initial attackers, defenders: 0 <= n <= 2^53 */
  double aA, aD;   /* lethality per fighter per day of attacker, defender: finite, >= 0 */
  cs_law law;      /* CS_LAW_SQUARE or CS_LAW_LINEAR */
  double beta_A, beta_D; /* breakpoint shares of the initial strengths, in [0, 1] */
  double t_max;    /* time limit in days, >= 0; INFINITY allowed */
  const double *obs_t; /* n_obs observation times, >= 0, non-decreasing; borrowed for the call */
  int n_obs;           /* >= 0; 0 means no observation (obs_* may be NULL) */
  int64_t *obs_A, *obs_D; /* n_obs outputs each: the state at obs_t[i] (after the events
                          ** at times <= obs_t[i]; past the end, the final state) */
} cs_lanchester_in;

typedef struct cs_lanchester_out {
  int outcome;            /* +1 attacker won (defender broke), -1 defender won
                          ** (attacker broke), 0 time limit or no fire (nobody broke) */
  int64_t A_loss, D_loss; /* casualties on each side */
  double duration;        /* days from the start to the end (== t_max when outcome 0,
                          ** except 0 when nobody can fire and t_max is infinite) */
  uint64_t steps;         /* casualty events simulated (== A_loss + D_loss) */
} cs_lanchester_out;

/* Losses at which a side of initial strength n breaks: ceil(beta * n), at
** least 1 and at most n when n > 0, and 0 when n == 0 (a side with nobody in
** it is broken from the start). beta * n is rounded to the nearest integer
** instead when it lies within 1e-9 relative (at most 1e-6 absolute) of it, so
** that 0.14 * 100 (14.000000000000002 in binary) gives 14, not 15. Inputs as for
** cs_lanchester_in (n >= 0, 0 <= beta <= 1); others give 0. */
int64_t cs_lanchester_breakpoint(int64_t n, double beta);

/* Simulate one engagement. Draws only from r (see the draw contract above);
** writes *out and, when in->n_obs > 0, in->obs_A[0..n_obs) and
** in->obs_D[0..n_obs), all only on CS_OK.
**
** Edge cases, checked in this order:
**   A0 == 0: the defender wins at once (outcome -1, duration 0, no losses),
**            also when D0 == 0: an attack with nobody attacking fails;
**   D0 == 0: the attacker wins at once (outcome +1, duration 0);
**   aA == aD == 0 (nobody can hit anybody): outcome 0, no losses, duration
**            t_max, or 0 if t_max is infinite (the fight never starts rather
**            than lasting forever).
** A zero-lethality side facing a lethal one is simply worn down to its
** breakpoint (or held until t_max).
**
** Errors: CS_EINVAL (message in ctx, which may be NULL) if r, in or out is
** NULL, a force is negative or above 2^53, a lethality is negative, NaN or
** infinite, aA * A0 + aD * D0 overflows, beta_A or beta_D is outside [0, 1] or NaN, t_max
** is negative or NaN, the law is unknown, n_obs < 0, or n_obs > 0 with a
** NULL array or obs_t not non-decreasing, negative or NaN. */
int cs_lanchester_run(cs_ctx *ctx, cs_pcg32 *r, const cs_lanchester_in *in,
                      cs_lanchester_out *out);

/* Exact probability that the attacker wins a square-law fight to
** annihilation (beta = 1, t_max = INFINITY) from (x, y), for 0 <= x <= X,
** 0 <= y <= Y, written to P[x * (Y + 1) + y] (caller owns P, of (X+1)*(Y+1)
** doubles). The recursion is on the jump chain:
**   P(x, y) = p P(x, y-1) + (1 - p) P(x-1, y),  p = aA x / (aA x + aD y),
**   P(x, 0) = 1 for x > 0,  P(0, y) = 0 for y >= 0,
** so P(0, 0) = 0 as in cs_lanchester_run (no attackers: the defender wins),
** and P(x, y) = 0 for x, y > 0 when aA == aD == 0 (nobody ever wins). Each
** entry is a convex combination of earlier ones, so the table is stable; it
** costs O(X Y) time. Depends only on aA / aD.
** Errors: CS_EINVAL if X or Y is negative, (X+1)(Y+1) overflows size_t, a
** lethality is negative, NaN or infinite, or P is NULL; P untouched then. */
int cs_lanchester_win_table(cs_ctx *ctx, int X, int Y, double aA, double aD, double *P);

#endif
