#!/usr/bin/env bash
# SUPERSEDED by `conflictsim calibrate` (README.md, "Calibrating against what was
# observed"; the priors: capital_priors.lua). Kept as the record of how the current
# defaults were found: one or two parameters at a time, scored on the same targets it
# was then validated on, which cannot find a joint fit (every change that helped one
# target broke another). Do not use it to set new values.
#
# calibrate.sh: the documented search behind the model{} block and the [P]
# scenario priors of the Haiti scenarios. Grids over model parameters tagged
# [P] (priors; sim/README.md, Parameters), each point scored by `conflictsim validate` on the
# capital scenario; the chosen values are written by hand into capital.lua
# and solino.lua (the model{} block, prison_gang_share, cohesion0). No rule in the model refers to a target's dates or values:
# the search only moves these priors.
#
#   bash scenarios/haiti/calibrate.sh [stage] [replicates]
#
# stage 1 (default 6 replicates, 72 points, ~10 min on 2 cores): coarse grid
#   lambda0 x Theta_c x cohesion0 x chi_rate x prison_gang_share;
# stage 2 (default 12 replicates, 16 points): around the best of stage 1,
#   lambda0 x chi_rate x cohesion0 x prison_gang_share;
# stage 3 (default 12 replicates, 8 points): lambda0 x provinces_km x
#   prison_gang_share with the rest fixed at the stage-2 choice.
# Stages 1-3 ran with beta_police at its default (beta's 0.15) and a one-day
# Solino attack. Stages 4-5 came after beta_police (a breakpoint for officers)
# and the five-day Solino assault (Thursday to Monday, as reported):
# stage 4 (default 16 replicates, 24 points): beta_police x Theta_c x
#   chi_rate x lambda0, with provinces_km 5, cohesion0 0.2, prison_gang_share 1;
# stage 5 (default 24 replicates, seed 3, 8 points): beta_police x chi_rate x
#   lambda0 around the best of stage 4 (Theta_c 0.2).
# The choice is then checked on seeds the search did not use:
#   ./build/conflictsim validate scenarios/haiti/capital.lua --replicates 40 --seed 2
# Stage 5's two best points scored 8 and 7 of 11 (24 replicates, seed 3); on seed 2
# (40 replicates) beta_police 0.01, chi_rate 0.015, lambda0 0.13 passed 6 and
# beta_police 0.005, chi_rate 0.01, lambda0 0.13 passed 8: the latter is the default
# (fewer officers killed, too: ~300 a year against ~400).
# stage 6 (default 24 replicates, seed 3, 4 points): lambda0 alone, after the fix
#   that keeps police at a node they retake (they used to leave it at once, so
#   gangs retook it): with the police holding ground, gang control fell below the
#   December target at lambda0 0.13. 0.14 and 0.15 passed 7 of 11 (seed 3);
#   on seed 2 (40 replicates) 0.14 passed 6 and 0.15 passed 7: 0.15 is the default.
# Stages 1-6 ran when validate's targets were written in C (11 of them); validate now
# reads targets.lua, so the counts below are of its 20 in-sample targets (the held-out
# ones are printed in the CSV too: grep counts only in-sample passes, column holdout 0).
# Each point writes output/calibration/<stage>/<point>.csv and prints how many
# targets pass; pick by that count, then by distance to the failing targets,
# and check the choice with `validate --replicates 20`.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=${1:-1}
case "$stage" in 1) reps=${2:-6} ;; 4) reps=${2:-16} ;; 5|6) reps=${2:-24} ;; *) reps=${2:-12} ;; esac
out=output/calibration/stage$stage
mkdir -p "$out"
point() { # name, then --set arguments
  local f="$out/$1.csv"; shift
  ./build/conflictsim validate scenarios/haiti/capital.lua --replicates "$reps" --quiet -o "$f" "$@" >/dev/null || true
  echo "$(basename "$f" .csv): $(grep -c '^[^,]*,0,.*,pass,' "$f" || true) in-sample targets pass"
}
case "$stage" in
1)
  for l in 0.04 0.06; do for tc in 0.3 0.36 0.42; do for c0 in 0.2 0.55; do for cr in 0.0333 0.01; do for ps in 1 0.5 0.25; do
    point "l${l}_t${tc}_c${c0}_r${cr}_p${ps}" --set lambda0=$l --set Theta_c=$tc --set cohesion0=$c0 \
      --set chi_rate=$cr --set prison_gang_share=$ps
  done; done; done; done; done ;;
2)
  for l in 0.05 0.06; do for cr in 0.01 0.0075; do for c0 in 0.1 0.2; do for ps in 1 0.5; do
    point "l${l}_r${cr}_c${c0}_p${ps}" --set lambda0=$l --set Theta_c=0.3 --set cohesion0=$c0 \
      --set chi_rate=$cr --set prison_gang_share=$ps
  done; done; done; done ;;
3)
  for l in 0.06 0.07; do for pk in 5 8; do for ps in 1 0.75; do
    point "l${l}_k${pk}_p${ps}" --set lambda0=$l --set Theta_c=0.3 --set cohesion0=0.2 --set chi_rate=0.01 \
      --set prison_gang_share=$ps --set provinces_km=$pk
  done; done; done ;;
4)
  for bp in 0.005 0.002; do for tc in 0.2 0.25 0.3; do for cr in 0.01 0.02; do for l in 0.09 0.11; do
    point "b${bp}_t${tc}_r${cr}_l${l}" --set beta_police=$bp --set Theta_c=$tc --set chi_rate=$cr \
      --set lambda0=$l --set provinces_km=5 --set cohesion0=0.2 --set prison_gang_share=1
  done; done; done; done ;;
5)
  for bp in 0.005 0.01; do for cr in 0.01 0.015; do for l in 0.11 0.13; do
    point "b${bp}_r${cr}_l${l}" --seed 3 --set beta_police=$bp --set Theta_c=0.2 --set chi_rate=$cr \
      --set lambda0=$l --set provinces_km=5 --set cohesion0=0.2 --set prison_gang_share=1
  done; done; done ;;
6)
  for l in 0.13 0.14 0.15 0.17; do
    point "l${l}" --seed 3 --set beta_police=0.005 --set Theta_c=0.2 --set chi_rate=0.01 \
      --set lambda0=$l --set provinces_km=5 --set cohesion0=0.2 --set prison_gang_share=1
  done ;;
*) echo "calibrate.sh: stage must be 1, 2, 3, 4, 5 or 6" >&2; exit 2 ;;
esac
