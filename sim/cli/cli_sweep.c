/* cli_sweep.c: `conflictsim sweep` (merge: cli_merge.c; the failed-runs
** summary both print: cli_failed.c).
**
** sweep: the parent loads the sweep (sweep.c), opens the journal
** (sweep_journal.c) and runs the missing runs on N forked workers of the
** worker pool (pool.c: run numbers handed out one at a time over pipes,
** dynamic load balancing). A worker runs each in-process (cs_sweep_run) and
** sends back a fixed-size record of doubles. Only the parent writes: it
** appends each record to the journal OUT.journal (checksummed; synced to
** disk once a second at most, and at the end) in completion order; when
** every run of the shard is in the journal it writes the HDF5 file from the
** journal in run order (sweep_h5.c), renames it into place and removes the
** journal. So the file does not depend on -j or on completion order, and a
** sweep killed at any point and started again with the same command runs
** only the runs missing from the journal.
**
** A run that fails by its own fault (cs_sweep_run_fault: the scenario's
** error for its parameters, a budget) is journalled with its message and
** the sweep goes on; the file holds it as a row of NaN with run_status 1
** and its run_error, a summary names the failed points, replicates and the
** first errors, and the exit status is 8 (EXIT_RUNS_FAILED). Any other
** error (memory, I/O, a worker that died, a signal) stops the sweep as
** before, resumable. --fail-fast stops at the first failed run instead,
** without journalling it (the behaviour before failures were recorded).
**
** Under an MPI launcher (detected from the environment before MPI is
** touched) the same steps run with MPI ranks instead of forked workers
** (sweep_mpi.c, built only with MPI): rank 0 plays the parent, the other
** ranks the workers. A build without MPI refuses to run as several ranks. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_failed.h"
#include "sensitivity.h"
#include "sweep_events.h"
#include "sweep_expand.h"
#include "sweep_journal.h"
#include "sweep_mpi.h"
#include "pool.h"
#include "progress.h"

static const char *SWEEP_USAGE =
    "usage: conflictsim sweep SWEEP.lua -o OUT.h5 [options]\n"
    "\n"
    "Run every run of a parameter sweep (or one shard of it) and write one HDF5\n"
    "file (layout: output/README.md, \"The sweep file\"). The file is the same\n"
    "whatever -j, and a sweep killed and started again with the same command\n"
    "completes only the missing runs (journal: OUT.h5.journal).\n"
    "\n"
    "A sweep file with design = \"sobol\" or \"morris\" is a global sensitivity\n"
    "analysis: the file also gets the group /sensitivity (Sobol' indices S1 and ST,\n"
    "or Morris mu*, mu and sigma, with 95% bootstrap intervals) and the table of\n"
    "indices is printed at the end (not with --quiet; for shards: after merge, by\n"
    "conflictsim sensitivity OUT.h5). Runs: samples x (parameters + 2) for sobol,\n"
    "samples x (parameters + 1) for morris, times replicates (scenarios/README.md,\n"
    "\"Sensitivity analysis\").\n"
    "\n"
    "ensemble = true (or { quantiles = { 0.05, 0.5, 0.95 } }) in the sweep file adds\n"
    "the group /ensemble to whole and merged files: per design point, the mean,\n"
    "variance and quantiles over its completed replicates of every outcome and\n"
    "kept trajectory, over (point, ...) dimensions, with the (point, replicate)\n"
    "view of the runs (output/README.md, \"Ensemble statistics\").\n"
    "\n"
    "events = \"conflict\" or \"all\" in the sweep file keeps each run's event log\n"
    "(the rows conflictsim run --events conflict|all keeps) in the group /events,\n"
    "runs in run order, with a column run and event_offset/event_count per run\n"
    "(output/README.md, \"Each run's event log in a sweep\"). While the sweep runs,\n"
    "each run's rows wait in OUT.h5.events/ beside the journal (a run is done only\n"
    "with both; under MPI the folder must be on a file system every rank sees).\n"
    "\n"
    "options:\n"
    "  -o, --output FILE   the sweep file (required); '{shard}' in it is replaced by\n"
    "                      the shard index\n"
    "  -j, --jobs N        worker processes (default: the number of cores)\n"
    "  --shard I/N         run only runs k with k % N == I, I from 0 to N-1\n"
    "                      (default: from\n"
    "                      SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN and\n"
    "                      SLURM_ARRAY_TASK_COUNT when set, else 0/1)\n"
    "  --shards N          split the sweep into N shards over the tasks of a Slurm\n"
    "                      array (however many, e.g. fewer for MaxArraySize): task t\n"
    "                      of A runs shards t, t + A, ... < N in turn, each to its\n"
    "                      own file ('{shard}' in -o), skipping those already\n"
    "                      written; without an array, one process runs them all\n"
    "  --print-array       with --shards N: print the --array range to submit,\n"
    "                      0-(A-1), A = min(N, MaxArraySize); MaxArraySize from\n"
    "                      'scontrol show config', else --max-array-size M, else 1001\n"
    "  --max-array-size M  Slurm's MaxArraySize for --print-array (overrides scontrol)\n"
    "  --expand OLD.h5     keep the completed runs of the finished sweep file OLD.h5\n"
    "                      (whole, merged or a shard; repeatable) whose sweep is this\n"
    "                      one with fewer replicates or design points, and run the\n"
    "                      rest: the file is the bigger sweep's from scratch, byte\n"
    "                      for byte. -o may be OLD.h5 itself (replaced when done).\n"
    "                      Anything else differing is refused (exit status 2),\n"
    "                      leaving OLD.h5 as it was\n"
    "  --branch-at DAY     many futures from one past: every run is branched at DAY\n"
    "                      (0 <= DAY < the scenario's days) as `run --branch-at`\n"
    "                      does (sim/README.md, \"Branching\")\n"
    "  --branches K        K branch runs per (point, replicate), 1 <= K <= 10000\n"
    "                      (default 1): run k is point k / (R K), replicate\n"
    "                      k / K % R, branch k % K; the file gets a `branch`\n"
    "                      coordinate and attributes branch_at and branches, and\n"
    "                      /ensemble's statistics are over replicates x branches\n"
    "                      (output/README.md, \"Branches in a sweep\"). Part of the\n"
    "                      sweep's identity: a resume, merge, shard or --expand\n"
    "                      with another setting is refused. Not with sobol/morris\n"
    "  --fail-fast         stop at the first run that fails (exit status 3), keeping\n"
    "                      the finished runs for a resume, instead of recording the\n"
    "                      failure and completing the other runs\n"
    "  --quiet             no progress line\n"
    "  -h, --help          show this help\n"
    "\n"
    "A run that fails by its own fault (its scenario raises an error for its\n"
    "parameters, a Lua metric fails, it exceeds an instruction budget or the Lua\n"
    "memory limit) is recorded with its error in the journal, so a resume does not\n"
    "run it again, and in the file (run_status 1, run_error; its outcomes and\n"
    "trajectories NaN); the other runs complete, the failures are summarized on\n"
    "stderr and the exit status is 8. Other errors (out of memory, the output or\n"
    "the journal cannot be written, a worker that died, SIGINT/SIGTERM) stop the\n"
    "sweep, keeping the finished runs for a resume with the same command.\n"
    "\n"
    "Exit status: 0 every run completed and the file is written; 8 the file is\n"
    "written but some runs failed; 2 bad command line; 3 the sweep or scenario\n"
    "has an error (or a run failed, with --fail-fast); 4 output error; 5 out of\n"
    "memory; 6 interrupted (finished runs kept); 1 other errors.\n"
    "\n"
    "Under an MPI launcher (mpirun -n K, srun --mpi=pmix -n K) the runs are spread\n"
    "over the K ranks with dynamic load balancing and -j is ignored: rank 0 keeps\n"
    "the journal, writes the file (the same bytes as -j 1) and computes runs too.\n"
    "--shard combines with it. As root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and\n"
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1. Started by srun as one of several tasks\n"
    "without MPI (srun --mpi=none, or a cluster whose MpiDefault is none), every\n"
    "task would be rank 0: the sweep refuses to run (exit status 2).\n";


/* ---- the runs, through the worker pool (pool.c) ---- */

