#!/usr/bin/python3
"""plot_compare.py: figures of a `conflictsim compare` report.

    /usr/bin/python3 output/plot_compare.py PREFIX.h5 [-o OUTPREFIX]

For each city trajectory in the file (city_displaced, city_civilian_deaths,
city_gang_share_population) writes OUTPREFIX_<metric>.png and .svg
(OUTPREFIX defaults to PREFIX): the top panel shows every arm over time as
its median across replicates with 50% and 90% bands; the bottom panel shows
the paired difference variant - baseline, replicate by replicate, as its
median with 50% and 90% bands. Layout of the file: output/README.md,
"The compare report". matplotlib with the Agg backend (no display needed).
"""
import argparse
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

METRICS = ("city_displaced", "city_civilian_deaths", "city_gang_share_population")
TITLES = {
    "city_displaced": "Displaced people",
    "city_civilian_deaths": "Civilian deaths (cumulative)",
    "city_gang_share_population": "Share of the population in gang-held neighbourhoods",
}


def _text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def bands(ax, t, y, colour, label):
    """Median line and 50% / 90% bands of y (time x replicate)."""
    q = np.nanquantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    ax.fill_between(t, q[0], q[4], color=colour, alpha=0.15, linewidth=0)
    ax.fill_between(t, q[1], q[3], color=colour, alpha=0.3, linewidth=0)
    ax.plot(t, q[2], color=colour, linewidth=1.8, label=label)


def plot(path, out):
    written = []
    with h5py.File(path, "r") as f:
        if _text(f.attrs.get("file_kind", "")) != "conflictsim compare":
            raise SystemExit(f"{path}: not a conflictsim compare file")
        arms = [_text(a) for a in f["arm"][:]]
        t = f["time"][:]
        n = int(f.attrs["replicates"])
        colours = plt.get_cmap("tab10").colors
        for m in METRICS:
            if m not in f:
                continue
            y = f[m][:]  # (arm, time, replicate)
            fig, (top, bot) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True,
                                           gridspec_kw={"height_ratios": [3, 2]})
            for a, name in enumerate(arms):
                bands(top, t, y[a], colours[a % 10], name)
            top.set_ylabel(f"{m} [{_text(f[m].attrs.get('units', ''))}]")
            top.set_title(f"{TITLES.get(m, m)}: median, 50% and 90% bands over {n} replicates")
            top.legend(loc="best", fontsize=8)
            top.grid(alpha=0.3)
            for a in range(1, len(arms)):
                bands(bot, t, y[a] - y[0], colours[a % 10], f"{arms[a]} - baseline")
            bot.axhline(0, color="black", linewidth=0.8)
            bot.set_ylabel("paired difference")
            bot.set_xlabel("day")
            bot.set_title("variant - baseline, same seed and replicate (common random numbers)", fontsize=9)
            bot.legend(loc="best", fontsize=8)
            bot.grid(alpha=0.3)
            fig.tight_layout()
            for ext in ("png", "svg"):
                p = f"{out}_{m}.{ext}"
                fig.savefig(p, dpi=120 if ext == "png" else None, metadata={"Date": None}
                            if ext == "svg" else None)
                written.append(p)
            plt.close(fig)
    return written


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", help="PREFIX.h5 written by conflictsim compare")
    ap.add_argument("-o", "--output", help="prefix of the figures (default: the report without .h5)")
    a = ap.parse_args(argv)
    out = a.output or (a.report[:-3] if a.report.endswith(".h5") else a.report)
    for p in plot(a.report, out):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
