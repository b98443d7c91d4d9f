#!/usr/bin/env bash
# calibrate.sh: the documented search behind the model{} block of the Haiti
# scenarios. A grid over priors that MODEL.md section 5 tags [P], each point
# scored by `conflictsim validate` on the capital scenario (6 replicates);
# the chosen values are written into make_scenarios.py (MODEL_BLOCK) by hand
# and the scenarios regenerated. No rule in the model refers to a target's
# dates or values: the search only moves these priors.
#
#   bash scenarios/haiti/calibrate.sh [replicates]     (about a minute per 10 points)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-6}
out=output/calibration
mkdir -p "$out"
for lambda0 in 0.01 0.02 0.04; do
  for theta_c in 0.25 0.3 0.4; do
    for prov in 8 20; do
      f="$out/validate_l${lambda0}_t${theta_c}_p${prov}.csv"
      ./build/conflictsim validate scenarios/haiti/capital.lua --replicates "$reps" --quiet -o "$f" \
        --set lambda0="$lambda0" --set Theta_c="$theta_c" --set provinces_km="$prov" >/dev/null || true
      passed=$(grep -c ',pass,' "$f" || true)
      echo "lambda0=$lambda0 Theta_c=$theta_c provinces_km=$prov: $passed targets pass ($f)"
    done
  done
done
