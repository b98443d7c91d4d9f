#!/usr/bin/env bash
# sweep.sh: the sweep benchmark (tests/bench/README.md, "Sweeps"). Not a CI test.
#
#   bash tests/bench/sweep.sh [BUILD_DIR]        (default: build)
#
# Sweeps scenarios/haiti/solino.lua (6 design points: recall_officers 0/300/600
# x recall_delay_days 0/4, RUNS/6 replicates each, the default metrics) and
# reports, as medians of REPS interleaved repetitions:
#   - runs/s with `conflictsim sweep -j 1`, `-j 2` and `mpirun -n 2`;
#   - the parallel efficiency at 2 workers, rate(2) / (2 x rate(-j 1));
#   - the overhead of the sweep machinery: `sweep -j 1` against the same runs
#     done one after the other in one process (cs_bench_sweep_loop);
#   - the peak RSS (largest process, GNU time) of `sweep -j 2` keeping full
#     trajectories for each run count in MEM_RUNS.
# Wall time is what the targets are about; the CPU time (user + sys of the
# process tree) is printed beside it because on a shared machine other jobs
# stretch wall times but not CPU times. It also checks that the -j 2 and MPI
# files are identical to the -j 1 file.
# Environment: RUNS (default 120), REPS (3), MEM_RUNS ("102 1002"), MPIRUN
# (default mpirun; set empty to skip MPI).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
bin=$build/conflictsim
loop=$build/cs_bench_sweep_loop
runs=${RUNS:-120}
reps=${REPS:-3}
mem_runs=${MEM_RUNS:-102 1002}
mpirun=${MPIRUN-mpirun}
# Open MPI as root (a container or CI); harmless otherwise.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$bin" "$loop"; do
  [ -x "$f" ] || { echo "sweep.sh: $f not built (cmake --build $build)" >&2; exit 2; }
done
if [ -n "$mpirun" ] && ! { command -v "$mpirun" >/dev/null && "$bin" --version | grep -q "MPI: built in"; }; then
  echo "sweep.sh: no mpirun or a build without MPI: skipping the MPI case" >&2
  mpirun=""
fi

# write_sweep FILE REPLICATES KEEP_TRAJECTORIES
write_sweep() {
  cat >"$1" <<EOF
sweep {
  scenario = "$src/scenarios/haiti/solino.lua",
  seed = 1,
  replicates = $2,
  parameters = {
    { "recall_officers", grid = { 0, 300, 600 } },
    { "recall_delay_days", grid = { 0, 4 } },
  },
  keep_trajectories = $3,
  set = { verbose = false },
}
EOF
}

reps_per_point=$(( (runs + 5) / 6 ))
runs=$(( reps_per_point * 6 ))
write_sweep "$tmp/bench.lua" "$reps_per_point" false

measure() { # "wall cpu" seconds of the command (cpu: user + sys of it and its children)
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  awk '{printf "%s %.2f", $1, $2 + $3}' "$tmp/time"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A W C
cases="loop j1 j2${mpirun:+ mpi}"
for r in $(seq "$reps"); do
  rm -f "$tmp"/j1.h5 "$tmp"/j2.h5 "$tmp"/mpi.h5
  for c in $cases; do
    case $c in
      loop) m=$(measure "$loop" "$tmp/bench.lua") ;;
      j1) m=$(measure "$bin" sweep "$tmp/bench.lua" -o "$tmp/j1.h5" -j 1 --quiet) ;;
      j2) m=$(measure "$bin" sweep "$tmp/bench.lua" -o "$tmp/j2.h5" -j 2 --quiet) ;;
      mpi) m=$(measure "$mpirun" -n 2 "$bin" sweep "$tmp/bench.lua" -o "$tmp/mpi.h5" --quiet) ;;
    esac
    W[$c]+=" ${m% *}"
    C[$c]+=" ${m#* }"
  done
  cmp -s "$tmp/j1.h5" "$tmp/j2.h5" || { echo "sweep.sh: the -j 2 file differs from -j 1" >&2; exit 1; }
  [ -z "$mpirun" ] || cmp -s "$tmp/j1.h5" "$tmp/mpi.h5" || { echo "sweep.sh: the mpirun file differs from -j 1" >&2; exit 1; }
  echo "repetition $r/$reps (wall s):$(for c in $cases; do printf ' %s %s' "$c" "${W[$c]##* }"; done)" >&2
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

declare -A TW TC
for c in $cases; do TW[$c]=$(echo "${W[$c]}" | median); TC[$c]=$(echo "${C[$c]}" | median); done
printf 'solino sweep: %d runs; medians of %d repetitions\n' "$runs" "$reps"
printf '%-20s %9s %9s %10s %11s\n' "" "wall s" "runs/s" "CPU s" "efficiency"
for c in $cases; do
  case $c in loop) name="in-process loop" ;; j1) name="sweep -j 1" ;; j2) name="sweep -j 2" ;; mpi) name="mpirun -n 2 sweep" ;; esac
  eff=""
  [ "$c" = j2 ] || [ "$c" = mpi ] && eff=$(printf '%.1f%%' "$(echo "100 * ${TW[j1]} / (2 * ${TW[$c]})" | bc -l)")
  printf '%-20s %9.2f %9.2f %10.2f %11s\n' "$name" "${TW[$c]}" "$(echo "$runs / ${TW[$c]}" | bc -l)" "${TC[$c]}" "$eff"
done
printf 'overhead of sweep -j 1 over the loop: wall %+.2f%%, CPU %+.2f%%\n' \
  "$(echo "100 * (${TW[j1]} - ${TW[loop]}) / ${TW[loop]}" | bc -l)" "$(echo "100 * (${TC[j1]} - ${TC[loop]}) / ${TC[loop]}" | bc -l)"

for n in $mem_runs; do
  write_sweep "$tmp/mem.lua" $(( (n + 5) / 6 )) true
  rm -f "$tmp/mem.h5"
  /usr/bin/time -f "%M" -o "$tmp/rss" "$bin" sweep "$tmp/mem.lua" -o "$tmp/mem.h5" -j 2 --quiet >/dev/null
  printf 'peak RSS, sweep -j 2, %5d runs with trajectories: %6d KiB (file %d KiB)\n' \
    $(( (n + 5) / 6 * 6 )) "$(cat "$tmp/rss")" $(( $(stat -c %s "$tmp/mem.h5") / 1024 ))
done
