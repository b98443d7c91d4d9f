#!/usr/bin/python3
"""test_report.py: what a reader sees: the figures (output/plot_compare.py,
output/plot_map.py), the number forms of output/plain.py against the terminal
table's (sim/batch/plain.c), and the HTML reports of output/report.py, opened
in a headless browser.

    /usr/bin/python3 tests/test_report.py <conflictsim> <source dir> [Class]

- Figures: the compare figures' plotted centres are the table's statistics
  (the effects figure's points are mean_difference / baseline_mean; the
  trajectories' mean lines at the last day are the means of the metrics taken
  at the last sample); arms differ by line style and marker, not colour alone;
  every title and label lies inside its figure; the map names every node.
- The Python number forms give the terminal table's very text.
- The HTML reports of compare, validate and calibrate, rendered by Debian's
  chromium (--headless --dump-dom, and a screenshot): their tables, plain
  labels and inline figures are in the rendered page, P(better) + P(worse) +
  P(tie) is 100% in every row, the page is not blank, and chromium's network
  log holds no request but the page itself (a page with an external image,
  as a control, does show one). Without chromium the browser tests are
  skipped, saying so; .ci/deps installs it, so CI runs them.
"""
import glob
import html.parser
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
TINY = os.path.join(SRC, "scenarios/examples/tiny.lua")
PATROL = os.path.join(SRC, "tests/calib/patrol.lua")
REPORT = os.path.join(SRC, "output/report.py")
sys.path.insert(0, os.path.join(SRC, "output"))
plain = importlib.import_module("plain")
plot_compare = importlib.import_module("plot_compare")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
METRICS = ["displaced_final", "gang_share_population_final", "civilian_deaths_final", "fall_time:market",
           "clashes_all"]


def run(*args, **kw):
    return subprocess.run([EXE] + list(args), capture_output=True, text=True, **kw)


def names(ds):
    return [plain.text(x) for x in ds[:]]


