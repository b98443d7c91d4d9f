/* cli.h: the subcommands of the conflictsim executable. Each returns the
** process exit status (see EXIT_ codes and the README's table). */
#ifndef CS_CLI_H
#define CS_CLI_H

enum {
  EXIT_OK = 0,
  EXIT_FAIL = 1,      /* an internal or unexpected error */
  EXIT_USAGE = 2,     /* bad command line */
  EXIT_SCENARIO = 3,  /* the scenario or a parameter is wrong (file:line: message) */
  EXIT_IO = 4,        /* output could not be written */
  EXIT_NOMEM = 5,     /* out of memory */
  EXIT_STOPPED = 6,   /* interrupted by SIGINT or SIGTERM; nothing was written */
  /* 7 is validate's: a target failed (cli_validate.c) */
  EXIT_RUNS_FAILED = 8 /* sweep, merge: the file is written, but some runs failed (their errors are in it) */
};

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cs_sens_file;
struct cs_override;

int cli_run(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_calibrate(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_params(int argc, char **argv);
int cli_sensitivity(int argc, char **argv);
/* The table of a sensitivity analysis (cli_sensitivity.c): every metric, or
** the n_only named in only. */
void cli_sensitivity_print(FILE *out, const struct cs_sens_file *sf, const char *const *only, int n_only);
/* A decimal integer in [0, 2^64) with nothing after it: 0, else -1. */
int cli_parse_u64(const char *s, uint64_t *out);
/* One --set NAME=VALUE into *out: out->name is a copy the caller frees,
** out->value points into val. EXIT_OK; EXIT_USAGE, after "conflictsim CMD:
** --set takes NAME=VALUE, got 'VAL'" on stderr, when val has no '=' or no
** name; EXIT_NOMEM. */
int cli_parse_set(const char *cmd, const char *val, struct cs_override *out);
/* Under --posterior: "PREFIXthe calibration's own settings: NAME=VALUE ...
** (from the posterior's file)" for those of p's sets no given[n_given]
** names, and a line naming those given[] changes to another value; nothing
** if there are none (cli_run.c). */
struct cs_posterior;
void cli_print_settings(FILE *out, const char *prefix, const struct cs_posterior *p, const struct cs_override *given,
                        size_t n_given);
/* Whether this build has MPI (for --version and sweep --help). */
const char *cli_mpi_info(void);
/* Processes started by an MPI launcher, from its environment: 0 when not
** started by one, -1 when it does not say how many (cli_sweep.c). */
long cli_launcher_size(void);
/* Under srun, one of several tasks of the job step alone in its MPI world
** (mpi_size: MPI_COMM_WORLD's size, 0 when MPI was not started: srun
** --mpi=none, or a plugin this MPI cannot use): every task would be rank 0
** and write the same output and journal. Then says so on stderr as
** "conflictsim CMD: ..." and returns 1 (the caller exits with EXIT_USAGE,
** before writing anything); else 0 (cli_sweep.c). */
int cli_refuse_lone_task(const char *cmd, int mpi_size);

/* Whether a shard (or sweep file) was written from the scenario, modules and
** data files of these SHA-256 digests (files_sha "" if none) by this
** conflictsim version: the key a resume's journal checks (cli_merge.c). */
struct cs_sweep_shard;
int cli_shard_same_provenance(const struct cs_sweep_shard *sh, const char *scenario_sha, const char *files_sha,
                              const char *version);
/* --branch-at DAY, --branches K and (run only) --branch B: many futures
** from one past (sim/README.md, "Branching"; cli_run.c). */
#define CLI_BRANCHES_MAX 10000
typedef struct cli_branch {
  int on;          /* --branch-at given */
  double at;       /* its day, >= 0 (checked against the horizon by cs_world_set_branch) */
  uint64_t k;      /* --branches (default 1) */
  uint64_t first;  /* the first branch id: 0, or --branch B (then k = 1) */
  int k_given, first_given;
} cli_branch;
/* If argv[*i] is one of the branch options (--branch only if allow_one),
** read its value into *b, advance *i and return 1; return 0 if it is not
** one; -1 after a message "conflictsim CMD: ..." on stderr for a bad value. */
int cli_branch_option(const char *cmd, int argc, char **argv, int *i, int allow_one, cli_branch *b);
/* After all options: --branches or --branch without --branch-at, or both
** --branches and --branch, is an error (-1 after a message); else 0. */
int cli_branch_check(const char *cmd, const cli_branch *b);
/* Map a CS_ result code to an exit status. */
int cli_exit_code(int rc);

#endif
