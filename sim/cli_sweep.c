/* cli_sweep.c: `conflictsim sweep` and `conflictsim merge` (being written). */
#include <stdio.h>

#include "cli.h"

int cli_sweep(int argc, char **argv) {
  fputs("conflictsim sweep: not available yet\n", stderr);
  return EXIT_FAIL;
}

int cli_merge(int argc, char **argv) {
  fputs("conflictsim merge: not available yet\n", stderr);
  return EXIT_FAIL;
}
