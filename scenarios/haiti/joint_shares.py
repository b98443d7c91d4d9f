"""joint_shares.py: which groups of the capital's targets a calibration's first wave
meets together.

    /usr/bin/python3 scenarios/haiti/joint_shares.py CAL.h5 [CAL2.h5 ...]

For each calibration file, from wave 1's implausibilities (history matching: a point
meets a target when its implausibility is at most 3, the default cut-off, whatever
cut-off made the file): the
share of design points that meet every target of each group, and of pairs of groups,
and the smallest rank-3 implausibility (the third largest of a point's, what
--imp-rank 3 compares with the cut-off) with how many points are within 4, 5 and 6;
the growth of the displaced from the first round to the last (their ratio: observed,
median over the points, and median over the points that meet the first round); then,
for each target of the groups, its observation, the median over the points of
their mean, and the shares of points that miss it low and high (implausibility above
3, mean below or above the observation).
The groups, by target name: the Solino week (fled_solino*, fled_tabarre27*), the
displacement rounds (displaced_since*), the quarterly killings (killed_metro*).

Made to compare model variants on the same prior design before a calibration
(scenarios/haiti/README.md, "Built after calibration 11"): run

    conflictsim calibrate capital.lua --set v2=true ... --waves 1 --points 640 \\
        --replicates 2 --particles 0 --cutoff 1000000 -o CAL.h5

so that no point is ruled out and the file keeps them all. With two points of the
same design, a difference of shares has a binomial standard error of about
sqrt(p (1 - p) / n) or less; the script prints n.
"""
import sys

import h5py
import numpy as np

GROUPS = (("Solino week", ("fled_solino", "fled_tabarre27")),
          ("displacement", ("displaced_since",)),
          ("killings", ("killed_metro",)))
MEET = 3.0


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def shares(names, imp):
    """{label: boolean per point, meets every target of the group}; the groups a file lacks are left out."""
    ok = imp <= MEET
    out = {}
    for label, prefixes in GROUPS:
        cols = [i for i, n in enumerate(names) if n.startswith(prefixes)]
        if cols:
            out[label] = ok[:, cols].all(axis=1)
    return out


def report(path):
    with h5py.File(path, "r") as f:
        names = [text(n) for n in f["target"][:]]
        imp = f["history_matching/wave_1/implausibility"][:]
        mean = f["history_matching/wave_1/mean"][:]
        observed = f["observed"][:]
    n = len(imp)
    g = shares(names, imp)
    lines = ["%s: %d points of wave 1, %d targets" % (path, n, len(names))]
    for label, m in g.items():
        lines.append("  %-28s %5.1f%%" % (label, 100 * m.mean()))
    keys = list(g)
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            both = g[keys[i]] & g[keys[j]]
            lines.append("  %-28s %5.1f%%" % (keys[i] + " and " + keys[j], 100 * both.mean()))
    if len(keys) > 2:
        lines.append("  %-28s %5.1f%%" % ("all three groups", 100 * np.logical_and.reduce([g[k] for k in keys]).mean()))
    if imp.shape[1] >= 3:
        r3 = np.sort(imp, axis=1)[:, -3]
        lines.append("  rank-3 implausibility: smallest %.2f; points within 4: %d, 5: %d, 6: %d" %
                     (r3.min(), (r3 <= 4).sum(), (r3 <= 5).sum(), (r3 <= 6).sum()))
    disp = [i for i, n in enumerate(names) if n.startswith(GROUPS[1][1])]
    if len(disp) >= 2:
        first, last = disp[0], disp[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = mean[:, last] / mean[:, first]
        met = imp[:, first] <= MEET
        lines.append("  displaced, %s over %s: observed %.2f, median %.2f, where the first is met %s" % (
            names[last], names[first], observed[last] / observed[first], np.nanmedian(growth),
            "%.2f" % np.nanmedian(growth[met]) if met.any() else "-"))
    lines.append("  %-40s %12s %12s %9s %9s" % ("target", "observed", "median", "too low", "too high"))
    for i, name in enumerate(names):
        if not any(name.startswith(p) for _, prefixes in GROUPS for p in prefixes):
            continue
        miss = imp[:, i] > MEET
        low, high = (miss & (mean[:, i] < observed[i])).mean(), (miss & (mean[:, i] > observed[i])).mean()
        lines.append("  %-40s %12.6g %12.6g %8.1f%% %8.1f%%" % (name, observed[i], np.median(mean[:, i]), 100 * low,
                                                              100 * high))
    return "\n".join(lines)


def main(argv):
    if len(argv) < 2 or any(a in ("-h", "--help") for a in argv[1:]):
        print(__doc__.strip(), file=sys.stdout if len(argv) > 1 else sys.stderr)
        return 0 if len(argv) > 1 else 2
    for path in argv[1:]:
        try:
            print(report(path))
        except (OSError, KeyError) as e:
            print("joint_shares.py: %s: not a calibration file with a wave 1 (%s)" % (path, e), file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
