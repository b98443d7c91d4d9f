"""joint_shares.py: which groups of the capital's targets a calibration's first wave
meets together.

    /usr/bin/python3 scenarios/haiti/joint_shares.py CAL.h5 [CAL2.h5 ...]
    /usr/bin/python3 scenarios/haiti/joint_shares.py --paired A.h5 B.h5

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

so that no point is ruled out and the file keeps them all.

--paired A.h5 B.h5: two files of one design (the same number of points, point i of
each from the same cell: the same seed and number of parameters), for each group and
pair of groups: the shares in A and in B, the points that meet it only in A and only
in B (b and c), and the standard error of the difference of the shares for paired
binary outcomes, sqrt(b + c - (b - c)^2 / n) / n (McNemar's setting).
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
    """{label: boolean per point, meets every target of it}: each group (those a file
    lacks left out), then each pair of groups, then all three."""
    ok = imp <= MEET
    g = {}
    for label, prefixes in GROUPS:
        cols = [i for i, n in enumerate(names) if n.startswith(prefixes)]
        if cols:
            g[label] = ok[:, cols].all(axis=1)
    keys = list(g)
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            g[keys[i] + " and " + keys[j]] = g[keys[i]] & g[keys[j]]
    if len(keys) > 2:
        g["all three groups"] = np.logical_and.reduce([g[k] for k in keys])
    return g


def groups_of(path):
    with h5py.File(path, "r") as f:
        names = [text(n) for n in f["target"][:]]
        imp = f["history_matching/wave_1/implausibility"][:]
    return shares(names, imp), len(imp)


def paired(path_a, path_b):
    ga, na = groups_of(path_a)
    gb, nb = groups_of(path_b)
    if na != nb:
        raise ValueError("%s has %d points of wave 1 and %s %d: not one design" % (path_a, na, path_b, nb))
    lines = ["A = %s, B = %s: %d points each" % (path_a, path_b, na),
             "  %-30s %7s %7s %7s %7s %9s %9s" % ("group", "A", "B", "only A", "only B", "B - A", "SE")]
    for k in ga:
        if k not in gb:
            continue
        a, b = ga[k], gb[k]
        only_a, only_b = int((a & ~b).sum()), int((b & ~a).sum())
        se = np.sqrt(max(only_a + only_b - (only_a - only_b) ** 2 / na, 0.0)) / na
        lines.append("  %-30s %6.1f%% %6.1f%% %7d %7d %+8.1f%% %8.1f%%" % (
            k, 100 * a.mean(), 100 * b.mean(), only_a, only_b, 100 * (b.mean() - a.mean()), 100 * se))
    return "\n".join(lines)


def report(path):
    with h5py.File(path, "r") as f:
        names = [text(n) for n in f["target"][:]]
        imp = f["history_matching/wave_1/implausibility"][:]
        mean = f["history_matching/wave_1/mean"][:]
        observed = f["observed"][:]
    n = len(imp)
    lines = ["%s: %d points of wave 1, %d targets" % (path, n, len(names))]
    for label, m in shares(names, imp).items():
        lines.append("  %-28s %5.1f%%" % (label, 100 * m.mean()))
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
    if argv[1] == "--paired":
        if len(argv) != 4:
            print("joint_shares.py: --paired takes two files", file=sys.stderr)
            return 2
        try:
            print(paired(argv[2], argv[3]))
        except (OSError, KeyError, ValueError) as e:
            print("joint_shares.py: %s" % e, file=sys.stderr)
            return 2
        return 0
    for path in argv[1:]:
        try:
            print(report(path))
        except (OSError, KeyError) as e:
            print("joint_shares.py: %s: not a calibration file with a wave 1 (%s)" % (path, e), file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
