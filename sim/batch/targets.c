/* targets.c: observed targets resolved against a scenario, and their
** statistics computed from one run (targets.h; the language:
** scenarios/README.md, "Targets files").
**
** The targets file is read by the script layer (cs_script_targets_read)
** into a cs_targets_spec, which cs_targets_load takes over. A probe load of
** the scenario (with the caller's overrides) then resolves every statistic
** the targets use: dates into days and sample numbers, node, gang, party
** and event-kind names into indices, variables into the sample table. A
** name or a date the scenario cannot give is an error here, naming the
** file, the target and the field, so no run is spent on it.
**
** One run (cs_targets_run) goes into a sink that keeps only what the
** statistics need: for each count{} and fled{} an accumulator fed by the
** event stream, for each value{} and gang_share{} the value at its sample
** (and at its `since` sample), and, if the file has fn() statistics, the
** city variables at every sample for run:value. Nothing is written. A
** statistic the run cannot compute (a ratio over zero, a share of nobody,
** a fn() that returns nil) is NaN.
**
** Invariants:
** - Targets are in the spec's order; info[i] borrows its strings from the
**   spec (or from docs[i]), both owned here until cs_targets_free.
** - A run must give the scenario the probe saw (the same nodes, in the same
**   order, the same start date, horizon and sampling): overrides that change
**   them are refused, since every index was resolved on the probe.
** - Nothing here depends on a hash's order or on the number of workers. */
#define _POSIX_C_SOURCE 200809L
#include "targets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_h5.h"

_Static_assert((int)CS_TARGET_MEDIAN == (int)CS_TSUM_MEDIAN && (int)CS_TARGET_MEAN == (int)CS_TSUM_MEAN,
               "the summary codes of targets.h and cs_targets.h agree");

#define STAT_NAME_(kind, name, doc) name,
static const char *const STAT_NAME[CS_STAT_KINDS] = {CS_STAT_KIND_LIST(STAT_NAME_)};
#undef STAT_NAME_

enum { PARTY_ANY = -100, PARTY_ANY_GANG = -101 };

/* A statistic resolved on the probe world. */
typedef struct rstat {
  int used;                  /* reached from a target */
  double t0, t1;             /* count, fled: the window [t0, t1) in days */
  int sample, sample0;       /* value, gang_share: the sample read; value: the `since` sample or -1 */
  unsigned char kinds[CS_EK_COUNT]; /* count: event kinds counted */
  int actor, target;         /* count: party filters (PARTY_ANY, PARTY_ANY_GANG or a party code) */
  unsigned char *nodes;      /* [n_nodes] node filter, or NULL: every node */
  int var;                   /* value: index in cs_world_vars */
  int *idx; int n_idx;       /* value: the nodes or gangs summed (NULL: every one) */
  int fn_slot;               /* fn: index among the file's fn() statistics used */
} rstat;

struct cs_targets {
  char *path, *scenario;
  cs_script_limits lim;
  cs_targets_spec sp;        /* the file as read (owned) */
  char sha[65];
  cs_target_info *info;      /* [sp.n_targets] */
  char **docs;               /* [sp.n_targets] */
  rstat *rs;                 /* [sp.n_stats] */
  /* what the probe saw, checked on every run */
  int n_nodes, n_gangs, n_samples;
  double days, sample_every;
  char *start;
  char **node_ids;           /* [n_nodes] */
  /* fn() statistics */
  int n_fn;                  /* used by the targets */
  int *fn_index;             /* [n_fn] the fn() call of each */
  const char **fn_names;     /* [n_fn] a target that uses it, for messages */
  int n_city;                /* city variables kept for run:value */
  const char **city_names;   /* [n_city] borrowed from cs_world_vars */
  int *city_var;             /* [n_city] index in cs_world_vars */
  /* The count and fled statistics an event of each kind may add to, in
  ** ascending order: ev_stat[ev_start[k] .. ev_start[k + 1]) for kind k. A
  ** run's sink looks at those alone, not at every statistic per event. */
  int ev_start[CS_EK_COUNT + 1];
  int *ev_stat;
};

int cs_targets_count(const cs_targets *t) { return t ? t->sp.n_targets : 0; }
const cs_target_info *cs_targets_info(const cs_targets *t, int i) {
  return t && i >= 0 && i < t->sp.n_targets ? &t->info[i] : NULL;
}
const char *cs_targets_sha(const cs_targets *t) { return t ? t->sha : ""; }

