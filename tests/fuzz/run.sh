#!/usr/bin/env bash
# Run one libFuzzer target for a given time, with its seed corpus.
#
#   tests/fuzz/run.sh TARGET SECONDS [LIBFUZZER-OPTION...]
#       (TARGET: scenario, params, sweep, shard, compare)
#
# libhdf5 itself can hang on some damaged files (tests/fuzz/regress/shard/
# README.md); -fork=1 -ignore_timeouts=1 fuzzes past such hangs.
#
# Builds build-fuzz (clang, -DCS_FUZZ=ON: ASan + UBSan + libFuzzer) if needed.
# The working corpus grows in build-fuzz/corpus-TARGET (the seeds in scenarios/ and
# tests/fuzz/seeds/TARGET are only read); a crash is written to
# build-fuzz/crash-TARGET-* and the log to build-fuzz/fuzz-TARGET.log. Turn a
# crash into a regression test by copying it to tests/fuzz/regress/TARGET/
# (ctest replays every file there through the target's function).
# One fuzzer at a time on a shared machine: it uses one core.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: tests/fuzz/run.sh TARGET SECONDS}
secs=${2:?usage: tests/fuzz/run.sh TARGET SECONDS}
shift 2
case $target in
  scenario) maxlen=4096 ;;
  params) maxlen=256 ;;
  sweep) maxlen=2048 ;;
  compare) maxlen=512 ;;
  shard) maxlen=65536 ;;
  *) echo "unknown target '$target' (scenario, params, sweep, shard, compare)" >&2; exit 2 ;;
esac
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang cmake -S . -B build-fuzz -DCS_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build build-fuzz -j2 --target "fuzz_$target" >/dev/null
corpus=build-fuzz/corpus-$target
mkdir -p "$corpus"
seeds=()
case $target in
  scenario) seeds+=(scenarios/examples) ;;
  sweep) seeds+=(scenarios/sweeps) ;;
esac
for d in "tests/fuzz/seeds/$target" "tests/fuzz/regress/$target"; do
  [ -d "$d" ] && seeds+=("$d")
done
# the fuzzed code resolves scenario paths relative to the source tree
export CS_SOURCE_DIR=$PWD
# leaks inside libhdf5 on damaged files are libhdf5's (tests/lsan.supp)
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
"build-fuzz/fuzz_$target" -max_total_time="$secs" -max_len="$maxlen" -timeout=30 -rss_limit_mb=2048 \
  -artifact_prefix="build-fuzz/crash-$target-" -print_final_stats=1 "$@" "$corpus" "${seeds[@]}" \
  2>&1 | tee "build-fuzz/fuzz-$target.log"
