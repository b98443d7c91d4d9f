/* test_targets.c: targets files and priors files, read by the script layer
** (cs_script_targets_read, cs_script_priors_read) and resolved by the batch
** layer (sim/batch/targets.h, sim/batch/priors.h).
**
** - A held-out entry is dropped before any of its fields is read: one whose
**   every field is garbage loads with include_holdout == 0, and fails, naming
**   the entry and the field, with include_holdout == 1. Nothing of it is in
**   the targets a calibration gets (count, names, observed values), and the
**   hash is the file's either way.
** - A series expands into NAME@DATE targets with their observations and
**   errors; sd, interval and rel give sd and the tolerance as targets.h says.
** - Statistics on one run: shares over every node equal the city's; a ratio
**   over an empty window is NaN; the same (seed, replicate) gives the same
**   numbers.
** - Priors: sorted by name, kinds as calib.h's, a prior without bounds takes
**   the declared range; unknown names, integers, bounds outside the range,
**   open ranges and log-uniform priors from 0 are refused, naming the file
**   and the parameter. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cs_h5.h"
#include "cs_script.h"
#include "priors.h"
#include "targets.h"

static char g_dir[256];

static const char *write_file(const char *name, const char *text) {
  static char path[4][512];
  static int k;
  char *p = path[k++ % 4];
  snprintf(p, 512, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "w");
  if (!f) {
    perror(p);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
  return p;
}

static const char *TOWN =
    "scenario { name = \"t\", start = \"2025-01-01\", days = 120 }\n"
    "node { id = \"a\", residents = 12000, owner = \"north\" }\n"
    "node { id = \"b\", residents = 15000, x = 1 }\n"
    "node { id = \"c\", residents = 20000, x = 2, value = 0.7 }\n"
    "node { id = \"d\", residents = 12000, x = 3, owner = \"south\" }\n"
    "road(\"a\", \"b\", 1); road(\"b\", \"c\", 1); road(\"c\", \"d\", 1)\n"
    "gang { id = \"north\", members = 300, base = \"a\" }\n"
    "gang { id = \"south\", members = 300, base = \"d\" }\n"
    "unit { id = \"p1\", kind = \"police\", officers = 100, at = \"b\" }\n"
    "param(\"steps\", 3, \"an integer of the scenario's\")\n"
    "param(\"mood\", 0.5, \"a number of the scenario's\")\n";

/* A held-out entry whose every field is garbage, between two good ones. */
static const char *HELD =
    "targets {\n"
    "  { name = \"a\", source = \"somebody\", statistic = gang_share { date = \"2025-02-01\" },\n"
    "    observed = 0.5, sd = 0.1 },\n"
    "  { holdout = true, name = 7, source = {}, observed = \"secret\", sd = -1, nonsense = 1,\n"
    "    statistic = count { log = 5, kinds = \"x\", from = \"never\" } },\n"
    "  { name = \"b\", statistic = value { var = \"city_displaced\", dates = { \"2025-02-01\", \"2025-03-01\" } },\n"
    "    observed = { 100, 200 }, sd = { 10, 20 } },\n"
    "}\n";

