#!/usr/bin/env bash
# .ci/run's ThreadSanitizer job: builds the tests, the NN runner's tests and the Python module
# with -fsanitize=thread (GCC, build-tsan/) and runs everything tagged [concurrency] (and the
# [faults] tests, whose runs stop on a thread-pool task): C++ threads on one Program and the
# caches, set_num_threads during runs, the NN runner's predict on several threads, and the
# Python threads test under an interpreter with libtsan preloaded. Suppressions: tests/tsan.supp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${EXPRVM_TSAN_BUILD_DIR:-$root/build-tsan}
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXPRVM_TSAN=ON -DEXPRVM_BENCH=OFF \
    -DEXPRVM_LUA=OFF -DPYTHON_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
set +e +o pipefail
cmake --build "$dir" -j"$(nproc)" --target exprvm_tests exprvm_nn_tests exprvm_python -- --no-print-directory 2>&1 |
  grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built)'
built=${PIPESTATUS[0]}
set -e -o pipefail
[ "$built" -eq 0 ] || exit "$built"

export TSAN_OPTIONS="halt_on_error=1 abort_on_error=0 exitcode=66 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp"
echo "-- [concurrency] and [faults] (C++)"
"$dir/exprvm_tests" "[concurrency],[faults]"
echo "-- [concurrency] (NN runner)"
"$dir/nn/exprvm_nn_tests" "[concurrency]"
echo "-- Python threads (libtsan preloaded into /usr/bin/python3)"
LD_PRELOAD=$(gcc -print-file-name=libtsan.so) PYTHONPATH=$dir/python \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$root/python/tests/test_thread_safety.py"