class Fixture(unittest.TestCase):
    """One compare of the tiny city (a later recall), kept for every test."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cs_report_")
        cls.h5 = os.path.join(cls.tmp, "cmp.h5")
        args = ["compare", "--baseline", TINY, "--variant", "late:recall_day=10", "--variant",
                "none:recall_officers=0", "--replicates", "12", "-j", "2", "-o", cls.h5[:-3]]
        for m in METRICS:
            args += ["--metric", m]
        cls.cmp = run(*args)
        assert cls.cmp.returncode == 0, cls.cmp.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


class Figures(Fixture):
    def test_centres_are_the_table(self):
        d = plot_compare.read(self.h5)
        _, plotted = plot_compare.effects_figure(d)
        with h5py.File(self.h5, "r") as f:
            codes, md, bm = names(f["metric"]), f["mean_difference"][:], f["baseline_mean"][:]
            self.assertEqual(float(f["time"][-1]), float(f.attrs["days"]), "the last sample is the last day")
        n = 0
        for (variant, code), (c, lo, hi) in plotted.items():
            v, m = d["arms"].index(variant) - 1, codes.index(code)
            self.assertAlmostEqual(c, 100 * md[v, m] / abs(bm[v, m]), delta=1e-9 * abs(c) + 1e-12, msg=code)
            self.assertLessEqual(lo, c + 1e-9)
            self.assertGreaterEqual(hi, c - 1e-9)
            n += 1
        self.assertGreater(n, 0)
        # the trajectory figures' mean lines at the last day are the table's means of the same quantity
        for traj, code in (("city_displaced", "displaced_final"),
                           ("city_gang_share_population", "gang_share_population_final"),
                           ("city_civilian_deaths", "civilian_deaths_final")):
            fig, diff = plot_compare.trajectory_figure(d, traj)
            s = plain.scale(d["traj"][traj][2])
            m = codes.index(code)
            top = fig.axes[0]
            means = {ln.get_label(): ln.get_ydata()[-1] for ln in top.get_lines() if ln.get_label() in d["arms"]}
            self.assertAlmostEqual(means["baseline"], s * bm[0, m], delta=1e-9 * abs(s * bm[0, m]) + 1e-12)
            for v, name in enumerate(d["arms"][1:]):
                want = s * md[v, m]
                self.assertAlmostEqual(diff[name].get_ydata()[-1], want, delta=1e-9 * abs(want) + 1e-9,
                                       msg=f"{traj}, {name}: the difference panel's mean is the table's")
                vm = s * d["variant_mean"][v, m]
                self.assertAlmostEqual(means[name], vm, delta=1e-9 * abs(vm) + 1e-12)
            plot_compare.plt.close(fig)

    def test_greyscale_and_fit(self):
        d = plot_compare.read(self.h5)
        figs = plot_compare.figures(self.h5)
        self.assertEqual([n for n, _ in figs], ["city_displaced", "city_civilian_deaths",
                                                "city_gang_share_population", "effects"])
        for name, fig in figs:
            fig.canvas.draw()
            r = fig.canvas.get_renderer()
            box = fig.bbox
            # titles, axis labels and the tick labels drawn (those of ticks inside the view)
            texts = [t for ax in fig.axes for t in [ax.title, ax.xaxis.label, ax.yaxis.label]
                     + [x for x in ax.get_yticklabels()
                        if min(ax.get_ylim()) <= x.get_position()[1] <= max(ax.get_ylim())] if t.get_text()]
            self.assertTrue(texts, name)
            for t in texts:
                e = t.get_window_extent(r)
                self.assertTrue(e.x0 >= box.x0 - 1 and e.x1 <= box.x1 + 1 and e.y0 >= box.y0 - 1
                                and e.y1 <= box.y1 + 1, f"{name}: '{t.get_text()[:40]}' is cut off")
            if name != "effects":
                arms = [ln for ln in fig.axes[0].get_lines() if ln.get_label() in d["arms"]]
                self.assertEqual(len(arms), 3)
                looks = {(str(ln.get_linestyle()), ln.get_marker()) for ln in arms}
                self.assertEqual(len(looks), 3, f"{name}: arms differ by line style and marker")
                self.assertIn(d["traj"][name][1], fig.axes[0].get_ylabel(), "the file's label on the axis")
            plot_compare.plt.close(fig)

    def test_plot_compare_writes(self):
        p = subprocess.run([sys.executable, os.path.join(SRC, "output/plot_compare.py"), self.h5, "-o",
                            os.path.join(self.tmp, "fig")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        for n in ("city_displaced", "city_civilian_deaths", "city_gang_share_population", "effects"):
            with open(os.path.join(self.tmp, f"fig_{n}.svg")) as f:
                svg = f.read()
            self.assertIn("<svg", svg)
        with open(os.path.join(self.tmp, "fig_effects.svg")) as f:
            svg = f.read()
        with h5py.File(self.h5, "r") as f:
            for lab in names(f["metric_label"]):
                self.assertIn(lab, svg, "the effects figure names each outcome in words")

    def test_map_names_every_node(self):
        out = os.path.join(self.tmp, "tiny.h5")
        self.assertEqual(run("run", TINY, "-o", out, "--quiet").returncode, 0)
        p = subprocess.run([sys.executable, os.path.join(SRC, "output/plot_map.py"), out, "-o",
                            os.path.join(self.tmp, "map")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(self.tmp, "map.svg")) as f:
            svg = f.read()
        with h5py.File(out, "r") as f:
            ids, nm = names(f["node"]), names(f["node_name"]) if "node_name" in f else []
        for i, node in enumerate(ids):
            label = (nm[i] if nm and nm[i] else node)
            self.assertIn(">" + label.replace("&", "&amp;") + "<", svg, f"node {node} is named on the map")


class NumberForms(Fixture):
    def test_python_forms_are_the_tables(self):
        """Each mean in the terminal table is the text output/plain.py makes of the file's number."""
        with h5py.File(self.h5, "r") as f:
            codes, units = names(f["metric"]), names(f["metric_display_units"])
            arms = names(f["variant"])
            for v, arm in enumerate(arms):
                block = self.cmp.stdout.split(f"variant {arm} (")[1]
                for m, code in enumerate(codes):
                    row = next(ln for ln in block.splitlines() if ln.endswith("  " + code))
                    for k, diff in (("baseline_mean", False), ("variant_mean", False), ("mean_difference", True)):
                        text = plain.value(f[k][v, m], units[m], diff)
                        self.assertIn(" " + text + " ", row + " ", f"{arm} {code} {k}: '{text}' in '{row}'")
                    pb, pw = float(f["p_better"][v, m]), float(f["p_worse"][v, m])
                    pct = plain.percentages([pb, pw, 1 - pb - pw])
                    self.assertEqual(sum(pct), 100)
                    self.assertIn("%d%% %7d%% %5d%%" % tuple(pct), row)


