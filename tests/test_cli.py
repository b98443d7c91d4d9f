#!/usr/bin/python3
"""End-to-end tests of `conflictsim run`: reproducibility, errors, exit codes
and the guarantee that a failed run leaves no file and destroys nothing.

Usage: test_cli.py PATH/TO/conflictsim SOURCE_DIR
"""
import filecmp
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import h5py
import numpy as np

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
TINY = os.path.join(SRC, "scenarios", "examples", "tiny.lua")

# Exit codes documented in README.md
EXIT_USAGE, EXIT_SCENARIO, EXIT_IO = 2, 3, 4

VALID = textwrap.dedent("""\
    scenario { name = "t", days = 20, sample_every = 1 }
    param("day", 3, "a day")
    node { id = "a", residents = 1000, value = 0.5 }
    node { id = "b", residents = 2000, value = 0.5 }
    road("a", "b", 1.0)
    """)


def run(*args, cwd=None):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def script(self, text, name="s.lua"):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def leftovers(self):
        return sorted(n for n in os.listdir(self.dir) if ".tmp" in n or n.endswith(".h5"))

    # --- the command line itself ---
    def test_help_and_version(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("run SCENARIO", r.stdout)
        r = run("run", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--seed", r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^conflictsim \d+\.\d+\.\d+")

    def test_usage_errors(self):
        self.assertEqual(run().returncode, EXIT_USAGE)
        self.assertEqual(run("frobnicate").returncode, EXIT_USAGE)
        self.assertEqual(run("run").returncode, EXIT_USAGE)
        r = run("run", TINY, "--seed", "-3")
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertIn("--seed", r.stderr)
        r = run("run", TINY, "--bogus")
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertIn("--bogus", r.stderr)
        r = run("run", TINY, "--set", "novalue")
        self.assertEqual(r.returncode, EXIT_USAGE)

    # --- reproducibility ---
    def test_same_seed_same_bytes_and_seeds_differ(self):
        a, b, c, d = (self.path(n) for n in ("a.h5", "b.h5", "c.h5", "d.h5"))
        for out, seed, rep in ((a, "5", "0"), (b, "5", "0"), (c, "6", "0"), (d, "5", "1")):
            r = run("run", TINY, "-o", out, "--seed", seed, "--replicate", rep, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "", "--quiet prints nothing")
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "same seed must give a byte-identical file")
        with h5py.File(a) as fa, h5py.File(c) as fc, h5py.File(d) as fd:
            self.assertFalse(np.array_equal(fa["residents"][...], fc["residents"][...]),
                             "another seed must give another history")
            self.assertFalse(np.array_equal(fa["residents"][...], fd["residents"][...]),
                             "another replicate must give another history")
        self.assertEqual(self.leftovers(), ["a.h5", "b.h5", "c.h5", "d.h5"])

    def test_default_output_and_summary(self):
        r = run("run", TINY, "--seed", "3", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.dir, "output", "tiny-s3-r0.h5")
        self.assertTrue(os.path.isfile(out))
        self.assertIn("output/tiny-s3-r0.h5", r.stdout)
        self.assertIn("displaced", r.stdout)
        self.assertNotIn("\r", r.stderr, "no progress line when stderr is not a terminal")

    def test_conservation_in_the_file(self):
        out = self.path("c.h5")
        self.assertEqual(run("run", TINY, "-o", out, "--seed", "11", "--quiet",
                             "--set", "lambda0=0.2").returncode, 0)
        with h5py.File(out) as f:
            people = (f["city_residents"][...] + f["city_displaced"][...] + f["city_civilian_deaths"][...]
                      + f["city_recruited"][...])
            self.assertTrue(np.all(people == people[0]), "people are conserved at every sample")
            self.assertTrue(np.all(f["residents"][...].sum(axis=1) == f["city_residents"][...]))
            self.assertTrue(np.all(f["displaced_origin"][...].sum(axis=1) == f["city_displaced"][...]))
            self.assertGreater(f["city_displaced"][-1], 0, "people fled: the check saw a change")

    def test_horizon_not_a_float_multiple_of_the_interval(self):
        # 17 * 0.1 is 1.7000000000000002 > 1.7: the last sample must still be
        # taken (at the horizon) and the file written.
        for days, every in ((1.7, 0.1), (0.3, 0.1), (0.7, 0.1), (2.0, 0.25), (1.0, 0.3)):
            sc = self.script(VALID.replace("days = 20, sample_every = 1",
                                           "days = %r, sample_every = %r" % (days, every)))
            out = self.path("h.h5")
            r = run("run", sc, "-o", out, "--quiet")
            self.assertEqual(r.returncode, 0, (days, every, r.stderr))
            with h5py.File(out) as f:
                t = f["time"][:]
                n = int(np.floor(days / every * (1 + 1e-12))) + 1
                self.assertEqual(len(t), n, (days, every))
                self.assertEqual(f["residents"].shape[0], n)
                self.assertTrue(np.all(np.diff(t) > 0) and t[0] == 0 and t[-1] <= days, (days, every, t))
                np.testing.assert_allclose(t, np.arange(n) * every, rtol=0, atol=1e-12)
            os.remove(out)

    def test_pairs_order_is_reproducible(self):
        # pairs() must visit booleans, then numbers ascending, then strings by bytes,
        # whatever order the keys went in: the script fails (exit 3) otherwise.
        p = self.script(VALID + textwrap.dedent("""\
            local t, want = {}, {}
            for i = 200, 1, -1 do t["k" .. i] = i end
            t[2.5] = 1; t[-7] = 1; t[10] = 1; t[true] = 1
            for _, k in ipairs({ true, -7, 2.5, 10 }) do want[#want + 1] = tostring(k) end
            local s = {}
            for i = 1, 200 do s[#s + 1] = "k" .. i end
            table.sort(s)
            for _, k in ipairs(s) do want[#want + 1] = k end
            local got = {}
            for k in pairs(t) do got[#got + 1] = tostring(k) end
            assert(table.concat(got, " ") == table.concat(want, " "), "pairs order")
            """))
        r = run("run", p, "-o", self.path("p.h5"), "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        os.remove(self.path("p.h5"))
        p = self.script(VALID + "for k in pairs({ [{}] = 1 }) do end\n", "bad.lua")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, "reproducible order")

    def test_common_random_numbers(self):
        # Paired runs share random numbers: an intervention that changes nothing
        # (recalling 0 officers, on any day) leaves every trajectory and event
        # identical; a real recall on day d leaves the event log identical before d.
        def datasets(path):
            with h5py.File(path) as f:
                d = {k: f[k][...] for k in f if isinstance(f[k], h5py.Dataset)}
                d.update({"events/" + k: f["events"][k][...] for k in f["events"]})
            return d
        runs = {}
        for name, sets in (("base", ["recall_officers=0"]),
                           ("nothing", ["recall_officers=0", "recall_day=9"]),
                           ("recall", ["recall_officers=120", "recall_day=5"])):
            out = self.path(name + ".h5")
            args = ["run", TINY, "-o", out, "--seed", "21", "--quiet", "--set", "lambda0=0.2"]
            for kv in sets:
                args += ["--set", kv]
            self.assertEqual(run(*args).returncode, 0)
            runs[name] = datasets(out)
        base, nothing, recall = runs["base"], runs["nothing"], runs["recall"]
        for k in base:
            np.testing.assert_array_equal(base[k], nothing[k], err_msg=k)
        t_b, t_r = base["events/time"], recall["events/time"]
        nb, nr = np.sum(t_b < 5), np.sum(t_r < 5)
        self.assertEqual(nb, nr)
        self.assertGreater(nb, 0, "the runs did something before the recall")
        for k in ("time", "kind", "node", "actor", "target", "deaths", "displaced"):
            np.testing.assert_array_equal(base["events/" + k][:nb], recall["events/" + k][:nr], err_msg=k)
        self.assertFalse(all(np.array_equal(base[k], recall[k]) for k in base), "the recall changed something")

    def test_set_overrides(self):
        out = self.path("s.h5")
        r = run("run", TINY, "-o", out, "--quiet", "--set", "lambda0=0.05", "--set", "recall_day=6")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            self.assertEqual(f["parameters"].attrs["lambda0"], 0.05)
            self.assertEqual(f["parameters"].attrs["recall_day"], 6)

    # --- bad input: clear error, non-zero exit, nothing written, nothing lost ---
    def assert_fails_cleanly(self, args, code, *needles):
        out = self.path("keep.h5")
        with open(out, "wb") as f:
            f.write(b"an earlier result")
        r = run("run", *args, "-o", out, "--quiet")
        self.assertEqual(r.returncode, code, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"an earlier result", "an earlier file must survive")
        self.assertEqual(self.leftovers(), ["keep.h5"], "no temporary file may be left")

    def test_unknown_and_mistyped_set(self):
        self.assert_fails_cleanly([TINY, "--set", "no_such=1"], EXIT_SCENARIO, "no_such")
        self.assert_fails_cleanly([TINY, "--set", "lambda0=fast"], EXIT_SCENARIO, "lambda0")
        self.assert_fails_cleanly([TINY, "--set", "lambda0=nan"], EXIT_SCENARIO, "lambda0")
        self.assert_fails_cleanly([TINY, "--set", "recall_day=2.5"], EXIT_SCENARIO, "recall_day")

    def test_script_errors(self):
        p = self.script(VALID + "node { id = 'c', residents = -5 }\n")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, p + ":6:")
        p = self.script(VALID + "road('a', 'nowhere', 1)\n")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, p + ":6:", "nowhere")
        p = self.script(VALID + "node { id = 'island', residents = 5 }\n")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, "not connected", "island")
        p = self.script(VALID + "this is not lua\n")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, p + ":6:")
        p = self.script(VALID + "at(P.day, function(sim) local x = nil; return x.field end)\n")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, p + ":6:")
        p = self.script(VALID + "at(2, function(sim) while true do end end)\n")
        self.assert_fails_cleanly([p], EXIT_SCENARIO, p)
        self.assert_fails_cleanly([self.path("missing.lua")], EXIT_SCENARIO, "missing.lua")
        # a timer every 1e-9 days: each callback is cheap, but the run's total budget stops it
        p = self.script(VALID + "every(1e-9, function(sim) end)\n")
        self.assert_fails_cleanly([p, "--run-budget", "10000000"], EXIT_SCENARIO, p + ":6:", "--run-budget")

    def test_interrupt_leaves_nothing(self):
        # SIGINT or SIGTERM mid-run: exit 6, no file, an earlier file intact.
        import signal
        import time
        slow = self.script(VALID.replace("days = 20", "days = 100000") +
                           "every(1, function(sim) local x = 0 for i = 1, 20000 do x = x + i end end)\n")
        # one callback that would run for an hour inside its instruction budget (each
        # comparison of two 50 MB strings is one instruction), catching every error
        stuck = self.script(VALID + "at(1, function(sim) local a, b = string.rep('x', 5e7), string.rep('x', 5e7 - 1) .. 'x'\n"
                            "  for i = 1, 1e6 do pcall(function() local _ = (a == b) end) end end)\n", "stuck.lua")
        out = self.path("keep.h5")
        for sig, scen in ((signal.SIGINT, slow), (signal.SIGTERM, slow), (signal.SIGTERM, stuck)):
            with open(out, "wb") as f:
                f.write(b"an earlier result")
            p = subprocess.Popen([EXE, "run", scen, "-o", out, "--quiet"], stderr=subprocess.PIPE, text=True)
            time.sleep(1.0)
            p.send_signal(sig)
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 6, err)
            self.assertIn("nothing was written", err)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), b"an earlier result")
            self.assertEqual(self.leftovers(), ["keep.h5"])

    def test_output_errors(self):
        r = run("run", TINY, "-o", self.dir, "--quiet")
        self.assertEqual(r.returncode, EXIT_IO, r.stderr)
        self.assertIn(self.dir, r.stderr)
        r = run("run", TINY, "-o", self.path("no/such/dir/x.h5"), "--quiet")
        self.assertEqual(r.returncode, EXIT_IO, r.stderr)



