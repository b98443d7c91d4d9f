#!/usr/bin/python3
"""The Solino raid in capital.lua runs: does Solino still hold when the coalition's
assault begins (17 Oct 2024), and, in the runs where it does, how many people flee
Solino and Tabarre 27 in the 4 and 7 days from then, against IOM's counts.

  /usr/bin/python3 scenarios/haiti/solino_raid.py RUN.h5 [RUN.h5 ...] [--daily N]

Solino "holds" when no gang owns it at the start of the assault's day: its owner then is
the new owner of its last takeover event before that day (with partial control a node
can change hands more than once), or its owner at the start if none (the run file's
owner at the first sample, time 0). The counts are the group sizes of the flight events from the two
nodes in [day, day + 4) and [day, day + 7), as targets.lua's fled{} counts them (17-20
and 17-23 Oct). Observed (data/observed.csv, displaced_event rows, IOM): more than 4,200
by 21 Oct and 10,056 by 23 Oct (8,361 from Solino and 1,695 from Tabarre 27); the
test is a factor of 1.5 around each. --daily N adds, for the runs where Solino held, the
mean and median number who fled the two nodes on each of the N days from the assault's
first (the shape of the flight: when it peaks, how fast it falls after the attacks).

It also counts, in the runs where Solino held, the engagements at the two nodes in the
assault's 7 days and the deaths in them (combatants and civilians), against what the press
reported: partial tolls of one woman killed by a stray bullet at Solino on 17 Oct (Haiti
News, 18 Oct 2024) and at least three shot dead (Constant Haiti, "Violence a Solino :
Trois morts", Oct 2024). These are not counts of every death (gang members killed are
rarely reported one by one), so they bound the toll from below only; a model toll a
hundred times larger is still a finding.
"""
import argparse
import datetime as dt

import h5py
import numpy as np

import runlog

OBSERVED = {4: 4200, 7: 8361 + 1695}
REPORTED_DEATHS = 3  # at least; partial tolls (module doc)
NODES = ("solino", "tabarre_27")
DAYS_MAX = 60  # --daily at most this many days


def one(path, day):
    with h5py.File(path) as f:
        start = runlog.start_date(f)
        attack = (dt.date.fromisoformat(day) - start).days
        nodes = list(f["node"].asstr()[:])
        kinds = runlog.event_kinds(f)
        ev = {c: f["events"][c][:] for c in ("time", "kind", "node", "actor", "displaced", "deaths")}
        sol = nodes.index("solino")
        owner = int(f["owner"][0, sol])
    take = (ev["kind"] == kinds.index("takeover")) & (ev["node"] == sol) & (ev["time"] < attack)
    if take.any():
        owner = int(ev["actor"][take][-1])  # the log is in time order
    gang_taken = ev["time"][take & (ev["actor"] >= 2)]  # party codes >= 2 are gangs
    fall = gang_taken.min() if len(gang_taken) else np.inf
    holds = owner < 2
    idx = [nodes.index(n) for n in NODES]
    fl = (ev["kind"] == kinds.index("flight")) & np.isin(ev["node"], idx)
    fled = {w: int(ev["displaced"][fl & (ev["time"] >= attack) & (ev["time"] < attack + w)].sum()) for w in OBSERVED}
    daily = [int(ev["displaced"][fl & (ev["time"] >= attack + k) & (ev["time"] < attack + k + 1)].sum()) for k in range(DAYS_MAX)]
    eng = (ev["kind"] == kinds.index("engagement")) & np.isin(ev["node"], idx) \
        & (ev["time"] >= attack) & (ev["time"] < attack + 7)
    fights = (int(eng.sum()), int(ev["deaths"][eng].sum()))
    return attack, fall, fled, holds, daily, fights


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--day", default="2024-10-17", help="the assault's first day (default 2024-10-17)")
    ap.add_argument("--daily", type=int, default=0, metavar="N",
                    help=f"also the people who fled on each of the first N days (at most {DAYS_MAX})")
    a = ap.parse_args()
    if not 0 <= a.daily <= DAYS_MAX:
        ap.error(f"--daily must be in 0..{DAYS_MAX} (got {a.daily})")
    rows = [one(p, a.day) for p in a.runs]
    attack = rows[0][0]
    held = [r for r in rows if r[3]]
    line = f"Solino holds on the assault's day (day {attack}, {a.day}) in {len(held)} of {len(rows)} runs"
    first = np.array([r[1] for r in rows if not r[3]])
    if len(first):
        line += f"; in the others a gang first took it on day {np.median(first):.0f} (median)"
    retaken = sum(1 for r in held if np.isfinite(r[1]))
    if retaken:
        line += f"; {retaken} of the holding runs had lost it to a gang and won it back"
    print(line)
    if not held:
        return
    for w, obs in OBSERVED.items():
        x = np.array([r[2][w] for r in held])
        inside = np.mean((x >= obs / 1.5) & (x <= obs * 1.5))
        print(f"  fled Solino + Tabarre 27 in {w} days, runs where Solino held: median {np.median(x):,.0f} "
              f"[5%-95%: {np.percentile(x, 5):,.0f} - {np.percentile(x, 95):,.0f}], observed {obs:,}; "
              f"within a factor 1.5 in {inside:.0%} of these runs")
    n = np.array([r[5][0] for r in held])
    k = np.array([r[5][1] for r in held])
    per = k[n > 0] / n[n > 0]
    print(f"  engagements at the two nodes in the assault's 7 days, runs where Solino held: median {np.median(n):.0f} "
          f"[5%-95%: {np.percentile(n, 5):.0f} - {np.percentile(n, 95):.0f}]; deaths in them (combatants and civilians): "
          f"median {np.median(k):,.0f} [5%-95%: {np.percentile(k, 5):,.0f} - {np.percentile(k, 95):,.0f}], "
          f"{np.median(per) if len(per) else float('nan'):.0f} per engagement (median over runs); "
          f"reported: at least {REPORTED_DEATHS} (partial tolls, see --help)")
    if a.daily:
        d = np.array([r[4][:a.daily] for r in held], float)
        print(f"  fled the two nodes per day from the assault's first, runs where Solino held ({len(held)}):")
        print("    day    " + " ".join(f"{k:6d}" for k in range(a.daily)))
        print("    mean   " + " ".join(f"{v:6.0f}" for v in d.mean(axis=0)))
        print("    median " + " ".join(f"{v:6.0f}" for v in np.median(d, axis=0)))


if __name__ == "__main__":
    main()
