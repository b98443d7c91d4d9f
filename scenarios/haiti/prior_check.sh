#!/usr/bin/env bash
# prior_check.sh: the check that chose calibration 12's reading of felt violence (7 Dec
# 2026; scenarios/haiti/README.md, "Built after calibration 11"). Four variants of
# version 2 on the prior, each history matching's wave 1 alone (640 points, 2 replicates,
# seed 7, no point ruled out: --cutoff 1000000), then scenarios/haiti/joint_shares.py on
# each: how often the design meets the Solino week, the displacement rounds and the
# quarterly killings, alone and together; then the two paired comparisons (--paired).
#
#   c1  calibration 11's priors (df71954), felt violence per resident (the default)
#   c2  per person reached (felt_per = exposed), D_ref 0.1-20, expose_per_fighter 0.2-100
#       (b4c146f's priors without D_shape)
#   c3  c2 with D_shape = uniform(0.5, 4) (b4c146f's priors)
#   c4  per resident with D_shape (83b6535's priors, calibration 12's)
#
# c1 and c2 share one design (31 parameters), c3 and c4 another (32), so the differences
# within each pair are paired. About 20 minutes on 2 cores, from the repository's top
# after building; the priors come from the commits named (git must have them).
#
#   bash scenarios/haiti/prior_check.sh [OUTDIR]      (default output/prior_check)
set -euo pipefail
OUT=${1:-output/prior_check}
BIN=./build/conflictsim
[ -x "$BIN" ] || { echo "prior_check.sh: build first (cmake -S . -B build && cmake --build build -j)" >&2; exit 2; }
mkdir -p "$OUT"
P=scenarios/haiti/capital_v2_priors.lua
git show df71954:$P > "$OUT/c1.lua"
git show b4c146f:$P | sed '/^  D_shape  /d' > "$OUT/c2.lua"
git show b4c146f:$P > "$OUT/c3.lua"
git show 83b6535:$P > "$OUT/c4.lua"
for c in c1 c2 c3 c4; do
  extra=()
  case $c in c2 | c3) extra=(--set felt_per=exposed) ;; esac
  echo "== $c"
  "$BIN" calibrate scenarios/haiti/capital.lua --set v2=true "${extra[@]}" --priors "$OUT/$c.lua" \
    --imp-rank 3 --cutoff 1000000 --waves 1 --points 640 --replicates 2 --particles 0 --seed 7 -j 2 \
    --quiet -o "$OUT/$c.h5"
  /usr/bin/python3 scenarios/haiti/joint_shares.py "$OUT/$c.h5" | tee "$OUT/$c.txt"
done
# the paired differences: per person reached (c2, c3) against per resident (c1, c4) on one design
/usr/bin/python3 scenarios/haiti/joint_shares.py --paired "$OUT/c1.h5" "$OUT/c2.h5" | tee "$OUT/paired_c1_c2.txt"
/usr/bin/python3 scenarios/haiti/joint_shares.py --paired "$OUT/c4.h5" "$OUT/c3.h5" | tee "$OUT/paired_c4_c3.txt"
