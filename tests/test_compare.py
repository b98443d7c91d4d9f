#!/usr/bin/python3
"""test_compare.py: `conflictsim compare` and output/plot_compare.py.

    /usr/bin/python3 tests/test_compare.py <conflictsim> <source dir>

(a) a variant that changes nothing that acts gives paired differences exactly
    0 for every metric and replicate, and identical trajectories; the report
    does not depend on -j; the derived city trajectories equal `run`'s;
(b) the 95% BCa bootstrap interval covers a known mean at its nominal rate on
    synthetic data (compare --selftest-bootstrap), within 3 binomial standard
    errors;
(c) pairing reduces the variance of the difference on the Solino recall
    comparison (measured variance reduction > 1 for the displaced metrics);
(d) the figures render (non-empty PNG and SVG);
(e) --metric: exactly the metrics asked for, in that order, in every report;
    the default is the documented list; an unknown name exits 2 naming it and
    the valid names; fled:<node> of every run equals the people who fled the
    node in `conflictsim run`'s event log for the same seed and replicate;
(f) the better direction is the metric's: higher for fall_time (a later fall),
    lower for the rest, in every report; a node that did not fall counts as
    falling at the horizon. Known answer: with no attacks (lambda0 = 0) no node
    can fall, so the variant is better in exactly the replicates where the
    baseline's node fell, and never worse.
"""
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

EXE, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TINY = os.path.join(SRC, "scenarios/examples/tiny.lua")
SOLINO = os.path.join(SRC, "scenarios/haiti/solino.lua")
PLOT = os.path.join(SRC, "output/plot_compare.py")
failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def run(args, **kw):
    p = subprocess.run([EXE] + args, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
    return p


def test_zero_effect(tmp):
    # recall_officers=0 in both arms: moving the (empty) recall from day 4 to
    # day 10 changes nothing that acts.
    base = ["compare", "--baseline", TINY, "--set-baseline", "recall_officers=0",
            "--set-baseline", "recall_day=4", "--variant", "late:recall_day=10",
            "--replicates", "12", "--quiet"]
    p1 = run(base + ["-j", "1", "-o", f"{tmp}/zero1"])
    p2 = run(base + ["-j", "2", "-o", f"{tmp}/zero2"])
    check(p1.returncode == 0 and p2.returncode == 0, "zero effect: compare exits 0")
    with h5py.File(f"{tmp}/zero1.h5", "r") as f:
        d = f["difference"][:]
        check(d.shape == (1, 12, f["metric"].shape[0]), f"zero effect: difference shape {d.shape}")
        check(np.all(d == 0), "zero effect: every paired difference is exactly 0")
        v = f["values"][:]
        check(np.array_equal(v[0], v[1]), "zero effect: the arms' values are identical")
        for m in ("city_displaced", "city_civilian_deaths", "city_gang_share_population"):
            y = f[m][:]
            check(np.array_equal(y[0], y[1]), f"zero effect: {m} trajectories identical")
        check(np.all(f["ci_low"][:] == 0) and np.all(f["ci_high"][:] == 0), "zero effect: intervals are [0, 0]")
        check(np.all(f["p_better"][:] == 0), "zero effect: P(better) is 0 (ties are not better)")
        check(np.all(f["p_worse"][:] == 0), "zero effect: P(worse) is 0 (all ties)")
        check(v[0].std(axis=0).max() > 0, "zero effect: replicates differ from each other (not a trivial run)")
    for ext in ("csv", "json", "h5"):
        a, b = open(f"{tmp}/zero1.{ext}", "rb").read(), open(f"{tmp}/zero2.{ext}", "rb").read()
        check(a == b, f"report .{ext} is the same with -j 1 and -j 2")
    rows = list(csv.DictReader(open(f"{tmp}/zero1.csv")))
    js = json.load(open(f"{tmp}/zero1.json"))
    check(len(rows) == len(js["results"]) > 0, "csv and json have the same rows")
    check(all(float(r["mean_difference"]) == 0 for r in rows), "csv: mean differences 0")
    check("BCa" in js["ci_method"] and "(r+1) mod N" in js["variance_reduction_method"],
          "json states the interval and the independent pairing")
    # named axes: xarray labels every dimension from the file's dimension scales
    import xarray as xr
    with xr.open_dataset(f"{tmp}/zero1.h5", engine="h5netcdf") as ds:
        want = {"values": ("arm", "replicate", "metric"), "difference": ("variant", "replicate", "metric"),
                "p_better": ("variant", "metric"), "p_worse": ("variant", "metric"),
                "city_displaced": ("arm", "time", "replicate"), "metric_units": ("metric",)}
        for name, dims in want.items():
            check(ds[name].dims == dims, f"xarray reads {name} with dims {dims}, got {ds[name].dims}")
        check(list(ds["variant"].values) == ["late"] and list(ds["arm"].values) == ["baseline", "late"],
              "the arm and variant axes carry the arms' names")
        check(float(ds["p_better"].sel(variant="late", metric="displaced_final")) == 0,
              "a value can be selected by variant and metric name")

    # The derived city trajectories equal what `run` samples (replicate 5, variant arm).
    r = subprocess.run([EXE, "run", TINY, "--seed", "1", "--replicate", "5", "--quiet", "--set",
                        "recall_officers=0", "--set", "recall_day=10", "-o", f"{tmp}/r5.h5"])
    check(r.returncode == 0, "run of replicate 5 exits 0")
    with h5py.File(f"{tmp}/zero1.h5", "r") as c, h5py.File(f"{tmp}/r5.h5", "r") as g:
        for m in ("city_displaced", "city_civilian_deaths", "city_gang_share_population"):
            check(np.array_equal(c[m][1, :, 5], g[m][:].astype(float)), f"{m} equals run's for replicate 5")


def test_bootstrap_coverage():
    datasets = 1000
    p = run(["compare", "--selftest-bootstrap", "--datasets", str(datasets), "--n", "100", "--resamples", "1000"])
    check(p.returncode == 0, "selftest-bootstrap exits 0")
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("selftest-bootstrap")]
    check(len(lines) == 2, "selftest-bootstrap: two distributions")
    se = math.sqrt(0.95 * 0.05 / datasets)
    for ln in lines:
        kv = dict(x.split("=", 1) for x in ln.split()[1:])
        cov = float(kv["coverage"])
        check(abs(cov - 0.95) < 3 * se, f"BCa 95% coverage, {kv['dist']}: {cov:.4f} within 0.95 +- {3 * se:.4f}")


