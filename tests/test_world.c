/* test_world.c: declarations are validated with clear errors; parameters
** are checked by name, type and range; queries answer what was declared. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "cs_world.h"
#include "model_fixture.h"

static cs_world *fresh(void) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  CHECK(cs_world_new(&ctx, &w) == CS_OK);
  return w;
}

static int has(const cs_world *w, const char *needle) {
  return strstr(cs_errmsg(cs_world_ctx((cs_world *)w)), needle) != NULL;
}

static void test_nodes_and_roads(void) {
  cs_world *w = fresh();
  cs_node_decl a = node_decl("a", 10, 0.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &a, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &a, NULL) == CS_EINVAL && has(w, "duplicate node id 'a'"));
  cs_node_decl neg = node_decl("neg", -5, 0.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &neg, NULL) == CS_EINVAL && has(w, "residents must be >= 0"));
  cs_node_decl val = node_decl("v", 5, 1.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &val, NULL) == CS_EINVAL && has(w, "value must be in [0, 1]"));
  cs_node_decl nanv = node_decl("v", 5, NAN, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &nanv, NULL) == CS_EINVAL);
  cs_node_decl badowner = node_decl("o", 5, 0.5, CS_PARTY_GANG(3));
  CHECK(cs_world_add_node(w, &badowner, NULL) == CS_EINVAL && has(w, "owner"));
  cs_node_decl b = node_decl("b", 20, 0.5, CS_PARTY_STATE), c = node_decl("c", 30, 0.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &b, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &c, NULL) == CS_OK);
  CHECK(cs_world_add_road(w, 0, 0, 1.0) == CS_EINVAL && has(w, "to itself"));
  CHECK(cs_world_add_road(w, 0, 1, -1.0) == CS_EINVAL && has(w, "length"));
  CHECK(cs_world_add_road(w, 0, 1, NAN) == CS_EINVAL);
  CHECK(cs_world_add_road(w, 0, 1, 1.0) == CS_OK);
  CHECK(cs_world_add_road(w, 1, 0, 2.0) == CS_EINVAL && has(w, "duplicate road"));
  /* c is not connected */
  CHECK(cs_world_finalize(w) == CS_EINVAL && has(w, "not connected") && has(w, "'c'"));
  cs_world_free(w);

  w = fresh();
  CHECK(cs_world_finalize(w) == CS_EINVAL && has(w, "no neighbourhoods"));
  cs_world_free(w);

  w = fresh();
  CHECK(cs_world_add_node(w, &a, NULL) == CS_OK);
  CHECK(cs_world_add_node(w, &b, NULL) == CS_OK);
  CHECK(cs_world_add_road(w, 0, 1, 1.0) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  CHECK(cs_world_add_node(w, &c, NULL) == CS_EINVAL && has(w, "closed"));
  CHECK(cs_world_find_node(w, "b") == 1 && cs_world_find_node(w, "zz") == -1);
  CHECK(cs_world_node_residents(w, 1) == 20);
  CHECK(strcmp(cs_world_party_name(w, CS_PARTY_STATE), "STATE") == 0);
  CHECK(cs_world_n_samples(w) == 31); /* default 30 days, daily */
  cs_world_free(w);
}

