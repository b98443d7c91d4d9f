/* world.c: the world's declarations, validation, parameters and state
** queries. The processes live in their own files; this one only holds the
** data together and checks what a scenario declares. */
#include "model_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* ---- small helpers ---- */

int cs__grow(void **p, int *cap, int need, size_t elem) {
  if (need <= *cap) return CS_OK;
  int c = *cap ? *cap : 8;
  while (c < need) {
    if (c > (1 << 28)) return CS_ENOMEM;
    c *= 2;
  }
  void *q = realloc(*p, (size_t)c * elem);
  if (!q) return CS_ENOMEM;
  memset((char *)q + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
  *p = q;
  *cap = c;
  return CS_OK;
}

char *cs__strdup(const char *s) {
  if (!s) s = "";
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static const char *UNIT_KINDS[CS_UNIT_KINDS] = {"police", "protection", "army", "international"};
static const char *POSTURES[CS_POSTURES] = {"garrison", "patrol", "offensive", "guard"};
static const char *EVENT_KINDS[CS_EK_COUNT] = {"engagement", "takeover", "flight", "move",
                                               "recall", "force", "prison_break",
                                               "coalition_formed", "coalition_split", "arrest",
                                               "release", "desertion", "recruitment", "relocation",
                                               "return"};

static int find_name(const char *const *names, int n, const char *s) {
  for (int i = 0; s && i < n; i++)
    if (strcmp(names[i], s) == 0) return i;
  return -1;
}
const char *cs_unit_kind_name(int k) { return k >= 0 && k < CS_UNIT_KINDS ? UNIT_KINDS[k] : "?"; }
int cs_unit_kind_find(const char *s) { return find_name(UNIT_KINDS, CS_UNIT_KINDS, s); }
const char *cs_posture_name(int k) { return k >= 0 && k < CS_POSTURES ? POSTURES[k] : "?"; }
int cs_posture_find(const char *s) { return find_name(POSTURES, CS_POSTURES, s); }
const char *cs_event_kind_name(int k) { return k >= 0 && k < CS_EK_COUNT ? EVENT_KINDS[k] : "?"; }
int cs_event_kind_find(const char *s) { return find_name(EVENT_KINDS, CS_EK_COUNT, s); }

/* ---- indexes: ids and road pairs, open addressing over power-of-two
** tables kept at most half full, so declaring a large city is linear ---- */

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

int cs__index_unit(cs_world *w, int u) { return index_add(&w->unit_index, &w->unit_icap, w->n_units, u, unit_key, w); }
static uint64_t road_key(const cs_world *w, int r) { return hash_pair(w, w->road_a[r], w->road_b[r]); }

/* ---- life cycle ---- */

int cs_world_new(cs_ctx *ctx, cs_world **out) {
  cs_world *w = calloc(1, sizeof *w);
  if (!w) return cs_err(ctx, CS_ENOMEM, "out of memory creating the world");
  w->days = 30;
  w->sample_every = 1;
  w->name = cs__strdup("scenario");
  /* the id tables' hash key: random, since only lookup speed depends on it */
  if (getrandom(&w->hash_key, sizeof w->hash_key, GRND_NONBLOCK) != (ssize_t)sizeof w->hash_key)
    w->hash_key = (uint64_t)(uintptr_t)w ^ ((uint64_t)time(NULL) << 20);
  int rc = w->name ? cs_params_init(w) : CS_ENOMEM;
  if (rc != CS_OK) {
    cs_err(ctx, rc, "out of memory creating the world");
    cs_world_free(w);
    return rc;
  }
  *out = w;
  return CS_OK;
}

void cs_world_free(cs_world *w) {
  if (!w) return;
  for (int i = 0; i < w->n_params; i++) {
    free(w->params[i].name);
    free(w->params[i].doc);
    free(w->params[i].str);
  }
  free(w->params);
  for (int i = 0; i < w->n; i++) {
    free(w->node_id[i]);
    free(w->node_name[i]);
    free(w->node_commune[i]);
  }
  void *node_arrays[] = {w->node_id, w->node_name, w->node_commune, w->x, w->y, w->value,
                         w->fort, w->media, w->site_cap, w->residents, w->residents0,
                         w->hosted, w->origin_disp, w->civ_dead, w->deaths, w->owner,
                         w->intensity, w->intensity_t, w->t_takeover, w->conflict_until};
  for (size_t i = 0; i < sizeof node_arrays / sizeof node_arrays[0]; i++) free(node_arrays[i]);
  free(w->node_index);
  free(w->gang_index);
  free(w->unit_index);
  free(w->coal_index);
  free(w->road_index);
  free(w->road_a);
  free(w->road_b);
  free(w->road_km);
  free(w->adj_start);
  free(w->adj_node);
  free(w->adj_km);
  free(w->dj_dist);
  free(w->dj_touched);
  free(w->dj_heap);
  cs__run_free(w); /* every process's run state, and the engine */
  for (int g = 0; g < w->n_gangs; g++) {
    free(w->gangs[g].id);
    free(w->gangs[g].name);
    free(w->gangs[g].dist);
  }
  free(w->gangs);
  for (int c = 0; c < w->n_coal; c++) {
    free(w->coal[c].id);
    free(w->coal[c].incidents);
  }
  free(w->coal);
  for (int u = 0; u < w->n_units; u++) free(w->units[u].id);
  free(w->units);
  free(w->own_cnt);
  free(w->pending_t);
  free(w->pending_id);
  free(w->name);
  free(w);
}

cs_ctx *cs_world_ctx(cs_world *w) { return &w->ctx; }

/* ---- declarations ---- */

#define DECL_CHECK(w)                                                                     \
  do {                                                                                    \
    if ((w)->finalized)                                                                   \
      return cs_err(&(w)->ctx, CS_EINVAL, "declarations are closed once the world is finalized"); \
  } while (0)

int cs_world_set_horizon(cs_world *w, double days, double sample_every) {
  DECL_CHECK(w);
  if (!(days > 0) || !isfinite(days) || days > 1e6)
    return cs_err(&w->ctx, CS_EINVAL, "days must be a positive number of days (at most 1e6), got %g", days);
  if (!(sample_every > 0) || !isfinite(sample_every) || days / sample_every > 1e7)
    return cs_err(&w->ctx, CS_EINVAL, "sample_every must be positive and give at most 1e7 samples, got %g", sample_every);
  w->days = days;
  w->sample_every = sample_every;
  return CS_OK;
}

int cs_world_set_name(cs_world *w, const char *name) {
  char *d = cs__strdup(name);
  if (!d) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  free(w->name);
  w->name = d;
  return CS_OK;
}

/* Days since 1970-01-01 of a valid "YYYY-MM-DD", or 0 with *ok = 0. */
static long days_from_civil(const char *d, int *ok) {
  int y, m, dd;
  char tail;
  *ok = d && strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3 && d[4] == '-' && d[7] == '-';
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (!*ok || m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1] || y < 1) return *ok = 0, 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && dd == 29 && !leap) return *ok = 0, 0;
  /* Hinnant's days_from_civil */
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400, mp = (m + 9) % 12;
  long doy = (153 * mp + 2) / 5 + dd - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int cs_world_set_start(cs_world *w, const char *date) {
  int ok;
  days_from_civil(date, &ok);
  if (!ok) return cs_err(&w->ctx, CS_EINVAL, "start must be a date \"YYYY-MM-DD\", got '%s'", date ? date : "(null)");
  memcpy(w->start, date, 11);
  return CS_OK;
}

const char *cs_world_start(const cs_world *w) { return w->start; }

double cs_world_day_of(const cs_world *w, const char *date) {
  int ok1, ok2;
  long a = days_from_civil(w->start, &ok1), b = days_from_civil(date, &ok2);
  return ok1 && ok2 ? (double)(b - a) : NAN;
}

static int valid_id(const char *id) {
  if (!id || !*id || strlen(id) > 200) return 0;
  return 1;
}

static int grow_nodes(cs_world *w) {
  if (w->n < w->cap) return CS_OK;
  int c = w->cap ? w->cap * 2 : 16;
  if (c > (1 << 24)) return CS_ENOMEM;
#define G(field) do { void *p_ = realloc(w->field, (size_t)c * sizeof *w->field); if (!p_) return CS_ENOMEM; w->field = p_; } while (0)
  G(node_id); G(node_name); G(node_commune); G(x); G(y); G(value); G(fort); G(media);
  G(site_cap); G(residents); G(residents0); G(hosted); G(origin_disp); G(civ_dead);
  G(deaths); G(owner); G(intensity); G(intensity_t); G(t_takeover); G(conflict_until);
#undef G
  w->cap = c;
  return CS_OK;
}

int cs_world_add_node(cs_world *w, const cs_node_decl *d, int *idx) {
  DECL_CHECK(w);
  if (!valid_id(d->id)) return cs_err(&w->ctx, CS_EINVAL, "a node needs a non-empty id (at most 200 characters)");
  if (cs_world_find_node(w, d->id) >= 0) return cs_err(&w->ctx, CS_EINVAL, "duplicate node id '%s'", d->id);
  if (d->residents < 0) return cs_err(&w->ctx, CS_EINVAL, "node '%s': residents must be >= 0, got %lld", d->id, (long long)d->residents);
  if (!(d->value >= 0 && d->value <= 1)) return cs_err(&w->ctx, CS_EINVAL, "node '%s': value must be in [0, 1], got %g", d->id, d->value);
  if (!(d->fortification == 0 || (d->fortification >= 1 && d->fortification <= 100)))
    return cs_err(&w->ctx, CS_EINVAL, "node '%s': fortification must be in [1, 100], got %g", d->id, d->fortification);
  if (!(d->media >= 0 && d->media <= 1)) return cs_err(&w->ctx, CS_EINVAL, "node '%s': media must be in [0, 1], got %g", d->id, d->media);
  if (d->site_capacity < 0) return cs_err(&w->ctx, CS_EINVAL, "node '%s': site_capacity must be >= 0", d->id);
  if (!isfinite(d->x_km) || !isfinite(d->y_km)) return cs_err(&w->ctx, CS_EINVAL, "node '%s': position must be finite", d->id);
  if (d->owner != CS_PARTY_STATE && d->owner != CS_PARTY_CONTESTED &&
      !(CS_PARTY_IS_GANG(d->owner) && CS_PARTY_GANG_INDEX(d->owner) < w->n_gangs))
    return cs_err(&w->ctx, CS_EINVAL, "node '%s': owner is not STATE, CONTESTED or a declared gang", d->id);
  if (w->pop0 > CS_COUNT_MAX - d->residents) return cs_err(&w->ctx, CS_EINVAL, "node '%s': total population too large", d->id);
  if (grow_nodes(w) != CS_OK) return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding node '%s'", d->id);
  int i = w->n;
  w->node_id[i] = cs__strdup(d->id);
  w->node_name[i] = cs__strdup(d->name ? d->name : d->id);
  w->node_commune[i] = cs__strdup(d->commune);
  if (!w->node_id[i] || !w->node_name[i] || !w->node_commune[i]) {
    free(w->node_id[i]); free(w->node_name[i]); free(w->node_commune[i]);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding node '%s'", d->id);
  }
  w->x[i] = d->x_km;
  w->y[i] = d->y_km;
  w->value[i] = d->value;
  w->fort[i] = d->fortification;
  w->media[i] = d->media;
  w->site_cap[i] = d->site_capacity;
  w->residents[i] = w->residents0[i] = d->residents;
  w->hosted[i] = w->origin_disp[i] = w->civ_dead[i] = w->deaths[i] = 0;
  w->owner[i] = d->owner;
  w->intensity[i] = 0;
  w->intensity_t[i] = 0;
  w->t_takeover[i] = -INFINITY;
  w->conflict_until[i] = PV(w, P_I_CONFLICT) <= 0 ? INFINITY : -INFINITY;
  w->pop0 += d->residents;
  w->n++;
  if (index_add(&w->node_index, &w->node_icap, w->n, i, node_key, w) != CS_OK) {
    w->n--;
    w->pop0 -= d->residents;
    free(w->node_id[i]); free(w->node_name[i]); free(w->node_commune[i]);
    w->node_id[i] = w->node_name[i] = w->node_commune[i] = NULL;
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding node '%s'", d->id);
  }
  if (idx) *idx = i;
  return CS_OK;
}

int cs_world_add_road(cs_world *w, int a, int b, double km) {
  DECL_CHECK(w);
  if (a < 0 || a >= w->n || b < 0 || b >= w->n) return cs_err(&w->ctx, CS_EINVAL, "road: unknown node index");
  if (a == b) return cs_err(&w->ctx, CS_EINVAL, "road from '%s' to itself", w->node_id[a]);
  if (!(km > 0) || !isfinite(km) || km > 1e5)
    return cs_err(&w->ctx, CS_EINVAL, "road '%s'-'%s': length must be a positive number of km, got %g",
                  w->node_id[a], w->node_id[b], km);
  if (w->road_index)
    for (size_t h = (size_t)hash_pair(w, a, b) & (w->road_icap - 1); w->road_index[h] >= 0;
         h = (h + 1) & (w->road_icap - 1)) {
      int r = w->road_index[h];
      if ((w->road_a[r] == a && w->road_b[r] == b) || (w->road_a[r] == b && w->road_b[r] == a))
        return cs_err(&w->ctx, CS_EINVAL, "duplicate road '%s'-'%s'", w->node_id[a], w->node_id[b]);
    }
  int c1 = w->cap_roads, c2 = w->cap_roads, c3 = w->cap_roads;
  if (cs__grow((void **)&w->road_a, &c1, w->n_roads + 1, sizeof(int)) ||
      cs__grow((void **)&w->road_b, &c2, w->n_roads + 1, sizeof(int)) ||
      cs__grow((void **)&w->road_km, &c3, w->n_roads + 1, sizeof(double)))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding a road");
  w->cap_roads = c1;
  w->road_a[w->n_roads] = a;
  w->road_b[w->n_roads] = b;
  w->road_km[w->n_roads] = km;
  w->n_roads++;
  if (index_add(&w->road_index, &w->road_icap, w->n_roads, w->n_roads - 1, road_key, w) != CS_OK) {
    w->n_roads--;
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding a road");
  }
  return CS_OK;
}

int cs_world_set_owner(cs_world *w, int i, int party) {
  DECL_CHECK(w);
  if (i < 0 || i >= w->n) return cs_err(&w->ctx, CS_EINVAL, "set_owner: unknown node");
  if (party != CS_PARTY_STATE && party != CS_PARTY_CONTESTED &&
      !(CS_PARTY_IS_GANG(party) && CS_PARTY_GANG_INDEX(party) < w->n_gangs))
    return cs_err(&w->ctx, CS_EINVAL, "node '%s': owner is not STATE, CONTESTED or a declared gang", w->node_id[i]);
  w->owner[i] = party;
  return CS_OK;
}

int cs_world_add_gang(cs_world *w, const cs_gang_decl *d, int *idx) {
  DECL_CHECK(w);
  if (!valid_id(d->id)) return cs_err(&w->ctx, CS_EINVAL, "a gang needs a non-empty id");
  if (cs_world_find_gang(w, d->id) >= 0) return cs_err(&w->ctx, CS_EINVAL, "duplicate gang id '%s'", d->id);
  if (strcmp(d->id, "STATE") == 0 || strcmp(d->id, "CONTESTED") == 0)
    return cs_err(&w->ctx, CS_EINVAL, "gang id '%s' is reserved", d->id);
  if (d->members < 0 || d->jailed < 0) return cs_err(&w->ctx, CS_EINVAL, "gang '%s': members and jailed must be >= 0", d->id);
  if (d->members > CS_COUNT_MAX || d->jailed > CS_COUNT_MAX - d->members ||
      w->gang_declared > CS_COUNT_MAX - d->members - d->jailed)
    return cs_err(&w->ctx, CS_EINVAL, "gang '%s': members + jailed of all gangs would pass %lld", d->id,
                  (long long)CS_COUNT_MAX);
  if (!isfinite(d->firepower) || !isfinite(d->aggression) || d->firepower > 1e6 || d->aggression > 1e6)
    return cs_err(&w->ctx, CS_EINVAL, "gang '%s': firepower and aggression must be finite", d->id);
  if (d->base < 0 || d->base >= w->n) return cs_err(&w->ctx, CS_EINVAL, "gang '%s': base is not a declared node", d->id);
  if (cs__grow((void **)&w->gangs, &w->cap_gangs, w->n_gangs + 1, sizeof *w->gangs))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding gang '%s'", d->id);
  cs_gang_s *g = &w->gangs[w->n_gangs];
  memset(g, 0, sizeof *g);
  g->id = cs__strdup(d->id);
  g->name = cs__strdup(d->name ? d->name : d->id);
  if (!g->id || !g->name) {
    free(g->id); free(g->name);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding gang '%s'", d->id);
  }
  g->members = g->members0 = d->members;
  g->jailed = g->jailed0 = d->jailed;
  g->q = d->firepower;   /* < 0: default, resolved at finalize */
  g->a = d->aggression;
  g->base = d->base;
  g->coalition = -1;
  if (index_add(&w->gang_index, &w->gang_icap, w->n_gangs + 1, w->n_gangs, gang_key, w) != CS_OK) {
    free(g->id); free(g->name);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding gang '%s'", d->id);
  }
  w->gang_declared += d->members + d->jailed;
  if (idx) *idx = w->n_gangs;
  w->n_gangs++;
  return CS_OK;
}

int cs_world_add_coalition(cs_world *w, const char *id, const int *gangs, int n_gangs,
                           double cohesion, int *idx) {
  DECL_CHECK(w);
  if (!valid_id(id)) return cs_err(&w->ctx, CS_EINVAL, "a coalition needs a non-empty id");
  if (cs_world_find_coalition(w, id) >= 0) return cs_err(&w->ctx, CS_EINVAL, "duplicate coalition id '%s'", id);
  if (!(cohesion >= 0 && cohesion <= 1)) return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': cohesion must be in [0, 1], got %g", id, cohesion);
  for (int i = 0; i < n_gangs; i++) {
    if (gangs[i] < 0 || gangs[i] >= w->n_gangs) return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': unknown gang", id);
    if (w->gangs[gangs[i]].coalition >= 0)
      return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': gang '%s' is already in coalition '%s'", id,
                    w->gangs[gangs[i]].id, w->coal[w->gangs[gangs[i]].coalition].id);
    for (int k = 0; k < i; k++)
      if (gangs[k] == gangs[i])
        return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': gang '%s' is listed twice", id, w->gangs[gangs[i]].id);
  }
  if (n_gangs < 2)
    return cs_err(&w->ctx, CS_EINVAL, "coalition '%s': a coalition needs at least two gangs, got %d", id, n_gangs);
  if (cs__grow((void **)&w->coal, &w->cap_coal, w->n_coal + 1, sizeof *w->coal))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  memset(&w->coal[w->n_coal], 0, sizeof w->coal[w->n_coal]);
  w->coal[w->n_coal].id = cs__strdup(id);
  if (!w->coal[w->n_coal].id) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  w->coal[w->n_coal].chi = w->coal[w->n_coal].chi_decl = cohesion;
  if (index_add(&w->coal_index, &w->coal_icap, w->n_coal + 1, w->n_coal, coal_key, w) != CS_OK) {
    free(w->coal[w->n_coal].id);
    w->coal[w->n_coal].id = NULL;
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding coalition '%s'", id);
  }
  for (int i = 0; i < n_gangs; i++) w->gangs[gangs[i]].coalition = w->n_coal;
  if (idx) *idx = w->n_coal;
  w->n_coal++;
  return CS_OK;
}

