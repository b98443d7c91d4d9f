/* test_plain.c: numbers, units and labels for readers (sim/batch/plain.c):
** the number forms plain.h promises, shares as percentages, P(better),
** P(worse) and P(tie) that add up to exactly 100 over every split of N
** replicates, and a label for every built-in metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plain.h"

static int is(double v, int sign, const char *want) {
  char b[64];
  cs_plain_num(v, sign, b, sizeof b);
  if (strcmp(b, want)) fprintf(stderr, "cs_plain_num(%.17g, %d) = '%s', expected '%s'\n", v, sign, b, want);
  return !strcmp(b, want);
}

static void test_numbers(void) {
  CHECK(is(12345, 0, "12,345"));
  CHECK(is(-1168700.4, 0, "-1,168,700"));
  CHECK(is(1168700, 1, "+1,168,700"));
  CHECK(is(999.6, 0, "1,000"));
  CHECK(is(100, 0, "100"));
  CHECK(is(40, 0, "40"));
  CHECK(is(-3, 1, "-3"));
  CHECK(is(42.04, 0, "42.0"));
  CHECK(is(3.2, 0, "3.20"));
  CHECK(is(0.01234, 0, "0.0123"));
  CHECK(is(0.3, 1, "+0.300"));
  CHECK(is(0, 1, "0"));
  CHECK(is(-0.0, 0, "0"));
  CHECK(is(NAN, 0, "-"));
  CHECK(is(INFINITY, 0, "inf"));
  CHECK(is(-INFINITY, 0, "-inf"));
  /* no e-notation in the range a table shows */
  for (double v = 1e-3; v < 1e14; v *= 3.7) {
    char b[64];
    CHECK(!strchr(cs_plain_num(v, 0, b, sizeof b), 'e'));
  }
  char b[64];
  CHECK(!strcmp(cs_plain_value(0.321, "1", 0, b, sizeof b), "32.1%"));
  CHECK(!strcmp(cs_plain_value(-0.032, "1", 1, b, sizeof b), "-3.20 pp"));
  CHECK(!strcmp(cs_plain_value(2500, "persons", 1, b, sizeof b), "+2,500"));
  CHECK(!strcmp(cs_plain_unit("persons"), "people") && !strcmp(cs_plain_unit("1"), "%") &&
        !strcmp(cs_plain_unit("person-days"), "person-days"));
}

/* Every split of n replicates into better, worse and tied: whole percentages
** that add up to 100, each within 1 of the exact share. */
static void test_percentages(void) {
  int bad = 0;
  for (int n = 1; n <= 60; n++)
    for (int b = 0; b <= n; b++)
      for (int w = 0; b + w <= n; w++) {
        double p[3] = {(double)b / n, (double)w / n, 1.0 - (double)b / n - (double)w / n};
        int pct[3];
        cs_plain_percentages(p, 3, pct);
        bad += pct[0] + pct[1] + pct[2] != 100;
        for (int k = 0; k < 3; k++) bad += fabs(pct[k] - 100 * p[k]) >= 1;
      }
  CHECK(bad == 0);
}

static void test_labels(void) {
  cs_sweep_metric met[CS_MET_KINDS];
  cs_sweep sw;
  memset(&sw, 0, sizeof sw);
  memset(met, 0, sizeof met);
  for (int k = 0; k < CS_MET_KINDS; k++) {
    met[k].kind = k;
    met[k].name = "code";
    met[k].node = k >= CS_MET_NODE_FIRST ? "market" : NULL;
  }
  sw.metrics = met;
  sw.n_metrics = CS_MET_KINDS;
  for (int k = 0; k < CS_MET_KINDS; k++) {
    char b[160];
    cs_plain_metric_label(&sw, k, b, sizeof b);
    CHECK(b[0] >= 'A' && b[0] <= 'Z' && !strchr(b, '_'));  /* a sentence, not a code */
    CHECK(k < CS_MET_NODE_FIRST || strstr(b, "market"));
  }
}

int main(void) {
  test_numbers();
  test_percentages();
  test_labels();
  return check_report();
}