static void test_gangs_units_coalitions(void) {
  cs_world *w = fresh();
  cs_node_decl a = node_decl("a", 10, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  cs_gang_decl g = {"g", NULL, 100, 0, -1, -1, 0};
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_OK);
  CHECK(cs_world_add_gang(w, &g, NULL) == CS_EINVAL && has(w, "duplicate gang"));
  cs_gang_decl st = {"STATE", NULL, 100, 0, -1, -1, 0};
  CHECK(cs_world_add_gang(w, &st, NULL) == CS_EINVAL && has(w, "reserved"));
  cs_gang_decl neg = {"n", NULL, -1, 0, -1, -1, 0};
  CHECK(cs_world_add_gang(w, &neg, NULL) == CS_EINVAL);
  cs_gang_decl nobase = {"nb", NULL, 1, 0, -1, -1, 7};
  CHECK(cs_world_add_gang(w, &nobase, NULL) == CS_EINVAL && has(w, "base"));
  cs_gang_decl h = {"h", NULL, 100, 0, -1, -1, 0};
  CHECK(cs_world_add_gang(w, &h, NULL) == CS_OK);
  int both[2] = {0, 1};
  CHECK(cs_world_add_coalition(w, "c", both, 2, 1.5, NULL) == CS_EINVAL && has(w, "cohesion"));
  int twice[2] = {0, 0};
  CHECK(cs_world_add_coalition(w, "t", twice, 2, 0.5, NULL) == CS_EINVAL && has(w, "listed twice"));
  CHECK(cs_world_add_coalition(w, "o", both, 1, 0.5, NULL) == CS_EINVAL && has(w, "at least two"));
  CHECK(cs_world_add_coalition(w, "c", both, 2, 0.5, NULL) == CS_OK);
  CHECK(cs_world_add_coalition(w, "d", both, 1, 0.5, NULL) == CS_EINVAL && has(w, "already in coalition"));
  cs_unit_decl u = {"u", CS_UNIT_POLICE, 10, -1, CS_POSTURE_GARRISON, 0};
  CHECK(cs_world_add_unit(w, &u, NULL) == CS_OK);
  CHECK(cs_world_add_unit(w, &u, NULL) == CS_EINVAL && has(w, "duplicate unit"));
  cs_unit_decl bad = {"v", CS_UNIT_POLICE, -3, -1, CS_POSTURE_GARRISON, 0};
  CHECK(cs_world_add_unit(w, &bad, NULL) == CS_EINVAL);
  cs_unit_decl placed = {"p", CS_UNIT_PROTECTION, 10, -1, CS_POSTURE_GUARD, 0};
  CHECK(cs_world_add_unit(w, &placed, NULL) == CS_EINVAL && has(w, "protection duty"));
  CHECK(cs_world_finalize(w) == CS_OK);
  /* interventions act only during the run */
  CHECK(cs_world_move_unit(w, 0, 0) == CS_EINVAL && has(w, "during the run"));
  CHECK(cs_unit_kind_find("international") == CS_UNIT_INTERNATIONAL && cs_unit_kind_find("navy") == -1);
  CHECK(cs_event_kind_find("takeover") == CS_EK_TAKEOVER && cs_event_kind_find("x") == -1);
  cs_world_free(w);
}

static void test_params(void) {
  cs_world *w = fresh();
  CHECK(cs_world_param_find(w, "lambda0") >= 0);
  CHECK(cs_world_param(w, "lambda0") == 0.15); /* the Haiti calibration's value (issue 14) */
  CHECK(cs_world_param_set(w, "nope", 1) == CS_EINVAL && has(w, "unknown parameter 'nope'"));
  CHECK(cs_world_param_set(w, "lambda0", NAN) == CS_EINVAL && has(w, "finite"));
  CHECK(cs_world_param_set(w, "lambda0", INFINITY) == CS_EINVAL);
  CHECK(cs_world_param_set(w, "lambda0", -1) == CS_EINVAL && has(w, "must be in"));
  CHECK(cs_world_param_set(w, "phi", 1.5) == CS_EINVAL);
  CHECK(cs_world_param_set(w, "household", 2.5) == CS_EINVAL && has(w, "integer"));
  CHECK(cs_world_param_set_text(w, "lambda0", "0.02") == CS_OK && cs_world_param(w, "lambda0") == 0.02);
  CHECK(cs_world_param_set_text(w, "lambda0", "0.02x") == CS_EINVAL && has(w, "finite number written in decimal"));
  CHECK(cs_world_param_set_text(w, "lambda0", "0x10") == CS_EINVAL && has(w, "decimal")); /* strtod takes hex */
  CHECK(cs_world_param_set_text(w, "lambda0", "inf") == CS_EINVAL && cs_world_param_set_text(w, "lambda0", "nan") == CS_EINVAL);
  CHECK(cs_world_param_set_text(w, "lambda0", "2.5e-2") == CS_OK && cs_world_param(w, "lambda0") == 0.025);
  CHECK(cs_world_param_set_text(w, "lambda0", "") == CS_EINVAL);
  CHECK(cs_world_param_set_text(w, "lambda0", "nan") == CS_EINVAL);
  CHECK(cs_world_param_set_text(w, "lambda0", "1e999") == CS_EINVAL);
  CHECK(cs_world_param_declare(w, "recall_day", CS_PT_INTEGER, 4, NULL, "day of the recall") == CS_OK);
  CHECK(cs_world_param_declare(w, "recall_day", CS_PT_INTEGER, 4, NULL, "") == CS_EINVAL);
  CHECK(cs_world_param_declare(w, "lambda0", CS_PT_NUMBER, 4, NULL, "") == CS_EINVAL && has(w, "model parameter"));
  CHECK(cs_world_param_set_text(w, "recall_day", "3.5") == CS_EINVAL);
  CHECK(cs_world_param_set_text(w, "recall_day", "7") == CS_OK && cs_world_param(w, "recall_day") == 7);
  CHECK(cs_world_param_declare(w, "flag", CS_PT_BOOLEAN, 0, NULL, "") == CS_OK);
  CHECK(cs_world_param_set_text(w, "flag", "yes") == CS_EINVAL && has(w, "boolean"));
  CHECK(cs_world_param_set_text(w, "flag", "true") == CS_OK && cs_world_param(w, "flag") == 1);
  CHECK(cs_world_param_declare(w, "label", CS_PT_STRING, 0, "x", "") == CS_OK);
  CHECK(cs_world_param_set_text(w, "label", "anything") == CS_OK);
  CHECK(cs_world_param_set(w, "label", 1) == CS_EINVAL);
  cs_param_info info;
  cs_world_param_info(w, cs_world_param_find(w, "label"), &info);
  CHECK(info.type == CS_PT_STRING && strcmp(info.str, "anything") == 0 && !info.is_model);
  CHECK(cs_world_set_horizon(w, -1, 1) == CS_EINVAL);
  CHECK(cs_world_set_horizon(w, 10, 0) == CS_EINVAL);
  CHECK(cs_world_set_horizon(w, 10, 3) == CS_OK && cs_world_n_samples(w) == 4);
  cs_world_free(w);
}

