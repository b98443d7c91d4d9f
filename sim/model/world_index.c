/* world_index.c: the world's indexes of ids (nodes, gangs, units,
** coalitions) and of road pairs. Open addressing over power-of-two tables
** kept at most half full, so declaring a large city is linear and a lookup
** is O(1) on average. Split out of world.c: the hashing, its per-world
** random key and the table invariants are a job of their own.
**
** Invariants: every table holds the indices 0 .. n-1 of its items, each
** once, at the slot its key's probe sequence reaches first; -1 marks an
** empty slot; the capacity is a power of two at least 2n + 2. */
#include "model_int.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a from a per-world random start, then a splitmix64 finish: ids made
** to collide offline cannot slow the lookups down. The key changes only where
** an id sits in a table, never what a lookup returns, so results do not
** depend on it. */
static uint64_t hash_str(const cs_world *w, const char *k) {
  uint64_t h = 1469598103934665603ULL ^ w->hash_key;
  for (; *k; k++) h = (h ^ (unsigned char)*k) * 1099511628211ULL;
  h ^= w->hash_key;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

static uint64_t hash_pair(const cs_world *w, int a, int b) {
  uint64_t lo = (uint64_t)(a < b ? a : b), hi = (uint64_t)(a < b ? b : a);
  uint64_t h = ((lo << 32 | hi) ^ w->hash_key) * 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

/* Rebuild table t (cap entries) for n items whose hashes key(i) gives. */
static int index_rebuild(int **t, size_t *cap, int n, uint64_t (*key)(const cs_world *, int), const cs_world *w) {
  size_t c = 64;
  while (c < (size_t)n * 2 + 2) c *= 2;
  int *nt = malloc(c * sizeof *nt);
  if (!nt) return CS_ENOMEM;
  for (size_t i = 0; i < c; i++) nt[i] = -1;
  for (int i = 0; i < n; i++) {
    size_t h = (size_t)key(w, i) & (c - 1);
    while (nt[h] >= 0) h = (h + 1) & (c - 1);
    nt[h] = i;
  }
  free(*t);
  *t = nt;
  *cap = c;
  return CS_OK;
}

typedef const char *(*id_of_fn)(const cs_world *w, int i);
static const char *node_id_of(const cs_world *w, int i) { return w->node_id[i]; }
static const char *gang_id_of(const cs_world *w, int i) { return w->gangs[i].id; }
static const char *unit_id_of(const cs_world *w, int i) { return w->units[i].id; }
static const char *coal_id_of(const cs_world *w, int i) { return w->coal[i].id; }
static uint64_t node_key(const cs_world *w, int i) { return hash_str(w, node_id_of(w, i)); }
static uint64_t gang_key(const cs_world *w, int i) { return hash_str(w, gang_id_of(w, i)); }
static uint64_t unit_key(const cs_world *w, int i) { return hash_str(w, unit_id_of(w, i)); }
static uint64_t coal_key(const cs_world *w, int i) { return hash_str(w, coal_id_of(w, i)); }

/* The index of id among the first n items of table t (cap slots), -1 if none. */
static int index_find(const cs_world *w, const int *t, size_t cap, int n, id_of_fn id_of, const char *id) {
  if (!id || !t) return -1;
  for (size_t h = (size_t)hash_str(w, id) & (cap - 1); t[h] >= 0; h = (h + 1) & (cap - 1))
    if (t[h] < n && strcmp(id_of(w, t[h]), id) == 0) return t[h];
  return -1;
}

/* Index item i, the last of n, in table *t (of *cap slots) under key(i). */
static int index_add(int **t, size_t *cap, int n, int i, uint64_t (*key)(const cs_world *, int), const cs_world *w) {
  if ((size_t)n * 2 + 2 > *cap) return index_rebuild(t, cap, n, key, w);
  size_t h = (size_t)key(w, i) & (*cap - 1);
  while ((*t)[h] >= 0) h = (h + 1) & (*cap - 1);
  (*t)[h] = i;
  return CS_OK;
}

static uint64_t road_key(const cs_world *w, int r) { return hash_pair(w, w->road_a[r], w->road_b[r]); }

/* ---- the calls world.c makes ---- */

int cs__index_node(cs_world *w, int i) { return index_add(&w->node_index, &w->node_icap, w->n, i, node_key, w); }
int cs__index_gang(cs_world *w, int g) {
  return index_add(&w->gang_index, &w->gang_icap, g + 1, g, gang_key, w);
}
int cs__index_unit(cs_world *w, int u) { return index_add(&w->unit_index, &w->unit_icap, w->n_units, u, unit_key, w); }
int cs__index_coalition(cs_world *w, int c) {
  return index_add(&w->coal_index, &w->coal_icap, c + 1, c, coal_key, w);
}
int cs__index_road(cs_world *w, int r) { return index_add(&w->road_index, &w->road_icap, r + 1, r, road_key, w); }

int cs__road_find(const cs_world *w, int a, int b) {
  if (!w->road_index) return -1;
  for (size_t h = (size_t)hash_pair(w, a, b) & (w->road_icap - 1); w->road_index[h] >= 0;
       h = (h + 1) & (w->road_icap - 1)) {
    int r = w->road_index[h];
    if ((w->road_a[r] == a && w->road_b[r] == b) || (w->road_a[r] == b && w->road_b[r] == a)) return r;
  }
  return -1;
}

/* ---- lookups ---- */



int cs_world_find_node(const cs_world *w, const char *id) {
  return index_find(w, w->node_index, w->node_icap, w->n, node_id_of, id);
}
int cs_world_find_gang(const cs_world *w, const char *id) {
  return index_find(w, w->gang_index, w->gang_icap, w->n_gangs, gang_id_of, id);
}
int cs_world_find_unit(const cs_world *w, const char *id) {
  return index_find(w, w->unit_index, w->unit_icap, w->n_units, unit_id_of, id);
}
int cs_world_find_coalition(const cs_world *w, const char *id) {
  return index_find(w, w->coal_index, w->coal_icap, w->n_coal, coal_id_of, id);
}
