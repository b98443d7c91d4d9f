/* model_fixture.h: small worlds and a recording sink for the model tests. */
#ifndef CS_MODEL_FIXTURE_H
#define CS_MODEL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "cs_world.h"

/* Records events and checks nothing; tests read the counters. rec_sink_of
** clears it: set on_sample and user afterwards. */
typedef struct rec_sink {
  int n_events[CS_EK_COUNT];
  uint64_t hash;          /* FNV-1a over every event and sample */
  int n_samples;
  int (*on_sample)(struct rec_sink *r, const cs_sample *s);
  void *user;
} rec_sink;

static inline void fnv(uint64_t *h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    *h ^= c[i];
    *h *= 1099511628211ULL;
  }
}
static inline int rs_begin(void *ud, const cs_world *w) {
  rec_sink *r = ud;
  r->hash = 1469598103934665603ULL;
  return CS_OK;
}
static inline int rs_sample(void *ud, const cs_sample *s) {
  rec_sink *r = ud;
  r->n_samples++;
  fnv(&r->hash, &s->t, sizeof s->t);
  return r->on_sample ? r->on_sample(r, s) : CS_OK;
}
static inline int rs_event(void *ud, const cs_event_rec *e) {
  rec_sink *r = ud;
  if (e->kind >= 0 && e->kind < CS_EK_COUNT) r->n_events[e->kind]++;
  fnv(&r->hash, &e->t, sizeof e->t);
  fnv(&r->hash, &e->kind, sizeof e->kind);
  fnv(&r->hash, &e->node, sizeof e->node);
  fnv(&r->hash, &e->actor, sizeof e->actor);
  fnv(&r->hash, &e->target, sizeof e->target);
  fnv(&r->hash, &e->deaths, sizeof e->deaths);
  fnv(&r->hash, &e->displaced, sizeof e->displaced);
  return CS_OK;
}
static inline int rs_end(void *ud, int status) { return CS_OK; }
static inline cs_sink rec_sink_of(rec_sink *r) {
  memset(r, 0, sizeof *r);
  cs_sink s = {r, rs_begin, rs_sample, rs_event, rs_end};
  return s;
}

/* Index of a sampled variable by name, -1 if none. */
static inline int var_index(const cs_sample *s, const char *name) {
  for (int v = 0; v < s->n_vars; v++)
    if (strcmp(s->vars[v].name, name) == 0) return v;
  return -1;
}
static inline int64_t var_i(const cs_sample *s, const char *name, int k) {
  int v = var_index(s, name);
  return v < 0 ? INT64_MIN : ((const int64_t *)s->data[v])[k];
}
static inline double var_d(const cs_sample *s, const char *name, int k) {
  int v = var_index(s, name);
  return v < 0 ? NAN : ((const double *)s->data[v])[k];
}

static inline cs_node_decl node_decl(const char *id, int64_t residents, double value, int owner) {
  cs_node_decl d = {id, NULL, "", 0, 0, residents, value, 0, owner, 0, 0.5};
  return d;
}

/* Three nodes of 1,000 residents (value 0.5) named a, b, c, in a line: roads
** a-b of km_ab and b-c of km_bc; a is STATE-held, b and c held by owner_bc. */
static inline void line3(cs_world *w, const char *a, const char *b, const char *c, double km_ab, double km_bc,
                         int owner_bc) {
  cs_node_decl na = node_decl(a, 1000, 0.5, CS_PARTY_STATE), nb = node_decl(b, 1000, 0.5, owner_bc),
               nc = node_decl(c, 1000, 0.5, owner_bc);
  cs_world_add_node(w, &na, NULL);
  cs_world_add_node(w, &nb, NULL);
  cs_world_add_node(w, &nc, NULL);
  cs_world_add_road(w, 0, 1, km_ab);
  cs_world_add_road(w, 1, 2, km_bc);
}

/* A gang against a fortress it can never take: gang g (1,000,000 members,
** based at A) holds C; B between them (STATE, resid_B residents) is held by
** two garrisons of 1,000,000 officers of lethality 1,000, so the gang's win
** probability is about 1e-15; A (STATE) is behind B, off the gang's frontier.
** Every node has value 0.5 and A and C 1,000 residents; roads A-B and B-C of
** 1 km. With eta = 0 the attack rate on B is lambda0 * a * V^gamma * wS. */
static inline void fortress_line(cs_world *w, int64_t resid_B) {
  cs_node_decl a = node_decl("A", 1000, 0.5, CS_PARTY_STATE);
  cs_node_decl b = node_decl("B", resid_B, 0.5, CS_PARTY_STATE);
  cs_node_decl c = node_decl("C", 1000, 0.5, CS_PARTY_GANG(0));
  cs_gang_decl g = {"g", NULL, 1000000, 0, 0.05, 1.0, 0};
  cs_unit_decl f1 = {"fortress", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 1};
  cs_unit_decl f2 = {"fortress2", CS_UNIT_POLICE, 1000000, 1000.0, CS_POSTURE_GARRISON, 0};
  cs_world_add_node(w, &a, NULL);
  cs_world_add_gang(w, &g, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_node(w, &c, NULL);
  cs_world_add_road(w, 0, 1, 1.0);
  cs_world_add_road(w, 1, 2, 1.0);
  cs_world_add_unit(w, &f1, NULL);
  cs_world_add_unit(w, &f2, NULL);
}

/* The 4x4 test town: nodes n0..n15 (residents 3000 + 500 (j % 5), value
** 0.3 + 0.04 j), STATE-held but for `contested` (CONTESTED; -1: none),
** roads along rows (km_x) and columns (km_y), gang g0 (900 members, 50
** jailed) holding n0 and g1 (700) holding n15. */
static inline void town_4x4(cs_world *w, double km_x, double km_y, int contested) {
  char id[16];
  for (int j = 0; j < 16; j++) {
    snprintf(id, sizeof id, "n%d", j);
    cs_node_decl d = node_decl(id, 3000 + 500 * (j % 5), 0.3 + 0.04 * j, j == contested ? CS_PARTY_CONTESTED : CS_PARTY_STATE);
    cs_world_add_node(w, &d, NULL);
  }
  for (int j = 0; j < 16; j++) {
    if (j % 4 < 3) cs_world_add_road(w, j, j + 1, km_x);
    if (j / 4 < 3) cs_world_add_road(w, j, j + 4, km_y);
  }
  cs_gang_decl g0 = {"g0", NULL, 900, 50, -1, -1, 0};
  cs_gang_decl g1 = {"g1", NULL, 700, 0, -1, -1, 15};
  cs_world_add_gang(w, &g0, NULL);
  cs_world_add_gang(w, &g1, NULL);
  cs_world_set_owner(w, 0, CS_PARTY_GANG(0));
  cs_world_set_owner(w, 15, CS_PARTY_GANG(1));
}

#endif
