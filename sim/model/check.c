/* check.c: the model's contracts, checked at run time.
**
** Two kinds of check, after ROSS's reverse-event checks (core/check-revent):
** - cs__check_world: the invariants of the world between events (the list
**   in model_int.h's opening comment): people, gang members and officers
**   are conserved exactly (pop0: the residents declared plus the people
**   declared displaced at t = 0, cohorts.c); the displacement ledger's
**   entries add up to hosted, hosted_site, provinces and settled, and to
**   no more than origin_disp (cs_displaced_check); every unit is somewhere (a node, the road, or
**   protection duty) and in the list of the node it stands at, with the
**   node's officer sums matching its list; the frontier counts own_cnt and
**   the gangs' held counts match the owners; a self-defence brigade's
**   mobilisation is in [0, 1], and 0 at gang-held nodes (brigade.c, when
**   brigade_model is "grown"); the police teams of dispatch.c hold no more
**   officers than they took; a node's control shares are in (0, 1], sum
**   to 1 and give its owner by the majority rule (control.c, when
**   control_model is "shares"); each gang's reach distances are the
**   shortest road distances from its base, or from the nodes it holds
**   (reach.c). Tests call it directly; a
**   CS_DEBUG build (cmake -DCS_DEBUG=ON) calls it at every sample.
** - cs__check_bound_fail: a thinned process fired with a true rate above
**   the bound its candidate was drawn from, so events were lost (the CS_DEBUG
**   build checks this at every firing: CS_CHECK_BOUND in model_int.h).
** A failed check in a CS_DEBUG run is a bug in the model, not in the input:
** it prints what failed and aborts, so no wrong result is ever written. */
#include "model_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(char *msg, size_t cap, const char *fmt, ...) {
  if (msg && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int check_people(const cs_world *w, char *msg, size_t cap) {
  int64_t sum = w->in_transit + w->provinces + w->civ_dead_total + w->recruited;
  for (int j = 0; j < w->n; j++) {
    if (w->residents[j] < 0 || w->hosted[j] < 0)
      return fail(msg, cap, "node %s: negative count (residents %" PRId64 ", hosted %" PRId64 ")", w->node_id[j],
                  w->residents[j], w->hosted[j]);
    sum += w->residents[j] + w->hosted[j];
  }
  if (sum != w->pop0)
    return fail(msg, cap, "people not conserved: residents + displaced + dead + recruited = %" PRId64
                ", initial population %" PRId64, sum, w->pop0);
  return 0;
}

static int check_gangs(const cs_world *w, char *msg, size_t cap) {
  for (int g = 0; g < w->n_gangs; g++) {
    const cs_gang_s *gg = &w->gangs[g];
    if (gg->members < 0 || gg->jailed < 0 || gg->dead < 0)
      return fail(msg, cap, "gang %s: negative count", gg->id);
    if (gg->members + gg->jailed + gg->dead != gg->members0 + gg->jailed0 + gg->recruits)
      return fail(msg, cap, "gang %s: members + jailed + dead = %" PRId64 ", declared + recruits = %" PRId64, gg->id,
                  gg->members + gg->jailed + gg->dead, gg->members0 + gg->jailed0 + gg->recruits);
    int held = 0;
    for (int j = 0; j < w->n; j++) held += w->owner[j] == CS_PARTY_GANG(g);
    if (held != gg->held) return fail(msg, cap, "gang %s: holds %d nodes, counted %d", gg->id, held, gg->held);
    /* own_cnt[g][j]: neighbours of j that g holds */
    const int *cnt = &w->own_cnt[(size_t)g * w->n];
    for (int j = 0; j < w->n; j++) {
      int c = 0;
      for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++) c += w->owner[w->adj_node[k]] == CS_PARTY_GANG(g);
      if (c != cnt[j])
        return fail(msg, cap, "gang %s: holds %d neighbours of %s, frontier count says %d", gg->id, c, w->node_id[j],
                    cnt[j]);
    }
  }
  return 0;
}

static int check_units(const cs_world *w, char *msg, size_t cap) {
  int64_t officers = w->officers_dead + w->officers_deserted;
  for (int u = 0; u < w->n_units; u++) {
    const cs_unit_s *un = &w->units[u];
    if (un->officers < 0) return fail(msg, cap, "unit %s: negative officers", un->id);
    if (!(un->loc == CS_NODE_NONE || un->loc == LOC_TRANSIT || (un->loc >= 0 && un->loc < w->n)))
      return fail(msg, cap, "unit %s: nowhere (location %d)", un->id, un->loc);
    officers += un->officers;
  }
  if (officers != w->officers0 + w->officers_added)
    return fail(msg, cap, "officers not conserved: on duty + dead + deserted = %" PRId64 ", declared + added = %" PRId64,
                officers, w->officers0 + w->officers_added);
  if (!w->unit_head) return 0; /* before the run: no lists */
  int listed = 0;
  for (int j = 0; j < w->n; j++) {
    int64_t n = 0;
    double s = 0;
    for (int u = w->unit_head[j], prev = -1; u >= 0; prev = u, u = w->units[u].next) {
      if (u >= w->n_units || u <= prev) return fail(msg, cap, "node %s: its unit list is broken", w->node_id[j]);
      if (w->units[u].loc != j)
        return fail(msg, cap, "unit %s is in the list of %s but stands at %d", w->units[u].id, w->node_id[j],
                    w->units[u].loc);
      n += w->units[u].officers;
      s += (double)w->units[u].officers * w->units[u].lethality;
      listed++;
    }
    if (n != w->off_n[j] || fabs(s - w->off_s[j]) > 1e-9 * (fabs(s) + 1))
      return fail(msg, cap, "node %s: officer sums %" PRId64 "/%g, its units hold %" PRId64 "/%g", w->node_id[j],
                  w->off_n[j], w->off_s[j], n, s);
  }
  int on_map = 0;
  for (int u = 0; u < w->n_units; u++) on_map += w->units[u].loc >= 0;
  if (on_map != listed) return fail(msg, cap, "%d units stand at nodes but %d are in the nodes' lists", on_map, listed);
  return 0;
}

int cs__check_world(const cs_world *w, char *msg, size_t cap) {
  if (check_people(w, msg, cap) || cs_displaced_check(w, msg, cap) || check_gangs(w, msg, cap) ||
      check_units(w, msg, cap) || cs_dispatch_check(w, msg, cap))
    return -1;
  if (cs_brigade_check(w, msg, cap)) return -1; /* mobilisation in [0, 1], 0 at gang-held nodes */
  if (cs_control_check(w, msg, cap)) return -1;  /* shares in [0, 1] summing to 1; owner by majority */
  if (w->running && cs_reach_check(w, msg, cap)) return -1; /* gangs' reach: shortest distances from their sources */
  return 0;
}

void cs__check_world_or_abort(const cs_world *w) {
  char msg[256];
  if (cs__check_world(w, msg, sizeof msg) == 0) return;
  fprintf(stderr, "conflictsim: CS_DEBUG: world invariant broken at day %.17g: %s\n", cs__now(w), msg);
  abort();
}

void cs__check_bound_fail(const cs_world *w, const char *process, int a, int b, double rate, double bound) {
  fprintf(stderr,
          "conflictsim: CS_DEBUG: %s (%d, %d) fired at day %.17g with true rate %.17g above its thinning bound %.17g\n",
          process, a, b, cs__now(w), rate, bound);
  abort();
}
