/* cli_params.c: `conflictsim params`: the parameters a run would use.
**
** Without a scenario: every model parameter with its default, range, units
** and description (the table of sim/model/params.c, as a user sees it). With
** a scenario: its values after the scenario's model{} and param() and any
** --set, the scenario's own parameters included, so a user can check what a
** run will use before running it. Nothing is run and nothing is written. */
#define _POSIX_C_SOURCE 200809L /* strndup under -std=c17 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cs_script.h"
#include "cs_world.h"

static const char *HELP =
    "usage: conflictsim params [SCENARIO.lua] [--set NAME=VALUE]... [--changed]\n"
    "\n"
    "List the parameters a run uses: name, value, allowed range, units and\n"
    "meaning. Without a scenario, the model's parameters at their defaults;\n"
    "with one, the values after its model{}, its param() declarations and any\n"
    "--set, the scenario's own parameters marked 'scenario'. Nothing is run.\n"
    "\n"
    "options:\n"
    "  --set NAME=VALUE   override a parameter, as for run (repeatable)\n"
    "  --changed          only the parameters whose value differs from the model's default\n"
    "  -h, --help         show this help\n";

static void range_text(const cs_param_info *p, char *out, size_t cap) {
  if (p->type == CS_PT_STRING || p->type == CS_PT_BOOLEAN) {
    snprintf(out, cap, "%s", p->type == CS_PT_STRING ? "(text)" : "true|false");
    return;
  }
  char lo[24] = "-inf", hi[24] = "inf"; /* %g: at most 13 characters; "[lo, hi]" fits 64 */
  if (isfinite(p->min)) snprintf(lo, sizeof lo, "%g", p->min);
  if (isfinite(p->max)) snprintf(hi, sizeof hi, "%g", p->max);
  snprintf(out, cap, "[%s, %s]", lo, hi);
}

static void value_text(const cs_param_info *p, char *out, size_t cap) {
  if (p->type == CS_PT_STRING) snprintf(out, cap, "%s", p->str ? p->str : "");
  else if (p->type == CS_PT_BOOLEAN) snprintf(out, cap, "%s", p->num != 0 ? "true" : "false");
  else snprintf(out, cap, "%.10g", p->num);
}

/* Is parameter p of w at the value a fresh world gives it? */
static int at_default(const cs_world *fresh, const cs_param_info *p) {
  for (int i = 0; i < cs_world_param_count(fresh); i++) {
    cs_param_info d;
    cs_world_param_info(fresh, i, &d);
    if (strcmp(d.name, p->name) != 0) continue;
    if (p->type == CS_PT_STRING) return d.str && p->str && strcmp(d.str, p->str) == 0;
    return d.num == p->num;
  }
  return 0; /* a scenario's own parameter */
}

int cli_params(int argc, char **argv) {
  const char *scenario = NULL;
  int changed = 0, rc = EXIT_OK;
  cs_override *sets = calloc((size_t)argc + 1, sizeof *sets);
  size_t n_sets = 0;
  if (!sets) return EXIT_NOMEM;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(HELP, stdout);
      free(sets);
      return EXIT_OK;
    } else if (!strcmp(a, "--changed")) {
      changed = 1;
    } else if (!strcmp(a, "--set") && i + 1 < argc) {
      int e = cli_parse_set("params", argv[++i], &sets[n_sets]);
      if (e == EXIT_USAGE) {
        for (size_t k = 0; k < n_sets; k++) free((char *)sets[k].name);
        free(sets);
        return EXIT_USAGE;
      }
      if (e == EXIT_NOMEM) rc = EXIT_NOMEM;
      else n_sets++;
    } else if (a[0] == '-' || scenario) {
      fprintf(stderr, "conflictsim params: unexpected argument '%s'\n\n%s", a, HELP);
      rc = EXIT_USAGE;
    } else {
      scenario = a;
    }
  }
  if (n_sets && !scenario && rc == EXIT_OK) {
    fprintf(stderr, "conflictsim params: --set needs a scenario\n");
    rc = EXIT_USAGE;
  }
  cs_ctx ctx = {{0}};
  cs_world *w = NULL, *fresh = NULL;
  cs_script *sc = NULL;
  if (rc == EXIT_OK && cs_world_new(&ctx, &fresh) != CS_OK) rc = EXIT_NOMEM;
  if (rc == EXIT_OK && scenario) {
    cs_script_limits lim;
    cs_script_limits_default(&lim);
    int r = cs_script_load(&ctx, scenario, &lim, sets, n_sets, 1, 0, 1, &w, &sc);
    if (r != CS_OK) {
      fprintf(stderr, "%s\n", cs_errmsg(&ctx));
      rc = cli_exit_code(r == CS_EIO ? CS_ESCRIPT : r);
    }
  }
  if (rc == EXIT_OK) {
    const cs_world *show = w ? w : fresh;
    printf("%-22s %-12s %-20s %-10s %s\n", "parameter", "value", "range", "units", "meaning");
    for (int i = 0; i < cs_world_param_count(show); i++) {
      cs_param_info p;
      cs_world_param_info(show, i, &p);
      if (changed && at_default(fresh, &p)) continue;
      char v[64], r[64];
      value_text(&p, v, sizeof v);
      range_text(&p, r, sizeof r);
      printf("%-22s %-12s %-20s %-10s %s%s\n", p.name, v, r, p.units ? p.units : "", p.is_model ? "" : "(scenario) ",
             p.doc ? p.doc : "");
    }
  }
  cs_script_free(sc);
  cs_world_free(w);
  cs_world_free(fresh);
  for (size_t i = 0; i < n_sets; i++) free((char *)sets[i].name);
  free(sets);
  return rc;
}
