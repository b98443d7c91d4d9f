#!/usr/bin/python3
"""`conflictsim validate` with a targets file (scenarios/README.md, "Targets
files"; sim/batch/targets.c).

- Each statistic of the targets language against a known answer: the same
  number computed here, independently, from the run file of the same run
  (`conflictsim run` with the same seed and replicate 0) read with h5py: the
  event log for count{}, ratio() and fled{}, the samples for value{} and
  gang_share{}, the samples and the final state for fn().
- A series (dates = {...}) expands into one target per date, NAME@DATE.
- Held-out targets come in a block of their own and never change the exit
  status; a garbage held-out entry is never read by a calibration (that is
  tests/test_targets.c: validate reads held-out entries, a calibration not).
- Errors name the file, the target and the field (a bad date, an unknown
  node, variable or event kind, a date outside the run, a Lua error, a
  missing error), exit 3 and leave an earlier table as it was.
- Exit status: 0 when every in-sample target passes, 7 when one fails
  (whatever the held-out ones do), 2 without a targets file.
- The default targets file: NAME_targets.lua beside NAME.lua, else
  targets.lua.
- The table, the CSV, the messages and the exit status do not depend on -j
  (the records are kept by replicate number): -j 1 (in this process), 2, 3;
  when replicates fail, the earliest failing replicate's error, whatever -j.
- The Haiti scenarios' targets files load and run, and hold out exactly
  their 2025 rows.

Usage: test_validate.py PATH/TO/conflictsim SOURCE_DIR
"""
import csv
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import h5py
import numpy as np

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
CHAIN = os.path.join(SRC, "tests", "towns", "chain.lua")  # starts 2025-01-01, 180 days
START = datetime.date(2025, 1, 1)

EXIT_USAGE, EXIT_SCENARIO, EXIT_FAILED = 2, 3, 7

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

CITY_TARGETS = textwrap.dedent("""\
    local wide = { -1e12, 1e12 }
    targets {
      { name = "clashes", statistic = ratio(
          count { log = "observed", kinds = { "engagement" }, parties = { "gang", "gang" }, from = "2024-03-01", to = "2024-09-01" },
          count { log = "observed", kinds = { "engagement" }, parties = { "gang", "gang" }, from = "2023-09-01", to = "2024-03-01" }),
        observed = 0.22, interval = { 0.12, 0.32 } },
      { name = "share", statistic = gang_share { date = "2024-10-15" }, observed = 0.8, sd = 0.025 },
      { name = "displaced", statistic = value { var = "city_displaced", dates = { "2023-12-31", "2024-06-30" } },
        observed = { 1000, 2000 }, rel = 0.5 },
      { name = "fled", statistic = fled { nodes = { "solino", "tabarre_27" }, from = "2024-10-17", to = "2024-10-25" },
        observed = 100, interval = wide },
      { name = "deaths_2025", holdout = true, statistic = count { log = "true", kinds = { "engagement" },
        sum = "deaths", from = "2025-01-01", to = "2025-03-01" }, observed = 10, rel = 1 },
    }
    """)

# fails in about half the replicates, each with its own number
FLAKY = CITY + textwrap.dedent("""\
    at(30, function(sim)
      if math.random() < 0.5 then error("replicate failed, token " .. math.random(1000000000)) end
    end)
    """)

