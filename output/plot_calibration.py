#!/usr/bin/python3
"""Figures of a calibration file (conflictsim calibrate; layout in output/README.md,
"The calibration file").

    /usr/bin/python3 output/plot_calibration.py CAL.h5 -o PREFIX [--predictive VALIDATE.csv]

writes
  PREFIX_posterior.png  the weighted posterior: a histogram of each parameter on the
                        diagonal (prior range as the x axis), weighted scatter plots of
                        each pair below it
  PREFIX_waves.png      history matching: share of each wave's points not ruled out,
                        and the estimated fraction of the prior space left
  PREFIX_predictive.png with --predictive (the CSV of `conflictsim validate
                        --posterior CAL.h5`): each target's observation with its error
                        bar against the posterior predictive median and 90% interval,
                        in-sample and held-out targets marked apart
"""
import argparse
import csv
import math
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[:]]


def plot_posterior(f, out):
    names = strings(f["parameter"])
    lo, hi = f["prior_low"][:], f["prior_high"][:]
    log = [k == "loguniform" for k in strings(f["prior"])]
    theta, w = f["posterior/theta"][:], f["posterior/weight"][:]
    d = len(names)
    fig, axes = plt.subplots(d, d, figsize=(2.6 * d + 1, 2.6 * d + 1), squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                bins = (np.geomspace(lo[i], hi[i], 31) if log[i] else np.linspace(lo[i], hi[i], 31))
                ax.hist(theta[:, i], bins=bins, weights=w, color="tab:blue", alpha=0.8)
                ax.set_yticks([])
            else:
                ax.scatter(theta[:, j], theta[:, i], s=4 + 400 * w, alpha=0.5, color="tab:blue")
                ax.set_ylim(lo[i], hi[i])
                if log[i]:
                    ax.set_yscale("log")
            ax.set_xlim(lo[j], hi[j])
            if log[j]:
                ax.set_xscale("log")
            if i == d - 1:
                ax.set_xlabel(names[j])
            if j == 0 and i > 0:
                ax.set_ylabel(names[i])
    ess = 1.0 / float(np.sum(w * w))
    fig.suptitle(f"posterior of {os.path.basename(str(f.attrs['scenario']))}\n{len(w)} particles, ESS {ess:.0f}, "
                 f"epsilon {f['posterior'].attrs['epsilon']:.3g}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_waves(f, out):
    waves = sorted(f["history_matching"].keys(), key=lambda k: int(k.split("_")[1]))
    if not waves:
        return False
    share = [f["history_matching"][k].attrs["nroy_share"] for k in waves]
    frac = [f["history_matching"][k].attrs["nroy_fraction"] for k in waves]
    x = np.arange(1, len(waves) + 1)
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
    ax[0].bar(x, share, color="tab:green")
    ax[0].set_xlabel("wave")
    ax[0].set_ylabel("share of the wave's points not ruled out")
    ax[0].set_ylim(0, 1)
    ax[1].semilogy(x, frac, "o-", color="tab:green")
    ax[1].set_xlabel("wave")
    ax[1].set_ylabel("fraction of the prior space left")
    for a in ax:
        a.set_xticks(x)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def num(row, *keys):
    for k in keys:
        if k in row and row[k] not in ("", None):
            try:
                return float(row[k])
            except ValueError:
                return math.nan
    return math.nan


def plot_predictive(path, out):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        sys.exit(f"plot_calibration: {path}: no rows")
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.5))
    for k, r in enumerate(rows):
        obs = num(r, "observed")
        med = num(r, "predictive_median", "simulated")
        low = num(r, "predictive_low", "q05")
        high = num(r, "predictive_high", "q95")
        sd = num(r, "sd")
        if not all(map(math.isfinite, (obs, med, low, high))):
            continue
        held = r.get("holdout", "0") in ("1", "true", "yes")
        scale = abs(obs) if obs else 1.0
        y = len(rows) - k
        ax.plot([low / scale, high / scale], [y, y], color="tab:orange" if held else "tab:blue", lw=4, alpha=0.6)
        ax.plot(med / scale, y, "|", color="k", ms=12)
        ax.errorbar(1.0, y, xerr=(2 * sd / scale) if sd == sd else None, fmt="o",
                    color="tab:red", ms=4)
    ax.set_yticks([len(rows) - k for k in range(len(rows))])
    ax.set_yticklabels([r.get("target", r.get("name", "?")) + (" (held out)" if r.get("holdout", "0") in ("1", "true", "yes") else "")
                        for r in rows], fontsize=8)
    ax.axvline(1.0, color="tab:red", lw=0.5)
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlabel("relative to the observation (red: observed +- 2 sd; bar: predictive 90%; tick: median)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="calibration file (conflictsim calibrate -o FILE)")
    ap.add_argument("-o", "--output", help="prefix of the figures (default: the file without .h5)")
    ap.add_argument("--predictive", help="CSV of conflictsim validate --posterior FILE")
    a = ap.parse_args()
    prefix = a.output or (a.file[:-3] if a.file.endswith(".h5") else a.file)
    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        sys.exit(f"plot_calibration: {a.file}: {e}")
    with f:
        if f.attrs.get("file_kind") not in ("conflictsim calibration", b"conflictsim calibration"):
            sys.exit(f"plot_calibration: {a.file}: not a calibration file")
        made = []
        if "posterior" in f:
            plot_posterior(f, prefix + "_posterior.png")
            made.append(prefix + "_posterior.png")
        if plot_waves(f, prefix + "_waves.png"):
            made.append(prefix + "_waves.png")
    if a.predictive:
        plot_predictive(a.predictive, prefix + "_predictive.png")
        made.append(prefix + "_predictive.png")
    print("wrote " + ", ".join(made))


if __name__ == "__main__":
    main()
