"""test_sensitivity.py: sweeps with design = "sobol" and "morris", end to end.

Usage: /usr/bin/python3 tests/test_sensitivity.py <conflictsim-binary> <source-dir>

On scenarios/examples/tiny.lua cut to 10 days (test_sweep.py's fixture):
a sobol sweep has N (d + 2) points in Saltelli's layout (AB_i is A with
column i from B) and a morris sweep r (d + 1) points in trajectories that
move one parameter at a time; the group /sensitivity has the documented
datasets, shapes, dimension names and attributes, and its indices are the
documented estimators recomputed here with numpy from the file's own
design and outcomes; -j 1, -j 2 and merged shards give byte-identical files
(shards have no group; merge adds it); `conflictsim sensitivity` prints the
same numbers from a merged file and refuses a shard; the table is printed at
the end of the sweep; bad sweep files are refused with the file and the
field named and no output written; output/plot_sensitivity.py draws a PNG.
The C unit test (test_sensitivity.c) checks the estimators against the
Ishigami function's known indices.
"""

import filecmp
import os
import re
import subprocess
import sys
import unittest

import h5py
import numpy as np
import xarray as xr

import test_sweep

BINARY = None
SOURCE_DIR = None

SOBOL = """
sweep {
  scenario = "tiny.lua",
  seed = 17,
  design = "sobol",
  samples = 8,
  bootstrap = 300,
  replicates = %(reps)d,
  parameters = {
    { "lambda0", loguniform = { 0.01, 0.05 } },
    { "h1", uniform = { 0.05, 0.3 } },
    { "recall_officers", uniform = { 50, 250 } },
  },
  metrics = { "displaced_final", "civilian_deaths_final", "clashes_all", "fall_time:centre",
              centre_residents = function(sim) return sim:residents("centre") end },
  keep_trajectories = %(traj)s,
  set = { verbose = false },
}
"""

MORRIS = """
sweep {
  scenario = "tiny.lua",
  seed = 23,
  design = "morris",
  samples = 6,
  levels = 4,
  replicates = 2,
  parameters = {
    { "lambda0", loguniform = { 0.01, 0.05 } },
    { "h1", uniform = { 0.05, 0.3 } },
    { "phi", uniform = { 0.1, 0.5 } },
  },
  metrics = { "displaced_final", "clashes_all" },
  set = { verbose = false },
}
"""

SOBOL_FIELDS = ["S1", "S1_low", "S1_high", "S1_se", "ST", "ST_low", "ST_high", "ST_se"]
MORRIS_FIELDS = ["mu_star", "mu_star_low", "mu_star_high", "mu_star_se", "mu", "sigma"]


def run(*args, timeout=300):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


def point_values(f):
    """Outcomes averaged over the replicates of each point: (points, metric)."""
    reps = int(f.attrs["replicates"])
    y = f["outcomes"][:]
    return y.reshape(-1, reps, y.shape[1]).mean(axis=1), f["design"][::reps]