# Every statistic, over the chain town (2025-01-01 + 180 days). Tolerances
# are wide: this is about the numbers, not about passing.
KNOWN = textwrap.dedent("""\
    local any = { -1e12, 1e12 }
    local function t(name, s) return { name = name, statistic = s, observed = 0, interval = any } end
    targets {
      t("obs_engagements", count { log = "observed", kinds = { "engagement" }, from = "2025-01-10", to = "2025-06-01" }),
      t("true_engagements", count { log = "true", kinds = { "engagement" }, from = "2025-01-10", to = "2025-06-01" }),
      t("true_deaths", count { log = "true", kinds = { "engagement" }, sum = "deaths", from = "2025-01-01", to = "2025-06-30" }),
      t("obs_deaths", count { log = "observed", kinds = { "engagement" }, sum = "deaths", from = "2025-01-01", to = "2025-06-30" }),
      t("gang_takes_state", count { log = "true", kinds = { "takeover" }, parties = { "gang", "STATE" }, from = "2025-01-01", to = "2025-06-30" }),
      t("north_attacks", count { log = "true", kinds = { "engagement", "takeover" }, parties = { "north", "any" }, from = "2025-01-01", to = "2025-06-30" }),
      t("flights_at_b_c", count { log = "true", kinds = { "flight" }, nodes = { "b", "c" }, sum = "displaced", from = "2025-02-01", to = "2025-05-01" }),
      t("returns", count { log = "observed", kinds = { "return", "relocation" }, from = "2025-01-01", to = "2025-06-30" }),
      t("ratio", ratio(count { log = "true", kinds = { "flight" }, from = "2025-03-01", to = "2025-04-01" },
                       count { log = "true", kinds = { "flight" }, from = "2025-02-01", to = "2025-03-01" })),
      t("ratio_of_nothing", ratio(count { log = "true", kinds = { "flight" }, from = "2025-03-01", to = "2025-04-01" },
                                  count { log = "true", kinds = { "road_closed" }, from = "2025-02-01", to = "2025-03-01" })),
      { name = "displaced", statistic = value { var = "city_displaced", dates = { "2025-01-31", "2025-03-15", "2025-06-29" } },
        observed = { 0, 0, 0 }, interval = { any, any, any } },
      t("returned_since", value { var = "city_returned", date = "2025-05-01", since = "2025-02-01" }),
      t("origin_b_c", value { var = "displaced_origin", nodes = { "b", "c" }, date = "2025-04-10" }),
      t("members_north", value { var = "gang_members", gangs = { "north" }, date = "2025-04-10" }),
      t("fled_b", fled { nodes = { "b" }, from = "2025-01-15", to = "2025-03-01" }),
      t("fled_all", fled { from = "2025-01-15", to = "2025-03-01" }),
      t("to_provinces", fled { into = "provinces", from = "2025-01-01", to = "2025-06-30" }),
      t("share_pop", gang_share { date = "2025-05-20" }),
      t("share_nodes", gang_share { by = "nodes", date = "2025-05-20" }),
      t("share_pop_all_nodes", gang_share { nodes = { "a", "b", "c", "d", "e", "f" }, date = "2025-05-20" }),
      t("share_pop_b_c", gang_share { nodes = { "b", "c" }, date = "2025-05-20" }),
      t("share_nodes_a_b_e", gang_share { by = "nodes", nodes = { "a", "b", "e" }, date = "2025-05-20" }),
      t("fn_value", fn(function(run) return run:value("city_displaced", "2025-03-15") end)),
      t("fn_final", fn(function(run) return run:residents("c") + run:day("2025-01-11") end)),
      t("fn_nil", fn(function(run) return nil end)),
      { name = "held", holdout = true, statistic = fled { from = "2025-06-01", to = "2025-06-30" }, observed = 0, interval = any },
    }
    """)


def run(*args, cwd=None):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def read(path):
    with open(path) as f:
        return f.read()


def read_csv(path):
    with open(path) as f:
        return {row["target"]: row for row in csv.DictReader(f)}


def day(s):
    return (datetime.date.fromisoformat(s) - START).days


class RunFile:
    """The run file of one run, read independently of conflictsim's sink."""

    def __init__(self, path):
        with h5py.File(path, "r") as f:
            e = f["events"]
            names = e["kind"].attrs["flag_meanings"]
            self.kinds = (names.decode() if isinstance(names, bytes) else names).split()
            self.ev = {k: e[k][...] for k in ("time", "kind", "node", "actor", "target", "deaths", "displaced",
                                              "observed", "observed_deaths")}
            self.nodes = [n.decode() if isinstance(n, bytes) else n for n in f["node"][...]]
            self.gangs = [g.decode() if isinstance(g, bytes) else g for g in f["gang"][...]]
            self.time = f["time"][...]
            self.var = {k: f[k][...] for k in ("city_displaced", "city_returned", "city_gang_share_population",
                                               "city_gang_share_nodes", "displaced_origin", "gang_members",
                                               "owner", "residents")}

    def window(self, a, b):
        t = self.ev["time"]
        return (t >= day(a)) & (t < day(b))

    def kind(self, *names):
        return np.isin(self.ev["kind"], [self.kinds.index(n) for n in names])

    def sample(self, date):
        return int(np.nonzero(self.time <= day(date) + 1e-9)[0][-1])

    def node(self, *ids):
        return [self.nodes.index(i) for i in ids]


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p


