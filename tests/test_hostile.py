#!/usr/bin/python3
"""Hostile input to every command: each case must exit non-zero with a message
that names the file, line or field at fault, leave no output file (nor a
temporary) and leave an earlier file of the same name untouched.

Covers what test_cli.py, test_script.c and test_sweep.py do not: scripts that
spend the budget inside C (patterns), memory bombs at the command line, error
objects that are not strings, binary chunks; parameters out of range,
infinite, NaN, empty or of the wrong type, from the command line and from the
script; graphs with self-loops and duplicate names; output paths that are a
directory, unwritable, or on a full disk (RLIMIT_FSIZE in the child, SIGXFSZ
ignored) for run, sweep, merge and compare; truncated, foreign and forged
HDF5 files given to merge, and HDF5 files given as a scenario to compare.

Usage: test_hostile.py PATH/TO/conflictsim SOURCE_DIR
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import h5py

import test_cli  # same folder; reads the same argv

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
EXIT_SCENARIO, EXIT_IO, EXIT_RUNS_FAILED = 3, 4, 8
EARLIER = b"an earlier result"

VALID = test_cli.VALID  # five lines: an appended line is line 6

SWEEP = """return { scenario = "tiny.lua", seed = 1, replicates = 2, metrics = { "displaced_final" },
  parameters = { { "lambda0", grid = { 0.02, 0.03 } } }, set = { verbose = false } }
