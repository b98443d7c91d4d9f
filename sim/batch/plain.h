/* plain.h: numbers, units and labels as a reader of a report reads them
** (cs_plain_), for sim/ only: the terminal tables of compare, validate and
** calibrate, and the labels compare writes into its HDF5 file for the
** figures (output/plot_compare.py, output/report.py read them from there,
** so a label is written once, here and in CS_SWEEP_METRIC_LIST).
**
** Invariants:
** - Only what a person reads changes here; names in machine-readable files
**   (CSV columns, HDF5 datasets, metric codes) are never made from these.
** - Every function writes a NUL-terminated string of at most cap bytes into
**   buf and returns buf; nothing is allocated, nothing reads the locale.
** - Numbers: 100 and over as whole numbers with thousands separators
**   (12,345; -1,168,700), 10 to 100 with one decimal, 1 to 10 with two,
**   below 1 with three significant digits, a whole number always whole
**   (40); NaN as "-", infinities as "inf" and "-inf". A share (units "1")
**   is shown as a percentage of the same form (32.1%), and a difference of
**   shares in percentage points (pp). */
#ifndef CS_PLAIN_H
#define CS_PLAIN_H

#include <stddef.h>

#include "sweep.h"

/* v in the form above; with sign, a "+" before a positive v (differences). */
const char *cs_plain_num(double v, int sign, char *buf, size_t cap);

/* The unit a reader is shown for the units of a metric or a trajectory:
** "persons" -> "people", "1" -> "%", "nodes" -> "neighbourhoods",
** "events" -> "clashes"; any other (days, person-days, a Lua metric's own)
** as it is, "" as "". Static storage or units itself. */
const char *cs_plain_unit(const char *units);

/* v of a quantity in units, shown in the reader's unit: a share (units "1")
** times 100 with "%" (or " pp" with diff set: a difference of shares),
** anything else as cs_plain_num. With diff set, a "+" before a positive v. */
const char *cs_plain_value(double v, const char *units, int diff, char *buf, size_t cap);

/* The shares p[0..n-1] (summing to 1) as whole percentages summing to
** exactly 100 (largest remainders), so P(better), P(worse) and P(tie) add
** up as printed; pct[i] receives each. n at most 8; NaN in p gives -1. */
void cs_plain_percentages(const double *p, int n, int *pct);

/* The plain label of metric m of sw ("Displaced people at the end"; "Day
** market fell to a gang"); a Lua metric's label is its name. */
const char *cs_plain_metric_label(const cs_sweep *sw, int m, char *buf, size_t cap);

#endif
