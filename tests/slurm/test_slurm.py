"""test_slurm.py: `conflictsim sweep` under a real Slurm.

Usage (the cluster comes from tests/slurm/cluster.sh, which sets SLURM_CONF):

    bash tests/slurm/cluster.sh /usr/bin/python3 tests/slurm/test_slurm.py <conflictsim-binary> <source-dir>

Jobs are submitted with sbatch to the one-node cluster and their files are
compared, byte for byte, with the same sweep run here with -j 1 (the sweep
file's contract: the output does not depend on how the runs were split,
output/README.md, "The sweep file"):

- a job array of 3 shards (`sbatch --array=0-2`, each task `srun conflictsim
  sweep -o 'shard-{shard}.h5'`, the shard read from SLURM_ARRAY_TASK_*), and
  a merge job held by `--dependency=afterany:<array>`, which merge can only
  pass once every shard is there;
- `--shards 6` over the array `--print-array` gives (4 tasks: cluster.sh
  sets MaxArraySize=4, which it reads from `scontrol show config`), merged;
- one job of 2 tasks running the sweep with `srun --mpi=pmix -n 2` and then
  with `mpirun -n 2`;
- the MPI job cancelled with `scancel` mid-sweep (the ranks get SIGTERM from
  Slurm): no output file, the journal kept with part of the runs; the same
  job submitted again resumes from the journal and writes the uninterrupted
  file;
- `srun --mpi=none -n 2`: two tasks without MPI, each of which would be
  rank 0; both refuse (exit status 2, the message naming --mpi=pmix) and
  nothing is written; `srun --mpi=pmi2 -n 2`, which Debian's Open MPI cannot
  use, fails in MPI_Init and writes nothing either.

Every job's files are in a temporary directory; on a failure the jobs'
stderr is in the assertion's message.
"""

import filecmp
import glob
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import test_sweep  # noqa: E402
import test_sweep_mpi  # noqa: E402

BINARY = None
SOURCE_DIR = None

JOB_TIMEOUT = 180  # seconds for any one job, queueing included


