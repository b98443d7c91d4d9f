"""test_h5_layout.py: the HDF5 run file matches output/README.md.

Usage: /usr/bin/python3 tests/test_h5_layout.py <conflictsim-binary> <source-dir>

Runs `conflictsim run scenarios/examples/tiny.lua` and checks the file with
h5py (every documented dataset, dimension, unit and attribute), with xarray
through h5netcdf, and with `h5dump -H`. Expectations come from the rules of
the documentation (shapes from days and sample_every, party names, the
SHA-256 of the scenario file), never from numbers copied from a run.
"""

import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = None
SOURCE_DIR = None

EVENT_COLUMNS = {  # name -> (dtype, units or None)
    "event": (np.int64, None),
    "time": (np.float64, "days"),
    "kind": (np.uint8, None),
    "node": (np.int32, None),
    "actor": (np.int32, None),
    "target": (np.int32, None),
    "deaths": (np.int64, "persons"),
    "displaced": (np.int64, "persons"),
    "observed": (np.uint8, None),
    "report_time": (np.float64, "days"),
    "observed_deaths": (np.int64, "persons"),
}
EVENT_KINDS = ["engagement", "takeover", "flight", "move", "recall", "force", "prison_break",
               "coalition_formed", "coalition_split", "arrest", "release", "desertion",
               "recruitment", "relocation", "return", "cohesion_set", "media_set",
               "road_closed", "road_opened", "lynching", "call_dropped"]
COORDS = {"time", "node", "gang", "party", "node_name", "node_commune", "gang_name", "seed", "replicate"}
# event columns where -1 means none (or not reported): marked missing
EVENT_FILL = {"node", "actor", "target", "observed_deaths"}
PROVENANCE_STR = ["Conventions", "conflictsim_version", "scenario_name", "scenario_path",
                  "scenario_source", "scenario_sha256"]