typedef struct sweep_jobs {
  const cs_sweep *sw;
  cs_journal *j;
  cs_progress line; /* runs done of the shard, runs per second, time left */
} sweep_jobs;

static int sweep_job(cs_ctx *ctx, void *ud, uint64_t k, void *rec) {
  const sweep_jobs *s = ud;
  return cs_sweep_run(ctx, s->sw, k, rec);
}

/* In the parent: journal run k, then the progress line. */
static int sweep_done(cs_ctx *ctx, void *ud, uint64_t k, const void *rec) {
  sweep_jobs *s = ud;
  int rc = cs_journal_append(ctx, s->j, k, rec);
  if (rc == CS_OK) cs_progress_update(&s->line, (double)s->j->done);
  return rc;
}

/* In the parent: run k failed with rc and msg. Its own fault: journal the
** failure (a resume does not run it again) and go on (1); else decline
** (0): the pool stops as for any error. */
static int sweep_failed(cs_ctx *ctx, void *ud, uint64_t k, int rc, const char *msg) {
  sweep_jobs *s = ud;
  if (!cs_sweep_run_fault(rc)) return 0;
  int arc = cs_journal_append_failure(ctx, s->j, k, msg);
  if (arc != CS_OK) return arc;
  cs_progress_update(&s->line, (double)s->j->done);
  return 1;
}

