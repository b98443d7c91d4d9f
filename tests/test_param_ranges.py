"""Scenario parameters with ranges (issue 14, item 7), end to end.

param(name, default, doc, {min=, max=}) is checked at declaration, and then
--set, sim:set and a sweep's design check every value through the one model
check (cs_world_param_check): out of range or not a whole number for an
integer parameter, all four refuse with the same words. The range is written
to the run file's parameter_info.

Usage: test_param_ranges.py BINARY SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import h5py
import numpy as np

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
EXIT_SCENARIO = 3

TOWN = textwrap.dedent("""\
    scenario { name = "t", days = 4, sample_every = 1 }
    param("officers", %(default)s, "officers recalled", { min = 0, max = 1000 })
    param("share", 0.5, { min = 0 })
    param("day", 2)
    node { id = "a", residents = 1000, value = 0.5 }
    node { id = "b", residents = 2000, value = 0.5 }
    road("a", "b", 1.0)
    """)

OUT_OF_RANGE = "parameter 'officers' must be in [0, 1000], got -150"
NOT_WHOLE = "parameter 'officers' must be an integer (a whole number of at most 2^53), got 150.5"


def run(*args, cwd=None):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


class RangeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.p(name), "w") as f:
            f.write(text)
        return self.p(name)

    def town(self, extra="", default="120", name="town.lua"):
        return self.write(name, TOWN % {"default": default} + extra)

    def fails(self, args, *needles):
        r = run("run", *args, cwd=self.dir)
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertEqual([n for n in os.listdir(self.dir) if n.endswith(".h5") or ".tmp" in n], [])
        return r.stderr

    def sweep(self, params, samples=None):
        text = 'sweep { scenario = "town.lua", seed = 3, replicates = 1, %s parameters = { %s }, ' \
               'metrics = { "displaced_final" } }\n' % ("samples = %d," % samples if samples else "", params)
        return self.write("sweep.lua", text)

    def test_declaration(self):
        self.fails([self.town(default="-150"), "-o", "x.h5"], "town.lua:2:", OUT_OF_RANGE + " (the default)")
        p = self.write("bad.lua", TOWN.replace("{ min = 0 }", "{ min = 1, max = 0 }") % {"default": 1})
        self.fails([p, "-o", "x.h5"], "bad.lua:3:", "min 1 is above max 0")
        p = self.write("bad.lua", TOWN.replace("{ min = 0 }", "{ mni = 1 }") % {"default": 1})
        self.fails([p, "-o", "x.h5"], "bad.lua:3:", "mni")
        p = self.write("bad.lua", TOWN.replace('param("day", 2)', 'param("flag", true, "", { min = 0 })')
                       % {"default": 1})
        self.fails([p, "-o", "x.h5"], "bad.lua:4:", "only numbers and integers take a range")

    def test_set_and_sim_set_and_sweep_agree(self):
        town = self.town()
        for bad, words in (("-150", OUT_OF_RANGE), ("150.5", NOT_WHOLE)):
            with self.subTest(value=bad):
                self.fails([town, "--set", "officers=" + bad, "-o", "x.h5"], "--set officers=%s: %s" % (bad, words))
                p = self.town('at(1, function(sim) sim:set("officers", %s) end)\n' % bad, name="simset.lua")
                self.fails([p, "-o", "x.h5"], "simset.lua:8: sim:set: " + words)
                self.town()
                s = self.sweep('{ "officers", grid = { 100, %s } }' % bad)
                err = run("sweep", s, "-o", self.p("s.h5"), "--quiet", cwd=self.dir)
                self.assertEqual(err.returncode, EXIT_SCENARIO, err.stderr)
                self.assertIn("sweep.lua: " + words, err.stderr)
        # the same values inside the range are accepted by all three
        self.assertEqual(run("run", town, "--set", "officers=150", "-o", self.p("ok.h5")).returncode, 0)
        s = self.sweep('{ "officers", grid = { 0, 1000 } }')
        r = run("sweep", s, "-o", self.p("s.h5"), "--quiet", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_random_integer_draws_whole_numbers(self):
        self.town()
        s = self.sweep('{ "officers", uniform = { 10, 12 } }, { "day", lhs = { 1, 3 } }', samples=60)
        r = run("sweep", s, "-o", self.p("s.h5"), "--quiet", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.p("s.h5"), "r") as f:
            d = f["design"][:]
        for col in (0, 1):
            self.assertTrue(np.all(d[:, col] == np.round(d[:, col])))
        self.assertEqual(sorted(set(d[:, 0])), [10, 11, 12])  # both ends reachable
        self.assertEqual(sorted(set(d[:, 1])), [1, 2, 3])
        # lhs: each of the three integers holds a third of the strata
        self.assertEqual([int(np.sum(d[:, 1] == v)) for v in (1, 2, 3)], [20, 20, 20])
        s = self.sweep('{ "officers", uniform = { 10, 12.5 } }', samples=4)
        r = run("sweep", s, "-o", self.p("s.h5"), "--quiet", cwd=self.dir)
        self.assertEqual(r.returncode, EXIT_SCENARIO)
        self.assertIn("sweep.lua: parameter 'officers' is an integer: a uniform range needs whole-number ends", r.stderr)
        s = self.sweep('{ "officers", uniform = { 900, 1100 } }', samples=40)
        r = run("sweep", s, "-o", self.p("s.h5"), "--quiet", cwd=self.dir)
        self.assertEqual(r.returncode, EXIT_SCENARIO)
        self.assertIn("sweep.lua: parameter 'officers' must be in [0, 1000], got 1", r.stderr)

    def test_range_in_parameter_info(self):
        r = run("run", self.town(), "-o", self.p("r.h5"), "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.p("r.h5"), "r") as f:
            gi = f["parameter_info"]
            names = [n.decode() for n in gi["parameter"][:]]
            lo, hi = gi["min"][:], gi["max"][:]
            i, j, k = names.index("officers"), names.index("share"), names.index("day")
            self.assertEqual((lo[i], hi[i]), (0, 1000))
            self.assertEqual((lo[j], hi[j]), (0, np.inf))
            self.assertEqual((lo[k], hi[k]), (-np.inf, np.inf))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
