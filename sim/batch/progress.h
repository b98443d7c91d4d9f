/* progress.h: the progress line of the long commands (run, sweep, compare,
** validate, and calibrate when it comes), one module so they all behave alike.
**
** Invariants:
** - The line is drawn only when stderr is a terminal and the command is not
**   --quiet; otherwise every function here writes nothing at all (no
**   carriage return, no escape code), so piped output and log files are clean.
** - A line of text never shares a screen line with the progress line: any
**   line written while the progress is shown goes through cs_progress_log,
**   which clears the progress line, writes the text and its newline, then
**   redraws. The script's sim:log and print reach it through the script's log
**   hook (cs_script_set_log), so the script layer knows nothing of terminals.
** - The line shows done / total, the percentage, the rate (units per second
**   of wall-clock time, from the start of this command) and the time left at
**   that rate. It is redrawn at most ten times a second, and always for the
**   last unit.
** - Nothing here touches simulation state: the clock it reads only decides
**   what is shown. */
#ifndef CS_PROGRESS_H
#define CS_PROGRESS_H

typedef struct cs_progress {
  int on;                 /* stderr is a terminal and the command is not quiet */
  int drawn;              /* the line is on the screen now */
  const char *what;       /* "day", "run", "replicate": before "done / total" */
  const char *rate_units; /* "days/s", "runs/s" */
  int decimals;           /* of done and total: 1 for days, 0 for counts */
  double total, done;     /* in units of `what` */
  double done0;           /* done when the command started (a resumed sweep) */
  double t0, last;        /* monotonic seconds: the start, the last draw */
} cs_progress;

/* Start a progress line over `total` units, `done0` of them done already,
** shown with `decimals` decimals. quiet: never draw. The strings are
** borrowed for the life of p. */
void cs_progress_start(cs_progress *p, int quiet, const char *what, int decimals, const char *rate_units,
                       double done0, double total);
/* `done` units are done: redraw if a tenth of a second has passed or all are. */
void cs_progress_update(cs_progress *p, double done);
/* Write one line of text (without its newline) to stderr without garbling
** the progress line: clear it, write, redraw. A cs_script_log_fn (ud = p);
** usable with a NULL p, or one not drawing, as a plain write to stderr. */
void cs_progress_log(void *ud, const char *line);
/* Erase the line for good (before the summary or an error message). */
void cs_progress_end(cs_progress *p);

/* "1 h 02 min", "3 min 05 s", "42 s" into buf: the time left, for the line. */
void cs_progress_format_time(char *buf, unsigned long n, double seconds);

#endif
