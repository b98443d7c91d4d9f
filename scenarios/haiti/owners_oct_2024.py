#!/usr/bin/python3
"""Who holds each neighbourhood in capital.lua runs on a date (default 21 Oct 2024),
against the data's own labels for Oct 2024 (data/neighbourhoods.csv, controller_oct_2024).

  /usr/bin/python3 scenarios/haiti/owners_oct_2024.py RUN.h5 [RUN.h5 ...] [--date YYYY-MM-DD]
                                                       [--all]

The labels are not a calibration target (the targets are the population shares of
targets.lua); this is a look at where the model's control is, node by node. Each node
falls in one of three classes: STATE, CONTESTED, or gang (any gang; the data's
"Viv Ansanm" and named gangs alike). For each node the table gives its class in the data,
its 2015 population, and the share of runs in which the model has it in each class on
the date (the owner of the daily sample of that day). The summary is the confusion
matrix of the data's class against the model's most frequent class, by nodes and by
population, and how a lapse (a STATE hold worn down without a fight, presence) or a
fight put the node where it is, over all runs. --all lists every node, not only those
where data and model differ in some run.
"""
import argparse
import csv
import datetime as dt
import os
import sys

import h5py
import numpy as np

import runlog

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = ("STATE", "CONTESTED", "gang")


def data_class(label):
    return label if label in ("STATE", "CONTESTED") else "gang"


def model_class(code):  # party codes: 0 STATE, 1 CONTESTED, >= 2 a gang (output/README.md)
    return "STATE" if code == 0 else "CONTESTED" if code == 1 else "gang"


def one(path, date):
    with h5py.File(path) as f:
        start = runlog.start_date(f)
        day = (dt.date.fromisoformat(date) - start).days
        t = f["time"][:]
        k = int(np.searchsorted(t, day))
        if k >= len(t) or t[k] != day:
            sys.exit(f"owners_oct_2024.py: {path} has no sample on day {day} ({date})")
        nodes = list(f["node"].asstr()[:])
        owner = f["owner"][k, :]
        kinds = runlog.event_kinds(f)
        ev = {c: f["events"][c][:] for c in ("time", "kind", "node")}
    take, eng = kinds.index("takeover"), kinds.index("engagement")
    # a takeover row with no engagement row of the same node and time before it is a lapse
    lapsed = set()
    for i in np.nonzero((ev["kind"] == take) & (ev["time"] <= day))[0]:
        fight = i > 0 and ev["kind"][i - 1] == eng and ev["node"][i - 1] == ev["node"][i] and ev["time"][i - 1] == ev["time"][i]
        if not fight:
            lapsed.add(nodes[ev["node"][i]])
    return nodes, [model_class(int(o)) for o in owner], lapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="run files of capital.lua (conflictsim run)")
    ap.add_argument("--date", default="2024-10-21", help="the day to read (default 2024-10-21)")
    ap.add_argument("--all", action="store_true", help="list every node")
    a = ap.parse_args()
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(HERE, "data", "neighbourhoods.csv")))}
    counts, lapses, nodes = None, None, None
    for p in a.runs:
        try:
            n, cls, lapsed = one(p, a.date)
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"owners_oct_2024.py: {p}: {e}")
        if nodes is None:
            nodes = n
            counts = {j: dict.fromkeys(CLASSES, 0) for j in nodes}
            lapses = dict.fromkeys(nodes, 0)
        elif n != nodes:
            sys.exit(f"owners_oct_2024.py: {p} has other nodes than {a.runs[0]}")
        for j, c in zip(nodes, cls):
            counts[j][c] += 1
        for j in lapsed:
            lapses[j] += 1
    R = len(a.runs)
    print(f"owners on {a.date} in {R} runs against the data's Oct 2024 labels (neighbourhoods.csv)")
    print(f"{'node':32s} {'data':10s} {'pop 2015':>9s}  {'STATE':>6s} {'CONT.':>6s} {'gang':>6s}  lapsed")
    conf_n = {(d, m): 0 for d in CLASSES for m in CLASSES}
    conf_p = dict(conf_n)
    for j in nodes:
        if j not in rows:
            continue
        d = data_class(rows[j]["controller_oct_2024"])
        pop = int(rows[j]["population_estimate"] or 0)
        m = max(CLASSES, key=lambda c: counts[j][c])
        conf_n[d, m] += 1
        conf_p[d, m] += pop
        if a.all or counts[j][d] < R:
            sh = [100.0 * counts[j][c] / R for c in CLASSES]
            print(f"{j:32s} {d:10s} {pop:9,d}  {sh[0]:5.0f}% {sh[1]:5.0f}% {sh[2]:5.0f}%  {100.0 * lapses[j] / R:4.0f}%")
    tot_p = sum(conf_p.values())
    print("\ndata (rows) against the model's most frequent class (columns): nodes, and % of the 2015 population")
    print(f"{'':10s}" + "".join(f"{m:>18s}" for m in CLASSES))
    for d in CLASSES:
        print(f"{d:10s}" + "".join(f"{conf_n[d, m]:7d} {100.0 * conf_p[d, m] / tot_p:8.1f}%  " for m in CLASSES))
    agree = sum(conf_p[c, c] for c in CLASSES) / tot_p
    print(f"population in nodes where the model's most frequent class is the data's: {100 * agree:.1f}%")


if __name__ == "__main__":
    main()
