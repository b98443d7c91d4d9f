"""front.py: where the fighting goes, quarter by quarter, in runs of a scenario.

    /usr/bin/python3 scenarios/haiti/front.py [--days 91] RUN.h5 [RUN.h5 ...]

For each period of --days days from the start (the last period only if whole), the mean
over the run files of: the engagements and their deaths; the distinct nodes fought
over and how many of them were not fought over in any earlier period; the share of the
engagements at nodes fought over in an earlier period; the mean residents of the node
at the engagement (the daily sample of the day it happened); and, at the period's
start, the gang-held share of nodes, the gang members and the displaced (city_*
samples). The runs need the engagement rows of the event log (--events conflict or
all).

Made to ask whether a run's front moves into neighbourhoods not fought over before, or
keeps fighting over the same ones (scenarios/haiti/README.md, "Built after calibration
11").
"""
import argparse
import sys

import h5py
import numpy as np


def kinds_of(f):
    km = f["events/kind"].attrs["flag_meanings"]
    return (km.decode() if isinstance(km, bytes) else str(km)).split()


def periods(path, days):
    """One row per whole period of the run: a dict of the measures above."""
    with h5py.File(path, "r") as f:
        kinds = kinds_of(f)
        k, t = f["events/kind"][:], f["events/time"][:]
        node, deaths = f["events/node"][:], f["events/deaths"][:]
        residents = f["residents"][:]
        share = f["city_gang_share_nodes"][:]
        members = f["gang_members"][:].sum(axis=1)
        displaced = f["city_displaced"][:]
        every = float(f.attrs["sample_every"])
    eng = k == kinds.index("engagement")
    n_periods = int((len(share) - 1) * every // days)
    seen, rows = set(), []
    for q in range(n_periods):
        m = eng & (t >= q * days) & (t < (q + 1) * days)
        at = node[m]
        here = set(at.tolist())
        sample = np.minimum((t[m] // every).astype(int), len(residents) - 1)
        start = int(round(q * days / every))
        rows.append({
            "engagements": float(m.sum()),
            "deaths": float(deaths[m].sum()),
            "nodes": float(len(here)),
            "new nodes": float(len(here - seen)),
            "share at old nodes": float(np.mean([x in seen for x in at])) if len(at) else float("nan"),
            "residents at engagement": float(residents[sample, at].mean()) if len(at) else float("nan"),
            "gang share of nodes": float(share[start]),
            "gang members": float(members[start]),
            "displaced": float(displaced[start]),
        })
        seen |= here
    return rows


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("runs", nargs="+", metavar="RUN.h5")
    ap.add_argument("--days", type=float, default=91.0, help="length of a period, days (default 91)")
    a = ap.parse_args(argv[1:])
    if not a.days > 0:
        ap.error("--days must be positive")
    all_rows = []
    for path in a.runs:
        try:
            all_rows.append(periods(path, a.days))
        except (OSError, KeyError, ValueError) as e:
            print("front.py: %s: not a run file with the event log's engagements (%s)" % (path, e), file=sys.stderr)
            return 2
    n = min(len(r) for r in all_rows)
    keys = list(all_rows[0][0]) if n else []
    print("%d runs; periods of %g days from the start; means over the runs" % (len(all_rows), a.days))
    print("%-26s" % "period" + "".join("%10d" % q for q in range(n)))
    for key in keys:
        vals = [np.nanmean([r[q][key] for r in all_rows]) for q in range(n)]
        fmt = "%10.2f" if key in ("share at old nodes", "gang share of nodes") else "%10.0f"
        print("%-26s" % key + "".join(fmt % v for v in vals))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
