/* plain.c: numbers, units and labels for readers (plain.h).
**
** The labels of the built-in metrics are the last column of
** CS_SWEEP_METRIC_LIST (cs_sweep.h), beside their names and units, so a
** new metric cannot be added without one. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plain.h"

#define MET_LABEL_(kind, name, units, better, doc, label) label,
static const char *const LABEL[CS_MET_KINDS] = {CS_SWEEP_METRIC_LIST(MET_LABEL_)};
#undef MET_LABEL_

/* |v| rounded to a whole number, with a comma every three digits. */
static void grouped(double a, char *buf, size_t cap) {
  char digits[40];
  int len = snprintf(digits, sizeof digits, "%.0f", a);
  size_t o = 0;
  for (int i = 0; i < len && o + 2 < cap; i++) {
    buf[o++] = digits[i];
    if ((len - 1 - i) % 3 == 0 && i < len - 1) buf[o++] = ',';
  }
  buf[o] = '\0';
}

const char *cs_plain_num(double v, int sign, char *buf, size_t cap) {
  if (cap == 0) return buf;
  if (isnan(v)) {
    snprintf(buf, cap, "-");
    return buf;
  }
  if (isinf(v)) {
    snprintf(buf, cap, "%sinf", v < 0 ? "-" : sign ? "+" : "");
    return buf;
  }
  double a = fabs(v);
  char body[64];
  if (a >= 1e15) snprintf(body, sizeof body, "%.3g", a);
  else if (a >= 99.95 || a == floor(a)) grouped(a, body, sizeof body); /* a whole number stays whole */
  else if (a >= 9.995) snprintf(body, sizeof body, "%.1f", a);
  else if (a >= 0.9995) snprintf(body, sizeof body, "%.2f", a);
  else if (a > 0) snprintf(body, sizeof body, "%#.3g", a);
  else snprintf(body, sizeof body, "0");
  /* a value that rounds to zero carries no sign */
  int zero = strspn(body, "0.,") == strlen(body);
  snprintf(buf, cap, "%s%s", zero ? "" : v < 0 ? "-" : sign && v > 0 ? "+" : "", body);
  return buf;
}

const char *cs_plain_unit(const char *units) {
  static const char *const MAP[][2] = {{"persons", "people"}, {"1", "%"}, {"nodes", "neighbourhoods"},
                                       {"events", "clashes"}};
  for (size_t i = 0; units && i < sizeof MAP / sizeof *MAP; i++)
    if (!strcmp(units, MAP[i][0])) return MAP[i][1];
  return units ? units : "";
}

const char *cs_plain_value(double v, const char *units, int diff, char *buf, size_t cap) {
  if (units && !strcmp(units, "1") && isfinite(v)) {
    char n[64];
    cs_plain_num(100 * v, diff, n, sizeof n);
    snprintf(buf, cap, "%s%s", n, diff ? " pp" : "%");
    return buf;
  }
  return cs_plain_num(v, diff, buf, cap);
}

void cs_plain_percentages(const double *p, int n, int *pct) {
  double rem[8];
  int total = 0;
  if (n > 8) n = 8;
  for (int i = 0; i < n; i++) {
    if (isnan(p[i])) {
      for (int k = 0; k < n; k++) pct[k] = -1;
      return;
    }
    double x = 100 * p[i];
    pct[i] = (int)floor(x + 1e-9);
    rem[i] = x - pct[i];
    total += pct[i];
  }
  /* hand out what is missing to 100 by the largest remainders, the first on ties */
  while (total < 100) {
    int best = -1;
    for (int i = 0; i < n; i++)
      if (rem[i] > -0.5 && (best < 0 || rem[i] > rem[best])) best = i;
    if (best < 0) break;
    pct[best]++;
    rem[best] = -1;
    total++;
  }
}

const char *cs_plain_metric_label(const cs_sweep *sw, int m, char *buf, size_t cap) {
  const cs_sweep_metric *me = &sw->metrics[m];
  if (me->kind == CS_MET_LUA || me->kind < 0 || me->kind >= CS_MET_KINDS)
    snprintf(buf, cap, "%s", me->name);
  else if (me->kind >= CS_MET_NODE_FIRST) {
    const char *name = me->node ? me->node : "?"; /* the node's display name, else its id */
    for (int i = 0; me->node && sw->node_names && i < sw->n_nodes; i++)
      if (!strcmp(sw->node_ids[i], me->node)) name = sw->node_names[i];
    snprintf(buf, cap, LABEL[me->kind], name);
  }
  else
    snprintf(buf, cap, "%s", LABEL[me->kind]);
  return buf;
}
