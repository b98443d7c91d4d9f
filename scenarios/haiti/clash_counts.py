#!/usr/bin/python3
"""The counts behind the inter-gang clash ratio in capital.lua runs, and when the
coalition's pact was struck.

  /usr/bin/python3 scenarios/haiti/clash_counts.py RUN.h5 [RUN.h5 ...]

targets.lua's inter_gang_clashes_mar_aug_2024 is a ratio of two counts of engagements
between gangs (an engagement row whose attacker and defender are both gangs): those
reported (the observed log, events/observed = 1) from 1 Mar to 1 Sep 2024, over those
from 1 Sep 2023 to 1 Mar 2024. A ratio of small counts is mostly noise, so this prints
the counts themselves, reported and true, per window: their median and 5%-95% over the
runs, the median of the per-run ratio (runs with a first count of 0 are left out, as
validate leaves them out) and the ratio of the mean counts. The pact's day is the first
daily sample at which any gang's coalition_formed is 1 (never: the pact was not struck
in the run); the summary counts the runs in which it was struck by 15 Nov 2023 and by
1 Mar 2024, and gives the quantiles of its day where it was struck (targets.lua's coalition_not_acting_nov_2023 and coalition_acting_mar_2024
read the same variable on those dates).
"""
import argparse
import datetime as dt

import h5py
import numpy as np

import runlog

WINDOWS = (("2023-09-01", "2024-03-01"), ("2024-03-01", "2024-09-01"))
DATES = ("2023-11-15", "2024-03-01")


def day_of(start, iso):
    return (dt.date.fromisoformat(iso) - start).days


def one(path):
    with h5py.File(path) as f:
        start = runlog.start_date(f)
        kinds = runlog.event_kinds(f)
        ev = {c: f["events"][c][:] for c in ("time", "kind", "actor", "target", "observed")}
        formed = f["coalition_formed"][:]
        t_sample = f["time"][:]
    gg = (ev["kind"] == kinds.index("engagement")) & (ev["actor"] >= 2) & (ev["target"] >= 2)  # party codes >= 2: gangs
    counts = []
    for log in ("observed", "true"):
        sel = gg & (ev["observed"] > 0) if log == "observed" else gg
        t = ev["time"][sel]
        counts.append([int(((t >= day_of(start, a)) & (t < day_of(start, b))).sum()) for a, b in WINDOWS])
    struck = np.flatnonzero(formed.max(axis=1) > 0)
    pact = float(t_sample[struck[0]]) if len(struck) else np.inf
    return counts, pact, [day_of(start, d) for d in DATES]


def summary(name, x):
    x = np.asarray(x, float)
    return f"{name}: median {np.median(x):g} [5%-95%: {np.percentile(x, 5):g} - {np.percentile(x, 95):g}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args()
    rows = [one(p) for p in a.runs]
    print(f"engagements between gangs in {len(rows)} runs, per window")
    for k, log in enumerate(("reported", "true")):
        c = np.array([r[0][k] for r in rows], float)
        first, second = c[:, 0], c[:, 1]
        ok = first > 0
        ratio = np.median(second[ok] / first[ok]) if ok.any() else np.nan
        mean_ratio = second.mean() / first.mean() if first.mean() > 0 else np.nan
        print(f"  {log:8s} {summary('Sep 2023 - Feb 2024', first)}; {summary('Mar - Aug 2024', second)}")
        print(f"  {'':8s} ratio: median over {ok.sum()} runs {ratio:.3g}, of the means {mean_ratio:.3g} (observed 0.22)")
    pact = np.array([r[1] for r in rows])
    nov, mar = rows[0][2]
    print(f"pact struck by 15 Nov 2023 (day {nov}) in {(pact <= nov).sum()} of {len(rows)} runs, "
          f"by 1 Mar 2024 (day {mar}) in {(pact <= mar).sum()}, never in {np.isinf(pact).sum()}")
    struck = pact[np.isfinite(pact)]
    if len(struck):
        q = np.percentile(struck, [5, 25, 50, 75, 95])
        print(f"  its day where struck: 5%-25%-50%-75%-95% {' - '.join(f'{v:.0f}' for v in q)} (day 0 = the start)")


if __name__ == "__main__":
    main()
