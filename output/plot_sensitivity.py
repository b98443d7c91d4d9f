#!/usr/bin/python3
"""plot_sensitivity.py: bar charts of the sensitivity indices of a sweep file.

    /usr/bin/python3 output/plot_sensitivity.py SWEEP.h5 [-o FIG.png] [--metric NAME]...

Reads the group /sensitivity of a sweep file whose design is "sobol" or
"morris" (a whole sweep file, or one merged from shards; layout:
output/README.md, "Sensitivity analysis") and draws one panel per metric:
for sobol, the first-order (S1) and total (ST) indices of every parameter
side by side with their 95% bootstrap intervals; for morris, mu* with its
interval beside sigma. Parameters are ordered by ST (or mu*), largest first.
A metric whose indices could not be computed (NaN values at some points, or
the same value everywhere) gets a panel saying so. FIG defaults to SWEEP
with .png instead of .h5; the format follows FIG's extension (png, svg,
pdf). matplotlib with the Agg backend (no display needed).
"""
import argparse
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def _errors(est, low, high):
    """Error bar lengths (2, n) from an estimate and its interval; 0 where NaN."""
    err = np.vstack([est - low, high - est])
    return np.where(np.isfinite(err), np.maximum(err, 0), 0)


def plot(path, out, only=None):
    with h5py.File(path, "r") as f:
        if _text(f.attrs.get("file_kind", "")) != "conflictsim sweep":
            raise SystemExit(f"{path}: not a conflictsim sweep file")
        if int(f.attrs.get("shard_count", 1)) != 1:
            raise SystemExit(f"{path}: a shard; merge the shards first (conflictsim merge)")
        if "sensitivity" not in f:
            raise SystemExit(f"{path}: no group /sensitivity (the sweep's design is not sobol or morris)")
        g = f["sensitivity"]
        design = _text(g.attrs["design"])
        params = [_text(p) for p in f["parameter"][:]]
        metrics = [_text(m) for m in f["metric"][:]]
        units = [_text(u) for u in f["metric_units"][:]]
        keys = (("S1", "ST") if design == "sobol" else ("mu_star", "sigma"))
        data = {k: g[k][:] for k in g if g[k].ndim == 2}
        samples, boot = int(g.attrs["samples"]), int(g.attrs["bootstrap"])
    if only:
        missing = [m for m in only if m not in metrics]
        if missing:
            raise SystemExit(f"{path}: no metric {', '.join(missing)} (metrics: {', '.join(metrics)})")
    rows = [i for i, m in enumerate(metrics) if not only or m in only]
    ncol = 2 if len(rows) > 1 else 1
    nrow = (len(rows) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.5 * ncol, 0.5 + 2.2 + 0.35 * len(params) * nrow),
                             squeeze=False)
    x = np.arange(len(params))
    for ax in axes.flat[len(rows):]:
        ax.set_visible(False)
    for ax, m in zip(axes.flat, rows):
        first, second = data[keys[0]][m], data[keys[1]][m]
        title = metrics[m] + (f" [{units[m]}]" if units[m] else "")
        ax.set_title(title, fontsize=10)
        if not np.any(np.isfinite(first)):
            ax.text(0.5, 0.5, "not computed (NaN values, or the same value everywhere)", ha="center",
                    va="center", transform=ax.transAxes, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        order = np.argsort(-np.nan_to_num(second if design == "sobol" else first, nan=-np.inf), kind="stable")
        w = 0.38
        if design == "sobol":
            for k, (key, colour, dx) in enumerate((("S1", "tab:blue", -w / 2), ("ST", "tab:orange", w / 2))):
                est = data[key][m][order]
                err = _errors(est, data[key + "_low"][m][order], data[key + "_high"][m][order])
                ax.barh(x + dx, np.nan_to_num(est), height=w, color=colour, xerr=err, capsize=2,
                        label=f"{key} (95% interval)")
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_xlabel("share of the variance")
        else:
            est = first[order]
            err = _errors(est, data["mu_star_low"][m][order], data["mu_star_high"][m][order])
            ax.barh(x - w / 2, np.nan_to_num(est), height=w, color="tab:blue", xerr=err, capsize=2,
                    label="mu* (95% interval)")
            ax.barh(x + w / 2, np.nan_to_num(second[order]), height=w, color="tab:gray", label="sigma")
            ax.set_xlabel("elementary effect per whole range" + (f" [{units[m]}]" if units[m] else ""))
        ax.set_yticks(x)
        ax.set_yticklabels([params[i] for i in order], fontsize=8)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", fontsize=7)
    what = (f"Sobol' indices, N = {samples} base rows" if design == "sobol"
            else f"Morris elementary effects, r = {samples} trajectories")
    fig.suptitle(f"{what}; intervals from {boot} bootstrap resamples", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120, metadata={"Date": None} if out.endswith((".svg", ".pdf")) else None)
    plt.close(fig)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", help="SWEEP.h5 written by conflictsim sweep (or merge) with design sobol or morris")
    ap.add_argument("-o", "--output", help="the figure (default: SWEEP with .png for .h5)")
    ap.add_argument("--metric", action="append", help="only this metric (repeatable)")
    a = ap.parse_args(argv)
    out = a.output or ((a.sweep[:-3] if a.sweep.endswith(".h5") else a.sweep) + ".png")
    print(f"wrote {plot(a.sweep, out, a.metric)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
