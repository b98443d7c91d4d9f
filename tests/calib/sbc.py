#!/usr/bin/python3
"""sbc.py: parameter recovery by simulation-based calibration (Talts et al. 2018,
"Validating Bayesian inference algorithms with simulation-based calibration",
arXiv:1804.06788) of `conflictsim calibrate` on a small synthetic town.

    /usr/bin/python3 tests/calib/sbc.py CONFLICTSIM [--recoveries N] [--particles P]
                                        [--jobs J] [--seed S] [--town patrol|chain]

Each recovery k draws a true parameter vector from the prior (PCG-free: numpy's
generator with seed S + k), runs the town once at the truth with a seed no
calibration uses to make the "observations", calibrates against them, and records
(i) whether each true value lies inside the central 90% weighted credible interval of
the posterior and (ii) its rank among the posterior draws. If the calibration is
right, the truth is inside the interval in 90% of recoveries (binomial), and ranks are
uniform.

Towns:
  patrol  tests/calib/patrol.lua: one parameter (patrol_rate); one target, the
          arrests over 100 days (Poisson). CI runs this one, small.
  chain   tests/towns/chain.lua: two parameters (lambda0 and h1) and three
          targets (engagements in two windows, people who fled); the longer run.

Exit status 0 when the coverage of every parameter is inside the two-sided binomial
band of probability 0.998 around 90% (so a correct calibration fails about once in
500 runs of a given size), 1 otherwise. The CI test uses --recoveries 12; the
documented long run uses 100 (tests/bench/README.md).
"""
import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))

TOWNS = {
    "patrol": {
        "scenario": os.path.join(HERE, "patrol.lua"),
        "priors": {"patrol_rate": (0.1, 1.0)},
        # (name, statistic, kind of error)
        "targets": [("arrests", 'count{ log = "true", kinds = { "arrest" }, from = "2024-01-01", to = "2024-04-10" }',
                     "count")],
        "args": ["--waves", "0"],
    },
    "chain": {
        "scenario": os.path.join(SRC, "tests/towns/chain.lua"),
        "priors": {"lambda0": (0.005, 0.05), "h1": (0.02, 0.3)},
        "targets": [
            ("attacks_q1", 'count{ log = "true", kinds = { "engagement" }, from = "2025-01-01", to = "2025-04-01" }',
             "count"),
            ("attacks_q2", 'count{ log = "true", kinds = { "engagement" }, from = "2025-04-01", to = "2025-06-30" }',
             "count"),
            ("fled", 'fled{ from = "2025-01-01", to = "2025-06-30" }', "people"),
        ],
        "args": ["--waves", "2", "--points", "32", "--replicates", "3", "--max-replicates", "6"],
    },
}


def statistic_of_run(exe, town, theta, seed, tmp):
    """The targets' statistics in one run at theta: `validate`-free, from a
    calibration-independent path: conflictsim run, then the HDF5 file read here."""
    t = TOWNS[town]
    out = os.path.join(tmp, "truth.h5")
    args = [exe, "run", t["scenario"], "-o", out, "--seed", str(seed)]
    for k, v in theta.items():
        args += ["--set", f"{k}={v!r}"]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode:
        sys.exit("sbc: the truth run failed: " + p.stderr)
    with h5py.File(out) as f:
        kinds = list(f["events/kind"].attrs["flag_meanings"].split())
        kind = f["events/kind"][:]
        tm = f["events/time"][:]
        disp = f["events/displaced"][:]
    start = np.datetime64(start_date(t["scenario"]))
    vals = []
    for name, stat, _ in t["targets"]:
        a, b = window(stat, start)
        if "arrest" in stat:
            vals.append(float(np.sum((kind == kinds.index("arrest")) & (tm >= a) & (tm < b))))
        elif "engagement" in stat:
            vals.append(float(np.sum((kind == kinds.index("engagement")) & (tm >= a) & (tm < b))))
        else:
            sel = (kind == kinds.index("flight")) & (tm >= a) & (tm < b)
            vals.append(float(np.sum(disp[sel])))
    return vals


def start_date(scenario):
    with open(scenario) as f:
        for line in f:
            if "start" in line and "scenario" in line:
                return line.split('start = "')[1].split('"')[0]
    raise SystemExit("sbc: no start date in " + scenario)


def window(stat, start):
    a = stat.split('from = "')[1].split('"')[0]
    b = stat.split('to = "')[1].split('"')[0]
    day = lambda d: float((np.datetime64(d) - start) / np.timedelta64(1, "D"))  # noqa: E731
    return day(a), day(b)