int cs_world_add_unit(cs_world *w, const cs_unit_decl *d, int *idx) {
  DECL_CHECK(w);
  return cs_security_add_unit(w, d, idx);
}

/* Connectivity by breadth-first search over the road list. */
static int check_connected(cs_world *w) {
  if (w->n == 1) return CS_OK;
  int *seen = calloc((size_t)w->n, sizeof *seen), *stack = malloc((size_t)w->n * sizeof *stack);
  if (!seen || !stack) {
    free(seen); free(stack);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  }
  int top = 0, count = 1;
  seen[0] = 1;
  stack[top++] = 0;
  while (top > 0) {
    int j = stack[--top];
    for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
      if (!seen[w->adj_node[k]]) {
        seen[w->adj_node[k]] = 1;
        count++;
        stack[top++] = w->adj_node[k];
      }
  }
  int rc = CS_OK;
  if (count < w->n) {
    int first = 0;
    while (seen[first]) first++;
    rc = cs_err(&w->ctx, CS_EINVAL,
                "the road graph is not connected: %d of %d nodes cannot be reached from '%s' (for example '%s')",
                w->n - count, w->n, w->node_id[0], w->node_id[first]);
  }
  free(seen);
  free(stack);
  return rc;
}

static int build_adjacency(cs_world *w) {
  w->adj_start = calloc((size_t)w->n + 1, sizeof *w->adj_start);
  w->adj_node = malloc((size_t)(2 * w->n_roads + 1) * sizeof *w->adj_node);
  w->adj_km = malloc((size_t)(2 * w->n_roads + 1) * sizeof *w->adj_km);
  int *fill = calloc((size_t)w->n, sizeof *fill);
  if (!w->adj_start || !w->adj_node || !w->adj_km || !fill) {
    free(fill);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory building the road graph");
  }
  for (int r = 0; r < w->n_roads; r++) {
    w->adj_start[w->road_a[r] + 1]++;
    w->adj_start[w->road_b[r] + 1]++;
  }
  for (int j = 0; j < w->n; j++) w->adj_start[j + 1] += w->adj_start[j];
  /* Neighbours in road declaration order: deterministic. */
  for (int r = 0; r < w->n_roads; r++) {
    int a = w->road_a[r], b = w->road_b[r];
    int ka = w->adj_start[a] + fill[a]++, kb = w->adj_start[b] + fill[b]++;
    w->adj_node[ka] = b;
    w->adj_km[ka] = w->road_km[r];
    w->adj_node[kb] = a;
    w->adj_km[kb] = w->road_km[r];
  }
  free(fill);
  return CS_OK;
}

