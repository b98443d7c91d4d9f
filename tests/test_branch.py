#!/usr/bin/python3
"""test_branch.py: many futures from one past (run, sweep and compare with
--branch-at DAY --branches K).

Usage: /usr/bin/python3 tests/test_branch.py <conflictsim-binary> <source-dir> [Class]

The rules tested are sim/README.md's "Branching" and output/README.md's
"Branches": a branch event at DAY runs after every other event at t <= DAY,
then re-keys every stream by the branch id and redraws every pending
exponential waiting time. So:
- the past is identical byte for byte: every event row with time <= DAY and
  every sample row with time <= DAY equal a plain run's, in every branch;
- the futures differ: the event rows after DAY differ between branches, from
  the first one on (the pending clocks were redrawn);
- branch k is a function of (inputs, DAY, k): --branch k in another
  invocation writes the same datasets as branch k of --branches K;
- the future depends on the state at DAY, not on how many numbers the past
  drew: an intervention at DAY that only draws from math.random (and so
  changes no state) leaves each branch's future identical, and a real one
  (a recall at DAY) changes nothing before DAY, in each branch;
- a run without --branch-at has no `branch` coordinate (its bytes are
  checked by test_pinned.py);
- bad values exit non-zero with a message, and write nothing.
In a sweep (output/README.md, "Branches in a sweep"): run k is point
k / (R K), replicate k / K % R, branch k % K; the file is the same bytes for
-j 1, -j 2, merged shards and mpirun -n 2; run (point, r, k) equals `run
--branch-at DAY --branch k --replicate r` of the point on every output the
sweep keeps; the branches of one (point, replicate) share the past; the
/ensemble statistics are over replicates x branches with a (point,
replicate, branch) run view; the branch setting is part of the sweep's
identity (a journal, merge or --expand with another is refused). In compare:
replicate r branch k of every arm is one (seed, r, k), so an arm identical
to the baseline differs by nothing in every pair and one acting after DAY
agrees with it before DAY.
Nothing here compares with a number copied from a run.
"""

import filecmp
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = None
SOURCE_DIR = None
DAY = 8.0

# A scripted act at act_day that draws `draws` numbers from math.random and
# changes nothing, and one at day 12 whose effect depends on math.random.
EXTRA = """
param("act_day", 8, "day of the scripted act")
param("draws", 0, "math.random draws the act makes (nothing else)")
at(P.act_day, function(sim)
  for i = 1, P.draws do math.random() end
end)
at(12, function(sim) sim:set("lambda0", 0.01 + 0.05 * math.random()) end)
"""


def run(*args, timeout=120):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


def events(path):
    with h5py.File(path, "r") as f:
        return {k: f["events"][k][:] for k in f["events"].keys()}


def samples(path):
    """Every dataset with a leading time axis, as arrays, and the time axis."""
    out = {}
    with h5py.File(path, "r") as f:
        t = f["time"][:]
        for k, d in f.items():
            if isinstance(d, h5py.Dataset) and d.ndim >= 1 and d.shape[0] == len(t) and k != "time":
                out[k] = d[:]
    return t, out


def rows(ev, mask):
    return {k: v[mask] for k, v in ev.items() if k != "event"}