/* In each worker: the journal is the parent's alone. */
static void sweep_child(void *ud) {
  const sweep_jobs *s = ud;
  if (s->j->fd >= 0) close(s->j->fd);
}

/* Run the runs of the shard missing from the journal with nw forked workers
** (even for nw 1: a signal then stops the sweep at once, not after the run
** in progress, and a run that crashes cannot take the journal's owner with
** it). */
static int run_workers(cs_ctx *ctx, const cs_sweep *sw, cs_journal *j, int nw, int show, int fail_fast) {
  uint64_t *todo = malloc((size_t)(j->n_local - j->done + 1) * 8), n_todo = 0;
  if (!todo) return cs_err(ctx, CS_ENOMEM, "out of memory");
  for (uint64_t l = 0; l < j->n_local; l++)
    if (j->off[l] == UINT64_MAX) todo[n_todo++] = j->index + l * j->count;
  sweep_jobs s = {sw, j, {0}};
  cs_progress_start(&s.line, !show, "runs", 0, "runs/s", (double)j->done, (double)j->n_local);
  cs_pool p = {.jobs = todo, .n_jobs = n_todo, .rec_bytes = 8 * cs_sweep_record_len(sw), .workers = nw,
               .run = sweep_job, .done = sweep_done, .failed_fn = fail_fast ? NULL : sweep_failed,
               .child = sweep_child, .ud = &s, .stop = &cs_sweep_stop};
  int rc = cs_pool_run(ctx, &p);
  cs_progress_end(&s.line);
  free(todo);
  return rc;
}

/* ---- failed runs: collected while the file is written, then summarized ---- */


/* The first failure record of the journal (for --fail-fast on a journal
** that has some): its message into err, CS_OK. */
static int first_failure(cs_ctx *ctx, const cs_sweep *sw, cs_journal *j, uint64_t *k, char *err) {
  double *rec = malloc((cs_sweep_record_len(sw) + 1) * sizeof *rec);
  int rc = CS_EINVAL;
  if (!rec) return cs_err(ctx, CS_ENOMEM, "out of memory");
  for (uint64_t l = 0; l < j->n_local; l++) {
    *k = j->index + l * j->count;
    if (cs_journal_failed(j, *k)) {
      rc = cs_journal_read(ctx, j, *k, rec, err);
      break;
    }
  }
  free(rec);
  return rc;
}

const char *cli_mpi_info(void) {
#ifdef CS_HAVE_MPI
  static char buf[300];
  snprintf(buf, sizeof buf, "built in (%s); used when started by mpirun or srun", cs_mpi_library());
  return buf;
#else
  return "not built in (CMake found no MPI); under mpirun or srun with more than one process, sweep refuses to run";
#endif
}

/* Processes started by an MPI launcher, from the environment it sets: 0 when
** not started by one, -1 when started by one that does not say how many.
** Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; MPICH's hydra and srun
** --mpi=pmi2 set PMI_SIZE; PMIx launchers (Open MPI, srun --mpi=pmix) set
** PMIX_RANK (the size then comes from SLURM_STEP_NUM_TASKS under srun). */
long cli_launcher_size(void) {
  static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"};
  uint64_t n;
  for (int i = 0; i < 3; i++) {
    const char *v = getenv(sizes[i]);
    if (v && !cli_parse_u64(v, &n) && n > 0) return (long)n;
  }
  const char *r = getenv("PMIX_RANK");
  if (!r) r = getenv("PMI_RANK");
  if (!r) return 0;
  const char *t = getenv("SLURM_STEP_NUM_TASKS");
  if (t && !cli_parse_u64(t, &n) && n > 0) return (long)n;
  return cli_parse_u64(r, &n) || n > 0 ? -1 : 1;
}

/* The tasks of the Slurm job step this process is one of: srun sets
** SLURM_STEP_NUM_TASKS in every task it starts; a batch script, and the
** ranks mpirun starts inside one, do not have it. 0 when not in a step. */
static long slurm_step_tasks(void) {
  uint64_t n;
  const char *t = getenv("SLURM_STEP_NUM_TASKS");
  return t && !cli_parse_u64(t, &n) && n > 0 && n <= 1000000000 ? (long)n : 0;
}

