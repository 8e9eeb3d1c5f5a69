#!/bin/sh
# tests/tsan.sh - ThreadSanitizer over the viewer's background worker.
#
#   tests/tsan.sh [TEST...]     default: the viewer tests (test_viz_*)
#
# Builds the "tsan" preset (clang, -fsanitize=thread) and runs the tests with
# halt_on_error, so any data race fails the run. OpenBLAS is told to use one
# thread (its own pool is not instrumented). Exits non-zero on any report.
# tests/tsan.supp silences races inside uninstrumented system libraries
# (fontconfig) only.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
if [ ! -f build-tsan/CMakeCache.txt ]; then cmake --preset tsan >/dev/null || exit 1; fi
TESTS=${*:-$(cd tests && ls test_viz_*.c | sed 's/\.c$//')}
# shellcheck disable=SC2086
cmake --build --preset tsan -j2 --target glassbox $TESTS >build-tsan/tsan-build.log 2>&1 ||
    { tail -30 build-tsan/tsan-build.log; exit 1; }
export GLASSBOX_DATA="$ROOT/data" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 SDL_VIDEODRIVER=dummy
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$ROOT/tests/tsan.supp ${TSAN_OPTIONS:-}"
FAIL=0
for t in $TESTS; do
    log="build-tsan/$t.tsan.log"
    build-tsan/tests/$t >"$log" 2>&1
    rc=$?
    races=$(grep -c "WARNING: ThreadSanitizer" "$log")
    printf '%-24s exit %d  tsan reports %s\n' "$t" "$rc" "$races"
    if [ "$rc" != 0 ] || [ "$races" != 0 ]; then FAIL=1; grep -A20 "WARNING: ThreadSanitizer" "$log" | head -40; fi
done
[ $FAIL = 0 ] && echo "tsan: clean" || echo "tsan: FINDINGS"
exit $FAIL
