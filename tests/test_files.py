#!/usr/bin/python3
"""Modules (`require`) and data files (`csv`, `nodes_from`) end to end.

A scenario folder is built in a temporary directory with a module in a
subfolder and two CSV files; it must run, and the run file's group
`provenance` must list the files in the order read with the SHA-256 computed
here with hashlib. Every hostile case (a require cycle, a require in a
callback, `..`, an absolute path, a symlink out of the folder, a FIFO, a
huge CSV, malformed CSVs) must exit non-zero with a message naming the file
(and line and column for a CSV) and leave no output file. A sweep and a
compare of the scenario must work, the sweep file must list the files, and
merge must refuse shards whose modules changed since.

Usage: test_files.py PATH/TO/conflictsim SOURCE_DIR
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import h5py

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
EXIT_SCENARIO = 3

NODES_CSV = (
    "id,name,x_km,y_km,residents,owner\r\n"
    "centre,\"Centre, old town\",0,0,20000,STATE\r\n"
    "docks,\"The \"\"Docks\"\"\",1.5,0,15000,g1\r\n"
    "hill,Hill,0,1.2,8000,\r\n"
)
ROADS_CSV = "a,b,km\ncentre,docks,1.5\ncentre,hill,1.2\n"
CITY_LUA = """local M = {}
M.loads = (M.loads or 0) + 1
function M.roads(rows)
  for _, r in ipairs(rows) do road(r.a, r.b, r.km) end