void cs_world_set_memory_limit(cs_world *w, size_t bytes) { w->mem_limit = bytes; }

/* Samples at 0, every, 2 every, ... up to days; a horizon that is a multiple of
** the interval only up to rounding counts as one (cs_sample_time). */
static int samples_for(const cs_world *w) { return (int)floor(w->days / w->sample_every * (1 + 1e-12)) + 1; }

/* What the tables of a world this size take, about: a prior of 512 bytes per
** neighbourhood (its ~20 arrays, streams and ledger entries), and the tables
** kept per (gang, neighbourhood) pair (attack clock and stream, frontier
** count, distance) and per (gang, gang) pair (retaliation). */
static double table_bytes(const cs_world *w) {
  double n = w->n, g = w->n_gangs;
  double pair = sizeof(cs_clock) + sizeof(cs_pcg32) + sizeof(int) + sizeof(double);
  double gpair = 3 * sizeof(double) + sizeof(cs_handle) + sizeof(cs_pcg32);
  return n * 512 + g * n * pair + g * g * gpair + (double)w->n_roads * 64 + (double)w->n_units * 128;
}

int cs_world_finalize(cs_world *w) {
  DECL_CHECK(w);
  if (w->n == 0) return cs_err(&w->ctx, CS_EINVAL, "the scenario declares no neighbourhoods");
  if (w->mem_limit && table_bytes(w) > (double)w->mem_limit)
    return cs_err(&w->ctx, CS_EINVAL,
                  "the model's tables for %d neighbourhoods and %d gangs would take about %.0f MiB, more than the "
                  "memory limit of %.0f MiB (--mem-limit)",
                  w->n, w->n_gangs, table_bytes(w) / 1048576.0, (double)w->mem_limit / 1048576.0);
  int rc = build_adjacency(w);
  if (rc != CS_OK) return rc;
  if ((rc = check_connected(w)) != CS_OK) return rc;
  for (int j = 0; j < w->n; j++)
    if (w->fort[j] == 0) w->fort[j] = PV(w, P_F_URBAN);
  for (int g = 0; g < w->n_gangs; g++) {
    cs_gang_s *gg = &w->gangs[g];
    if (gg->q < 0) gg->q = PV(w, P_LETH_GANG);
    if (gg->a < 0) gg->a = 1.0;
    gg->dist = malloc((size_t)w->n * sizeof *gg->dist);
    if (!gg->dist) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
    if ((rc = cs__dijkstra(w, gg->base, gg->dist)) != CS_OK) return rc;
  }
  for (int u = 0; u < w->n_units; u++)
    if (w->units[u].lethality < 0) w->units[u].lethality = cs_security_default_lethality(w, w->units[u].kind);
  w->own_cnt = calloc((size_t)w->n_gangs * (size_t)w->n + 1, sizeof *w->own_cnt);
  if (!w->own_cnt) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  for (int j = 0; j < w->n; j++) cs_takeover_count(w, j, w->owner[j], +1);
  if ((rc = cs_flight_build(w)) != CS_OK) return rc;
  w->n_samples = samples_for(w);
  /* every sample writes one row of every trajectory: keep the file within reach */
  int nv;
  const cs_var *vars = cs_world_vars(&nv);
  double per_sample = 0;
  for (int v = 0; v < nv; v++)
    per_sample += vars[v].dim == CS_DIM_NODE ? w->n : vars[v].dim == CS_DIM_GANG ? w->n_gangs : 1;
  if (per_sample * w->n_samples > CS_MAX_TRAJECTORY_VALUES)
    return cs_err(&w->ctx, CS_EINVAL,
                  "%d samples of %d neighbourhoods would write %.3g values (about %.0f GiB) of trajectories, more "
                  "than %.0e: raise sample_every or shorten days",
                  w->n_samples, w->n, per_sample * w->n_samples, per_sample * w->n_samples * 8 / 1073741824.0,
                  (double)CS_MAX_TRAJECTORY_VALUES);
  w->finalized = 1;
  return CS_OK;
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
int cs_world_find_party(const cs_world *w, const char *name) {
  if (!name) return CS_PARTY_NONE;
  if (strcmp(name, "STATE") == 0) return CS_PARTY_STATE;
  if (strcmp(name, "CONTESTED") == 0) return CS_PARTY_CONTESTED;
  int g = cs_world_find_gang(w, name);
  return g >= 0 ? CS_PARTY_GANG(g) : CS_PARTY_NONE;
}
const char *cs_world_party_name(const cs_world *w, int p) {
  if (p == CS_PARTY_STATE) return "STATE";
  if (p == CS_PARTY_CONTESTED) return "CONTESTED";
  if (CS_PARTY_IS_GANG(p) && CS_PARTY_GANG_INDEX(p) < w->n_gangs) return w->gangs[CS_PARTY_GANG_INDEX(p)].id;
  return NULL;
}
int cs_world_n_nodes(const cs_world *w) { return w->n; }
int cs_world_n_gangs(const cs_world *w) { return w->n_gangs; }
int cs_world_n_units(const cs_world *w) { return w->n_units; }
int cs_world_n_coalitions(const cs_world *w) { return w->n_coal; }
const char *cs_world_name(const cs_world *w) { return w->name; }
const char *cs_world_node_id(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->node_id[i] : NULL; }
const char *cs_world_node_name(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->node_name[i] : NULL; }
const char *cs_world_node_commune(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->node_commune[i] : NULL; }
const char *cs_world_gang_id(const cs_world *w, int g) { return g >= 0 && g < w->n_gangs ? w->gangs[g].id : NULL; }
const char *cs_world_gang_name(const cs_world *w, int g) { return g >= 0 && g < w->n_gangs ? w->gangs[g].name : NULL; }
const char *cs_world_unit_id(const cs_world *w, int u) { return u >= 0 && u < w->n_units ? w->units[u].id : NULL; }
void cs_world_node_xy(const cs_world *w, int i, double *x_km, double *y_km) {
  *x_km = i >= 0 && i < w->n ? w->x[i] : NAN;
  *y_km = i >= 0 && i < w->n ? w->y[i] : NAN;
}
int cs_world_n_roads(const cs_world *w) { return w->n_roads; }
void cs_world_road(const cs_world *w, int r, int *a, int *b, double *km) {
  int ok = r >= 0 && r < w->n_roads;
  *a = ok ? w->road_a[r] : -1;
  *b = ok ? w->road_b[r] : -1;
  *km = ok ? w->road_km[r] : NAN;
}
double cs_world_days(const cs_world *w) { return w->days; }
double cs_world_sample_every(const cs_world *w) { return w->sample_every; }
int cs_world_n_samples(const cs_world *w) {
  return w->finalized ? w->n_samples : samples_for(w);
}

/* ---- parameters ---- */

int cs_world_param_find(const cs_world *w, const char *name) {
  for (int i = 0; name && i < w->n_params; i++)
    if (strcmp(w->params[i].name, name) == 0) return i;
  return -1;
}
static const char *param_name_of(const void *params, int i) { return ((const cs_param *)params)[i].name; }

const char *cs_world_param_hint(cs_world *w, const char *name) {
  const char *near = cs_nearest_name_of(name, w->params, w->n_params, param_name_of);
  if (near) snprintf(w->hint, sizeof w->hint, " (did you mean '%.60s'?)", near);
  else w->hint[0] = '\0';
  return w->hint;
}
int cs_world_param_count(const cs_world *w) { return w->n_params; }
void cs_world_param_info(const cs_world *w, int i, cs_param_info *o) {
  const cs_param *p = &w->params[i];
  o->name = p->name;
  o->doc = p->doc;
  o->units = p->units ? p->units : "";
  o->type = p->type;
  o->num = p->num;
  o->str = p->str;
  o->min = p->min;
  o->max = p->max;
  o->is_model = p->is_model;
}
double cs_world_param(const cs_world *w, const char *name) {
  int i = cs_world_param_find(w, name);
  return i >= 0 && w->params[i].type != CS_PT_STRING ? w->params[i].num : NAN;
}

static const char *TYPE_NAMES[] = {"number", "integer", "boolean", "string"};
static const char *TYPE_ARTICLE[] = {"a", "an", "a", "a"};

int cs_world_param_declare(cs_world *w, const char *name, cs_param_type type, double num,
                           const char *str, const char *doc) {
  if (!name || !*name) return cs_err(&w->ctx, CS_EINVAL, "a parameter needs a name");
  if (cs_world_param_find(w, name) >= 0)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is already declared%s", name,
                  w->params[cs_world_param_find(w, name)].is_model ? " (it is a model parameter: set it with model{})" : "");
  if (type != CS_PT_STRING && !isfinite(num)) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s': default must be finite", name);
  if (type == CS_PT_INTEGER && fabs(num) > 9007199254740992.0) /* as cs_world_param_set: exact in a double */
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s': an integer default must be at most 2^53 in size", name);
  if (cs__grow((void **)&w->params, &w->cap_params, w->n_params + 1, sizeof *w->params))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  cs_param *p = &w->params[w->n_params];
  memset(p, 0, sizeof *p);
  p->name = cs__strdup(name);
  p->doc = cs__strdup(doc);
  p->str = type == CS_PT_STRING ? cs__strdup(str) : NULL;
  if (!p->name || !p->doc || (type == CS_PT_STRING && !p->str)) {
    free(p->name); free(p->doc); free(p->str);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  }
  p->units = "";
  p->type = type;
  p->num = type == CS_PT_STRING ? 0 : num;
  p->min = -HUGE_VAL;
  p->max = HUGE_VAL;
  w->n_params++;
  return CS_OK;
}

