#!/usr/bin/python3
"""plot_compare.py: figures of a `conflictsim compare` report.

    /usr/bin/python3 output/plot_compare.py PREFIX.h5 [-o OUTPREFIX]

writes, as .png and .svg (OUTPREFIX defaults to PREFIX):

  OUTPREFIX_<trajectory>  for each city trajectory in the file (city_displaced,
                          city_civilian_deaths, city_gang_share_population): top,
                          every arm over time, its mean across replicates (the
                          statistic the table reports) with the middle 50% of
                          replicates shaded and the middle 90% between thin lines;
                          bottom, the paired difference variant - baseline, its mean
                          (at the last day, the table's mean difference of the
                          metric taken at the last sample) and the same bands.
  OUTPREFIX_effects       the table itself: each outcome's mean difference with its
                          95% interval, as a percentage of the baseline's mean.

Labels and units come from the file (metric_label, metric_display_units, the
trajectories' label and display_units attributes); shares are drawn in %.
Arms differ by line style and marker as well as colour, so the figures survive
greyscale printing. Layout of the file: output/README.md, "The compare report".
matplotlib with the Agg backend (no display needed).
"""
import argparse
import os
import sys
import textwrap

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plain  # noqa: E402

TRAJECTORIES = ("city_displaced", "city_civilian_deaths", "city_gang_share_population")
# Okabe and Ito's colour-blind-safe colours, black first; each arm also gets its own
# line style, marker and hatch, so arms stay apart in greyscale.
COLOURS = ("#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HATCHES = ("", "//", "\\\\", "xx", "..", "++", "--")
# text as text in SVG (searchable, and readable in the HTML report), no time stamps
matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "conflictsim"})


def runs_text(d, paired=False):
    """'12 replicates', or with branches '12 replicates x 3 branches from day 30'."""
    r = f"{d['n']} {'paired ' if paired else ''}replicates"
    if d.get("branches", 1) > 1:
        r += f" x {d['branches']} branches from day {plain.num(d['branch_at'])}"
    return r


def style(k):
    """Colour, line style, marker and hatch of arm k."""
    n = len(COLOURS)
    return dict(color=COLOURS[k % n], linestyle=STYLES[k % n], marker=MARKERS[k % n]), HATCHES[k % n]


def thousands(ax):
    """Tick labels of the y axis as the tables write numbers (800,000)."""
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "{:,.6g}".format(v)
                                                                 if abs(v) < 1000 else "{:,.0f}".format(v)))


def wrap(s, width=60):
    return "\n".join(textwrap.wrap(s, width))


