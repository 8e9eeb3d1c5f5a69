#!/bin/sh
# tests/valgrind.sh - run the test programs under valgrind memcheck.
#
#   tests/valgrind.sh [TEST...]      default: every tests/test_*.c
#
# Builds the default preset (RelWithDebInfo, no sanitizers: valgrind and ASan
# do not mix), then runs each test program with --error-exitcode=1
# --leak-check=full, following children (the CLI tests run the glassbox
# executable). Suppressions for library noise only: tests/valgrind.supp.
# Logs: build/valgrind/<test>.log. Exits 1 if any test has an error or a
# definite/indirect leak, or fails.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
if [ ! -f build/CMakeCache.txt ]; then cmake --preset default >/dev/null || exit 1; fi
cmake --build --preset default -j2 >/dev/null || { echo "valgrind.sh: build failed" >&2; exit 1; }
TESTS=${*:-$(cd tests && ls test_*.c | sed 's/\.c$//')}
LOGS="$ROOT/build/valgrind"
mkdir -p "$LOGS"
export GLASSBOX_DATA="$ROOT/data" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 SDL_VIDEODRIVER=dummy
FAIL=0
for t in $TESTS; do
    exe="build/tests/$t"
    [ -x "$exe" ] || { echo "$t: not built"; FAIL=1; continue; }
    start=$(date +%s)
    valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --trace-children=yes --child-silent-after-fork=yes \
        --suppressions="$ROOT/tests/valgrind.supp" --log-file="$LOGS/$t.%p.log" \
        "$exe" >"$LOGS/$t.out" 2>&1
    rc=$?
    errs=$(cat "$LOGS/$t".*.log 2>/dev/null | sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | awk '{s+=$1} END {print s+0}')
    leaks=$(cat "$LOGS/$t".*.log 2>/dev/null | grep -c "definitely lost in\|indirectly lost in")
    printf '%-28s exit %d  errors %s  leak records %s  %ss\n' "$t" "$rc" "$errs" "$leaks" "$(( $(date +%s) - start ))"
    if [ "$rc" != 0 ] || [ "$errs" != 0 ]; then FAIL=1; fi
done
[ $FAIL = 0 ] && echo "valgrind: clean" || echo "valgrind: FINDINGS (logs in $LOGS)"
exit $FAIL