def same(a, b):
    """Arrays equal, NaN equal to NaN (byte for byte for floats)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


class Fixture(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cs_branch_")
        with open(os.path.join(SOURCE_DIR, "scenarios", "examples", "tiny.lua")) as f:
            src = f.read()
        src, n = re.subn(r"days = \d+", "days = 20", src, count=1)
        self.assertEqual(n, 1)
        with open(self.p("tiny.lua"), "w") as f:
            f.write(src + EXTRA)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def p(self, name):
        return os.path.join(self.dir, name)

    def run_ok(self, *args):
        r = run("run", self.p("tiny.lua"), "--quiet", "--seed", "5", "--set", "verbose=false", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r


class PastAndFuturesTest(Fixture):
    K = 3

    def setUp(self):
        super().setUp()
        self.run_ok("-o", self.p("plain.h5"))
        self.run_ok("-o", self.p("br.h5"), "--branch-at", str(DAY), "--branches", str(self.K))
        self.files = [self.p("br-b%d.h5" % k) for k in range(self.K)]

    def test_files_and_coordinates(self):
        self.assertEqual(sorted(glob.glob(self.p("br*.h5"))), sorted(self.files))
        for k, path in enumerate(self.files):
            with h5py.File(path, "r") as f:
                self.assertEqual(int(f["branch"][()]), k)
                self.assertEqual(int(f.attrs["branch"]), k)
                self.assertEqual(float(f.attrs["branch_at"]), DAY)
                self.assertIn("branch", f["city_displaced"].attrs["coordinates"].split())
        with h5py.File(self.p("plain.h5"), "r") as f:
            self.assertNotIn("branch", f)
            self.assertNotIn("branch_at", f.attrs)
            self.assertNotIn("branch", f["city_displaced"].attrs["coordinates"].split())

    def test_past_identical(self):
        ev0 = events(self.p("plain.h5"))
        t0, s0 = samples(self.p("plain.h5"))
        self.assertGreater((ev0["time"] <= DAY).sum(), 10, "the past should have events to compare")
        for path in self.files:
            ev = events(path)
            m0, m = ev0["time"] <= DAY, ev["time"] <= DAY
            a, b = rows(ev0, m0), rows(ev, m)
            for col in a:
                self.assertTrue(same(a[col], b[col]), "%s: events/%s before day %g" % (path, col, DAY))
            t, s = samples(path)
            self.assertTrue(same(t, t0))
            past = t0 <= DAY
            for var in s0:
                self.assertTrue(same(s0[var][past], s[var][past]), "%s: %s up to day %g" % (path, var, DAY))

    def test_futures_differ(self):
        evs = [events(p) for p in self.files]
        fut = [rows(ev, ev["time"] > DAY) for ev in evs]
        for i in range(self.K):
            self.assertGreater(len(fut[i]["time"]), 10, "the future should have events")
            for j in range(i):
                self.assertFalse(same(fut[i]["time"], fut[j]["time"]),
                                 "branches %d and %d have the same future" % (i, j))
        # the pending clocks were redrawn: the first three events after DAY are not
        # the ones every branch inherited from the past
        firsts = [tuple(f["time"][:3]) for f in fut]
        self.assertEqual(len(set(firsts)), self.K, firsts)
        # and branch futures are not the plain run's
        plain = events(self.p("plain.h5"))
        pf = rows(plain, plain["time"] > DAY)
        for f in fut:
            self.assertFalse(same(f["time"], pf["time"]))

    def test_branch_k_reproducible(self):
        k = self.K - 1
        self.run_ok("-o", self.p("one.h5"), "--branch-at", str(DAY), "--branch", str(k))
        with h5py.File(self.p("one.h5"), "r") as a, h5py.File(self.files[k], "r") as b:
            names = []
            a.visit(lambda n: names.append(n) if isinstance(a[n], h5py.Dataset) else None)
            self.assertGreater(len(names), 20)
            for n in names:
                if a[n].dtype.kind in "OSU" or a[n].dtype.names:
                    continue
                self.assertTrue(same(a[n][()], b[n][()]), n)
            self.assertEqual(int(a["branch"][()]), k)


class PairedInterventionTest(Fixture):
    def test_state_not_draws(self):
        # An act at DAY that only draws from math.random: in each branch the
        # future is the one without the draws (the streams are re-keyed from
        # (seed, replicate, entity, purpose, branch), not from their position).
        for k in (0, 1):
            a, b = self.p("a%d.h5" % k), self.p("b%d.h5" % k)
            self.run_ok("-o", a, "--branch-at", str(DAY), "--branch", str(k), "--set", "draws=0")
            self.run_ok("-o", b, "--branch-at", str(DAY), "--branch", str(k), "--set", "draws=7")
            ea, eb = events(a), events(b)
            for col in ea:
                self.assertTrue(same(ea[col], eb[col]), "branch %d: events/%s" % (k, col))
            ta, sa = samples(a)
            tb, sb = samples(b)
            for var in sa:
                self.assertTrue(same(sa[var], sb[var]), "branch %d: %s" % (k, var))
        # without branching the draws do change the future (so the test can fail)
        self.run_ok("-o", self.p("pa.h5"), "--set", "draws=0")
        self.run_ok("-o", self.p("pb.h5"), "--set", "draws=7")
        ea, eb = events(self.p("pa.h5")), events(self.p("pb.h5"))
        self.assertFalse(same(ea["time"], eb["time"]), "math.random's draws should matter without a branch")

    def test_recall_at_day(self):
        # A real intervention at DAY: each branch's arms agree before DAY.
        for k in (0, 1):
            a, b = self.p("r%d.h5" % k), self.p("s%d.h5" % k)
            self.run_ok("-o", a, "--branch-at", str(DAY), "--branch", str(k), "--set", "recall_day=%g" % DAY,
                        "--set", "recall_officers=0")
            self.run_ok("-o", b, "--branch-at", str(DAY), "--branch", str(k), "--set", "recall_day=%g" % DAY,
                        "--set", "recall_officers=300")
            ea, eb = events(a), events(b)
            pa, pb = rows(ea, ea["time"] < DAY), rows(eb, eb["time"] < DAY)
            for col in pa:
                self.assertTrue(same(pa[col], pb[col]), "branch %d: events/%s before day %g" % (k, col, DAY))
            fa, fb = rows(ea, ea["time"] > DAY), rows(eb, eb["time"] > DAY)
            self.assertFalse(same(fa["time"], fb["time"]), "the recall changed nothing in branch %d" % k)


class BadInputTest(Fixture):
    def test_refused(self):
        cases = [
            (["--branch-at", "-1"], "--branch-at"),
            (["--branch-at", "20"], "branch day"),       # the horizon: no future
            (["--branch-at", "1e9"], "branch day"),
            (["--branch-at", "nan"], "--branch-at"),
            (["--branch-at", "x"], "--branch-at"),
            (["--branch-at", "5", "--branches", "0"], "--branches"),
            (["--branch-at", "5", "--branches", "10001"], "--branches"),   # one past the limit
            (["--branch-at", "5", "--branch", "10000"], "--branch"),       # branches 0 .. 9999
            (["--branch-at", "5", "--branches", "-3"], "--branches"),
            (["--branches", "3"], "needs --branch-at"),
            (["--branch", "1"], "needs --branch-at"),
            (["--branch-at", "5", "--branches", "2", "--branch", "1"], "not both"),
        ]
        for args, msg in cases:
            out = self.p("bad.h5")
            r = run("run", self.p("tiny.lua"), "--quiet", "-o", out, *args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(msg, r.stderr, args)
            self.assertEqual(glob.glob(self.p("bad*")), [], args)

    def test_long_output_path(self):
        # a branch file's name is the whole -o path plus -b<k>: never a shortened one
        # (which could name another file); past what fits, refused before running
        d = os.path.join(self.dir, "x" * 200, "y" * 200, "z" * 150)
        os.makedirs(d)
        out = os.path.join(d, "run.h5")
        self.run_ok("-o", out, "--branch-at", "5", "--branches", "1")
        self.assertEqual(os.listdir(d), ["run-b0.h5"])
        too_long = os.path.join(d, "w" * 200, "v" * 200) * 10 + ".h5"
        r = run("run", self.p("tiny.lua"), "--quiet", "-o", too_long, "--branch-at", "5", "--branches", "1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("too long", r.stderr)
        self.assertEqual(sorted(os.listdir(d)), ["run-b0.h5"])

    def test_help(self):
        r = run("run", "--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--branch-at", "--branches", "--branch B"):
            self.assertIn(opt, r.stdout)


SWEEP = """
sweep {
  scenario = "tiny.lua",
  seed = 11,
  replicates = %(reps)d,
  parameters = { { "recall_day", grid = { 2, 15 } } },
  metrics = { "displaced_final", "civilian_deaths_final", "clashes_all" },
  keep_trajectories = { "residents", "owner", "displaced_origin" },
  set = { verbose = false },
  ensemble = true,
}
"""


class SweepFixture(Fixture):
    R, K = 2, 3

    def setUp(self):
        super().setUp()
        self.write_sweep("sweep.lua", self.R)

    def write_sweep(self, name, reps, text=SWEEP):
        with open(self.p(name), "w") as f:
            f.write(text % {"reps": reps})

    def sweep(self, out, *extra, name="sweep.lua", ok=True):
        r = run("sweep", self.p(name), "-o", self.p(out), "--quiet", *extra)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def branched(self, out, *extra, k=None, day=DAY, **kw):
        return self.sweep(out, "--branch-at", str(day), "--branches", str(k or self.K), *extra, **kw)


class SweepBranchTest(SweepFixture):
    def test_same_file_for_any_split(self):
        self.branched("j1.h5", "-j", "1")
        self.branched("j2.h5", "-j", "2")
        for i in range(3):
            self.branched("s%d.h5" % i, "--shard", "%d/3" % i, "-j", "2")
        r = run("merge", self.p("s2.h5"), self.p("s0.h5"), self.p("s1.h5"), "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        for other in ("j2.h5", "merged.h5"):
            self.assertTrue(filecmp.cmp(self.p("j1.h5"), self.p(other), shallow=False), other)
        with h5py.File(self.p("j1.h5"), "r") as f, h5py.File(self.p("s1.h5"), "r") as s:
            self.assertEqual(float(s.attrs["branch_at"]), DAY)
            self.assertEqual(int(s.attrs["branches"]), self.K)
            self.assertNotIn("ensemble", s)  # shards have none; merge wrote it
            self.assertTrue(same(s["outcomes"][:], f["outcomes"][:][1::3]))

    def test_same_file_under_mpirun(self):
        v = run("--version")
        mpirun = shutil.which("mpirun")
        if "MPI: built in" not in v.stdout or not mpirun:
            self.skipTest("no MPI build or no mpirun (test_sweep_mpi.py says which)")
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_rmaps_base_oversubscribe="1")
        # the sanitizer build: Open MPI leaves blocks behind at MPI_Finalize by design;
        # leaks under MPI are checked once, with Open MPI suppressed, by test_sweep_mpi.py
        env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        self.branched("j1.h5", "-j", "1")
        r = subprocess.run([mpirun, "-n", "2", BINARY, "sweep", self.p("sweep.lua"), "-o", self.p("mpi.h5"),
                            "--quiet", "--branch-at", str(DAY), "--branches", str(self.K)],
                           capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(self.p("j1.h5"), self.p("mpi.h5"), shallow=False), "mpirun -n 2 and -j 1 differ")

    def test_coordinates(self):
        self.branched("a.h5", "-j", "2")
        R, K = self.R, self.K
        with h5py.File(self.p("a.h5"), "r") as f:
            n = int(f.attrs["n_runs_total"])
            self.assertEqual(n, 2 * R * K)
            k = np.arange(n)
            self.assertTrue(same(f["run"][:], k.astype(np.uint64)))
            self.assertTrue(same(f["point"][:], (k // (R * K)).astype(np.uint64)))
            self.assertTrue(same(f["replicate"][:], (k // K % R).astype(np.uint64)))
            self.assertTrue(same(f["branch"][:], (k % K).astype(np.uint64)))
            self.assertEqual(int(f.attrs["replicates"]), R)
            d = f["design"][:, 0]
            self.assertTrue(same(d[: R * K], np.full(R * K, 2.0)))
            self.assertTrue(same(d[R * K:], np.full(R * K, 15.0)))
        ds = xr.open_dataset(self.p("a.h5"), engine="h5netcdf", phony_dims="access")
        self.assertEqual(ds.branch.dims, ("run",))
        ds.close()

    def test_runs_equal_run_and_share_the_past(self):
        self.branched("a.h5", "-j", "2")
        with h5py.File(self.p("a.h5"), "r") as f:
            pts, reps, brs = f["point"][:], f["replicate"][:], f["branch"][:]
            design, out = f["design"][:], f["outcomes"][:]
            traj = {v: f["traj_" + v][:] for v in ("residents", "owner", "displaced_origin")}
            t = f["time"][:]
        for i in range(len(pts)):
            path = self.p("r%d.h5" % i)
            r = run("run", self.p("tiny.lua"), "--quiet", "--seed", "11", "--replicate", str(reps[i]),
                    "--set", "verbose=false", "--set", "recall_day=%.17g" % design[i, 0],
                    "--branch-at", str(DAY), "--branch", str(brs[i]), "-o", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(path, "r") as g:
                for v, a in traj.items():
                    self.assertTrue(same(a[i], g[v][:].astype(np.float64)), "run %d: %s" % (i, v))
                self.assertEqual(out[i, 0], float(g["city_displaced"][-1]), "run %d: displaced_final" % i)
                self.assertEqual(out[i, 1], float(g["city_civilian_deaths"][-1]), "run %d" % i)
        # the branches of one (point, replicate) share every row up to DAY, and differ after it somewhere
        past, differ = t <= DAY, 0
        for p in set(pts.tolist()):
            for r in set(reps.tolist()):
                idx = np.where((pts == p) & (reps == r))[0]
                self.assertEqual(len(idx), self.K)
                for v, a in traj.items():
                    for j in idx[1:]:
                        self.assertTrue(same(a[idx[0]][past], a[j][past]), "point %d replicate %d %s" % (p, r, v))
                        differ += not same(a[idx[0]][~past], a[j][~past])
        self.assertGreater(differ, 0, "no branch has a future of its own")

    def test_ensemble_over_replicates_and_branches(self):
        self.branched("a.h5", "-j", "2")
        R, K = self.R, self.K
        with h5py.File(self.p("a.h5"), "r") as f:
            e = f["ensemble"]
            self.assertEqual(int(e.attrs["branches"]), K)
            self.assertEqual(e["run"].shape, (2, R, K))
            self.assertTrue(same(e["run"][:], np.arange(2 * R * K, dtype=np.uint64).reshape(2, R, K)))
            self.assertTrue(same(e["n"][:], np.full(2, R * K, dtype=np.uint64)))
            out = f["outcomes"][:]
            for p in range(2):
                rows = out[e["run"][p].ravel()]
                np.testing.assert_allclose(e["outcomes_mean"][p], rows.mean(axis=0), rtol=1e-12, atol=1e-12)
                np.testing.assert_allclose(e["outcomes_variance"][p], rows.var(axis=0, ddof=1), rtol=1e-9,
                                           atol=1e-9)
        ds = xr.open_dataset(self.p("a.h5"), group="ensemble", engine="h5netcdf", phony_dims="access")
        self.assertEqual(ds.run.dims, ("point", "replicate", "branch"))
        ds.close()

    def test_unbranched_file_has_no_branch(self):
        self.sweep("plain.h5", "-j", "2")
        with h5py.File(self.p("plain.h5"), "r") as f:
            self.assertNotIn("branch", f)
            self.assertNotIn("branch_at", f.attrs)
            self.assertEqual(f["ensemble"]["run"].ndim, 2)


class SweepBranchIdentityTest(SweepFixture):
    def test_resume_with_another_setting_refused(self):
        # the file cannot be renamed onto a directory: the runs stay in the journal
        os.mkdir(self.p("out.h5"))
        r = self.branched("out.h5", "-j", "2", ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(os.path.exists(self.p("out.h5.journal")))
        os.rmdir(self.p("out.h5"))
        with open(self.p("out.h5.journal"), "rb") as f:
            journal = f.read()
        for args in (["--branch-at", "9", "--branches", str(self.K)], ["--branch-at", str(DAY), "--branches", "2"],
                     []):
            r = self.sweep("out.h5", "-j", "2", *args, ok=False)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("--branch-at/--branches", r.stderr, args)
            self.assertFalse(os.path.exists(self.p("out.h5")), args)
            with open(self.p("out.h5.journal"), "rb") as f:
                self.assertEqual(f.read(), journal, args)
        self.branched("out.h5", "-j", "2")
        self.branched("fresh.h5", "-j", "1")
        self.assertTrue(filecmp.cmp(self.p("out.h5"), self.p("fresh.h5"), shallow=False))

    def test_merge_refuses_mixed_settings(self):
        self.branched("b0.h5", "--shard", "0/2")
        self.branched("c1.h5", "--shard", "1/2", k=2)
        self.sweep("u1.h5", "--shard", "1/2")
        for other in ("c1.h5", "u1.h5"):
            r = run("merge", self.p("b0.h5"), self.p(other), "-o", self.p("m.h5"))
            self.assertNotEqual(r.returncode, 0, other)
            self.assertIn("--branch-at/--branches must match", r.stderr, other)
            self.assertFalse(os.path.exists(self.p("m.h5")), other)

    def test_shards_of_another_setting_are_not_taken_as_written(self):
        self.sweep("x-{shard}.h5", "--shards", "2")
        self.branched("x-{shard}.h5", "--shards", "2")
        with h5py.File(self.p("x-1.h5"), "r") as f:
            self.assertEqual(int(f.attrs["branches"]), self.K)

    def test_expand(self):
        self.write_sweep("small.lua", 1)
        self.branched("small.h5", k=2, name="small.lua")
        self.branched("big.h5", "--expand", self.p("small.h5"), "-j", "2")
        self.branched("scratch.h5", "-j", "1")
        self.assertTrue(filecmp.cmp(self.p("big.h5"), self.p("scratch.h5"), shallow=False))
        for args, what in ((["--branch-at", "9", "--branches", str(self.K)], "branch"),
                           ([], "branch")):
            with open(self.p("small.h5"), "rb") as f:
                before = f.read()
            r = self.sweep("e.h5", "--expand", self.p("small.h5"), *args, ok=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(what, r.stderr)
            self.assertFalse(os.path.exists(self.p("e.h5")))
            with open(self.p("small.h5"), "rb") as f:
                self.assertEqual(f.read(), before)


class SweepBranchBadInputTest(SweepFixture):
    def test_refused(self):
        with open(self.p("sobol.lua"), "w") as f:
            f.write('sweep { scenario = "tiny.lua", seed = 1, replicates = 1, design = "sobol", samples = 4,\n'
                    '  parameters = { { "recall_day", uniform = { 2, 15 } }, { "lambda0", uniform = { 0.01, 0.05 } } },\n'
                    '  metrics = { "displaced_final" }, set = { verbose = false } }\n')
        cases = [
            ("sweep.lua", ["--branches", "3"], "needs --branch-at"),
            ("sweep.lua", ["--branch-at", "20"], "branch day"),
            ("sweep.lua", ["--branch-at", "-1"], "--branch-at"),
            ("sweep.lua", ["--branch-at", "5", "--branches", "0"], "--branches"),
            ("sweep.lua", ["--branch-at", "5", "--branch", "1"], "unknown option"),
            ("sobol.lua", ["--branch-at", "5", "--branches", "2"], "sobol"),
        ]
        for name, args, msg in cases:
            r = self.sweep("bad.h5", *args, name=name, ok=False)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(msg, r.stderr, args)
            self.assertEqual(glob.glob(self.p("bad*")), [], args)

    def test_help(self):
        for cmd in ("sweep", "compare"):
            r = run(cmd, "--help")
            self.assertEqual(r.returncode, 0)
            for opt in ("--branch-at", "--branches"):
                self.assertIn(opt, r.stdout, cmd)


class CompareBranchTest(Fixture):
    R, K = 3, 2

    def compare(self, prefix, *extra, ok=True):
        r = run("compare", "--baseline", self.p("tiny.lua"), "--set-baseline", "verbose=false",
                "--set-baseline", "recall_day=15", "--variant", "same:recall_day=15",
                "--variant", "late:recall_day=12,recall_officers=200", "--replicates", str(self.R),
                "--bootstrap", "200", "--seed", "5", "-o", self.p(prefix), *extra)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_pairs(self):
        br = ["--branch-at", str(DAY), "--branches", str(self.K)]
        r = self.compare("c1", "-j", "1", *br)
        self.assertIn("branches at day", r.stdout)
        self.compare("c2", "-j", "2", *br)
        for ext in (".h5", ".csv", ".json"):
            self.assertTrue(filecmp.cmp(self.p("c1" + ext), self.p("c2" + ext), shallow=False), ext)
        with open(self.p("c1.json")) as f:
            js = json.load(f)
        self.assertEqual(js["branches"], self.K)
        self.assertEqual(js["branch_at"], DAY)
        # the HTML report says what the means are over: R replicates x K branches
        rep = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "output", "report.py"), self.p("c1.h5"),
                              "-o", self.p("c1.html")], capture_output=True, text=True)
        self.assertEqual(rep.returncode, 0, rep.stderr)
        with open(self.p("c1.html")) as f:
            page = f.read()
        self.assertIn("%d paired replicates x %d branches from day" % (self.R, self.K), page)
        N = self.R * self.K
        with h5py.File(self.p("c1.h5"), "r") as f:
            self.assertEqual(int(f.attrs["branches"]), self.K)
            self.assertTrue(same(f["pair_replicate"][:], (np.arange(N) // self.K).astype(np.uint64)))
            self.assertTrue(same(f["pair_branch"][:], (np.arange(N) % self.K).astype(np.uint64)))
            arms = [a.decode() if isinstance(a, bytes) else a for a in f["arm"][:]]
            same_arm, late = arms.index("same"), arms.index("late")
            t = f["time"][:]
            city = {k: f[k][:] for k in ("city_displaced", "city_civilian_deaths", "city_gang_share_population")}
            vals = f["values"][:]
            diff = f["difference"][:]
        # an arm identical to the baseline: nothing differs in any pair
        self.assertTrue(np.all(diff[same_arm - 1] == 0))
        for k, a in city.items():
            self.assertTrue(same(a[0], a[same_arm]), k)
        # an arm acting after DAY: every pair agrees up to DAY, and some pair differs after it
        past, after = t <= DAY, 0
        for k, a in city.items():
            self.assertTrue(same(a[0][past], a[late][past]), k)
            after += not same(a[0][~past], a[late][~past])
        self.assertGreater(after, 0, "the late intervention changed nothing")
        # pair j of the baseline is `run --replicate j / K --branch j % K` with the same seed
        for j in range(N):
            path = self.p("run%d.h5" % j)
            rr = run("run", self.p("tiny.lua"), "--quiet", "--seed", "5", "--replicate", str(j // self.K),
                     "--set", "verbose=false", "--set", "recall_day=15", "--branch-at", str(DAY),
                     "--branch", str(j % self.K), "-o", path)
            self.assertEqual(rr.returncode, 0, rr.stderr)
            with h5py.File(path, "r") as g:
                self.assertTrue(same(city["city_displaced"][0][:, j], g["city_displaced"][:].astype(np.float64)), j)
                self.assertEqual(vals[0, j, 0], float(g["city_displaced"][-1]), j)

    def test_refused(self):
        for args, msg in ((["--branches", "2"], "needs --branch-at"), (["--branch-at", "20"], "branch day"),
                          (["--branch-at", "5", "--branches", "0"], "--branches")):
            r = self.compare("bad", *args, ok=False)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(msg, r.stderr, args)
            self.assertEqual(glob.glob(self.p("bad*")), [], args)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
