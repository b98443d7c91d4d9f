/* raid.c: police operations the police start themselves (raids), not in
** answer to a loss (sim/README.md, raid.c).
**
** The police of Port-au-Prince do not only answer attacks: their specialised
** units raid gang-held quarters, and those operations kill a large share of
** the people killed in the city (BINUH counts at least 590 killed in police
** operations in Q1 2024, of 1,660; data/observed.csv in the Haiti scenarios).
** Version 1 starts a police operation only when a response reaches a node a
** gang took (response.c). Here a gang-held node on the STATE's frontier (a
** road neighbour is STATE-held) is raided at raid_rate per day: a Poisson
** process per node, rate raid_rate while the node is gang-held and borders
** the STATE, 0 otherwise. A raid is a call for the police response without
** the recall rule (cs_response_send): the nearest reserve unit (response_model
** "unit") or a team from the dispatch queue ("pool") goes to the node and, if
** a gang still holds it on arrival, starts a police operation (engagement.c),
** whose result moves control as any other (control.c). What the raid costs
** the police is what responses cost: the units or teams it takes.
**
** The rate is exact, not thinned: it changes only when an owner changes at
** the node or at a neighbour, or the roads or raid_rate change, and notify.c
** redraws the node's clock then (the node's stream (node, PU_RAID)); a
** firing re-checks the rule and draws the next. With raid_rate 0 (the
** default) nothing is scheduled or drawn and runs are version 1's. */
#include "model_int.h"

#include <stdlib.h>

/* Whether j is raided now: gang-held, with a STATE-held road neighbour. */
static int raided(const cs_world *w, int j) {
  if (!CS_PARTY_IS_GANG(w->owner[j])) return 0;
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
    if (w->owner[w->adj_node[k]] == CS_PARTY_STATE) return 1;
  return 0;
}

static double rate_of(const cs_world *w, int j) { return raided(w, j) ? PV(w, P_RAID_RATE) : 0.0; }

int cs_raid_alloc(cs_world *w) {
  size_t n = (size_t)w->n + 1;
  w->raid_h = calloc(n, sizeof *w->raid_h);
  w->raid_rate = calloc(n, sizeof *w->raid_rate);
  w->raid_rng = calloc(n, sizeof *w->raid_rng);
  if (!w->raid_h || !w->raid_rate || !w->raid_rng) return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  return CS_OK;
}

void cs_raid_free(cs_world *w) {
  free(w->raid_h);
  free(w->raid_rate);
  free(w->raid_rng);
  w->raid_h = NULL;
  w->raid_rate = NULL;
  w->raid_rng = NULL;
}

void cs_raid_streams(cs_world *w) {
  for (int j = 0; j < w->n; j++) cs__stream(w, &w->raid_rng[j], CS_ENT_NODE, (uint64_t)j, PU_RAID);
}

/* Redraw j's clock at its rate now (unchanged rate: the pending time stands,
** unless force: a re-keyed stream). */
static int update(cs_world *w, int j, int force) {
  double r = rate_of(w, j);
  if (!force && r == w->raid_rate[j] && (w->raid_h[j] || r <= 0)) return CS_OK;
  cs_event ev = {.kind = EV_RAID, .a = j};
  return cs__redraw(w, &w->raid_h[j], &w->raid_rate[j], r, 0, &w->raid_rng[j], &ev);
}

int cs_raid_update_node(cs_world *w, int j) { return w->raid_h ? update(w, j, 0) : CS_OK; }

int cs_raid_update_around(cs_world *w, int j) {
  int rc = cs_raid_update_node(w, j);
  for (int k = w->adj_start[j]; rc == CS_OK && k < w->adj_start[j + 1]; k++) rc = cs_raid_update_node(w, w->adj_node[k]);
  return rc;
}

int cs_raid_update_all(cs_world *w) {
  for (int j = 0; j < w->n; j++) {
    int rc = cs_raid_update_node(w, j);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int cs_raid_redraw_all(cs_world *w) {
  for (int j = 0; w->raid_h && j < w->n; j++) {
    int rc = update(w, j, 1);
    if (rc != CS_OK) return rc;
  }
  return CS_OK;
}

int cs_raid_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int j = ev->a;
  (void)e;
  w->raid_h[j] = 0;
  int rc = raided(w, j) ? cs_response_send(w, j) : CS_OK; /* always true: owners changing redraw it */
  return rc == CS_OK ? update(w, j, 1) : rc;
}

int cs_raid_start(cs_world *w) {
  cs_raid_streams(w);
  return cs_raid_update_all(w);
}
