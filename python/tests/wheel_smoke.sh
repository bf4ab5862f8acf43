#!/usr/bin/env bash
# ctest `python_wheel`: builds a wheel the way users do (python3 -m build --wheel
# --no-isolation) from the configured build tree BUILD_DIR (no second compile), installs it
# into a fresh venv and runs wheel_smoke.py there from a directory outside the checkout.
#   wheel_smoke.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SOURCE=$1
BUILD=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset PYTHONPATH
export EXPRVM_WHEEL_BUILD_DIR=$BUILD

cd "$SOURCE"
if ! /usr/bin/python3 -m build --wheel --no-isolation --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log"
  exit 1
fi
/usr/bin/python3 -m venv --system-site-packages "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --no-deps --no-index "$WORK"/dist/exprvm-*.whl
mkdir "$WORK/outside" && cd "$WORK/outside"
"$WORK/venv/bin/python" "$SOURCE/python/tests/wheel_smoke.py"
