#!/usr/bin/python3
"""predictive_table.py: the posterior predictive table of a `validate` CSV, in Markdown.

    /usr/bin/python3 scenarios/haiti/predictive_table.py output/v2/validate.csv

One row per target, in the CSV's order: the observed value, the predictive median and
90% interval (the runs' values with the target's error added: README.md, "Validating
against what was observed"), whether the interval covers the observation, and whether
the runs' median (the mean for a target summarised by its mean) is inside the target's
tolerance, as validate's own table says. The in-sample targets first, then the
held-out ones (a forecast, never fitted), each block with its count of covered rows.
"""
import csv
import sys


def fmt(x):
    """A number as the validate table prints it: thousands separated, 3 significant
    figures below 1,000."""
    v = float(x)
    if v != v:
        return "NaN"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def block(rows, title):
    covered = sum(r["covered"] == "yes" for r in rows)
    out = [f"**{title}**: the predictive 90% interval covers {covered} of {len(rows)}.", "",
           "| target | observed | predictive median | predictive 90% interval | covered | runs' median (or mean) within tolerance |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| `{r['target']}` | {fmt(r['observed'])} | {fmt(r['predictive_median'])} | "
                   f"[{fmt(r['predictive_low'])}, {fmt(r['predictive_high'])}] | {r['covered']} | "
                   f"{'yes' if r['result'] == 'pass' else 'no'} |")
    return "\n".join(out)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        print(f"predictive_table.py: {argv[1]}: {e.strerror}", file=sys.stderr)
        return 1
    need = {"target", "holdout", "observed", "result", "predictive_low", "predictive_median", "predictive_high",
            "covered"}
    missing = need - set(rows[0].keys() if rows else ())
    if missing:
        print(f"predictive_table.py: {argv[1]}: not a validate table with predictive columns "
              f"(missing: {', '.join(sorted(missing))}); run validate with --posterior", file=sys.stderr)
        return 1
    ins = [r for r in rows if r["holdout"] == "0"]
    held = [r for r in rows if r["holdout"] != "0"]
    print(block(ins, "In-sample targets"))
    if held:
        print()
        print(block(held, "Held-out targets (2025; never fitted)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