int cli_refuse_lone_task(const char *cmd, int mpi_size) {
  long n = slurm_step_tasks();
  if (n <= 1 || mpi_size > 1) return 0;
  const char *id = getenv("SLURM_PROCID");
  fprintf(stderr,
          "conflictsim %s: started by srun as task %s of %ld, but %s, so all %ld tasks would be rank 0 and "
          "write the same output; nothing was done. Start it with an MPI plugin: srun --mpi=pmix (srun --mpi=list "
          "shows the cluster's; Slurm's MpiDefault may be none), or mpirun inside the allocation, or run one task "
          "with -j N\n",
          cmd, id ? id : "?", n,
          mpi_size == 1 ? "MPI_Init gave it an MPI world of one process (the srun plugin and this MPI do not match)"
                        : "srun set up no MPI for it (no PMI or PMIx in its environment: srun --mpi=none)",
          n);
  return 1;
}

static int parse_shard(const char *s, uint64_t *i, uint64_t *n) {
  const char *slash = strchr(s, '/');
  char a[32];
  if (!slash || (size_t)(slash - s) >= sizeof a) return -1;
  memcpy(a, s, (size_t)(slash - s));
  a[slash - s] = '\0';
  if (cli_parse_u64(a, i) || cli_parse_u64(slash + 1, n) || *n == 0 || *i >= *n) return -1;
  return 0;
}

/* ---- shards of a Slurm array (MaxArraySize) ---- */

/* Slurm's MaxArraySize from `scontrol show config` ("MaxArraySize = 1001"),
** or 0 if scontrol is not there or says nothing. */
static uint64_t slurm_max_array_size(void) {
  FILE *p = popen("scontrol show config 2>/dev/null", "r");
  char line[512];
  uint64_t v = 0;
  if (!p) return 0;
  while (fgets(line, sizeof line, p)) {
    char *eq = strchr(line, '=');
    if (strncmp(line, "MaxArraySize", 12) != 0 || !eq) continue;
    char *e = eq + 1 + strspn(eq + 1, " \t");
    e[strcspn(e, " \t\r\n")] = '\0';
    if (cli_parse_u64(e, &v)) v = 0;
  }
  pclose(p);
  return v;
}

/* 1 if shard (index, count) of this sweep is already complete at path: a
** file of this sweep, index, count and branches, from the same scenario,
** files and version, with no journal beside it (a journal means the file is
** being rewritten). A stale shard (other scenario, files or version) is not
** complete: it is run again and replaced, as merge would refuse it. */
static int shard_written(const cs_sweep *sw, const char *path, uint64_t index, uint64_t count) {
  cs_ctx ctx = {{0}};
  cs_sweep_shard *sh = NULL;
  size_t n = strlen(path) + sizeof ".journal";
  char *jpath = malloc(n);
  if (!jpath) return 0; /* run it: the run reports the lack of memory */
  snprintf(jpath, n, "%s.journal", path);
  int present = access(path, R_OK) == 0 && access(jpath, F_OK) != 0;
  free(jpath);
  if (!present || cs_sweep_shard_open(&ctx, path, &sh) != CS_OK) return 0;
  int done = !strcmp(cs_sweep_shard_attr(sh, "sweep_sha256"), sw->sha) && cs_sweep_shard_index(sh) == index &&
             cs_sweep_shard_count(sh) == count && cs_sweep_shard_same_branch(&ctx, sh, sw) == CS_OK &&
             cli_shard_same_provenance(sh, sw->scenario_sha, sw->files_sha, cs_version());
  cs_sweep_shard_close(sh);
  return done;
}

/* out_arg with '{shard}' replaced by index, into a new string (NULL: out of memory). */
static char *shard_path(const char *out_arg, uint64_t index) {
  const char *p = strstr(out_arg, "{shard}");
  size_t n = strlen(out_arg) + 32;
  char *out = malloc(n);
  if (!out) return NULL;
  if (p) snprintf(out, n, "%.*s%llu%s", (int)(p - out_arg), out_arg, (unsigned long long)index, p + 7);
  else snprintf(out, n, "%s", out_arg);
  return out;
}

#define MAX_EXPAND 64

