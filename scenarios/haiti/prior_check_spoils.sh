#!/usr/bin/env bash
# prior_check_spoils.sh: does weighing attacks by what a neighbourhood still has to take
# (spoils_nu, sim/model/spoils.c) bring version 2's prior design nearer the case? Before a
# calibration uses it. Calibration 12's priors (capital_v2_priors.lua at 83b6535) as
# history matching's wave 1 alone (640 points, 2 replicates, seed 7, no point ruled out:
# --cutoff 1000000), run three times with spoils_nu fixed at 0 (version 1), 1 and 2 on the
# same design, so the differences are paired; then scenarios/haiti/joint_shares.py on each
# (how often the design meets the Solino week, the displacement rounds and the quarterly
# killings, alone and together) and --paired against spoils_nu = 0.
#
# BY is how the weight acts (spoils_by, sim/README.md, spoils.c): rate (the first check,
# 8 Dec 2026, results/prior_check_spoils/) or choice (results/prior_check_spoils_choice/, run as
# bash scenarios/haiti/prior_check_spoils.sh output/prior_check_spoils_choice choice);
# spoils_nu = 0 is the same run under both.
#
# About 15 minutes on 2 cores, from the repository's top after building.
#
#   bash scenarios/haiti/prior_check_spoils.sh [OUTDIR] [BY]
#     (defaults output/prior_check_spoils and rate)
set -euo pipefail
OUT=${1:-output/prior_check_spoils}
BY=${2:-rate}
case $BY in rate | choice) ;; *) echo "prior_check_spoils.sh: BY must be rate or choice, got '$BY'" >&2; exit 2 ;; esac
BIN=./build/conflictsim
[ -x "$BIN" ] || { echo "prior_check_spoils.sh: build first (cmake -S . -B build && cmake --build build -j)" >&2; exit 2; }
mkdir -p "$OUT"
P=scenarios/haiti/capital_v2_priors.lua
git show 83b6535:$P > "$OUT/priors.lua"
for nu in 0 1 2; do
  echo "== spoils_nu = $nu"
  "$BIN" calibrate scenarios/haiti/capital.lua --set v2=true --set spoils_nu=$nu --set spoils_by=$BY --priors "$OUT/priors.lua" \
    --imp-rank 3 --cutoff 1000000 --waves 1 --points 640 --replicates 2 --particles 0 --seed 7 -j 2 \
    --quiet -o "$OUT/nu$nu.h5"
  /usr/bin/python3 scenarios/haiti/joint_shares.py "$OUT/nu$nu.h5" | tee "$OUT/nu$nu.txt"
done
for nu in 1 2; do
  /usr/bin/python3 scenarios/haiti/joint_shares.py --paired "$OUT/nu0.h5" "$OUT/nu$nu.h5" | tee "$OUT/paired_nu0_nu$nu.txt"
done
