#!/usr/bin/env bash
# flight_look.sh: where the displacement of version 2 comes from, under a calibration's
# posterior (scenarios/haiti/README.md, "Where the displacement comes from"). A look,
# not a result: 20 draws of the posterior (replicates 0-19 of --draws 100, seed 1001, the
# draws validate --posterior makes first), run as calibrated and with three changes:
#   posterior   as calibrated
#   h0=0        no baseline flight hazard
#   fast        h0=0 and h_exposed=0.5 (the top of its prior: a fight's exposed leave
#               within days)
#   fast_x8     fast, and expose_per_fighter=8 (each fighter reaches 8 residents)
# Each through flight_sources.py, with the dated flights of targets.lua that it can count.
#
#   bash scenarios/haiti/flight_look.sh [POSTERIOR.h5] [OUT_DIR]
# (defaults: scenarios/haiti/results/capital_v2_posterior.h5, output/flight_look); about
# 80 runs, 6 minutes on one core; run files (--events all, ~6 MB each) in OUT_DIR/runs.
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
    "$BIN" run scenarios/haiti/capital.lua --posterior "$POST" --draws 100 --seed 1001 --replicate "$r" \
      --events all --quiet "$@" -o "$OUT/runs/$tag-$r.h5"
  done
  /usr/bin/python3 scenarios/haiti/flight_sources.py "$OUT"/runs/"$tag"-*.h5 "${FLED[@]}" | tee "$OUT/$tag.txt"
}
look posterior
look h0=0 --set h0=0
look fast --set h0=0 --set h_exposed=0.5
look fast_x8 --set h0=0 --set h_exposed=0.5 --set expose_per_fighter=8
echo "wrote $OUT/{posterior,h0=0,fast,fast_x8}.txt"