class ParamsTest(unittest.TestCase):
    """conflictsim params: what a run would use, checked against a run file."""

    def test_defaults_match_a_run_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "t.h5")
            self.assertEqual(run("run", TINY, "--quiet", "-o", out).returncode, 0)
            with h5py.File(out, "r") as f:
                names = [n.decode() for n in f["parameter_info/parameter"][...]]
                model = f["parameter_info/is_model"][...]
                want = {n for n, m in zip(names, model) if m}
        r = run("params")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = {line.split()[0] for line in r.stdout.splitlines()[1:]}
        self.assertEqual(got, want)

    def test_scenario_values_and_changed(self):
        r = run("params", TINY, "--set", "lambda0=0.05", "--set", "recall_day=6", "--changed")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()[1:]}
        self.assertEqual(rows.get("lambda0"), "0.05")
        self.assertEqual(rows.get("recall_day"), "6")
        self.assertNotIn("gamma", rows)  # at its default

    def test_bad_input(self):
        r = run("params", TINY, "--set", "lamda0=1")
        self.assertEqual(r.returncode, 3)
        self.assertIn("did you mean 'lambda0'", r.stderr)
        self.assertEqual(run("params", "--set", "a=1").returncode, 2)
        self.assertEqual(run("params", "--bogus").returncode, 2)

if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
