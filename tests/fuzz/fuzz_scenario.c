/* fuzz_scenario.c: libFuzzer target for the scenario loader and sandbox.
** Arbitrary bytes are loaded as a scenario under a small memory cap and
** instruction budgets, and, when they load, run for a few simulated days.
** Any crash, hang past the budgets, leak or sanitizer report is a finding.
**
**   cmake -S . -B build-fuzz -DCS_FUZZ=ON -DCMAKE_C_COMPILER=clang
**   cmake --build build-fuzz --target fuzz_scenario
**   build-fuzz/fuzz_scenario -max_total_time=600 -max_len=4096 scenarios/examples/  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cs_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/cs_fuzz_%d.lua", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  cs_script_limits lim = {16u << 20, 200000, 50000, 100000000};
  cs_override sets[1] = {{"lambda0", "0.5"}};
  cs_ctx ctx = {{0}};
  cs_world *w = NULL;
  cs_script *s = NULL;
  if (cs_script_load(&ctx, path, &lim, sets, 0, 1, 0, 1, &w, &s) == CS_OK) {
    /* keep runs short: the horizon a script asks for is capped at 20 days */
    cs_sink sink = {0};
    if (cs_world_days(w) <= 20 && cs_world_n_nodes(w) <= 200) cs_world_run(w, 1, 0, &sink);
    cs_script_free(s);
    cs_world_free(w);
  }
  unlink(path);
  return 0;
}