/* With the sweep's events on: its side directory (cs_sweep_ev_prepare);
** with j, the runs of j whose events are missing are run again. */
static int events_prepare(cs_ctx *ctx, cs_sweep *sw, cs_journal *j, const char *out_arg) {
  uint64_t redo = 0;
  return sw->events == CS_SWEV_NONE ? CS_OK : cs_sweep_ev_prepare(ctx, sw, j, out_arg, &redo);
}

int cli_sweep(int argc, char **argv) {
  const char *file = NULL, *out_arg = NULL, *shard = NULL, *expand[MAX_EXPAND];
  uint64_t jobs = 0, index = 0, count = 1, n_shards = 0, max_array = 0, task = 0, tasks = 1;
  int quiet = 0, fail_fast = 0, status = EXIT_USAGE, rc = CS_OK, print_array = 0, n_expand = 0;
  int mpi_rank = 0, mpi_size = 0, mpi_abort = 0; /* mpi_size 0: not under MPI */
  int mpi_workers = 0;                            /* the other ranks wait for work */
  char *out = NULL;
  cs_sweep *sw = NULL;
  cs_journal j;
  cli_branch branch = {0, 0.0, 1, 0, 0, 0};
  memset(&j, 0, sizeof j);
  j.fd = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    int br = cli_branch_option("sweep", argc, argv, &i, 0, &branch);
    if (br < 0) goto done;
    if (br > 0) continue;
    int needs = !strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "-j") || !strcmp(a, "--jobs") ||
                !strcmp(a, "--shard") || !strcmp(a, "--shards") || !strcmp(a, "--expand") ||
                !strcmp(a, "--max-array-size");
    if (needs && !val) {
      fprintf(stderr, "conflictsim sweep: option %s needs a value\n", a);
      goto done;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(SWEEP_USAGE, stdout);
      fprintf(stdout, "\nMPI: %s\n", cli_mpi_info());
      status = EXIT_OK;
      goto done;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) out_arg = argv[++i];
    else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      if (cli_parse_u64(argv[++i], &jobs) || jobs == 0 || jobs > 4096) {
        fprintf(stderr, "conflictsim sweep: -j takes an integer in [1, 4096]\n");
        goto done;
      }
    } else if (!strcmp(a, "--shard")) {
      shard = argv[++i];
      if (parse_shard(shard, &index, &count)) {
        fprintf(stderr, "conflictsim sweep: --shard takes I/N with 0 <= I < N, got '%s'\n", shard);
        goto done;
      }
    } else if (!strcmp(a, "--shards") || !strcmp(a, "--max-array-size")) {
      uint64_t *v = a[2] == 's' ? &n_shards : &max_array;
      if (cli_parse_u64(argv[++i], v) || *v == 0 || *v > ((uint64_t)1 << 32)) {
        fprintf(stderr, "conflictsim sweep: %s takes an integer in [1, 2^32], got '%s'\n", a, argv[i]);
        goto done;
      }
    } else if (!strcmp(a, "--expand")) {
      if (n_expand == MAX_EXPAND) {
        fprintf(stderr, "conflictsim sweep: at most %d --expand files\n", MAX_EXPAND);
        goto done;
      }
      expand[n_expand++] = argv[++i];
    } else if (!strcmp(a, "--print-array")) print_array = 1;
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
    else if (!strcmp(a, "--fail-fast")) fail_fast = 1;
    else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "conflictsim sweep: unknown option '%s' (see conflictsim sweep --help)\n", a);
      goto done;
    } else if (!file) file = a;
    else {
      fprintf(stderr, "conflictsim sweep: one sweep file at a time\n");
      goto done;
    }
  }
  if (print_array) { /* the --array range of an array of tasks for --shards N; nothing else is done */
    if (!n_shards) {
      fprintf(stderr, "conflictsim sweep: --print-array needs --shards N\n");
      goto done;
    }
    const char *from = "--max-array-size";
    if (!max_array && (max_array = slurm_max_array_size())) from = "scontrol show config";
    if (!max_array) max_array = 1001, from = "Slurm's default (no scontrol; --max-array-size sets it)";
    uint64_t a = n_shards < max_array ? n_shards : max_array;
    printf("0-%llu\n", (unsigned long long)(a - 1));
    if (!quiet)
      fprintf(stderr, "conflictsim sweep: %llu shards over %llu array tasks (MaxArraySize %llu, from %s): task t "
              "runs shards t, t + %llu, ...\n", (unsigned long long)n_shards, (unsigned long long)a,
              (unsigned long long)max_array, from, (unsigned long long)a);
    status = EXIT_OK;
    goto done;
  }
  if (!file || !out_arg) {
    fputs(!file ? "conflictsim sweep: no sweep file given\n\n" : "conflictsim sweep: -o OUT.h5 is required\n\n",
          stderr);
    fputs(SWEEP_USAGE, stderr);
    goto done;
  }
  if (cli_branch_check("sweep", &branch)) goto done;
  if (shard && n_shards) {
    fprintf(stderr, "conflictsim sweep: --shard I/N and --shards N do not go together (--shards N splits the sweep "
                    "over the tasks of an array, --shard runs one shard)\n");
    goto done;
  }
  if (!shard && getenv("SLURM_ARRAY_TASK_ID") && getenv("SLURM_ARRAY_TASK_COUNT")) {
    uint64_t id, n, mn = 0;
    const char *m = getenv("SLURM_ARRAY_TASK_MIN");
    if (cli_parse_u64(getenv("SLURM_ARRAY_TASK_ID"), &id) || cli_parse_u64(getenv("SLURM_ARRAY_TASK_COUNT"), &n) ||
        (m && cli_parse_u64(m, &mn)) || id < mn || n == 0 || id - mn >= n) {
      fprintf(stderr, "conflictsim sweep: cannot read the shard from SLURM_ARRAY_TASK_ID/_MIN/_COUNT\n");
      goto done;
    }
    task = id - mn, tasks = n;
    if (!n_shards) index = task, count = tasks;
    if ((n_shards ? n_shards : count) > 1 && !strstr(out_arg, "{shard}")) {
      fprintf(stderr, "conflictsim sweep: in a Slurm job array, name the output with {shard}, "
                      "e.g. -o 'out-{shard}.h5'\n");
      goto done;
    }
  }
  if (n_shards) { /* this task's shards: task, task + tasks, ... < n_shards */
    if (n_shards > 1 && !strstr(out_arg, "{shard}")) {
      fprintf(stderr, "conflictsim sweep: --shards %llu writes one file per shard: name the output with {shard}, "
              "e.g. -o 'out-{shard}.h5'\n", (unsigned long long)n_shards);
      goto done;
    }
    count = n_shards;
    index = task;
    if (index >= n_shards) {
      if (!quiet)
        fprintf(stderr, "conflictsim sweep: array task %llu of %llu has no shard (the sweep has %llu shards)\n",
                (unsigned long long)task, (unsigned long long)tasks, (unsigned long long)n_shards);
      status = EXIT_OK;
      goto done;
    }
  }
  /* the shards of this task: index, index + step, ... < count (one, unless --shards N spreads N shards over
  ** an array of fewer tasks: task t of A runs shards t, t + A, t + 2 A, ...) */
  uint64_t step = n_shards ? tasks : count;
  if (!(out = shard_path(out_arg, index))) {
    status = EXIT_NOMEM;
    goto done;
  }
  if (!jobs) {
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = nc > 0 ? (uint64_t)nc : 1;
  }
  cs_ctx ctx = {{0}};
  {
    long lsize = cli_launcher_size();
    if (lsize != 0) {
#ifdef CS_HAVE_MPI
      if (cs_mpi_init(&ctx, &mpi_rank, &mpi_size) != CS_OK) {
        fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
        status = EXIT_FAIL;
        goto done;
      }
      quiet |= mpi_rank != 0;
#else
      if (lsize != 1) {
        char n[32] = "several";
        if (lsize > 0) snprintf(n, sizeof n, "%ld", lsize);
        fprintf(stderr, "conflictsim sweep: started by an MPI launcher (mpirun or srun) as one of %s processes, but "
                        "this conflictsim was built without MPI (see conflictsim --version), so they would all run "
                        "the same sweep; rebuild where CMake finds an MPI (Debian: libopenmpi-dev), or run one "
                        "process with -j N\n", n);
        status = EXIT_USAGE;
        goto done;
      }
#endif
    }
  }
  if (cli_refuse_lone_task("sweep", mpi_size)) {
    status = EXIT_USAGE;
    goto done;
  }
  rc = cs_sweep_load(&ctx, file, NULL, 0, &sw);
  int branch_bad = 0; /* the sweep loaded, but refuses --branch-at/--branches: a usage error */
  if (rc == CS_OK && branch.on) branch_bad = (rc = cs_sweep_set_branch(&ctx, sw, branch.at, branch.k)) != CS_OK;
