"""flight_sources.py: where a run's displacement comes from, window by window.

    /usr/bin/python3 scenarios/haiti/flight_sources.py RUN.h5 [RUN.h5 ...]

For each window between IOM's rounds (the run's start, 31 Dec 2023, 1 Mar, 30 Jun, 4 Sep
and 31 Dec 2024, those inside the run), over the run files, the median and the range of:
- fled: the people of every flight row in the window (the event log's `displaced`);
- baseline: the flights the baseline hazard h0 alone is expected to make, h0 times the
  integral of the capital's residents (city_residents, trapezoids over the daily samples):
  the flight hazard is h0 R_j + hX(D_j) (X_j + stayer_factor Y_j) (sim/README.md, "Hazard"),
  so its baseline part has this expectation given the residents' path (to the trapezoids'
  error over a day);
- the baseline's share of fled (its expected share: the log does not say which kind of
  flight fired);
- near a fight: the share of fled that left a node within 1 and within 7 days after an
  engagement at that node (the engagement rows of the log), a measure that needs no
  model: IOM's counts of an attack's displaced are of people who left within days.

After the table: the rise of city_displaced since the start at those dates (median over
the runs), its average relative difference from IOM's rise (the displaced_since_sep_2023
target of targets.lua: IOM's national stock minus its 1 Sep 2023 level) and the ratio of
Dec 2024 to Dec 2023; then, for each --fled NAME=NODES:FROM:TO (NODES comma-separated node
ids, or "all"; FROM inclusive, TO exclusive, YYYY-MM-DD), the median people of the flight
rows from those nodes in that window.

Runs need the flight and engagement rows of the event log (--events all) and the
parameter h0 in their `parameters` group. Made to ask whether the capital's
displacement follows its fighting or a steady background (scenarios/haiti/README.md,
"Where the displacement comes from").
"""
import argparse
import datetime as dt
import sys

import h5py
import numpy as np

ROUNDS = ["2023-12-31", "2024-03-01", "2024-06-30", "2024-09-04", "2024-12-31"]
# IOM's national stock at ROUNDS minus its level on 1 Sep 2023 (targets.lua, IDP_SEP_2023)
IDP_SEP_2023 = 200000 + (315000 - 200000) * 63 / 184
IOM_RISE = [v - IDP_SEP_2023 for v in (315000, 362551, 578074, 700000, 1041000)]


def start_of(f):
    units = f["time"].attrs["units"]
    units = units.decode() if isinstance(units, bytes) else str(units)
    return dt.datetime.strptime(units.split("since ")[1][:10], "%Y-%m-%d")


def day_of(s0, date):
    """Days from the run's start s0 to YYYY-MM-DD."""
    return (dt.datetime.strptime(date, "%Y-%m-%d") - s0).days


def windows(path):
    """One dict per window: fled, baseline, near1, near7 (people)."""
    with h5py.File(path, "r") as f:
        km = f["events/kind"].attrs["flag_meanings"]
        kinds = (km.decode() if isinstance(km, bytes) else str(km)).split()
        k, t = f["events/kind"][:], f["events/time"][:]
        node, moved = f["events/node"][:], f["events/displaced"][:]
        time, res = f["time"][:], f["city_residents"][:].astype(float)
        h0 = float(f["parameters"].attrs["h0"])
        s0 = start_of(f)
        ids = [n.decode() if isinstance(n, bytes) else str(n) for n in f["node"][:]]
        disp = f["city_displaced"][:].astype(float)
    eng, fl = k == kinds.index("engagement"), k == kinds.index("flight")
    if not fl.any():
        sys.exit(f"flight_sources.py: {path} has no flight rows (run with --events all)")
    # days since the last engagement at the flight's node (inf: none before it); the log
    # is in the order the model logged events, so an engagement precedes the flights it caused
    last = np.full(int(node.max()) + 1, -np.inf)
    lag = np.full(len(k), np.inf)
    for i in np.flatnonzero(eng | fl):
        if eng[i]:
            last[node[i]] = t[i]
        else:
            lag[i] = t[i] - last[node[i]]
    edges = [0.0] + [day_of(s0, d) for d in ROUNDS]
    rows = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b > time[-1] or b <= a:
            continue
        w = fl & (t >= a) & (t < b)
        m = (time >= a) & (time <= b)
        rows.append({"from": a, "to": b, "fled": moved[w].sum(), "baseline": h0 * np.trapz(res[m], time[m]),
                     "near1": moved[w & (lag <= 1)].sum(), "near7": moved[w & (lag <= 7)].sum()})
    rise = [disp[np.searchsorted(time, e)] - disp[0] if e <= time[-1] else np.nan for e in edges[1:]]
    fled = {}
    for spec in FLED:
        name, nodes, a, b = spec
        w = fl & (t >= day_of(s0, a)) & (t < day_of(s0, b))
        if nodes != ["all"]:
            unknown = [n for n in nodes if n not in ids]
            if unknown:
                sys.exit(f"flight_sources.py: --fled {name}: no node {unknown[0]!r} in {path}")
            w &= np.isin(node, [ids.index(n) for n in nodes])
        fled[name] = moved[w].sum()
    return s0, rows, rise, fled


