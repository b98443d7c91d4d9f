/* main.c: the conflictsim command: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include <hdf5.h>

#include "cli.h"
#include "cs_common.h"

static const char *USAGE =
    "usage: conflictsim <command> [options]\n"
    "\n"
    "A discrete-event simulator of urban armed conflict: gangs, police and\n"
    "civilian displacement across the neighbourhoods of a city.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.lua   run one scenario and write an HDF5 file\n"
    "                     (conflictsim run --help for its options)\n"
    "  validate SCENARIO  run replicates and hold them against observed targets\n"
    "                     (a targets file; validate --help)\n"
    "  calibrate SCENARIO calibrate parameters against observed targets: history\n"
    "                     matching, then ABC-SMC; one HDF5 file (calibrate --help)\n"
    "  sweep SWEEP.lua    run a parameter sweep over many runs, in parallel,\n"
    "                     resumable, one HDF5 file (sweep --help)\n"
    "  merge SHARD...     join the shards of a sweep into one file (merge --help)\n"
    "  compare            paired runs of interventions against a baseline (compare --help)\n"
    "  params [SCENARIO]  list the parameters a run uses, with ranges and meaning (params --help)\n"
    "  sensitivity FILE   the Sobol' or Morris indices of a sobol or morris sweep file\n"
    "                     (sensitivity --help)\n"
    "\n"
    "options:\n"
    "  -h, --help         show this help\n"
    "  --version          print the version\n"
    "\n"
    "Exit status: 0 success, 1 internal error, 2 bad command line, 3 error in the\n"
    "scenario or a parameter, 4 output error, 5 out of memory, 6 interrupted;\n"
    "validate: 7 an in-sample target failed; sweep and merge: 8 the file is written\n"
    "but some runs failed. Each command's --help has the details.\n";

int main(int argc, char **argv) {
  /* No HDF5 clean-up at exit: every file is closed explicitly, and a file
  ** whose close failed (a full disk) crashes libhdf5 1.10's exit-time
  ** clean-up (H5F__close_cb) after the error has been reported. */
  H5dont_atexit();
  if (argc < 2) {
    fputs(USAGE, stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    fputs(USAGE, stdout);
    return EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("conflictsim %s\nMPI: %s\n", cs_version(), cli_mpi_info());
    return EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0) return cli_run(argc - 1, argv + 1);
  if (strcmp(cmd, "validate") == 0) return cli_validate(argc - 1, argv + 1);
  if (strcmp(cmd, "calibrate") == 0) return cli_calibrate(argc - 1, argv + 1);
  if (strcmp(cmd, "sweep") == 0) return cli_sweep(argc - 1, argv + 1);
  if (strcmp(cmd, "merge") == 0) return cli_merge(argc - 1, argv + 1);
  if (strcmp(cmd, "sensitivity") == 0) return cli_sensitivity(argc - 1, argv + 1);
  if (strcmp(cmd, "compare") == 0) return cli_compare(argc - 1, argv + 1);
  if (strcmp(cmd, "params") == 0) return cli_params(argc - 1, argv + 1);
  fprintf(stderr, "conflictsim: unknown command '%s'\n\n%s", cmd, USAGE);
  return EXIT_USAGE;
}
