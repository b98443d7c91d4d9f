/* cli_failed.h: the failed runs of a sweep file as it is written, counted
** and summarized on stderr (cli_failed.c), for `sweep` and `merge`. */
#ifndef CS_CLI_FAILED_H
#define CS_CLI_FAILED_H

#include <stdint.h>

#include "cs_common.h"
#include "sweep.h"

#define CLI_FAIL_POINTS 10 /* design points listed by name */
#define CLI_FAIL_REPS 8    /* replicates listed per point */
#define CLI_FAIL_FIRST 3   /* error messages shown */

/* Wraps the row function the file is written from, and notes each failed
** run: how many, the first CLI_FAIL_POINTS points with failures and their
** failed replicates, the first CLI_FAIL_FIRST distinct messages (compared
** without their "run K: "), each with the first run that gave it. Memory does not grow
** with the number of failures. */
typedef struct cli_failed {
  cs_sweep_row_fn row;
  void *ud;
  const cs_sweep *sw;
  uint64_t n, runs;                 /* failed runs, runs seen */
  uint64_t pt[CLI_FAIL_POINTS];         /* points listed */
  uint64_t n_rep[CLI_FAIL_POINTS];      /* their failed replicates */
  uint64_t rep[CLI_FAIL_POINTS][CLI_FAIL_REPS];
  int n_pt;
  uint64_t more_runs;               /* failed runs at points not listed */
  int n_first;                      /* distinct messages kept */
  uint64_t first_k[CLI_FAIL_FIRST];     /* the first run that gave each */
  char first[CLI_FAIL_FIRST][CS_ERRMSG_MAX];
} cli_failed;

/* A cs_sweep_row_fn: calls f->row(f->ud, ...), then notes the run if it
** failed (err not empty). */
int cli_failed_row(void *ud, uint64_t k, double *rec, char *err);
/* The summary on stderr: how many, which points (with their parameters) and
** replicates, the first errors; cmd names the command, out the file. */
void cli_failed_report(const char *cmd, const cli_failed *f, const char *out);

#endif
