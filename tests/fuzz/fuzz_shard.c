/* fuzz_shard.c: libFuzzer target for the reader behind `conflictsim merge`
** (cs_sweep_shard_open and cs_sweep_shard_row in sim/batch/sweep_h5.c). The input
** is written to a file and opened as a shard, as merge does: a file that is
** not a sweep shard must be rejected with a message; one that passes is
** read the way merge reads it (the stored sweep re-evaluated, the shard's
** first row read). A crash or sanitizer report is a finding; one inside
** libhdf5 itself is documented in README.md ("Security and reliability").
**
**   tests/fuzz/run.sh shard 600  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/cs_fuzz_shard_%d.h5", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  cs_ctx ctx = {{0}};
  cs_sweep_shard *sh = NULL;
  int rc = cs_sweep_shard_open(&ctx, path, &sh);
  if (rc != CS_OK && !ctx.msg[0]) abort();
  if (rc == CS_OK) {
    const char *src = cs_sweep_shard_attr(sh, "sweep_source");
    cs_sweep *sw = NULL;
    /* merge evaluates the stored sweep as if at its stored sweep_path; here
    ** it sits in scenarios/sweeps/, so only the source tree's scenarios are
    ** ever loaded, never a path the file names */
    static char base[4096];
    if (!base[0]) {
      const char *sd = getenv("CS_SOURCE_DIR");
      snprintf(base, sizeof base, "%s/scenarios/sweeps/stored.lua", sd ? sd : ".");
    }
    if (cs_sweep_load(&ctx, base, src, strlen(src), &sw) == CS_OK) {
      double *rec = calloc(cs_sweep_record_len(sw) + 1, sizeof *rec);
      char err[CS_ERRMSG_MAX];
      uint64_t k = cs_sweep_shard_index(sh);
      if (rec && k < sw->n_runs) (void)cs_sweep_shard_row(&ctx, sh, sw, k, rec, err);
      free(rec);
      cs_sweep_free(sw);
    }
    cs_sweep_shard_close(sh);
  }
  unlink(path);
  return 0;
}
