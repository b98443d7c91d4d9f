#!/usr/bin/python3
"""test_h5_cf.py: the HDF5 files read the way xarray, netCDF and R users
expect (issue 17, item 5; output/README.md, "Reading with xarray / netCDF / R").

Usage: /usr/bin/python3 tests/test_h5_cf.py <conflictsim-binary> <source-dir>

On real files written by conflictsim (tests/towns/chain.lua and small
scenarios, sweeps, a compare report and a calibration made here):

- sentinels: the event columns whose -1 means none (node, actor, target) or
  not reported (observed_deaths) carry _FillValue and missing_value of the
  column's own type; xarray gives NaN exactly where the file holds -1, and a
  mean leaves them out;
- time: the time axis of a run file (and of a sweep file with trajectories)
  decodes to the scenario's start date plus the days the file holds; a
  scenario without a start date keeps plain days;
- replicates: xr.open_mfdataset(files, combine="nested",
  concat_dim="replicate", engine="h5netcdf") stacks run files on their scalar
  `replicate` coordinate, with the right replicate numbers and seeds;
- party: a sweep file's `party` coordinate decodes traj_owner to the same
  owners as the run files of the same runs;
- netCDF: `ncdump -h` (Debian's netcdf-bin) reads every kind of file, and
  `ncdump -t` prints the run file's time axis as the same dates;
- groups: every group of every kind of file opens in xarray on named
  dimensions (xr.open_datatree where xarray has it; Debian 12's xarray
  2023.01 does not, so each group with open_dataset(group=...)).

Expectations come from the files' raw values read with h5py and from date
arithmetic done here, never from numbers copied from a run.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5netcdf
import h5py
import numpy as np
import xarray as xr

BINARY = None
SOURCE_DIR = None
FILL_COLUMNS = {"node": np.int32, "actor": np.int32, "target": np.int32, "observed_deaths": np.int64}


def attr_str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def groups(path):
    """Every group of the file, "/" first, as paths."""
    out = []

    def walk(g, prefix):
        out.append(prefix or "/")
        for name, sub in g.groups.items():
            walk(sub, prefix + "/" + name)

    with h5netcdf.File(path, "r") as f:
        walk(f, "")
    return out


class CF(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs_h5_cf.")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.chain = os.path.join(SOURCE_DIR, "tests", "towns", "chain.lua")
        cls.run_file = cls.conflictsim("run", cls.chain, "-o", cls.path("chain.h5"), "--seed", "7")

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp, name)

    @classmethod
    def conflictsim(cls, *args, expect=0):
        r = subprocess.run([BINARY, *args, "--quiet"], capture_output=True, text=True, timeout=600,
                           cwd=cls.tmp)
        if r.returncode != expect:
            raise AssertionError("conflictsim %s exited %d (expected %d):\n%s%s"
                                 % (" ".join(args), r.returncode, expect, r.stdout, r.stderr))
        out = [a for i, a in enumerate(args) if i and args[i - 1] == "-o"]
        return out[0] if out and expect == 0 else r  # the file written, or the failed run

    @classmethod
    def write(cls, name, text):
        with open(cls.path(name), "w") as fh:
            fh.write(text)
        return cls.path(name)

    # ---- sentinels ----

    def test_sentinels_are_missing(self):
        with h5py.File(self.run_file) as f:
            raw = {c: f["events"][c][...] for c in FILL_COLUMNS}
            for c, dtype in FILL_COLUMNS.items():
                ds = f["events"][c]
                self.assertEqual(ds.dtype, dtype, c)
                for a in ("_FillValue", "missing_value"):
                    self.assertEqual(ds.attrs[a].dtype, ds.dtype, "%s:%s has the column's type" % (c, a))
                    self.assertEqual(int(ds.attrs[a]), -1, c)
        with xr.open_dataset(self.run_file, engine="h5netcdf", group="events", decode_timedelta=False) as ev:
            for c, r in raw.items():
                none = r == -1
                self.assertTrue(none.any() and (~none).any(), c + ": the run logged rows with and without -1")
                v = ev[c].values
                np.testing.assert_array_equal(np.isnan(v), none, c + ": NaN exactly where the file has -1")
                np.testing.assert_array_equal(v[~none], r[~none], c + ": other values unchanged")
            od = raw["observed_deaths"]
            mean = float(ev["observed_deaths"].mean())
            self.assertAlmostEqual(mean, od[od >= 0].mean(), places=12)
            self.assertNotAlmostEqual(mean, od.mean(), places=6, msg="the -1 are not averaged in")
            # every other column is read as it is stored
            self.assertEqual(ev["deaths"].dtype, np.int64)
            self.assertEqual(ev["kind"].dtype, np.uint8)

    # ---- time ----

    def decoded_equals_start_plus_days(self, path, start):
        with h5py.File(path) as f:
            days = f["time"][...]
            self.assertEqual(attr_str(f["time"].attrs["units"]), "days since %s 00:00:00" % start)
            self.assertEqual(attr_str(f["time"].attrs["calendar"]), "proleptic_gregorian")
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            got = ds["time"].values
        want = np.datetime64(start, "ns") + np.round(days * 86400e9).astype("timedelta64[ns]")
        self.assertEqual(got.dtype, np.dtype("datetime64[ns]"))
        np.testing.assert_array_equal(got, want)
        return got

    def test_time_decodes_to_dates(self):
        self.decoded_equals_start_plus_days(self.run_file, "2025-01-01")
        # across a leap day, with a quarter-day step
        town = self.write("leap.lua", 'scenario { name = "leap", start = "2024-02-27", days = 4, sample_every = 0.25 }\n'
                                      'node { id = "a", residents = 100 }\nnode { id = "b", residents = 100, x = 1 }\n'
                                      'road("a", "b", 1)\n')
        got = self.decoded_equals_start_plus_days(self.conflictsim("run", town, "-o", self.path("leap.h5")),
                                                  "2024-02-27")
        self.assertIn(np.datetime64("2024-02-29T06:00", "ns"), got)
        self.assertEqual(got[-1], np.datetime64("2024-03-02", "ns"))

    def test_time_without_start_date_stays_days(self):
        town = self.write("undated.lua", 'scenario { name = "undated", days = 3 }\n'
                                         'node { id = "a", residents = 100 }\n')
        out = self.conflictsim("run", town, "-o", self.path("undated.h5"))
        with h5py.File(out) as f:
            self.assertEqual(attr_str(f.attrs["start_date"]), "")
            self.assertEqual(attr_str(f["time"].attrs["units"]), "days")
            self.assertNotIn("calendar", f["time"].attrs)
            days = f["time"][...]
        with xr.open_dataset(out, engine="h5netcdf", decode_timedelta=False) as ds:
            np.testing.assert_array_equal(ds["time"].values, days)

    # ---- stacking replicates ----

    def test_open_mfdataset_stacks_replicates(self):
        reps = [3, 5, 9]  # not 0..n-1, which a dimension without coordinate would also show
        files = [self.conflictsim("run", self.chain, "-o", self.path("rep%d.h5" % r), "--seed", "11",
                                  "--replicate", str(r)) for r in reps]
        ds = xr.open_mfdataset(files, combine="nested", concat_dim="replicate", engine="h5netcdf")
        try:
            self.assertIn("replicate", ds.coords)
            self.assertEqual(ds["replicate"].dims, ("replicate",))
            np.testing.assert_array_equal(ds["replicate"].values, reps)
            self.assertIn("seed", ds.coords)
            self.assertEqual(ds["seed"].dims, (), "one seed for all: a scalar")
            self.assertEqual(int(ds["seed"]), 11)
            self.assertEqual(ds["residents"].dims, ("replicate", "time", "node"))
            for r, fn in zip(reps, files):
                with h5py.File(fn) as f:
                    np.testing.assert_array_equal(ds["residents"].sel(replicate=r).values, f["residents"][...])
                    np.testing.assert_array_equal(ds["city_displaced"].sel(replicate=r).values,
                                                  f["city_displaced"][...])
            self.assertFalse(np.array_equal(ds["residents"].isel(replicate=0), ds["residents"].isel(replicate=1)),
                             "replicates differ")
        finally:
            ds.close()
        # runs of different seeds: the seed becomes a coordinate along replicate
        other = [self.conflictsim("run", self.chain, "-o", self.path("s%d.h5" % s), "--seed", str(s),
                                  "--replicate", str(r)) for s, r in ((21, 0), (22, 1))]
        with xr.open_mfdataset(other, combine="nested", concat_dim="replicate", engine="h5netcdf") as ds:
            self.assertEqual(ds["seed"].dims, ("replicate",))
            np.testing.assert_array_equal(ds["seed"].values, [21, 22])
            np.testing.assert_array_equal(ds["replicate"].values, [0, 1])

    # ---- party ----

    def test_party_decodes_owners(self):
        sweep = self.write("owners.lua", 'sweep { scenario = "%s", seed = 7, replicates = 2,\n'
                                         '  parameters = { { "lambda0", grid = { 0.15, 0.3 } } },\n'
                                         '  metrics = { "displaced_final" }, keep_trajectories = { "owner" } }\n'
                           % self.chain)
        out = self.conflictsim("sweep", sweep, "-o", self.path("owners.h5"), "-j", "2")
        with xr.open_dataset(out, engine="h5netcdf") as sw:
            self.assertIn("party", sw.coords)
            names = sw["party"].isel(party=sw["traj_owner"].astype(int))  # (run, time, node) of names
            self.assertEqual(names.dims, ("run", "time", "node"))
            runs = [(int(k), float(sw["design"].sel(run=k, parameter="lambda0")), int(sw["replicate"].sel(run=k)))
                    for k in sw["run"].values]
            for k, lam, rep in runs:
                f = self.conflictsim("run", self.chain, "-o", self.path("own%d.h5" % k), "--seed", "7",
                                     "--replicate", str(rep), "--set", "lambda0=%r" % lam)
                with xr.open_dataset(f, engine="h5netcdf") as run:
                    np.testing.assert_array_equal(sw["party"].values, run["party"].values)
                    want = run["party"].values[run["owner"].values]
                np.testing.assert_array_equal(names.sel(run=k).values, want, "run %d's owners by name" % k)
            seen = set(np.unique(names.values))
            self.assertTrue(seen & {"north", "south"}, "some node is held by a gang: %s" % seen)
            self.assertIn("STATE", seen)

    def test_sweep_time_axis_and_party_checked_per_point(self):
        """A design point that moves the start date or changes the gangs would
        misdate or misname a sweep's trajectories: its runs fail with an error
        naming the point, recorded in the file (run_status, run_error, NaN
        rows) while the other point completes; exit status 8."""
        self.write("dated.lua", 'local late = param("late", 0, "1: a year later", { min = 0, max = 1 })\n'
                                'local gang2 = param("gang2", 0, "1: a second gang", { min = 0, max = 1 })\n'
                                'scenario { name = "dated", start = late >= 1 and "2026-01-01" or "2025-01-01", days = 5 }\n'
                                'node { id = "a", residents = 1000 }\nnode { id = "b", residents = 1000, x = 1 }\n'
                                'road("a", "b", 1)\ngang { id = "g", members = 10, base = "a" }\n'
                                'if gang2 >= 1 then gang { id = "h", members = 10, base = "b" } end\n')
        for name, what in (("late", "start date"), ("gang2", "gangs")):
            sw = self.write("bad_%s.lua" % name, 'sweep { scenario = "dated.lua", parameters = { { "%s", grid = '
                            '{ 0, 1 } } },\n  metrics = { "displaced_final" }, keep_trajectories = { "owner" } }\n'
                            % name)
            r = self.conflictsim("sweep", sw, "-o", self.path("bad_%s.h5" % name), "-j", "1", expect=8)
            self.assertIn("design point 1 changes the scenario's " + what, r.stderr)
            with h5py.File(self.path("bad_%s.h5" % name), "r") as f:
                self.assertEqual(f["run_status"][:].tolist(), [0, 1])
                self.assertEqual(f["run_error"][0], b"")
                self.assertIn("design point 1 changes the scenario's " + what, f["run_error"][1].decode())
                self.assertTrue(np.isnan(f["traj_owner"][1]).all() and not np.isnan(f["traj_owner"][0]).any())
        # the sweep's dated axis
        sw = self.write("dated_sweep.lua", 'sweep { scenario = "dated.lua", parameters = { { "gang2", grid = { 0 } } },'
                        ' metrics = { "displaced_final" }, keep_trajectories = { "owner" } }\n')
        out = self.conflictsim("sweep", sw, "-o", self.path("dated.h5"), "-j", "1")
        self.decoded_equals_start_plus_days(out, "2025-01-01")

    # ---- netCDF and groups, on every kind of file ----

    @classmethod
    def every_kind(cls):
        if getattr(cls, "_kinds", None):
            return cls._kinds
        town = os.path.join(cls.tmp, "town")
        os.makedirs(town, exist_ok=True)
        with open(os.path.join(town, "shared.lua"), "w") as fh:
            fh.write("return { km = 1.5 }\n")
        with open(os.path.join(town, "main.lua"), "w") as fh:
            fh.write('scenario { name = "town", start = "2024-10-17", days = 20 }\nlocal s = require "shared"\n'
                     'node { id = "a", residents = 5000, owner = "g" }\nnode { id = "b", residents = 5000, x = 1 }\n'
                     'road("a", "b", s.km)\ngang { id = "g", members = 100, base = "a" }\n'
                     'unit { id = "p", kind = "police", officers = 50, at = "b" }\n')
        kinds = {"run": cls.run_file,
                 "run with provenance": cls.conflictsim("run", os.path.join(town, "main.lua"),
                                                        "-o", cls.path("town.h5"))}
        sobol = cls.write("sobol.lua", 'sweep { scenario = "%s", seed = 7, design = "sobol", samples = 4,\n'
                          '  bootstrap = 20, parameters = { { "lambda0", loguniform = { 0.05, 0.3 } },\n'
                          '  { "h1", uniform = { 0.05, 0.3 } } }, metrics = { "displaced_final" },\n'
                          '  keep_trajectories = { "owner", "residents" } }\n' % os.path.join(town, "main.lua"))
        kinds["sweep"] = cls.conflictsim("sweep", sobol, "-o", cls.path("sobol.h5"), "-j", "2")
        cls.conflictsim("compare", "--baseline", cls.chain, "--variant", "fast:lambda0=0.3", "--replicates", "3",
                        "-o", cls.path("cmp"), "-j", "2")
        kinds["compare"] = cls.path("cmp.h5")
        cal = os.path.join(SOURCE_DIR, "tests", "calib", "patrol.lua")
        targets = cls.write("targets.lua", 'targets {\n  { name = "arrests", source = "synthetic",\n'
                            '    statistic = count{ log = "true", kinds = { "arrest" }, from = "2024-01-01", '
                            'to = "2024-04-10" },\n    observed = 40, sd = 0.5 },\n}\n')
        priors = cls.write("priors.lua", "priors { patrol_rate = uniform(0.1, 1.0) }\n")
        kinds["calibration"] = cls.conflictsim("calibrate", cal, "--targets", targets, "--priors", priors,
                                               "-o", cls.path("cal.h5"), "--waves", "1", "--points", "8",
                                               "--replicates", "2", "--particles", "20", "--batch", "20",
                                               "--max-populations", "2", "-j", "2")
        cls._kinds = kinds
        return kinds

    def test_ncdump_reads_every_kind_of_file(self):
        ncdump = shutil.which("ncdump")
        self.assertIsNotNone(ncdump, "ncdump not found (Debian package netcdf-bin; bash .ci/deps installs it)")
        for kind, path in self.every_kind().items():
            r = subprocess.run([ncdump, "-h", path], capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, "%s: ncdump -h: %s" % (kind, r.stderr))
            self.assertTrue(r.stdout.startswith("netcdf "), kind)
            want = []
            if kind.startswith("run"):
                want = ["group: events {", "group: network {", "uint64 replicate ;", "uint64 seed ;",
                        '\t\ttime:units = "days since ', "\t\tobserved_deaths:_FillValue = -1LL ;"]
                want += ["\t\t%s:_FillValue = -1 ;" % c for c in ("node", "actor", "target")]
            elif kind == "sweep":
                want = ["string party(party) ;", '\t\ttime:units = "days since ', "group: sensitivity {"]
            for w in want:  # (assertIn would print the whole header)
                self.assertTrue(w in r.stdout, "%s: ncdump -h shows no %r" % (kind, w))
        # ncdump reads the data too, and prints the masked -1 as its fill mark "_"
        r = subprocess.run([ncdump, "-v", "/events/observed_deaths", self.run_file], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        data = r.stdout.split("observed_deaths =", 1)[1].split(";", 1)[0].replace("\n", " ").split(",")
        with h5py.File(self.run_file) as f:
            od = f["events/observed_deaths"][...]
        self.assertEqual([v.strip() == "_" for v in data], list(od == -1))
        # and, with -t, the time axis as dates (it needs the units as text, NC_CHAR)
        r = subprocess.run([ncdump, "-t", "-v", "time", self.run_file], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        data = r.stdout.split("\n time =", 1)[1].split(";", 1)[0].replace("\n", " ").split(",")
        with h5py.File(self.run_file) as f:
            days = f["time"][...]
        self.assertEqual([v.strip().strip('"') for v in data],
                         [str(np.datetime64("2025-01-01") + int(d)) for d in days])

    def test_every_group_opens_in_xarray(self):
        seen = set()
        for kind, path in self.every_kind().items():
            gs = groups(path)
            seen.update((kind, g) for g in gs)
            if hasattr(xr, "open_datatree"):  # xarray >= 2024.10; not Debian 12's 2023.01
                tree = xr.open_datatree(path, engine="h5netcdf")
                self.assertEqual(sorted(n.path for n in tree.subtree), sorted(gs), kind)
                continue
            for g in gs:
                # phony_dims unset: a dataset without a dimension scale is an error
                with xr.open_dataset(path, engine="h5netcdf", group=g, decode_timedelta=False) as ds:
                    ds.load()
                    for v in ds.variables:
                        for d in ds[v].dims:
                            self.assertFalse(d.startswith("phony_dim"), "%s %s %s" % (kind, g, v))
        for want in (("run", "/events"), ("run", "/network"), ("run", "/parameter_info"),
                     ("run with provenance", "/provenance"), ("sweep", "/sensitivity"), ("sweep", "/provenance"),
                     ("calibration", "/posterior"), ("calibration", "/history_matching/wave_1")):
            self.assertIn(want, seen, "the walk reached %s %s" % want)
        with xr.open_dataset(self.run_file, engine="h5netcdf", group="network") as net:
            self.assertEqual(net["node_x"].dims, ("node",))
            self.assertEqual(net["road_km"].dims, ("road",))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_h5_cf.py <conflictsim-binary> <source-dir>")
    BINARY, SOURCE_DIR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
