/* cohorts.c: displaced cohorts (sim/README.md, cohorts.c): the people a
** scenario declares displaced at t = 0, and which cohorts may go home.
**
** A cohort is the people displaced from one origin who fled while one
** controller (a party code: STATE, CONTESTED or a gang) held it. The ledger
** (displaced.c) keys its entries by (origin, cohort key, location); the
** controller travels with every group (the arrival event carries it). The
** key is the controller under return_rule "stable" and CS_COHORT_ALL under
** "v1", where one cohort per origin keeps version 1's ledger, and so its
** draws, exactly: splitting entries by controller would change which group
** a secondary move or a return takes even where the rule ignores it. The
** rule is fixed at run start (params.c refuses a change during the run).
**
** Returns (the intensity factor exp(-I_j / I_safe) is displaced.c's):
**   v1:     everyone displaced from j, while owner_j is STATE or flee_owner_j
**   stable: the cohort whose controller c holds j now, once
**           t >= t_takeover_j + tau_stable (t_takeover = -inf if j never
**           changed hands); no other cohort of j.
** The stable rule's rate jumps up at t_takeover_j + tau_stable. The returns
** are thinned against r0 (residents0_j + declared displaced from j) /
** move_group, a bound no state can pass (displaced.c), so the jump needs no
** wake-up and no redraw: the pending candidate is already drawn at a rate
** above it.
**
** Declared displaced (cs_world_add_displaced) are not residents: residents0
** of their origin excludes them; pop0 counts them on their own. At run
** start they are placed in the ledger as declared (sites and host
** families; no draw), and the moves where they stay are started. */
#include "model_int.h"

#include <stdlib.h>
#include <string.h>

static int valid_party(const cs_world *w, int p, int need_gang_declared) {
  if (p == CS_PARTY_STATE || p == CS_PARTY_CONTESTED) return 1;
  return CS_PARTY_IS_GANG(p) && (!need_gang_declared || CS_PARTY_GANG_INDEX(p) < w->n_gangs);
}

int cs_world_add_displaced(cs_world *w, const cs_displaced_decl *d) {
  if (w->finalized) return cs_err(&w->ctx, CS_EINVAL, "declarations are closed once the world is finalized");
  if (d->origin < 0 || d->origin >= w->n) return cs_err(&w->ctx, CS_EINVAL, "displaced: origin is not a declared node");
  const char *o = w->node_id[d->origin];
  if (d->at != CS_AT_PROVINCES && (d->at < 0 || d->at >= w->n))
    return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': at is not a declared node or the provinces", o);
  if (d->at == d->origin)
    return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': at must be another node than the origin", o);
  if (d->n < 0) return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': n must be >= 0, got %lld", o, (long long)d->n);
  if (d->sites < 0 || d->sites > d->n)
    return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': sites must be in [0, n = %lld], got %lld", o,
                  (long long)d->n, (long long)d->sites);
  if (d->at == CS_AT_PROVINCES && d->sites != 0)
    return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': sites must be 0 in the provinces (no sites there), got %lld",
                  o, (long long)d->sites);
  if (!valid_party(w, d->controller, 0))
    return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': controller is not STATE, CONTESTED or a gang", o);
  if (w->pop0 > CS_COUNT_MAX - d->n) return cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': total population too large", o);
  if (cs__grow((void **)&w->disp0, &w->cap_disp0, w->n_disp0 + 1, sizeof *w->disp0) != CS_OK)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory declaring displaced people");
  w->disp0[w->n_disp0++] = *d;
  w->pop0 += d->n;
  return CS_OK;
}

int cs_cohorts_finalize(cs_world *w) {
  free(w->disp0_from);
  w->disp0_from = calloc((size_t)w->n + 1, sizeof *w->disp0_from);
  int64_t *sites = calloc((size_t)w->n + 1, sizeof *sites);
  int rc = CS_OK;
  if (!w->disp0_from || !sites) {
    rc = cs_err(&w->ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < w->n_disp0; i++) {
    const cs_displaced_decl *d = &w->disp0[i];
    if (!valid_party(w, d->controller, 1)) {
      rc = cs_err(&w->ctx, CS_EINVAL, "displaced from '%s': controller is not STATE, CONTESTED or a declared gang",
                  w->node_id[d->origin]);
      goto done;
    }
    w->disp0_from[d->origin] += d->n;
    if (d->at >= 0) sites[d->at] += d->sites;
  }
  for (int k = 0; k < w->n; k++)
    if (sites[k] > w->site_cap[k]) {
      rc = cs_err(&w->ctx, CS_EINVAL,
                  "displaced: %lld people declared in sites at '%s', more than its site capacity %lld",
                  (long long)sites[k], w->node_id[k], (long long)w->site_cap[k]);
      goto done;
    }
done:
  free(sites);
  return rc;
}

void cs_cohorts_free(cs_world *w) {
  free(w->disp0);
  free(w->disp0_from);
  w->disp0 = NULL;
  w->disp0_from = NULL;
  w->n_disp0 = w->cap_disp0 = 0;
}

int cs_cohorts_start(cs_world *w) {
  w->ret_stable = strcmp(w->params[P_RETURN_RULE].str, "stable") == 0;
  int rc = CS_OK;
  for (int i = 0; rc == CS_OK && i < w->n_disp0; i++) {
    const cs_displaced_decl *d = &w->disp0[i];
    w->flee_owner[d->origin] = d->controller; /* v1: the owner when people last fled */
    rc = cs_displaced_place(w, d->origin, d->controller, d->at, d->sites, d->n - d->sites);
  }
  for (int k = 0; rc == CS_OK && k < w->n; k++)
    if (w->hosted[k] > 0) rc = cs_displaced_update_moves(w, k);
  return rc;
}

int cs_cohorts_returning(const cs_world *w, int j, double t) {
  int owner = w->owner[j];
  if (!w->ret_stable)
    return owner == CS_PARTY_STATE || owner == w->flee_owner[j] ? CS_COHORT_ALL : CS_COHORT_NOBODY;
  return t >= w->t_takeover[j] + PV(w, P_TAU_STABLE) ? owner : CS_COHORT_NOBODY;
}
