#!/usr/bin/python3
"""Every scenario shipped in scenarios/ loads and runs, conserves people, and
the Solino scenario displaces people from Solino within days of the attack.

Usage: test_scenarios.py PATH/TO/conflictsim SOURCE_DIR
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=600)


class Scenarios(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_every_scenario_runs_and_conserves(self):
        files = sorted(glob.glob(os.path.join(SRC, "scenarios", "**", "*.lua"), recursive=True))
        files = [f for f in files if os.sep + "sweeps" + os.sep not in f]
        self.assertGreaterEqual(len(files), 4)
        for path in files:
            with self.subTest(scenario=os.path.relpath(path, SRC)):
                out = os.path.join(self.tmp.name, "s.h5")
                r = run("run", path, "-o", out, "--seed", "3", "--quiet")
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out) as f:
                    people = (f["city_residents"][...] + f["city_displaced"][...]
                              + f["city_civilian_deaths"][...] + f["city_recruited"][...])
                    self.assertTrue(np.all(people == people[0]))
                os.remove(out)

    def test_solino_displaces_within_days(self):
        # The attack on Solino is on day 7 (17 Oct 2024). In every replicate at
        # least a tenth of Solino's people have left by 4 days after it. At the
        # calibrated attack rate G9 (0.7 km away) often attacks Solino on its own
        # before 17 Oct; in the replicates where nobody has fought there before
        # day 7, the flight in the 4 days after the attack is far above the
        # flight in the 4 days before it.
        path = os.path.join(SRC, "scenarios", "haiti", "solino.lua")
        share, quiet_before = [], []
        for rep in range(16):
            out = os.path.join(self.tmp.name, "sol.h5")
            r = run("run", path, "-o", out, "--seed", "1", "--replicate", str(rep), "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                nodes = [n.decode() if isinstance(n, bytes) else n for n in f["node"][...]]
                j = nodes.index("solino")
                t = f["time"][...]
                d = f["displaced_origin"][:, j]
                at = lambda day: d[np.searchsorted(t, day)]
                res0 = f["residents"][0, j]
                share.append(at(11) / res0)
                ev = f["events"]
                fought = np.any((ev["kind"][...] == 0) & (ev["node"][...] == j) & (ev["time"][...] < 7))
                if not fought:
                    quiet_before.append((at(7) - at(3), at(11) - at(7)))
        self.assertTrue(all(s >= 0.1 for s in share), share)
        self.assertGreaterEqual(len(quiet_before), 2, "too few replicates without an earlier fight at Solino")
        for b, a in quiet_before:
            self.assertGreater(a, 10 * max(b, 1), quiet_before)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
