/* test_v2_cohorts.c: displaced cohorts (sim/model/cohorts.c, displaced.c;
** sim/README.md, cohorts.c and Verification):
** - people declared displaced at t = 0 are where they were declared, are not
**   residents, and people are conserved exactly at every sample with them
**   (cs__check_world, including the ledger check), in a town where flight,
**   moves and returns all run; bad declarations are refused, in C and in Lua
**   with the field named;
** - return_rule stable: a cohort never goes home while another controller
**   holds its origin, and never before t_takeover + tau_stable (invariants
**   checked on every return event of many replicates, with takeovers at
**   random times);
** - the number returned by t from a quiet origin held by the cohort's
**   controller is n (1 - exp(-r0 (t - t0))), t0 the end of the stability
**   wait (t0 = 0 if the origin never changed hands), within 4 SE, the SE of
**   groups of g returning independently: Var = g n p (1 - p);
** - return_rule v1 is version 1: the default, the same history as naming it,
**   and version 1's one-owner-per-node rule (people who fled the STATE go
**   home into a gang-held node once anyone fled the gang there).
** False-failure rate below 1e-4 per |z| <= 4 check. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cs_script.h"
#include "cs_world.h"
#include "model_fixture.h"
#include "model_int.h" /* cs__check_world */

static void quiet_model(cs_world *w) {
  const char *off[] = {"delta0", "recruit_rate", "patrol_rate", "move_default", "move_conflict",
                       "move_site", "h0", "h1", "h_T", "lambda0"};
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) cs_world_param_set(w, off[i], 0);
}

/* ---- initial displaced: placed, counted, conserved ---- */

typedef struct cons_obs {
  cs_world *w;
  int64_t pop;  /* residents declared + people declared displaced */
  int bad, samples;
} cons_obs;

static int cons_sample(rec_sink *r, const cs_sample *s) {
  cons_obs *o = r->user;
  char msg[256];
  if (cs__check_world(o->w, msg, sizeof msg) != 0) {
    if (!o->bad) fprintf(stderr, "  day %g: %s\n", s->t, msg);
    o->bad++;
  }
  int64_t sum = var_i(s, "city_residents", 0) + var_i(s, "city_displaced", 0) + var_i(s, "city_civilian_deaths", 0) +
                var_i(s, "city_recruited", 0);
  if (sum != o->pop) o->bad++;
  if (s->index == 0) { /* as declared (see build_town) */
    if (var_i(s, "displaced_hosted", 1) != 350 || var_i(s, "displaced_in_sites", 1) != 100 ||
        var_i(s, "city_displaced_provinces", 0) != 200 || var_i(s, "displaced_origin", 0) != 500 ||
        var_i(s, "displaced_origin", 2) != 50 || var_i(s, "residents", 0) != 4000 ||
        var_i(s, "city_displaced", 0) != 550)
      o->bad++;
  }
  o->samples++;
  return CS_OK;
}

/* A: 4000 residents (STATE); B: a site of 150 places; C: gang-held, the
** gang's base; D: STATE. Declared: 300 from A at B (100 in sites), 200 from
** A in the provinces, 50 from C at B with hosts, who fled the gang. */
static cs_world *build_town(const char *rule, int with_decl) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  const char *ids[] = {"A", "B", "C", "D"};
  int64_t res[] = {4000, 2000, 3000, 1000};
  for (int i = 0; i < 4; i++) {
    cs_node_decl d = node_decl(ids[i], res[i], 0.5, CS_PARTY_STATE);
    if (i == 1) d.site_capacity = 150;
    cs_world_add_node(w, &d, NULL);
  }
  cs_world_add_road(w, 0, 1, 1.0);
  cs_world_add_road(w, 1, 2, 1.0);
  cs_world_add_road(w, 2, 3, 1.0);
  cs_world_add_road(w, 3, 0, 1.0);
  cs_gang_decl g = {"G", NULL, 400, 0, -1, -1, 2};
  cs_world_add_gang(w, &g, NULL);
  cs_world_set_owner(w, 2, CS_PARTY_GANG(0));
  if (with_decl) {
    cs_displaced_decl d1 = {0, 1, CS_PARTY_STATE, 300, 100};
    cs_displaced_decl d2 = {0, CS_AT_PROVINCES, CS_PARTY_STATE, 200, 0};
    cs_displaced_decl d3 = {2, 1, CS_PARTY_GANG(0), 50, 0};
    CHECK(cs_world_add_displaced(w, &d1) == CS_OK);
    CHECK(cs_world_add_displaced(w, &d2) == CS_OK);
    CHECK(cs_world_add_displaced(w, &d3) == CS_OK);
  }
  cs_world_set_horizon(w, 60, 1);
  cs_world_param_set_str(w, "return_rule", rule);
  cs_world_param_set(w, "r0", 0.05);
  cs_world_param_set(w, "tau_stable", 5);
  cs_world_param_set(w, "move_group", 20);
  return w;
}

