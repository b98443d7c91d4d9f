#!/usr/bin/python3
"""The elite recall's effect, from a compare report (v2_results.sh writes it):
the whole table of mean differences against no recall with their 95% intervals, and
the same effect split by whether Solino still held when the assault began, which is
where the mechanism says a recall can act.

  /usr/bin/python3 scenarios/haiti/recall_table.py RECALL.h5 [--attack-day 412]

The split is by the baseline's fall_time_solino, the first time a gang took Solino:
"not yet fallen" on the attack's day, or fallen before it (with partial control a gang
can lose the node again, so a few of the latter may hold it again by then; the
compare report keeps no owner series to tell). Where Solino has fallen, the recall
goes to the state-held node nearest it. Within each group: the mean paired difference and a 95% interval from
the normal approximation (mean +- 1.96 sd / sqrt(n)); the runs are paired (same
streams, same posterior draw), so the difference is the recall's alone. Last, the runs
where Solino held, split again by whether the recall delayed its fall (or kept it): the
mean with its interval, the range, and how many pairs had fewer or more people flee.
"""
import argparse

import h5py
import numpy as np


def text(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def num(x):
    """+1,234 for large values, +0.17 for small ones."""
    return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.2f}"


def ci(d):
    d = np.asarray(d, float)
    if len(d) < 2:
        return f"{d.mean() if len(d) else float('nan'):+,.0f} (n = {len(d)})"
    h = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    return f"{num(d.mean())} [{num(d.mean() - h)}, {num(d.mean() + h)}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report")
    ap.add_argument("--attack-day", type=float, default=412, help="the assault's day (default 412, 17 Oct 2024)")
    a = ap.parse_args()
    with h5py.File(a.report) as f:
        metric, arms = text(f["metric"][:]), text(f["arm"][:])
        v, lo, hi, md = f["values"][:], f["ci_low"][:], f["ci_high"][:], f["mean_difference"][:]
    ft = v[0, :, metric.index("fall_time_solino")]
    held = np.isnan(ft) | (ft >= a.attack_day)
    n = len(ft)
    print(f"Solino not yet taken by a gang on the assault's day in {held.sum()} of {n} baseline runs "
          "(posterior draws)\n")
    print("mean difference recall - no recall [95% BCa interval], all runs")
    print(f"{'variant':<14}" + "".join(f"{m:>30}" for m in metric))
    for k, arm in enumerate(arms[1:]):
        print(f"{arm:<14}" + "".join(f"{num(md[k, j])} [{num(lo[k, j])}, {num(hi[k, j])}]".rjust(30)
                                     for j in range(len(metric))))
    fs = metric.index("fled_solino")
    print(f"\npeople who fled Solino, recall - no recall [95%], split by whether Solino had fallen by day {a.attack_day:g}")
    print(f"{'variant':<14}{'not yet fallen (' + str(held.sum()) + ' runs)':>34}{'already fallen (' + str((~held).sum()) + ' runs)':>34}"
          f"{'fall delayed (of those)':>26}")
    fi = metric.index("fall_time_solino")
    fall = np.where(np.isnan(v[:, :, fi]), np.inf, v[:, :, fi])  # never fallen: inf
    # per variant: the paired difference in people who fled Solino, and whether it delayed the fall
    per_arm = [(arm, v[k, :, fs] - v[0, :, fs], fall[k] > fall[0]) for k, arm in enumerate(arms[1:], start=1)]
    for arm, d, later in per_arm:
        print(f"{arm:<14}{ci(d[held]):>34}{ci(d[~held]):>34}{int(np.sum(held & later)):>20} of {held.sum()}")
    print(f"\nthe runs where Solino held on day {a.attack_day:g}, split by whether the recall delayed its fall:"
          "\npeople who fled Solino, recall - no recall: mean [95%]; range; fewer / more")
    print(f"{'variant':<14}{'fall delayed':>52}{'fall not delayed':>52}")
    for arm, d, later in per_arm:
        cells = []
        for mask in (held & later, held & ~later):
            x = d[mask]
            rng = f"{num(x.min())} to {num(x.max())}" if len(x) else "-"
            cells.append(f"{ci(x)}; {rng}; {int(np.sum(x < 0))}/{int(np.sum(x > 0))}")
        print(f"{arm:<14}{cells[0]:>52}{cells[1]:>52}")


if __name__ == "__main__":
    main()