end
return M
"""
MAIN_LUA = """scenario { days = 6 }
local city = require "lib.city"
local rows = csv("data/nodes.csv")
assert(#rows == 3 and rows.columns[1] == "id" and rows.columns[3] == "x_km")
local n = 0
for k in pairs(rows) do n = n + 1 end
assert(n == 3, "pairs sees the rows only")
assert(rows[2].name == 'The "Docks"' and math.type(rows[1].residents) == "integer")
assert(rows[3].owner == "")
assert(require("lib.city") == city, "a module runs once")
nodes_from(rows, { x = "x_km", y = "y_km" })

city.roads(csv("data/roads.csv"))
gang { id = "g1", members = 300, base = "docks" }
unit { id = "p", kind = "police", officers = 100, at = "centre" }
"""


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cs_files_")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.town = os.path.join(self.tmp, "town")
        self.write("lib/city.lua", CITY_LUA)
        self.write("data/nodes.csv", NODES_CSV)
        self.write("data/roads.csv", ROADS_CSV)
        self.write("main.lua", MAIN_LUA)

    def write(self, rel, text, mode="w"):
        path = os.path.join(self.town, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(text)
        return path

    def run_cs(self, *args, cwd=None):
        return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, cwd=cwd or self.tmp)

    def run_scenario(self, body, name="bad.lua"):
        """Run a scenario written into the town; return (result, output path)."""
        self.write(name, body)
        out = os.path.join(self.tmp, "out.h5")
        r = self.run_cs("run", os.path.join("town", name), "-o", out, "--quiet")
        return r, out

    def assert_refused(self, body, *needles):
        r, out = self.run_scenario(body)
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertFalse(os.path.exists(out), "no output file after an error")
        self.assertEqual([f for f in os.listdir(self.tmp) if ".tmp." in f], [])
        return r.stderr

    # ---- what works ----

    def test_run_and_provenance(self):
        out = os.path.join(self.tmp, "a.h5")
        r = self.run_cs("run", "town/main.lua", "-o", out, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            self.assertEqual(list(f["node"].asstr()[:]), ["centre", "docks", "hill"])
            self.assertEqual(list(f["node_name"].asstr()[:]), ["Centre, old town", 'The "Docks"', "Hill"])
            self.assertEqual(f["network/road_km"].shape, (2,))
            g = f["provenance"]
            files = ["lib/city.lua", "data/nodes.csv", "data/roads.csv"]
            self.assertEqual(list(g["file"].asstr()[:]), files)
            self.assertEqual(list(g["kind"].asstr()[:]), ["module", "data", "data"])
            for i, rel in enumerate(files):
                p = os.path.join(self.town, rel)
                self.assertEqual(g["sha256"].asstr()[i], sha(p))
                self.assertEqual(int(g["size"][i]), os.path.getsize(p))
                self.assertEqual(int(g["source_kept"][i]), 1)
                with open(p, "rb") as fh:
                    self.assertEqual(g["source"].asstr()[i], fh.read().decode())
            self.assertEqual(g["size"].attrs["units"], b"bytes" if isinstance(g["size"].attrs["units"], bytes)
                             else "bytes")
        # byte-identical again
        out2 = os.path.join(self.tmp, "b.h5")
        self.assertEqual(self.run_cs("run", "town/main.lua", "-o", out2, "--quiet").returncode, 0)
        with open(out, "rb") as a, open(out2, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_latlon_projection(self):
        self.write("data/ll.csv", "id,lat,lon,residents\na,18.50,-72.30,100\nb,18.52,-72.30,100\n"
                                  "c,18.51,-72.28,100\n")
        body = """scenario { days = 2 }
nodes_from(csv("data/ll.csv"))
road("a", "b", 1) road("a", "c", 1)
"""
        r, out = self.run_scenario(body, "ll.lua")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            x, y = f["network/node_x"][:], f["network/node_y"][:]
        # equirectangular around the mean: 0.01 degree of latitude is 1.112 km
        km = 6371.0088 * 3.141592653589793 / 180
        self.assertAlmostEqual(y[1] - y[0], 0.02 * km, places=6)
        self.assertAlmostEqual(sum(x), 0, places=9)
        self.assertAlmostEqual(sum(y), 0, places=9)

    def test_large_data_file_keeps_only_its_hash(self):
        rows = "".join("n%d,%d\n" % (i, i) for i in range(120000))  # > 1 MiB
        p = self.write("data/big.csv", "id,residents\n" + rows)
        body = """scenario { days = 1 }
local rows = csv("data/big.csv")
node { id = "a", residents = rows[#rows].residents }
"""
        r, out = self.run_scenario(body, "big.lua")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            g = f["provenance"]
            self.assertEqual(g["sha256"].asstr()[0], sha(p))
            self.assertEqual(int(g["source_kept"][0]), 0)
            self.assertEqual(g["source"].asstr()[0], "")

    def test_sweep_compare_merge(self):
        sw = self.write("sweep.lua", """return { scenario = "main.lua", replicates = 2,
  parameters = { { "lambda0", grid = { 0.01, 0.02 } } }, metrics = { "displaced_final" } }
""")
        whole = os.path.join(self.tmp, "sw.h5")
        r = self.run_cs("sweep", sw, "-o", whole, "-j", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(whole, "r") as f:
            self.assertEqual(list(f["provenance/file"].asstr()[:]), ["lib/city.lua", "data/nodes.csv",
                                                                   "data/roads.csv"])
            self.assertEqual(f["provenance/sha256"].asstr()[0], sha(os.path.join(self.town, "lib/city.lua")))
            self.assertIn("scenario_files_sha256", f.attrs)
        shards = []
        for i in range(2):
            shards.append(os.path.join(self.tmp, "s%d.h5" % i))
            r = self.run_cs("sweep", sw, "-o", shards[-1], "--shard", "%d/2" % i)
            self.assertEqual(r.returncode, 0, r.stderr)
        merged = os.path.join(self.tmp, "m.h5")
        r = self.run_cs("merge", *shards, "-o", merged)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(whole, "rb") as a, open(merged, "rb") as b:
            self.assertEqual(a.read(), b.read(), "merged file differs from the whole sweep")
        self.write("lib/city.lua", CITY_LUA + "-- changed\n")
        r = self.run_cs("merge", *shards, "-o", os.path.join(self.tmp, "m2.h5"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("modules or data files", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "m2.h5")))
        r = self.run_cs("compare", "--baseline", "town/main.lua", "--variant", "a:lambda0=0.02", "--replicates", "2",
                        "-o", os.path.join(self.tmp, "cmp"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    # ---- modules refused ----

    def test_require_cycle(self):
        self.write("lib/a.lua", 'return require "lib.b"\n')
        self.write("lib/b.lua", 'local a = require "lib.a"\nreturn {}\n')
        err = self.assert_refused('scenario { days = 1 }\nrequire "lib.a"\n', "require 'lib.a'",
                                  "lib.a -> lib.b -> lib.a")
        self.assertIn("lib/b.lua:1:", err)

    def test_require_self(self):
        self.write("me.lua", 'require "me"\nreturn 1\n')
        self.assert_refused('scenario { days = 1 }\nrequire "me"\n', "the module requires itself (me -> me)")

    def test_require_in_callback(self):
        body = MAIN_LUA + 'at(1, function(sim) require "lib.city" end)\n'
        self.assert_refused(body, "bad.lua:%d:" % (MAIN_LUA.count("\n") + 1), "only be loaded while the scenario loads")

    def test_csv_in_callback(self):
        body = MAIN_LUA + 'every(1, function(sim) csv("data/roads.csv") end)\n'
        self.assert_refused(body, "bad.lua:%d:" % (MAIN_LUA.count("\n") + 1), "only be read while the scenario loads")

    def test_require_bad_names(self):
        for name in ("..lib", "lib..city", "/etc/passwd", "a/b", ""):
            self.assert_refused('scenario { days = 1 }\nrequire "%s"\n' % name, "bad.lua:2:",
                                "require: bad module name")

    def test_module_error_names_its_file(self):
        self.write("lib/broken.lua", "local x = 1\nerror('boom')\n")
        self.assert_refused('scenario { days = 1 }\nrequire "lib.broken"\n', "town/lib/broken.lua:2: boom")

    def test_module_missing_and_bytecode(self):
        self.assert_refused('scenario { days = 1 }\nrequire "nope"\n', "require 'nope'", "nope.lua",
                            "No such file")
        self.write("bin.lua", "\x1bLua\x54\x00junk", "w")
        self.assert_refused('scenario { days = 1 }\nrequire "bin"\n', "binary chunk")

    def test_module_budget(self):
        self.write("spin.lua", "while true do end\n")
        self.assert_refused('scenario { days = 1 }\nrequire "spin"\n', "spin.lua:1:", "instruction budget")

    # ---- paths refused (modules and data files share the rules) ----

    def test_dotdot_and_absolute(self):
        outside = os.path.join(self.tmp, "secret.csv")
        with open(outside, "w") as f:
            f.write("a\n1\n")
        self.assert_refused('scenario { days = 1 }\ncsv("../secret.csv")\n', "bad.lua:2:", "'..' is not allowed")
        self.assert_refused('scenario { days = 1 }\ncsv("data/../../secret.csv")\n', "'..' is not allowed")
        self.assert_refused('scenario { days = 1 }\ncsv("%s")\n' % outside, "is an absolute path")

    def test_symlink_out(self):
        outside = os.path.join(self.tmp, "secret.csv")
        with open(outside, "w") as f:
            f.write("a\n1\n")
        os.symlink(outside, os.path.join(self.town, "data", "link.csv"))
        os.symlink(self.tmp, os.path.join(self.town, "up"))
        with open(os.path.join(self.tmp, "evil.lua"), "w") as f:
            f.write("return 1\n")
        self.assert_refused('scenario { days = 1 }\ncsv("data/link.csv")\n', "outside the scenario's folder")
        self.assert_refused('scenario { days = 1 }\nrequire "up.evil"\n', "outside the scenario's folder")
        # a symlink that stays inside is fine
        os.symlink("nodes.csv", os.path.join(self.town, "data", "alias.csv"))
        r, _ = self.run_scenario(MAIN_LUA.replace('csv("data/nodes.csv")', 'csv("data/alias.csv")'), "ok.lua")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_symlink_swapped_in_while_reading(self):
        # The path is checked, then opened: a file swapped for a symlink out
        # of the folder in between must not be read. A thread flips
        # data/flip.csv between a file and such a symlink while the scenario
        # reads it thousands of times; every read must give the file inside
        # (a = 1) or an error, never the secret (a = 2).
        outside = os.path.join(self.tmp, "secret.csv")
        with open(outside, "w") as f:
            f.write("a\n2\n")
        data = os.path.join(self.town, "data")
        flip = os.path.join(data, "flip.csv")
        with open(flip, "w") as f:
            f.write("a\n1\n")
        stop = threading.Event()

        def flipper():
            i = 0
            while not stop.is_set():
                tmp = os.path.join(data, "tmp%d" % (i % 2))
                if i % 2:
                    os.symlink(outside, tmp)
                else:
                    with open(tmp, "w") as f:
                        f.write("a\n1\n")
                os.replace(tmp, flip)
                i += 1

        body = """scenario { days = 1 }
local read, refused = 0, 0
for i = 1, 4000 do
  local ok, rows = pcall(csv, "data/flip.csv")
  if not ok then refused = refused + 1
  elseif rows[1].a ~= 1 then error("read the file outside the folder") else read = read + 1 end
end
error(string.format("done: %d read, %d refused", read, refused))
"""
        t = threading.Thread(target=flipper)
        t.start()
        try:
            r, out = self.run_scenario(body)
        finally:
            stop.set()
            t.join()
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        self.assertNotIn("outside the folder", r.stderr)
        self.assertRegex(r.stderr, r"done: \d+ read, \d+ refused")

    def test_fifo_and_directory(self):
        # refused at once, without waiting for a writer (the timeout)
        os.mkfifo(os.path.join(self.town, "data", "pipe.csv"))
        os.mkfifo(os.path.join(self.town, "pipe.lua"))
        os.symlink("pipe.csv", os.path.join(self.town, "data", "alias.csv"))
        for body, name in (('csv("data/pipe.csv")', "data/pipe.csv"), ('require "pipe"', "pipe.lua"),
                           ('csv("data/alias.csv")', "data/alias.csv")):
            self.write("bad.lua", 'scenario { days = 1 }\n%s\n' % body)
            r = subprocess.run([EXE, "run", "town/bad.lua", "-o", os.path.join(self.tmp, "out.h5"), "--quiet"],
                               capture_output=True, text=True, timeout=20, cwd=self.tmp)
            self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
            self.assertIn(name, r.stderr)
            self.assertIn("not a regular file", r.stderr)
        self.assert_refused('scenario { days = 1 }\ncsv("data")\n', "it is a directory")

    # ---- CSVs refused ----

    def test_malformed_csv(self):
        cases = [
            ("id,x\na,1\nb,\"open\n", "data/m.csv:3:3: unterminated quoted field"),
            ("id,x\na,1\nb,1,2\n", "data/m.csv:3:5: more fields than the header's 2"),
            ("id,x\na\n", "data/m.csv:2:2: 1 field, the header has 2"),
            ("id,id\n", "data/m.csv:1:1: duplicate column name 'id'"),
            ("id,\n", "data/m.csv:1:1: column 2 of the header has an empty name"),
            ("", "data/m.csv:1:1: empty file"),
            ("id\n\xff\n", "data/m.csv:2:1: invalid UTF-8"),
            ("id\na\"b\n", "data/m.csv:2:2: a quote inside an unquoted field"),
        ]
        for text, msg in cases:
            with self.subTest(msg=msg):
                self.write("data/m.csv", text.encode("latin-1"), "wb")
                self.assert_refused('scenario { days = 1 }\ncsv("data/m.csv")\n', "bad.lua:2: csv: " + msg)

    def test_huge_csv(self):
        p = os.path.join(self.town, "data", "huge.csv")
        with open(p, "wb") as f:
            f.truncate((64 << 20) + 1)  # sparse: 64 MiB + 1 of zeros
        self.assert_refused('scenario { days = 1 }\ncsv("data/huge.csv")\n', "data/huge.csv", "larger than 64 MiB")
        with open(p, "wb") as f:
            f.write(b"id\n" + b"x" * ((1 << 20) + 1) + b"\n")
        self.assert_refused('scenario { days = 1 }\ncsv("data/huge.csv")\n', "data/huge.csv:2:1: field longer than")

    def test_csv_memory_cap(self):
        rows = "".join("%d,%d,%d\n" % (i, i, i) for i in range(200000))
        self.write("data/many.csv", "a,b,c\n" + rows)
        self.write("bad.lua", 'scenario { days = 1 }\nlocal r = csv("data/many.csv")\n')
        out = os.path.join(self.tmp, "out.h5")
        r = self.run_cs("run", "town/bad.lua", "-o", out, "--quiet", "--mem-limit", "8")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not enough memory", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_csv_parse_counted_against_the_cap(self):
        # 16 MB of empty fields: the parsed table would take about 300 MB
        # (two offsets and a flag per field). The parser's own buffers count
        # against --mem-limit, so it stops at the cap, naming the file, and
        # the process never holds that much (its peak resident size).
        self.write("data/empty.csv", ",".join("c%d" % i for i in range(16)) + "\n" + ("," * 15 + "\n") * 1000000)
        self.write("bad.lua", 'scenario { days = 1 }\nlocal r = csv("data/empty.csv")\n')
        out = os.path.join(self.tmp, "out.h5")
        p = subprocess.Popen([EXE, "run", "town/bad.lua", "-o", out, "--quiet", "--mem-limit", "40"],
                             stderr=subprocess.PIPE, text=True, cwd=self.tmp)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        self.assertEqual(p.returncode, EXIT_SCENARIO, err)
        self.assertIn("bad.lua:2: csv: data/empty.csv:", err)
        self.assertIn("not enough memory", err)
        self.assertIn("limit is 41943040 bytes", err)
        self.assertLess(usage.ru_maxrss, 150 * 1024, "peak resident size in KiB")
        self.assertFalse(os.path.exists(out))

    def test_nodes_from_errors(self):
        self.assert_refused('scenario { days = 1 }\nnodes_from(csv("data/nodes.csv"), { x = "east" })\n',
                            "bad.lua:2: nodes_from: map field 'x': no column 'east'")
        self.assert_refused('scenario { days = 1 }\nnodes_from(csv("data/nodes.csv"), { colour = "x" })\n',
                            "nodes_from: map has an unknown field 'colour'")
        self.write("data/neg.csv", "id,residents\na,-5\n")
        self.assert_refused('scenario { days = 1 }\nnodes_from(csv("data/neg.csv"))\n',
                            "bad.lua:2: nodes_from: row 1: node 'a': field 'residents'")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