def bands(ax, t, y, k, label):
    """The mean of y (time x replicate) over replicates as a line, the middle 50% of replicates
    shaded (hatched by arm) and the middle 90% between thin lines of the arm's style. Returns the
    mean line."""
    line, hatch = style(k)
    q = np.nanquantile(y, [0.05, 0.25, 0.75, 0.95], axis=1)
    mean = np.nanmean(y, axis=1)
    ax.fill_between(t, q[1], q[2], facecolor=line["color"], alpha=0.15, edgecolor=line["color"],
                    hatch=hatch, linewidth=0)
    for j in (0, 3):
        ax.plot(t, q[j], color=line["color"], linestyle=line["linestyle"], linewidth=0.6, alpha=0.7)
    every = max(1, len(t) // 8)
    (ln,) = ax.plot(t, mean, linewidth=2, markevery=(k % every, every), markersize=5, label=label, **line)
    return ln


def read(path):
    """What the figures need from a compare file, as plain Python and numpy."""
    with h5py.File(path, "r") as f:
        if plain.text(f.attrs.get("file_kind", "")) != "conflictsim compare":
            raise SystemExit(f"{path}: not a conflictsim compare file")
        codes = [plain.text(x) for x in f["metric"][:]]
        d = {
            "arms": [plain.text(a) for a in f["arm"][:]],
            "t": f["time"][:],
            "n": int(f.attrs["replicates"]),
            "branches": int(f.attrs.get("branches", 1)),
            "branch_at": float(f.attrs.get("branch_at", float("nan"))),
            "codes": codes,
            "labels": [plain.text(x) for x in f["metric_label"][:]] if "metric_label" in f else codes,
            "units": ([plain.text(x) for x in f["metric_display_units"][:]] if "metric_display_units" in f
                      else [plain.text(x) for x in f["metric_units"][:]]),
            "better": ([plain.text(x) for x in f["metric_better"][:]] if "metric_better" in f
                       else ["lower"] * len(codes)),
            "traj": {},
        }
        for k in ("baseline_mean", "variant_mean", "mean_difference", "ci_low", "ci_high", "p_better", "p_worse"):
            d[k] = f[k][:]
        for m in TRAJECTORIES:
            if m in f:
                a = f[m].attrs
                d["traj"][m] = (f[m][:], plain.text(a.get("label", m)),
                                plain.text(a.get("display_units", a.get("units", ""))))
    return d


def trajectory_figure(d, m):
    """The figure of trajectory m: (fig, the difference panel's mean lines by variant)."""
    y, label, unit = d["traj"][m]
    s = plain.scale(unit)
    t, arms = d["t"], d["arms"]
    fig, (top, bot) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    for a, name in enumerate(arms):
        bands(top, t, s * y[a], a, name)
    top.set_ylabel(f"{label} ({unit})")
    top.set_title(wrap(f"{label}: mean of {runs_text(d)}; shaded: middle 50%, thin lines: middle 90%"),
                  fontsize=10)
    top.legend(loc="best", fontsize=8)
    top.grid(alpha=0.3)
    thousands(top)
    means = {}
    for a in range(1, len(arms)):
        means[arms[a]] = bands(bot, t, s * (y[a] - y[0]), a, f"{arms[a]} - baseline")
        last = means[arms[a]].get_ydata()[-1]
        bot.annotate(f"mean at the end: {plain.num(last, True)}{' pp' if unit == '%' else ''}",
                     (t[-1], last), xytext=(-5, 8 + 12 * (a - 1)), textcoords="offset points", ha="right",
                     fontsize=8, color=style(a)[0]["color"])
    bot.axhline(0, color="grey", linewidth=0.8)
    bot.set_ylabel(f"difference ({'percentage points' if unit == '%' else unit})")
    bot.set_xlabel("day")
    bot.set_title(wrap("variant - baseline, replicate by replicate (same chance events): mean and bands"),
                  fontsize=9)
    bot.legend(loc="best", fontsize=8)
    bot.grid(alpha=0.3)
    thousands(bot)
    fig.tight_layout()
    return fig, means


def effects_figure(d):
    """The table as a figure: per variant and outcome, the mean difference and its 95% interval as a
    percentage of the baseline's mean. (fig, {(variant, code): (centre, low, high)} as plotted, in %)."""
    arms, codes, labels = d["arms"], d["codes"], d["labels"]
    V, M = len(arms) - 1, len(codes)
    fig, ax = plt.subplots(figsize=(8, 0.45 * M * V + 1.8))
    plotted, ticks = {}, []
    for v in range(V):
        line, _ = style(v + 1)
        ys, xs, lo, hi = [], [], [], []
        for m in range(M):
            b = d["baseline_mean"][v, m]
            y = (M - m) * (V + 1) - v
            lab = f"{labels[m]} ({d['better'][m]} is better)"
            ticks.append((y, lab if V == 1 else f"{lab}, {arms[v + 1]}"))
            if not np.isfinite(b) or b == 0:
                continue  # no relative change from a mean of 0
            c, low, high = (100 * d[k][v, m] / abs(b) for k in ("mean_difference", "ci_low", "ci_high"))
            plotted[(arms[v + 1], codes[m])] = (c, low, high)
            ys.append(y), xs.append(c), lo.append(c - low), hi.append(high - c)
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt=line["marker"], color=line["color"], ecolor=line["color"],
                    elinewidth=1.5, capsize=3, label=f"{arms[v + 1]} - baseline")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks([y for y, _ in ticks])
    ax.set_yticklabels([lab for _, lab in ticks], fontsize=8)
    ax.set_xlabel("mean difference, % of the baseline's mean (bar: 95% interval)")
    ax.set_title(wrap(f"Effect on each outcome, {runs_text(d, paired=True)}"), fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if V > 1:
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig, plotted


def figures(path):
    """Every figure of the compare file at path: [(name, fig)], name as in OUTPREFIX_<name>."""
    d = read(path)
    out = [(m, trajectory_figure(d, m)[0]) for m in TRAJECTORIES if m in d["traj"]]
    out.append(("effects", effects_figure(d)[0]))
    return out


def save(fig, stem):
    """stem.png and stem.svg, with no date in them (the same file for the same report)."""
    fig.savefig(stem + ".png", dpi=120, metadata={"Software": None})
    fig.savefig(stem + ".svg", metadata={"Date": None})
    plt.close(fig)
    return [stem + ".png", stem + ".svg"]


def plot(path, out):
    written = []
    for name, fig in figures(path):
        written += save(fig, f"{out}_{name}")
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
