#!/usr/bin/python3
"""Refactoring guard: the bytes of a few runs do not change unless a commit
says they do.

A change that is meant to leave the model's behaviour alone (moving files,
splitting modules, renaming, making the engine faster) must leave every run
file and every event the same, bit for bit. This test runs the example
scenarios and the Solino scenario (seed 1, replicate 0) and the city
benchmark's event hash, and compares their SHA-256 / FNV-1a values with
tests/pinned_hashes.txt.

These are not expected model results: they are fingerprints of the current
code. When a commit changes the model on purpose, it regenerates the file
(`tests/test_pinned.py build/conflictsim . --update`) and says so in its
message; nothing else may change it.

Usage: test_pinned.py PATH/TO/conflictsim SOURCE_DIR [--update]
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
UPDATE = "--update" in sys.argv[3:]
PINNED = os.path.join(SRC, "tests", "pinned_hashes.txt")
# Scenario paths are written into the run file as given: run them relative
# to the source directory so the bytes do not depend on where it sits.
SCENARIOS = ["scenarios/examples/tiny.lua", "scenarios/examples/teaching.lua",
             "scenarios/haiti/solino.lua"]
BENCH = os.environ.get("CS_BENCH_CITY", os.path.join(os.path.dirname(EXE), "cs_bench_city"))


def fingerprints():
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in SCENARIOS:
            f = os.path.join(tmp, "run.h5")
            r = subprocess.run([EXE, "run", s, "-o", f, "--seed", "1", "--quiet"], cwd=SRC,
                               capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                sys.exit(f"FAIL: {s} did not run (exit {r.returncode}): {r.stderr}")
            with open(f, "rb") as fh:
                out["run " + s] = hashlib.sha256(fh.read()).hexdigest()
    r = subprocess.run([BENCH, "--hash", "--max-k", "10", "--reps", "1"], capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        sys.exit(f"FAIL: cs_bench_city --hash (exit {r.returncode}): {r.stderr}")
    for line in r.stdout.splitlines():
        m = re.match(r"hash nodes (\d+) replicate (\d+): (.*)$", line)
        if m:
            out[f"city_bench nodes {m[1]} replicate {m[2]}"] = m[3]
    if not any(k.startswith("city_bench") for k in out):
        sys.exit("FAIL: cs_bench_city --hash printed no hash line")
    return out


def main():
    got = fingerprints()
    if UPDATE:
        with open(PINNED, "w") as fh:
            fh.write("# Fingerprints of the current code (tests/test_pinned.py); change them\n"
                     "# only in a commit that says why the bytes of a run change.\n")
            for k, v in got.items():
                fh.write(f"{k}\t{v}\n")
        print(f"wrote {PINNED}")
        return
    want = {}
    with open(PINNED) as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                k, v = line.rstrip("\n").split("\t")
                want[k] = v
    bad = 0
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            bad += 1
            print(f"CHANGED {k}\n  pinned {want.get(k)}\n  now    {got.get(k)}")
    if bad:
        sys.exit(f"FAIL: {bad} of {len(want)} fingerprints changed. If the change to the model "
                 "is intended, regenerate with --update in a commit that says so.")
    print(f"OK: {len(want)} fingerprints unchanged")


main()