int cs_world_param_set(cs_world *w, const char *name, double v) {
  int i = cs_world_param_find(w, name);
  if (i < 0)
    return cs_err(&w->ctx, CS_EINVAL, "unknown parameter '%s'%s", name ? name : "(null)",
                  name ? cs_world_param_hint(w, name) : "");
  cs_param *p = &w->params[i];
  if (p->type == CS_PT_STRING) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is a string", name);
  if (!isfinite(v)) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be finite, got %g", name, v);
  if (p->type == CS_PT_INTEGER && (v != floor(v) || fabs(v) > 9007199254740992.0))
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be an integer (a whole number of at most 2^53), got %.17g", name, v);
  if (p->type == CS_PT_BOOLEAN && v != 0 && v != 1)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be a boolean", name);
  if (v < p->min || v > p->max)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be in [%g, %g], got %g", name, p->min, p->max, v);
  if (i == P_RECALL_MIN && v > PV(w, P_RECALL_MAX))
    return cs_err(&w->ctx, CS_EINVAL, "recall_delay_min must not exceed recall_delay_max");
  if (i == P_RECALL_MAX && v < PV(w, P_RECALL_MIN))
    return cs_err(&w->ctx, CS_EINVAL, "recall_delay_max must not be below recall_delay_min");
  double old = p->num;
  p->num = v;
  if (w->running && p->is_model) return cs_notify_param(w, i, old);
  return CS_OK;
}