#ifdef CS_HAVE_MPI
  if (mpi_size > 0 && !cs_mpi_all(rc == CS_OK) && rc == CS_OK) { /* failed on another rank, which says why */
    status = EXIT_SCENARIO;
    goto done;
  }
#endif
  if (rc != CS_OK) {
    if (mpi_rank) fprintf(stderr, "conflictsim sweep (MPI rank %d): ", mpi_rank);
    fprintf(stderr, "%s%s\n", branch_bad ? "conflictsim sweep: " : "", cs_errmsg(&ctx));
    status = branch_bad ? EXIT_USAGE : rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
    goto done;
  }
  /* --expand: every file must be a smaller version of this sweep, checked
  ** before the journal exists (a refused expand leaves nothing behind) */
  for (int e = 0; mpi_rank == 0 && rc == CS_OK && e < n_expand; e++)
    if ((rc = cs_sweep_expand(&ctx, sw, expand[e], NULL, NULL)) != CS_OK) {
      fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
      status = rc == CS_EINVAL ? EXIT_USAGE : cli_exit_code(rc);
    }
  /* the shards already written by an earlier try of this task (--shards) are not run again */
  while (mpi_rank == 0 && rc == CS_OK && n_shards > 1 && index < count && shard_written(sw, out, index, count)) {
    if (!quiet) fprintf(stderr, "sweep %s: shard %llu/%llu: %s is already written\n", file,
                        (unsigned long long)index, (unsigned long long)count, out);
    free(out);
    index += step;
    if (!(out = shard_path(out_arg, index))) {
      status = EXIT_NOMEM;
      goto done;
    }
  }
  if (mpi_rank == 0 && rc == CS_OK && index < count &&
      ((rc = cs_journal_open(&ctx, &j, sw, out, index, count)) != CS_OK || (rc = events_prepare(&ctx, sw, &j, out_arg)))) {
    fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
    status = rc == CS_EINVAL ? EXIT_USAGE : cli_exit_code(rc);
  }