def run_conflictsim(scenario, out, *extra):
    cmd = [BINARY, "run", scenario, "-o", out, "--seed", "1", "--quiet", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def attr_str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def dim_names(ds):
    """Names of the dimension scales attached to each axis of ds."""
    names = []
    for d in ds.dims:
        scales = list(d.values())
        names.append(scales[-1].name.split("/")[-1] if scales else None)
    return names


class H5Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs_h5_layout.")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)  # even if setup fails
        cls.scenario = os.path.join(SOURCE_DIR, "scenarios", "examples", "tiny.lua")
        cls.path = os.path.join(cls.tmp, "a.h5")
        if not os.path.isfile(cls.scenario):
            raise AssertionError("scenario missing: " + cls.scenario)
        r = run_conflictsim(cls.scenario, cls.path)
        if r.returncode != 0:
            raise AssertionError("conflictsim run failed (%d):\n%s%s"
                                 % (r.returncode, r.stdout, r.stderr))
        cls.f = h5py.File(cls.path, "r")
        cls.days = float(cls.f.attrs["days"])
        cls.every = float(cls.f.attrs["sample_every"])
        # floor(days / sample_every) + 1, with the model's tolerance for 0.1-like steps
        cls.n_samples = int(math.floor(cls.days / cls.every * (1 + 1e-12))) + 1
        cls.n_nodes = cls.f["node"].shape[0]
        cls.n_gangs = cls.f["gang"].shape[0]

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "f", None) is not None:
            cls.f.close()

    # ---- root: provenance ----

    def test_provenance_attributes(self):
        a = self.f.attrs
        # exactly the attributes output/README.md documents (command_line is
        # optional; branch_at and branch are only in a branched run, test_branch.py)
        with open(os.path.join(SOURCE_DIR, "output", "README.md")) as fh:
            doc = fh.read()
        table = doc.split("## Provenance: root attributes", 1)[1].split("\n\n", 2)[1]
        documented = set(re.findall(r"^\| `(\w+)`", table, re.M))
        optional = {"command_line", "branch_at", "branch"}
        self.assertTrue(optional <= documented)
        self.assertEqual(set(a.keys()) - optional, documented - optional)
        for name in PROVENANCE_STR:
            self.assertIn(name, a)
            self.assertIsInstance(attr_str(a[name]), str, name)
        self.assertEqual(attr_str(a["Conventions"]), "CF-1.8")
        self.assertTrue(attr_str(a["conflictsim_version"]))
        self.assertTrue(attr_str(a["scenario_name"]))
        self.assertEqual(attr_str(a["scenario_path"]), self.scenario)
        with open(self.scenario, "rb") as fh:
            raw = fh.read()
        self.assertEqual(attr_str(a["scenario_sha256"]), hashlib.sha256(raw).hexdigest())
        self.assertEqual(attr_str(a["scenario_source"]), raw.decode("utf-8"))
        for name, value in (("master_seed", 1), ("replicate", 0)):
            self.assertEqual(a[name].dtype, np.uint64, name)
            self.assertEqual(int(a[name]), value, name)
        for name in ("days", "sample_every"):
            self.assertEqual(a[name].dtype, np.float64, name)
            self.assertGreater(float(a[name]), 0, name)

    # ---- root: coordinates ----

    def assert_scale(self, name, length):
        ds = self.f[name]
        self.assertEqual(attr_str(ds.attrs.get("CLASS")), "DIMENSION_SCALE", name)
        self.assertEqual(ds.shape, (length,), name)
        self.assertIn("long_name", ds.attrs, name)
        return ds

    def assert_strings(self, ds):
        info = h5py.check_string_dtype(ds.dtype)
        self.assertIsNotNone(info, ds.name)
        self.assertEqual(info.encoding, "utf-8", ds.name)
        self.assertIsNone(info.length, ds.name + " is not variable-length")
        return list(ds.asstr()[:])

    def test_time(self):
        t = self.assert_scale("time", self.n_samples)
        self.assertEqual(t.dtype, np.float64)
        start = attr_str(self.f.attrs["start_date"])
        self.assertTrue(start, "tiny.lua declares a start date")
        self.assertEqual(attr_str(t.attrs["units"]), "days since %s 00:00:00" % start)
        self.assertEqual(attr_str(t.attrs["calendar"]), "proleptic_gregorian")
        np.testing.assert_allclose(t[:], np.arange(self.n_samples) * self.every, rtol=0, atol=1e-9)

    def test_seed_replicate(self):
        for name, value in (("seed", 1), ("replicate", 0)):
            ds = self.f[name]
            self.assertEqual(ds.shape, (), name + " is a scalar")
            self.assertEqual(ds.dtype, np.uint64, name)
            self.assertEqual(int(ds[()]), value, name)
            self.assertIn("long_name", ds.attrs, name)

    def test_node_gang_party(self):
        self.assertGreaterEqual(self.n_nodes, 1)
        nodes = self.assert_strings(self.assert_scale("node", self.n_nodes))
        gangs = self.assert_strings(self.assert_scale("gang", self.n_gangs))
        parties = self.assert_strings(self.assert_scale("party", 2 + self.n_gangs))
        self.assertEqual(len(set(nodes)), len(nodes), "node ids unique")
        self.assertEqual(len(set(gangs)), len(gangs), "gang ids unique")
        self.assertEqual(parties, ["STATE", "CONTESTED"] + gangs)

    def test_auxiliary_coordinates(self):
        for name, dim, n in (("node_name", "node", self.n_nodes),
                             ("node_commune", "node", self.n_nodes),
                             ("gang_name", "gang", self.n_gangs)):
            ds = self.f[name]
            self.assertEqual(ds.shape, (n,), name)
            self.assert_strings(ds)
            self.assertIn("long_name", ds.attrs, name)
            self.assertEqual(dim_names(ds), [dim], name)
        names = list(self.f["node_name"].asstr()[:])
        self.assertTrue(all(names), "every node has a display name")

    # ---- root: sampled variables ----

    def variables(self):
        return {k: v for k, v in self.f.items()
                if isinstance(v, h5py.Dataset) and k not in COORDS}

    def test_variables(self):
        vs = self.variables()
        self.assertTrue(vs, "at least one sampled variable")
        shapes = {"time": (self.n_samples,),
                  "node": (self.n_samples, self.n_nodes),
                  "gang": (self.n_samples, self.n_gangs)}
        seen = set()
        for name, ds in vs.items():
            dims = dim_names(ds)
            self.assertEqual(dims[0], "time", name)
            self.assertIn(dims, (["time"], ["time", "node"], ["time", "gang"]), name)
            self.assertEqual(ds.shape, shapes[dims[-1]], name)
            seen.add(dims[-1])
            self.assertIn(ds.dtype, (np.dtype(np.int64), np.dtype(np.float64)), name)
            self.assertIsInstance(attr_str(ds.attrs["long_name"]), str, name)
            self.assertTrue(attr_str(ds.attrs["long_name"]), name)
            if "units" in ds.attrs:
                self.assertTrue(attr_str(ds.attrs["units"]), name)
            aux = {"node": "node_name node_commune ", "gang": "gang_name ", "time": ""}[dims[-1]]
            self.assertEqual(attr_str(ds.attrs["coordinates"]), aux + "seed replicate", name)
            if attr_str(ds.attrs.get("units")) == "party":
                self.assertEqual(ds.dtype, np.int64, name)
                v = ds[:]
                self.assertTrue(((v >= -1) & (v < 2 + self.n_gangs)).all(), name)
        self.assertIn("node", seen, "some variable over (time, node)")

    def test_no_temporary_left(self):
        self.assertEqual(sorted(x for x in os.listdir(self.tmp) if ".tmp." in x), [])

    # ---- events ----

    def test_events(self):
        g = self.f["events"]
        self.assertEqual(set(g.keys()), set(EVENT_COLUMNS))
        n = g["event"].shape[0]
        self.assertEqual(attr_str(g["event"].attrs.get("CLASS")), "DIMENSION_SCALE")
        for name, (dtype, units) in EVENT_COLUMNS.items():
            ds = g[name]
            self.assertEqual(ds.dtype, np.dtype(dtype), name)
            self.assertEqual(ds.shape, (n,), name)
            self.assertEqual(ds.maxshape, (None,), name + " unlimited")
            self.assertEqual(ds.chunks, (4096,), name)
            # HDF5's built-in filters only (output/README.md, "Format details"):
            # deflate level 1, after shuffle except for the mostly -1 / NaN columns
            self.assertEqual((ds.compression, ds.compression_opts), ("gzip", 1), name)
            self.assertEqual(ds.shuffle, name not in ("actor", "report_time", "observed_deaths"), name)
            self.assertIn("long_name", ds.attrs, name)
            if units:
                self.assertEqual(attr_str(ds.attrs["units"]), units, name)
            if name != "event":
                self.assertEqual(dim_names(ds), ["event"], name)
            for fill in ("_FillValue", "missing_value"):
                if name in EVENT_FILL:
                    self.assertEqual(ds.attrs[fill], -1, name)
                    self.assertEqual(ds.attrs[fill].dtype, ds.dtype, name + " " + fill + " has its type")
                else:
                    self.assertNotIn(fill, ds.attrs, name)
        np.testing.assert_array_equal(g["event"][:], np.arange(n))
        if n == 0:
            sys.stderr.write("warning: tiny.lua logged no events; event values unchecked\n")
        t = g["time"][:]
        self.assertTrue((np.diff(t) >= 0).all(), "events in time order")
        if n:
            self.assertGreaterEqual(t.min(), 0)
            self.assertLessEqual(t.max(), self.days + 1e-9)
        kind = g["kind"]
        k = len(EVENT_KINDS)
        np.testing.assert_array_equal(kind.attrs["flag_values"], np.arange(k, dtype=np.uint8))
        self.assertEqual(kind.attrs["flag_values"].dtype, np.uint8)
        self.assertEqual(attr_str(kind.attrs["flag_meanings"]).split(), EVENT_KINDS)
        with open(os.path.join(SOURCE_DIR, "output", "README.md")) as fh:
            said = re.findall(r"`flag_values` \(uint8 `0\.\.K-1`, K = (\d+)\)", fh.read())
        self.assertEqual(said, [str(k)], "output/README.md's count of event kinds")
        self.assertTrue((kind[:] < k).all())
        node = g["node"][:]
        self.assertTrue(((node >= -1) & (node < self.n_nodes)).all())
        self.assertTrue((g["deaths"][:] >= 0).all())
        self.assertTrue((g["displaced"][:] >= 0).all())
        kinds = kind[:]
        party_rows = np.isin(kinds, [EVENT_KINDS.index("engagement"), EVENT_KINDS.index("takeover")])
        for col in ("actor", "target"):
            v = g[col][:][party_rows]
            self.assertTrue(((v >= -1) & (v < 2 + self.n_gangs)).all(), col + " is a party code")

    # ---- parameters ----

    def test_parameters(self):
        values = self.f["parameters"].attrs
        info = self.f["parameter_info"]
        names = self.assert_strings(info["parameter"])
        self.assertEqual(attr_str(info["parameter"].attrs.get("CLASS")), "DIMENSION_SCALE")
        self.assertTrue(names, "the model has parameters")
        self.assertEqual(sorted(values.keys()), sorted(names))
        n = len(names)
        for col in ("doc", "units", "type"):
            self.assertEqual(info[col].shape, (n,), col)
            self.assert_strings(info[col])
            self.assertEqual(dim_names(info[col]), ["parameter"], col)
        for col, dtype in (("min", np.float64), ("max", np.float64), ("is_model", np.int8)):
            self.assertEqual(info[col].dtype, np.dtype(dtype), col)
            self.assertEqual(info[col].shape, (n,), col)
            self.assertEqual(dim_names(info[col]), ["parameter"], col)
        types = list(info["type"].asstr()[:])
        is_model = info["is_model"][:]
        self.assertTrue(set(np.unique(is_model)) <= {0, 1})
        self.assertTrue(is_model.any(), "model parameters are written")
        lo, hi = info["min"][:], info["max"][:]
        for i, (name, typ) in enumerate(zip(names, types)):
            v = values[name]
            if typ == "number":
                self.assertEqual(v.dtype, np.float64, name)
            elif typ == "integer":
                self.assertEqual(v.dtype, np.int64, name)
            elif typ == "boolean":
                self.assertEqual(v.dtype, np.int8, name)
                self.assertIn(int(v), (0, 1), name)
            elif typ == "string":
                self.assertIsInstance(attr_str(v), str, name)
            else:
                self.fail("parameter %s has unknown type %r" % (name, typ))
            if typ in ("number", "integer") and not (math.isnan(lo[i]) or math.isnan(hi[i])):
                self.assertTrue(lo[i] <= float(v) <= hi[i], "%s=%r in [%g, %g]" % (name, v, lo[i], hi[i]))

    # ---- other readers ----

    def test_xarray_root(self):
        with xr.open_dataset(self.path, engine="h5netcdf", decode_times=False) as ds:
            for d in ("time", "node", "gang", "party"):
                self.assertIn(d, ds.dims)
            self.assertEqual(ds.sizes["time"], self.n_samples)
            self.assertEqual(ds.sizes["node"], self.n_nodes)
            for c in COORDS:
                self.assertIn(c, ds.coords, c)
            self.assertEqual(ds["time"].dtype, np.float64)  # days, undecoded
            self.assertEqual(list(ds["party"].values[:2]), ["STATE", "CONTESTED"])
            for name in self.variables():
                self.assertIn(name, ds.data_vars)
                self.assertEqual(ds[name].dims[0], "time")
        with xr.open_dataset(self.path, engine="h5netcdf") as ds:
            self.assertIn("time", ds.dims)  # default decoding works too: dates
            self.assertEqual(ds["time"].dtype.kind, "M")

    def test_xarray_events(self):
        with xr.open_dataset(self.path, engine="h5netcdf", group="events",
                             decode_timedelta=False) as ev:
            self.assertEqual(list(ev.dims), ["event"])
            self.assertIn("event", ev.coords)
            df = ev.to_dataframe()
            self.assertEqual(set(df.columns), set(EVENT_COLUMNS) - {"event"})
            self.assertEqual(len(df), self.f["events/event"].shape[0])
        with xr.open_dataset(self.path, engine="h5netcdf", group="parameter_info") as pi:
            self.assertIn("parameter", pi.dims)

    def test_observed_log(self):
        """The observed log is the true log filtered by `observed`: a reported
        event has a report time after the event and non-negative deaths; an
        unreported one has NaN and -1."""
        with h5py.File(self.path) as f:
            g = f["events"]
            obs = g["observed"][...].astype(bool)
            t, rt, od = g["time"][...], g["report_time"][...], g["observed_deaths"][...]
            self.assertTrue(np.all(rt[obs] >= t[obs]))
            self.assertTrue(np.all(od[obs] >= 0))
            self.assertTrue(np.all(np.isnan(rt[~obs])))
            self.assertTrue(np.all(od[~obs] == -1))
            self.assertTrue(obs.any() and (~obs).any(), "some events reported, some not")

    def test_rivalries_group(self):
        """tiny.lua declares no rivalry, so it has no `rivalries` group; a
        scenario that does gets the distinct pairs, in the order first
        declared (a pair declared again, in either order, once), as gang
        indices over the `rivalry` scale, as output/README.md says."""
        self.assertNotIn("rivalries", self.f)
        path = os.path.join(self.tmp, "rivals.lua")
        with open(path, "w") as fh:
            fh.write('scenario { days = 2 }\n'
                     'node { id = "a", residents = 10 }\nnode { id = "b", residents = 10 }\n'
                     'node { id = "c", residents = 10 }\nroad("a", "b", 1)\nroad("b", "c", 1)\n'
                     'gang { id = "x", members = 5, base = "a" }\ngang { id = "y", members = 5, base = "b" }\n'
                     'gang { id = "z", members = 5, base = "c" }\n'
                     'rivals("z", "x")\nrivals("x", "y")\nrivals("x", "z")\n')
        out = os.path.join(self.tmp, "rivals.h5")
        r = run_conflictsim(path, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            g = f["rivalries"]
            self.assertEqual(set(g.keys()), {"rivalry", "gang_a", "gang_b"})
            gangs = list(f["gang"].asstr()[:])
            pairs = [(gangs[a], gangs[b]) for a, b in zip(g["gang_a"][...], g["gang_b"][...])]
            self.assertEqual(pairs, [("z", "x"), ("x", "y")])
            self.assertEqual(g["gang_a"].dtype, np.int32)
            self.assertEqual(attr_str(g["rivalry"].attrs.get("CLASS")), "DIMENSION_SCALE")
            np.testing.assert_array_equal(g["rivalry"][...], [0, 1])
            for name in ("gang_a", "gang_b"):
                self.assertEqual(dim_names(g[name]), ["rivalry"], name)
        with xr.open_dataset(out, engine="h5netcdf", group="rivalries") as ds:
            self.assertEqual(ds.sizes["rivalry"], 2)

    def test_provenance_group(self):
        """tiny.lua reads no module or data file, so it has no `provenance`
        group; a scenario that does gets one laid out as output/README.md
        says (datasets over the `file` scale, in the order read, with the
        SHA-256 computed here)."""
        self.assertNotIn("provenance", self.f)
        with open(os.path.join(SOURCE_DIR, "output", "README.md")) as fh:
            doc = fh.read()
        block = doc.split("## Modules and data files: group `provenance`", 1)[1].split("```", 2)[1]
        documented = dict(re.findall(r"── (\w+)\s+\(file\)\s+(\w+)", block))
        town = os.path.join(self.tmp, "town")
        os.makedirs(os.path.join(town, "data"))
        files = {"shared.lua": "return { km = 1.5 }\n", "data/n.csv": "id,x\na,0\nb,1.5\n"}
        for rel, text in files.items():
            with open(os.path.join(town, rel), "w") as fh:
                fh.write(text)
        with open(os.path.join(town, "main.lua"), "w") as fh:
            fh.write('scenario { days = 2 }\nlocal s = require "shared"\nnodes_from(csv("data/n.csv"))\n'
                     'road("a", "b", s.km)\n')
        out = os.path.join(self.tmp, "prov.h5")
        r = run_conflictsim(os.path.join(town, "main.lua"), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        types = {"string": str, "uint64": np.uint64, "int8": np.int8}
        with h5py.File(out, "r") as f:
            g = f["provenance"]
            self.assertEqual(set(g.keys()), set(documented))
            for name, t in documented.items():
                self.assertEqual(g[name].shape, (2,), name)
                if t != "string":
                    self.assertEqual(g[name].dtype, types[t], name)
                if name != "file":
                    self.assertEqual(dim_names(g[name]), ["file"], name)
            self.assertEqual(list(g["file"].asstr()[:]), list(files))
            self.assertEqual(list(g["kind"].asstr()[:]), ["module", "data"])
            for i, (rel, text) in enumerate(files.items()):
                self.assertEqual(g["sha256"].asstr()[i], hashlib.sha256(text.encode()).hexdigest())
                self.assertEqual(g["source"].asstr()[i], text)
                self.assertEqual(int(g["size"][i]), len(text.encode()))
                self.assertEqual(int(g["source_kept"][i]), 1)

    def test_network_and_map(self):
        """The network group holds one position per node and the roads as
        pairs of node indices with positive lengths, the same roads the
        scenario declares (tiny.lua declares 8); the map script draws it."""
        g = self.f["network"]
        self.assertEqual(g["node_x"].shape, (self.n_nodes,))
        self.assertEqual(g["node_y"].shape, (self.n_nodes,))
        self.assertTrue(np.all(np.isfinite(g["node_x"][...])))
        a, b, km = g["road_a"][...], g["road_b"][...], g["road_km"][...]
        self.assertEqual(len(a), 8)
        self.assertTrue(np.all((a >= 0) & (a < self.n_nodes) & (b >= 0) & (b < self.n_nodes) & (a != b)))
        self.assertTrue(np.all(km > 0))
        self.assertEqual(attr_str(g["road_km"].attrs["units"]), "km")
        # named dimensions: the root's node, and the group's own road scale
        self.assertEqual(dim_names(g["node_x"]), ["node"])
        self.assertEqual(dim_names(g["node_y"]), ["node"])
        self.assertEqual(attr_str(g["road"].attrs.get("CLASS")), "DIMENSION_SCALE")
        np.testing.assert_array_equal(g["road"][...], np.arange(len(a)))
        for name in ("road_a", "road_b", "road_km"):
            self.assertEqual(dim_names(g[name]), ["road"], name)
        out = os.path.join(self.tmp, "map")
        r = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "output", "plot_map.py"), self.path,
                            "--days", "0,15,30", "-o", out], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out + ".png", "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        with open(out + ".svg", "rb") as fh:
            self.assertIn(b"<svg", fh.read(4096))

    def test_h5dump(self):
        h5dump = shutil.which("h5dump")
        self.assertIsNotNone(h5dump, "h5dump not found (Debian package hdf5-tools)")
        r = subprocess.run([h5dump, "-H", self.path], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('GROUP "events"', r.stdout)
        self.assertIn('DATASET "time"', r.stdout)

    # ---- guarantees ----

    def test_byte_identical(self):
        other = os.path.join(self.tmp, "b.h5")
        r = run_conflictsim(self.scenario, other)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path, "rb") as a, open(other, "rb") as b:
            self.assertTrue(a.read() == b.read(), "same inputs, different bytes")
        os.remove(other)

    def test_directory_as_output(self):
        d = os.path.join(self.tmp, "adir")
        os.mkdir(d)
        r = run_conflictsim(self.scenario, d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(d, r.stderr)
        self.assertTrue(os.path.isdir(d))
        self.assertEqual(os.listdir(d), [])
        os.rmdir(d)

    def test_missing_directory(self):
        out = os.path.join(self.tmp, "no", "such", "dir", "x.h5")
        r = run_conflictsim(self.scenario, out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(out, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "no")))


