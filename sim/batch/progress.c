/* progress.c: the progress line shared by run, sweep, compare and validate
** (progress.h states its invariants). Moved here from the sweep's journal
** module (cs_sweep_progress) and the run's sink, so every command draws the
** same line and clears it the same way around log lines. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cs_progress_format_time(char *buf, unsigned long n, double s) {
  if (!(s >= 0) || !isfinite(s)) snprintf(buf, n, "?");
  else if (s >= 3600) snprintf(buf, n, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
  else if (s >= 60) snprintf(buf, n, "%.0f min %02.0f s", floor(s / 60), floor(fmod(s, 60)));
  else snprintf(buf, n, "%.0f s", ceil(s));
}

static void draw(cs_progress *p) {
  double el = now() - p->t0, rate = el > 0 ? (p->done - p->done0) / el : 0;
  char left[32];
  cs_progress_format_time(left, sizeof left, rate > 0 ? (p->total - p->done) / rate : NAN);
  int pct = p->total > 0 ? (int)(100.0 * p->done / p->total) : 100;
  int prec = p->decimals;
  fprintf(stderr, "\r  %s %.*f / %.*f  [%3d%%]  %.*f %s  time left %s\033[K", p->what, prec, p->done, prec, p->total,
          pct, rate >= 100 ? 0 : rate >= 10 ? 1 : 2, rate, p->rate_units, left);
  fflush(stderr);
  p->drawn = 1;
  p->last = now();
}

static void clear(cs_progress *p) {
  if (!p->drawn) return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  p->drawn = 0;
}

void cs_progress_start(cs_progress *p, int quiet, const char *what, int decimals, const char *rate_units,
                       double done0, double total) {
  p->on = !quiet && isatty(STDERR_FILENO);
  p->drawn = 0;
  p->what = what;
  p->rate_units = rate_units;
  p->decimals = decimals;
  p->total = total;
  p->done = p->done0 = done0;
  p->t0 = now();
  p->last = -1;
}

void cs_progress_update(cs_progress *p, double done) {
  p->done = done;
  if (!p->on) return;
  if (done >= p->total || p->last < 0 || now() - p->last >= 0.1) draw(p);
}

void cs_progress_log(void *ud, const char *line) {
  cs_progress *p = ud;
  int redraw = p && p->drawn;
  if (p) clear(p);
  fprintf(stderr, "%s\n", line);
  fflush(stderr);
  if (redraw) draw(p);
}

void cs_progress_end(cs_progress *p) {
  clear(p);
  p->on = 0;
}
