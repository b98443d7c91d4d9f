/* cli_merge.c: `conflictsim merge`, and the provenance check of shards.
**
** merge opens each shard, checks they come from the same sweep text (hash),
** the same scenario, modules, data files and conflictsim version (this
** binary's: the merged file records it), the same branches and shard count,
** and cover every shard once; re-evaluates the
** sweep from the text stored in the shards (its scenario must be at the
** recorded path, with the recorded hash); and writes the file with shard
** (0, 1) from the shards' rows (and their event logs): the same bytes as an
** unsharded sweep. Failed runs stay failed (cli_failed.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_failed.h"
#include "sensitivity.h"
#include "sweep_events.h"

/* An attribute of a shard, "" if absent (scenario_files_sha256 is only there
** when the scenario read files). */
static const char *sattr(const cs_sweep_shard *sh, const char *name) {
  const char *v = cs_sweep_shard_attr(sh, name);
  return v ? v : "";
}

/* Whether the shard was written from the same scenario, modules and data
** files, and by the same conflictsim version, as the reference: the key the
** journal checks on a resume. */
int cli_shard_same_provenance(const cs_sweep_shard *sh, const char *scenario_sha, const char *files_sha,
                           const char *version) {
  return !strcmp(sattr(sh, "scenario_sha256"), scenario_sha) && !strcmp(sattr(sh, "scenario_files_sha256"), files_sha) &&
         !strcmp(sattr(sh, "conflictsim_version"), version);
}

static const char *MERGE_USAGE =
    "usage: conflictsim merge SHARD.h5... -o OUT.h5\n"
    "\n"
    "Join the shards of one sweep into the file an unsharded sweep writes (the\n"
    "same bytes). Refuses files that are not sweep files, shards of another sweep\n"
    "file, and incomplete or duplicated sets of shards. The sweep's scenario must be\n"
    "at the path recorded in the shards (relative to the current directory).\n"
    "Shards of a sobol or morris design have no group /sensitivity; the merged file\n"
    "has it (conflictsim sensitivity OUT.h5 prints it).\n"
    "\n"
    "Runs that failed in the shards stay failed in the merged file (run_status,\n"
    "run_error); merge then summarizes them on stderr and exits with status 8.\n";

typedef struct mrow {
  cs_sweep_shard **sh;
  uint64_t count;
  const cs_sweep *sw;
  cs_ctx *ctx;
} mrow;

static int merge_row(void *ud, uint64_t k, double *rec, char *err) {
  mrow *m = ud;
  return cs_sweep_shard_row(m->ctx, m->sh[k % m->count], m->sw, k, rec, err);
}

