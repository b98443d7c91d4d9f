#!/usr/bin/python3
"""Map-like figure of a run: the neighbourhood graph coloured by who holds each
node on chosen days, each node labelled with its name (node_name, else its id;
--no-labels leaves them off), the holder told by marker shape as well as colour
so the map survives greyscale. Reads a run file written by `conflictsim run` (its
`network` group, `owner`, `residents` and the `party` coordinate).

  /usr/bin/python3 output/plot_map.py RUN.h5 [--days 0,30,60] [-o map]
      -> map.png and map.svg

For a comparison, draw a representative replicate of each arm:
  conflictsim run scenarios/haiti/solino.lua --seed 1 --replicate 3 -o base.h5
  conflictsim run scenarios/haiti/solino.lua --seed 1 --replicate 3 -o var.h5 --set recall_officers=0
"""
import argparse
import textwrap

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def names(ds):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in ds[...]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a run file (conflictsim run)")
    ap.add_argument("--days", default=None, help="comma-separated days (default: start, middle, end)")
    ap.add_argument("-o", "--output", default="map", help="output prefix (writes .png and .svg)")
    ap.add_argument("--no-labels", action="store_true", help="leave the node names off")
    a = ap.parse_args()

    with h5py.File(a.run, "r") as f:
        if "network" not in f:
            raise SystemExit("%s: no 'network' group (written by conflictsim 0.1.0 and later)" % a.run)
        t = f["time"][...]
        owner = f["owner"][...]
        res0 = f["residents"][0, :].astype(float)
        party = names(f["party"])
        ids = names(f["node"])
        label = names(f["node_name"]) if "node_name" in f else ids
        label = [n or i for n, i in zip(label, ids)]
        x, y = f["network/node_x"][...], f["network/node_y"][...]
        ra, rb = f["network/road_a"][...], f["network/road_b"][...]
        title = f.attrs.get("scenario_name", b"")
        title = title.decode() if isinstance(title, bytes) else str(title)
    days = [float(d) for d in a.days.split(",")] if a.days else [t[0], t[len(t) // 2], t[-1]]
    idx = [int(np.argmin(np.abs(t - d))) for d in days]

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "conflictsim"})
    cmap = plt.get_cmap("tab10")
    shape = {0: "s", 1: "D"}  # STATE squares, CONTESTED diamonds, gangs the rest
    gang_shapes = ["o", "^", "v", "P", "X", "*", "h", "<", ">"]
    for p in range(2, len(party)):
        shape[p] = gang_shapes[(p - 2) % len(gang_shapes)]
    colour = {0: "#1f77b4", 1: "#9e9e9e"}  # STATE blue, CONTESTED grey
    gang_colours = [cmap(i) for i in (1, 3, 4, 5, 6, 8, 9, 2, 7)]
    for p in range(2, len(party)):
        colour[p] = gang_colours[(p - 2) % len(gang_colours)]
    size = 8 + 120 * np.sqrt(res0 / max(res0.max(), 1.0))

    side = 5 if len(x) <= 30 else 8  # room for the names of a city
    fig, axes = plt.subplots(1, len(idx), figsize=(side * len(idx), side), squeeze=False)
    for ax, k in zip(axes[0], idx):
        for a_, b_ in zip(ra, rb):
            ax.plot([x[a_], x[b_]], [y[a_], y[b_]], color="#cccccc", lw=0.8, zorder=1)
        for p in sorted({int(q) for q in owner[k]}):
            sel = owner[k] == p
            ax.scatter(x[sel], y[sel], s=size[sel], c=[colour[p] if p >= 0 else "white"],
                       marker=shape.get(p, "o"), edgecolors="black", linewidths=0.4, zorder=2)
        if not a.no_labels:
            # small enough for a city of 76 neighbourhoods, beside the marker not on it
            fs = 7 if len(x) <= 30 else 5
            for i in range(len(x)):
                ax.annotate(label[i], (x[i], y[i]), xytext=(3, 3), textcoords="offset points", fontsize=fs,
                            zorder=3)
        ax.set_title("day %g" % t[k])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    held = sorted({int(p) for k in idx for p in owner[k] if int(p) >= 0})
    handles = [plt.Line2D([], [], marker=shape.get(p, "o"), ls="", color=colour[p], markeredgecolor="black",
                          label=party[p])
               for p in held]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False)
    fig.suptitle(textwrap.fill("%s: who holds each neighbourhood (size: residents at the start)" % title,
                               30 * len(idx)))
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    for ext in ("png", "svg"):
        fig.savefig("%s.%s" % (a.output, ext), dpi=110, metadata={"Date": None} if ext == "svg" else None)
        print("wrote %s.%s" % (a.output, ext))


if __name__ == "__main__":
    main()