def test_pairing_solino(tmp):
    # The recall acts from day 11 (attack day 7 + 4): until then the paired
    # runs are identical, so the paired difference varies much less than the
    # difference of independent runs. 30 replicates: a ratio of two variance
    # estimates with 29 df each; a true ratio near 1 would exceed the bound
    # only by chance, and here it is measured at > 10.
    p = run(["compare", "--baseline", SOLINO, "--variant", "no_recall:recall_officers=0",
             "--replicates", "30", "-o", f"{tmp}/sol"])
    check(p.returncode == 0, "Solino compare exits 0")
    check_table(p.stdout, f"{tmp}/sol.h5", "Solino table")
    with h5py.File(f"{tmp}/sol.h5", "r") as f:
        names = [x.decode() if isinstance(x, bytes) else x for x in f["metric"][:]]
        vr = f["variance_reduction"][0]
        v = f["values"][:]
        for m in ("displaced_final", "displaced_integral"):
            i = names.index(m)
            # recompute from the per-replicate values: the file's number is what it says
            b, x = v[0, :, i], v[1, :, i]
            ind = np.roll(x, -1) - b
            mine = np.var(ind, ddof=1) / np.var(x - b, ddof=1)
            check(abs(mine - vr[i]) <= 1e-9 * mine, f"{m}: variance reduction {vr[i]:.3g} matches the values")
            # F(29, 29) upper 0.1% point is about 3.2: require at least that
            check(vr[i] > 3.2, f"{m}: pairing reduces variance (Var ratio {vr[i]:.3g} > 3.2)")
        # P(better), P(worse) and the ties are counts of the paired differences
        d = f["difference"][0]
        check(np.array_equal(f["p_better"][0], (d < 0).mean(axis=0)) and
              np.array_equal(f["p_worse"][0], (d > 0).mean(axis=0)), "P(better) and P(worse) count d < 0 and d > 0")
    return f"{tmp}/sol.h5"


