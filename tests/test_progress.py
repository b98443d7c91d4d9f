"""The progress line (issue 14, item 9), end to end.

Under a pseudo-terminal (python's pty module) run, sweep, compare and
validate draw a progress line with a rate and the time left; a log line
(sim:log) is never glued to it: rendered as a terminal renders carriage
returns and erase-to-end-of-line, every line of the screen that holds log
text holds nothing else. Piped, or with --quiet, there is no progress line
and no escape code at all.

Usage: test_progress.py BINARY SOURCE_DIR
"""
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import textwrap
import unittest

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"

# Many samples and a log line every half day: progress draws and log lines interleave.
TOWN = textwrap.dedent("""\
    scenario { name = "t", days = 120, sample_every = 0.05 }
    model { lambda0 = 0.5 }
    node { id = "a", residents = 100000, value = 0.9, owner = "g" }
    node { id = "b", residents = 20000, value = 0.9 }
    node { id = "c", residents = 20000, value = 0.5 }
    road("a", "b", 1.0)
    road("b", "c", 1.0)
    gang { id = "g", members = 500, base = "a" }
    every(0.5, function(sim) sim:log("owner of b is %s", tostring(sim:owner("b"))) end)
    """)


def run_pty(args, cwd):
    """Run with stderr (and stdout) on a pseudo-terminal; return what it wrote."""
    master, slave = pty.openpty()
    p = subprocess.Popen([EXE, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 120)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    rc = p.wait(timeout=300)
    return rc, out.decode("utf-8", "replace")


def render(raw):
    """The screen lines a terminal shows: '\\r' returns to column 0, ESC[K erases to the end."""
    lines, cur, col = [], [], 0
    i = 0
    raw = raw.replace("\r\n", "\n")  # the pty's output processing turns \n into \r\n
    while i < len(raw):
        ch = raw[i]
        if raw.startswith("\033[K", i):
            del cur[col:]
            i += 3
            continue
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("".join(cur))
            cur, col = [], 0
        else:
            if col < len(cur):
                cur[col] = ch
            else:
                cur.append(ch)
            col += 1
        i += 1
    if cur:
        lines.append("".join(cur))
    return lines


class ProgressTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        with open(os.path.join(self.dir, "town.lua"), "w") as f:
            f.write(TOWN)
        # validate's targets (the town has no start date: a target of the final state)
        with open(os.path.join(self.dir, "targets.lua"), "w") as f:
            f.write('targets { { name = "t", statistic = fn(function(run) return run:time() end),'
                    ' observed = 0, interval = { -1e9, 1e9 } } }\n')

    def tearDown(self):
        self.tmp.cleanup()

    def test_run_on_a_terminal(self):
        rc, raw = run_pty(["run", "town.lua", "-o", "r.h5"], self.dir)
        self.assertEqual(rc, 0, raw)
        self.assertRegex(raw, r"day +[\d.]+ / 120\.0 +\[ *\d+%\] +[\d.]+ days/s +time left")
        screen = render(raw)
        logs = [l for l in screen if "owner of b" in l]
        self.assertEqual(len(logs), 240, screen[:5])
        for l in logs:  # nothing before or after the log text on its line
            self.assertRegex(l, r"^\[day \d+\.\d\d\] owner of b is \w+$")
        self.assertFalse([l for l in screen if "days/s" in l], "the progress line is erased at the end")
        self.assertIn("wrote r.h5", raw)

    def test_run_piped_and_quiet(self):
        r = subprocess.run([EXE, "run", "town.lua", "-o", "r.h5"], cwd=self.dir, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 240)
        for stream in (r.stdout, r.stderr):
            self.assertNotIn("\r", stream)
            self.assertNotIn("\033", stream)
        self.assertNotIn("days/s", r.stderr)
        rc, raw = run_pty(["run", "town.lua", "-o", "q.h5", "--quiet"], self.dir)
        self.assertEqual(rc, 0, raw)
        self.assertEqual(raw, "")

    def batch_commands(self):
        with open(os.path.join(self.dir, "sw.lua"), "w") as f:
            f.write('sweep { scenario = "town.lua", seed = 1, replicates = 3,\n'
                    '  parameters = { { "lambda0", grid = { 0.1, 0.5 } } }, metrics = { "displaced_final" } }\n')
        return {
            "sweep": ["sweep", "sw.lua", "-o", "sw.h5", "-j", "2"],
            "compare": ["compare", "--baseline", "town.lua", "--variant", "hot:lambda0=1", "--replicates", "3",
                        "-o", "cmp", "-j", "2"],
            "validate": ["validate", "town.lua", "--replicates", "4", "-o", "val.csv", "-j", "2"],
        }

    def test_batch_commands_on_a_terminal(self):
        for name, args in self.batch_commands().items():
            with self.subTest(command=name):
                rc, raw = run_pty(args, self.dir)
                self.assertEqual(rc, 0, raw)
                self.assertRegex(raw, r"\d+ / \d+ +\[ *\d+%\] +[\d.]+ runs/s +time left", name)
                self.assertFalse([l for l in render(raw) if "runs/s" in l], "erased at the end")

    def test_batch_commands_piped(self):
        for name, args in self.batch_commands().items():
            with self.subTest(command=name):
                r = subprocess.run([EXE, *args], cwd=self.dir, capture_output=True, text=True, timeout=300)
                self.assertEqual(r.returncode, 0, r.stderr)
                for stream in (r.stdout, r.stderr):
                    self.assertNotIn("\r", stream)
                    self.assertNotIn("\033", stream)
                self.assertNotIn("runs/s", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
