#!/usr/bin/python3
"""report.py: one self-contained HTML report of a compare, a validation or a calibration.

    /usr/bin/python3 output/report.py PREFIX.h5 -o REPORT.html      (conflictsim compare -o PREFIX)
    /usr/bin/python3 output/report.py VALIDATE.csv -o REPORT.html   (conflictsim validate -o VALIDATE.csv)
    /usr/bin/python3 output/report.py CAL.h5 -o REPORT.html         (conflictsim calibrate -o CAL.h5)
        [--predictive VALIDATE.csv]  with a calibration: the posterior predictive check too

The kind is read from the file (an HDF5 file's file_kind attribute; a CSV is a
validation table). The report is one HTML file: the tables as HTML tables,
the figures inline as SVG (their text is text), the style in the page; no
script and no external resource, so it opens offline, prints, and can be sent
as one attachment. Tables use the terminal tables' plain labels, units and
number forms (output/plain.py); the figures are plot_compare.py's and
plot_calibration.py's. Written to REPORT.html.tmp.<pid> and renamed into
place. Debian's python3-matplotlib, numpy and h5py only.
"""
import argparse
import csv
import html
import io
import math
import os
import re
import sys
import tempfile

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plain  # noqa: E402
import plot_compare  # noqa: E402

matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "conflictsim"})

STYLE = """
body { font-family: sans-serif; max-width: 72em; margin: 1.5em auto; padding: 0 1em; color: #111; line-height: 1.4 }
h1 { font-size: 1.5em } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #999 }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em }
th, td { border-bottom: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top }
th { text-align: left; background: #eee } td.n { text-align: right; white-space: nowrap }
td.code, span.code { font-family: monospace; color: #555; font-size: 0.85em; overflow-wrap: anywhere } td.fail { font-weight: bold }
figure { margin: 1.2em 0 } figure svg { max-width: 100%; height: auto } figcaption { font-size: 0.9em; color: #333 }
p.note { font-size: 0.9em; color: #333 }
"""


def esc(x):
    return html.escape(str(x), quote=True)


def svg_of(fig):
    """fig as an inline <svg> element: no XML prolog, doctype or metadata block."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", s, flags=re.S)


def svg_file(path):
    with open(path, encoding="utf-8") as f:
        s = f.read()
    s = s[s.index("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", s, flags=re.S)


def figure(svg, caption, name):
    return f'<figure id="fig-{esc(name)}">{svg}<figcaption>{esc(caption)}</figcaption></figure>'


def table(head, rows, classes=None):
    """An HTML table; rows of already-formatted text; classes[j] the class of column j's cells."""
    classes = classes or [""] * len(head)
    out = ["<table>", "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f'<td class="{c}">{esc(x)}</td>' if c else f"<td>{esc(x)}</td>"
                                    for x, c in zip(r, classes)) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def page(title, body):
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
            f'<style>{STYLE}</style>\n</head>\n<body>\n<h1>{esc(title)}</h1>\n{body}\n</body>\n</html>\n')


# ---- compare ----

