"""test_sweep_mpi.py: `conflictsim sweep` under mpirun.

Usage: /usr/bin/python3 tests/test_sweep_mpi.py <conflictsim-binary> <source-dir>

The small sweep of test_sweep.py (with a metric written as a Lua function)
run as `mpirun -n 2` must write the same file, byte for byte, as -j 1 (and
a shard under MPI the same shard as with forked workers); a sweep under
mpirun whose ranks get SIGTERM (what Slurm sends them on scancel or at the
time limit) keeps its completed runs in the journal, leaves no output file,
and started again under mpirun gives the same file as an uninterrupted -j 1
sweep (a sobol design's too, group /sensitivity included); a sweep file
with an error fails on every rank with the message and
a non-zero status; runs that fail by their own fault on any rank are
recorded (exit status 8, the same file as -j 1), and with --fail-fast the
first ends the whole job with its message.

Skipped, with a message, only when the binary was built without MPI
(`conflictsim --version` says so); CI installs OpenMPI (.ci/deps), so there
it runs. As root Open MPI refuses to start without OMPI_ALLOW_RUN_AS_ROOT=1
and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1, which the test sets, together with
oversubscription (so a one-core machine can start 2 ranks).
"""

import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

import test_sweep

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
              "nodes_lost", "clashes_gang_state", "fall_time:centre",
              centre_residents = function(sim) return sim:residents("centre") end },
  keep_trajectories = %(traj)s,
  set = { verbose = false },
}
"""

MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
}


def children(pid):
    """The processes whose parent is pid (the ranks mpirun started)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(d))
    return out


def has_mpi():
    r = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=30)
    return "MPI: built in" in r.stdout


