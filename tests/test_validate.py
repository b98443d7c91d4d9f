#!/usr/bin/python3
"""`conflictsim validate` over the worker pool: the table, the CSV, the
messages and the exit status do not depend on -j.

- A city whose dated targets are all computed gives the same stdout and the
  same CSV bytes with -j 1 (in-process), -j 2 and -j 3 (more workers than some
  replicates leave busy).
- When some replicates fail, the error reported is the one of the earliest
  failing replicate, whatever -j: each failure here names a number drawn from
  its replicate's own stream, so a different replicate would show a different
  message.
- -j is checked like the other counts.

Usage: test_validate.py PATH/TO/conflictsim SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."

EXIT_USAGE, EXIT_SCENARIO = 2, 3

CITY = textwrap.dedent("""\
    scenario { name = "v", start = "2023-09-01", days = 548, sample_every = 1 }
    node { id = "solino", residents = 8000, value = 0.6 }
    node { id = "tabarre_27", residents = 6000, value = 0.4 }
    node { id = "base", residents = 5000, value = 0.3, owner = "g" }
    node { id = "base2", residents = 5000, value = 0.3, owner = "h" }
    road("solino", "tabarre_27", 1); road("base", "solino", 1)
    road("base2", "tabarre_27", 1); road("base", "base2", 2)
    gang { id = "g", members = 400, base = "base" }
    gang { id = "h", members = 300, base = "base2" }
    unit { id = "p", kind = "police", officers = 100, at = "solino" }
    """)

# fails in about half the replicates, each with its own number
FLAKY = CITY + textwrap.dedent("""\
    at(30, function(sim)
      if math.random() < 0.5 then error("replicate failed, token " .. math.random(1000000000)) end
    end)
    """)


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=600)


class ValidateJobsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def script(self, text, name):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_same_table_for_every_j(self):
        p = self.script(CITY, "city.lua")
        got = []
        for j in ("1", "2", "3"):
            out = self.path("v%s.csv" % j)
            r = run("validate", p, "--replicates", "5", "--seed", "3", "-j", j, "-o", out, "--set", "lambda0=0.05")
            self.assertIn(r.returncode, (0, 7), r.stderr)
            with open(out, "rb") as f:
                csv = f.read()
            # the last line names the file, which differs by -j
            stdout = r.stdout.replace(out, "OUT")
            got.append((r.returncode, stdout, csv))
        self.assertGreater(got[0][2].count(b"\n"), 10)
        for j, g in zip(("2", "3"), got[1:]):
            self.assertEqual(g[0], got[0][0], "exit status, -j %s against -j 1" % j)
            self.assertEqual(g[1], got[0][1], "stdout, -j %s against -j 1" % j)
            self.assertEqual(g[2], got[0][2], "CSV bytes, -j %s against -j 1" % j)

    def test_same_error_for_every_j(self):
        p = self.script(FLAKY, "flaky.lua")
        got = []
        for j in ("1", "2", "4"):
            out = self.path("f.csv")
            r = run("validate", p, "--replicates", "8", "--seed", "1", "-j", j, "-o", out)
            got.append((r.returncode, r.stderr))
            self.assertFalse(os.path.exists(out))
        self.assertEqual(got[0][0], EXIT_SCENARIO, got[0][1])
        self.assertIn("replicate failed, token", got[0][1])
        for j, g in zip(("2", "4"), got[1:]):
            self.assertEqual(g, got[0], "-j %s against -j 1" % j)
        self.assertEqual([n for n in os.listdir(self.dir) if ".tmp" in n], [])

    def test_jobs_is_checked(self):
        p = self.script(CITY, "city.lua")
        for bad in ("0", "x", "-1", "1025"):
            r = run("validate", p, "-j", bad)
            self.assertEqual(r.returncode, EXIT_USAGE, bad)
            self.assertIn("-j must be an integer", r.stderr)
        r = run("validate", p, "--jobs")
        self.assertEqual(r.returncode, EXIT_USAGE)
        r = run("validate", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("-j, --jobs N", r.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