class EventsLevel(unittest.TestCase):
    """`run --events LEVEL`: the file keeps all rows, all but the households'
    rows, or none, and says which in `events_level`; the run is the same."""

    HOUSEHOLD = ("flight", "relocation", "return")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs_h5_events.")
        # solino.lua: engagements and takeovers as well as many households' rows
        cls.scenario = os.path.join(SOURCE_DIR, "scenarios", "haiti", "solino.lua")
        cls.f = {}
        for level in ("all", "conflict", "none", None):
            path = os.path.join(cls.tmp, f"{level}.h5")
            r = run_conflictsim(cls.scenario, path, *(["--events", level] if level else []))
            if r.returncode != 0:
                raise RuntimeError(f"--events {level}: exit {r.returncode}: {r.stderr}")
            cls.f[level] = h5py.File(path, "r")

    @classmethod
    def tearDownClass(cls):
        for f in cls.f.values():
            f.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def columns(self, level):
        g = self.f[level]["events"]
        return {c: g[c][:] for c in EVENT_COLUMNS}

    def test_attribute(self):
        for level in ("all", "conflict", "none"):
            self.assertEqual(attr_str(self.f[level].attrs["events_level"]), level)
        self.assertEqual(attr_str(self.f[None].attrs["events_level"]), "all", "the default")

    def test_default_is_all(self):
        a, d = self.columns("all"), self.columns(None)
        for c in EVENT_COLUMNS:
            np.testing.assert_array_equal(a[c], d[c], c)

    def test_conflict_is_all_without_households(self):
        a, c = self.columns("all"), self.columns("conflict")
        household = [EVENT_KINDS.index(k) for k in self.HOUSEHOLD]
        keep = ~np.isin(a["kind"], household)
        self.assertGreater(int((~keep).sum()), 0, "solino.lua logs households' rows")
        self.assertGreater(int(keep.sum()), 0, "and others")
        self.assertFalse(np.isin(c["kind"], household).any())
        for name in EVENT_COLUMNS:
            want = np.arange(int(keep.sum())) if name == "event" else a[name][keep]
            np.testing.assert_array_equal(c[name], want, name)  # same rows, same order (NaN == NaN)
        self.assertEqual(self.f["conflict"]["events/event"].attrs["CLASS"], b"DIMENSION_SCALE")

    def test_none_has_no_rows(self):
        g = self.f["none"]["events"]
        self.assertEqual(set(g.keys()), set(EVENT_COLUMNS))
        for name in EVENT_COLUMNS:
            self.assertEqual(g[name].shape, (0,), name)

    def test_same_run(self):
        """every sampled trajectory is the same at every level"""
        a = self.f["all"]
        names = [n for n, ds in a.items() if isinstance(ds, h5py.Dataset)]
        self.assertIn("residents", names)
        for level in ("conflict", "none"):
            for n in names:
                np.testing.assert_array_equal(self.f[level][n][()], a[n][()], f"{level}: {n}")

    def test_bad_level(self):
        out = os.path.join(self.tmp, "bad.h5")
        r = run_conflictsim(self.scenario, out, "--events", "households")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--events", r.stderr)
        self.assertIn("households", r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_h5_layout.py <conflictsim-binary> <source-dir>")
    BINARY, SOURCE_DIR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