def test_figures(tmp, h5):
    p = subprocess.run([sys.executable, PLOT, h5, "-o", f"{tmp}/fig"], capture_output=True, text=True)
    if p.returncode:
        print(p.stderr)
    check(p.returncode == 0, "plot_compare.py exits 0")
    for m in ("city_displaced", "city_civilian_deaths", "city_gang_share_population"):
        png, svg = f"{tmp}/fig_{m}.png", f"{tmp}/fig_{m}.svg"
        check(os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{m}: PNG written")
        check(os.path.exists(svg) and b"<svg" in open(svg, "rb").read(4096), f"{m}: SVG written")


def test_file_variant_overrides(tmp):
    # A variant naming another file runs it with only its own overrides. The
    # same file with the baseline's overrides repeated in the variant is the
    # baseline again: every paired difference is exactly 0. Without them,
    # compare notes that the baseline's overrides do not apply.
    base = ["compare", "--baseline", TINY, "--set-baseline", "recall_officers=0", "--replicates", "4",
            "--quiet", "-j", "2"]
    p = run(base + ["--variant", f"same:{TINY},recall_officers=0", "-o", f"{tmp}/fv"])
    check(p.returncode == 0 and "note:" not in p.stderr, "file variant with overrides: runs, no note")
    with h5py.File(f"{tmp}/fv.h5", "r") as f:
        check(np.all(f["difference"][:] == 0), "file variant repeating the baseline's overrides: differences 0")
    p = run(base + ["--variant", f"bare:{TINY}", "-o", f"{tmp}/fv2"])
    check(p.returncode == 0 and "without the baseline's --set-baseline recall_officers=0" in p.stderr,
          "file variant without the baseline's overrides: compare says so")


# the sweep's default metrics (output/README.md, "Metrics": every built-in but those of one node)
DEFAULT_METRICS = ["displaced_final", "displaced_integral", "civilian_deaths_final", "engagement_deaths",
                   "gang_share_population_final", "gang_share_population_integral", "gang_share_nodes_final",
                   "gang_share_nodes_integral", "nodes_lost", "clashes_gang_gang", "clashes_gang_state",
                   "clashes_all"]


def names_of(ds):
    return [x.decode() if isinstance(x, bytes) else x for x in ds[:]]


TABLE_ROW = re.compile(r"\s*(?P<baseline>\S+)\s+(?P<variant>\S+)\s+(?P<difference>\S+(?: pp)?)\s+"
                       r"(?P<interval>\[[^]]*\](?: pp)?)\s+(?P<p_better>\d+)%\s+(?P<p_worse>\d+)%\s+"
                       r"(?P<p_tie>\d+)%\s+(?P<vr>\S+)\s+(?P<code>\S+)$")


def table_rows(stdout):
    """The rows of the terminal table, one dict per row: the label, unit and better-if columns cut at
    the header's offsets, the numbers after them by TABLE_ROW."""
    rows, cut = [], None
    for ln in stdout.splitlines():
        if ln.startswith("  outcome"):
            cut = (ln.index("unit"), ln.index("better if"), ln.index("better if") + len("better if"))
            continue
        m = TABLE_ROW.match(ln[cut[2]:]) if cut and ln.startswith("  ") else None
        if not m:
            cut = None
            continue
        r = m.groupdict()
        r.update(label=ln[2:cut[0]].strip(), unit=ln[cut[0]:cut[1]].strip(), better=ln[cut[1]:cut[2]].strip())
        rows.append(r)
    return rows


def shown(text):
    """A number as the table shows it (12,345; -3.20; 32.1%; +1.5 pp), read back; the half unit of its
    last shown digit, the rounding it may carry."""
    t = text.replace(",", "").replace(" pp", "").rstrip("%")
    if t in ("-", "inf", "-inf", "+inf"):
        return float("nan") if t == "-" else float(t), 0.0
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t), 0.5 * 10 ** -decimals