def compare_report(path):
    d = plot_compare.read(path)
    with h5py.File(path, "r") as f:
        scen = [plain.text(x) for x in f["arm_scenario"][:]]
        sets = [plain.text(x) for x in f["arm_sets"][:]]
        seed, days = int(f.attrs["master_seed"]), float(f.attrs["days"])
        boot = int(f.attrs["bootstrap_resamples"])
        cens = f["censored"][:]
        vred = f["variance_reduction"][:]
        post = plain.text(f.attrs.get("posterior_file", ""))
    arms, n = d["arms"], d["n"]
    branched = d.get("branches", 1) > 1
    body = [f"<p>{plot_compare.runs_text(d, paired=True)} (seed {seed}), {plain.num(days)} days: replicate r "
            + ("and branch k " if branched else "") + "of every arm meets the same chance events, so a difference "
            "between arms comes from the intervention, not from other luck (the intervals say how precisely the "
            "replicates pin it down)."
            + (" The branches of a replicate share its past up to the branch day; the intervals resample whole "
               "replicates." if branched else "") + "</p>",
            "<h2>Arms</h2>",
            table(["arm", "scenario", "changes"], [[a, s, t or "(none)"] for a, s, t in zip(arms, scen, sets)])]
    if post:
        body.append(f"<p>Replicate r of every arm ran under draw r of the calibration's posterior ({esc(post)}): "
                    "the intervals include what the calibration left uncertain.</p>")
    head = ["outcome", "unit", "better if", "baseline", "variant", "difference", "95% interval", "P(better)",
            "P(worse)", "P(tie)", "var. red.", "code"]
    cls = ["", "", "", "n", "n", "n", "n", "n", "n", "n", "n", "code"]
    for v in range(1, len(arms)):
        rows = []
        for m, code in enumerate(d["codes"]):
            u = d["units"][m]
            pb, pw = float(d["p_better"][v - 1, m]), float(d["p_worse"][v - 1, m])
            pct = plain.percentages([pb, pw, 1 - pb - pw])
            lo, hi = d["ci_low"][v - 1, m], d["ci_high"][v - 1, m]
            iv = (f"[{plain.num(100 * lo, True)}, {plain.num(100 * hi, True)}] pp" if u == "%" else
                  f"[{plain.num(lo, True)}, {plain.num(hi, True)}]")
            rows.append([d["labels"][m], u, d["better"][m], plain.value(d["baseline_mean"][v - 1, m], u),
                         plain.value(d["variant_mean"][v - 1, m], u),
                         plain.value(d["mean_difference"][v - 1, m], u, True), iv,
                         f"{pct[0]}%", f"{pct[1]}%", f"{pct[2]}%", plain.num(float(vred[v - 1, m])), code])
        body.append(f"<h2>{esc(arms[v])} against the baseline</h2>")
        body.append(table(head, rows, cls))
        for m, code in enumerate(d["codes"]):
            if cens[0, m] or cens[v, m]:
                body.append(f'<p class="note">{esc(d["labels"][m])}: no fall by day {days:g} in '
                            f"{cens[0, m]} of {n} baseline runs and {cens[v, m]} of {n} variant runs; they count "
                            "as falling on the last day.</p>")
    body.append('<p class="note">baseline, variant: means over the replicates. difference: variant - baseline, '
                f"the mean over the pairs, with its 95% interval (BCa bootstrap, {boot:,} resamples). P(better), "
                "P(worse), P(tie): the share of replicates in which the variant did better, worse or exactly the "
                "same as the baseline; a low P(better) beside a high P(tie) means the intervention did not change that "
                "outcome in those runs (it may come too late or not reach it), not that it made things worse. The "
                "mean difference and P(better) can point different ways: a few replicates with large effects move "
                "the mean, while P(better) counts replicates. var. red.: how much pairing narrowed the interval "
                "(the variance of unpaired differences over that of the paired ones). "
                "%: share of the city; pp: percentage points. code: the outcome's name in the CSV, JSON and "
                "HDF5 files.</p>")
    n_iv = (len(arms) - 1) * len(d["codes"])
    body.append(f'<p class="note">Each interval covers its own mean difference with 95% probability: of the '
                f"{n_iv} here, about {0.05 * n_iv:.1f} may exclude the true value by chance alone.</p>")
    if n < 20:
        body.append(f'<p class="note"><strong>Warning:</strong> {n} replicates: intervals from fewer than 20 '
                    "paired runs are unreliable (they undercover).</p>")
    body.append("<h2>Figures</h2>")
    fig, _ = plot_compare.effects_figure(d)
    body.append(figure(svg_of(fig), "Each outcome's mean difference, as a percentage of the baseline's mean, "
                       "with its 95% interval: the table above.", "effects"))
    for m in plot_compare.TRAJECTORIES:
        if m in d["traj"]:
            fig, _ = plot_compare.trajectory_figure(d, m)
            body.append(figure(svg_of(fig), f"{d['traj'][m][1]} over time: each arm's mean over the replicates "
                               "with the middle 50% shaded and the middle 90% between thin lines; below, the "
                               "paired difference.", m))
    return page(f"Comparison: {', '.join(arms[1:])} against the baseline", "\n".join(body))


# ---- validate ----

def fnum(r, k):
    try:
        return float(r.get(k, ""))
    except ValueError:
        return math.nan


def holdout(r, path):
    """A row's holdout flag, 0 or 1; anything else is not validate's table."""
    v = (r.get("holdout") or "0").strip()
    if v not in ("0", "1"):
        raise SystemExit(f"report.py: {path}: target {r.get('target', '?')!r}: holdout is {v!r}, not 0 or 1")
    return int(v)


