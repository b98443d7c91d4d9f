#!/usr/bin/python3
"""Crash safety: SIGKILL `conflictsim run` and `conflictsim sweep` at random
moments, many times, and require that a file at the final path is never
anything but complete: either the earlier file, byte for byte, or the file an
uninterrupted run writes, byte for byte (runs are deterministic). Leftovers
must be clearly temporary (NAME.tmp.PID, the sweep's NAME.journal), and the
next run must succeed and finish the job. With strace installed, also checks
that the run file and its directory are fsynced around the rename.

Usage: test_crash.py PATH/TO/conflictsim SOURCE_DIR
"""
import filecmp
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
TEMPORARY = re.compile(r"\.tmp\.\d+$|\.journal$")

SWEEP = """return { scenario = "tiny.lua", seed = 1, replicates = 6, metrics = { "displaced_final" },
  parameters = { { "lambda0", grid = { 0.02, 0.03 } } }, keep_trajectories = { "owner" },
  set = { verbose = false } }
"""


class CrashSafety(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cs_crash_")
        with open(os.path.join(SRC, "scenarios", "examples", "tiny.lua")) as f:
            src = f.read()
        src, n = re.subn(r"days = \d+", "days = 100", src, count=1)
        self.assertEqual(n, 1)
        self.tiny = self.p("tiny.lua")
        with open(self.tiny, "w") as f:
            f.write(src)
        self.rng = random.Random(int(os.environ.get("CS_CRASH_SEED", "7")))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def p(self, name):
        return os.path.join(self.dir, name)

    def timed(self, cmd):
        t0 = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return time.monotonic() - t0

    def kill_at(self, cmd, delay):
        """Start cmd, SIGKILL it after delay seconds (if still running)."""
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True

    def assert_only_temporaries(self, keep):
        for n in os.listdir(self.dir):
            if n not in keep:
                self.assertRegex(n, TEMPORARY, "a leftover that does not look temporary")

    def test_kill_run(self):
        ref, earlier, out = self.p("ref.h5"), self.p("earlier.h5"), self.p("out.h5")
        cmd = [EXE, "run", self.tiny, "--quiet", "--seed", "3"]
        t = self.timed(cmd + ["-o", ref])
        self.timed([EXE, "run", self.tiny, "--quiet", "--seed", "4", "-o", earlier])
        self.assertFalse(filecmp.cmp(ref, earlier, shallow=False))
        # A fixed number of attempts, not a time budget: on a loaded machine
        # (the sanitizer build beside other jobs) a time budget left too few
        # attempts. Each kill lands at a uniform time in [0, 1.3 t], so about
        # three in four attempts kill; at least 10 of 30 must.
        kills, finished = 0, 0
        deadline = time.monotonic() + 300  # a safety net only
        for i in range(30):
            if time.monotonic() > deadline:
                break
            with_earlier = i % 2 == 0
            if with_earlier:
                shutil.copy(earlier, out)
            elif os.path.exists(out):
                os.unlink(out)
            if self.kill_at(cmd + ["-o", out], self.rng.uniform(0, 1.3 * t)):
                kills += 1
            else:
                finished += 1
            if os.path.exists(out):
                same = filecmp.cmp(out, ref, shallow=False) or (
                    with_earlier and filecmp.cmp(out, earlier, shallow=False))
                self.assertTrue(same, "kill %d left a file at the final path that is neither the earlier "
                                      "nor the complete one" % i)
            self.assert_only_temporaries({"tiny.lua", "ref.h5", "earlier.h5", "out.h5"})
        self.assertGreaterEqual(kills, 10, "too few runs were killed (%d finished)" % finished)
        # the next run ignores the temporaries of the killed ones and completes
        self.timed(cmd + ["-o", out])
        self.assertTrue(filecmp.cmp(out, ref, shallow=False))

    def test_kill_sweep(self):
        sw = self.p("sw.lua")
        with open(sw, "w") as f:
            f.write(SWEEP)
        ref, out = self.p("ref.h5"), self.p("out.h5")
        cmd = [EXE, "sweep", sw, "--quiet", "-j", "2"]
        t = self.timed(cmd + ["-o", ref])
        kills = 0
        deadline = time.monotonic() + 300  # a safety net only; see test_kill_run
        for i in range(12):
            if time.monotonic() > deadline:
                break
            if self.kill_at(cmd + ["-o", out], self.rng.uniform(0, 1.2 * t)):
                kills += 1
            if os.path.exists(out):  # complete, or not there
                self.assertTrue(filecmp.cmp(out, ref, shallow=False), "kill %d: a partial sweep file" % i)
                os.unlink(out)
            self.assert_only_temporaries({"tiny.lua", "sw.lua", "ref.h5"})
        self.assertGreaterEqual(kills, 5)
        # a fresh start resumes from the journal (if the last kill left one) and completes
        self.timed(cmd + ["-o", out])
        self.assertTrue(filecmp.cmp(out, ref, shallow=False))
        self.assertFalse(os.path.exists(out + ".journal"))

    @unittest.skipUnless(shutil.which("strace"), "strace is not installed")
    def test_durable_rename(self):
        """fsync of the temporary file before the rename, of the directory after."""
        out = self.p("out.h5")
        log = self.p("strace.log")
        r = subprocess.run(["strace", "-f", "-o", log, "-e", "trace=openat,fsync,fdatasync,rename,renameat,"
                            "renameat2,close", EXE, "run", self.tiny, "--quiet", "-o", out],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))  # LSan cannot run under ptrace
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(log) as f:
            lines = f.read().splitlines()
        os.unlink(log)
        fd_path, synced, renamed, dir_synced_after = {}, set(), None, False
        for ln in lines:
            m = re.search(r'openat\(AT_FDCWD, "([^"]+)".*\) = (\d+)$', ln)
            if m:
                fd_path[m.group(2)] = m.group(1)
                continue
            m = re.search(r"f(?:data)?sync\((\d+)\)\s+= 0", ln)
            if m:
                path = fd_path.get(m.group(1))
                if renamed is None:
                    synced.add(path)
                elif path in (self.dir, self.dir + "/"):
                    dir_synced_after = True
                continue
            m = re.search(r'rename(?:at2?)?\(.*"([^"]+\.tmp\.\d+)".*"([^"]+)"', ln)
            if m and m.group(2) == out:
                renamed = m.group(1)
        self.assertIsNotNone(renamed, "the file was not renamed into place")
        self.assertIn(renamed, synced, "the temporary file was not fsynced before the rename")
        self.assertTrue(dir_synced_after, "the directory was not fsynced after the rename")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
