"""plain.py: numbers as a reader reads them, for the figures and the HTML report.

The same forms as the terminal tables (sim/batch/plain.c; tests/test_report.py
checks that both give the same text): 100 and over as whole numbers with
thousands separators (12,345), 10 to 100 with one decimal, 1 to 10 with two,
below 1 with three significant digits, a whole number always whole (40); NaN
as "-". A share (display units "%") is shown times 100 with "%", a difference of shares in percentage points
("pp"). Labels and units are not here: they are read from the files
(compare: metric_label, metric_display_units, the trajectories' label and
display_units attributes), which take them from the one table in C.
"""
import math


def text(x):
    """An HDF5 string (bytes or str) as str."""
    return x.decode() if isinstance(x, bytes) else str(x)


def num(v, sign=False):
    v = float(v)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return ("-" if v < 0 else "+" if sign else "") + "inf"
    a = abs(v)
    if a >= 1e15:
        body = "%.3g" % a
    elif a >= 99.95 or a == math.floor(a):
        body = "{:,.0f}".format(a)
    elif a >= 9.995:
        body = "%.1f" % a
    elif a >= 0.9995:
        body = "%.2f" % a
    elif a > 0:
        body = "%#.3g" % a
    else:
        body = "0"
    if body.strip("0.,") == "":
        return body
    return ("-" if v < 0 else "+" if sign and v > 0 else "") + body


def value(v, display_units, diff=False):
    """v of a quantity whose reader's unit is display_units ("%" for a share)."""
    if display_units == "%" and math.isfinite(float(v)):
        return num(100 * float(v), diff) + (" pp" if diff else "%")
    return num(v, diff)


def scale(display_units):
    """The factor from the file's values to what a reader is shown (100 for a share)."""
    return 100.0 if display_units == "%" else 1.0


def percentages(p):
    """Shares summing to 1 as whole percentages summing to exactly 100 (largest remainders),
    as the terminal table prints P(better), P(worse), P(tie)."""
    if any(math.isnan(x) for x in p):
        return [-1] * len(p)
    pct = [int(math.floor(100 * x + 1e-9)) for x in p]
    rem = [100 * x - k for x, k in zip(p, pct)]
    order = sorted(range(len(p)), key=lambda i: (-rem[i], i))
    for i in order[:max(0, 100 - sum(pct))]:
        pct[i] += 1
    return pct
