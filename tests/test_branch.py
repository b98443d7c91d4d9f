#!/usr/bin/python3
"""test_branch.py: many futures from one past (run --branch-at DAY --branches K).

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
Nothing here compares with a number copied from a run.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

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


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