class SensitivityTest(test_sweep.SweepFixture):
    SWEEP = SOBOL

    def write(self, name, text):
        with open(self.p(name), "w") as f:
            f.write(text)

    def test_sobol_same_file_for_any_split_and_estimators(self):
        d, n, reps = 3, 8, 3
        a = self.sweep("sweep.lua", "j1.h5", "-j", "1")
        b = self.sweep("sweep.lua", "j2.h5", "-j", "2")
        shards = [self.sweep("sweep.lua", "s%d.h5" % i, "--shard", "%d/3" % i, "-j", "2") for i in range(3)]
        r = run("merge", shards[1], shards[2], shards[0], "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        for s in shards:
            with h5py.File(s, "r") as f:
                self.assertNotIn("sensitivity", f, "a shard cannot have the analysis")
        with h5py.File(a, "r") as f:
            self.assertEqual(f.attrs["n_runs_total"], n * (d + 2) * reps)
            self.assertEqual(f.attrs["n_points"], n * (d + 2))
            self.assertEqual([x.decode() for x in f["parameter_kind"][:]], ["loguniform", "uniform", "uniform"])
            y, x = point_values(f)
            # Saltelli's layout: per base row j, A_j, B_j, then AB_i (A with column i from B)
            blocks = x.reshape(n, d + 2, d)
            A, B = blocks[:, 0], blocks[:, 1]
            self.assertTrue(np.all(A != B))
            for i in range(d):
                expect = A.copy()
                expect[:, i] = B[:, i]
                np.testing.assert_array_equal(blocks[:, 2 + i], expect)
            self.assertTrue(np.all(x[:, 2] == np.floor(x[:, 2])), "an integer parameter draws whole numbers")
            g = f["sensitivity"]
            self.assertEqual(g.attrs["design"], "sobol")
            self.assertEqual((g.attrs["samples"], g.attrs["bootstrap"], g.attrs["seed"], g.attrs["replicates"]),
                             (n, 300, 17, reps))
            self.assertEqual(g.attrs["confidence_level"], 0.95)
            for k in ("method", "point_values", "intervals", "references"):
                self.assertTrue(g.attrs[k])
            self.assertIn("Saltelli", g.attrs["references"])
            self.assertEqual(sorted(g), sorted(SOBOL_FIELDS + ["variance", "n_nonfinite"]))
            nm = f["metric"].shape[0]
            for k in SOBOL_FIELDS:
                self.assertEqual(g[k].shape, (nm, d))
                self.assertTrue(g[k].attrs["long_name"])
            # the documented estimators, recomputed from the file's own outcomes
            yy = y.reshape(n, d + 2, nm)
            fa, fb = yy[:, 0], yy[:, 1]
            both = np.concatenate([fa, fb])
            mean, var = both.mean(axis=0), both.var(axis=0)
            metrics = [m.decode() for m in f["metric"][:]]
            ft = metrics.index("fall_time_centre")
            for m in range(nm):
                if m == ft:
                    continue
                if np.ptp(y[:, m]) == 0:  # the same everywhere: V = 0 exactly, no index
                    self.assertEqual(g["variance"][m], 0)
                    self.assertTrue(np.all(np.isnan(g["S1"][m])) and np.all(np.isnan(g["ST"][m])))
                    continue
                for i in range(d):
                    fab = yy[:, 2 + i, m]
                    s1 = np.mean((fb[:, m] - mean[m]) * (fab - fa[:, m])) / var[m]
                    st = np.mean((fa[:, m] - fab) ** 2) / 2 / var[m]
                    self.assertAlmostEqual(g["S1"][m, i], s1, delta=1e-9 * (1 + abs(s1)))
                    self.assertAlmostEqual(g["ST"][m, i], st, delta=1e-9 * (1 + abs(st)))
                    if g["S1_se"][m, i] > 0:
                        self.assertLessEqual(g["S1_low"][m, i], g["S1_high"][m, i])
                self.assertAlmostEqual(g["variance"][m], y[:, m].var(ddof=1), delta=1e-9 * var[m])
            # fall_time of a node that does not fall in 10 days: NaN, and counted
            self.assertEqual(g["n_nonfinite"][ft], int(np.sum(~np.isfinite(y[:, ft]))))
            if g["n_nonfinite"][ft]:
                self.assertTrue(np.all(np.isnan(g["S1"][ft])))
            s1_file = g["S1"][:]
        # xarray: the group's datasets on named dimensions (the root's scales)
        ds = xr.open_dataset(a, engine="h5netcdf", group="sensitivity")
        self.assertEqual(ds.S1.dims, ("metric", "parameter"))
        self.assertEqual(ds.variance.dims, ("metric",))
        ds.close()
        # the command: same numbers from the merged file; a shard is refused
        r = run("sensitivity", self.p("merged.h5"), "--metric", "displaced_final")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Sobol' indices of 3 parameters: N = 8 base rows", r.stdout)
        row = re.search(r"^\s+lambda0\s+(-?\d+\.\d+)", r.stdout, re.M)
        self.assertIsNotNone(row, r.stdout)
        self.assertAlmostEqual(float(row.group(1)), s1_file[0, 0], delta=0.0005)
        self.assertNotIn("clashes_all", r.stdout)
        r = run("sensitivity", shards[0])
        self.assertEqual(r.returncode, 3)
        self.assertIn("merge the shards first", r.stderr)
        r = run("sensitivity", self.p("merged.h5"), "--metric", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no metric 'nope'", r.stderr)
        # the plot
        png = self.p("fig.png")
        p = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "output", "plot_sensitivity.py"),
                            self.p("merged.h5"), "-o", png], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(png, "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        p = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "output", "plot_sensitivity.py"),
                            shards[0], "-o", self.p("no.png")], capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("merge", p.stderr)

    def test_morris(self):
        d, r_traj, reps, p = 3, 6, 2, 4
        self.write("morris.lua", MORRIS)
        a = self.sweep("morris.lua", "j1.h5", "-j", "1")
        b = self.sweep("morris.lua", "j2.h5", "-j", "2")
        shards = [self.sweep("morris.lua", "s%d.h5" % i, "--shard", "%d/2" % i) for i in range(2)]
        r = run("merge", *shards, "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        with h5py.File(a, "r") as f:
            self.assertEqual(f.attrs["n_runs_total"], r_traj * (d + 1) * reps)
            y, x = point_values(f)
            lo, hi = f["parameter_low"][:], f["parameter_high"][:]
            kinds = [k.decode() for k in f["parameter_kind"][:]]
            # the unit cube: log scale for loguniform
            u = np.empty_like(x)
            for i, k in enumerate(kinds):
                u[:, i] = ((np.log(x[:, i]) - np.log(lo[i])) / (np.log(hi[i]) - np.log(lo[i])) if k == "loguniform"
                           else (x[:, i] - lo[i]) / (hi[i] - lo[i]))
            delta = (p / 2) / (p - 1)
            g = f["sensitivity"]
            self.assertEqual(g.attrs["design"], "morris")
            self.assertEqual((g.attrs["samples"], g.attrs["levels"]), (r_traj, p))
            self.assertEqual(sorted(g), sorted(MORRIS_FIELDS + ["variance", "n_nonfinite"]))
            nm = y.shape[1]
            ee = np.zeros((r_traj, d, nm))
            for t in range(r_traj):
                tu, ty = u[t * (d + 1):(t + 1) * (d + 1)], y[t * (d + 1):(t + 1) * (d + 1)]
                np.testing.assert_allclose(tu * (p - 1), np.round(tu * (p - 1)), atol=1e-9)  # on the levels
                moved = []
                for s in range(1, d + 1):
                    du = tu[s] - tu[s - 1]
                    changed = np.flatnonzero(np.abs(du) > 1e-12)
                    self.assertEqual(len(changed), 1, "one parameter moves per step")
                    i = changed[0]
                    self.assertAlmostEqual(abs(du[i]), delta, delta=1e-9)
                    moved.append(i)
                    ee[t, i] = (ty[s] - ty[s - 1]) / (np.sign(du[i]) * delta)
                self.assertEqual(sorted(moved), list(range(d)), "each parameter moves once")
            for m in range(nm):
                scale = 1e-9 * (1 + np.abs(ee[:, :, m]).max())
                np.testing.assert_allclose(g["mu_star"][m], np.abs(ee[:, :, m]).mean(axis=0), atol=scale)
                np.testing.assert_allclose(g["mu"][m], ee[:, :, m].mean(axis=0), atol=scale)
                np.testing.assert_allclose(g["sigma"][m], ee[:, :, m].std(axis=0, ddof=1), atol=scale)
                self.assertTrue(np.all(g["mu_star_low"][m] <= g["mu_star"][m] + scale))
                self.assertTrue(np.all(g["mu_star"][m] <= g["mu_star_high"][m] + scale))
        r = run("sweep", self.p("morris.lua"), "-o", self.p("printed.h5"), "-j", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Morris elementary effects of 3 parameters: r = 6 trajectories on 4 levels", r.stdout)
        self.assertRegex(r.stdout, r"\n  lambda0 ")
        png = self.p("m.png")
        pr = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "output", "plot_sensitivity.py"), a,
                             "-o", png], capture_output=True, text=True, timeout=120)
        self.assertEqual(pr.returncode, 0, pr.stderr)
        self.assertGreater(os.path.getsize(png), 1000)

    def test_errors(self):
        base = MORRIS.replace('levels = 4,\n', '')
        cases = [
            (base.replace('{ "h1", uniform = { 0.05, 0.3 } }', '{ "h1", grid = { 0.1, 0.2 } }'),
             ["parameter 'h1'", "not grid", "set = {"]),
            (base.replace('{ "h1", uniform = { 0.05, 0.3 } }', '{ "h1", lhs = { 0.05, 0.3 } }'),
             ["parameter 'h1'", "not lhs"]),
            (base.replace('design = "morris",', 'design = "morris", levels = 5,'), ["levels must be an even"]),
            (base.replace('design = "morris",', 'design = "sobol", levels = 4,'), ["levels is for design"]),
            (base.replace('design = "morris",', 'design = "saltelli",'), ["design must be", "'saltelli'"]),
            (base.replace('design = "morris",', '').replace('samples = 6,', 'samples = 6, bootstrap = 10,'),
             ["bootstrap is for design"]),
            (base.replace('samples = 6,', ''), ["needs samples = r (trajectories"]),
            (base.replace('samples = 6,', 'samples = 1,'), ["samples = r (trajectories) >= 2"]),
            (base.replace('design = "morris",', 'design = "sobol", bootstrap = -1,'),
             ["bootstrap must be an integer >= 0"]),
        ]
        for k, (text, expect) in enumerate(cases):
            name = "bad%d.lua" % k
            self.write(name, text)
            r = run("sweep", self.p(name), "-o", self.p("bad.h5"), "--quiet")
            self.assertEqual(r.returncode, 3, (k, r.stderr))
            self.assertIn(name, r.stderr)
            for e in expect:
                self.assertIn(e, r.stderr, k)
            self.assertFalse(os.path.exists(self.p("bad.h5")))
            self.assertFalse(os.path.exists(self.p("bad.h5.journal")))
        # a sweep file of the default design has no group, and the command says why
        self.write("crossed.lua", re.sub(r'design = "sobol",\s*', "", SOBOL).replace("bootstrap = 300,", "")
                   % {"reps": 1, "traj": "false"})
        out = self.sweep("crossed.lua", "crossed.h5")
        with h5py.File(out, "r") as f:
            self.assertNotIn("sensitivity", f)
        r = run("sensitivity", out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no group /sensitivity", r.stderr)
        r = run("sensitivity", self.p("sweep.lua"))
        self.assertEqual(r.returncode, 3)
        self.assertIn("not an HDF5 file", r.stderr)


if __name__ == "__main__":
    BINARY = test_sweep.BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = test_sweep.SOURCE_DIR = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