static void test_initial_displaced(void) {
  const char *rules[] = {"v1", "stable"};
  for (int ri = 0; ri < 2; ri++)
    for (int rep = 0; rep < 10; rep++) {
      cs_world *w = build_town(rules[ri], 1);
      CHECK(w && cs_world_finalize(w) == CS_OK);
      cons_obs o = {w, 4000 + 2000 + 3000 + 1000 + 550, 0, 0};
      rec_sink r;
      cs_sink s = rec_sink_of(&r);
      r.on_sample = cons_sample;
      r.user = &o;
      CHECK(cs_world_run(w, 11, (uint64_t)rep, &s) == CS_OK);
      CHECK(o.samples == 61);
      CHECK(o.bad == 0);
      /* the town is not still: people fled, moved on and went home */
      if (rep == 0) CHECK(r.n_events[CS_EK_FLIGHT] > 0 && r.n_events[CS_EK_RELOCATION] > 0 && r.n_events[CS_EK_RETURN] > 0);
      cs_world_free(w);
    }
}

static void test_declaration_errors(void) {
  cs_world *w = build_town("stable", 0);
  cs_displaced_decl bad[] = {
      {0, 0, CS_PARTY_STATE, 10, 0},               /* at the origin */
      {0, 1, CS_PARTY_STATE, -1, 0},               /* n < 0 */
      {0, 1, CS_PARTY_STATE, 10, 11},              /* sites > n */
      {0, CS_AT_PROVINCES, CS_PARTY_STATE, 10, 1}, /* sites in the provinces */
      {7, 1, CS_PARTY_STATE, 10, 0},               /* no such origin */
      {0, 9, CS_PARTY_STATE, 10, 0},               /* no such node */
      {0, 1, -1, 10, 0},                           /* no controller */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(cs_world_add_displaced(w, &bad[i]) == CS_EINVAL);
  cs_world_free(w);
  /* at finalize: more in sites than the site holds; a gang that does not exist */
  w = build_town("stable", 0);
  cs_displaced_decl over = {0, 1, CS_PARTY_STATE, 200, 151};
  CHECK(cs_world_add_displaced(w, &over) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_EINVAL);
  CHECK(strstr(cs_errmsg(cs_world_ctx(w)), "site capacity") != NULL);
  cs_world_free(w);
  w = build_town("stable", 0);
  cs_displaced_decl ghost = {0, 1, CS_PARTY_GANG(5), 20, 0};
  CHECK(cs_world_add_displaced(w, &ghost) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_EINVAL);
  cs_world_free(w);
  /* return_rule is fixed during a run */
  w = build_town("v1", 0);
  CHECK(cs_world_param_set_str(w, "return_rule", "later") == CS_EINVAL);
  cs_world_free(w);
}

/* ---- the Lua declaration ---- */

static const char *TOWN_LUA =
    "scenario { name = \"t\", days = 5 }\n"
    "node { id = \"a\", residents = 1000 }\n"
    "node { id = \"b\", residents = 500, site_capacity = 100 }\n"
    "node { id = \"c\", residents = 500, owner = \"g\" }\n"
    "road(\"a\", \"b\", 1)\n"
    "road(\"b\", \"c\", 1)\n"
    "gang { id = \"g\", members = 10, base = \"c\" }\n";

/* Load TOWN_LUA plus extra; CS_OK and the world, or the error message. */
static int load_lua(const char *extra, char *msg, size_t cap, cs_world **w_out, cs_script **s_out) {
  char dir[] = "/tmp/cs_cohorts_XXXXXX", path[64];
  if (!mkdtemp(dir)) return CS_EIO;
  snprintf(path, sizeof path, "%s/town.lua", dir);
  FILE *f = fopen(path, "wb");
  if (!f) return CS_EIO;
  fputs(TOWN_LUA, f);
  fputs(extra, f);
  fclose(f);
  cs_script_limits l;
  cs_script_limits_default(&l);
  cs_ctx ctx = {{0}};
  int rc = cs_script_load(&ctx, path, &l, NULL, 0, 1, 0, 1, w_out, s_out);
  if (rc != CS_OK) snprintf(msg, cap, "%s", ctx.msg);
  unlink(path);
  rmdir(dir);
  return rc;
}

static void lua_fails(const char *extra, const char *needle) {
  char msg[CS_ERRMSG_MAX] = "";
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = load_lua(extra, msg, sizeof msg, &w, &s);
  CHECK(rc != CS_OK);
  CHECK(strstr(msg, needle) != NULL);
  if (rc != CS_OK && !strstr(msg, needle)) fprintf(stderr, "  expected '%s' in: %s\n", needle, msg);
  if (rc == CS_OK) {
    cs_script_free(s);
    cs_world_free(w);
  }
}

static void test_lua(void) {
  char msg[CS_ERRMSG_MAX] = "";
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = load_lua("displaced { origin = \"a\", at = \"b\", n = 300, sites = 100, controller = \"state\" }\n"
                    "displaced { origin = \"a\", at = \"provinces\", n = 200, controller = \"STATE\" }\n"
                    "displaced { origin = \"c\", at = \"b\", n = 40, controller = \"g\" }\n"
                    "model { return_rule = \"stable\", r0 = 0, h0 = 0, lambda0 = 0, move_site = 0,"
                    " move_default = 0, move_conflict = 0 }\n",
                    msg, sizeof msg, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) fprintf(stderr, "  %s\n", msg);
  if (rc == CS_OK) {
    CHECK(cs_world_run(w, 1, 0, NULL) == CS_OK);
    /* nobody flees, moves or returns: the cohorts as declared */
    CHECK(cs_world_displaced_cohort(w, 0, CS_PARTY_STATE) == 500);
    CHECK(cs_world_displaced_cohort(w, 2, CS_PARTY_GANG(0)) == 40);
    CHECK(cs_world_displaced_cohort(w, 2, CS_PARTY_STATE) == 0);
    cs_script_free(s);
    cs_world_free(w);
  }
  lua_fails("displaced { origin = \"a\", at = \"b\", n = 10, controller = \"STATE\", site = 3 }\n", "unknown field 'site'");
  lua_fails("displaced { origin = \"a\", at = \"b\", n = -1, controller = \"STATE\" }\n", "field 'n'");
  lua_fails("displaced { origin = \"a\", at = \"b\", n = 10 }\n", "field 'controller' is required");
  lua_fails("displaced { origin = \"a\", at = \"b\", n = 10, sites = 11, controller = \"STATE\" }\n", "field 'sites'");
  lua_fails("displaced { origin = \"a\", at = \"provinces\", n = 10, sites = 1, controller = \"STATE\" }\n",
            "field 'sites'");
  lua_fails("displaced { origin = \"a\", at = \"a\", n = 10, controller = \"STATE\" }\n", "field 'at'");
  lua_fails("displaced { origin = \"x\", at = \"b\", n = 10, controller = \"STATE\" }\n", "field 'origin': unknown node 'x'");
  lua_fails("displaced { origin = \"a\", at = \"y\", n = 10, controller = \"STATE\" }\n", "field 'at': unknown node 'y'");
  lua_fails("displaced { origin = \"a\", at = \"b\", n = 10, controller = \"h\" }\n", "field 'controller'");
  lua_fails("displaced { origin = \"a\", at = \"b\", n = 300, sites = 200, controller = \"g\" }\n", "site capacity");
}

/* ---- stable: the invariants on every return ---- */

/* Town: N (gang base) - A (STATE, 3000 residents, the origin) - B (STATE,
** where the displaced stay, with a site) - P (STATE). The gang takes A at a
** random time (nobody defends it), then B and P; nobody takes anything back.
** Declared: 1000 from A at B who fled the STATE. Flight from A after the
** takeover makes cohorts that fled the gang; they move on and return too. */
typedef struct inv_obs {
  const cs_world *w;
  int owner[4];
  double t_take[4];
  double tau;
  int violations, state_returns, gang_returns, takeovers;
} inv_obs;

static int inv_event(void *ud, const cs_event_rec *e) {
  rec_sink *r = ud;
  inv_obs *o = r->user;
  rs_event(ud, e);
  if (e->kind == CS_EK_TAKEOVER) {
    o->owner[e->node] = e->actor;
    o->t_take[e->node] = e->t;
    if (e->node == 1) o->takeovers++;
  }
  if (e->kind == CS_EK_RETURN && e->node == 1) {
    if (e->actor != o->owner[1]) o->violations++;     /* another controller holds it */
    if (e->t < o->t_take[1] + o->tau) o->violations++; /* before the stability wait ended */
    if (e->actor == CS_PARTY_STATE) o->state_returns++;
    else o->gang_returns++;
  }
  return CS_OK;
}

static void test_stable_invariants(void) {
  const int R = 150;
  inv_obs o = {0};
  o.tau = 10;
  int cohort_kept = 0, taken = 0;
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    const char *ids[] = {"N", "A", "B", "P"};
    int64_t res[] = {1000, 3000, 2000, 2000};
    for (int i = 0; i < 4; i++) {
      cs_node_decl d = node_decl(ids[i], res[i], 0.5, CS_PARTY_STATE);
      if (i == 2) d.site_capacity = 500;
      cs_world_add_node(w, &d, NULL);
    }
    for (int i = 0; i < 3; i++) cs_world_add_road(w, i, i + 1, 1.0);
    cs_gang_decl g = {"G", NULL, 500, 0, -1, -1, 0};
    cs_world_add_gang(w, &g, NULL);
    cs_world_set_owner(w, 0, CS_PARTY_GANG(0));
    cs_displaced_decl d = {1, 2, CS_PARTY_STATE, 1000, 300};
    CHECK(cs_world_add_displaced(w, &d) == CS_OK);
    cs_world_set_horizon(w, 80, 10);
    cs_world_param_set(w, "delta0", 0);
    cs_world_param_set(w, "recruit_rate", 0);
    cs_world_param_set(w, "vigilante_share", 0); /* the gang always wins */
    cs_world_param_set(w, "lambda0", 0.1);       /* attack rate lambda0 V = 0.05 per day */
    cs_world_param_set(w, "r0", 0.1);
    cs_world_param_set(w, "move_group", 10);
    cs_world_param_set_str(w, "return_rule", "stable");
    cs_world_param_set(w, "tau_stable", o.tau);
    CHECK(cs_world_finalize(w) == CS_OK);
    for (int j = 0; j < 4; j++) {
      o.owner[j] = cs_world_node_owner(w, j);
      o.t_take[j] = -INFINITY;
    }
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    s.event = inv_event;
    r.user = &o;
    CHECK(cs_world_run(w, 5, (uint64_t)rep, &s) == CS_OK);
    if (cs_world_node_owner(w, 1) != CS_PARTY_STATE) {
      taken++;
      /* the STATE's cohort left at the takeover stays displaced from then on */
      int64_t left = cs_world_displaced_cohort(w, 1, CS_PARTY_STATE);
      cohort_kept += left > 0;
    }
    cs_world_free(w);
  }
  CHECK(o.violations == 0);
  if (o.violations) fprintf(stderr, "  %d returns broke the stable rule\n", o.violations);
  /* not vacuous: both cohorts went home, in their own time, and most runs had a takeover */
  CHECK(o.state_returns > 0 && o.gang_returns > 0);
  CHECK(taken > R / 2 && o.takeovers == taken);
  CHECK(cohort_kept > taken / 2);
}