static void test_holdout_never_read(void) {
  cs_ctx ctx = {{0}};
  cs_targets_spec sp;
  const char *path = write_file("held.lua", HELD);
  CHECK(cs_script_targets_read(&ctx, path, NULL, 0, 0, &sp) == CS_OK);
  CHECK(sp.n_targets == 3);
  for (int i = 0; i < sp.n_targets; i++) CHECK(!sp.targets[i].holdout); /* nothing of the held-out entry */
  CHECK(sp.n_targets == 3 && sp.targets[0].observed == 0.5);
  CHECK(!strcmp(sp.targets[0].name, "a") && !strcmp(sp.targets[1].name, "b@2025-02-01") &&
        !strcmp(sp.targets[2].name, "b@2025-03-01"));
  CHECK(sp.targets[1].observed == 100 && sp.targets[2].observed == 200);
  CHECK(sp.targets[1].sd == 10 && sp.targets[2].sd == 20);
  CHECK(sp.targets[2].lo == 160 && sp.targets[2].hi == 240);
  CHECK(!strcmp(sp.targets[0].source, "somebody") && !strcmp(sp.targets[1].source, ""));
  CHECK(!strcmp(sp.stats[sp.targets[2].stat].date, "2025-03-01"));
  cs_script_targets_clear(&sp);
  /* with the held-out entries: the garbage is read and refused, naming the entry and the field */
  CHECK(cs_script_targets_read(&ctx, path, NULL, 0, 1, &sp) == CS_ESCRIPT);
  CHECK(strstr(cs_errmsg(&ctx), "held.lua: targets[2]: field 'name' must be a name") != NULL);

  /* the same through the batch layer: a calibration's targets hold nothing of it */
  const char *town = write_file("town.lua", TOWN);
  cs_targets *t = NULL;
  CHECK(cs_targets_load(&ctx, path, town, NULL, NULL, 0, 0, &t) == CS_OK);
  CHECK(cs_targets_count(t) == 3);
  for (int i = 0; t && i < cs_targets_count(t); i++) {
    const cs_target_info *in = cs_targets_info(t, i);
    CHECK(!in->holdout && strcmp(in->name, "7") != 0);
  }
  char sha[65];
  cs_sha256_hex(HELD, strlen(HELD), sha);
  CHECK(t && !strcmp(cs_targets_sha(t), sha)); /* the file's text, held-out entries and all */
  cs_targets_free(t);
  t = NULL;
  CHECK(cs_targets_load(&ctx, path, town, NULL, NULL, 0, 1, &t) == CS_ESCRIPT);

  /* a held-out entry that is well formed is read with include_holdout == 1 */
  path = write_file("held2.lua", "targets { { name = \"h\", holdout = true, statistic = gang_share { date = "
                                 "\"2025-02-01\" }, observed = 0.5, rel = 0.2 },\n"
                                 "{ name = \"i\", statistic = gang_share { date = \"2025-02-01\" }, observed = 0.5, "
                                 "interval = { 0.1, 0.7 } } }");
  CHECK(cs_targets_load(&ctx, path, town, NULL, NULL, 0, 1, &t) == CS_OK);
  CHECK(cs_targets_count(t) == 2 && cs_targets_info(t, 0)->holdout && !cs_targets_info(t, 1)->holdout);
  if (cs_targets_count(t) == 2) {
    const cs_target_info *h = cs_targets_info(t, 0), *i = cs_targets_info(t, 1);
    CHECK_NEAR(h->sd, 0.05, 1e-12); /* rel * |observed| / 2 */
    CHECK_NEAR(h->lo, 0.4, 1e-12);
    CHECK_NEAR(h->hi, 0.6, 1e-12);
    CHECK_NEAR(i->sd, 0.15, 1e-12); /* interval half-width / 2 */
    CHECK(i->lo == 0.1 && i->hi == 0.7);
  }
  cs_targets_free(t);
  t = NULL;
  CHECK(cs_targets_load(&ctx, path, town, NULL, NULL, 0, 0, &t) == CS_OK);
  CHECK(cs_targets_count(t) == 1 && !strcmp(cs_targets_info(t, 0)->name, "i"));
  cs_targets_free(t);
  t = NULL;
  /* only held-out entries: nothing to calibrate on */
  path = write_file("held3.lua", "targets { { name = \"h\", holdout = true } }");
  CHECK(cs_targets_load(&ctx, path, town, NULL, NULL, 0, 0, &t) == CS_EINVAL);
  CHECK(strstr(cs_errmsg(&ctx), "no target") != NULL);
}

