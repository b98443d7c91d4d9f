"""Errors inside callbacks (issue 14, item 8), end to end.

An error raised while a callback runs (at, every, on, when, a sweep metric)
names the callback and the simulated day, and is followed by a short Lua
traceback; budget and memory exhaustion name them too. Load-time errors keep
their one-line form, and the exit status is unchanged (3).

Usage: test_callback_errors.py BINARY SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
EXIT_SCENARIO = 3

TOWN = textwrap.dedent("""\
    scenario { name = "t", days = 20, sample_every = 1 }
    node { id = "a", residents = 1000, value = 0.5 }
    node { id = "b", residents = 2000, value = 0.5 }
    road("a", "b", 1.0)
    local function helper(x)
      return x.field
    end
    """)  # helper's body is line 6

# a gang that takes b at once: on("takeover") fires early in the run
WAR = textwrap.dedent("""\
    scenario { name = "t", days = 30, sample_every = 1 }
    model { lambda0 = 2 }
    node { id = "a", residents = 100000, value = 0.9, owner = "g" }
    node { id = "b", residents = 20000, value = 0.9 }
    road("a", "b", 1.0)
    gang { id = "g", members = 500, base = "a" }
    """)


def run(*args, cwd=None):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


class CallbackErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def fails(self, text, *args, name="s.lua"):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)
        r = run("run", name, "-o", "x.h5", *args, cwd=self.dir)
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.h5")))
        return r.stderr

    def traceback(self, err):
        """The frames after 'traceback:', each indented by two spaces."""
        lines = err.splitlines()
        self.assertIn("traceback:", lines, err)
        frames = lines[lines.index("traceback:") + 1:]
        self.assertTrue(frames and all(f.startswith("  ") for f in frames), err)
        self.assertLessEqual(len(frames), 6)  # a few levels (and "..." past them)
        return frames

    def test_at_names_day_kind_and_traceback(self):
        err = self.fails(TOWN + "at(3.5, function(sim) helper(nil) end)\n")
        self.assertIn("conflictsim: s.lua:6: attempt to index a nil value (local 'x') (callback at(3.5) at day 3.50)",
                      err)
        frames = self.traceback(err)
        self.assertTrue(frames[0].startswith("  s.lua:6:"), err)  # innermost first, path as given
        self.assertTrue(any(f.startswith("  s.lua:8:") for f in frames), err)
        self.assertNotIn(self.dir, err)  # paths stay relative

    def test_every_on_when(self):
        err = self.fails(TOWN + "every(2, function(sim) if sim:time() > 5 then helper(nil) end end)\n")
        self.assertIn("(callback every(2) at day 6.00)", err)
        self.traceback(err)
        err = self.fails(WAR + "on('takeover', function(sim, ev) local t = nil; return t.x end)\n")
        m = re.search(r"s\.lua:7: attempt to index a nil value \(local 't'\) \(callback on\(\"takeover\"\) at day "
                      r"(\d+\.\d\d)\)", err)
        self.assertTrue(m, err)
        self.traceback(err)
        err = self.fails(WAR + "when(function(sim, ev) return ev.kind == 'takeover' end, "
                               "function(sim, ev) error('boom') end)\n")
        self.assertRegex(err, r"s\.lua:7: boom \(callback when\(\) action on \"takeover\" at day \d+\.\d\d\)")
        err = self.fails(WAR + "when(function(sim, ev) return ev.nothing.x end, function() end)\n")
        self.assertRegex(err, r"s\.lua:7: .* \(callback when\(\) condition on \"\w+\" at day \d+\.\d\d\)")

    def test_budget_and_memory(self):
        err = self.fails(TOWN + "every(2, function(sim) if sim:time() > 5 then while true do end end end)\n")
        self.assertIn("s.lua:8: instruction budget of 10000000 exhausted (callback every(2) at day 6.00)", err)
        err = self.fails(TOWN + "at(4, function(sim) local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end end)\n",
                         "--mem-limit", "8", "--callback-budget", "100000000000")
        self.assertIn("not enough memory (the scenario's limit is 8388608 bytes) (callback at(4) at day 4.00)", err)

    def test_load_errors_unchanged(self):
        err = self.fails(TOWN + "helper(nil)\n")
        self.assertEqual(err.strip(), "conflictsim: s.lua:6: attempt to index a nil value (local 'x')"
                         if err.startswith("conflictsim:") else "s.lua:6: attempt to index a nil value (local 'x')")
        self.assertNotIn("traceback", err)
        self.assertNotIn("callback", err)

    def test_sweep_metric(self):
        with open(os.path.join(self.dir, "town.lua"), "w") as f:
            f.write(TOWN)
        with open(os.path.join(self.dir, "sw.lua"), "w") as f:
            f.write('sweep { scenario = "town.lua", seed = 1, replicates = 1,\n'
                    '  parameters = { { "lambda0", grid = { 0.01 } } },\n'
                    '  metrics = { "displaced_final", bad = function(sim) return sim.nothing.x end } }\n')
        r = run("sweep", "sw.lua", "-o", "sw.h5", "--quiet", cwd=self.dir)
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        self.assertIn("metric 'bad'", r.stderr)
        self.assertRegex(r.stderr, r"\(callback sweep metric at day 0\.00\)")
        self.traceback(r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