void cs_targets_free(cs_targets *t) {
  if (!t) return;
  for (int i = 0; t->rs && i < t->sp.n_stats; i++) {
    free(t->rs[i].nodes);
    free(t->rs[i].idx);
  }
  free(t->rs);
  for (int i = 0; t->docs && i < t->sp.n_targets; i++) free(t->docs[i]);
  free(t->docs);
  free(t->info);
  cs_script_targets_clear(&t->sp);
  for (int i = 0; t->node_ids && i < t->n_nodes; i++) free(t->node_ids[i]);
  free(t->node_ids);
  free(t->start);
  free(t->fn_index);
  free(t->fn_names);
  free(t->city_names);
  free(t->city_var);
  free(t->ev_stat);
  free(t->scenario);
  free(t->path);
  free(t);
}

/* ---- resolving on the probe world ---- */

/* "YYYY-MM-DD" of day `days` after 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil(long days, char out[48]) {
  long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  snprintf(out, 48, "%04d-%02d-%02d", (int)(y + (m <= 2)) % 100000, (int)m % 100, (int)d % 100);
}

/* The context of a statistic's messages. */
typedef struct rctx {
  cs_ctx *ctx;
  cs_targets *t;
  const cs_world *w;
  const cs_target_spec *tg;
  const cs_stat_spec *s;
  char end[48];              /* the run's last day, "YYYY-MM-DD" */
} rctx;

static int stat_err(rctx *c, const char *field, const char *fmt, const char *a, const char *b) {
  char msg[600];
  snprintf(msg, sizeof msg, fmt, a, b);
  return cs_err(c->ctx, CS_EINVAL, "%s: %s: %s%s: field '%s': %s", c->s->where, c->tg->where,
                STAT_NAME[c->s->kind], c->s->kind == CS_STAT_RATIO || c->s->kind == CS_STAT_FN ? "()" : "{}",
                field, msg);
}

/* A date as days from the start, inside [0, days]. */
static int day_of(rctx *c, const char *field, const char *date, double *out) {
  if (!cs_world_start(c->w)[0])
    return stat_err(c, field, "the scenario declares no start date (scenario{ start = \"YYYY-MM-DD\" }), so %s%s "
                    "means nothing in it", date, "");
  double d = cs_world_day_of(c->w, date);
  if (!(d >= 0 && d <= c->t->days)) {
    char span[64];
    snprintf(span, sizeof span, "%s to %s", cs_world_start(c->w), c->end);
    return stat_err(c, field, "%s is outside the run (%s)", date, span);
  }
  *out = d;
  return CS_OK;
}

/* The last sample at or before day d. */
static int sample_at(const cs_targets *t, double d) {
  long i = (long)floor(d / t->sample_every + 1e-9);
  return (int)(i < t->n_samples ? i : t->n_samples - 1);
}

static int node_mask(rctx *c, unsigned char **out) {
  const cs_stat_spec *s = c->s;
  if (s->n_nodes == 0) return CS_OK;
  if (!(*out = calloc((size_t)c->t->n_nodes, 1))) return cs_err(c->ctx, CS_ENOMEM, "out of memory");
  for (int k = 0; k < s->n_nodes; k++) {
    int j = cs_world_find_node(c->w, s->nodes[k]);
    if (j < 0) {
      const char *near = cs_nearest_name((s->nodes[k]), (const char *const *)c->t->node_ids, c->t->n_nodes);
      char hint[200] = "";
      if (near) snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
      return stat_err(c, "nodes", "the scenario has no node '%s'%s", s->nodes[k], hint);
    }
    (*out)[j] = 1;
  }
  return CS_OK;
}

static int party_of(rctx *c, const char *name, int *out) {
  if (!name) *out = PARTY_ANY;
  else if (!strcmp(name, "gang")) *out = PARTY_ANY_GANG;
  else if ((*out = cs_world_find_party(c->w, name)) == CS_PARTY_NONE)
    return stat_err(c, "parties", "'%s' is neither \"any\", \"gang\", \"STATE\", \"CONTESTED\" nor a gang of the "
                    "scenario%s", name, "");
  return CS_OK;
}