def sh(*cmd, timeout=JOB_TIMEOUT, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit status %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def in_queue(job):
    """Whether any part of job (an array's tasks included) is still queued or running."""
    return sh("squeue", "-h", "-j", str(job), "-o", "%i", check=False).stdout.strip() != ""


class SlurmTest(test_sweep.SweepFixture):
    SWEEP = test_sweep_mpi.SWEEP  # with a metric written in Lua

    @classmethod
    def setUpClass(cls):
        if not os.environ.get("SLURM_CONF"):
            raise AssertionError("no SLURM_CONF: run this under tests/slurm/cluster.sh")
        if not test_sweep_mpi.has_mpi():
            raise AssertionError("this conflictsim was built without MPI (conflictsim --version)")
        plugins = sh("srun", "--mpi=list").stdout + sh("srun", "--mpi=list").stderr
        if not re.search(r"^\s*pmix\s*$", plugins, re.M):
            raise AssertionError("this Slurm has no pmix MPI plugin (srun --mpi=list):\n" + plugins)

    def tearDown(self):
        # the cluster is this test's own: nothing of a failed test runs on
        subprocess.run(["scancel", "--user=root"], capture_output=True, timeout=30)
        self.wait_gone(None)
        super().tearDown()

    def wait_gone(self, job, timeout=60):
        """Until job (None: every job) has left the queue."""
        deadline = time.time() + timeout
        while in_queue(job) if job else sh("squeue", "-h", "-o", "%i").stdout.strip():
            self.assertLess(time.time(), deadline, "job %s still in the queue after %d s" % (job, timeout))
            time.sleep(0.05)

    def script(self, name, body):
        """A batch script in the test's directory, which is the job's too; $CS
        is the binary, $D the directory. The sweep file is named as -j 1 names
        it ($D/...): the file records the scenario's path as the sweep saw it."""
        with open(self.p(name), "w") as f:
            f.write("#!/bin/bash\nset -u\n"
                    "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n"
                    "CS=%s\nD=%s\n%s" % (BINARY, self.dir, body))
        return self.p(name)

    def sbatch(self, script, *opts, wait=False):
        """Submit; the job id. With wait, returns when the job has left the
        queue (polled: sbatch --wait polls at 2, 4, 8... s)."""
        cmd = ["sbatch", "--parsable", "-D", self.dir, "-o", self.p("slurm-%A_%a.out"), *opts, script]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, "sbatch %s: %s%s" % (script, r.stdout, r.stderr))
        job = int(r.stdout.split(";")[0])
        if wait:
            self.wait_gone(job, JOB_TIMEOUT)
        return job

    def logs(self):
        text = ""
        for f in sorted(glob.glob(self.p("*.err")) + glob.glob(self.p("slurm-*.out"))):
            with open(f, errors="replace") as fh:
                text += "\n--- %s\n%s" % (os.path.basename(f), fh.read()[-3000:])
        return text

    def status(self, name):
        """The exit status a job script wrote to NAME.rc."""
        with open(self.p(name + ".rc")) as f:
            return int(f.read())

    def same(self, ref, name, what):
        self.assertTrue(os.path.exists(self.p(name)), "%s wrote no %s%s" % (what, name, self.logs()))
        self.assertTrue(filecmp.cmp(ref, self.p(name), shallow=False), "%s and -j 1 differ" % what)
        self.assertFalse(os.path.exists(self.p(name + ".journal")), "%s left its journal" % what)

    def test_array_with_dependent_merge(self):
        ref = self.sweep("sweep.lua", "j1.h5", "-j", "1")
        array = self.sbatch(self.script("shards.sh",
                                        "srun $CS sweep $D/sweep.lua -o 'shard-{shard}.h5' -j 1 --quiet "
                                        "2>shard-$SLURM_ARRAY_TASK_ID.err\n"
                                        "echo $? >shard-$SLURM_ARRAY_TASK_ID.rc\n"),
                            "--array=0-2")
        # submitted while the shards are queued or running: merge refuses a
        # missing shard, so it passes only if Slurm held it until the end
        self.sbatch(self.script("merge.sh", "$CS merge shard-*.h5 -o merged.h5 2>merge.err\necho $? >merge.rc\n"),
                    "--dependency=afterany:%d" % array, wait=True)
        self.assertFalse(in_queue(array))
        for i in range(3):
            self.assertEqual(self.status("shard-%d" % i), 0, self.logs())
        self.assertEqual(sorted(os.path.basename(f) for f in glob.glob(self.p("shard-*.h5"))),
                         ["shard-0.h5", "shard-1.h5", "shard-2.h5"])
        self.assertEqual(self.status("merge"), 0, self.logs())
        # three distinct shards (a task that took the whole sweep, or another's
        # shard, would make merge refuse), merged into the -j 1 file
        self.same(ref, "merged.h5", "the merged array")

    def test_more_shards_than_maxarraysize(self):
        # cluster.sh sets MaxArraySize=4: --print-array reads it from scontrol
        # and gives 4 tasks for 6 shards; task t runs shards t and t + 4
        ref = self.sweep("sweep.lua", "j1.h5", "-j", "1")
        r = subprocess.run([BINARY, "sweep", "--shards", "6", "--print-array"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "0-3", r.stderr)
        array = self.sbatch(self.script("many.sh",
                                        "srun $CS sweep $D/sweep.lua --shards 6 -o 'many-{shard}.h5' -j 1 --quiet "
                                        "2>many-$SLURM_ARRAY_TASK_ID.err\n"
                                        "echo $? >many-$SLURM_ARRAY_TASK_ID.rc\n"),
                            "--array=" + r.stdout.strip())
        self.sbatch(self.script("merge.sh", "$CS merge many-*.h5 -o merged.h5 2>merge.err\necho $? >merge.rc\n"),
                    "--dependency=afterany:%d" % array, wait=True)
        for t in range(4):
            self.assertEqual(self.status("many-%d" % t), 0, self.logs())
        self.assertEqual(sorted(f for f in os.listdir(self.dir) if re.fullmatch(r"many-\d+\.h5", f)),
                         ["many-%d.h5" % i for i in range(6)])
        self.assertEqual(self.status("merge"), 0, self.logs())
        self.same(ref, "merged.h5", "6 shards over an array of 4 tasks, merged")

    def test_srun_pmix_and_mpirun_in_sbatch(self):
        ref = self.sweep("sweep.lua", "j1.h5", "-j", "1")
        self.sbatch(self.script("mpi.sh",
                                "srun --mpi=pmix -n 2 $CS sweep $D/sweep.lua -o pmix.h5 2>pmix.err\necho $? >pmix.rc\n"
                                "mpirun -n 2 $CS sweep $D/sweep.lua -o mpirun.h5 2>mpirun.err\necho $? >mpirun.rc\n"),
                    "-n", "2", wait=True)
        for name in ("pmix", "mpirun"):
            self.assertEqual(self.status(name), 0, self.logs())
            with open(self.p(name + ".err")) as f:
                self.assertIn("2 MPI ranks", f.read())  # one sweep over both tasks, not two
            self.same(ref, name + ".h5", "srun --mpi=pmix -n 2" if name == "pmix" else "mpirun -n 2 in sbatch")

    def test_scancel_then_resubmit_resumes(self):
        # long enough that the job is still running when it is cancelled
        with open(self.p("tiny.lua")) as f:
            src = f.read()
        with open(self.p("tiny.lua"), "w") as f:
            f.write(re.sub(r"days = \d+", "days = 60", src, count=1))
        reps = 250
        self.write_sweep("big.lua", reps=reps, traj="false")
        ref = self.sweep("big.lua", "ref.h5", "-j", "1")
        total = 2 * 4 * reps
        header, rec = 168, 16 + 8 * 7  # the journal (test_sweep_mpi.py): 7 metrics
        journal = self.p("big.h5.journal")
        # each task's stderr written by Slurm itself, not forwarded by srun,
        # which scancel ends too
        script = self.script("big.sh", "srun --mpi=pmix -n 2 -e 'big-%t.err' $CS sweep $D/big.lua -o big.h5\n"
                                       "echo $? >big.rc\n")
        job = self.sbatch(script, "-n", "2")
        deadline = time.time() + JOB_TIMEOUT
        while not (os.path.exists(journal) and os.path.getsize(journal) >= header + 20 * rec):
            self.assertTrue(in_queue(job), "the job ended before it could be cancelled" + self.logs())
            self.assertLess(time.time(), deadline, "no runs in the journal" + self.logs())
            time.sleep(0.01)
        sh("scancel", str(job))
        self.wait_gone(job)
        self.assertFalse(os.path.exists(self.p("big.h5")), "a cancelled sweep left its output" + self.logs())
        done = (os.path.getsize(journal) - header) // rec
        self.assertGreater(done, 0)
        self.assertLess(done, total, "the sweep finished before scancel reached it")
        with open(self.p("big-0.err")) as f:
            self.assertIn("run the same command to resume", f.read())  # rank 0 caught SIGTERM
        self.sbatch(script, "-n", "2", wait=True)
        self.assertEqual(self.status("big"), 0, self.logs())
        with open(self.p("big-0.err")) as f:
            err = f.read()
        m = re.search(r"(\d+) done", err)
        self.assertIsNotNone(m, err)
        self.assertGreaterEqual(int(m.group(1)), done - 1)  # a torn last record is cut off
        self.same(ref, "big.h5", "the resumed job")

    def test_srun_without_mpi_refused(self):
        # --mpi=pmi2: Slurm offers it, Debian's Open MPI cannot use it (not
        # built with Slurm's PMI): MPI_Init fails in every task
        self.sbatch(self.script("none.sh",
                                "srun --mpi=none -n 2 -e 'none-%t.err' $CS sweep $D/sweep.lua -o none.h5\n"
                                "echo $? >none.rc\n"
                                "srun --mpi=pmi2 -n 2 -e 'pmi2-%t.err' $CS sweep $D/sweep.lua -o pmi2.h5\n"
                                "echo $? >pmi2.rc\n"),
                    "-n", "2", wait=True)
        self.assertEqual(self.status("none"), 2, self.logs())
        for t in range(2):
            with open(self.p("none-%d.err" % t)) as f:
                err = f.read()
            self.assertIn("started by srun as task %d of 2" % t, err)
            self.assertIn("srun --mpi=pmix", err)
        self.assertNotEqual(self.status("pmi2"), 0, self.logs())
        self.assertEqual(sorted(f for f in os.listdir(self.dir) if f.startswith(("none.h5", "pmi2.h5"))), [],
                         "a task without a working MPI wrote something")


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = os.path.abspath(sys.argv[2])
    test_sweep.BINARY, test_sweep.SOURCE_DIR = BINARY, SOURCE_DIR
    test_sweep_mpi.BINARY, test_sweep_mpi.SOURCE_DIR = BINARY, SOURCE_DIR
    unittest.main(argv=sys.argv[:1], verbosity=2)