def check_table(stdout, h5, what):
    """The terminal table says what the HDF5 file says, in a reader's words: the file's plain label and
    unit, numbers with thousands separators (no e-notation) that read back to the file's means within
    their rounding, and P(better), P(worse), P(tie) that add up to 100 and match the file's shares."""
    rows = table_rows(stdout)
    with h5py.File(h5, "r") as f:
        codes, labels = names_of(f["metric"]), names_of(f["metric_label"])
        units = dict(zip(codes, names_of(f["metric_display_units"])))
        check([r["code"] for r in rows] == codes, f"{what}: one table row per metric, in order")
        check(all("_" not in lab and lab[:1].isupper() for lab in labels), f"{what}: labels are words, not codes")
        for k, r in enumerate(rows):
            c = r["code"]
            check(r["label"] == labels[k] and r["unit"] == units[c], f"{what}: {c} shown as '{labels[k]}' ({units[c]})")
            share = 100.0 if units[c] == "%" else 1.0
            for col, ds in (("baseline", "baseline_mean"), ("variant", "variant_mean"), ("difference", "mean_difference")):
                text, want = r[col], float(f[ds][0, k]) * share
                got, half = shown(text)
                ok = "e" not in text and (abs(want) < 1000 or "," in text) and abs(got - want) <= half * (1 + 1e-9)
                check(ok, f"{what}: {c} {col} '{text}' reads back to the file's {want:.6g}")
            pb, pw, pt = (int(r[x]) for x in ("p_better", "p_worse", "p_tie"))
            fb, fw = float(f["p_better"][0, k]), float(f["p_worse"][0, k])
            check(pb + pw + pt == 100, f"{what}: {c}: P(better) + P(worse) + P(tie) = {pb + pw + pt}%")
            check(all(abs(x - 100 * y) < 1 for x, y in ((pb, fb), (pw, fw), (pt, 1 - fb - fw))),
                  f"{what}: {c}: the shares are the file's ({fb:.3f}, {fw:.3f})")


def fled_in_run(path, node):
    """People who fled `node` in a run file: the flight rows of the event log (output/README.md)."""
    with h5py.File(path, "r") as g:
        kinds = g["events/kind"].attrs["flag_meanings"]
        kinds = (kinds.decode() if isinstance(kinds, bytes) else kinds).split()
        j = names_of(g["node"]).index(node)
        ev = g["events"]
        rows = (ev["kind"][:] == kinds.index("flight")) & (ev["node"][:] == j)
        return float(ev["displaced"][:][rows].sum())