static int resolve_stat(cs_ctx *ctx, cs_targets *t, const cs_world *w, const cs_target_spec *tg, int si);

static int resolve_count(rctx *c, rstat *r) {
  const cs_stat_spec *s = c->s;
  int rc;
  for (int k = 0; k < s->n_kinds; k++) {
    int e = cs_event_kind_find(s->kinds[k]);
    if (e < 0) {
      const char *names[CS_EK_COUNT];
      for (int i = 0; i < CS_EK_COUNT; i++) names[i] = cs_event_kind_name(i);
      const char *near = cs_nearest_name(s->kinds[k], names, CS_EK_COUNT);
      char hint[200] = "";
      if (near) snprintf(hint, sizeof hint, " (did you mean '%s'? the kinds are in output/README.md)", near);
      else snprintf(hint, sizeof hint, " (the kinds are in output/README.md, \"The event log\")");
      return stat_err(c, "kinds", "no event kind '%s'%s", s->kinds[k], hint);
    }
    if ((s->actor || s->target) && e != CS_EK_ENGAGEMENT && e != CS_EK_TAKEOVER)
      return stat_err(c, "parties", "only engagement and takeover events have two parties; '%s' has not%s",
                      s->kinds[k], "");
    r->kinds[e] = 1;
  }
  if ((rc = party_of(c, s->actor, &r->actor)) != CS_OK || (rc = party_of(c, s->target, &r->target)) != CS_OK)
    return rc;
  return CS_OK;
}

static const char *var_name(const void *items, int i) { return ((const cs_var *)items)[i].name; }

static int resolve_value(rctx *c, rstat *r) {
  const cs_stat_spec *s = c->s;
  int nv;
  const cs_var *vars = cs_world_vars(&nv);
  r->var = -1;
  for (int v = 0; v < nv; v++)
    if (!strcmp(vars[v].name, s->var)) r->var = v;
  if (r->var < 0) {
    const char *near = cs_nearest_name_of(s->var, vars, nv, var_name);
    char hint[200] = "";
    if (near) snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    return stat_err(c, "var", "no sampled variable '%s'%s; the variables are in output/README.md", s->var, hint);
  }
  const cs_var *v = &vars[r->var];
  if (cs_var_is_code(v))
    return stat_err(c, "var", "'%s' is a party code, not a quantity; use gang_share{} for control%s", s->var, "");
  if (v->dim == CS_DIM_CITY && (s->n_nodes || s->n_gangs))
    return stat_err(c, s->n_nodes ? "nodes" : "gangs", "'%s' is a city variable: it takes no %s", s->var,
                    s->n_nodes ? "nodes" : "gangs");
  if (v->dim == CS_DIM_NODE && s->n_gangs)
    return stat_err(c, "gangs", "'%s' is a node variable: give nodes = {...}, not gangs%s", s->var, "");
  if (v->dim == CS_DIM_GANG && s->n_nodes)
    return stat_err(c, "nodes", "'%s' is a gang variable: give gangs = {...}, not nodes%s", s->var, "");
  int n_all = v->dim == CS_DIM_NODE ? c->t->n_nodes : v->dim == CS_DIM_GANG ? c->t->n_gangs : 1;
  int n = v->dim == CS_DIM_NODE ? s->n_nodes : v->dim == CS_DIM_GANG ? s->n_gangs : 0;
  if ((n ? n : n_all) > 1 && strcmp(v->units, "persons") != 0 && strcmp(v->units, "nodes") != 0)
    return stat_err(c, "var", "'%s' (units %s) cannot be summed over several nodes or gangs: name one", s->var,
                    v->units);
  if (n) {
    if (!(r->idx = calloc((size_t)n, sizeof *r->idx))) return cs_err(c->ctx, CS_ENOMEM, "out of memory");
    for (int k = 0; k < n; k++) {
      const char *id = v->dim == CS_DIM_NODE ? s->nodes[k] : s->gangs[k];
      int i = v->dim == CS_DIM_NODE ? cs_world_find_node(c->w, id) : cs_world_find_gang(c->w, id);
      if (i < 0)
        return stat_err(c, v->dim == CS_DIM_NODE ? "nodes" : "gangs", "the scenario has no %s '%s'",
                        v->dim == CS_DIM_NODE ? "node" : "gang", id);
      r->idx[r->n_idx++] = i;
    }
  }
  return CS_OK;
}

