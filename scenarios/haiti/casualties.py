#!/usr/bin/python3
"""Deaths in capital.lua runs by kind of violence, against what BINUH reported: how many
engagements of each kind a run has in a quarter, how many people each kills, and who
kills the people killed.

  /usr/bin/python3 scenarios/haiti/casualties.py RUN.h5 [RUN.h5 ...] [--quarter 2024Q1]

Kinds, from the run file's event log (output/README.md): a gang's attack on a node the
STATE holds or nobody holds (engagement, attacker a gang, holder the STATE or CONTESTED);
a fight between gangs (attacker and holder gangs); a police operation (attacker the
STATE); a lynching by a self-defence brigade. Deaths are the true `deaths` of those rows
(combatants and civilians). Observed, for Q1 2024 (data/README.md, "Deaths by kind of
violence"): 1,660 killed nationally, at least 590 of them in police operations and at
least 141 by vigilante groups (BINUH); these are national counts, the runs are the
capital's, so read the shares, not the totals.
"""
import argparse
import datetime as dt

import h5py
import numpy as np

import runlog

KINDS = ("gang on STATE or CONTESTED", "gang on gang", "police operation", "lynching")
OBSERVED_Q1_2024 = {"total": 1660, "police operation": 590, "lynching": 141}


def quarter_days(start, q):
    y, n = int(q[:4]), int(q[5])
    a = dt.date(y, 3 * (n - 1) + 1, 1)
    b = dt.date(y + (n == 4), 1 if n == 4 else 3 * n + 1, 1)
    return (a - start).days, (b - start).days


def one(path, q):
    with h5py.File(path) as f:
        start = runlog.start_date(f)
        names = runlog.event_kinds(f)
        ev = {c: f["events"][c][:] for c in ("time", "kind", "actor", "target", "deaths")}
    a, b = quarter_days(start, q)
    inq = (ev["time"] >= a) & (ev["time"] < b)
    eng = inq & (ev["kind"] == names.index("engagement"))
    gang_att, gang_def = ev["actor"] >= 2, ev["target"] >= 2  # party codes >= 2: gangs
    sel = {KINDS[0]: eng & gang_att & ~gang_def, KINDS[1]: eng & gang_att & gang_def,
           KINDS[2]: eng & (ev["actor"] == 0), KINDS[3]: inq & (ev["kind"] == names.index("lynching"))}
    return {k: (int(m.sum()), ev["deaths"][m]) for k, m in sel.items()}


def q(x, p):
    return np.percentile(x, p) if len(x) else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--quarter", default="2024Q1", help="YYYYQn (default 2024Q1)")
    a = ap.parse_args()
    if len(a.quarter) != 6 or a.quarter[4] != "Q" or a.quarter[5] not in "1234" or not a.quarter[:4].isdigit():
        ap.error(f"--quarter takes YYYYQn, e.g. 2024Q1 (got {a.quarter!r})")
    rows = [one(p, a.quarter) for p in a.runs]
    totals = np.array([sum(int(r[k][1].sum()) for k in KINDS) for r in rows])
    print(f"deaths in {a.quarter}, {len(rows)} runs: median {np.median(totals):,.0f} "
          f"[5%-95%: {q(totals, 5):,.0f} - {q(totals, 95):,.0f}]")
    print(f"  {'kind':28s} {'events (median)':>16s} {'deaths (median)':>16s} {'share of deaths':>16s} "
          f"{'deaths per event: median, 90%':>30s}")
    for k in KINDS:
        n = np.array([r[k][0] for r in rows])
        d = np.array([int(r[k][1].sum()) for r in rows])
        share = d.sum() / totals.sum() if totals.sum() else float("nan")
        per = np.concatenate([r[k][1] for r in rows]) if rows else np.array([])
        print(f"  {k:28s} {np.median(n):16.0f} {np.median(d):16,.0f} {share:16.0%} "
              f"{q(per, 50):>22.0f}, {q(per, 90):.0f}")
    if a.quarter == "2024Q1":
        o = OBSERVED_Q1_2024
        print(f"  observed (BINUH, national): {o['total']:,} killed; police operations at least {o['police operation']} "
              f"({o['police operation'] / o['total']:.0%}), vigilante groups at least {o['lynching']} "
              f"({o['lynching'] / o['total']:.0%})")


if __name__ == "__main__":
    main()
