/* fuzz_params.c: libFuzzer target for the --set parser and the date parser.
** The input is split at its first '=' into a name and a value (as
** `--set NAME=VALUE` does) and applied to a fresh world; the whole input is
** also tried as a start date. A crash or sanitizer report is a finding; an
** accepted value must then read back as a finite number in range.
**
**   build-fuzz/fuzz_params -max_total_time=600 -max_len=256  */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  cs_ctx ctx = {{0}};
  cs_world *w = NULL;
  if (cs_world_new(&ctx, &w) == CS_OK) {
    char *eq = strchr(s, '=');
    if (eq) {
      *eq = '\0';
      int i = cs_world_param_find(w, s);
      if (cs_world_param_set_text(w, s, eq + 1) == CS_OK && i >= 0) {
        cs_param_info p;
        cs_world_param_info(w, i, &p);
        if (p.type != CS_PT_STRING && (!isfinite(p.num) || p.num < p.min || p.num > p.max)) abort();
      }
      *eq = '=';
    }
    cs_world_set_start(w, s);
    (void)cs_world_day_of(w, s);
    cs_world_free(w);
  }
  free(s);
  return 0;
}