class KnownAnswers(Base):
    """Each statistic equals what the run file of the same run gives."""

    @classmethod
    def setUpClass(cls):
        cls.ctmp = tempfile.TemporaryDirectory()
        d = cls.ctmp.name
        tf = os.path.join(d, "known.lua")
        with open(tf, "w") as f:
            f.write(KNOWN)
        cls.csv = os.path.join(d, "known.csv")
        cls.val = run("validate", CHAIN, "--targets", tf, "--replicates", "1", "--seed", "5", "-j", "1",
                      "-o", cls.csv, "--quiet")
        h5 = os.path.join(d, "chain.h5")
        r = run("run", CHAIN, "--seed", "5", "--replicate", "0", "-o", h5, "--quiet")
        assert r.returncode == 0, r.stderr
        cls.rows = read_csv(cls.csv) if os.path.exists(cls.csv) else {}
        cls.f = RunFile(h5)

    @classmethod
    def tearDownClass(cls):
        cls.ctmp.cleanup()

    def got(self, name):
        row = self.rows[name]
        self.assertEqual(row["runs"], "1", row)
        return float(row["simulated"])

    def test_ran(self):
        self.assertEqual(self.val.returncode, 0, self.val.stderr + self.val.stdout)
        self.assertEqual(len(self.rows), 28)

    def test_count(self):
        f, ev = self.f, self.f.ev
        w = f.window("2025-01-10", "2025-06-01")
        eng = f.kind("engagement")
        self.assertGreater((eng & w).sum(), 0, "the town fights")
        self.assertEqual(self.got("true_engagements"), (eng & w).sum())
        self.assertEqual(self.got("obs_engagements"), (eng & w & (ev["observed"] == 1)).sum())
        w = f.window("2025-01-01", "2025-06-30")
        self.assertEqual(self.got("true_deaths"), ev["deaths"][eng & w].sum())
        obs = eng & w & (ev["observed"] == 1)
        self.assertEqual(self.got("obs_deaths"), ev["observed_deaths"][obs].sum())
        tk = f.kind("takeover") & w
        self.assertEqual(self.got("gang_takes_state"), (tk & (ev["actor"] >= 2) & (ev["target"] == 0)).sum())
        north = 2 + f.gangs.index("north")
        self.assertEqual(self.got("north_attacks"), (f.kind("engagement", "takeover") & w & (ev["actor"] == north)).sum())
        fl = f.kind("flight") & f.window("2025-02-01", "2025-05-01") & np.isin(ev["node"], f.node("b", "c"))
        self.assertGreater(fl.sum(), 0)
        self.assertEqual(self.got("flights_at_b_c"), ev["displaced"][fl].sum())
        self.assertEqual(self.got("returns"), (f.kind("return", "relocation") & w & (ev["observed"] == 1)).sum())

    def test_ratio(self):
        f = self.f
        a = (f.kind("flight") & f.window("2025-03-01", "2025-04-01")).sum()
        b = (f.kind("flight") & f.window("2025-02-01", "2025-03-01")).sum()
        self.assertGreater(b, 0)
        self.assertAlmostEqual(self.got("ratio"), a / b, places=8)
        # over an empty denominator, the run cannot compute it: NaN, so no run computed it
        row = self.rows["ratio_of_nothing"]
        self.assertEqual((row["runs"], row["result"]), ("0", "not computed"), row)

    def test_value_and_series(self):
        f = self.f
        names = [n for n in self.rows if n.startswith("displaced@")]
        self.assertEqual(names, ["displaced@2025-01-31", "displaced@2025-03-15", "displaced@2025-06-29"])
        for n in names:
            self.assertEqual(self.got(n), f.var["city_displaced"][f.sample(n.split("@")[1])])
        v = f.var["city_returned"]
        self.assertEqual(self.got("returned_since"), v[f.sample("2025-05-01")] - v[f.sample("2025-02-01")])
        i = f.sample("2025-04-10")
        self.assertEqual(self.got("origin_b_c"), f.var["displaced_origin"][i][f.node("b", "c")].sum())
        self.assertEqual(self.got("members_north"), f.var["gang_members"][i][f.gangs.index("north")])

    def test_fled(self):
        f, ev = self.f, self.f.ev
        w = f.window("2025-01-15", "2025-03-01")
        fl = f.kind("flight") & w
        self.assertEqual(self.got("fled_all"), ev["displaced"][fl].sum())
        self.assertEqual(self.got("fled_b"), ev["displaced"][fl & (ev["node"] == f.node("b")[0])].sum())
        out = f.kind("flight", "relocation") & f.window("2025-01-01", "2025-06-30") & (ev["target"] == -1)
        self.assertGreater(out.sum(), 0, "someone left for the provinces")
        self.assertEqual(self.got("to_provinces"), ev["displaced"][out].sum())

    def test_gang_share(self):
        f = self.f
        i = f.sample("2025-05-20")
        self.assertAlmostEqual(self.got("share_pop"), f.var["city_gang_share_population"][i], places=9)
        self.assertAlmostEqual(self.got("share_nodes"), f.var["city_gang_share_nodes"][i], places=9)
        # over every node, the share computed from owners and initial residents is the city's
        self.assertAlmostEqual(self.got("share_pop_all_nodes"), self.got("share_pop"), places=9)
        held = f.var["owner"][i] >= 2
        pop0 = f.var["residents"][0].astype(float)
        bc = f.node("b", "c")
        self.assertAlmostEqual(self.got("share_pop_b_c"), (pop0[bc] * held[bc]).sum() / pop0[bc].sum(), places=9)
        abe = f.node("a", "b", "e")
        self.assertAlmostEqual(self.got("share_nodes_a_b_e"), held[abe].mean(), places=9)

    def test_fn(self):
        f = self.f
        self.assertEqual(self.got("fn_value"), f.var["city_displaced"][f.sample("2025-03-15")])
        # the final state: residents at the last sample; run:day counts from the start
        self.assertEqual(self.got("fn_final"), f.var["residents"][-1][f.node("c")[0]] + 10)
        row = self.rows["fn_nil"]
        self.assertEqual((row["runs"], row["result"]), ("0", "not computed"), row)

    def test_table_says_what_each_is(self):
        out = self.val.stdout
        self.assertIn("Held-out targets", out)
        self.assertLess(out.index("In-sample targets"), out.index("Held-out targets"))
        self.assertLess(out.index("Held-out targets"), out.index("\nheld "))
        self.assertLess(out.index("\nfled_b "), out.index("Held-out targets"))
        self.assertIn("share_nodes_a_b_e: share of the nodes of a, b, e held by gangs on 2025-05-20", out)
        self.assertEqual(self.rows["held"]["holdout"], "1")
        self.assertEqual(self.rows["fled_b"]["holdout"], "0")