int cs_world_param_set_str(cs_world *w, const char *name, const char *v) {
  int i = cs_world_param_find(w, name);
  if (i < 0)
    return cs_err(&w->ctx, CS_EINVAL, "unknown parameter '%s'%s", name ? name : "(null)",
                  name ? cs_world_param_hint(w, name) : "");
  if (w->params[i].type != CS_PT_STRING)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is %s %s, not a string", name, TYPE_ARTICLE[w->params[i].type],
                  TYPE_NAMES[w->params[i].type]);
  if (w->params[i].choices) {
    int ok = 0;
    char list[256] = "";
    for (int c = 0; w->params[i].choices[c]; c++) {
      ok |= v && strcmp(v, w->params[i].choices[c]) == 0;
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c ? ", " : "", w->params[i].choices[c]);
    }
    if (!ok) return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' must be one of %s, got '%s'", name, list, v ? v : "(null)");
  }
  char *d = cs__strdup(v);
  if (!d) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  free(w->params[i].str);
  w->params[i].str = d;
  return CS_OK;
}

int cs_world_param_set_text(cs_world *w, const char *name, const char *text) {
  int i = cs_world_param_find(w, name);
  if (i < 0)
    return cs_err(&w->ctx, CS_EINVAL, "unknown parameter '%s'%s", name ? name : "(null)",
                  name ? cs_world_param_hint(w, name) : "");
  cs_param *p = &w->params[i];
  if (p->type == CS_PT_STRING) return cs_world_param_set_str(w, name, text);
  if (p->type == CS_PT_BOOLEAN) {
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) return cs_world_param_set(w, name, 1);
    if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) return cs_world_param_set(w, name, 0);
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' is a boolean: use true, false, 1 or 0, got '%s'", name, text);
  }
  /* decimal only: strtod would also take hexadecimal, "inf" and "nan" */
  char *end = NULL;
  errno = 0;
  double v = text[strspn(text, "0123456789+-.eE")] == '\0' ? strtod(text, &end) : 0;
  if (!end || end == text || *end != '\0' || errno == ERANGE)
    return cs_err(&w->ctx, CS_EINVAL, "parameter '%s' takes a finite %s written in decimal, got '%s'", name,
                  TYPE_NAMES[p->type], text);
  return cs_world_param_set(w, name, v);
}

