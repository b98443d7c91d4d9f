/* fuzz_sweep.c: libFuzzer target for the sweep-spec parser (cs_sweep_load in
** sim/batch/sweep.c, which reads the file with cs_script_sweep_read in
** sim/script/script_sweep.c). The input is the text of a sweep file,
** evaluated in the sandbox as if it sat in scenarios/sweeps/ (so
** "../examples/tiny.lua" resolves); a spec that loads must give a consistent design. A crash,
** sanitizer report or inconsistent design is a finding.
**
**   tests/fuzz/run.sh sweep 600  */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[4096];
  if (!path[0]) {
    const char *src = getenv("CS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/scenarios/sweeps/fuzz.lua", src ? src : ".");
  }
  cs_ctx ctx = {{0}};
  cs_sweep *sw = NULL;
  if (cs_sweep_load(&ctx, path, (const char *)data, size, &sw) == CS_OK) {
    if (sw->n_runs != sw->n_points * sw->replicates || sw->n_points == 0) abort();
    for (uint64_t p = 0; p < sw->n_points; p++)
      for (int j = 0; j < sw->n_params; j++)
        if (!isfinite(sw->design[p * (uint64_t)sw->n_params + (uint64_t)j])) abort();
    (void)cs_sweep_record_len(sw);
    for (int m = 0; m < sw->n_metrics; m++) {
      if (!cs_sweep_metric_units(sw, m) || !cs_sweep_metric_doc(sw, m)) abort();
    }
    cs_sweep_free(sw);
  } else if (!ctx.msg[0]) {
    abort(); /* every rejection says why */
  }
  return 0;
}