static void test_run(void) {
  cs_ctx ctx = {{0}};
  const char *town = write_file("town.lua", TOWN);
  const char *path = write_file(
      "run.lua",
      "local any = { -1e9, 1e9 }\n"
      "return {\n"
      "  { name = \"pop\", statistic = gang_share { date = \"2025-03-01\" }, observed = 0, interval = any },\n"
      "  { name = \"pop_all\", statistic = gang_share { nodes = { \"a\", \"b\", \"c\", \"d\" }, date = \"2025-03-01\" },"
      " observed = 0, interval = any },\n"
      "  { name = \"nodes\", statistic = gang_share { by = \"nodes\", date = \"2025-03-01\" }, observed = 0, interval = any },\n"
      "  { name = \"nodes_all\", statistic = gang_share { by = \"nodes\", nodes = { \"d\", \"c\", \"b\", \"a\" },"
      " date = \"2025-03-01\" }, observed = 0, interval = any },\n"
      "  { name = \"nothing\", statistic = ratio(fled { from = \"2025-02-01\", to = \"2025-03-01\" },"
      " count { log = \"true\", kinds = { \"road_closed\" }, from = \"2025-02-01\", to = \"2025-03-01\" }),"
      " observed = 0, interval = any },\n"
      "  { name = \"fled\", statistic = fled { from = \"2025-01-01\", to = \"2025-05-01\" }, observed = 0, interval = any },\n"
      "  { name = \"p\", statistic = fn(function(run) return P.mood end), observed = 0, interval = any },\n"
      "}\n");
  cs_targets *t = NULL;
  CHECK(cs_targets_load(&ctx, path, town, NULL, NULL, 0, 0, &t) == CS_OK);
  if (!t) {
    fprintf(stderr, "%s\n", cs_errmsg(&ctx));
    return;
  }
  int n = cs_targets_count(t);
  CHECK(n == 7);
  double a[7], b[7];
  cs_override set = {"mood", "0.25"};
  CHECK(cs_targets_run(&ctx, t, &set, 1, 3, 0, a) == CS_OK);
  CHECK(cs_targets_run(&ctx, t, &set, 1, 3, 0, b) == CS_OK);
  CHECK(memcmp(a, b, sizeof a) == 0);
  CHECK_NEAR(a[0], a[1], 1e-12);
  CHECK_NEAR(a[2], a[3], 1e-12);
  CHECK(a[0] > 0 && a[0] < 1);
  CHECK(isnan(a[4]));
  CHECK(a[5] > 0);
  CHECK(a[6] == 0.25); /* fn() sees the scenario's parameters as the run had them */
  /* overrides that change the scenario's dates are refused: the targets were resolved on the probe */
  cs_targets_free(t);
  t = NULL;
  const char *moving = write_file("moving.lua", "param(\"len\", 120, \"days\")\n"
                                                "scenario { name = \"m\", start = \"2025-01-01\", days = P.len }\n"
                                                "node { id = \"a\", residents = 10 }\n");
  path = write_file("m.lua", "targets { { name = \"x\", statistic = value { var = \"city_residents\", date = "
                             "\"2025-02-01\" }, observed = 10, sd = 1 } }");
  CHECK(cs_targets_load(&ctx, path, moving, NULL, NULL, 0, 0, &t) == CS_OK);
  cs_override len = {"len", "100"};
  CHECK(t && cs_targets_run(&ctx, t, &len, 1, 1, 0, a) == CS_EINVAL);
  CHECK(strstr(cs_errmsg(&ctx), "other nodes, gangs or dates") != NULL);
  cs_targets_free(t);
}

static int prior_fails(const char *text, int code, const char *needle) {
  cs_ctx ctx = {{0}};
  cs_priors *p = NULL;
  const char *path = write_file("priors.lua", text);
  int rc = cs_priors_load(&ctx, path, write_file("town.lua", TOWN), NULL, NULL, 0, &p);
  cs_priors_free(p);
  if (rc != code || !strstr(cs_errmsg(&ctx), needle)) {
    fprintf(stderr, "  priors: got %d '%s', expected %d with '%s'\n", rc, cs_errmsg(&ctx), code, needle);
    return 0;
  }
  return 1;
}