static int resolve_stat(cs_ctx *ctx, cs_targets *t, const cs_world *w, const cs_target_spec *tg, int si) {
  const cs_stat_spec *s = &t->sp.stats[si];
  rstat *r = &t->rs[si];
  rctx c = {ctx, t, w, tg, s, ""};
  int rc = CS_OK;
  double d = 0;
  if (r->used) return CS_OK; /* a statistic shared by two targets (or two uses) */
  r->used = 1;
  r->sample = r->sample0 = -1;
  if (cs_world_start(w)[0]) {
    double epoch = cs_world_day_of(w, "1970-01-01");
    civil((long)floor(t->days - epoch), c.end);
  }
  switch (s->kind) {
  case CS_STAT_RATIO:
    if ((rc = resolve_stat(ctx, t, w, tg, s->num)) == CS_OK) rc = resolve_stat(ctx, t, w, tg, s->den);
    return rc;
  case CS_STAT_FN:
    r->fn_slot = -1;
    for (int k = 0; k < t->n_fn; k++)
      if (t->fn_index[k] == s->fn_index) r->fn_slot = k;
    if (r->fn_slot < 0) {
      r->fn_slot = t->n_fn;
      t->fn_index[t->n_fn] = s->fn_index;
      t->fn_names[t->n_fn++] = tg->name;
    }
    return CS_OK;
  case CS_STAT_COUNT:
  case CS_STAT_FLED:
    if ((rc = day_of(&c, "from", s->from, &r->t0)) != CS_OK || (rc = day_of(&c, "to", s->to, &r->t1)) != CS_OK)
      return rc;
    if ((rc = node_mask(&c, &r->nodes)) != CS_OK) return rc;
    return s->kind == CS_STAT_COUNT ? resolve_count(&c, r) : CS_OK;
  case CS_STAT_VALUE:
  case CS_STAT_GANG_SHARE:
    if ((rc = day_of(&c, "date", s->date, &d)) != CS_OK) return rc;
    r->sample = sample_at(t, d);
    if (s->since) {
      if ((rc = day_of(&c, "since", s->since, &d)) != CS_OK) return rc;
      r->sample0 = sample_at(t, d);
    }
    if (s->kind == CS_STAT_GANG_SHARE) return node_mask(&c, &r->nodes);
    return resolve_value(&c, r);
  }
  return cs_err(ctx, CS_EINVAL, "%s: unknown statistic kind %d", s->where, s->kind);
}

/* One line describing statistic si into buf (recursive for ratio). */
static void describe(const cs_targets *t, int si, char *buf, size_t cap) {
  const cs_stat_spec *s = &t->sp.stats[si];
  char a[400], b[400], nodes[200] = "";
  for (int k = 0; k < s->n_nodes; k++) {
    size_t n = strlen(nodes);
    snprintf(nodes + n, sizeof nodes - n, "%s%s", k ? ", " : "", s->nodes[k]);
  }
  switch (s->kind) {
  case CS_STAT_COUNT: {
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap - n, "%s %s ", s->sum == CS_SUM_EVENTS ? "count of" :
                          s->sum == CS_SUM_DEATHS ? "deaths in" : "people moved by", s->observed_log ? "reported" : "true");
    for (int k = 0; k < s->n_kinds && n < cap; k++)
      n += (size_t)snprintf(buf + n, cap - n, "%s%s", k ? "/" : "", s->kinds[k]);
    if (n < cap) n += (size_t)snprintf(buf + n, cap - n, " events");
    if (n < cap && (s->actor || s->target))
      n += (size_t)snprintf(buf + n, cap - n, " (%s on %s)", s->actor ? s->actor : "any", s->target ? s->target : "any");
    if (n < cap && s->n_nodes) n += (size_t)snprintf(buf + n, cap - n, " at %s", nodes);
    if (n < cap) snprintf(buf + n, cap - n, ", %s to %s", s->from, s->to);
    break;
  }
  case CS_STAT_RATIO:
    describe(t, s->num, a, sizeof a);
    describe(t, s->den, b, sizeof b);
    snprintf(buf, cap, "(%s) / (%s)", a, b);
    break;
  case CS_STAT_VALUE:
    snprintf(buf, cap, "%s%s%s on %s%s%s", s->var, s->n_nodes || s->n_gangs ? " of " : "",
             s->n_nodes ? nodes : s->n_gangs ? "the gangs named" : "", s->date, s->since ? " minus on " : "",
             s->since ? s->since : "");
    break;
  case CS_STAT_FLED:
    snprintf(buf, cap, "people who %s%s%s, %s to %s", s->to_provinces ? "went to the provinces" : "fled",
             s->n_nodes ? (s->to_provinces ? " from " : " ") : "", nodes, s->from, s->to);
    break;
  case CS_STAT_GANG_SHARE:
    snprintf(buf, cap, "share of the %s%s%s %s on %s", s->by_nodes ? "nodes" : "initial population",
             s->n_nodes ? " of " : "", nodes, s->contested ? "held by gangs or contested" : "held by gangs", s->date);
    break;
  case CS_STAT_FN: snprintf(buf, cap, "Lua function at %s", s->where); break;
  default: snprintf(buf, cap, "?"); break;
  }
}

