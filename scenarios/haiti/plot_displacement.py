#!/usr/bin/python3
"""Plot the capital scenario's displacement against the observed IOM series.

  for r in $(seq 0 9); do
    ./build/conflictsim run scenarios/haiti/capital.lua --quiet --replicate $r -o output/capital-r$r.h5
  done
  /usr/bin/python3 scenarios/haiti/plot_displacement.py output/capital-r*.h5 \
      --observed scenarios/haiti/data/observed.csv -o scenarios/haiti/capital_displacement.png

Simulated: displaced people hosted in the city (city_displaced_hosted) and all
people displaced from the city, wherever they are (city_displaced), median and
90% band over the replicates. Observed (observed.csv): idp_metro (IDPs in the
metro area) and idp_national (all IDPs in Haiti, an upper reference: it counts
people displaced outside the capital too). Rows dated 2025 are held out
(scenarios/haiti/data/README.md): they are drawn as open grey markers, for
comparison only; never fit them.

--since-start (for runs that start with the people displaced before them,
capital.lua --set v2=true): like with like, the rise since the start. Simulated:
city_displaced minus its value at the start; observed: idp_national minus its
level at the start, interpolated linearly between the rows around it (as
targets.lua does). It prints the average relative difference of the median
from the observed rise over the in-sample IOM rounds (Dec 2023 - Dec 2024) and
of each run, and draws the held-out 2025 rounds apart.
"""
import argparse
import csv
import datetime as dt
import os

import h5py
import matplotlib
import matplotlib.ticker

HERE = os.path.dirname(os.path.abspath(__file__))
HELD_OUT_FROM = dt.date(2025, 1, 1)  # rows from here on are held out: never fit them

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="run files of the capital scenario")
    ap.add_argument("--observed", default=os.path.join(HERE, "data", "observed.csv"),
                    help="observed.csv of the Haiti data (default: scenarios/haiti/data/observed.csv)")
    ap.add_argument("-o", "--output", default="capital_displacement.png")
    ap.add_argument("--since-start", action="store_true",
                    help="plot the rise since the start against IOM's national rise (version 2)")
    a = ap.parse_args()
    if a.since_start:
        return since_start(a)

    series = {"city_displaced_hosted": [], "city_displaced": []}
    start = None
    for path in a.runs:
        with h5py.File(path) as f:
            s = f.attrs["start_date"]
            start = s.decode() if isinstance(s, bytes) else str(s)
            t = f["time"][...]
            for k in series:
                series[k].append(f[k][...])
    day0 = dt.date.fromisoformat(start)
    dates = [day0 + dt.timedelta(days=float(x)) for x in t]

    last = dates[-1] + dt.timedelta(days=60)
    obs = {"idp_metro": [], "idp_national": []}
    with open(a.observed) as fh:
        for row in csv.DictReader(fh):
            if row["quantity"] in obs:
                d = dt.date.fromisoformat(row["date"])
                if day0 - dt.timedelta(days=200) <= d <= last:
                    obs[row["quantity"]].append((d, float(row["value"])))

    fig, ax = plt.subplots(figsize=(9, 5))
    styles = {"city_displaced_hosted": ("tab:blue", "simulated: displaced hosted in the capital"),
              "city_displaced": ("tab:orange", "simulated: displaced from the capital, anywhere")}
    for k, (c, label) in styles.items():
        y = np.array(series[k], dtype=float)
        ax.fill_between(dates, np.percentile(y, 5, axis=0), np.percentile(y, 95, axis=0), color=c, alpha=0.2)
        ax.plot(dates, np.median(y, axis=0), color=c, label=label + " (median, 90% band)")
    for k, (m, label) in {"idp_metro": ("o", "observed: IDPs in the metro area (IOM DTM)"),
                          "idp_national": ("s", "observed: IDPs in Haiti (IOM DTM), upper reference")}.items():
        if obs[k]:
            d, v = zip(*sorted(obs[k]))
            held = [x >= HELD_OUT_FROM for x in d]
            for out in (False, True):
                dd = [x for x, h in zip(d, held) if h == out]
                vv = [y for y, h in zip(v, held) if h == out]
                if not dd:
                    continue
                if out:
                    ax.plot(dd, vv, m, color="grey", mfc="white", label=label + ", held out (2025)")
                else:
                    ax.plot(dd, vv, m, color="black", mfc="white" if k == "idp_national" else "black", label=label)
    ax.set_ylabel("people")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("Port-au-Prince, %d replicates of scenarios/haiti/capital.lua" % len(a.runs))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print("wrote", a.output)


def level_at(rows, day):
    """The observed level at day, linear between the rows around it."""
    rows = sorted(rows)
    for (d0, v0), (d1, v1) in zip(rows, rows[1:]):
        if d0 <= day <= d1:
            return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
    raise SystemExit("plot_displacement.py: no idp_national rows around the start %s" % day)


def since_start(a):
    runs, start, t = [], None, None
    for path in a.runs:
        with h5py.File(path) as f:
            s = f.attrs["start_date"]
            start = s.decode() if isinstance(s, bytes) else str(s)
            t = f["time"][...]
            y = f["city_displaced"][...].astype(float)
            runs.append(y - y[0])
    day0 = dt.date.fromisoformat(start)
    dates = [day0 + dt.timedelta(days=float(x)) for x in t]
    rows = []
    with open(a.observed) as fh:
        for row in csv.DictReader(fh):
            if row["quantity"] == "idp_national":
                rows.append((dt.date.fromisoformat(row["date"]), float(row["value"])))
    base = level_at(rows, day0)
    y = np.array(runs)
    med = np.median(y, axis=0)
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.fill_between(dates, np.percentile(y, 5, axis=0), np.percentile(y, 95, axis=0), color="tab:orange", alpha=0.2)
    ax.plot(dates, med, color="tab:orange",
            label="simulated: people displaced from the capital since the start (median, 90% band)")
    ins = [(d, v - base) for d, v in sorted(rows) if day0 < d < HELD_OUT_FROM]
    out = [(d, v - base) for d, v in sorted(rows) if HELD_OUT_FROM <= d <= dates[-1]]
    rel, per_run = [], []
    for d, v in ins:
        i = int(np.searchsorted(t, (d - day0).days))
        if i < len(t):
            rel.append(abs(med[i] - v) / v)
            per_run.append(np.abs(y[:, i] - v) / v)
    ard = float(np.mean(rel)) if rel else float("nan")
    if ins:
        ax.plot(*zip(*ins), "s", color="black", mfc="white",
                label="observed: IDPs in Haiti (IOM) minus the start's level, in sample")
    if out:
        ax.plot(*zip(*out), "s", color="grey", mfc="white", label="observed: the same, held out (2025)")
    ax.set_ylabel("people")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("Port-au-Prince, %d runs: rise since %s; average relative difference %.2f (in sample)"
                 % (len(a.runs), start, ard), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    runs_ard = np.mean(per_run, axis=0) if per_run else np.array([np.nan])
    print("average relative difference over %d in-sample IOM rounds: median run %.3f; runs: median %.3f, "
          "5%%-95%% %.3f-%.3f" % (len(rel), ard, np.median(runs_ard), np.percentile(runs_ard, 5),
                                  np.percentile(runs_ard, 95)))
    print("wrote", a.output)


if __name__ == "__main__":
    main()
