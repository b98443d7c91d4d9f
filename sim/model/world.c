/* world.c: the world's life cycle, declarations, validation and state
** queries. The processes live in their own files; this one only holds the
** data together and checks what a scenario declares. Its id and road
** indexes are in world_index.c, its parameter API in params.c (split out
** when this file passed 850 lines: each is a separate job with its own
** invariants), the road graph's adjacency and road closures in roads.c. */
#include "model_int.h"

#include <assert.h>
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
                                               "return", "cohesion_set", "media_set",
                                               "road_closed", "road_opened", "lynching",
                                               "call_dropped"};

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

/* ---- life cycle ---- */

int cs_world_new(cs_ctx *ctx, cs_world **out) {
  cs_world *w = calloc(1, sizeof *w);
  if (!w) return cs_err(ctx, CS_ENOMEM, "out of memory creating the world");
  w->days = 30;
  w->branch_at = NAN;
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
  /* The model's slots are filled in the order of params.c's table, not of
  ** their indexes: after a failure part-way, any of them may hold strings. */
  int n_slots = w->n_params > P_MODEL_COUNT ? w->n_params : P_MODEL_COUNT;
  for (int i = 0; w->params && i < n_slots; i++) {
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
  free(w->rival_pairs);
  free(w->rival);
  free(w->road_index);
  free(w->road_a);
  free(w->road_b);
  free(w->road_km);
  free(w->road_closed);
  free(w->adj_start);
  free(w->adj_node);
  free(w->adj_km);
  free(w->dj_dist);
  free(w->reach_src);
  cs_reach_free(w);
  free(w->dj_touched);
  free(w->dj_heap);
  cs__run_free(w); /* every process's run state, and the engine */
  cs_cohorts_free(w);
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
  free(w->held);
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
  if (cs__index_node(w, i) != CS_OK) {
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
  if (cs__road_find(w, a, b) >= 0)
    return cs_err(&w->ctx, CS_EINVAL, "duplicate road '%s'-'%s'", w->node_id[a], w->node_id[b]);
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
  if (cs__index_road(w, w->n_roads - 1) != CS_OK) {
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
  g->spoils_norm = 1; /* M_g: 1 but under spoils_by "choice" during a run (spoils.c) */
  if (cs__index_gang(w, w->n_gangs) != CS_OK) {
    free(g->id); free(g->name);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory adding gang '%s'", d->id);
  }
  w->gang_declared += d->members + d->jailed;
  if (idx) *idx = w->n_gangs;
  w->n_gangs++;
  return CS_OK;
}

int cs_world_add_rivalry(cs_world *w, int g, int h) {
  DECL_CHECK(w);
  if (g < 0 || g >= w->n_gangs || h < 0 || h >= w->n_gangs) return cs_err(&w->ctx, CS_EINVAL, "rivalry: unknown gang");
  if (g == h) return cs_err(&w->ctx, CS_EINVAL, "rivalry: gang '%s' cannot be its own rival", w->gangs[g].id);
  if (cs__grow((void **)&w->rival_pairs, &w->cap_rival, 2 * (w->n_rival + 1), sizeof *w->rival_pairs))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  w->rival_pairs[2 * w->n_rival] = g;
  w->rival_pairs[2 * w->n_rival + 1] = h;
  w->n_rival++;
  return CS_OK;
}

int cs_world_n_rivalries(const cs_world *w) { return w->finalized ? w->n_rival : 0; }

void cs_world_rivalry(const cs_world *w, int k, int *g, int *h) {
  *g = w->rival_pairs[2 * k];
  *h = w->rival_pairs[2 * k + 1];
}

int cs_gang_rivals(const cs_world *w, int g, int h) {
  return w->rival && w->rival[(size_t)g * (size_t)w->n_gangs + (size_t)h];
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
  if (cs__index_coalition(w, w->n_coal) != CS_OK) {
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
  int rc = cs__roads_build(w); /* roads.c */
  if (rc != CS_OK) return rc;
  if ((rc = cs__roads_check_connected(w)) != CS_OK) return rc;
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
  if (w->n_rival > 0) {
    w->rival = calloc((size_t)w->n_gangs * (size_t)w->n_gangs, 1);
    if (!w->rival) return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
    int kept = 0; /* the distinct pairs, in the order of their first declaration */
    for (int k = 0; k < w->n_rival; k++) {
      size_t g = (size_t)w->rival_pairs[2 * k], h = (size_t)w->rival_pairs[2 * k + 1], n = (size_t)w->n_gangs;
      if (w->rival[g * n + h]) continue;
      w->rival[g * n + h] = w->rival[h * n + g] = 1;
      w->rival_pairs[2 * kept] = (int)g;
      w->rival_pairs[2 * kept + 1] = (int)h;
      kept++;
    }
    w->n_rival = kept;
  }
  for (int j = 0; j < w->n; j++) cs_takeover_count(w, j, w->owner[j], +1);
  if ((rc = cs_flight_build(w)) != CS_OK) return rc;
  if ((rc = cs_cohorts_finalize(w)) != CS_OK) return rc; /* people displaced at t = 0 */
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

/* ---- state ---- */

double cs__now(const cs_world *w) { return w->eng ? cs_engine_now(w->eng) : 0.0; }

double cs__next_tick(double now, double dt) { return (floor(now / dt + 1e-9) + 1) * dt; }
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

/* Observe e (fills its observation fields) and write it to the sink. */
static int record(cs_world *w, cs_event_rec *e) {
  cs_observe(w, e);
  return w->sink && w->sink->event ? w->sink->event(w->sink->ud, e) : CS_OK;
}

int cs__emit(cs_world *w, const cs_event_rec *ev) {
  int rc;
  if (w->held_on) { /* inside an engagement's aftermath: logged after its rows */
    if (cs__grow((void **)&w->held, &w->cap_held, w->n_held + 1, sizeof *w->held) != CS_OK)
      return cs_err(&w->ctx, CS_ENOMEM, "out of memory logging an event");
    w->held[w->n_held++] = *ev;
    return CS_OK;
  }
  cs_event_rec rec = *ev;
  if ((rc = record(w, &rec)) != CS_OK) return rc;
  if (w->hooks.event && (rc = w->hooks.event(w->hooks.ud, w, &rec)) != CS_OK) return rc;
  return CS_OK;
}

void cs__log_hold(cs_world *w) {
  assert(!w->held_on && "holds do not nest");
  w->held_on = 1;
  w->n_held = 0;
}

int cs__log_release(cs_world *w, const cs_event_rec *first, int n_first) {
  int rc = CS_OK, n = w->n_held;
  w->held_on = 0;
  w->n_held = 0;
  /* first[] goes to the sink whole before any hook runs: a script's
  ** callback on the engagement row may intervene and log, and its rows must
  ** not come between the engagement and its takeover */
  cs_event_rec rec[2];
  assert(n_first <= 2);
  for (int i = 0; rc == CS_OK && i < n_first; i++) {
    rec[i] = first[i];
    rc = record(w, &rec[i]);
  }
  for (int i = 0; rc == CS_OK && i < n_first; i++)
    if (w->hooks.event) rc = w->hooks.event(w->hooks.ud, w, &rec[i]);
  if (n == 0) return rc;
  /* A hook may start another engagement, which holds rows anew: take the
  ** buffer out of the world while its rows are emitted. */
  cs_event_rec *buf = w->held;
  int cap = w->cap_held;
  w->held = NULL;
  w->cap_held = 0;
  for (int i = 0; rc == CS_OK && i < n; i++) rc = cs__emit(w, &buf[i]);
  if (w->held == NULL) {
    w->held = buf;
    w->cap_held = cap;
  } else free(buf);
  return rc;
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
double cs_world_node_share(const cs_world *w, int i, int party) { return cs_control_share(w, i, party); }
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
