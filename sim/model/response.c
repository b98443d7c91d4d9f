/* response.c: the police response and the elite recall rule
** (sim/README.md, response.c).
**
** When a gang takes a STATE node, or attacks a node of value >= V_c, the
** police send the nearest free reserve unit: a police or army unit on the
** map, at a STATE node other than the one attacked, with posture patrol or
** garrison, not already responding. "Nearest" is by road distance from the
** node in need (ties by node index, then unit index). The unit leaves after
** a Gamma(2, response_scale) dispatch delay (drawn from the node's stream
** (node, PU_RESPONSE)), travels at unit_speed, and on arrival takes up
** posture garrison; if a gang holds the node by then, it attacks (a police
** operation, resolved by engagement_police) and retakes the node if it wins.
**
** With response_model = "pool" the call goes to the dispatch queue of
** dispatch.c instead (after the recall rule); "unit" (the default) is the
** rule above.
**
** The recall rule (recall_rule = true): the first time a node of value >= 0.6
** is attacked while gangs hold at least theta_recall of the nodes, up to
** recall_rule_officers officers of the first protection unit on duty are
** recalled to it (cs_world_recall, with its administrative delay). If a
** gang holds the node by then, cs_world_recall sends them to the nearest
** STATE node instead; if the state holds none, the rule does not fire. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct reserve {
  const cs_world *w;
  int need, unit;
  double km;
} reserve;

static int is_reserve(const cs_world *w, int u) {
  const cs_unit_s *un = &w->units[u];
  return (un->kind == CS_UNIT_POLICE || un->kind == CS_UNIT_ARMY) && !un->responding && un->officers > 0 &&
         (un->posture == CS_POSTURE_PATROL || un->posture == CS_POSTURE_GARRISON);
}

static int find_reserve(void *ud, int k, double km) {
  reserve *r = ud;
  const cs_world *w = r->w;
  if (k == r->need || w->owner[k] != CS_PARTY_STATE) return 0;
  for (int u = w->unit_head[k]; u >= 0; u = w->units[u].next)
    if (is_reserve(w, u)) {
      r->unit = u;
      r->km = km;
      return 1;
    }
  return 0;
}

static int recall_rule(cs_world *w, int j) {
  if (!PV(w, P_RECALL_RULE) || w->recall_fired || w->value[j] < 0.6 ||
      cs_world_gang_share(w, 0) < PV(w, P_THETA_RECALL))
    return CS_OK;
  if (CS_PARTY_IS_GANG(w->owner[j])) { /* cs_world_recall sends them to the nearest STATE node */
    int k;
    double km;
    int rc = cs_security_nearest_state(w, j, &k, &km);
    if (rc != CS_OK || k < 0) return rc; /* none: the rule stays armed */
  }
  for (int u = 0; u < w->n_units; u++) {
    cs_unit_s *un = &w->units[u];
    if (un->kind == CS_UNIT_PROTECTION && un->loc == CS_NODE_NONE && un->officers > 0) {
      int64_t n = (int64_t)PV(w, P_RECALL_RULE_N);
      w->recall_fired = 1;
      return cs_world_recall(w, u, n < un->officers ? n : un->officers, j, NULL);
    }
  }
  return CS_OK;
}

int cs_response_call(cs_world *w, int j) {
  int rc = recall_rule(w, j);
  return rc == CS_OK ? cs_response_send(w, j) : rc;
}

int cs_response_send(cs_world *w, int j) {
  int rc;
  if (cs_dispatch_on(w)) return cs_dispatch_call(w, j); /* v2: the dispatch queue */
  reserve r = {w, j, -1, 0};
  if ((rc = cs__graph_visit(w, j, INFINITY, find_reserve, &r)) != CS_OK || r.unit < 0) return rc;
  w->units[r.unit].responding = 1;
  double delay = cs_rng_gamma_int(&w->response_rng[j], 2, PV(w, P_RESPONSE_SCALE));
  cs_event ev = {.kind = EV_DISPATCH, .a = r.unit, .b = j};
  rc = cs_engine_schedule(w->eng, cs__now(w) + delay, PRIO_PROCESS, &ev, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_response_on_dispatch(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int u = ev->a, j = ev->b;
  cs_unit_s *un = &w->units[u];
  if (un->loc < 0 || un->officers == 0) { /* gone meanwhile: the call lapses */
    un->responding = 0;
    return CS_OK;
  }
  if (un->loc == j) {
    un->responding = 0;
    return CS_PARTY_IS_GANG(w->owner[j]) ? cs_engagement_begin(w, CS_PARTY_STATE, j) : CS_OK;
  }
  double km;
  int rc = cs__road_km(w, un->loc, j, &km);
  if (rc != CS_OK) return rc;
  un->posture = CS_POSTURE_OFFENSIVE;
  return cs_security_travel(w, u, j, km, 2);
}

void cs_response_start(cs_world *w) {
  for (int j = 0; j < w->n; j++)
    cs__stream(w, &w->response_rng[j], CS_ENT_NODE, (uint64_t)j, PU_RESPONSE);
}

int cs_response_alloc(cs_world *w) {
  w->response_rng = calloc((size_t)w->n + 1, sizeof *w->response_rng);
  return w->response_rng ? CS_OK : cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
}

void cs_response_free(cs_world *w) {
  free(w->response_rng);
  w->response_rng = NULL;
}
