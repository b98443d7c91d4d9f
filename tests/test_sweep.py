"""test_sweep.py: `conflictsim sweep` and `conflictsim merge`.

Usage: /usr/bin/python3 tests/test_sweep.py <conflictsim-binary> <source-dir>

A small sweep over scenarios/examples/tiny.lua (copied with a shorter horizon)
must give the same file, byte for byte, with -j 1, -j 2 and as 3 shards
merged; a sweep killed with SIGKILL after some runs and started again must
give the same file as an uninterrupted one; merge must refuse a shard of
another sweep file and a file that is not a shard; an LHS design has exactly
one point per stratum per parameter; xarray reads the file with named
dimensions; metrics written as Lua functions of the final state agree with
the trajectories in the same file, are the same for any split, and a broken
one is reported with the sweep file, the metric and the line; a run that
fails by its own fault is recorded (journal and file) while the others
complete, with exit status 8, the same bytes for any split, and a resume
does not run it again; started by srun as one of several tasks without MPI
(every task would be rank 0) it refuses and writes nothing. Expectations
follow from the documented rules (output/README.md, "The sweep file",
"Failed runs"), not from numbers copied from a run.
"""

import filecmp
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = None
SOURCE_DIR = None

SWEEP = """
sweep {
  scenario = "tiny.lua",
  seed = 11,
  replicates = %(reps)d,
  samples = 4,
  parameters = {
    { "recall_day", grid = { 2, 5 } },
    { "lambda0", lhs = { 0.01, 0.05 } },
    { "recall_officers", uniform = { 50, 250 } },
  },
  metrics = { "displaced_final", "displaced_integral", "civilian_deaths_final",
              "gang_share_population_final", "gang_share_nodes_integral", "nodes_lost",
              "clashes_gang_gang", "clashes_gang_state", "fall_time:centre" },
  keep_trajectories = %(traj)s,
  set = { verbose = false },
}
"""


def run(*args, timeout=120):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