/* ---- state ---- */

double cs__now(const cs_world *w) { return w->eng ? cs_engine_now(w->eng) : 0.0; }
double cs_world_now(const cs_world *w) { return cs__now(w); }
int cs_world_finished(const cs_world *w) { return w->ran && !w->running; }

double cs__intensity(const cs_world *w, int j, double t) {
  if (w->intensity[j] == 0) return 0;
  return w->intensity[j] * exp(-(t - w->intensity_t[j]) / PV(w, P_TAU_I));
}

static void conflict_set(cs_world *w, int j) {
  double I = w->intensity[j], Ic = PV(w, P_I_CONFLICT);
  if (Ic <= 0) w->conflict_until[j] = INFINITY;
  else w->conflict_until[j] = I >= Ic ? w->intensity_t[j] + PV(w, P_TAU_I) * log(I / Ic) : -INFINITY;
}

void cs__intensity_add(cs_world *w, int j, double t, double amount) {
  w->intensity[j] = cs__intensity(w, j, t) + amount;
  w->intensity_t[j] = t;
  conflict_set(w, j);
}

void cs__conflict_refresh(cs_world *w) {
  for (int j = 0; j < w->n; j++) conflict_set(w, j);
}

int cs__emit(cs_world *w, const cs_event_rec *ev) {
  int rc;
  cs_event_rec rec = *ev, *e = &rec;
  cs_observe(w, e);
  if (w->sink && w->sink->event && (rc = w->sink->event(w->sink->ud, e)) != CS_OK) return rc;
  if (w->hooks.event && (rc = w->hooks.event(w->hooks.ud, w, e)) != CS_OK) return rc;
  return CS_OK;
}