/* May an event of kind e add to statistic si? */
static int counts_kind(const cs_targets *t, int si, int e) {
  const rstat *r = &t->rs[si];
  const cs_stat_spec *st = &t->sp.stats[si];
  if (!r->used) return 0;
  if (st->kind == CS_STAT_COUNT) return r->kinds[e];
  if (st->kind == CS_STAT_FLED) return e == CS_EK_FLIGHT || (st->to_provinces && e == CS_EK_RELOCATION);
  return 0;
}

/* Index the count and fled statistics by the event kinds they count. */
static int index_by_kind(cs_ctx *ctx, cs_targets *t) {
  size_t n = 0;
  for (int e = 0; e < CS_EK_COUNT; e++)
    for (int i = 0; i < t->sp.n_stats; i++) n += (size_t)counts_kind(t, i, e);
  if (!(t->ev_stat = malloc((n + 1) * sizeof *t->ev_stat))) return cs_err(ctx, CS_ENOMEM, "out of memory");
  n = 0;
  for (int e = 0; e < CS_EK_COUNT; e++) {
    t->ev_start[e] = (int)n;
    for (int i = 0; i < t->sp.n_stats; i++)
      if (counts_kind(t, i, e)) t->ev_stat[n++] = i;
  }
  t->ev_start[CS_EK_COUNT] = (int)n;
  return CS_OK;
}

/* The probe: load the scenario once, note what runs must keep, resolve
** every target's statistic, and describe it. */
static int probe(cs_ctx *ctx, cs_targets *t, const cs_override *sets, size_t n_sets) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int rc = cs_script_load(ctx, t->scenario, &t->lim, sets, n_sets, 0, 0, 1, &w, &sc);
  if (rc != CS_OK) return rc == CS_EIO ? CS_ESCRIPT : rc;
  int n = t->sp.n_targets, nv;
  const cs_var *vars = cs_world_vars(&nv);
  t->n_nodes = cs_world_n_nodes(w);
  t->n_gangs = cs_world_n_gangs(w);
  t->n_samples = cs_world_n_samples(w);
  t->days = cs_world_days(w);
  t->sample_every = cs_world_sample_every(w);
  if (!(t->start = strdup(cs_world_start(w))) ||
      !(t->node_ids = calloc((size_t)t->n_nodes + 1, sizeof *t->node_ids)) ||
      !(t->rs = calloc((size_t)t->sp.n_stats + 1, sizeof *t->rs)) ||
      !(t->info = calloc((size_t)n + 1, sizeof *t->info)) || !(t->docs = calloc((size_t)n + 1, sizeof *t->docs)) ||
      !(t->fn_index = calloc((size_t)t->sp.n_fn + 1, sizeof *t->fn_index)) ||
      !(t->fn_names = calloc((size_t)t->sp.n_fn + 1, sizeof *t->fn_names)) ||
      !(t->city_names = calloc((size_t)nv, sizeof *t->city_names)) ||
      !(t->city_var = calloc((size_t)nv, sizeof *t->city_var))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < t->n_nodes; i++)
    if (!(t->node_ids[i] = strdup(cs_world_node_id(w, i)))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
  for (int i = 0; i < n; i++) {
    const cs_target_spec *tg = &t->sp.targets[i];
    if ((rc = resolve_stat(ctx, t, w, tg, tg->stat)) != CS_OK) goto done;
    char doc[1024];
    describe(t, tg->stat, doc, sizeof doc);
    if (!(t->docs[i] = strdup(doc))) {
      rc = cs_err(ctx, CS_ENOMEM, "out of memory");
      goto done;
    }
    t->info[i] = (cs_target_info){tg->name, tg->source, t->docs[i], tg->observed, tg->sd, tg->lo, tg->hi,
                                  tg->discrepancy, tg->summary, tg->holdout};
  }
  if ((rc = index_by_kind(ctx, t)) != CS_OK) goto done;
  if (t->n_fn)
    for (int v = 0; v < nv; v++)
      if (vars[v].dim == CS_DIM_CITY) {
        t->city_names[t->n_city] = vars[v].name;
        t->city_var[t->n_city++] = v;
      }
done:
  cs_script_free(sc);
  cs_world_free(w);
  return rc;
}