class Browser(Fixture):
    """The HTML reports as chromium renders them."""

    @classmethod
    def setUpClass(cls):
        if not CHROMIUM:
            raise unittest.SkipTest("SKIPPED: chromium is not installed (bash .ci/deps installs it; CI runs this)")
        super().setUpClass()

    def render(self, page):
        """(the DOM chromium rendered, the URLs in its network log, a screenshot as an array)."""
        net, shot = page + ".net.json", page + ".png"
        common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  f"--user-data-dir={self.tmp}/chromium-profile"]
        p = subprocess.run(common + [f"--log-net-log={net}", "--dump-dom", "file://" + page],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        q = subprocess.run(common + [f"--screenshot={shot}", "--window-size=1200,1600", "file://" + page],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(q.returncode, 0, q.stderr[-2000:])
        import matplotlib.image
        img = matplotlib.image.imread(shot)
        with open(net) as f:
            text = f.read()
        try:
            log = json.loads(text)
        except ValueError:  # a log cut short ends without its closing brackets
            log = json.loads(text.rstrip().rstrip(",") + "]}")
        # the page's own requests carry its origin as initiator ("null" for a file), the browser's
        # own housekeeping (updates, time, accounts) "not an origin": only the page's are counted
        urls = {e["params"]["url"] for e in log.get("events", [])
                if "url" in e.get("params", {}) and e["params"].get("initiator", "not an origin") != "not an origin"}
        return p.stdout, urls, img

    def report(self, src, *extra):
        out = src + ".html"
        p = subprocess.run([sys.executable, REPORT, src, "-o", out] + list(extra), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out

    def check_page(self, page, dom, urls, img):
        self.assertEqual({u for u in urls if u != "file://" + page}, set(), "no request but the page itself")
        self.assertGreater(float(img[..., :3].std()), 0.05, "the screenshot is not blank")
        with open(page) as f:
            src = f.read()
        self.assertNotIn("<script", src)
        self.assertNotIn("<link", src)

    def test_external_resource_is_seen(self):
        """The control: a page that asks for an external image shows that request in the log."""
        page = os.path.join(self.tmp, "control.html")
        with open(page, "w") as f:
            f.write('<!DOCTYPE html><html><body><p>x</p><img src="http://127.0.0.1:9/x.png"></body></html>')
        _, urls, _ = self.render(page)
        self.assertIn("http://127.0.0.1:9/x.png", urls)

    def test_compare_report(self):
        page = self.report(self.h5)
        dom, urls, img = self.render(page)
        self.check_page(page, dom, urls, img)
        t = Tables()
        t.feed(dom)
        with h5py.File(self.h5, "r") as f:
            labels, codes = names(f["metric_label"]), names(f["metric"])
            variants = names(f["variant"])
        self.assertEqual(len(t.tables), 1 + len(variants), "the arms and one table per variant")
        for tab in t.tables[1:]:
            head = tab[0]
            for h in ("outcome", "unit", "P(better)", "P(worse)", "P(tie)", "95% interval"):
                self.assertIn(h, head)
            rows = tab[1:]
            self.assertEqual([r[0] for r in rows], labels, "the rows are the outcomes in words")
            self.assertEqual([r[-1] for r in rows], codes, "and their codes")
            for r in rows:
                p = [int(r[head.index(h)].rstrip("%")) for h in ("P(better)", "P(worse)", "P(tie)")]
                self.assertEqual(sum(p), 100, r)
                for h in ("baseline", "variant", "difference"):
                    self.assertNotRegex(r[head.index(h)], r"\de[+-]", "no e-notation")
        self.assertEqual(t.svgs, 4, "four figures, inline")
        for lab in labels:
            self.assertIn(lab, t.svg_text, "the effects figure names each outcome in words")

    def test_validate_report(self):
        csvp = os.path.join(self.tmp, "val.csv")
        p = run("validate", PATROL, "--targets", os.path.join(SRC, "tests/calib/patrol_targets.lua"),
                "--replicates", "4", "-j", "2", "-o", csvp, "--quiet")
        self.assertIn(p.returncode, (0, 7), p.stderr)
        page = self.report(csvp)
        dom, urls, img = self.render(page)
        self.check_page(page, dom, urls, img)
        t = Tables()
        t.feed(dom)
        import csv
        with open(csvp) as f:
            rows = list(csv.DictReader(f))
        self.assertGreaterEqual(len(t.tables), 1)
        got = [r[0] for tab in t.tables for r in tab[1:]]
        self.assertEqual(sorted(got), sorted(r["target"] for r in rows), "every target in a table")
        self.assertEqual(t.svgs, 1)
        for r in rows:
            self.assertIn(r["statistic"], dom.replace("&amp;", "&"), "each target said in words")

    def test_calibrate_report(self):
        cal = os.path.join(self.tmp, "cal.h5")
        p = run("calibrate", PATROL, "--targets", os.path.join(SRC, "tests/calib/patrol_targets.lua"),
                "--priors", os.path.join(SRC, "tests/calib/patrol_priors.lua"), "-o", cal, "--waves", "1",
                "--points", "12", "--replicates", "2", "--particles", "20", "--batch", "20",
                "--max-populations", "2", "-j", "2", "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        page = self.report(cal)
        dom, urls, img = self.render(page)
        self.check_page(page, dom, urls, img)
        t = Tables()
        t.feed(dom)
        heads = [tab[0][0] for tab in t.tables]
        self.assertEqual(heads, ["wave", "population", "parameter"])
        with h5py.File(cal, "r") as f:
            params = names(f["parameter"])
        self.assertEqual([r[0] for r in t.tables[2][1:]], params)
        self.assertEqual(t.svgs, 2, "the posterior and the waves")


class BadInput(unittest.TestCase):
    """report.py on what is not conflictsim output: one line naming the file, exit 1,
    no traceback, no report, and an earlier report of that name untouched."""

    def test_refused(self):
        tmp = tempfile.mkdtemp(prefix="cs_report_bad_")
        try:
            def put(name, data):
                path = os.path.join(tmp, name)
                with open(path, "wb") as fh:
                    fh.write(data)
                return path
            cases = {
                "not HDF5": put("text.h5", b"hello\n"),
                "missing": os.path.join(tmp, "absent.h5"),
                "bad holdout": put("v.csv", b"target,observed,holdout\na,1,nan\n"),
                "binary CSV": put("r.csv", bytes(range(128, 256)) * 3),
                "other CSV": put("o.csv", b"x,y\n1,2\n"),
            }
            out = os.path.join(tmp, "report.html")
            with open(out, "w") as fh:
                fh.write("earlier")
            for what, src in cases.items():
                p = subprocess.run([sys.executable, REPORT, src, "-o", out], capture_output=True, text=True)
                self.assertEqual(p.returncode, 1, what)
                self.assertNotIn("Traceback", p.stderr, what)
                self.assertIn(os.path.basename(src), p.stderr, what)
                with open(out) as fh:
                    self.assertEqual(fh.read(), "earlier", what)
                self.assertEqual(sorted(os.listdir(tmp)), sorted(set(
                    [os.path.basename(c) for c in cases.values() if os.path.exists(c)] + ["report.html"])), what)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class Tables(html.parser.HTMLParser):
    """The tables of a page as lists of rows of cell text, the number of inline <svg> elements
    and the text inside them."""

    def __init__(self):
        super().__init__()
        self.tables, self.svgs, self.svg_text = [], 0, ""
        self._cell, self._in_svg = None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "svg":
            self.svgs += self._in_svg == 0
            self._in_svg += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None
        elif tag == "svg":
            self._in_svg -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_svg:
            self.svg_text += data + "\n"


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