static void test_dates(void) {
  cs_world *w = fresh();
  CHECK(isnan(cs_world_day_of(w, "2024-10-17"))); /* no start yet */
  CHECK(cs_world_set_start(w, "2023-02-29") == CS_EINVAL); /* not a leap year */
  CHECK(cs_world_set_start(w, "2023-13-01") == CS_EINVAL);
  CHECK(cs_world_set_start(w, "1 Sep 2023") == CS_EINVAL && has(w, "YYYY-MM-DD"));
  CHECK(cs_world_set_start(w, "2023-09-01") == CS_OK);
  /* calendar facts: 30 days of September 2023 + 366 (Oct 2023 - Oct 2024, with
  ** 29 Feb 2024) + 16 = 412 */
  CHECK(cs_world_day_of(w, "2024-10-17") == 412);
  CHECK(cs_world_day_of(w, "2023-09-01") == 0);
  CHECK(cs_world_day_of(w, "2023-08-31") == -1);
  CHECK(cs_world_day_of(w, "2024-03-01") - cs_world_day_of(w, "2024-02-28") == 2);
  CHECK(isnan(cs_world_day_of(w, "2024-02-30")));
  cs_world_free(w);
}

/* A stop asked for while the run is starting (a signal during the sink's
** begin, before the engine exists) is not lost: the run stops at once. */
static int stop_in_begin(void *ud, const cs_world *w) {
  (void)ud;
  cs_world_stop((cs_world *)w);
  return CS_OK;
}
static int sink_ok(void *ud, const void *x) {
  (void)ud, (void)x;
  return CS_OK;
}
static int end_status;
static int note_end(void *ud, int status) {
  (void)ud;
  end_status = status;
  return status;
}

static void test_stop_while_starting(void) {
  cs_world *w = fresh();
  cs_node_decl a = node_decl("a", 10, 0.5, CS_PARTY_STATE), b = node_decl("b", 20, 0.5, CS_PARTY_STATE);
  CHECK(cs_world_add_node(w, &a, NULL) == CS_OK && cs_world_add_node(w, &b, NULL) == CS_OK);
  CHECK(cs_world_add_road(w, 0, 1, 1.0) == CS_OK);
  CHECK(cs_world_set_horizon(w, 1e6, 1) == CS_OK);
  CHECK(cs_world_finalize(w) == CS_OK);
  cs_sink sink = {NULL, stop_in_begin, (int (*)(void *, const cs_sample *))sink_ok,
                  (int (*)(void *, const cs_event_rec *))sink_ok, note_end};
  CHECK(cs_world_run(w, 1, 0, &sink) == CS_ESTOP);
  CHECK(end_status == CS_ESTOP);
  CHECK(cs_world_now(w) < 1e6);
  cs_world_free(w);
}