int cs__log(cs_world *w, double t, int kind, int node, int actor, int target, int64_t deaths,
            int64_t displaced) {
  cs_event_rec r = {t, kind, node, actor, target, deaths, displaced, 0, NAN, -1};
  return cs__emit(w, &r);
}

void cs_world_set_hooks(cs_world *w, const cs_hooks *h) {
  if (h) w->hooks = *h;
  else memset(&w->hooks, 0, sizeof w->hooks);
}

int cs_world_node_owner(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->owner[i] : CS_PARTY_NONE; }
int64_t cs_world_node_residents(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->residents[i] : 0; }
int64_t cs_world_node_displaced_hosted(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->hosted[i] : 0; }
int64_t cs_world_node_displaced_origin(const cs_world *w, int i) { return i >= 0 && i < w->n ? w->origin_disp[i] : 0; }
int64_t cs_world_node_officers(const cs_world *w, int i) { return i >= 0 && i < w->n ? cs_security_officers_at(w, i) : 0; }
int64_t cs_world_gang_members(const cs_world *w, int g) { return g >= 0 && g < w->n_gangs ? w->gangs[g].members : 0; }
int cs_world_gang_nodes(const cs_world *w, int g) { return g >= 0 && g < w->n_gangs ? w->gangs[g].held : 0; }
int64_t cs_world_unit_officers(const cs_world *w, int u) { return u >= 0 && u < w->n_units ? w->units[u].officers : 0; }
int cs_world_unit_location(const cs_world *w, int u) {
  return u >= 0 && u < w->n_units && w->units[u].loc >= 0 ? w->units[u].loc : -1;
}

double cs_world_gang_share(const cs_world *w, int by_population) {
  double held = 0, all = 0;
  for (int j = 0; j < w->n; j++) {
    double wt = by_population ? (double)w->residents0[j] : 1.0;
    all += wt;
    if (CS_PARTY_IS_GANG(w->owner[j])) held += wt;
  }
  return all > 0 ? held / all : 0.0;
}