class ContestedShare(Base):
    """gang_share { contested = true } counts CONTESTED nodes as held: a known answer from the
    declared owners of a town where nobody can attack (no gang is next to a node it can take)."""

    TOWN = textwrap.dedent("""\
        scenario { name = "frozen", start = "2025-01-01", days = 20 }
        model { lambda0 = 0 }
        node { id = "g", residents = 1000, owner = "west" }
        node { id = "c", residents = 3000, owner = "CONTESTED" }
        node { id = "s", residents = 6000 }
        node { id = "t", residents = 10000 }
        road("g", "c", 1)
        road("c", "s", 1)
        road("s", "t", 1)
        gang { id = "west", members = 50, base = "g" }
        """)
    TARGETS = textwrap.dedent("""\
        local any = { -1e300, 1e300 }
        targets {
          { name = "pop", statistic = gang_share { date = "2025-01-10" }, observed = 0, interval = any },
          { name = "pop_c", statistic = gang_share { contested = true, date = "2025-01-10" }, observed = 0, interval = any },
          { name = "nodes_c", statistic = gang_share { by = "nodes", contested = true, date = "2025-01-10" },
            observed = 0, interval = any },
          { name = "pop_c_cs", statistic = gang_share { contested = true, nodes = { "c", "s" }, date = "2025-01-10" },
            observed = 0, interval = any },
        }
        """)

    def test_contested_counts_as_held(self):
        town, tf = self.write("frozen.lua", self.TOWN), self.write("t.lua", self.TARGETS)
        out = self.path("v.csv")
        r = run("validate", town, "--targets", tf, "--replicates", "1", "--seed", "3", "-o", out, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        rows = read_csv(out)
        self.assertAlmostEqual(float(rows["pop"]["simulated"]), 1000 / 20000, places=9)
        self.assertAlmostEqual(float(rows["pop_c"]["simulated"]), 4000 / 20000, places=9)
        self.assertAlmostEqual(float(rows["nodes_c"]["simulated"]), 2 / 4, places=9)
        self.assertAlmostEqual(float(rows["pop_c_cs"]["simulated"]), 3000 / 9000, places=9)
        self.assertIn("pop_c: share of the initial population held by gangs or contested on 2025-01-10", r.stdout)


class Errors(Base):
    def validate(self, targets, *args, scenario=None):
        tf = self.write("targets.lua", targets)
        out = self.path("v.csv")
        with open(out, "w") as f:
            f.write("an earlier table")
        r = run("validate", scenario or CHAIN, "--targets", tf, "--replicates", "1", "-o", out, "--quiet", *args)
        with open(out) as f:
            kept = f.read() == "an earlier table"
        return r, tf, kept

    def assert_error(self, targets, *needles, scenario=None):
        r, tf, kept = self.validate(targets, scenario=scenario)
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        self.assertTrue(kept, "an earlier table must survive a failed validate")
        self.assertEqual([n for n in os.listdir(self.dir) if ".tmp" in n], [])
        for n in needles:
            self.assertIn(n.replace("FILE", tf), r.stderr)
        return r

    OK_ERR = "observed = 1, sd = 1"

    def test_bad_date(self):
        self.assert_error('targets {\n { name = "x", statistic = count { log = "true", kinds = { "flight" },\n'
                          ' from = "2025-02-30", to = "2025-03-01" }, %s } }' % self.OK_ERR,
                          "FILE:2: target 'x': count{}: field 'from' must be a date", "'2025-02-30'")

    def test_date_outside_the_run(self):
        self.assert_error('targets { { name = "x", statistic = value { var = "city_displaced", date = "2026-01-01" },'
                          ' %s } }' % self.OK_ERR,
                          "FILE:1: target 'x': value{}: field 'date': 2026-01-01 is outside the run (2025-01-01 to 2025-06-30)")

    def test_unknown_node(self):
        self.assert_error('targets { { name = "x", statistic = fled { nodes = { "a", "zz" }, from = "2025-02-01",'
                          ' to = "2025-03-01" }, %s } }' % self.OK_ERR,
                          "FILE:1: target 'x': fled{}: field 'nodes': the scenario has no node 'zz'")

    def test_unknown_variable(self):
        self.assert_error('targets { { name = "x", statistic = value { var = "city_displace", date = "2025-02-01" },'
                          ' %s } }' % self.OK_ERR,
                          "target 'x': value{}: field 'var': no sampled variable 'city_displace' (did you mean "
                          "'city_displaced'?)")

    def test_unknown_kind_and_party(self):
        self.assert_error('targets { { name = "x", statistic = count { log = "true", kinds = { "engagment" },'
                          ' from = "2025-02-01", to = "2025-03-01" }, %s } }' % self.OK_ERR,
                          "target 'x': count{}: field 'kinds': no event kind 'engagment' (did you mean 'engagement'?")
        self.assert_error('targets { { name = "x", statistic = count { log = "true", kinds = { "flight" },'
                          ' parties = { "gang", "any" }, from = "2025-02-01", to = "2025-03-01" }, %s } }'
                          % self.OK_ERR, "target 'x': count{}: field 'parties': only engagement and takeover")
        self.assert_error('targets { { name = "x", statistic = count { log = "true", kinds = { "engagement" },'
                          ' parties = { "west", "any" }, from = "2025-02-01", to = "2025-03-01" }, %s } }'
                          % self.OK_ERR, "field 'parties': 'west' is neither")

    def test_lua_error(self):
        self.assert_error('local x = 1\nerror("the file is broken")', "FILE:2: the file is broken")

    def test_missing_error(self):
        self.assert_error('targets { { name = "x", statistic = gang_share { date = "2025-02-01" }, observed = 1 } }',
                          "FILE: target 'x': give exactly one of sd = S, interval = {LO, HI} or rel = R")

    def test_contested_must_be_boolean(self):
        self.assert_error('targets { { name = "x", statistic = gang_share { contested = 1, date = "2025-02-01" },'
                          ' observed = 0.5, sd = 0.1 } }', "field 'contested' must be true or false")

    def test_not_a_statistic(self):
        self.assert_error('targets { { name = "x", statistic = { kind = "count" }, observed = 1, sd = 1 } }',
                          "FILE: target 'x': field 'statistic' must be a statistic made by count{}")

    def test_fn_error_in_a_run(self):
        r = self.assert_error('targets { { name = "x", statistic = fn(function(run) return run:value("nope", 3) end),'
                              ' observed = 1, sd = 1 } }',
                              "FILE: target 'x': fn(): ", "run:value: 'nope' is not a city variable")
        self.assertIn("traceback", r.stderr)

    def test_a_missing_targets_file(self):
        r = run("validate", CHAIN, "--targets", self.path("nowhere.lua"), "--replicates", "1", "-o",
                self.path("v.csv"))
        self.assertEqual(r.returncode, EXIT_SCENARIO, r.stderr)
        self.assertIn("nowhere.lua: cannot open the targets file", r.stderr)


class ExitStatus(Base):
    def validate(self, targets):
        tf = self.write("t.lua", targets)
        return run("validate", CHAIN, "--targets", tf, "--replicates", "2", "-o", self.path("v.csv"), "--quiet")

    PASS = '{ name = "p", statistic = gang_share { date = "2025-02-01" }, observed = 0.5, interval = { 0, 1 } }'
    FAIL = '{ name = "f", statistic = gang_share { date = "2025-02-01" }, observed = 2, interval = { 1.5, 3 } }'
    HELD_FAIL = ('{ name = "hf", holdout = true, statistic = gang_share { date = "2025-02-01" }, observed = 2,'
                 ' interval = { 1.5, 3 } }')

    def test_exit_status(self):
        self.assertEqual(self.validate("targets { %s }" % self.PASS).returncode, 0)
        r = self.validate("targets { %s, %s }" % (self.PASS, self.FAIL))
        self.assertEqual(r.returncode, EXIT_FAILED, r.stderr)
        self.assertIn("1 of 2 in-sample targets failed", r.stdout)
        # a held-out target that fails is reported, never counted
        r = self.validate("targets { %s, %s }" % (self.PASS, self.HELD_FAIL))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 of 1 in-sample targets failed; 1 of 1 held-out targets fell outside", r.stdout)
        rows = read_csv(self.path("v.csv"))
        self.assertEqual((rows["hf"]["holdout"], rows["hf"]["result"]), ("1", "FAIL"))

    def test_no_targets_file(self):
        p = self.write("town.lua", read(CHAIN))
        r = run("validate", p, "--replicates", "1", "-o", self.path("v.csv"))
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertIn("no targets for %s" % p, r.stderr)
        self.assertIn("--targets FILE", r.stderr)
        self.assertFalse(os.path.exists(self.path("v.csv")))

    def test_unwritable_output_found_before_the_runs(self):
        # -o into a directory that does not exist: exit 4 naming the path, found
        # before the replicates (a million of them would not finish within the timeout)
        tf = self.write("t.lua", "targets { %s }" % self.PASS)
        out = self.path("no_such_dir/v.csv")
        r = subprocess.run([EXE, "validate", CHAIN, "--targets", tf, "--replicates", "1000000", "-j", "1",
                            "-o", out, "--quiet"], capture_output=True, text=True, cwd=SRC, timeout=60)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("cannot write '%s'" % out, r.stderr)
        self.assertEqual(os.listdir(self.dir), ["t.lua"])
        # -o naming a directory: refused before the runs too, and the directory untouched
        os.mkdir(self.path("d"))
        for out in (self.path("d"), self.path("d") + "/"):
            r = subprocess.run([EXE, "validate", CHAIN, "--targets", tf, "--replicates", "1000000", "-j", "1",
                                "-o", out, "--quiet"], capture_output=True, text=True, cwd=SRC, timeout=60)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("cannot write", r.stderr)
        self.assertEqual(sorted(os.listdir(self.dir)), ["d", "t.lua"])
        self.assertEqual(os.listdir(self.path("d")), [])

    def test_default_targets_file(self):
        p = self.write("town.lua", read(CHAIN))
        self.write("targets.lua", "targets { %s }" % self.PASS)
        r = run("validate", p, "--replicates", "1", "-o", self.path("v.csv"), "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("targets: %s " % self.path("targets.lua"), r.stdout)
        # NAME_targets.lua beside NAME.lua comes first
        self.write("town_targets.lua", "targets { %s }" % self.FAIL)
        r = run("validate", p, "--replicates", "1", "-o", self.path("v.csv"), "--quiet")
        self.assertEqual(r.returncode, EXIT_FAILED, r.stderr)
        self.assertIn("targets: %s " % self.path("town_targets.lua"), r.stdout)
        # a scenario named by a relative path, from its own folder
        r = run("validate", "town.lua", "--replicates", "1", "-o", "v.csv", "--quiet", cwd=self.dir)
        self.assertIn("targets: town_targets.lua ", r.stdout)


class Jobs(Base):
    def test_same_table_for_every_j(self):
        p = self.write("city.lua", CITY)
        tf = self.write("city_targets.lua", CITY_TARGETS)
        got = []
        for j in ("1", "2", "3"):
            out = self.path("v%s.csv" % j)
            r = run("validate", p, "--replicates", "5", "--seed", "3", "-j", j, "-o", out, "--set", "lambda0=0.05")
            self.assertIn(r.returncode, (0, 7), r.stderr)
            with open(out, "rb") as f:
                table = f.read()
            # the last line names the file, which differs by -j
            stdout = r.stdout.replace(out, "OUT")
            got.append((r.returncode, stdout, table))
        self.assertIn("targets: %s " % tf, got[0][1])
        self.assertEqual(got[0][2].count(b"\n"), 7)  # a header, 6 targets (a series of 2)
        for j, g in zip(("2", "3"), got[1:]):
            self.assertEqual(g[0], got[0][0], "exit status, -j %s against -j 1" % j)
            self.assertEqual(g[1], got[0][1], "stdout, -j %s against -j 1" % j)
            self.assertEqual(g[2], got[0][2], "CSV bytes, -j %s against -j 1" % j)

    def test_same_error_for_every_j(self):
        p = self.write("flaky.lua", FLAKY)
        self.write("flaky_targets.lua", CITY_TARGETS)
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
        p = self.write("city.lua", CITY)
        for bad in ("0", "x", "-1", "1025"):
            r = run("validate", p, "-j", bad)
            self.assertEqual(r.returncode, EXIT_USAGE, bad)
            self.assertIn("-j must be an integer", r.stderr)
        r = run("validate", p, "--jobs")
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertEqual(run("validate").returncode, EXIT_USAGE)
        self.assertEqual(run("validate", p, "--replicates", "0").returncode, EXIT_USAGE)
        self.assertEqual(run("validate", p, "--targets").returncode, EXIT_USAGE)
        r = run("validate", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("-j, --jobs N", r.stdout)
        self.assertIn("--targets FILE", r.stdout)


class Haiti(Base):
    """The Haiti targets files load on their scenarios and hold out their 2025 rows."""

    def check(self, scenario, n, n_held):
        out = self.path("h.csv")
        r = run("validate", os.path.join(SRC, "scenarios", "haiti", scenario), "--replicates", "2", "-j", "2",
                "-o", out, "--quiet")
        self.assertIn(r.returncode, (0, 7), r.stderr)
        rows = list(read_csv(out).values())
        self.assertEqual(len(rows), n)
        self.assertEqual(sum(row["holdout"] == "1" for row in rows), n_held)
        for row in rows:
            # every target names its row of observed.csv, or the passage of data/README.md
            # and the dated report it rests on; a target dated 2025 is held out
            m = re.search(r"observed\.csv \w+ (\d{4})-\d\d-\d\d", row["source"])
            if not m and "data/README.md" in row["source"]:
                m = re.search(r"(\d{4})-\d\d-\d\d", row["source"])
            self.assertTrue(m, row)
            self.assertEqual(row["holdout"] == "1", m.group(1) == "2025", row)
            self.assertEqual(row["runs"], "2", row)

    def test_capital(self):
        self.check("capital.lua", 32, 2)

    def test_solino(self):
        self.check("solino.lua", 4, 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