int cli_merge(int argc, char **argv) {
  const char *out = NULL;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  cs_sweep_shard **sh = NULL;
  cs_sweep *sw = NULL;
  int nf = 0, status = EXIT_USAGE, rc;
  uint64_t count = 0;
  cs_ctx ctx = {{0}};
  if (!files) return EXIT_NOMEM;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(MERGE_USAGE, stdout);
      status = EXIT_OK;
      goto done;
    } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "conflictsim merge: -o needs a value\n");
        goto done;
      }
      out = argv[++i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "conflictsim merge: unknown option '%s'\n", argv[i]);
      goto done;
    } else files[nf++] = argv[i];
  }
  if (!out || nf == 0) {
    fputs(MERGE_USAGE, stderr);
    goto done;
  }
  if (!(sh = calloc((size_t)nf, sizeof *sh))) {
    status = EXIT_NOMEM;
    goto done;
  }
  status = EXIT_SCENARIO;
  for (int i = 0; i < nf; i++) {
    if ((rc = cs_sweep_shard_open(&ctx, files[i], &sh[i])) != CS_OK) {
      fprintf(stderr, "conflictsim merge: %s\n", cs_errmsg(&ctx));
      goto done;
    }
    if (i > 0 && strcmp(cs_sweep_shard_attr(sh[i], "sweep_sha256"), cs_sweep_shard_attr(sh[0], "sweep_sha256"))) {
      fprintf(stderr,
              "conflictsim merge: %s comes from a different sweep file than %s (sweep_sha256 %.12s... vs %.12s...)\n",
              files[i], files[0], cs_sweep_shard_attr(sh[i], "sweep_sha256"),
              cs_sweep_shard_attr(sh[0], "sweep_sha256"));
      goto done;
    }
    if (i > 0) {
      int b0, b1;
      double a0, a1;
      uint64_t k0, k1;
      char d0[96], d1[96];
      cs_sweep_shard_branch(sh[0], &b0, &a0, &k0);
      cs_sweep_shard_branch(sh[i], &b1, &a1, &k1);
      if (b0 != b1 || (b0 && (a0 != a1 || k0 != k1))) {
        fprintf(stderr, "conflictsim merge: %s was run with %s but %s with %s (--branch-at/--branches must match)\n",
                files[i], cs_sweep_branch_desc(b1, a1, k1, d1, sizeof d1), files[0],
                cs_sweep_branch_desc(b0, a0, k0, d0, sizeof d0));
        goto done;
      }
    }
    if (i > 0 && !cli_shard_same_provenance(sh[i], sattr(sh[0], "scenario_sha256"), sattr(sh[0], "scenario_files_sha256"),
                                  sattr(sh[0], "conflictsim_version"))) {
      fprintf(stderr,
              "conflictsim merge: %s and %s were written from different scenario files or conflictsim versions "
              "(scenario_sha256, scenario_files_sha256 or conflictsim_version differ): run the stale shard again\n",
              files[i], files[0]);
      goto done;
    }
    if (i > 0 && cs_sweep_shard_count(sh[i]) != cs_sweep_shard_count(sh[0])) {
      fprintf(stderr, "conflictsim merge: %s is shard %llu of %llu but %s is one of %llu\n", files[i],
              (unsigned long long)cs_sweep_shard_index(sh[i]), (unsigned long long)cs_sweep_shard_count(sh[i]),
              files[0], (unsigned long long)cs_sweep_shard_count(sh[0]));
      goto done;
    }
  }
  count = cs_sweep_shard_count(sh[0]);
  if ((uint64_t)nf != count) {
    fprintf(stderr, "conflictsim merge: the sweep was split into %llu shards; %d given\n", (unsigned long long)count,
            nf);
    goto done;
  }
  /* order the shards by index; refuse duplicates */
  cs_sweep_shard **by = calloc((size_t)count, sizeof *by);
  if (!by) {
    status = EXIT_NOMEM;
    goto done;
  }
  for (int i = 0; i < nf; i++) {
    uint64_t ix = cs_sweep_shard_index(sh[i]);
    if (by[ix]) {
      fprintf(stderr, "conflictsim merge: shard %llu given twice (%s)\n", (unsigned long long)ix, files[i]);
      free(by);
      goto done;
    }
    by[ix] = sh[i];
  }
  memcpy(sh, by, (size_t)count * sizeof *sh);
  free(by);
  const char *src = cs_sweep_shard_attr(sh[0], "sweep_source");
  if ((rc = cs_sweep_load(&ctx, cs_sweep_shard_attr(sh[0], "sweep_path"), src, strlen(src), &sw)) != CS_OK) {
    fprintf(stderr,
            "conflictsim merge: re-reading the sweep stored in %s: %s\n"
            "  (the scenario path is recorded as the sweep saw it: run merge from the directory the sweep ran in)\n",
            files[0], cs_errmsg(&ctx));
    status = rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
    goto done;
  }
  {
    int b0;
    double a0;
    uint64_t k0;
    cs_sweep_shard_branch(sh[0], &b0, &a0, &k0);
    if (b0 && (rc = cs_sweep_set_branch(&ctx, sw, a0, k0)) != CS_OK) {
      fprintf(stderr, "conflictsim merge: %s: %s\n", files[0], cs_errmsg(&ctx));
      goto done;
    }
  }
  if (strcmp(sw->scenario_sha, cs_sweep_shard_attr(sh[0], "scenario_sha256")) != 0) {
    fprintf(stderr, "conflictsim merge: the scenario %s has changed since the shards were written (SHA-256 differs)\n",
            sw->scenario_path);
    goto done;
  }
  const char *files_sha = cs_sweep_shard_attr(sh[0], "scenario_files_sha256");
  if (strcmp(sw->files_sha, files_sha ? files_sha : "") != 0) {
    fprintf(stderr, "conflictsim merge: the modules or data files of the scenario %s have changed since the shards "
            "were written (scenario_files_sha256 differs; the shards' group `provenance` lists what they read)\n",
            sw->scenario_path);
    goto done;
  }
  if (strcmp(sattr(sh[0], "conflictsim_version"), cs_version()) != 0) {
    fprintf(stderr, "conflictsim merge: the shards were written by conflictsim %s, this is %s (the merged file "
            "records the version that wrote it): merge them with the conflictsim that ran them, or run them again\n",
            sattr(sh[0], "conflictsim_version"), cs_version());
    goto done;
  }
  for (uint64_t i = 0; i < count; i++)
    if (cs_sweep_shard_events_level(sh[i]) != sw->events) {
      fprintf(stderr, "conflictsim merge: %s has %s the sweep's events = \"%s\" asks for (written by another "
              "conflictsim version?): run that shard again\n", files[i],
              cs_sweep_shard_events_level(sh[i]) == CS_SWEV_NONE ? "no group /events, which" : "another group /events than",
              sw->events == CS_SWEV_ALL ? "all" : sw->events == CS_SWEV_CONFLICT ? "conflict" : "none");
      goto done;
    }
  mrow m = {sh, count, sw, &ctx};
  cli_failed fr = {.row = merge_row, .ud = &m, .sw = sw};
  cs_sweep_shard_ev se = {&ctx, sh, count};
  if ((rc = cs_sweep_h5_write(&ctx, sw, out, 0, 1, cli_failed_row, &fr, cs_sweep_shard_events, &se)) != CS_OK) {
    fprintf(stderr, "conflictsim merge: %s\n", cs_errmsg(&ctx));
    status = cli_exit_code(rc);
    goto done;
  }
  printf("wrote %s (%llu runs from %d shards", out, (unsigned long long)sw->n_runs, nf);
  if (fr.n) printf(", %llu failed", (unsigned long long)fr.n);
  printf(")\n");
  status = EXIT_OK;
  if (fr.n) {
    fflush(stdout);
    cli_failed_report("merge", &fr, out);
    status = EXIT_RUNS_FAILED;
  }
done:
  for (int i = 0; sh && i < nf; i++) cs_sweep_shard_close(sh[i]);
  free(sh);
  cs_sweep_free(sw);
  free(files);
  return status;
}
