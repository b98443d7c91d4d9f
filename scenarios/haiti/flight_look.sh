#!/usr/bin/env bash
# flight_look.sh: where the displacement of version 2 comes from, under a calibration's
# posterior (scenarios/haiti/README.md, "Where the displacement comes from"). A look,
# not a result: 20 draws of the posterior (--draws 20, replicates 0-19, seed 1001: the
# draws validate --posterior --replicates 20 makes; all 20 of them, as systematic
# resampling takes its draws in the particles' order), run as calibrated and with three
# changes:
#   posterior   as calibrated
#   h0=0        no baseline flight hazard
#   fast        h0=0 and h_exposed=0.5 (the top of its prior: a fight's exposed leave
#               within days)
#   reach15     h0=0 and expose_per_fighter=15 (each fighter engaged reaches 15 residents;
#               the prior is 0.2 to 20)
# Each through flight_sources.py, with the dated flights of targets.lua that it can count;
# then reach15 under `validate` (40 draws, every target).
#
#   bash scenarios/haiti/flight_look.sh [POSTERIOR.h5] [OUT_DIR]
# (defaults: scenarios/haiti/results/capital_v2_posterior.h5, output/flight_look); about
# 120 runs, 9 minutes on one core; run files (--events all, ~6 MB each) in OUT_DIR/runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
POST=${1:-scenarios/haiti/results/capital_v2_posterior.h5}
OUT=${2:-output/flight_look}
BIN=./build/conflictsim
[ -x "$BIN" ] || { echo "flight_look.sh: build first (cmake -S . -B build && cmake --build build)" >&2; exit 2; }
[ -f "$POST" ] || { echo "flight_look.sh: no posterior file $POST" >&2; exit 2; }
mkdir -p "$OUT/runs"
FLED=(--fled solino_tabarre27_4d=solino,tabarre_27:2024-10-17:2024-10-21
      --fled solino_7d=solino:2024-10-17:2024-10-24
      --fled carrefour_feb=carrefour_centre:2024-02-05:2024-02-12
      --fled cite_soleil_feb=cite_soleil:2024-02-05:2024-02-12
      --fled capital_nov_11_20=all:2024-11-11:2024-11-21
      --fled capital_dec_8_9=all:2024-12-08:2024-12-10)
look() {
  local tag=$1; shift
  echo "== $tag ($*)"
  for r in $(seq 0 19); do
    "$BIN" run scenarios/haiti/capital.lua --set v2=true --posterior "$POST" --draws 20 --seed 1001 \
      --replicate "$r" --events all --quiet "$@" -o "$OUT/runs/$tag-$r.h5"
  done
  /usr/bin/python3 scenarios/haiti/flight_sources.py "$OUT"/runs/"$tag"-*.h5 "${FLED[@]}" | tee "$OUT/$tag.txt"
}
look posterior
look h0=0 --set h0=0
look fast --set h0=0 --set h_exposed=0.5
look reach15 --set h0=0 --set expose_per_fighter=15
echo "== reach15 under 40 draws of the posterior, every in-sample target (validate)"
"$BIN" validate scenarios/haiti/capital.lua --set v2=true --targets scenarios/haiti/targets.lua \
  --posterior "$POST" --seed 1001 --replicates 40 --set h0=0 --set expose_per_fighter=15 \
  -o "$OUT/validate_reach15.csv" --quiet > "$OUT/validate_reach15.txt" || [ $? -eq 7 ]
echo "wrote $OUT/{posterior,h0=0,fast,reach15}.txt, $OUT/validate_reach15.{txt,csv}"
