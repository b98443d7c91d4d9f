/* test_progress.c: the progress line (sim/batch/progress.c) off a terminal
** writes nothing but the log lines themselves, and its time format. The
** terminal side is tests/test_progress.py's (under a pseudo-terminal). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "progress.h"

static void test_format_time(void) {
  char b[32];
  cs_progress_format_time(b, sizeof b, 41.2);
  CHECK(strcmp(b, "42 s") == 0);
  cs_progress_format_time(b, sizeof b, 185);
  CHECK(strcmp(b, "3 min 05 s") == 0);
  cs_progress_format_time(b, sizeof b, 3720);
  CHECK(strcmp(b, "1 h 02 min") == 0);
  cs_progress_format_time(b, sizeof b, -1);
  CHECK(strcmp(b, "?") == 0);
  cs_progress_format_time(b, sizeof b, 1.0 / 0.0);
  CHECK(strcmp(b, "?") == 0);
}

/* stderr to a file: not a terminal, so only the log line appears, plain. */
static void test_not_a_terminal(void) {
  char path[] = "/tmp/cs_progress_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  cs_progress p;
  cs_progress_start(&p, 0, "runs", 0, "runs/s", 0, 10);
  CHECK(!p.on);
  for (int i = 1; i <= 10; i++) cs_progress_update(&p, i);
  cs_progress_log(&p, "[day 1.00] a log line");
  cs_progress_log(NULL, "another");
  cs_progress_end(&p);
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  char buf[256] = "";
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f) fclose(f);
  unlink(path);
  close(fd);
  CHECK(strcmp(buf, "[day 1.00] a log line\nanother\n") == 0);
}

int main(void) {
  test_format_time();
  test_not_a_terminal();
  return check_report();
}