"""


def full_disk(limit):
    """preexec_fn: files may grow to `limit` bytes; a larger write fails with
    EFBIG instead of killing the process (SIGXFSZ ignored survives exec)."""
    def f():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return f


def as_nobody():
    os.setgid(65534)
    os.setuid(65534)


class Hostile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cs_hostile_")
        os.chmod(self.dir, 0o777)
        with open(os.path.join(SRC, "scenarios", "examples", "tiny.lua")) as f:
            src = f.read()
        src, n = re.subn(r"days = \d+", "days = 10", src, count=1)
        self.assertEqual(n, 1)
        self.tiny = self.write("tiny.lua", src)
        self.before = None

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def p(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text, mode="w"):
        with open(self.p(name), mode) as f:
            f.write(text)
        os.chmod(self.p(name), 0o644)
        return self.p(name)

    def run_cs(self, *args, preexec=None, timeout=120):
        return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=timeout,
                              preexec_fn=preexec, cwd=self.dir)

    def fails_cleanly(self, args, code, needles, outputs, preexec=None, kept=()):
        """Run with an earlier file at every output path; check the exit code,
        the message, that the earlier files survive and nothing else appears
        (but the names in kept)."""
        for o in outputs:
            with open(o, "wb") as f:
                f.write(EARLIER)
        before = set(os.listdir(self.dir))
        t0 = time.time()
        r = self.run_cs(*args, preexec=preexec)
        if code is None:
            self.assertNotEqual(r.returncode, 0, r.stderr)
        else:
            self.assertEqual(r.returncode, code, "%s\n%s" % (args, r.stderr))
        for n in needles:
            self.assertIn(n, r.stderr, args)
        for o in outputs:
            with open(o, "rb") as f:
                self.assertEqual(f.read(), EARLIER, "%s: the earlier %s was touched" % (args, o))
        self.assertEqual(sorted(set(os.listdir(self.dir)) - before - set(kept)), [], "%s left files behind" % (args,))
        for o in outputs:
            os.unlink(o)
        return time.time() - t0

    def script(self, text):
        return self.write("s.lua", text)

    # ---- scripts ----
    def test_scripts(self):
        out = self.p("out.h5")
        cases = [
            # the budget reaches into C: a backtracking pattern in a callback
            (VALID + "at(1, function(sim) local s = string.rep('a', 30000); return s:find('.-.-.-.-b') end)\n",
             [":6:", "string.find"]),
            (VALID + "local n = 0\nfor w in string.rep('ab', 50000):gmatch('(a-)-b-a-b') do n = n + 1 end\n",
             [":7:", "instruction budget"]),
            (VALID + "every(1, function(sim) return table.move({}, 1, 1e15, 2) end)\n", [":6:", "table.move"]),
            # table.insert / remove shift #t elements in C: a lying __len is refused
            (VALID + "at(1, function(sim) local t = setmetatable({}, { __len = function() return 1e15 end })\n"
                     "table.insert(t, 1, 5) end)\n", [":7:", "table.insert", "__len"]),
            (VALID + "local t = setmetatable({}, { __len = function() return math.maxinteger end })\n"
                     "table.remove(t, 1)\n", [":7:", "table.remove"]),
            # a memory bomb inside a callback, under a small cap
            # (Lua does not run the message handler for a memory error: no line)
            (VALID + "every(1, function(sim) local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end end)\n",
             ["not enough memory", "16777216 bytes"]),
            # a force cannot arrive on protection duty
            (VALID + "at(1, function(sim) sim:add_force{ id = 'e', kind = 'protection', officers = 5, at = 'a' } end)\n",
             [":6:", "cannot be of kind 'protection'"]),
            # an error object that is not a string
            (VALID + "every(1, function(sim) error({ code = 1 }) end)\n", [":6:", "table value"]),
            (VALID + "on('takeover', function(sim, ev) end)\nwhen(function() error('in a condition') end, "
                     "function() end)\nevery(1, function(sim) sim:log('x') end)\n", ["in a condition"]),
            # escapes
            (VALID + "local f = load(string.dump and string.dump(print) or '\\27Lua')\nassert(f, 'no binary')\n",
             [":7:", "no binary"]),
            (VALID + "getmetatable('').__index.rep = nil\nlocal x = ('a'):rep(2)\n", [":7:"]),
            (VALID + "local g = load('return _ENV')()\nassert(g.io or g.os or g.debug or g.package, 'sealed')\n",
             [":7:", "sealed"]),
            (VALID + "setmetatable(_G, { __index = function(t, k) return rawget(t, k) end })\nos.exit(1)\n",
             [":7:", "os"]),
        ]
        for text, needles in cases:
            p = self.script(text)
            elapsed = self.fails_cleanly(["run", p, "-o", out, "--quiet", "--mem-limit", "16"], EXIT_SCENARIO,
                                         [p] + needles, [out])
            self.assertLess(elapsed, 60, text)  # budgets, not the test's timeout, stopped it
        # a binary chunk as the scenario file
        p = self.write("bin.lua", b"\x1bLuaT\x00\x19\x93\r\n\x1a\n\x04\x08\x08", "wb")
        self.fails_cleanly(["run", p, "-o", out, "--quiet"], EXIT_SCENARIO, [p, "binary"], [out])
        # a world whose (gang, neighbourhood) tables would pass the memory cap
        p = self.script('scenario { name = "big", days = 2 }\n'
                        'for i = 1, 2000 do node { id = "n" .. i, x = i, y = 0 } end\n'
                        'for i = 1, 1999 do road("n" .. i, "n" .. (i + 1), 1) end\n'
                        'for g = 1, 500 do gang { id = "g" .. g, members = 1, base = "n" .. g } end\n')
        self.fails_cleanly(["run", p, "-o", out, "--quiet", "--mem-limit", "16"], EXIT_SCENARIO,
                           [p, "2000 neighbourhoods and 500 gangs", "--mem-limit"], [out])
        # a run whose trajectories alone would be terabytes
        p = self.script('scenario { name = "long", days = 1e6, sample_every = 0.1 }\n'
                        'for i = 1, 2000 do node { id = "n" .. i, x = i, y = 0 } end\n'
                        'for i = 1, 1999 do road("n" .. i, "n" .. (i + 1), 1) end\n')
        self.fails_cleanly(["run", p, "-o", out, "--quiet"], EXIT_SCENARIO, [p, "raise sample_every"], [out])
        # not a regular file: a device that never ends, a directory
        self.fails_cleanly(["run", "/dev/zero", "-o", out, "--quiet"], EXIT_SCENARIO, ["/dev/zero", "not a regular file"], [out])
        self.fails_cleanly(["run", self.dir, "-o", out, "--quiet"], EXIT_SCENARIO, ["directory"], [out])
        fifo = self.p("fifo.lua")  # opening a FIFO for reading would wait for a writer
        os.mkfifo(fifo)
        self.fails_cleanly(["run", fifo, "-o", out, "--quiet"], EXIT_SCENARIO, ["fifo.lua", "not a regular file"], [out])
        os.unlink(fifo)
        sw = self.write("swz.lua", SWEEP.replace('"tiny.lua"', '"/dev/zero"'))
        self.fails_cleanly(["sweep", sw, "-o", out, "--quiet", "-j", "1"], EXIT_SCENARIO, ["/dev/zero", "not a regular file"], [out])
        # an HDF5 file given as a scenario
        r = self.run_cs("run", self.tiny, "-o", self.p("real.h5"), "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.fails_cleanly(["run", self.p("real.h5"), "-o", out, "--quiet"], EXIT_SCENARIO, ["real.h5"], [out])

    # ---- parameters ----
    def test_parameters(self):
        out = self.p("out.h5")
        p = self.script(VALID)
        for bad in ["lambda0=-1", "lambda0=inf", "lambda0=-inf", "lambda0=1e999", "lambda0=nan", "lambda0=",
                    "lambda0=0.5x", "lambda0=true", "day=abc", "day=inf", "day=1e300", "day=nan",
                    "engagement_state=bogus", "engagement_state=", "no_such_param=1", "verbose=1"]:
            name = bad.split("=")[0]
            self.fails_cleanly(["run", p, "-o", out, "--quiet", "--set", bad], EXIT_SCENARIO, [name], [out])
        # the same from inside the script: file:line and the field
        for line, field in [("model { lambda0 = 0/0 }", "lambda0"), ("model { lambda0 = 1/0 }", "lambda0"),
                            ("model { lambda0 = 'fast' }", "lambda0"), ("model { nonsense = 1 }", "nonsense"),
                            ("node { id = 'c', residents = 1/0 }", "residents"),
                            ("node { id = 'c', value = 0/0 }", "value"),
                            ("node { id = 'c', x = 1/0 }", "c"),
                            ("node { id = 'c', residents = 'many' }", "residents"),
                            ("param('day', 4, 'again')", "day")]:
            s = self.script(VALID + line + "\n")
            self.fails_cleanly(["run", s, "-o", out, "--quiet"], EXIT_SCENARIO, [s + ":6:", field], [out])
        for head in ("scenario { days = 0/0 }", "scenario { days = -1 }", "scenario { days = 1e300 }",
                     "scenario { days = 10, sample_every = 0 }", "scenario { days = 10, start = '2024-13-45' }"):
            s = self.script(VALID.replace('scenario { name = "t", days = 20, sample_every = 1 }', head))
            field = "start" if "start" in head else "sample_every" if "sample_every" in head else "days"
            self.fails_cleanly(["run", s, "-o", out, "--quiet"], EXIT_SCENARIO, [s + ":1:", field], [out])

    # ---- graphs ----
    def test_graphs(self):
        out = self.p("out.h5")
        for line, needles in [("road('a', 'a', 1)", ["'a'", "two different nodes"]),
                              ("node { id = 'a', residents = 5 }", ["duplicate", "'a'"]),
                              ("road('b', 'a', 2)", ["duplicate", "'a'"]),
                              ("road('a', 'b', 0)", ["distance"]),
                              ("road('a', 'b', 0/0)", ["distance"]),
                              ("gang { id = 'g', members = 10, base = 'a' }\n"
                               "gang { id = 'g', members = 10, base = 'b' }", ["duplicate", "'g'"]),
                              ("gang { id = 'g', members = 10, base = 'nowhere' }", ["nowhere"]),
                              ("gang { id = 'g', members = 10, base = 'a' }\nrivals('g', 'g')", ["'g'", "own rival"]),
                              ("gang { id = 'g', members = 10, base = 'a' }\nrivals('g', 'nobody')",
                               ["rivals('g', 'nobody')", "nobody"]),
                              ("gang { id = 'g', members = 10, base = 'a' }\nrivals('g')", ["rivals"]),
                              ("unit { id = 'u', kind = 'police', officers = 5, at = 'a' }\n"
                               "unit { id = 'u', kind = 'police', officers = 5, at = 'b' }", ["duplicate", "'u'"])]:
            s = self.script(VALID + line + "\n")
            self.fails_cleanly(["run", s, "-o", out, "--quiet"], EXIT_SCENARIO, [s + ":"] + needles, [out])
        s = self.script(VALID + "node { id = 'island', residents = 5 }\n")
        self.fails_cleanly(["run", s, "-o", out, "--quiet"], EXIT_SCENARIO, ["not connected", "island"], [out])

    # ---- output paths ----
    def test_output_is_a_directory(self):
        os.mkdir(self.p("d.h5"))
        r = self.run_cs("run", self.tiny, "-o", self.p("d.h5"), "--quiet")
        self.assertEqual(r.returncode, EXIT_IO, r.stderr)
        self.assertIn("d.h5", r.stderr)
        self.assertEqual(os.listdir(self.p("d.h5")), [])
        sw = self.write("sw.lua", SWEEP)
        r = self.run_cs("sweep", sw, "-o", self.p("d.h5"), "--quiet", "-j", "1")
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("d.h5", r.stderr)
        # the runs are kept in the journal, so that a retry with a good path resumes
        self.assertEqual(sorted(os.listdir(self.dir)), ["d.h5", "d.h5.journal", "sw.lua", "tiny.lua"])
        r = self.run_cs("sweep", sw, "-o", self.p("good.h5"), "--quiet", "-j", "1")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_unwritable(self):
        # as root, permissions do not bind: the command runs as nobody
        ro = self.p("ro")
        os.mkdir(ro)
        out = os.path.join(ro, "out.h5")
        with open(out, "wb") as f:
            f.write(EARLIER)
        os.chmod(ro, 0o555)
        pre = as_nobody if os.geteuid() == 0 else None
        for args in (["run", self.tiny, "-o", out, "--quiet"],
                     ["sweep", self.write("sw.lua", SWEEP), "-o", out, "--quiet", "-j", "1"],
                     ["compare", "--baseline", self.tiny, "--variant", "lambda0=0.03", "--replicates", "2",
                      "-j", "1", "--bootstrap", "200", "-o", os.path.join(ro, "out"), "--quiet"]):
            r = self.run_cs(*args, preexec=pre)
            self.assertNotEqual(r.returncode, 0, r.stderr)
            self.assertIn(ro, r.stderr, args)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), EARLIER)
            self.assertEqual(os.listdir(ro), ["out.h5"], args)

    def test_full_disk(self):
        out = self.p("out.h5")
        # the run file of the tiny scenario is far larger than 64 KiB
        self.fails_cleanly(["run", self.tiny, "-o", out, "--quiet"], EXIT_IO, [out], [out],
                           preexec=full_disk(64 << 10))
        sw = self.write("sw.lua", SWEEP)
        # a sweep keeps the runs it finished in its journal, for a retry to resume
        self.fails_cleanly(["sweep", sw, "-o", out, "--quiet", "-j", "1"], None, ["out.h5"], [out],
                           preexec=full_disk(4 << 10), kept=["out.h5.journal"])
        prefix = self.p("cmp")
        self.fails_cleanly(["compare", "--baseline", self.tiny, "--variant", "lambda0=0.03", "--replicates", "2",
                            "-j", "1", "--bootstrap", "200", "-o", prefix, "--quiet"], None, ["cmp"],
                           [prefix + ".csv", prefix + ".json", prefix + ".h5"], preexec=full_disk(1 << 10))
        # validate's table is written at the end: the write itself fails here
        table = self.p("table.csv")
        targets = self.write("tiny_targets.lua", 'targets { { name = "s", statistic = gang_share { date = '
                             '"2024-10-20" }, observed = 0.5, interval = { 0, 1 } } }\n')
        self.fails_cleanly(["validate", self.tiny, "--targets", targets, "--replicates", "1", "-o", table, "--quiet"],
                           EXIT_IO,
                           ["table.csv"], [table], preexec=full_disk(100))

    # ---- files given to merge and compare ----
    def test_foreign_files(self):
        sw = self.write("sw.lua", SWEEP)
        for i in range(2):
            r = self.run_cs("sweep", sw, "-o", self.p("s%d.h5" % i), "--shard", "%d/2" % i, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
        out = self.p("merged.h5")
        with open(self.p("s1.h5"), "rb") as f:
            whole = f.read()
        # truncated at several points, including inside the superblock
        for cut in (0, 8, 100, len(whole) // 3, len(whole) - 1):
            self.write("t.h5", whole[:cut], "wb")
            self.fails_cleanly(["merge", self.p("s0.h5"), self.p("t.h5"), "-o", out], None, ["t.h5"], [out])
        # a valid HDF5 file that claims to be a shard but holds nothing
        with h5py.File(self.p("forged.h5"), "w") as f:
            f.attrs["file_kind"] = "conflictsim sweep"
            with h5py.File(self.p("s1.h5"), "r") as g:
                for k in ("sweep_sha256", "sweep_source", "sweep_path", "scenario_sha256", "shard_index",
                          "shard_count", "n_runs_total"):
                    f.attrs[k] = g.attrs[k]
        self.fails_cleanly(["merge", self.p("s0.h5"), self.p("forged.h5"), "-o", out], None, ["forged.h5"], [out])
        # a shard whose outcomes have the wrong shape
        shutil.copy(self.p("s1.h5"), self.p("shape.h5"))
        with h5py.File(self.p("shape.h5"), "a") as f:
            del f["outcomes"]
            f["outcomes"] = [[1.0, 2.0, 3.0]]
        self.fails_cleanly(["merge", self.p("s0.h5"), self.p("shape.h5"), "-o", out], None, ["shape.h5"], [out])
        # a shard whose stored sweep text is not Lua
        shutil.copy(self.p("s0.h5"), self.p("src.h5"))
        with h5py.File(self.p("src.h5"), "a") as f:
            f.attrs["sweep_source"] = "return {{{"
        self.fails_cleanly(["merge", self.p("src.h5"), self.p("s1.h5"), "-o", out], None, ["src.h5"], [out])
        # compare given an HDF5 file (truncated, or a sweep) as a scenario
        prefix = self.p("cmp")
        for bad in (self.p("t.h5"), self.p("s0.h5")):
            self.fails_cleanly(["compare", "--baseline", bad, "--variant", "lambda0=0.03", "--replicates", "2",
                                "-j", "1", "-o", prefix, "--quiet"], EXIT_SCENARIO, [os.path.basename(bad)],
                               [prefix + ".csv", prefix + ".json", prefix + ".h5"])
            self.fails_cleanly(["compare", "--baseline", self.tiny, "--variant", "v:" + bad, "--replicates", "2",
                                "-j", "1", "-o", prefix, "--quiet"], EXIT_SCENARIO, [os.path.basename(bad)],
                               [prefix + ".csv", prefix + ".json", prefix + ".h5"])

    # ---- sweep specs ----
    def test_sweep_spec_with_metamethods(self):
        # The sweep table is read raw: a __len that lies or grows the table while
        # it is read must neither crash the loader nor change what it reads.
        out = self.p("out.h5")
        for mt in ("{ __len = function() return -1 end }",
                   "{ __len = function(t) for i = 1, 200 do rawset(t, 'f' .. i, function() return 1 end) end "
                   "return 1 end }",
                   "{ __index = function() error('never read') end }"):
            spec = ("local m = setmetatable({ 'displaced_final', a = function() return 1 end }, %s)\n"
                    "return { scenario = 'tiny.lua', replicates = 1, metrics = m, set = { verbose = false } }\n" % mt)
            sw = self.write("sw.lua", spec)
            r = self.run_cs("sweep", sw, "-o", out, "--quiet", "-j", "1")
            self.assertEqual(r.returncode, 0, r.stderr)  # read raw, these tables are plain lists
            with h5py.File(out) as f:
                names = [x.decode() if isinstance(x, bytes) else x for x in f["metric"][:]]
            # what the raw table holds when the sweep file has run: no __len call added anything
            self.assertEqual(names, ["displaced_final", "a"], mt)
            os.unlink(out)

    def test_metric_cannot_change_the_final_state(self):
        # A scenario keeps the sim object in a global; a sweep metric then tries to
        # change the world after the run: refused, naming the method.
        with open(self.tiny) as f:
            src = f.read()
        self.write("stash.lua", src + "\nat(1, function(sim) SIM = sim end)\n")
        out = self.p("out.h5")
        for call, name in (("SIM:set('lambda0', 1)", "sim:set"), ("SIM:set_capacity('centre', 5)", "sim:set_capacity"),
                           ("SIM:announce(10)", "sim:announce"), ("at(20, print)", "at"),
                           ("on('takeover', print)", "on")):
            spec = ("return { scenario = 'stash.lua', replicates = 1, set = { verbose = false }, metrics = {\n"
                    "  m = function(sim) if SIM then %s end return 1 end } }\n" % call)
            sw = self.write("sw.lua", spec)
            # the run fails (its metric's error); the sweep records it in the
            # file and exits 8, the world after the run untouched by the call
            r = self.run_cs("sweep", sw, "-o", out, "--quiet", "-j", "1")
            self.assertEqual(r.returncode, EXIT_RUNS_FAILED, r.stderr)
            self.assertIn(name + ": the run has ended", r.stderr)
            with h5py.File(out, "r") as f:
                self.assertEqual(f["run_status"][:].tolist(), [1])
                self.assertIn(name + ": the run has ended", f["run_error"][0].decode())
            self.assertFalse(os.path.exists(out + ".journal"))
            os.unlink(out)

    def test_sweep_specs(self):
        out = self.p("out.h5")
        for spec, needles in [
                (SWEEP.replace("0.02, 0.03", "0.02, 0/0"), ["lambda0"]),
                (SWEEP.replace("0.02, 0.03", "0.02, -5"), ["lambda0"]),
                (SWEEP.replace("grid = { 0.02, 0.03 }", "uniform = { 0.05, 0.01 }"), ["lambda0"]),
                (SWEEP.replace("grid = { 0.02, 0.03 }", "loguniform = { 0, 0.01 }"), ["lambda0"]),
                (SWEEP.replace("replicates = 2", "replicates = 0"), ["replicates"]),
                (SWEEP.replace("replicates = 2", "replicates = 1e300"), ["replicates"]),
                (SWEEP.replace('"displaced_final"', '"no_such_metric"'), ["no_such_metric"]),
                (SWEEP.replace('"displaced_final"', '"fall_time:nowhere"'), ["nowhere"]),
                (SWEEP.replace('"tiny.lua"', '"missing.lua"'), ["missing.lua", "cannot open"]),
                (SWEEP.replace('"tiny.lua"', '"sw.lua"'), []),
                (SWEEP.replace("verbose = false", "verbose = {}"), ["verbose"]),
                ("return 42\n", []),
                (SWEEP.replace("grid = { 0.02, 0.03 }", "uniform = { 0.01, 0.05 }").replace(
                    "replicates = 2", "replicates = 2, samples = 100000000"), ["samples", "design"]),
                ("local s = string.rep('a', 30000)\nreturn s:find('.-.-.-.-b')\n", ["string.find"]),
                # a metric whose own table.insert would run for hours
                (SWEEP.replace('"displaced_final" }', '"displaced_final", m = function(sim) local t = setmetatable('
                               '{}, { __len = function() return 1e15 end }) table.insert(t, 1, 5) return 1 end }'),
                 ["table.insert"])]:
            sw = self.write("sw.lua", spec)
            if "missing.lua" not in needles:
                needles = [sw] + needles
            self.fails_cleanly(["sweep", sw, "-o", out, "--quiet", "-j", "1"], EXIT_SCENARIO, needles, [out])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