static void test_priors(void) {
  cs_ctx ctx = {{0}};
  cs_priors *p = NULL;
  const char *path = write_file("priors.lua", "priors { phi = uniform(), lambda0 = loguniform(0.01, 0.2),\n"
                                              "  Theta_c = uniform(0.1, 0.5) }\n");
  CHECK(cs_priors_load(&ctx, path, write_file("town.lua", TOWN), NULL, NULL, 0, &p) == CS_OK);
  CHECK(p && p->n == 3);
  if (p && p->n == 3) {
    /* sorted by name (byte order) */
    CHECK(!strcmp(p->prior[0].name, "Theta_c") && !strcmp(p->prior[1].name, "lambda0") &&
          !strcmp(p->prior[2].name, "phi"));
    CHECK(p->prior[0].kind == CS_PRIOR_UNIFORM && p->prior[0].lo == 0.1 && p->prior[0].hi == 0.5);
    CHECK(p->prior[1].kind == CS_PRIOR_LOGUNIFORM && p->prior[1].lo == 0.01 && p->prior[1].hi == 0.2);
    /* no bounds: the declared range, [0, 1] for phi (params.c) */
    CHECK(p->prior[2].kind == CS_PRIOR_UNIFORM && p->prior[2].lo == 0 && p->prior[2].hi == 1);
  }
  cs_priors_free(p);
  p = NULL;
  /* a scenario's own number has an open range unless it declares one */
  CHECK(prior_fails("priors { mood = uniform() }", CS_EINVAL,
                    "priors.lua: parameter 'mood': uniform() takes the declared range [-inf, inf], which is open"));
  CHECK(prior_fails("priors { lambda0 = uniform(0.05, 1e30) }", CS_EINVAL,
                    "priors.lua: parameter 'lambda0': uniform(0.05, 1e+30) is not inside its declared range"));
  CHECK(prior_fails("priors { lamda0 = uniform(0.05, 0.1) }", CS_EINVAL,
                    "priors.lua: parameter 'lamda0' is neither a model parameter nor declared by"));
  CHECK(prior_fails("priors { lamda0 = uniform(0.05, 0.1) }", CS_EINVAL, "did you mean 'lambda0'?"));
  CHECK(prior_fails("priors { steps = uniform(1, 5) }", CS_EINVAL, "priors.lua: parameter 'steps' is an integer"));
  CHECK(prior_fails("priors { lambda0 = loguniform() }", CS_EINVAL,
                    "priors.lua: parameter 'lambda0': loguniform needs a lower bound above 0"));
  CHECK(prior_fails("priors { lambda0 = loguniform(0, 1) }", CS_ESCRIPT, "priors.lua:1: loguniform(LO, HI): needs LO > 0"));
  CHECK(prior_fails("priors { lambda0 = uniform(2, 1) }", CS_ESCRIPT, "needs LO < HI"));
  CHECK(prior_fails("priors { lambda0 = { 1, 2 } }", CS_ESCRIPT, "priors: 'lambda0' must be uniform(LO, HI)"));
  CHECK(prior_fails("priors { }", CS_ESCRIPT, "the table is empty"));
  CHECK(prior_fails("priors { lambda0 = uniform(", CS_ESCRIPT, "priors.lua:1:"));
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/cs_targets_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_dir)) {
    perror("mkdtemp");
    return 2;
  }
  test_holdout_never_read();
  test_run();
  test_priors();
  const char *names[] = {"held.lua", "held2.lua", "held3.lua", "town.lua", "run.lua", "moving.lua", "m.lua",
                         "priors.lua"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, names[i]);
    remove(p);
  }
  rmdir(g_dir);
  return check_report();
}