def error_text(kind, y):
    # a count with sd 0.5: ABC's final tolerance (1) accepts only the exact count,
    # so the ABC posterior is the exact posterior of the simulator; a number of
    # people: 10%, which makes the ABC posterior an approximation (the long run
    # on the chain town reports it as such)
    if kind == "count":
        return "sd = 0.5"
    return "sd = %r" % max(1.0, 0.1 * y)


def recover(exe, town, k, seed, particles, jobs, tmp):
    t = TOWNS[town]
    rng = np.random.default_rng(seed + k)
    theta = {n: float(rng.uniform(lo, hi)) for n, (lo, hi) in t["priors"].items()}
    ys = statistic_of_run(exe, town, theta, 10_000_000 + seed * 1000 + k, tmp)
    lines = ["targets {"]
    for (name, stat, kind), y in zip(t["targets"], ys):
        lines.append(f'  {{ name = "{name}", statistic = {stat}, observed = {y!r}, {error_text(kind, y)} }},')
    lines.append("}")
    tf = os.path.join(tmp, "targets.lua")
    with open(tf, "w") as f:
        f.write("\n".join(lines) + "\n")
    pf = os.path.join(tmp, "priors.lua")
    with open(pf, "w") as f:
        f.write("priors { " + ", ".join(f"{n} = uniform({lo!r}, {hi!r})" for n, (lo, hi) in t["priors"].items())
                + " }\n")
    out = os.path.join(tmp, "cal.h5")
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run([exe, "calibrate", t["scenario"], "--targets", tf, "--priors", pf, "-o", out, "--quiet",
                        "--seed", str(seed + k), "--particles", str(particles), "--batch", str(max(particles // 2, 20)),
                        "-j", str(jobs)] + t["args"], capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"sbc: recovery {k}: calibrate failed: " + p.stderr)
    res = {}
    with h5py.File(out) as f:
        names = [x.decode() for x in f["parameter"][:]]
        th, w = f["posterior/theta"][:], f["posterior/weight"][:]
    for i, n in enumerate(names):
        order = np.argsort(th[:, i])
        c = np.cumsum(w[order])
        lo = th[order][np.searchsorted(c, 0.05)]
        hi = th[order][min(np.searchsorted(c, 0.95), len(c) - 1)]
        rank = float(np.sum(w[th[:, i] < theta[n]]))  # weighted rank in [0, 1]
        res[n] = (theta[n], float(lo), float(hi), bool(lo <= theta[n] <= hi), rank)
    return res


def binom_band(n, p=0.9, prob=0.998):
    """Smallest [a, b] with P(a <= X <= b) >= prob for X ~ Binomial(n, p), equal tails."""
    pmf = [math.comb(n, x) * p ** x * (1 - p) ** (n - x) for x in range(n + 1)]
    a, tail = 0, 0.0
    while tail + pmf[a] <= (1 - prob) / 2:
        tail += pmf[a]
        a += 1
    b, tail = n, 0.0
    while b > 0 and tail + pmf[b] <= (1 - prob) / 2:
        tail += pmf[b]
        b -= 1
    return a, b


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exe")
    ap.add_argument("--recoveries", type=int, default=12)
    ap.add_argument("--particles", type=int, default=150)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--town", choices=sorted(TOWNS), default="patrol")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cs-sbc-")
    try:
        results = []
        for k in range(a.recoveries):
            r = recover(os.path.abspath(a.exe), a.town, k, a.seed, a.particles, a.jobs, tmp)
            results.append(r)
            print(f"recovery {k:3d}: " + "; ".join(
                f"{n} true {v[0]:.4g} 90% [{v[1]:.4g}, {v[2]:.4g}] {'in' if v[3] else 'OUT'}" for n, v in r.items()),
                flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lo, hi = binom_band(a.recoveries)
    ok = True
    for n in results[0]:
        inside = sum(r[n][3] for r in results)
        ranks = np.array([r[n][4] for r in results])
        good = lo <= inside <= hi
        ok &= good
        hist = np.histogram(ranks, bins=5, range=(0, 1))[0]
        print(f"{n}: truth inside the 90% interval in {inside} of {a.recoveries} recoveries "
              f"(binomial band [{lo}, {hi}]): {'ok' if good else 'FAIL'}; rank histogram (5 bins) {hist.tolist()}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