#ifdef CS_HAVE_MPI
  if (mpi_size > 0 && !cs_mpi_bcast(rc == CS_OK)) { /* rank 0 could not open the journal */
    if (mpi_rank) status = EXIT_FAIL;
    goto done;
  }
  if (mpi_rank > 0) {
    mpi_workers = 1;
    rc = events_prepare(&ctx, sw, NULL, out_arg); /* where this rank writes its runs' events */
    if (rc == CS_OK) rc = cs_sweep_mpi_worker(&ctx, sw);
    else fprintf(stderr, "conflictsim sweep (MPI rank %d): %s\n", mpi_rank, cs_errmsg(&ctx));
    status = rc == CS_OK ? EXIT_OK : cli_exit_code(rc);
    goto done;
  }
#endif
  if (rc != CS_OK) goto done;
  status = EXIT_OK;
  for (; index < count; index += step) {
    if (j.fd < 0) { /* the next shard of this task */
      free(out);
      if (!(out = shard_path(out_arg, index))) {
        status = EXIT_NOMEM;
        goto done;
      }
      if (shard_written(sw, out, index, count)) {
        if (!quiet) fprintf(stderr, "sweep %s: shard %llu/%llu: %s is already written\n", file,
                            (unsigned long long)index, (unsigned long long)count, out);
        continue;
      }
      if ((rc = cs_journal_open(&ctx, &j, sw, out, index, count)) != CS_OK ||
          (rc = events_prepare(&ctx, sw, &j, out_arg)) != CS_OK) {
        fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
        status = rc == CS_EINVAL ? EXIT_USAGE : cli_exit_code(rc);
        goto done;
      }
    }
    uint64_t kept = 0;
    for (int e = 0; e < n_expand; e++) {
      uint64_t n = 0;
      if ((rc = cs_sweep_expand(&ctx, sw, expand[e], &j, &n)) != CS_OK) {
        fprintf(stderr, "conflictsim sweep: %s\nconflictsim sweep: %llu runs are kept in %s; run the same command "
                "to resume\n", cs_errmsg(&ctx), (unsigned long long)j.done, j.path);
        status = cli_exit_code(rc);
        goto done;
      }
      kept += n;
    }
    int show = !quiet && isatty(STDERR_FILENO);
    if (!quiet) {
      fprintf(stderr, "sweep %s: %llu runs (%llu points x %llu replicates", file, (unsigned long long)sw->n_runs,
              (unsigned long long)sw->n_points, (unsigned long long)sw->replicates);
      if (sw->branched)
        fprintf(stderr, " x %llu branches at day %g", (unsigned long long)sw->branches, sw->branch_at);
      fprintf(stderr, "), shard %llu/%llu: %llu runs, %llu done", (unsigned long long)index,
              (unsigned long long)count, (unsigned long long)j.n_local, (unsigned long long)j.done);
      if (j.failed) fprintf(stderr, " (%llu failed)", (unsigned long long)j.failed);
      if (n_expand) fprintf(stderr, " (%llu kept from --expand now)", (unsigned long long)kept);
      if (mpi_size > 0) fprintf(stderr, ", %d MPI ranks", mpi_size);
      fputc('\n', stderr);
    }
    if (fail_fast && j.failed) { /* a run already failed: stop there, as a fresh --fail-fast sweep would */
      char err[CS_ERRMSG_MAX];
      uint64_t k = 0;
      if ((rc = first_failure(&ctx, sw, &j, &k, err)) == CS_OK)
        fprintf(stderr, "conflictsim sweep: %s\nconflictsim sweep: --fail-fast: the journal %s records %llu failed "
                "run%s (above: run %llu, the first); without --fail-fast the sweep completes the other runs\n", err,
                j.path, (unsigned long long)j.failed, j.failed > 1 ? "s" : "", (unsigned long long)k);
      else fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
      status = rc == CS_OK ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
    cs_sweep_signals_catch();
#ifdef CS_HAVE_MPI
    if (mpi_size > 0) {
      int busy = 0;
      mpi_workers = 1;
      rc = cs_sweep_mpi_master(&ctx, sw, &j, show, !fail_fast, &busy);
      mpi_abort = busy > 0 || rc == CS_ESTOP;
    } else
#endif
      rc = run_workers(&ctx, sw, &j, (int)jobs, show, fail_fast);
    cs_sweep_signals_restore();
    cs_journal_rows jr = {&j, &ctx};
    cli_failed fr = {.row = cs_journal_row, .ud = &jr, .sw = sw};
    int run_rc = rc;
    cs_sweep_evr evr = {&ctx, sw, sw->ev_dir, UINT64_MAX, 0, -1};
    if (rc == CS_OK) rc = cs_sweep_h5_write(&ctx, sw, out, index, count, cli_failed_row, &fr, cs_sweep_evr_rows, &evr);
    cs_sweep_evr_close(&evr);
    if (rc != CS_OK) {
      fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
      if (fail_fast && cs_sweep_run_fault(run_rc)) /* the runs gave these codes only for a run's own failure */
        fprintf(stderr, "conflictsim sweep: --fail-fast: stopped at a failed run; %llu of %llu runs are kept in %s; "
                "without --fail-fast the sweep records failed runs and completes the others\n",
                (unsigned long long)j.done, (unsigned long long)j.n_local, j.path);
      else if (rc == CS_ESTOP || j.done)
        fprintf(stderr, "conflictsim sweep: %llu of %llu runs are kept in %s; run the same command to resume\n",
                (unsigned long long)j.done, (unsigned long long)j.n_local, j.path);
      status = cli_exit_code(rc);
      goto done;
    }
    if (unlink(j.path) != 0) fprintf(stderr, "conflictsim sweep: cannot remove %s: %s\n", j.path, strerror(errno));
    if (sw->ev_dir && cs_sweep_ev_remove(&ctx, sw->ev_dir, index, count) != CS_OK)
      fprintf(stderr, "conflictsim sweep: %s\n", cs_errmsg(&ctx));
    if (!quiet) {
      printf("wrote %s (%llu runs", out, (unsigned long long)j.n_local);
      if (fr.n) printf(", %llu failed", (unsigned long long)fr.n);
      printf(")\n");
    }
    cs_journal_close(&j);
    if (fr.n) {
      fflush(stdout);
      cli_failed_report("sweep", &fr, out);
      status = EXIT_RUNS_FAILED;
    }
    if (!quiet && count == 1 && sw->design_kind != CS_SWD_CROSSED) { /* the table, from the file just written */
      cs_sens_file *sf = NULL;
      if ((rc = cs_sens_h5_read(&ctx, out, -1, &sf)) != CS_OK) {
        fprintf(stderr, "conflictsim sweep: wrote %s, but cannot print its sensitivity indices: %s\n", out,
                cs_errmsg(&ctx));
        status = cli_exit_code(rc);
      } else {
        putchar('\n');
        cli_sensitivity_print(stdout, sf, NULL, 0);
      }
      cs_sens_file_free(sf);
    }
  }
done:
  cs_journal_close(&j);
  cs_sweep_free(sw);
  free(out);
#ifdef CS_HAVE_MPI
  if (mpi_size > 0) cs_mpi_finish(mpi_abort ? status : 0, mpi_workers);
#else
  (void)mpi_abort, (void)mpi_workers;
#endif
  return status;
}

/* ---- merge ---- */
