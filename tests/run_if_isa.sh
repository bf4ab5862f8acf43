#!/usr/bin/env bash
# run_if_isa.sh ISA TEST_BINARY [ARGS...]: runs the test binary with kernels forced to ISA
# (EXPRVM_ISA), or exits 77 (CTest: skipped) when this CPU lacks that instruction set.
set -eu
isa=$1; shift
if ! "$1" --list-isas | grep -qx "$isa"; then
  echo "SKIP: this CPU has no $isa"
  exit 77
fi
EXPRVM_ISA=$isa exec "$@"