def test_metric_option(tmp):
    with h5py.File(f"{tmp}/zero1.h5", "r") as f:
        check(names_of(f["metric"]) == DEFAULT_METRICS, "no --metric: the documented default metrics, in order")

    want = ["fled_market", "displaced_final", "fall_time_centre"]
    reps = 4
    p = run(["compare", "--baseline", TINY, "--variant", "late:recall_day=10", "--metric", "fled:market",
             "--metric", "displaced_final", "--metric", "fall_time:centre", "--replicates", str(reps),
             "-j", "2", "-o", f"{tmp}/met"])
    check(p.returncode == 0, "compare --metric exits 0")
    check_table(p.stdout, f"{tmp}/met.h5", "table of fled, displaced, fall_time")
    rows = list(csv.DictReader(open(f"{tmp}/met.csv")))
    check([r["metric"] for r in rows] == want, f"csv: exactly the metrics asked for, in order: {[r['metric'] for r in rows]}")
    js = json.load(open(f"{tmp}/met.json"))
    check([r["metric"] for r in js["results"]] == want, "json: exactly the metrics asked for")
    check(next(r["units"] for r in rows if r["metric"] == "fled_market") == "persons", "fled's units are persons, as every other count of people")
    with h5py.File(f"{tmp}/met.h5", "r") as f:
        check(names_of(f["metric"]) == want, "h5: the metric axis is exactly the metrics asked for")
        check(f["values"].shape == (2, reps, 3) and f["p_better"].shape == (1, 3), "h5: values and table sized by them")
        table = [row["code"] for row in table_rows(p.stdout)]
        check(table == want, f"terminal table: the metrics asked for: {table}")
        # fled:market equals what `run` logs, for every arm and replicate
        vals = f["values"][:]
        sets = {0: [], 1: ["--set", "recall_day=10"]}
        same, nonzero = True, 0
        for a in (0, 1):
            for r in range(reps):
                out = f"{tmp}/met_run_{a}_{r}.h5"
                q = subprocess.run([EXE, "run", TINY, "--seed", "1", "--replicate", str(r), "--quiet", "-o", out]
                                   + sets[a])
                same = same and q.returncode == 0 and vals[a, r, 0] == fled_in_run(out, "market")
                nonzero += vals[a, r, 0] > 0
        check(same, "fled:market of every run equals the flight rows of `run`'s event log at market")
        check(nonzero > 0, "fled:market is not 0 in every run (the comparison is not 0 = 0)")

    # misspelt or unknown names: a usage error naming the name and the valid ones, nothing written
    for bad in ("displaced_fnal", "fled", "no_such_metric"):
        p = run(["compare", "--baseline", TINY, "--variant", "late:recall_day=10", "--metric", bad,
                 "-o", f"{tmp}/badm", "--quiet"])
        check(p.returncode == 2 and f"'{bad}'" in p.stderr and "fled:<node>" in p.stderr
              and "displaced_final" in p.stderr and not os.path.exists(f"{tmp}/badm.csv"),
              f"--metric {bad}: exit 2 (got {p.returncode}), the name and the valid names in the message")
    p = run(["compare", "--baseline", TINY, "--variant", "late:recall_day=10", "--metric", "fled:nowhere",
             "-o", f"{tmp}/badn", "--quiet"])
    check(p.returncode == 3 and "no node 'nowhere'" in p.stderr and not os.path.exists(f"{tmp}/badn.csv"),
          f"--metric fled:nowhere: a scenario error naming the node (exit {p.returncode})")
    p = run(["compare", "--baseline", TINY, "--variant", "late:recall_day=10", "--metric", "clashes_all",
             "--metric", "clashes_all", "-o", f"{tmp}/badd", "--quiet"])
    check(p.returncode == 2 and "twice" in p.stderr, "--metric given twice: exit 2")
    p = run(["compare", "--help"])
    check(p.returncode == 0 and "--metric NAME" in p.stdout and "fled:<node>" in p.stdout, "--help describes --metric")


