/* cover.c: police cover, the defence that police posts give the STATE-held
** neighbourhoods around them (parameter ell_police; sim/README.md,
** "cover.c").
**
** In version 1 only the officers standing at a node defend it, so a police
** post a kilometre away does nothing for the community next door. Force
** projected from a base weakens with distance (Boulding 1962, Conflict and
** Defense: the loss-of-strength gradient), the rule reach.c already applies
** to the gangs; Kalyvas (2006) ties control to the presence of armed
** forces. With ell_police > 0, when a gang attacks node j held by the STATE,
** the officers of every other STATE-held node k join j's defence, weighted
** by their road distance d(k, j):
**
**   cover_n(j) = sum over k != j of off_n[k] exp(-d(k, j) / ell_police)
**
** (off_n[k]: the officers of the units standing at k; their strength,
** officers times lethality, is weighted the same way). The cover adds to
** the officers at j in engagement.c's defence, so it moves the attacker's
** win probability p, which thinning reads at each candidate attack: no
** rate changes with it and nothing is redrawn. Nodes beyond 30 ell_police
** add less than e^-30 of their officers and are not visited. A CONTESTED
** or gang-held node gets no cover, and police operations and fights
** between gangs are unchanged. With ell_police 0 (the default) nothing here
** runs: version 1.
**
** Losses. The officers' share of the defenders' deaths (by headcount,
** engagement.c) is split over j's own officers (weight off_n[j]) and each
** covering node (weight off_n[k] exp(-d / ell_police)), taken at the end
** of the fight, by largest remainder (floors first, then one more to the
** largest fractions; ties to the earlier node in the order j, then the
** covering nodes by distance as the visit meets them). No node loses more
** than its weighted officers, so none loses more officers than it has, and
** the deaths are conserved exactly up to the officers there are. Units at
** a covering node do not move: only the units at j fall back when j is
** lost. No random number is drawn.
**
** Ownership: the scratch lists (struct cs_cover) are this file's; the
** officers killed are written through cs_security_casualties. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

struct cs_cover {
  int *node;      /* [n] j, then its covering nodes in visit order */
  double *c;      /* [n] their weighted officers */
  int64_t *d;     /* [n] deaths each takes */
  int len;
};

static int cs_cover_on(const cs_world *w) { return PV(w, P_ELL_POLICE) > 0; }

typedef struct cover_ud {
  const cs_world *w;
  int j;
  double inv_ell, n, s;
  struct cs_cover *list; /* NULL: sums only */
} cover_ud;

static int add(void *ud, int k, double km) {
  cover_ud *u = ud;
  const cs_world *w = u->w;
  if (k == u->j || w->owner[k] != CS_PARTY_STATE || w->off_n[k] <= 0) return 0;
  double f = exp(-km * u->inv_ell);
  u->n += (double)w->off_n[k] * f;
  u->s += w->off_s[k] * f;
  if (u->list) {
    struct cs_cover *l = u->list;
    l->node[l->len] = k;
    l->c[l->len++] = (double)w->off_n[k] * f;
  }
  return 0;
}

/* Visit the nodes that cover j; the sums go to u. */
static void visit(const cs_world *w, int j, cover_ud *u) {
  double ell = PV(w, P_ELL_POLICE);
  u->w = w;
  u->j = j;
  u->inv_ell = 1.0 / ell;
  u->n = u->s = 0;
  /* graph.c's workspace exists from the run's start (cs_cover_alloc), so
  ** the visit cannot fail for want of memory; it writes only that
  ** workspace, which it resets. */
  cs__graph_visit((cs_world *)w, j, 30 * ell, add, u);
}

void cs_cover_forces(const cs_world *w, int j, double *n, double *s) {
  *n = *s = 0;
  if (!cs_cover_on(w) || w->owner[j] != CS_PARTY_STATE || !w->off_n) return;
  cover_ud u = {0};
  visit(w, j, &u);
  *n = u.n;
  *s = u.s;
}

double cs_cover_officers(const cs_world *w, int j) {
  double here = (double)cs_security_officers_at(w, j);
  if (!cs_cover_on(w) || !w->off_n) return here;
  cover_ud u = {0};
  visit(w, j, &u);
  return here + u.n;
}

int64_t cs_cover_losses(cs_world *w, int j, int64_t off) {
  int64_t here = w->off_n ? w->off_n[j] : 0;
  struct cs_cover *l = w->cover;
  if (off <= 0) return 0;
  if (!cs_cover_on(w) || w->owner[j] != CS_PARTY_STATE || !l) { /* version 1: the officers at j */
    if (off > here) off = here;
    cs_security_casualties(w, j, off);
    return off;
  }
  l->len = 0;
  l->node[l->len] = j;
  l->c[l->len++] = (double)here;
  cover_ud u = {0};
  u.list = l;
  visit(w, j, &u);
  double total = 0;
  for (int i = 0; i < l->len; i++) total += l->c[i];
  if ((double)off > total) off = (int64_t)floor(total);
  if (off <= 0) return 0;
  int64_t left = off;
  for (int i = 0; i < l->len; i++) left -= l->d[i] = (int64_t)floor((double)off * l->c[i] / total);
  while (left > 0) { /* largest remainder; ties to the earlier node */
    int best = -1;
    double rb = -1;
    for (int i = 0; i < l->len; i++) {
      double r = (double)off * l->c[i] / total - (double)l->d[i];
      if (l->c[i] > 0 && r > rb) rb = r, best = i;
    }
    if (best < 0) break;
    l->d[best]++;
    left--;
  }
  int64_t dead = 0;
  for (int i = 0; i < l->len; i++) {
    int64_t d = l->d[i], have = w->off_n[l->node[i]];
    if (d > have) d = have; /* never taken: d <= ceil(c) <= officers there */
    if (d > 0) cs_security_casualties(w, l->node[i], d);
    dead += d > 0 ? d : 0;
  }
  return dead;
}

int cs_cover_alloc(cs_world *w) {
  if (w->n <= 0) return CS_OK;
  struct cs_cover *l = calloc(1, sizeof *l);
  w->cover = l;
  if (l) {
    l->node = malloc((size_t)w->n * sizeof *l->node);
    l->c = malloc((size_t)w->n * sizeof *l->c);
    l->d = malloc((size_t)w->n * sizeof *l->d);
  }
  if (!l || !l->node || !l->c || !l->d) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  /* graph.c's workspace, now, so that no visit during the run can fail */
  return cs__graph_visit(w, 0, -1, NULL, NULL);
}

void cs_cover_free(cs_world *w) {
  struct cs_cover *l = w->cover;
  if (!l) return;
  free(l->node);
  free(l->c);
  free(l->d);
  free(l);
  w->cover = NULL;
}