/* ---- the closed form: n (1 - exp(-r0 (t - t0))) ---- */

typedef struct cf_obs {
  double sum[21], sum2[21];
} cf_obs;

static int cf_sample(rec_sink *r, const cs_sample *s) {
  cf_obs *o = r->user;
  double x = (double)var_i(s, "city_returned", 0);
  o->sum[s->index] += x;
  o->sum2[s->index] += x * x;
  return CS_OK;
}

static int take_at_5(void *ud, cs_world *w, int id) { return cs_world_force_attack(w, 0, 1); }

/* A quiet origin A; a cohort of n = 2000 who fled `ctrl`: 1000 at B (400 in
** sites), 1000 in the provinces, all multiples of g = 50, so every return
** takes exactly g people and the n / g groups go home independently at r0.
** taken: the gang takes A at t = 5 (a timer), so the cohort (ctrl = the gang)
** may return from t0 = 5 + tau_stable. */
static void closed_form(int taken, double tau) {
  const int R = 200;
  const double r0 = 0.03, g = 50, n = 2000;
  cf_obs o = {{0}, {0}};
  for (int rep = 0; rep < R; rep++) {
    cs_world *w = NULL;
    cs_ctx ctx = {{0}};
    CHECK(cs_world_new(&ctx, &w) == CS_OK);
    const char *ids[] = {"N", "A", "B"};
    for (int i = 0; i < 3; i++) {
      cs_node_decl d = node_decl(ids[i], 1000, 0.5, CS_PARTY_STATE);
      if (i == 2) d.site_capacity = 400;
      cs_world_add_node(w, &d, NULL);
    }
    cs_world_add_road(w, 0, 1, 1.0);
    cs_world_add_road(w, 1, 2, 1.0);
    cs_gang_decl gd = {"G", NULL, 500, 0, -1, -1, 0};
    cs_world_add_gang(w, &gd, NULL);
    cs_world_set_owner(w, 0, CS_PARTY_GANG(0));
    int ctrl = taken ? CS_PARTY_GANG(0) : CS_PARTY_STATE;
    cs_displaced_decl d1 = {1, 2, ctrl, 1000, 400}, d2 = {1, CS_AT_PROVINCES, ctrl, 1000, 0};
    CHECK(cs_world_add_displaced(w, &d1) == CS_OK && cs_world_add_displaced(w, &d2) == CS_OK);
    cs_world_set_horizon(w, 40, 2);
    quiet_model(w);
    cs_world_param_set(w, "vigilante_share", 0);
    cs_world_param_set(w, "I_safe", 1e9); /* the takeover's intensity of 1 leaves exp(-1e-9) */
    cs_world_param_set(w, "r0", r0);
    cs_world_param_set(w, "move_group", g);
    cs_world_param_set_str(w, "return_rule", "stable");
    cs_world_param_set(w, "tau_stable", tau);
    if (taken) {
      cs_hooks h = {NULL, take_at_5, NULL, NULL};
      cs_world_set_hooks(w, &h);
      cs_world_timer(w, 5, 0);
    }
    CHECK(cs_world_finalize(w) == CS_OK);
    rec_sink r;
    cs_sink s = rec_sink_of(&r);
    r.on_sample = cf_sample;
    r.user = &o;
    CHECK(cs_world_run(w, 9, (uint64_t)rep, &s) == CS_OK);
    if (taken) CHECK(cs_world_node_owner(w, 1) == CS_PARTY_GANG(0) && r.n_events[CS_EK_TAKEOVER] == 1);
    cs_world_free(w);
  }
  double t0 = taken ? 5 + tau : 0;
  for (int k = 0; k <= 20; k++) {
    double t = 2.0 * k, p = t > t0 ? 1 - exp(-r0 * (t - t0)) : 0;
    double mean = o.sum[k] / R, expect = n * p;
    double se = sqrt(g * n * p * (1 - p) / R);
    if (p == 0) CHECK(o.sum[k] == 0); /* none before the wait ends */
    else CHECK_NEAR(mean, expect, 4 * se);
  }
}