class SweepMpiTest(test_sweep.SweepFixture):
    SWEEP = SWEEP

    @classmethod
    def setUpClass(cls):
        if not has_mpi():
            raise unittest.SkipTest("this conflictsim was built without MPI (conflictsim --version); "
                                    "install libopenmpi-dev (bash .ci/deps) and reconfigure")
        cls.mpirun = shutil.which("mpirun")
        if not cls.mpirun:
            raise AssertionError("the build has MPI but mpirun is not on PATH (Debian: openmpi-bin)")
        cls.env = dict(os.environ, **MPI_ENV)
        # The sanitizer build: LeakSanitizer's fast unwinder cannot walk
        # Open MPI's frames, and Open MPI leaves blocks behind at MPI_Finalize
        # by design. Leaks are checked in one run (leak_env: full stacks,
        # plugins kept loaded, Open MPI's libraries suppressed by
        # tests/lsan_openmpi.supp), which is slow; the others skip the check.
        supp = os.path.join(SOURCE_DIR, "tests", "lsan_openmpi.supp")
        asan = os.environ.get("ASAN_OPTIONS")
        cls.leak_env = dict(cls.env)
        cls.leak_env["OMPI_MCA_mca_base_component_disable_dlclose"] = "1"
        cls.leak_env["LSAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("LSAN_OPTIONS"), "suppressions=" + supp]))
        cls.leak_env["ASAN_OPTIONS"] = ":".join(filter(None, [asan, "fast_unwind_on_malloc=0"]))
        cls.env["ASAN_OPTIONS"] = ":".join(filter(None, [asan, "detect_leaks=0"]))

    def mpi_cmd(self, n, *args):
        return [self.mpirun, "-n", str(n), BINARY, *args]

    def run_mpi(self, n, *args, timeout=120, env=None):
        return subprocess.run(self.mpi_cmd(n, *args), capture_output=True, text=True, timeout=timeout,
                              env=env or self.env, cwd=self.dir)

    def test_mpirun_same_file_as_j1(self):
        ref = self.sweep("sweep.lua", "j1.h5", "-j", "1")
        r = self.run_mpi(2, "sweep", self.p("sweep.lua"), "-o", self.p("mpi.h5"), env=self.leak_env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 MPI ranks", r.stderr)
        self.assertTrue(filecmp.cmp(ref, self.p("mpi.h5"), shallow=False), "mpirun -n 2 and -j 1 differ")
        self.assertFalse(os.path.exists(self.p("mpi.h5.journal")))
        # a shard under MPI is the shard the forked workers write
        fork = self.sweep("sweep.lua", "s1-fork.h5", "--shard", "1/3", "-j", "2")
        r = self.run_mpi(2, "sweep", self.p("sweep.lua"), "-o", self.p("s1-mpi.h5"), "--shard", "1/3", "--quiet")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(filecmp.cmp(fork, self.p("s1-mpi.h5"), shallow=False), "shard 1/3 under MPI differs")

    def test_mpirun_failed_runs_same_file_as_j1(self):
        # runs that fail by their own fault are recorded the same way by the
        # ranks (rank 0 computes some of them itself) as by forked workers
        with open(self.p("tiny.lua"), "a") as f:
            f.write(test_sweep.FAILING)
        with open(self.p("fail.lua"), "w") as f:
            f.write(test_sweep.FAIL_SWEEP % {"reps": 3, "grid": "{ 2, 5, 7 }"})
        r = subprocess.run([BINARY, "sweep", self.p("fail.lua"), "-o", self.p("j1.h5"), "--quiet", "-j", "1"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 8, r.stderr)
        r = self.run_mpi(2, "sweep", self.p("fail.lua"), "-o", self.p("mpi.h5"), "--quiet")
        self.assertEqual(r.returncode, 8, r.stdout + r.stderr)
        self.assertIn("6 of 18 runs failed", r.stderr)
        self.assertTrue(filecmp.cmp(self.p("j1.h5"), self.p("mpi.h5"), shallow=False), "mpirun -n 2 and -j 1 differ")
        self.assertFalse(os.path.exists(self.p("mpi.h5.journal")))

    def test_mpirun_expand_and_shards(self):
        """--expand and --shards N (several shards in one job) under MPI give
        the files -j 1 gives."""
        with open(self.p("sweep.lua")) as f:
            text = f.read()
        with open(self.p("small.lua"), "w") as f:
            f.write(text.replace("replicates = 3", "replicates = 2"))
        ref = self.sweep("sweep.lua", "ref.h5", "-j", "1")
        small = self.sweep("small.lua", "small.h5", "-j", "1")
        r = self.run_mpi(2, "sweep", self.p("sweep.lua"), "-o", small, "--expand", small, "--quiet")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(filecmp.cmp(ref, small, shallow=False), "expanded under MPI differs from scratch")
        r = self.run_mpi(2, "sweep", self.p("sweep.lua"), "-o", self.p("a-{shard}.h5"), "--shards", "3")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        files = [self.p("a-%d.h5" % i) for i in range(3)]
        r = subprocess.run([BINARY, "merge", *files, "-o", self.p("merged.h5")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(ref, self.p("merged.h5"), shallow=False), "--shards 3 under MPI differs")

    def test_mpirun_events_same_file_as_j1(self):
        """events = "all": the ranks write their runs' event rows beside the
        journal; the file is -j 1's, and shards under --shards N too."""
        with open(self.p("sweep.lua")) as f:
            text = f.read()
        with open(self.p("ev.lua"), "w") as f:
            f.write(text.replace("set = { verbose = false },", 'set = { verbose = false }, events = "all",'))
        ref = self.sweep("ev.lua", "j1.h5", "-j", "1")
        r = self.run_mpi(2, "sweep", self.p("ev.lua"), "-o", self.p("mpi.h5"), "--quiet")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(filecmp.cmp(ref, self.p("mpi.h5"), shallow=False), "mpirun -n 2 and -j 1 differ")
        self.assertFalse(os.path.exists(self.p("mpi.h5.events")))
        r = self.run_mpi(2, "sweep", self.p("ev.lua"), "-o", self.p("e-{shard}.h5"), "--shards", "3", "--quiet")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        files = [self.p("e-%d.h5" % i) for i in range(3)]
        r = subprocess.run([BINARY, "merge", *files, "-o", self.p("merged.h5")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(filecmp.cmp(ref, self.p("merged.h5"), shallow=False), "--shards 3 under MPI differs")
        self.assertFalse(os.path.exists(self.p("e-{shard}.h5.events")))

    def test_mpirun_sobol_same_file_as_j1(self):
        """A sensitivity design: the group /sensitivity too is the same under MPI."""
        with open(self.p("sobol.lua"), "w") as f:
            f.write("""sweep { scenario = "tiny.lua", seed = 3, design = "sobol", samples = 5, bootstrap = 100,
  parameters = { { "lambda0", loguniform = { 0.01, 0.05 } }, { "h1", uniform = { 0.05, 0.3 } } },
  metrics = { "displaced_final", "clashes_all" }, set = { verbose = false } }
""")
        ref = self.sweep("sobol.lua", "j1.h5", "-j", "1")
        r = self.run_mpi(2, "sweep", self.p("sobol.lua"), "-o", self.p("mpi.h5"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Sobol' indices of 2 parameters", r.stdout)  # rank 0 prints the table, once
        self.assertEqual(r.stdout.count("Sobol' indices"), 1)
        self.assertTrue(filecmp.cmp(ref, self.p("mpi.h5"), shallow=False), "mpirun -n 2 and -j 1 differ")

    def test_resume_after_sigterm(self):
        self.write_sweep("big.lua", reps=40, traj="false")
        ref = self.sweep("big.lua", "ref.h5", "-j", "1")
        out = self.p("killed.h5")
        journal = out + ".journal"
        header, rec = 168, 16 + 8 * 7
        total = 2 * 4 * 40
        cmd = self.mpi_cmd(2, "sweep", self.p("big.lua"), "-o", out, "--quiet")
        stopped = False
        # A fast (or, for the poller, a busy) machine may finish every run
        # before the signal lands: then try again.
        for _ in range(5):
            stopped = False
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env,
                                    start_new_session=True)
            try:
                deadline = time.time() + 60
                while time.time() < deadline and proc.poll() is None:
                    if os.path.exists(journal) and os.path.getsize(journal) >= header + 20 * rec:
                        # SIGTERM to every rank, as Slurm does on scancel or at
                        # the time limit (mpirun itself forwards a signal only
                        # after about a second, when a small sweep is done)
                        for pid in children(proc.pid):
                            os.kill(pid, signal.SIGTERM)
                        stopped = True
                        break
                    time.sleep(0.002)
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            if stopped and proc.returncode != 0:
                self.assertFalse(os.path.exists(out), "a stopped sweep left an output file")
                done = (os.path.getsize(journal) - header) // rec
                if done < total:
                    break
            stopped = False
            for f in (out, journal):
                if os.path.exists(f):
                    os.unlink(f)
        self.assertTrue(stopped, "the sweep always finished before it could be stopped")
        self.assertGreater(done, 0)
        r = self.run_mpi(2, "sweep", self.p("big.lua"), "-o", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        m = re.search(r"(\d+) done", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        self.assertGreaterEqual(int(m.group(1)), done - 1)  # a torn last record is cut off
        self.assertTrue(filecmp.cmp(ref, out, shallow=False), "the resumed MPI sweep differs from -j 1")
        self.assertFalse(os.path.exists(journal))

    def test_failing_runs_recorded_or_fail_fast(self):
        # valid on the initial state (checked at load), wrong at the end of a run
        with open(self.p("sweep.lua")) as f:
            src = f.read()
        src = src.replace('centre_residents = function(sim) return sim:residents("centre") end',
                          'mine = function(sim) if sim:time() > 0 then return nil end return 0 end')
        self.assertIn("mine =", src)
        with open(self.p("late.lua"), "w") as f:
            f.write(src)
        # --fail-fast: the first failure stops the job, no file
        r = self.run_mpi(2, "sweep", self.p("late.lua"), "-o", self.p("late.h5"), "--quiet", "--fail-fast",
                         timeout=60)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("metric 'mine'", r.stderr)
        self.assertIn("not a number", r.stderr)
        self.assertIn("--fail-fast", r.stderr)
        self.assertFalse(os.path.exists(self.p("late.h5")))
        # without it, every run is recorded as failed and the file written
        r = self.run_mpi(2, "sweep", self.p("late.lua"), "-o", self.p("late.h5"), "--quiet", timeout=60)
        self.assertEqual(r.returncode, 8, r.stdout + r.stderr)
        self.assertIn("all 24 runs failed", r.stderr)  # 2 x 4 points x 3 replicates
        self.assertIn("metric 'mine'", r.stderr)
        self.assertTrue(os.path.exists(self.p("late.h5")))
        self.assertFalse(os.path.exists(self.p("late.h5.journal")))

    def test_bad_sweep_fails_on_every_rank(self):
        with open(self.p("bad.lua"), "w") as f:
            f.write('return { scenario = "tiny.lua", parameters = { { "no_such", grid = {1} } } }\n')
        r = self.run_mpi(2, "sweep", self.p("bad.lua"), "-o", self.p("bad.h5"), "--quiet")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no_such", r.stderr)
        self.assertFalse(os.path.exists(self.p("bad.h5")))


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = os.path.abspath(sys.argv[2])
    test_sweep.BINARY, test_sweep.SOURCE_DIR = BINARY, SOURCE_DIR
    unittest.main(argv=sys.argv[:1], verbosity=2)