/* Ids are found by hash: every gang, unit and coalition of a large world is
** found at its index (across the tables' rebuilds), and a missing id is not. */
static void test_id_lookup(void) {
  cs_world *w = fresh();
  cs_node_decl a = node_decl("a", 10, 0.5, CS_PARTY_STATE);
  cs_world_add_node(w, &a, NULL);
  enum { K = 3000 };
  char id[32];
  int ok = 1;
  for (int i = 0; i < K; i++) {
    snprintf(id, sizeof id, "g%d", i);
    cs_gang_decl g = {id, NULL, 1, 0, -1, -1, 0};
    int gi = -1;
    ok &= cs_world_add_gang(w, &g, &gi) == CS_OK && gi == i;
    snprintf(id, sizeof id, "u%d", i);
    cs_unit_decl u = {id, CS_UNIT_POLICE, 1, -1, CS_POSTURE_GARRISON, 0};
    ok &= cs_world_add_unit(w, &u, NULL) == CS_OK;
  }
  for (int i = 0; i + 1 < K; i += 2) {
    snprintf(id, sizeof id, "c%d", i);
    int pair[2] = {i, i + 1}, ci = -1;
    ok &= cs_world_add_coalition(w, id, pair, 2, 0.5, &ci) == CS_OK && ci == i / 2;
  }
  for (int i = 0; i < K; i++) {
    snprintf(id, sizeof id, "g%d", i);
    ok &= cs_world_find_gang(w, id) == i;
    snprintf(id, sizeof id, "u%d", i);
    ok &= cs_world_find_unit(w, id) == i;
    snprintf(id, sizeof id, "c%d", i);
    ok &= cs_world_find_coalition(w, id) == (i % 2 == 0 && i + 1 < K ? i / 2 : -1);
  }
  CHECK(ok);
  CHECK(cs_world_find_gang(w, "nosuch") == -1 && cs_world_find_unit(w, "g1") == -1);
  /* totals that could overflow a sum are refused, not only single values */
  int64_t big = INT64_MAX / 8;
  cs_gang_decl b1 = {"big1", NULL, big, 0, -1, -1, 0}, b2 = {"big2", NULL, big, big, -1, -1, 0};
  CHECK(cs_world_add_gang(w, &b1, NULL) == CS_OK);
  CHECK(cs_world_add_gang(w, &b2, NULL) == CS_EINVAL && has(w, "members + jailed of all gangs"));
  cs_unit_decl o1 = {"o1", CS_UNIT_ARMY, big, -1, CS_POSTURE_GARRISON, 0}, o2 = {"o2", CS_UNIT_ARMY, big, -1, CS_POSTURE_GARRISON, 0};
  CHECK(cs_world_add_unit(w, &o1, NULL) == CS_OK);
  CHECK(cs_world_add_unit(w, &o2, NULL) == CS_EINVAL && has(w, "officers of all units"));
  cs_gang_decl dup = {"g7", NULL, 1, 0, -1, -1, 0};
  CHECK(cs_world_add_gang(w, &dup, NULL) == CS_EINVAL && has(w, "duplicate gang"));
  cs_world_free(w);
}

/* Scenario parameter ranges: set once, the default inside; cs_world_param_check
** and cs_world_param_set accept and refuse the same values with the same message. */
static void test_param_ranges(void) {
  cs_world *w = fresh();
  CHECK(cs_world_param_declare(w, "officers", CS_PT_INTEGER, 120, NULL, "") == CS_OK);
  CHECK(cs_world_param_range(w, "officers", 200, 300) == CS_EINVAL && has(w, "must be in [200, 300], got 120 (the default)"));
  CHECK(cs_world_param_range(w, "officers", 5, 1) == CS_EINVAL && has(w, "above max"));
  CHECK(cs_world_param_range(w, "officers", NAN, 1) == CS_EINVAL);
  CHECK(cs_world_param_set(w, "officers", -150) == CS_OK); /* a failed range changed nothing */
  CHECK(cs_world_param_set(w, "officers", 120) == CS_OK);
  CHECK(cs_world_param_range(w, "officers", 0, HUGE_VAL) == CS_OK);
  CHECK(cs_world_param_check(w, "officers", -150) == CS_EINVAL && has(w, "parameter 'officers' must be >= 0, got -150"));
  CHECK(cs_world_param_set(w, "officers", -150) == CS_EINVAL && has(w, "parameter 'officers' must be >= 0, got -150"));
  CHECK(cs_world_param_check(w, "officers", 150.5) == CS_EINVAL && has(w, "must be an integer"));
  CHECK(cs_world_param_set(w, "officers", 150.5) == CS_EINVAL && has(w, "must be an integer"));
  CHECK(cs_world_param_check(w, "officers", 150) == CS_OK && cs_world_param(w, "officers") == 120); /* check only */
  CHECK(cs_world_param_range(w, "lambda0", 0, 1) == CS_EINVAL && has(w, "model parameter"));
  CHECK(cs_world_param_declare(w, "flag", CS_PT_BOOLEAN, 0, NULL, "") == CS_OK);
  CHECK(cs_world_param_range(w, "flag", 0, 1) == CS_EINVAL && has(w, "only numbers and integers"));
  CHECK(cs_world_param_check(w, "nope", 1) == CS_EINVAL && has(w, "unknown parameter"));
  cs_param_info info;
  cs_world_param_info(w, cs_world_param_find(w, "officers"), &info);
  CHECK(info.min == 0 && info.max == HUGE_VAL);
  cs_world_free(w);
}

int main(void) {
  test_param_ranges();
  test_id_lookup();
  test_dates();
  test_stop_while_starting();
  test_nodes_and_roads();
  test_gangs_units_coalitions();
  test_params();
  return check_report();
}