static void test_closed_form(void) {
  closed_form(0, 30); /* never changed hands: stable from t = 0 whatever tau */
  closed_form(1, 7);  /* taken at 5: returns from 12 on */
}

/* ---- v1 is v1 ---- */

/* A held by the gang, with 1000 declared displaced from it who fled the
** STATE, staying at B; residents of A flee (h0) under the gang. Version 1
** keeps one owner per node "when people last fled it": after the first
** flight it is the gang, so everyone from A may go home, the STATE's
** cohort too. Under stable, that cohort never does. */
typedef struct people {
  int64_t fled, returned;
} people;

static int people_event(void *ud, const cs_event_rec *e) {
  rec_sink *r = ud;
  people *pp = r->user;
  rs_event(ud, e);
  if (e->kind == CS_EK_FLIGHT && e->node == 0) pp->fled += e->displaced;
  if (e->kind == CS_EK_RETURN && e->node == 0) pp->returned += e->displaced;
  return CS_OK;
}

static void v1_run(const char *rule, uint64_t rep, int64_t *fled, int64_t *returned, int64_t *state_left,
                   uint64_t *hash) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  cs_world_new(&ctx, &w);
  cs_node_decl a = node_decl("A", 2000, 0.5, CS_PARTY_STATE), b = node_decl("B", 2000, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_world_add_node(w, &b, NULL);
  cs_world_add_road(w, 0, 1, 1.0);
  cs_gang_decl g = {"G", NULL, 100, 0, -1, -1, 0};
  cs_world_add_gang(w, &g, NULL);
  cs_world_set_owner(w, 0, CS_PARTY_GANG(0));
  cs_displaced_decl d = {0, 1, CS_PARTY_STATE, 1000, 0};
  cs_world_add_displaced(w, &d);
  cs_world_set_horizon(w, 60, 60);
  quiet_model(w);
  cs_world_param_set(w, "h0", 0.002);
  cs_world_param_set(w, "r0", 0.05);
  cs_world_param_set(w, "move_group", 10);
  if (rule) cs_world_param_set_str(w, "return_rule", rule);
  CHECK(cs_world_finalize(w) == CS_OK);
  rec_sink r;
  cs_sink s = rec_sink_of(&r);
  people pp = {0, 0};
  s.event = people_event;
  r.user = &pp;
  CHECK(cs_world_run(w, 3, rep, &s) == CS_OK);
  *hash = r.hash;
  *fled = pp.fled;
  *returned = pp.returned;
  *state_left = cs_world_displaced_cohort(w, 0, CS_PARTY_STATE);
  cs_world_free(w);
}

