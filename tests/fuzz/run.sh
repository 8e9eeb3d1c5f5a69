#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer targets and run them.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     CI: each target over its seed
#        corpus (regression, -runs=0), then SECONDS of fuzzing (default 20)
#        from a scratch copy of the corpus (the repository is not touched).
#   tests/fuzz/run.sh --long SECONDS [TARGET...]  a campaign: new inputs are
#        kept in build-fuzz/fuzz-corpus/<target>/ and reused by the next one.
#
# Each target runs single-process (a plain run: no -jobs/-workers) with
# -rss_limit_mb=2048 -timeout=10; CI mode runs two targets side by side
# (GB_FUZZ_JOBS=1 for one at a time), --long one at a time. Crashes, leaks, timeouts and OOMs
# leave an artifact in build-fuzz/fuzz-artifacts/ and make the script exit 1.
# Prints one line per target: executions, corpus size, result.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
LONG=0
if [ "${1:-}" = "--long" ]; then LONG=1; shift; fi
SECS=${1:-20}
case "$SECS" in *[!0-9]*|'') echo "run.sh: SECONDS must be a whole number, not '$SECS'" >&2; exit 2;; esac
[ $# -gt 0 ] && shift
BUILD="$ROOT/build-fuzz"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake --preset fuzz >"$ROOT/build-fuzz.log" 2>&1 || { cat "$ROOT/build-fuzz.log"; exit 1; }
fi
cmake --build --preset fuzz -j2 >"$BUILD/fuzz-build.log" 2>&1 || { tail -40 "$BUILD/fuzz-build.log"; exit 1; }

TARGETS=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
ART="$BUILD/fuzz-artifacts"
mkdir -p "$ART"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export GLASSBOX_DATA="$ROOT/data"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/gbfuzz-run.XXXXXX")
export TMPDIR="$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT INT TERM

dict_for() {
    case "$1" in
        safetensors|st_contents|model_native|config_json|hf_folder|tok_json|tok_gpt2|session|checkpoint) echo "tests/fuzz/json.dict";;
        lesson) echo "tests/fuzz/lesson.dict";;
        grammar) echo "tests/fuzz/grammar.dict";;
        npy) echo "tests/fuzz/npy.dict";;
        args) echo "tests/fuzz/args.dict";;
        *) echo "";;
    esac
}

# One target: seeds once, then SECS of fuzzing. Writes its summary line to
# $SCRATCH/<t>.res and 0/1 to $SCRATCH/<t>.rc.
run_target() {
    t=$1
    exe="$BUILD/tests/fuzz/fuzz_$t"
    seeds="tests/fuzz/corpus/$t"
    res="$SCRATCH/$t.res"
    echo 1 >"$SCRATCH/$t.rc"
    if [ ! -x "$exe" ] || [ ! -d "$seeds" ]; then
        echo "fuzz_$t: no executable or no corpus ($seeds)" >"$res"; return
    fi
    log="$BUILD/fuzz-$t.log"
    opts="-rss_limit_mb=2048 -timeout=10 -artifact_prefix=$ART/$t- -print_final_stats=1"
    d=$(dict_for "$t"); [ -n "$d" ] && opts="$opts -dict=$d"
    # 1. regression: every seed once
    if ! "$exe" $opts -runs=0 "$seeds" >"$log" 2>&1; then
        { echo "fuzz_$t: FAILED on the seed corpus (see $log)"; grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20; } >"$res"
        return
    fi
    # 2. time-boxed fuzzing
    if [ $LONG = 1 ]; then work="$BUILD/fuzz-corpus/$t"; else work="$SCRATCH/corpus-$t"; fi
    mkdir -p "$work"
    rc=0
    if [ "$SECS" -gt 0 ]; then "$exe" $opts -max_total_time="$SECS" "$work" "$seeds" >"$log" 2>&1 || rc=1; fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    printf 'fuzz_%-14s %10s executions in %ss  %s  corpus %s seeds + %s new  %s\n' "$t" "${execs:-0}" "$SECS" \
        "${cov:-cov: ?}" "$(ls "$seeds" | wc -l)" "$(ls "$work" | wc -l)" "$([ $rc = 0 ] && echo ok || echo FAILED)" >"$res"
    if [ $rc != 0 ]; then grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20 >>"$res"; fi
    echo $rc >"$SCRATCH/$t.rc"
}

# CI runs two targets at a time (two cores); campaigns one (-jobs=1 -workers=1).
JOBS=${GB_FUZZ_JOBS:-2}
[ $LONG = 1 ] && JOBS=${GB_FUZZ_JOBS:-1}
n=0
for t in $TARGETS; do
    run_target "$t" &
    n=$((n + 1))
    if [ $n -ge "$JOBS" ]; then wait; n=0; fi
done
wait
FAIL=0
for t in $TARGETS; do
    cat "$SCRATCH/$t.res"
    [ "$(cat "$SCRATCH/$t.rc")" = 0 ] || FAIL=1
done
[ $FAIL = 0 ] && echo "fuzz: all targets clean" || echo "fuzz: FAILURES (artifacts in $ART)"
exit $FAIL