class SweepFixture(unittest.TestCase):
    """A temporary folder holding tiny.lua cut to 10 days and sweep.lua made
    from the class's SWEEP text (test_sweep_mpi.py uses it too)."""
    SWEEP = SWEEP

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cs_sweep_")
        with open(os.path.join(SOURCE_DIR, "scenarios", "examples", "tiny.lua")) as f:
            src = f.read()
        src, n = re.subn(r"days = \d+", "days = 10", src, count=1)
        self.assertEqual(n, 1)
        with open(self.p("tiny.lua"), "w") as f:
            f.write(src)
        self.write_sweep("sweep.lua", reps=3, traj='{ "residents", "owner" }')

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def p(self, name):
        return os.path.join(self.dir, name)

    def write_sweep(self, name, reps, traj, extra=""):
        with open(self.p(name), "w") as f:
            f.write(self.SWEEP % {"reps": reps, "traj": traj} + extra)

    def sweep(self, name, out, *extra):
        r = run("sweep", self.p(name), "-o", self.p(out), "--quiet", *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.p(out)


class SweepTest(SweepFixture):

    def test_same_file_for_any_split(self):
        a = self.sweep("sweep.lua", "j1.h5", "-j", "1")
        b = self.sweep("sweep.lua", "j2.h5", "-j", "2")
        shards = [self.sweep("sweep.lua", "s%d.h5" % i, "--shard", "%d/3" % i, "-j", "2") for i in range(3)]
        r = run("merge", shards[2], shards[0], shards[1], "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        self.assertFalse(os.path.exists(a + ".journal"))
        with h5py.File(a, "r") as f, h5py.File(shards[1], "r") as s:
            n = f.attrs["n_runs_total"]
            self.assertEqual(n, 2 * 4 * 3)  # grid x samples x replicates
            np.testing.assert_array_equal(f["run"][:], np.arange(n))
            np.testing.assert_array_equal(s["run"][:], np.arange(1, n, 3))
            np.testing.assert_array_equal(s["outcomes"][:], f["outcomes"][:][1::3])
            np.testing.assert_array_equal(s["traj_owner"][:], f["traj_owner"][:][1::3])
            np.testing.assert_array_equal(f["point"][:], np.arange(n) // 3)
            np.testing.assert_array_equal(f["replicate"][:], np.arange(n) % 3)
            # every replicate of a point has the point's parameters
            d = f["design"][:]
            np.testing.assert_array_equal(d[0::3], d[1::3])
            # integer parameters draw whole numbers
            self.assertTrue(np.all(d[:, 2] == np.round(d[:, 2])))

    def test_resume_after_kill(self):
        self.write_sweep("big.lua", reps=40, traj="false")
        ref = self.sweep("big.lua", "ref.h5", "-j", "1")
        out = self.p("killed.h5")
        journal = out + ".journal"
        header, rec = 168, 16 + 8 * 9
        cmd = [BINARY, "sweep", self.p("big.lua"), "-o", out, "--quiet", "-j", "1"]
        killed = False
        total = 2 * 4 * 40
        # A fast (or, for the poller, a busy) machine may finish every run
        # before the kill lands: then try again.
        for _ in range(5):
            killed = False
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while time.time() < deadline and proc.poll() is None:
                if os.path.exists(journal) and os.path.getsize(journal) >= header + 20 * rec:
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.002)
            proc.wait()
            # a file in place after the kill is a complete one (renamed into
            # place when done): the kill came too late
            if killed and not os.path.exists(out):
                done = (os.path.getsize(journal) - header) // rec
                if done < total:
                    break
            killed = False
            for f in (out, journal):
                if os.path.exists(f):
                    os.unlink(f)
        self.assertTrue(killed, "the sweep always finished before it could be killed")
        self.assertGreater(done, 0)
        r = run("sweep", self.p("big.lua"), "-o", out, "-j", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"(\d+) done", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        self.assertGreaterEqual(int(m.group(1)), done - 1)  # a torn last record is cut off
        self.assertTrue(filecmp.cmp(ref, out, shallow=False), "resumed sweep differs")
        self.assertFalse(os.path.exists(journal))

    def test_ctrl_c_is_an_interruption(self):
        # Ctrl-C sends SIGINT to the whole process group: the workers die of
        # it too, and the parent must report an interruption (exit 6, the
        # journal kept), not a worker that died, however the deaths and its
        # own handler interleave. Several tries, as the interleaving varies.
        self.write_sweep("big.lua", reps=400, traj='{ "residents", "owner" }')
        out = self.p("int.h5")
        journal = out + ".journal"
        header = 168
        for attempt in range(6):
            for f in (out, journal):
                if os.path.exists(f):
                    os.unlink(f)
            proc = subprocess.Popen([BINARY, "sweep", self.p("big.lua"), "-o", out, "--quiet", "-j", "2"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
            deadline = time.time() + 30
            while time.time() < deadline and proc.poll() is None:
                if os.path.exists(journal) and os.path.getsize(journal) > header + 4000 * (1 + attempt):
                    break
                time.sleep(0.002)
            self.assertIsNone(proc.poll(), "the sweep finished before it could be interrupted")
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            with self.subTest(attempt=attempt):
                self.assertEqual(proc.returncode, 6, err)
                self.assertIn("conflictsim sweep: interrupted", err)
                self.assertIn("run the same command to resume", err)
                self.assertNotIn("worker", err)

    def test_merge_refuses_foreign_files(self):
        s0 = self.sweep("sweep.lua", "s0.h5", "--shard", "0/2")
        self.write_sweep("other.lua", reps=3, traj='{ "residents", "owner" }', extra="-- another sweep\n")
        o1 = self.sweep("other.lua", "o1.h5", "--shard", "1/2")
        r = run("merge", s0, o1, "-o", self.p("bad.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("different sweep file", r.stderr)
        self.assertFalse(os.path.exists(self.p("bad.h5")))
        with open(self.p("junk.h5"), "w") as f:
            f.write("not hdf5\n")
        r = run("merge", s0, self.p("junk.h5"), "-o", self.p("bad.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a sweep shard", r.stderr)
        rr = run("run", self.p("tiny.lua"), "-o", self.p("run.h5"), "--quiet")
        self.assertEqual(rr.returncode, 0, rr.stderr)
        r = run("merge", s0, self.p("run.h5"), "-o", self.p("bad.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a conflictsim sweep file", r.stderr)
        r = run("merge", s0, "-o", self.p("bad.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("2 shards", r.stderr)

    def test_lhs_one_point_per_stratum(self):
        n = 17
        with open(self.p("lhs.lua"), "w") as f:
            f.write("""return {
  scenario = "tiny.lua", seed = 3, samples = %d, metrics = { "displaced_final" },
  parameters = { { "lambda0", lhs = { 0.01, 0.05 } }, { "h1", lhs = { 0.05, 0.5 } } },
  set = { verbose = false },
}""" % n)
        out = self.sweep("lhs.lua", "lhs.h5")
        with h5py.File(out, "r") as f:
            d = f["design"][:]
            lo, hi = f["parameter_low"][:], f["parameter_high"][:]
        self.assertEqual(d.shape, (n, 2))
        for j in range(2):
            strata = np.floor((d[:, j] - lo[j]) / (hi[j] - lo[j]) * n).astype(int)
            self.assertEqual(sorted(strata.tolist()), list(range(n)), "parameter %d" % j)

    def test_xarray_named_dims_and_provenance(self):
        out = self.sweep("sweep.lua", "x.h5")
        ds = xr.open_dataset(out, engine="h5netcdf")
        self.assertEqual(ds.outcomes.dims, ("run", "metric"))
        self.assertEqual(ds.design.dims, ("run", "parameter"))
        self.assertEqual(ds.traj_residents.dims, ("run", "time", "node"))
        self.assertEqual(list(ds.parameter.values), ["recall_day", "lambda0", "recall_officers"])
        self.assertIn("fall_time_centre", list(ds.metric.values))
        self.assertEqual(ds.sizes["time"], 11)
        self.assertEqual(ds.metric_units.sel(metric="displaced_integral").item(), "person-days")
        with open(self.p("sweep.lua"), "rb") as f:
            self.assertEqual(ds.attrs["sweep_sha256"], hashlib.sha256(f.read()).hexdigest())
        with open(self.p("tiny.lua"), "rb") as f:
            self.assertEqual(ds.attrs["scenario_sha256"], hashlib.sha256(f.read()).hexdigest())
        # fixed conservation: residents never exceed the initial residents
        res = ds.traj_residents.values
        self.assertTrue(np.all(res[:, 1:, :].sum(axis=2) <= res[:, :1, :].sum(axis=2)))
        ds.close()

    LUA_METRICS = """
  metrics = { "displaced_final", "fall_time:centre",
    t_end = function(sim) return sim:time() end,
    residents_total = { function(sim)
      local s = 0
      for _, n in ipairs(sim:nodes()) do s = s + sim:residents(n) end
      return s
    end, units = "persons" },
    centre_state = function(sim) return sim:owner("centre") == "STATE" and 1 or 0 end,
  },
"""

    def lua_sweep(self, name, metrics):
        with open(self.p(name), "w") as f:
            f.write(re.sub(r"  metrics = \{.*?\},\n", lambda m: metrics, SWEEP % {"reps": 3, "traj": '{ "residents", "owner" }'},
                           count=1, flags=re.S))

    def test_lua_metrics(self):
        self.lua_sweep("lua.lua", self.LUA_METRICS)
        a = self.sweep("lua.lua", "j1.h5", "-j", "1")
        b = self.sweep("lua.lua", "j2.h5", "-j", "2")
        shards = [self.sweep("lua.lua", "s%d.h5" % i, "--shard", "%d/3" % i) for i in range(3)]
        r = run("merge", *shards, "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        ds = xr.open_dataset(a, engine="h5netcdf")
        # listed names first, then the functions by name
        self.assertEqual(list(ds.metric.values),
                         ["displaced_final", "fall_time_centre", "centre_state", "residents_total", "t_end"])
        self.assertEqual(ds.metric_units.sel(metric="residents_total").item(), "persons")
        out = ds.outcomes
        # the final state the functions saw is the last sample of the trajectories
        np.testing.assert_array_equal(out.sel(metric="t_end").values, np.full(ds.sizes["run"], 10.0))
        np.testing.assert_array_equal(out.sel(metric="residents_total").values,
                                      ds.traj_residents.isel(time=-1).sum("node").values)
        centre = list(ds.node.values).index("centre")
        np.testing.assert_array_equal(out.sel(metric="centre_state").values,
                                      (ds.traj_owner.values[:, -1, centre] == 0).astype(float))
        ds.close()

    def test_lua_metric_errors(self):
        cases = [
            ('mine = function(sim) return "x" end', ["not a number", "line"]),
            ("mine = function(sim)\n while true do end\n end", ["instruction budget"]),
            ('mine = function(sim) sim:attack("g", "centre") return 1 end', ["attack"]),
            ('mine = function(sim) return sim:residents("nowhere") end', ["nowhere"]),
            # fine on the initial state, wrong on the final one: each run
            # fails, is recorded as failed and the sweep completes (exit 8)
            ("mine = function(sim) if sim:time() > 0 then return nil end return 0 end", ["run 0 ", "not a number"]),
        ]
        for i, (fn, expect) in enumerate(cases):
            name = "bad%d.lua" % i
            self.lua_sweep(name, '  metrics = { "displaced_final", %s },\n' % fn)
            r = run("sweep", self.p(name), "-o", self.p("bad.h5"), "--quiet", "-j", "2")
            if i == len(cases) - 1:
                self.assertEqual(r.returncode, 8, r.stderr)
                self.assertIn("all 24 runs failed", r.stderr)
                with h5py.File(self.p("bad.h5"), "r") as f:
                    self.assertTrue(np.all(f["run_status"][:] == 1))
                    self.assertTrue(np.all(np.isnan(f["outcomes"][:])))
                    errs = [e.decode() for e in f["run_error"][:]]
                self.assertTrue(all("metric 'mine'" in e and "not a number" in e for e in errs), errs[:2])
                os.unlink(self.p("bad.h5"))
            else:
                self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("%s: metric 'mine'" % self.p(name), r.stderr)
            for e in expect:
                if e == "line":
                    self.assertRegex(r.stderr, re.escape(name) + r":\d+: ")
                else:
                    self.assertIn(e, r.stderr)
            self.assertFalse(os.path.exists(self.p("bad.h5")))
            if os.path.exists(self.p("bad.h5.journal")):
                os.unlink(self.p("bad.h5.journal"))
        self.lua_sweep("badname.lua", '  metrics = { displaced_final = function(sim) return 1 end },\n')
        r = run("sweep", self.p("badname.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("built-in", r.stderr)

    def test_srun_tasks_without_mpi_refused(self):
        # srun --mpi=none -n 2 (or MpiDefault=none) gives each task
        # SLURM_STEP_NUM_TASKS and SLURM_PROCID but no PMI or PMIx: every task
        # would be rank 0. tests/slurm/test_slurm.py does it under a real srun.
        for task in ("0", "1"):
            env = dict(os.environ, SLURM_STEP_NUM_TASKS="2", SLURM_PROCID=task, SLURM_NTASKS="2")
            r = subprocess.run([BINARY, "sweep", self.p("sweep.lua"), "-o", self.p("two.h5")],
                               capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("started by srun as task %s of 2" % task, r.stderr)
            self.assertIn("srun --mpi=pmix", r.stderr)
            self.assertEqual([f for f in os.listdir(self.dir) if f.startswith("two.h5")], [])
        # a step of one task, and a batch script of 2 tasks (which runs once,
        # and where mpirun's ranks are started: no SLURM_STEP_NUM_TASKS), run
        ref = self.sweep("sweep.lua", "ref.h5", "-j", "1")
        for name, extra in (("one.h5", {"SLURM_STEP_NUM_TASKS": "1", "SLURM_PROCID": "0"}),
                            ("batch.h5", {"SLURM_NTASKS": "2", "SLURM_PROCID": "0"})):
            r = subprocess.run([BINARY, "sweep", self.p("sweep.lua"), "-o", self.p(name), "-j", "1", "--quiet"],
                               capture_output=True, text=True, timeout=60, env=dict(os.environ, **extra))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(filecmp.cmp(ref, self.p(name), shallow=False), name)

    def test_errors(self):
        with open(self.p("bad.lua"), "w") as f:
            f.write('return { scenario = "tiny.lua", parameters = { { "no_such", grid = {1} } } }\n')
        r = run("sweep", self.p("bad.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3)
        self.assertIn("no_such", r.stderr)
        with open(self.p("loop.lua"), "w") as f:
            f.write("while true do end\n")
        r = run("sweep", self.p("loop.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3)
        self.assertIn("instruction budget", r.stderr)
        with open(self.p("io.lua"), "w") as f:
            f.write('io.open("/etc/passwd")\n')
        r = run("sweep", self.p("io.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3)
        self.assertIn("io.lua:1:", r.stderr)
        self.assertFalse(os.path.exists(self.p("bad.h5")))


# A scenario that fails for one value of a swept parameter: recall_day 5
# raises an error at day 3 (so the failure is deterministic, the same for
# every replicate), the other values never reach it. The message prints a
# table, whose address differs between processes: the file must not.
FAILING = """
at(3, function(sim)
  if P.recall_day == 5 then error("no recall on day " .. P.recall_day .. " (" .. tostring({}) .. ")") end
end)
"""

FAIL_SWEEP = """
sweep {
  scenario = "tiny.lua",
  seed = 11,
  replicates = %(reps)d,
  samples = 2,
  parameters = {
    { "recall_day", grid = %(grid)s },
    { "lambda0", lhs = { 0.01, 0.05 } },
  },
  metrics = { "displaced_final", "civilian_deaths_final", "clashes_all", "fall_time:centre" },
  keep_trajectories = { "residents", "owner" },
  set = { verbose = false },
}
"""

JOURNAL_HEADER = 168
FNV_OFFSET, FNV_PRIME = 0xcbf29ce484222325, 0x100000001b3


def fnv1a(data):
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def kill_midway(cmd, out, journal, enough, unfinished, tries=5):
    """Start cmd and SIGKILL it once the journal exists and enough() holds; a
    kill counts if it left no output file and unfinished() holds (a fast
    machine may finish every run first: then out and the journal are removed
    and cmd tried again, up to tries times). True if a kill counted."""
    for _ in range(tries):
        killed = False
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(journal) and enough():
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.002)
        proc.wait()
        if killed and not os.path.exists(out) and unfinished():
            return True
        for f in (out, journal):
            if os.path.exists(f):
                os.unlink(f)
    return False


def journal_records(path, n_metrics):
    """The records of a sweep journal without trajectories, as documented in
    sim/batch/sweep_journal.h: (offset, run, failed, message) up to the first
    torn or damaged one."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos, rec = [], JOURNAL_HEADER, 16 + 8 * n_metrics
    while pos + 8 <= len(data):
        k = int.from_bytes(data[pos:pos + 8], "little")
        failed = bool(k >> 63)
        msg = None
        n = rec
        if failed:
            ln = int.from_bytes(data[pos + 8:pos + 16], "little")
            n = 24 + (ln + 7) // 8 * 8
            msg = data[pos + 16:pos + 16 + ln]
        if pos + n > len(data) or fnv1a(data[pos:pos + n - 8]) != int.from_bytes(data[pos + n - 8:pos + n], "little"):
            break
        out.append((pos, k & ~(1 << 63), failed, msg))
        pos += n
    return data[:8], out


class SweepFailuresTest(SweepFixture):
    """Runs that fail by their own fault are recorded (journal and file) and
    the sweep completes the others (output/README.md, "Failed runs")."""

    def setUp(self):
        super().setUp()
        with open(self.p("tiny.lua"), "a") as f:
            f.write(FAILING)

    def write_fail_sweep(self, name, grid, reps=3):
        with open(self.p(name), "w") as f:
            f.write(FAIL_SWEEP % {"reps": reps, "grid": grid})

    def failing_sweep(self, name, out, *extra):
        r = run("sweep", self.p(name), "-o", self.p(out), "--quiet", *extra)
        self.assertEqual(r.returncode, 8, r.stderr)
        return self.p(out), r

    def test_failed_point_recorded_and_others_complete(self):
        self.write_fail_sweep("fail.lua", "{ 2, 5, 7 }")
        self.write_fail_sweep("good.lua", "{ 2, 7 }")
        a, r1 = self.failing_sweep("fail.lua", "j1.h5", "-j", "1")
        b, r2 = self.failing_sweep("fail.lua", "j2.h5", "-j", "2")
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertFalse(os.path.exists(a + ".journal"))
        shards = []
        for i in range(3):
            r = run("sweep", self.p("fail.lua"), "-o", self.p("s%d.h5" % i), "--quiet", "--shard", "%d/3" % i)
            self.assertEqual(r.returncode, 8, r.stderr)  # every shard holds runs of point 2 or 3
            shards.append(self.p("s%d.h5" % i))
        r = run("merge", *shards, "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        good = self.sweep("good.lua", "good.h5", "-j", "2")
        # the summary: how many, which points, the error
        for r in (r1, r2):
            self.assertIn("6 of 18 runs failed", r.stderr)
            self.assertRegex(r.stderr, r"point 2 \(recall_day = 5, lambda0 = [0-9.]+\): all 3 replicates")
            self.assertRegex(r.stderr, r"point 3 \(recall_day = 5, lambda0 = [0-9.]+\): all 3 replicates")
            self.assertRegex(r.stderr, r"run 6 \(point 2, replicate 0\): \S*tiny\.lua:\d+: no recall on day 5")
            self.assertNotIn("point 1 (", r.stderr)
        with h5py.File(a, "r") as f, h5py.File(good, "r") as g:
            d = f["design"][:]
            failed = d[:, 0] == 5
            self.assertEqual(int(failed.sum()), 6)
            np.testing.assert_array_equal(f["run_status"][:], failed.astype(np.uint8))
            self.assertEqual(list(f["run_status"].attrs["flag_meanings"].split()), ["completed", "failed"])
            errs = [e.decode() for e in f["run_error"][:]]
            for k, e in enumerate(errs):
                if failed[k]:
                    self.assertRegex(e, r"^run %d: .*tiny\.lua:\d+: no recall on day 5 \(table: 0x\?\)" % k)
                else:
                    self.assertEqual(e, "")
            self.assertTrue(np.isnan(f["outcomes"][:][failed]).all())
            self.assertTrue(np.isnan(f["traj_residents"][:][failed]).all())
            self.assertFalse(np.isnan(f["traj_residents"][:][~failed]).any())
            # the other runs are those of the sweep without the failing value
            np.testing.assert_array_equal(d[~failed], g["design"][:])
            np.testing.assert_array_equal(f["replicate"][:][~failed], g["replicate"][:])
            np.testing.assert_array_equal(f["outcomes"][:][~failed], g["outcomes"][:])
            for v in ("traj_residents", "traj_owner"):
                np.testing.assert_array_equal(f[v][:][~failed], g[v][:])
            self.assertTrue(np.all(g["run_status"][:] == 0))
            self.assertEqual(set(g["run_error"][:].tolist()), {b""})
        ds = xr.open_dataset(a, engine="h5netcdf")
        self.assertEqual(ds.run_status.dims, ("run",))
        self.assertEqual(ds.run_error.dims, ("run",))
        self.assertEqual(int(ds.run_status.sum()), 6)
        ds.close()

    def test_fail_fast(self):
        h = run("sweep", "--help")
        self.assertEqual(h.returncode, 0)
        self.assertIn("--fail-fast", h.stdout)
        self.assertRegex(h.stdout, r"8 the file is\s+written but some runs failed")
        self.write_fail_sweep("fail.lua", "{ 2, 5, 7 }")
        ref, _ = self.failing_sweep("fail.lua", "ref.h5", "-j", "1")
        out = self.p("ff.h5")
        r = run("sweep", self.p("fail.lua"), "-o", out, "--quiet", "-j", "2", "--fail-fast")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("no recall on day 5", r.stderr)
        self.assertIn("--fail-fast", r.stderr)
        self.assertFalse(os.path.exists(out))
        magic, recs = journal_records(out + ".journal", 4)
        self.assertEqual(magic, b"CSSWJNL1")  # the failure was not journalled
        self.assertFalse(any(f for _, _, f, _ in recs))
        # the journal's inputs key names the scenario and the conflictsim version
        # (sweep_journal.h): the journal of another version's runs is not resumed
        with open(self.p("tiny.lua"), "rb") as f:
            scen = hashlib.sha256(f.read()).hexdigest()
        version = run("--version").stdout.split()[1]
        key = lambda v: hashlib.sha256(("%s\nconflictsim %s" % (scen, v)).encode()).hexdigest().encode()
        with open(out + ".journal", "r+b") as f:
            head = f.read(JOURNAL_HEADER)
            self.assertEqual(head[72:136], key(version))
            f.seek(72)
            f.write(key("0.0.0-other"))
        r = run("sweep", self.p("fail.lua"), "-o", out, "--quiet", "-j", "2")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("conflictsim version", r.stderr)
        self.assertFalse(os.path.exists(out))
        with open(out + ".journal", "r+b") as f:
            f.seek(72)
            f.write(key(version))
        # without it, the same command completes from the journal
        r = run("sweep", self.p("fail.lua"), "-o", out, "--quiet", "-j", "2")
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertTrue(filecmp.cmp(ref, out, shallow=False))

    def test_resume_does_not_rerun_failed_runs(self):
        # point 0 to 1 fail (recall_day 5 first), so the first records are failures
        self.write_fail_sweep("big.lua", "{ 5, 2 }", reps=40)
        with open(self.p("big.lua")) as f:
            text = f.read().replace('keep_trajectories = { "residents", "owner" }', "keep_trajectories = false")
        with open(self.p("big.lua"), "w") as f:
            f.write(text)
        ref, _ = self.failing_sweep("big.lua", "ref.h5", "-j", "1")
        out = self.p("killed.h5")
        journal = out + ".journal"
        total = 2 * 2 * 40
        killed = kill_midway([BINARY, "sweep", self.p("big.lua"), "-o", out, "--quiet", "-j", "1"], out, journal,
                             lambda: os.path.getsize(journal) >= JOURNAL_HEADER + 30 * 48,
                             lambda: len(journal_records(journal, 4)[1]) < total)
        self.assertTrue(killed, "the sweep always finished before it could be killed")
        magic, recs = journal_records(journal, 4)
        fails = [(pos, k, m) for pos, k, f, m in recs if f]
        self.assertEqual(magic, b"CSSWJNL2")
        self.assertGreater(len(fails), 0)
        for _, k, m in fails:
            self.assertLess(k, 80)  # points 0 and 1
            self.assertIn(b"no recall on day 5", m)
        # --fail-fast on a journal that records failures stops at once
        r = run("sweep", self.p("big.lua"), "-o", out, "--quiet", "--fail-fast")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("records %d failed runs" % len(fails), r.stderr)
        self.assertEqual(journal_records(journal, 4)[1], recs)
        # A copy whose first failure record says something else: if the
        # resume ran that run again, the file would hold the real message.
        pos, k, m = fails[0]
        with open(journal, "rb") as f:
            data = bytearray(f.read())
        forged = m.replace(b"no recall", b"NO RECALL")
        data[pos + 16:pos + 16 + len(m)] = forged
        n = 24 + (len(m) + 7) // 8 * 8
        data[pos + n - 8:pos + n] = fnv1a(bytes(data[pos:pos + n - 8])).to_bytes(8, "little")
        with open(self.p("forged.h5.journal"), "wb") as f:
            f.write(data)
        # the resume: the failed runs count as done, and the file is the uninterrupted one
        r = run("sweep", self.p("big.lua"), "-o", out, "-j", "2")
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertRegex(r.stderr, r"(\d+) done \(%d failed\)" % len(fails))
        self.assertTrue(filecmp.cmp(ref, out, shallow=False), "resumed sweep differs")
        self.assertFalse(os.path.exists(journal))
        r = run("sweep", self.p("big.lua"), "-o", self.p("forged.h5"), "--quiet", "-j", "2")
        self.assertEqual(r.returncode, 8, r.stderr)
        with h5py.File(self.p("forged.h5"), "r") as f, h5py.File(ref, "r") as g:
            self.assertEqual(f["run_error"][k], forged)
            self.assertNotEqual(g["run_error"][k], forged)
            np.testing.assert_array_equal(f["run_status"][:], g["run_status"][:])


class SweepExpandTest(SweepFixture):
    """--expand: a finished sweep grown by replicates and design points gives
    the file of the bigger sweep run from scratch, byte for byte; a sweep that
    is not a bigger version of it is refused and the finished file is left
    alone (output/README.md, "Growing a finished sweep")."""

    def grow(self, name, reps, grid, seed=11, samples=4):
        text = SWEEP % {"reps": reps, "traj": '{ "residents", "owner" }'}
        text = text.replace("grid = { 2, 5 }", "grid = %s" % grid).replace("seed = 11", "seed = %d" % seed)
        text = text.replace("samples = 4", "samples = %d" % samples)
        with open(self.p(name), "w") as f:
            f.write(text)

    def test_expand_equals_scratch(self):
        self.grow("small.lua", 2, "{ 2, 5 }")
        self.grow("big.lua", 3, "{ 2, 5, 7 }")  # a third grid value and a third replicate
        ref = self.sweep("big.lua", "ref.h5", "-j", "2")
        small = self.sweep("small.lua", "small.h5", "-j", "2")
        for jobs in ("1", "2"):
            out = self.p("grown%s.h5" % jobs)
            shutil.copy(small, out)
            r = run("sweep", self.p("big.lua"), "-o", out, "--expand", out, "-j", jobs)
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(small, "r") as f:
                n_small = f.attrs["n_runs_total"]
            self.assertIn("(%d kept from --expand now)" % n_small, r.stderr)
            self.assertTrue(filecmp.cmp(ref, out, shallow=False), "expanded with -j %s differs from scratch" % jobs)
            self.assertFalse(os.path.exists(out + ".journal"))
        # shards of the bigger sweep, each keeping what falls to it, merged
        shards = [self.sweep("big.lua", "s%d.h5" % i, "--shard", "%d/3" % i, "--expand", small) for i in range(3)]
        r = run("merge", *shards, "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(ref, self.p("merged.h5"), shallow=False), "expanded shards differ")
        # the smaller sweep's own shards as the source
        olds = [self.sweep("small.lua", "o%d.h5" % i, "--shard", "%d/2" % i) for i in range(2)]
        out = self.sweep("big.lua", "fromshards.h5", "--expand", olds[0], "--expand", olds[1])
        self.assertTrue(filecmp.cmp(ref, out, shallow=False), "expanded from shards differs")
        # the kept runs are the smaller sweep's: same design values, replicate and outcomes
        with h5py.File(small, "r") as f, h5py.File(ref, "r") as g:
            d_new, rep_new = g["design"][:], g["replicate"][:]
            for k in range(f.attrs["n_runs_total"]):
                hit = np.where((d_new == f["design"][k]).all(axis=1) & (rep_new == f["replicate"][k]))[0]
                self.assertEqual(len(hit), 1)
                np.testing.assert_array_equal(g["outcomes"][hit[0]], f["outcomes"][k])

    def test_expand_refused_leaves_the_file(self):
        self.grow("small.lua", 2, "{ 2, 5 }")
        small = self.sweep("small.lua", "small.h5")
        with open(small, "rb") as f:
            before = f.read()
        cases = [
            (dict(reps=3, grid="{ 2, 5, 7 }", seed=12), "seed 11, not 12"),
            (dict(reps=1, grid="{ 2, 5 }"), "replicates"),
            (dict(reps=2, grid="{ 2, 7 }"), "not a design point"),
            (dict(reps=2, grid="{ 2, 5 }", samples=5), "not a design point"),  # more LHS rows: other values
        ]
        for kw, expect in cases:
            self.grow("other.lua", **kw)
            r = run("sweep", self.p("other.lua"), "-o", small, "--expand", small, "--quiet")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("not a smaller version", r.stderr)
            self.assertIn(expect, r.stderr)
            with open(small, "rb") as f:
                self.assertEqual(f.read(), before)
            self.assertFalse(os.path.exists(small + ".journal"))
        # other metrics or another `set`
        text = SWEEP % {"reps": 3, "traj": '{ "residents", "owner" }'}
        for old, new, expect in (('"nodes_lost",', "", "other metrics"),
                                 ("verbose = false", "verbose = false, h1 = 0.2", "`set`")):
            with open(self.p("other.lua"), "w") as f:
                f.write(text.replace(old, new))
            r = run("sweep", self.p("other.lua"), "-o", self.p("o.h5"), "--expand", small, "--quiet")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(expect, r.stderr)
            self.assertFalse(os.path.exists(self.p("o.h5")))
        r = run("sweep", self.p("other.lua"), "-o", self.p("o.h5"), "--expand", self.p("tiny.lua"), "--quiet")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not an HDF5 file", r.stderr)
        # rows whose run numbers are not the file's layout (two rows swapped): a record
        # would be kept as another run's, so refused, the file untouched
        self.grow("big.lua", 3, "{ 2, 5, 7 }")
        forged = self.p("forged.h5")
        shutil.copy(small, forged)
        with h5py.File(forged, "r+") as f:
            runs = f["run"][:]
            runs[[0, 1]] = runs[[1, 0]]
            f["run"][:] = runs
        with open(forged, "rb") as f:
            before = f.read()
        r = run("sweep", self.p("big.lua"), "-o", self.p("o.h5"), "--expand", forged, "--quiet")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("altered", r.stderr)
        self.assertFalse(os.path.exists(self.p("o.h5")))
        with open(forged, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_expand_a_lua_metric_changed(self):
        # the checks cannot read a Lua metric's code: the first kept run, run again, must match
        metric = '  metrics = { "displaced_final", mine = function(sim) return %s end },\n'
        for name, body, reps in (("small.lua", "sim:time()", 2), ("big.lua", "sim:time() + 1", 3)):
            with open(self.p(name), "w") as f:
                f.write(re.sub(r"  metrics = \{.*?\},\n", lambda m: metric % body,
                               SWEEP % {"reps": reps, "traj": "false"}, count=1, flags=re.S))
        small = self.sweep("small.lua", "small.h5")
        r = run("sweep", self.p("big.lua"), "-o", small, "--expand", small, "--quiet")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("gave other values", r.stderr)

    def test_expand_reruns_failed_runs(self):
        with open(self.p("tiny.lua"), "a") as f:
            f.write(FAILING)
        for name, reps, grid in (("small.lua", 2, "{ 2, 5 }"), ("big.lua", 3, "{ 2, 5, 7 }")):
            with open(self.p(name), "w") as f:
                f.write(FAIL_SWEEP % {"reps": reps, "grid": grid})
        r = run("sweep", self.p("small.lua"), "-o", self.p("small.h5"), "--quiet")
        self.assertEqual(r.returncode, 8, r.stderr)
        r = run("sweep", self.p("big.lua"), "-o", self.p("ref.h5"), "--quiet")
        self.assertEqual(r.returncode, 8, r.stderr)
        r = run("sweep", self.p("big.lua"), "-o", self.p("small.h5"), "--expand", self.p("small.h5"), "--quiet")
        self.assertEqual(r.returncode, 8, r.stderr)
        # the failures' messages name their runs in the bigger sweep, as from scratch
        self.assertTrue(filecmp.cmp(self.p("ref.h5"), self.p("small.h5"), shallow=False))


class SweepArrayTest(SweepFixture):
    """--shards N over a Slurm array of fewer tasks (MaxArraySize): task t of
    A runs shards t, t + A, ...; the index arithmetic is checked with the
    array's variables set by hand, without Slurm."""

    def task(self, t, tasks, n, *extra):
        env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(t + 3), SLURM_ARRAY_TASK_MIN="3",
                   SLURM_ARRAY_TASK_COUNT=str(tasks))
        return subprocess.run([BINARY, "sweep", self.p("sweep.lua"), "-o", self.p("a-{shard}.h5"), "--shards", str(n),
                               *extra], capture_output=True, text=True, timeout=120, env=env)

    def test_shards_over_fewer_tasks(self):
        ref = self.sweep("sweep.lua", "ref.h5", "-j", "2")
        n, tasks = 5, 2
        for t in range(tasks):
            r = self.task(t, tasks, n)
            self.assertEqual(r.returncode, 0, r.stderr)
            mine = sorted(int(m) for m in re.findall(r"shard (\d+)/%d" % n, r.stderr))
            self.assertEqual(mine, list(range(t, n, tasks)))
        files = [self.p("a-%d.h5" % i) for i in range(n)]
        for i, f in enumerate(files):
            with h5py.File(f, "r") as h:
                self.assertEqual((h.attrs["shard_index"], h.attrs["shard_count"]), (i, n))
        r = run("merge", *files, "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(ref, self.p("merged.h5"), shallow=False))
        # a requeued task does not run its written shards again
        mtimes = [os.stat(f).st_mtime_ns for f in files]
        r = self.task(1, tasks, n)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.count("is already written"), 2)
        self.assertEqual([os.stat(f).st_mtime_ns for f in files], mtimes)
        # more tasks than shards: the extra task has nothing to do
        r = self.task(3, 4, 3)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("has no shard", r.stderr)
        # --shard and --shards do not mix; {shard} is required
        r = run("sweep", self.p("sweep.lua"), "-o", self.p("x.h5"), "--shards", "3")
        self.assertEqual(r.returncode, 2)
        self.assertIn("{shard}", r.stderr)
        r = run("sweep", self.p("sweep.lua"), "-o", self.p("x{shard}.h5"), "--shards", "3", "--shard", "0/3")
        self.assertEqual(r.returncode, 2)

    def test_print_array(self):
        bindir = self.p("bin")
        os.mkdir(bindir)
        with open(os.path.join(bindir, "scontrol"), "w") as f:
            f.write("#!/bin/sh\necho 'MaxArraySize            = 7'\necho 'MaxJobCount             = 10000'\n")
        os.chmod(os.path.join(bindir, "scontrol"), 0o755)
        env = dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", ""))

        def arr(n, *extra, env=None):
            r = subprocess.run([BINARY, "sweep", "--shards", str(n), "--print-array", *extra], capture_output=True,
                               text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stdout.strip(), r.stderr

        out, err = arr(20, env=env)
        self.assertEqual(out, "0-6")  # MaxArraySize 7: indices 0 to 6
        self.assertIn("scontrol", err)
        self.assertEqual(arr(5, env=env)[0], "0-4")
        self.assertEqual(arr(20, "--max-array-size", "3", env=env)[0], "0-2")
        empty = self.p("empty")
        os.mkdir(empty)
        self.assertEqual(arr(5000, env=dict(os.environ, PATH=empty))[0], "0-1000")  # Slurm's default, 1001
        # the tasks of such an array, as the binary assigns them, run every shard exactly once
        n, a = 7, 3
        runs = []
        for t in range(a):
            r = self.task(t, a, n)
            self.assertEqual(r.returncode, 0, r.stderr)
            runs += [int(m) for m in re.findall(r"shard (\d+)/%d" % n, r.stderr)]
        self.assertEqual(sorted(runs), list(range(n)))

    def test_stale_shard(self):
        """A shard written from another scenario text is not 'already written':
        it is run again; and merge refuses shards whose scenario differs."""
        n = 3
        r = self.task(0, 1, n)
        self.assertEqual(r.returncode, 0, r.stderr)
        shutil.copy(self.p("a-1.h5"), self.p("old-1.h5"))
        with open(self.p("tiny.lua"), "a") as f:
            f.write('\nparam("zz_unused", 1, "a change of the scenario text")\n')
        os.remove(self.p("a-0.h5"))
        r = self.task(0, 1, n)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("is already written", r.stderr)
        def attr_str(v):
            return v.decode() if isinstance(v, bytes) else str(v)
        shas = set()
        for i in range(n):
            with h5py.File(self.p("a-%d.h5" % i), "r") as h:
                shas.add(attr_str(h.attrs["scenario_sha256"]))
        self.assertEqual(len(shas), 1)
        with h5py.File(self.p("old-1.h5"), "r") as h:
            self.assertNotIn(attr_str(h.attrs["scenario_sha256"]), shas)
        r = run("merge", self.p("a-0.h5"), self.p("old-1.h5"), self.p("a-2.h5"), "-o", self.p("mixed.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("different scenario", r.stderr)
        self.assertFalse(os.path.exists(self.p("mixed.h5")))

    def test_stale_shard_files_or_version(self):
        """A shard recorded as written from other modules or data files
        (scenario_files_sha256), or by another conflictsim version, is not
        'already written' either; merge refuses it wherever it stands in the
        list, and refuses shards of another version than its own."""
        n = 3
        r = self.task(0, 1, n)
        self.assertEqual(r.returncode, 0, r.stderr)
        forged = {1: ("conflictsim_version", "0.0.0-other"), 2: ("scenario_files_sha256", "0" * 64)}
        for i, (k, v) in forged.items():
            shutil.copy(self.p("a-%d.h5" % i), self.p("old-%d.h5" % i))
            with h5py.File(self.p("old-%d.h5" % i), "r+") as h:
                h.attrs[k] = v
            shutil.copy(self.p("old-%d.h5" % i), self.p("a-%d.h5" % i))
        r = self.task(0, 1, n)
        self.assertEqual(r.returncode, 0, r.stderr)
        written = sorted(int(m) for m in re.findall(r"shard (\d+)/%d: \S+ is already written" % n, r.stderr))
        self.assertEqual(written, [0])  # 1 and 2 were stale: run again
        for i, (k, v) in forged.items():
            with h5py.File(self.p("a-%d.h5" % i), "r") as h:
                self.assertNotEqual(h.attrs.get(k), v)
        for bad in ("old-1.h5", "old-2.h5"):  # not the first in the list: each is still compared
            r = run("merge", *[self.p(bad) if bad.endswith("-%d.h5" % i) else self.p("a-%d.h5" % i)
                               for i in range(n)], "-o", self.p("mixed.h5"))
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("different scenario files or conflictsim versions", r.stderr)
            self.assertFalse(os.path.exists(self.p("mixed.h5")))
        # every shard of another version: consistent among themselves, but not this binary's
        for i in range(n):
            shutil.copy(self.p("a-%d.h5" % i), self.p("v-%d.h5" % i))
            with h5py.File(self.p("v-%d.h5" % i), "r+") as h:
                h.attrs["conflictsim_version"] = "0.0.0-other"
        r = run("merge", *[self.p("v-%d.h5" % i) for i in range(n)], "-o", self.p("mixed.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("0.0.0-other", r.stderr)
        self.assertFalse(os.path.exists(self.p("mixed.h5")))
        r = run("merge", *[self.p("a-%d.h5" % i) for i in range(n)], "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)


class SweepEnsembleTest(SweepFixture):
    """ensemble = ...: the group /ensemble holds, per design point, the mean,
    variance and quantiles over the completed replicates; they must equal
    numpy's over the stored rows, and the file must be the same bytes for
    any split (output/README.md, "Ensemble statistics")."""

    Q = [0.1, 0.5, 0.9]

    def ens_sweep(self, name, reps=4, grid="{ 2, 5 }", extra=""):
        text = SWEEP % {"reps": reps, "traj": '{ "residents", "owner" }'}
        text = text.replace("grid = { 2, 5 }", "grid = %s" % grid)
        text = text.replace("set = { verbose = false },",
                            "set = { verbose = false },\n  ensemble = { quantiles = { 0.1, 0.5, 0.9 } },%s" % extra)
        with open(self.p(name), "w") as f:
            f.write(text)

    def check_stats(self, path):
        with h5py.File(path, "r") as f:
            P, R = int(f.attrs["n_points"]), int(f.attrs["replicates"])
            g = f["ensemble"]
            ok = (f["run_status"][:] == 0).reshape(P, R)
            np.testing.assert_array_equal(g["n"][:], ok.sum(axis=1))
            np.testing.assert_array_equal(g["run"][:], np.arange(P * R).reshape(P, R))
            np.testing.assert_array_equal(g["design"][:], f["design"][:][::R])
            np.testing.assert_array_equal(g["quantile"][:], self.Q)
            # owner holds party codes: kept as a trajectory, no statistics of codes
            self.assertIn("traj_owner", f)
            self.assertFalse([k for k in g if k.startswith("traj_owner")])
            for var in ("outcomes", "traj_residents"):
                x = f[var][:]
                x = x.reshape(P, R, *x.shape[1:])
                for p in range(P):
                    y = x[p][ok[p]]
                    mean, q = g[var + "_mean"][p], g[var + "_quantile"][p]
                    if len(y) == 0:
                        self.assertTrue(np.isnan(mean).all() and np.isnan(q).all())
                        continue
                    # float tolerance: Welford's running updates against numpy's pairwise sums
                    scale = np.nanmax(np.abs(y)) if np.isfinite(y).any() else 1.0
                    np.testing.assert_allclose(mean, y.mean(axis=0), rtol=1e-12, atol=1e-12 * scale)
                    if len(y) > 1:
                        np.testing.assert_allclose(g[var + "_variance"][p], y.var(axis=0, ddof=1), rtol=1e-9,
                                                   atol=1e-9 * scale * scale)
                    else:
                        self.assertTrue(np.isnan(g[var + "_variance"][p]).all())
                    # exact order statistics interpolated in numpy's own arithmetic: the same bits
                    np.testing.assert_array_equal(q, np.quantile(y, self.Q, axis=0))
                    # a NaN in any completed replicate (fall_time: did not fall) gives NaN, as numpy's
                    np.testing.assert_array_equal(np.isnan(mean), np.isnan(y).any(axis=0))
            return P, R

    def test_stats_equal_numpy_and_same_for_any_split(self):
        self.ens_sweep("ens.lua")
        a = self.sweep("ens.lua", "j1.h5", "-j", "1")
        b = self.sweep("ens.lua", "j2.h5", "-j", "2")
        shards = [self.sweep("ens.lua", "s%d.h5" % i, "--shard", "%d/3" % i) for i in range(3)]
        r = run("merge", *shards, "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        with h5py.File(shards[0], "r") as f:
            self.assertNotIn("ensemble", f)  # shards have none: merge writes it
        P, R = self.check_stats(a)
        self.assertEqual((P, R), (8, 4))
        ds = xr.open_dataset(a, engine="h5netcdf", group="ensemble")
        self.assertEqual(ds.traj_residents_mean.dims, ("point", "time", "node"))
        self.assertEqual(ds.traj_residents_quantile.dims, ("point", "quantile", "time", "node"))
        self.assertEqual(ds.outcomes_variance.dims, ("point", "metric"))
        self.assertEqual(ds.run.dims, ("point", "replicate"))
        ds.close()
        # without `ensemble` the file has no group and is otherwise unchanged in layout
        plain = self.sweep("sweep.lua", "plain.h5")
        with h5py.File(plain, "r") as f:
            self.assertNotIn("ensemble", f)

    def test_failed_runs_left_out(self):
        with open(self.p("tiny.lua"), "a") as f:
            f.write(FAILING)
        self.ens_sweep("ens.lua", reps=3, grid="{ 2, 5, 7 }")
        r = run("sweep", self.p("ens.lua"), "-o", self.p("a.h5"), "--quiet", "-j", "2")
        self.assertEqual(r.returncode, 8, r.stderr)
        P, R = self.check_stats(self.p("a.h5"))
        with h5py.File(self.p("a.h5"), "r") as f:
            n = f["ensemble/n"][:]
            self.assertTrue((n == 0).any() and (n == R).any())

    def test_expand_with_ensemble_equals_scratch(self):
        self.ens_sweep("small.lua", reps=2)
        self.ens_sweep("big.lua", reps=5, grid="{ 2, 5, 7 }")
        ref = self.sweep("big.lua", "ref.h5", "-j", "2")
        out = self.sweep("small.lua", "out.h5")
        self.sweep("big.lua", "out.h5", "--expand", out, "-j", "2")
        self.assertTrue(filecmp.cmp(ref, out, shallow=False))
        self.check_stats(out)

    def test_bad_ensemble(self):
        cases = [("ensemble = { quantiles = { 0.5, 0.1 } }", "increasing"),
                 ("ensemble = { quantiles = { 1.5 } }", "in [0, 1]"),
                 ("ensemble = { levels = 3 }", "quantiles"),
                 ("ensemble = 3", "ensemble takes")]
        for i, (field, expect) in enumerate(cases):
            text = (SWEEP % {"reps": 2, "traj": "false"}).replace("set = { verbose = false },",
                                                                   "set = { verbose = false },\n  %s," % field)
            with open(self.p("bad%d.lua" % i), "w") as f:
                f.write(text)
            r = run("sweep", self.p("bad%d.lua" % i), "-o", self.p("bad.h5"), "--quiet")
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn(expect, r.stderr)
        # exact quantiles keep a point's replicates in memory: too many are refused before any run
        self.ens_sweep("huge.lua", reps=10 ** 7)
        r = run("sweep", self.p("huge.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("quantiles are exact", r.stderr)
        self.assertFalse(os.path.exists(self.p("bad.h5")))
        self.assertFalse(os.path.exists(self.p("bad.h5.journal")))
        # a point's records fit, but one trajectory's 99 quantiles (99 x samples x nodes
        # doubles, written a point at a time) do not: counted too, refused before any run
        with open(self.p("tiny.lua")) as f:
            src = f.read()
        src, n = re.subn(r"days = 10, sample_every = [0-9.]+", "days = 1, sample_every = 0.00001", src, count=1)
        self.assertEqual(n, 1)
        with open(self.p("fine.lua"), "w") as f:
            f.write(src)
        qs = ", ".join(str((i + 1) / 100) for i in range(99))
        with open(self.p("slab.lua"), "w") as f:
            f.write('''sweep {
  scenario = "fine.lua", seed = 11, replicates = 2,
  parameters = { { "lambda0", grid = { 0.01 } } },
  metrics = { "displaced_final" }, keep_trajectories = { "residents" },
  set = { verbose = false }, ensemble = { quantiles = { %s } },
}
''' % qs)
        r = run("sweep", self.p("slab.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("99 quantiles", r.stderr)
        self.assertFalse(os.path.exists(self.p("bad.h5")))
        self.assertFalse(os.path.exists(self.p("bad.h5.journal")))

    def test_more_points_than_a_scale_block(self):
        """The point scale is written a block at a time (memory flat in the
        points): with more points than a block it is still 0, 1, ..., P - 1,
        and every point has its statistics."""
        P = 4100  # more than sweep_ens.c's SCALE_BLOCK (4096)
        with open(self.p("tiny.lua")) as f:
            src = f.read()
        with open(self.p("day.lua"), "w") as f:
            f.write(src.replace("days = 10", "days = 1", 1))
        with open(self.p("many.lua"), "w") as f:
            f.write('''sweep {
  scenario = "day.lua", seed = 11, replicates = 1, samples = %d,
  parameters = { { "lambda0", lhs = { 0.01, 0.05 } } },
  metrics = { "displaced_final", "civilian_deaths_final" },
  set = { verbose = false }, ensemble = { quantiles = { 0.5 } },
}
''' % P)
        out = self.sweep("many.lua", "many.h5", "-j", "2")
        with h5py.File(out, "r") as f:
            g = f["ensemble"]
            np.testing.assert_array_equal(g["point"][:], np.arange(P))
            np.testing.assert_array_equal(g["replicate"][:], [0])
            np.testing.assert_array_equal(g["run"][:], np.arange(P).reshape(P, 1))
            ok = f["run_status"][:] == 0
            np.testing.assert_array_equal(g["n"][:], ok.astype(np.uint64))
            x = f["outcomes"][:]
            # one replicate: its mean and median are its own values
            np.testing.assert_array_equal(g["outcomes_mean"][:][ok], x[ok])
            np.testing.assert_array_equal(g["outcomes_quantile"][:, 0][ok], x[ok])


class SweepEventsTest(SweepFixture):
    """events = "conflict" or "all": each run's event log in the group
    /events, with a run column and event_offset/event_count per run
    (output/README.md, "Each run's event log in a sweep"). The same bytes
    for any split of the work, a run's rows are those of `conflictsim run`
    with its seed, replicate and parameters at the same level, a sweep
    without the field is unchanged, and a sweep killed and resumed (its
    side files lost or torn too) gives the same file."""

    def ev_sweep(self, name, level, reps=3, traj="false", extra=""):
        self.write_sweep(name, reps=reps, traj=traj, extra="")
        with open(self.p(name)) as f:
            text = f.read()
        text = text.replace("set = { verbose = false },", 'set = { verbose = false },\n  events = "%s",%s' % (level, extra))
        with open(self.p(name), "w") as f:
            f.write(text)

    def check_layout(self, path, level):
        with h5py.File(path, "r") as f:
            ev = f["events"]
            self.assertEqual(ev.attrs["events_level"], level)
            off, cnt, run_ = f["event_offset"][:], f["event_count"][:], f["run"][:]
            self.assertEqual(len(off), len(run_))
            # runs in run order, back to back, every row labelled with its run
            np.testing.assert_array_equal(off, np.concatenate([[0], np.cumsum(cnt)[:-1]]))
            self.assertEqual(ev["run"].shape[0], cnt.sum())
            np.testing.assert_array_equal(ev["run"][:], np.repeat(run_, cnt.astype(np.int64)))
            # each run's events are numbered from 0 in time order
            e, t = ev["event"][:], ev["time"][:]
            for o, c in zip(off, cnt):
                np.testing.assert_array_equal(e[o:o + c], np.arange(c))
                self.assertTrue(np.all(np.diff(t[o:o + c]) >= 0))
            names = ev["kind"].attrs["flag_meanings"].split()
            kinds = {names[k] for k in np.unique(ev["kind"][:])}
            households = {"flight", "relocation", "return"}
            if level == "conflict":
                self.assertFalse(kinds & households, kinds)
            self.assertGreater(cnt.sum(), 0)
            return kinds

    def test_same_file_for_any_split(self):
        self.ev_sweep("ev.lua", "conflict", traj='{ "owner" }')
        a = self.sweep("ev.lua", "j1.h5", "-j", "1")
        b = self.sweep("ev.lua", "j2.h5", "-j", "2")
        shards = [self.sweep("ev.lua", "s{shard}.h5", "--shard", "%d/3" % i, "-j", "2") for i in range(3)]
        shards = [self.p("s%d.h5" % i) for i in range(3)]
        r = run("merge", shards[1], shards[2], shards[0], "-o", self.p("merged.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(a, b, shallow=False), "-j 1 and -j 2 differ")
        self.assertTrue(filecmp.cmp(a, self.p("merged.h5"), shallow=False), "merged shards differ")
        self.check_layout(a, "conflict")
        for i, s in enumerate(shards):  # a shard holds its runs' rows
            self.check_layout(s, "conflict")
            with h5py.File(a, "r") as f, h5py.File(s, "r") as g:
                np.testing.assert_array_equal(g["event_count"][:], f["event_count"][i::3])
        for out in ("j1.h5", "j2.h5", "s{shard}.h5"):  # the side files are gone with the journal
            self.assertFalse(os.path.exists(self.p(out + ".events")))
        # "all" keeps the households' rows too, and more rows than "conflict"
        self.ev_sweep("all.lua", "all")
        c = self.sweep("all.lua", "all.h5", "-j", "2")
        self.assertTrue(self.check_layout(c, "all") & {"flight", "relocation", "return"})
        with h5py.File(a, "r") as f, h5py.File(c, "r") as g:
            self.assertTrue(np.all(g["event_count"][:] >= f["event_count"][:]))
            self.assertGreater(g["event_count"][:].sum(), f["event_count"][:].sum())
            np.testing.assert_array_equal(g["outcomes"][:], f["outcomes"][:])  # the runs are the same

    def test_rows_are_the_run_files(self):
        for level in ("conflict", "all"):
            self.ev_sweep("ev.lua", level, reps=2)
            out = self.sweep("ev.lua", "ev-%s.h5" % level, "-j", "2")
            with h5py.File(out, "r") as f:
                names = [n.decode() if isinstance(n, bytes) else n for n in f["parameter"][:]]
                n = int(f.attrs["n_runs_total"])
                for k in (0, n // 2 + 1, n - 1):  # both replicates, other points
                    sets = ["verbose=false"] + ["%s=%.17g" % (p, v) for p, v in zip(names, f["design"][k])]
                    rf = self.p("run%d.h5" % k)
                    args = ["run", self.p("tiny.lua"), "-o", rf, "--quiet", "--events", level,
                            "--seed", str(f.attrs["master_seed"]), "--replicate", str(f["replicate"][k])]
                    for s in sets:
                        args += ["--set", s]
                    r = run(*args)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    o, c = f["event_offset"][k], f["event_count"][k]
                    with h5py.File(rf, "r") as g:
                        cols = [x for x in g["events"] if isinstance(g["events"][x], h5py.Dataset)]
                        self.assertEqual(set(cols) | {"run"}, set(f["events"]))
                        self.assertEqual(g["events/event"].shape[0], c)
                        for col in cols:
                            want, got = g["events"][col][:], f["events"][col][o:o + c]
                            self.assertEqual(want.dtype, got.dtype, col)
                            np.testing.assert_array_equal(want, got, err_msg="run %d, column %s" % (k, col))

    def test_default_unchanged(self):
        # no `events` (or events = "none"): no group /events, nothing beside the journal
        a = self.sweep("sweep.lua", "plain.h5", "-j", "2")
        self.ev_sweep("none.lua", "none", traj='{ "residents", "owner" }')
        b = self.sweep("none.lua", "none.h5", "-j", "2")
        for out in (a, b):
            with h5py.File(out, "r") as f:
                self.assertNotIn("events", f)
                self.assertNotIn("event_offset", f)
                self.assertNotIn("event_count", f)
            self.assertFalse(os.path.exists(out + ".events"))
        with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
            self.assertEqual(sorted(f), sorted(g))
        self.write_sweep("bad.lua", reps=1, traj="false", extra="")
        with open(self.p("bad.lua")) as f:
            text = f.read()
        with open(self.p("bad.lua"), "w") as f:
            f.write(text.replace("set = { verbose = false },", 'set = { verbose = false }, events = "some",'))
        r = run("sweep", self.p("bad.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("events must be", r.stderr)

    def test_resume_after_kill(self):
        self.ev_sweep("big.lua", "all", reps=20)
        ref = self.sweep("big.lua", "ref.h5", "-j", "1")
        out = self.p("killed.h5")
        journal, side = out + ".journal", out + ".events"
        cmd = [BINARY, "sweep", self.p("big.lua"), "-o", out, "--quiet", "-j", "2"]
        total = 2 * 4 * 20
        killed = kill_midway(cmd, out, journal, lambda: len(journal_records(journal, 9)[1]) >= 20,
                             lambda: len(journal_records(journal, 9)[1]) < total)
        self.assertTrue(killed, "the sweep always finished before it could be killed")
        done = sorted({k for _, k, _, _ in journal_records(journal, 9)[1]})
        # what a crash of the machine could leave: a journalled run's side
        # file lost, another's torn; both must be run again, not read
        os.unlink(os.path.join(side, str(done[0])))
        torn = os.path.join(side, str(done[1]))
        with open(torn, "r+b") as f:
            f.truncate(os.path.getsize(torn) - 5)
        r = run("sweep", self.p("big.lua"), "-o", out, "-j", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"(\d+) done", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        self.assertLessEqual(int(m.group(1)), len(done) - 2)
        self.assertTrue(filecmp.cmp(ref, out, shallow=False), "resumed sweep differs")
        self.assertFalse(os.path.exists(journal))
        self.assertFalse(os.path.exists(side))

    def test_expand_keeps_events(self):
        self.ev_sweep("small.lua", "conflict", reps=2)
        self.ev_sweep("big.lua", "conflict", reps=3)
        ref = self.sweep("big.lua", "ref.h5", "-j", "2")
        small = self.sweep("small.lua", "small.h5", "-j", "2")
        out = self.p("grown.h5")
        shutil.copy(small, out)
        r = run("sweep", self.p("big.lua"), "-o", out, "--expand", out, "-j", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"\(\d+ kept from --expand now\)")
        self.assertNotIn("(0 kept", r.stderr)
        self.assertTrue(filecmp.cmp(ref, out, shallow=False), "expanded differs from scratch")
        # a smaller sweep without events cannot give a bigger one with them its rows
        self.write_sweep("plain.lua", reps=2, traj="false")
        plain = self.sweep("plain.lua", "plain.h5")
        r = run("sweep", self.p("big.lua"), "-o", self.p("x.h5"), "--expand", plain, "--quiet")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("events", r.stderr)
        self.assertFalse(os.path.exists(self.p("x.h5")))


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