FLED = []


def parse_fled(spec):
    try:
        name, rest = spec.split("=", 1)
        nodes, a, b = rest.split(":")
        for d in (a, b):
            dt.datetime.strptime(d, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fled takes NAME=NODES:FROM:TO (dates YYYY-MM-DD), got {spec!r}")
    return name, nodes.split(","), a, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="run files (conflictsim run --events all)")
    ap.add_argument("--fled", action="append", type=parse_fled, default=[], metavar="NAME=NODES:FROM:TO",
                    help="also the people who fled NODES (comma-separated ids, or all) from FROM to TO")
    a = ap.parse_args()
    FLED.extend(a.fled)
    per = [windows(p) for p in a.runs]
    s0, first = per[0][0], per[0][1]
    n = len(first)
    if any(len(r[1]) != n for r in per):
        sys.exit("flight_sources.py: the runs do not cover the same windows")
    print(f"{len(per)} runs; median over the runs [min, max]")
    print(f"{'window':24} {'fled':>26} {'baseline h0 R (expected)':>28} {'baseline share':>15} "
          f"{'<=1 day after a fight':>22} {'<=7 days':>9}")
    for i in range(n):
        col = {c: np.array([r[1][i][c] for r in per], float) for c in ("fled", "baseline", "near1", "near7")}
        share = col["baseline"] / np.maximum(col["fled"], 1)
        d0 = (s0 + dt.timedelta(days=first[i]["from"])).strftime("%d %b %Y")
        d1 = (s0 + dt.timedelta(days=first[i]["to"])).strftime("%d %b %Y")

        def mm(x):
            return f"{np.median(x):9,.0f} [{x.min():,.0f}, {x.max():,.0f}]"
        print(f"{d0 + ' - ' + d1:24} {mm(col['fled']):>26} {mm(col['baseline']):>28} {np.median(share):15.0%} "
              f"{np.median(col['near1'] / np.maximum(col['fled'], 1)):22.0%} "
              f"{np.median(col['near7'] / np.maximum(col['fled'], 1)):9.0%}")
    fled = np.array([sum(w["fled"] for w in r[1]) for r in per])
    base = np.array([sum(w["baseline"] for w in r[1]) for r in per])
    print(f"\nall windows: fled {np.median(fled):,.0f}, of which the baseline hazard's expected share "
          f"{np.median(base / np.maximum(fled, 1)):.0%} (median over the runs)")
    rise = np.median(np.array([r[2] for r in per], float), axis=0)
    ok = ~np.isnan(rise)
    print("\nrise of city_displaced since the start (median over the runs) against IOM's:")
    for d, m, o in zip(ROUNDS, rise, IOM_RISE):
        if not np.isnan(m):
            print(f"  {d}  {m:9,.0f}  IOM {o:9,.0f}")
    if ok.all():
        ard = np.mean(np.abs(rise - IOM_RISE) / IOM_RISE)
        print(f"  average relative difference {ard:.3f}; Dec 2024 over Dec 2023 {rise[-1] / rise[0]:.2f} "
              f"(IOM {IOM_RISE[-1] / IOM_RISE[0]:.2f})")
    for name, _, fr, to in FLED:
        v = np.array([r[3][name] for r in per], float)
        print(f"fled {name} ({fr} to {to}, TO excluded): median {np.median(v):,.0f} [{v.min():,.0f}, {v.max():,.0f}]")


if __name__ == "__main__":
    main()
