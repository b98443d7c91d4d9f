/* fuzz_compare.c: libFuzzer target for what `conflictsim compare` reads
** besides scenarios (those are fuzz_scenario's): the --set-baseline list
** and a --variant spec, turned into each arm's one-point sweep, whose Lua
** text quotes the names and values (sim/batch/compare_arm.c:
** cs_cmp_parse_variant, cs_cmp_arm_add_set, lua_quote, cs_cmp_arm_load;
** linked from the batch library). The input's first line is the
** baseline's K=V,... list, the rest the variant spec. Both arms run on
** scenarios/examples/tiny.lua; a variant naming another file is parsed but
** not loaded. A crash, a sanitizer report, or a value that escapes its
** quotes (an arm loads with overrides it was not given) is a finding.
**
**   tests/fuzz/run.sh compare 600  */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_arm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char tiny[4096];
  if (!tiny[0]) {
    const char *sd = getenv("CS_SOURCE_DIR");
    snprintf(tiny, sizeof tiny, "%s/scenarios/examples/tiny.lua", sd ? sd : ".");
  }
  char *in = malloc(size + 1);
  if (!in) return 0;
  memcpy(in, data, size);
  in[size] = '\0';
  if (strlen(in) != size) { /* argv strings have no NUL inside */
    free(in);
    return 0;
  }
  char *nl = strchr(in, '\n');
  const char *spec = nl ? nl + 1 : "";
  if (nl) *nl = '\0';
  cs_cmp_arm a[2];
  memset(a, 0, sizeof a);
  cs_ctx ctx = {{0}};
  int ok = (a[0].scenario = strdup(tiny)) != NULL;
  /* the baseline's sets, as --set-baseline K=V,... gives them */
  for (const char *p = in; ok && *p;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (cs_cmp_arm_add_set(&a[0], p, len) != 0) ok = 0;
    p += len + (c ? 1 : 0);
  }
  if (ok && cs_cmp_arm_load(&ctx, &a[0], 0, 1, 2, NULL, NULL, 0) == CS_OK && *spec && cs_cmp_parse_variant(spec, &a[0], 1, &a[1]) == 0 &&
      !strcmp(a[1].scenario, a[0].scenario)) {
    if (cs_cmp_arm_load(&ctx, &a[1], 1, 1, 2, &a[0], NULL, 0) == CS_OK) {
      /* the sweep saw exactly the arm's overrides */
      if (a[1].sw->n_sets != a[1].n_sets) abort();
      for (int i = 0; i < a[1].n_sets; i++) {
        int found = 0;
        for (int j = 0; j < a[1].sw->n_sets; j++)
          found |= !strcmp(a[1].sw->sets[j].name, a[1].sets[i].name) &&
                   !strcmp(a[1].sw->sets[j].value, a[1].sets[i].value);
        if (!found) abort();
      }
    } else if (!ctx.msg[0]) {
      abort();
    }
  }
  cs_cmp_arm_clear(&a[0]);
  cs_cmp_arm_clear(&a[1]);
  free(in);
  return 0;
}