def validate_report(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "target" not in rows[0] or "observed" not in rows[0]:
        raise SystemExit(f"report.py: {path}: not a table of conflictsim validate")
    pred = any(r.get("predictive_median", "") not in ("", "nan") for r in rows)
    body = [f"<p>{len(rows)} targets from <span class=\"code\">{esc(os.path.basename(path))}</span>. Each run "
            "computes each target's statistic; the table shows the median (or mean) of the runs, the range of "
            "the middle 90% of runs, and whether the summary falls within the target's tolerance.</p>"]
    head = ["target", "what it is", "source", "observed", "simulated", "middle 90% of runs", "tolerance",
            "runs", "result"] + (["predictive 90%", "covers?"] if pred else [])
    cls = ["code", "", "", "n", "n", "n", "n", "n", ""] + (["n", ""] if pred else [])
    for block, title in ((0, "In-sample targets (they decide the exit status)"),
                         (1, "Held-out targets (a forecast: reported, never fitted)")):
        part = [r for r in rows if holdout(r, path) == block]
        if not part:
            continue
        out = []
        for r in part:
            lo, hi = fnum(r, "tolerance_low"), fnum(r, "tolerance_high")
            tol = f">= {plain.num(lo)}" if math.isinf(hi) else f"[{plain.num(lo)}, {plain.num(hi)}]"
            q05, q95 = fnum(r, "q05"), fnum(r, "q95")
            rng = "-" if math.isnan(q05) else f"[{plain.num(q05)}, {plain.num(q95)}]"
            row = [r["target"], r.get("statistic", ""), r.get("source", ""), plain.num(fnum(r, "observed")),
                   f"{plain.num(fnum(r, 'simulated'))} ({r.get('summary', 'median')})", rng, tol,
                   r.get("runs", ""), r.get("result", "")]
            if pred:
                pl, ph = fnum(r, "predictive_low"), fnum(r, "predictive_high")
                row += ["-" if math.isnan(pl) else f"[{plain.num(pl)}, {plain.num(ph)}]", r.get("covered", "")]
            out.append(row)
        failed = sum(r.get("result") == "FAIL" for r in part)
        body.append(f"<h2>{esc(title)}</h2>")
        body.append(f"<p>{failed} of {len(part)} {'failed' if block == 0 else 'fell outside their tolerance'}."
                    "</p>")
        body.append(table(head, out, cls))
    body.append("<h2>Figure</h2>")
    body.append(figure(svg_of(validate_figure(rows)), "Each target's simulated middle 90% of runs (bar) and "
                       "summary (tick) against its observation (circle) and tolerance (grey), as multiples of "
                       "the observation.", "targets"))
    return page(f"Validation: {os.path.basename(path)}", "\n".join(body))


def validate_figure(rows):
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.6))
    ticks = []
    for k, r in enumerate(rows):
        y = len(rows) - k
        ticks.append((y, r["target"] + (" (held out)" if r.get("holdout") == "1" else "")))
        obs = fnum(r, "observed")
        sc = abs(obs) if obs else 1.0
        lo, hi, q05, q95, sim = (fnum(r, k_) / sc for k_ in ("tolerance_low", "tolerance_high", "q05", "q95",
                                                           "simulated"))
        if math.isfinite(lo):
            ax.plot([lo, hi if math.isfinite(hi) else max(lo, q95 if math.isfinite(q95) else lo) * 1.5], [y, y],
                    color="#bbbbbb", linewidth=9, solid_capstyle="butt")
        if math.isfinite(q05):
            ax.plot([q05, q95], [y, y], color="#0072B2", linewidth=3)
            ax.plot(sim, y, "|", color="black", markersize=14)
        ax.plot(obs / sc, y, "o", markerfacecolor="white", markeredgecolor="#D55E00", markersize=7)
    ax.set_yticks([y for y, _ in ticks])
    ax.set_yticklabels([t for _, t in ticks], fontsize=8)
    ax.set_xlabel("multiple of the observed value (grey: tolerance; bar: middle 90% of runs; tick: summary)")
    ax.set_title("Targets against the runs", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


# ---- calibrate ----

def wquantile(x, w, q):
    i = np.argsort(x, kind="stable")
    c = np.cumsum(w[i])
    return float(x[i][min(np.searchsorted(c, q - 1e-12), len(x) - 1)])


def calibrate_report(path, predictive):
    import plot_calibration
    body = []
    with h5py.File(path, "r") as f:
        a = f.attrs
        scenario = plain.text(a["scenario"])
        body.append(f"<p>Calibration of <span class=\"code\">{esc(plain.text(a['scenario']))}</span> against "
                    f"{f['target'].shape[0]} in-sample targets, {int(a['runs']):,} runs (seed "
                    f"{int(a['master_seed'])}). Held-out targets were never read.</p>")
        names = [plain.text(x) for x in f["parameter"][:]]
        waves = sorted(f["history_matching"].keys(), key=lambda k: int(k.split("_")[1])) \
            if "history_matching" in f else []
        if waves:
            rows = [[k.split("_")[1], f"{f['history_matching'][k]['theta'].shape[0]:,}",
                     f"{100 * f['history_matching'][k].attrs['nroy_share']:.1f}%",
                     plain.num(f["history_matching"][k].attrs["nroy_fraction"])] for k in waves]
            body.append("<h2>History matching</h2>")
            body.append(table(["wave", "points", "points not ruled out", "share of the prior space left"], rows,
                              ["n", "n", "n", "n"]))
        pops = sorted([k for k in f["abc"].keys() if k.startswith("population_")],
                      key=lambda k: int(k.split("_")[1])) if "abc" in f else []
        if pops:
            rows = [[k.split("_")[1], plain.num(f["abc"][k].attrs["epsilon"]),
                     f"{int(f['abc'][k].attrs['proposed']):,}",
                     f"{100 * f['abc'][k].attrs['acceptance']:.1f}%", plain.num(f["abc"][k].attrs["ess"])]
                    for k in pops]
            body.append(f"<h2>ABC-SMC ({esc(plain.text(a.get('abc_stop_reason', '')))})</h2>")
            body.append(table(["population", "tolerance", "proposed", "accepted", "effective sample size"], rows,
                              ["n", "n", "n", "n", "n"]))
        if "posterior" in f:
            th, w = f["posterior/theta"][:], f["posterior/weight"][:]
            lo, hi = f["prior_low"][:], f["prior_high"][:]
            rows = [[p, plain.num(lo[i]), plain.num(wquantile(th[:, i], w, 0.05)),
                     plain.num(wquantile(th[:, i], w, 0.5)), plain.num(wquantile(th[:, i], w, 0.95)),
                     plain.num(hi[i])] for i, p in enumerate(names)]
            body.append("<h2>Posterior</h2>")
            body.append(table(["parameter", "prior low", "5%", "median", "95%", "prior high"], rows,
                              ["code", "n", "n", "n", "n", "n"]))
            body.append('<p class="note">Weighted quantiles of the last population; '
                        "<span class=\"code\">conflictsim params</span> gives each parameter's unit and meaning."
                        "</p>")
        with tempfile.TemporaryDirectory() as tmp:
            figs = []
            if "posterior" in f:
                plot_calibration.plot_posterior(f, os.path.join(tmp, "posterior.svg"))
                figs.append(("posterior", "The posterior: each parameter's distribution (diagonal) and pairs."))
            if plot_calibration.plot_waves(f, os.path.join(tmp, "waves.svg")):
                figs.append(("waves", "History matching, wave by wave."))
            if predictive:
                plot_calibration.plot_predictive(predictive, os.path.join(tmp, "predictive.svg"))
                figs.append(("predictive", "Each target's observation against the posterior predictive median "
                                           "and 90% interval."))
            if figs:
                body.append("<h2>Figures</h2>")
            for name, cap in figs:
                body.append(figure(svg_file(os.path.join(tmp, name + ".svg")), cap, name))
    return page(f"Calibration: {os.path.basename(scenario)}", "\n".join(body))


def build(path, predictive=None):
    """The HTML text of the report of the file at path."""
    if path.endswith(".csv"):
        return validate_report(path)
    with h5py.File(path, "r") as f:
        kind = plain.text(f.attrs.get("file_kind", ""))
    if kind == "conflictsim compare":
        return compare_report(path)
    if kind == "conflictsim calibration":
        return calibrate_report(path, predictive)
    raise SystemExit(f"report.py: {path}: neither a compare nor a calibration file (file_kind '{kind}')")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", help="PREFIX.h5 of compare, CAL.h5 of calibrate, or the CSV of validate")
    ap.add_argument("-o", "--output", help="the HTML file (default: the file's name with .html)")
    ap.add_argument("--predictive", help="with a calibration: the CSV of conflictsim validate --posterior")
    a = ap.parse_args(argv)
    out = a.output or os.path.splitext(a.file)[0] + ".html"
    for f in (a.file, a.predictive):
        if f is not None and not os.path.isfile(f):
            raise SystemExit(f"report.py: {f}: no such file")
    try:
        text = build(a.file, a.predictive)
    except (OSError, UnicodeDecodeError, csv.Error, KeyError) as e:
        # h5py's "file signature not found", an unreadable or binary CSV, a
        # dataset the kind of file should have and does not
        raise SystemExit(f"report.py: {a.file}: cannot read it as conflictsim output ({e})")
    tmp = f"{out}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