int cs_targets_load(cs_ctx *ctx, const char *path, const char *scenario, const cs_script_limits *lim,
                    const cs_override *sets, size_t n_sets, int include_holdout, cs_targets **out) {
  cs_targets *t = calloc(1, sizeof *t);
  int rc;
  if (!t || !(t->path = strdup(path)) || !(t->scenario = strdup(scenario))) {
    cs_targets_free(t);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  if (lim) t->lim = *lim;
  else cs_script_limits_default(&t->lim);
  if ((rc = cs_script_targets_read(ctx, path, NULL, 0, include_holdout, &t->sp)) != CS_OK) goto fail;
  /* A targets file reads no other file (its sandbox has no require), so its
  ** text is all the hash covers. */
  cs_sha256_hex(t->sp.src, t->sp.src_len, t->sha);
  if (t->sp.n_targets == 0) {
    rc = cs_err(ctx, CS_EINVAL, "%s: no target%s", path, include_holdout ? "" : " (but held-out ones)");
    goto fail;
  }
  if ((rc = probe(ctx, t, sets, n_sets)) != CS_OK) goto fail;
  *out = t;
  return CS_OK;
fail:
  cs_targets_free(t);
  return rc;
}

/* ---- one run: the sink ---- */

typedef struct tsink {
  const cs_targets *t;
  double *acc;       /* [n_stats]: count and fled totals; value, gang_share at their sample */
  double *acc0;      /* [n_stats]: value at its `since` sample */
  double *pop0;      /* [n_nodes]: residents at the start (gang_share by population over nodes) */
  double *city;      /* [n_samples * n_city], for fn() */
  int *vidx;         /* [n_stats]: a value's variable in the samples' table */
  int v_owner, v_pop_share, v_node_share;
  int *cvidx;        /* [n_city] */
  int bad_kind;      /* an event of a kind outside the model's list: the run fails (never seen) */
  double bad_t;
} tsink;

static int ts_begin(void *ud, const cs_world *w) {
  tsink *k = ud;
  for (int j = 0; j < k->t->n_nodes; j++) k->pop0[j] = (double)cs_world_node_residents(w, j);
  return CS_OK;
}

static int ts_end(void *ud, int status) { return CS_OK; }

static int find_var(const cs_sample *s, const char *name) {
  for (int v = 0; v < s->n_vars; v++)
    if (!strcmp(s->vars[v].name, name)) return v;
  return -1;
}

/* The sum of variable v of sample s over the n entries idx (NULL: the
** first n, every node or gang). */
static double var_sum(const cs_sample *s, int v, const int *idx, int n) {
  const cs_var *var = &s->vars[v];
  double sum = 0;
  for (int k = 0; k < n; k++) {
    int i = idx ? idx[k] : k;
    sum += var->is_int ? (double)((const int64_t *)s->data[v])[i] : ((const double *)s->data[v])[i];
  }
  return sum;
}

static int ts_sample(void *ud, const cs_sample *s) {
  tsink *k = ud;
  const cs_targets *t = k->t;
  if (s->index == 0) {
    k->v_owner = find_var(s, "owner");
    k->v_pop_share = find_var(s, "city_gang_share_population");
    k->v_node_share = find_var(s, "city_gang_share_nodes");
    if (k->v_owner < 0 || k->v_pop_share < 0 || k->v_node_share < 0) return CS_EINVAL;
    int nv;
    const cs_var *vars = cs_world_vars(&nv);
    for (int i = 0; i < t->sp.n_stats; i++)
      if (t->rs[i].used && t->sp.stats[i].kind == CS_STAT_VALUE &&
          (k->vidx[i] = find_var(s, vars[t->rs[i].var].name)) < 0)
        return CS_EINVAL;
    for (int c = 0; c < t->n_city; c++)
      if ((k->cvidx[c] = find_var(s, t->city_names[c])) < 0) return CS_EINVAL;
  }
  for (int i = 0; i < t->sp.n_stats; i++) {
    const rstat *r = &t->rs[i];
    const cs_stat_spec *st = &t->sp.stats[i];
    if (!r->used || (r->sample != s->index && r->sample0 != s->index)) continue;
    double v = NAN;
    if (st->kind == CS_STAT_VALUE) {
      const cs_var *var = &s->vars[k->vidx[i]];
      int n_all = var->dim == CS_DIM_NODE ? t->n_nodes : var->dim == CS_DIM_GANG ? t->n_gangs : 1;
      v = var_sum(s, k->vidx[i], r->idx, r->idx ? r->n_idx : n_all);
    } else if (st->kind == CS_STAT_GANG_SHARE) {
      if (!r->nodes && !st->contested) v = ((const double *)s->data[st->by_nodes ? k->v_node_share : k->v_pop_share])[0];
      else {
        const int64_t *own = s->data[k->v_owner];
        double held = 0, all = 0;
        for (int j = 0; j < t->n_nodes; j++) {
          if (r->nodes && !r->nodes[j]) continue;
          double wt = st->by_nodes ? 1.0 : k->pop0[j];
          all += wt;
          if (CS_PARTY_IS_GANG(own[j]) || (st->contested && own[j] == CS_PARTY_CONTESTED)) held += wt;
        }
        v = all > 0 ? held / all : NAN; /* a share of nobody */
      }
    } else continue;
    if (r->sample == s->index) k->acc[i] = v;
    if (r->sample0 == s->index) k->acc0[i] = v;
  }
  if (t->n_fn)
    for (int c = 0; c < t->n_city; c++) {
      const cs_var *var = &s->vars[k->cvidx[c]];
      k->city[(size_t)s->index * (size_t)t->n_city + (size_t)c] =
          var->is_int ? (double)((const int64_t *)s->data[k->cvidx[c]])[0] : ((const double *)s->data[k->cvidx[c]])[0];
    }
  return CS_OK;
}

static int party_match(int want, int p) {
  return want == PARTY_ANY || (want == PARTY_ANY_GANG ? CS_PARTY_IS_GANG(p) : want == p);
}

static int ts_event(void *ud, const cs_event_rec *e) {
  tsink *k = ud;
  const cs_targets *t = k->t;
  if (e->kind < 0 || e->kind >= CS_EK_COUNT) {
    k->bad_kind = e->kind;
    k->bad_t = e->t;
    return CS_EINVAL;
  }
  for (int x = t->ev_start[e->kind]; x < t->ev_start[e->kind + 1]; x++) {
    int i = t->ev_stat[x];
    const rstat *r = &t->rs[i];
    const cs_stat_spec *st = &t->sp.stats[i];
    if (!(e->t >= r->t0 && e->t < r->t1)) continue;
    if (r->nodes && !(e->node >= 0 && e->node < t->n_nodes && r->nodes[e->node])) continue;
    if (st->kind == CS_STAT_COUNT) {
      if (st->observed_log && !e->observed) continue;
      if (!party_match(r->actor, e->actor) || !party_match(r->target, e->target)) continue;
      k->acc[i] += st->sum == CS_SUM_EVENTS ? 1.0
                   : st->sum == CS_SUM_DEATHS ? (double)(st->observed_log ? e->observed_deaths : e->deaths)
                                              : (double)e->displaced;
    } else if (!st->to_provinces || e->target < 0) /* fled: kind checked by the index */
      k->acc[i] += (double)e->displaced;
  }
  return CS_OK;
}

/* The value of statistic si in the finished run. */
static double eval(const cs_targets *t, const tsink *k, const double *fn_out, int si) {
  const cs_stat_spec *s = &t->sp.stats[si];
  switch (s->kind) {
  case CS_STAT_RATIO: {
    double a = eval(t, k, fn_out, s->num), b = eval(t, k, fn_out, s->den);
    return b != 0 ? a / b : NAN; /* NaN over NaN stays NaN */
  }
  case CS_STAT_VALUE: return s->since ? k->acc[si] - k->acc0[si] : k->acc[si];
  case CS_STAT_FN: return fn_out[t->rs[si].fn_slot];
  default: return k->acc[si];
  }
}

/* Does the loaded world give the scenario the probe saw? */
static int same_scenario(cs_ctx *ctx, const cs_targets *t, const cs_world *w) {
  int same = cs_world_n_nodes(w) == t->n_nodes && cs_world_n_gangs(w) == t->n_gangs &&
             cs_world_n_samples(w) == t->n_samples && cs_world_days(w) == t->days &&
             cs_world_sample_every(w) == t->sample_every && !strcmp(cs_world_start(w), t->start);
  for (int j = 0; same && j < t->n_nodes; j++) same = !strcmp(cs_world_node_id(w, j), t->node_ids[j]);
  return same ? CS_OK
              : cs_err(ctx, CS_EINVAL, "%s: with these parameter values %s has other nodes, gangs or dates than when "
                       "its targets were loaded; the targets cannot follow", t->path, t->scenario);
}

int cs_targets_run(cs_ctx *ctx, const cs_targets *t, const cs_override *sets, size_t n_sets, uint64_t seed,
                   uint64_t replicate, double *out) {
  cs_world *w = NULL;
  cs_script *sc = NULL;
  int ns = t->sp.n_stats;
  tsink k = {t, NULL, NULL, NULL, NULL, NULL, -1, -1, -1, NULL, 0, 0};
  double *fn_out = NULL;
  int rc = cs_script_load(ctx, t->scenario, &t->lim, sets, n_sets, seed, replicate, 1, &w, &sc);
  if (rc != CS_OK) return rc == CS_EIO ? CS_ESCRIPT : rc; /* a scenario that cannot be read is its error */
  if ((rc = same_scenario(ctx, t, w)) != CS_OK) goto done;
  if (!(k.acc = calloc((size_t)ns + 1, sizeof *k.acc)) || !(k.acc0 = calloc((size_t)ns + 1, sizeof *k.acc0)) ||
      !(k.pop0 = calloc((size_t)t->n_nodes + 1, sizeof *k.pop0)) ||
      !(k.vidx = calloc((size_t)ns + 1, sizeof *k.vidx)) ||
      !(k.cvidx = calloc((size_t)t->n_city + 1, sizeof *k.cvidx)) ||
      !(fn_out = calloc((size_t)t->n_fn + 1, sizeof *fn_out)) ||
      (t->n_fn && !(k.city = calloc((size_t)t->n_samples * (size_t)t->n_city, sizeof *k.city)))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < ns; i++) k.acc[i] = t->sp.stats[i].kind == CS_STAT_VALUE ||
                                          t->sp.stats[i].kind == CS_STAT_GANG_SHARE ? NAN : 0;
  cs_sink sink = {&k, ts_begin, ts_sample, ts_event, ts_end};
  k.bad_kind = CS_EK_COUNT; /* none */
  rc = cs_world_run(w, seed, replicate, &sink);
  if (rc != CS_OK) {
    if (k.bad_kind != CS_EK_COUNT)
      cs_err(ctx, rc, "%s: an event of unknown kind %d at t=%g", t->scenario, k.bad_kind, k.bad_t);
    else cs_err(ctx, rc, "%s", cs_errmsg(cs_world_ctx(w)));
    goto done;
  }
  if (t->n_fn) {
    cs_run_view view = {t->n_samples, t->n_city, t->sample_every, t->days, t->city_names, k.city};
    rc = cs_script_target_fns(ctx, sc, t->path, t->sp.src, t->sp.src_len, t->sp.n_fn, &view, t->fn_index,
                              t->fn_names, t->n_fn, fn_out);
    if (rc != CS_OK) goto done;
  }
  for (int i = 0; i < t->sp.n_targets; i++) out[i] = eval(t, &k, fn_out, t->sp.targets[i].stat);
done:
  free(k.acc);
  free(k.acc0);
  free(k.pop0);
  free(k.city);
  free(k.vidx);
  free(k.cvidx);
  free(fn_out);
  cs_script_free(sc);
  cs_world_free(w);
  return rc;
}