static void test_v1_is_v1(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  cs_world_new(&ctx, &w);
  cs_param_info p;
  cs_world_param_info(w, cs_world_param_find(w, "return_rule"), &p);
  CHECK(p.str && strcmp(p.str, "v1") == 0);
  cs_world_free(w);
  int v1_more = 0, stable_ok = 0;
  const int R = 20;
  for (int rep = 0; rep < R; rep++) {
    int64_t f0, r0, s0, f1, r1, s1, f2, r2, s2;
    uint64_t h0, h1, h2;
    v1_run(NULL, (uint64_t)rep, &f0, &r0, &s0, &h0);
    v1_run("v1", (uint64_t)rep, &f1, &r1, &s1, &h1);
    v1_run("stable", (uint64_t)rep, &f2, &r2, &s2, &h2);
    CHECK(h0 == h1 && f0 == f1 && r0 == r1); /* the default is v1 */
    v1_more += r1 > f1;                      /* some of the STATE's cohort went home */
    stable_ok += r2 <= f2 && s2 == 1000;     /* none of it did */
  }
  CHECK(v1_more >= R - 1);
  CHECK(stable_ok == R);
}

int main(void) {
  test_declaration_errors();
  test_initial_displaced();
  test_lua();
  test_stable_invariants();
  test_closed_form();
  test_v1_is_v1();
  return check_report();
}