def test_better_direction(tmp):
    reps = 8
    p = run(["compare", "--baseline", TINY, "--variant", "calm:lambda0=0", "--metric", "fall_time:market",
             "--metric", "displaced_final", "--metric", "clashes_all", "--metric", "fled:market",
             "--replicates", str(reps), "-j", "2", "-o", f"{tmp}/dir"])
    check(p.returncode == 0, "compare with fall_time exits 0")
    want = {"fall_time_market": "higher", "displaced_final": "lower", "clashes_all": "lower", "fled_market": "lower"}
    rows = list(csv.DictReader(open(f"{tmp}/dir.csv")))
    check({r["metric"]: r["better"] for r in rows} == want, "csv: better is higher for fall_time, lower for the rest")
    js = json.load(open(f"{tmp}/dir.json"))
    check({r["metric"]: r["better"] for r in js["results"]} == want, "json: better per metric")
    check("better" not in js or js["better"] != "lower", "json: no global claim that lower is better")
    table = {row["code"]: row["better"] for row in table_rows(p.stdout)}
    check(table == want, "terminal table: the better column")
    check("Day Market fell to a gang (fall_time_market): no fall by day" in p.stdout,  # the node's name
          "terminal: the runs without a fall are counted")
    check_table(p.stdout, f"{tmp}/dir.h5", "table of fall_time, displaced, clashes, fled")
    with h5py.File(f"{tmp}/dir.h5", "r") as f:
        names = names_of(f["metric"])
        check(dict(zip(names, names_of(f["metric_better"]))) == want, "h5: metric_better per metric")
        check("better" not in f.attrs, "h5: no global better attribute")
        days = float(f.attrs["days"])
        vals = f["values"][:]
        i, c = names.index("fall_time_market"), names.index("clashes_all")
        # the premise: the variant never attacks, so its node never falls (NaN in values); the baseline's does
        check(np.all(vals[1, :, c] == 0) and np.all(np.isnan(vals[1, :, i])), "lambda0 = 0: no clash, no fall")
        fell = ~np.isnan(vals[0, :, i])
        check(fell.any() and np.all(vals[0, fell, i] < days), "the baseline's market falls in some replicate")
        # known answer: better exactly where the baseline fell, never worse
        check(f["p_better"][0, i] == fell.mean() and f["p_worse"][0, i] == 0,
              f"fall_time: P(better) {f['p_better'][0, i]} = share of baseline falls {fell.mean()}, P(worse) 0")
        # for a lower-better metric the same pairs count the other way: fewer clashes is better
        d = vals[1, :, c] - vals[0, :, c]
        check(f["p_better"][0, c] == (d < 0).mean() and f["p_worse"][0, c] == (d > 0).mean(),
              "clashes_all: P(better) counts d < 0")
        # censoring: the statistics read NaN as the horizon; values keep the NaN
        cens = np.where(np.isnan(vals[:, :, i]), days, vals[:, :, i])
        dc = cens[1] - cens[0]
        check(np.array_equal(f["difference"][0, :, i], dc), "difference of fall_time counts no fall as the horizon")
        check(np.isclose(f["baseline_mean"][0, i], cens[0].mean(), rtol=1e-12, atol=0) and
              np.isclose(f["variant_mean"][0, i], days, rtol=1e-12, atol=0),
              "fall_time means are of min(fall time, horizon)")
        check(np.isfinite(f["ci_low"][0, i]) and f["ci_low"][0, i] <= dc.mean() <= f["ci_high"][0, i],
              "fall_time: a finite interval around the mean difference")
        check(list(f["censored"][:, i]) == [int((~fell).sum()), reps], "censored counts the runs without a fall")
        r = next(x for x in rows if x["metric"] == "fall_time_market")
        check(int(r["baseline_censored"]) == int((~fell).sum()) and int(r["variant_censored"]) == reps,
              "csv: censored counts")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_zero_effect(tmp)
        test_bootstrap_coverage()
        h5 = test_pairing_solino(tmp)
        test_figures(tmp, h5)
        test_file_variant_overrides(tmp)
        test_metric_option(tmp)
        test_better_direction(tmp)
        bad = run(["compare", "--baseline", TINY, "--variant", "no_such_param=1", "-o", f"{tmp}/bad", "--quiet"])
        check(bad.returncode == 3 and not os.path.exists(f"{tmp}/bad.csv"),
              f"an unknown parameter in a variant is a scenario error (exit {bad.returncode}), nothing written")
        check("'no_such_param' in the variant's K=V" in bad.stderr and "sweep" not in bad.stderr
              and "--set" not in bad.stderr, "... named in compare's words (no sweep, no --set): " + bad.stderr.strip())
        bad = run(["compare", "--baseline", TINY, "--set-baseline", "recall_officers=-5", "--variant",
                   "recall_officers=1", "-o", f"{tmp}/bad", "--quiet"])
        check(bad.returncode == 3 and "baseline: " in bad.stderr and "--set-baseline recall_officers=-5" in bad.stderr
              and "sweep" not in bad.stderr, "a bad --set-baseline value is named as given: " + bad.stderr.strip())
        # -o into a directory that does not exist: exit 4 naming the file, found
        # before the runs (a million pairs would not finish within the timeout)
        nodir = run(["compare", "--baseline", TINY, "--variant", "x:recall_officers=0", "--replicates",
                     "1000000", "-j", "1", "-o", f"{tmp}/no_such_dir/r", "--quiet"], timeout=60)
        check(nodir.returncode == 4 and f"cannot write '{tmp}/no_such_dir/r.csv'" in nodir.stderr,
              f"-o into a missing directory: exit {nodir.returncode} before the runs, the path named")
        os.mkdir(f"{tmp}/adir.csv")
        isdir = run(["compare", "--baseline", TINY, "--variant", "x:recall_officers=0", "--replicates",
                     "1000000", "-j", "1", "-o", f"{tmp}/adir", "--quiet"], timeout=60)
        check(isdir.returncode == 4 and "is not a regular file" in isdir.stderr and os.listdir(f"{tmp}/adir.csv") == [],
              f"-o whose report would replace a directory: exit {isdir.returncode} before the runs")
    if failures:
        print(f"{len(failures)} failed")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
