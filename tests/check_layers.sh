#!/usr/bin/env bash
# The layering rule, checked two ways: core 1 <- compiler 2 <- vm 3 <- runtime 4.
#  1. every header of compiler/, vm/, runtime/ and include/exprvm/exprvm.hpp carries the guard
#     for its layer, and no source of a layer names a header of a higher layer;
#  2. the guard really stops the build: one header of each layer, included from each lower
#     layer (-DEXPRVM_LAYER=l), must fail to compile with the guard's message, and compile
#     from its own layer.
# Usage: check_layers.sh SOURCE_DIR CXX
set -uo pipefail
src=$1; cxx=$2
cd "$src" || exit 2
failures=0; checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

layer_of() {
  case $1 in
    core/*) echo 1 ;; compiler/*) echo 2 ;; vm/* | jit/*) echo 3 ;; runtime/* | include/exprvm/*) echo 4 ;;
    *) echo 99 ;;
  esac
}

for h in compiler/*.hpp vm/*.hpp vm/kernels/*.hpp jit/*.hpp runtime/*.hpp include/exprvm/exprvm.hpp include/exprvm/exprvm.h; do
  l=$(layer_of "$h"); checks=$((checks + 1))
  grep -q "^#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < $l " "$h" || fail "$h lacks the layer-$l guard"
done
for f in core/* compiler/* vm/* vm/kernels/* jit/* runtime/*; do
  [ -f "$f" ] || continue
  l=$(layer_of "$f")
  while read -r inc; do
    checks=$((checks + 1))
    il=$(layer_of "$inc"); [[ $inc == exprvm/* ]] && il=4
    [ "$il" -le "$l" ] || fail "$f (layer $l) includes $inc (layer $il)"
  done < <(sed -n 's/^#include ["<]\(\(core\|compiler\|vm\|jit\|runtime\|exprvm\)\/[^">]*\)[">].*/\1/p' "$f")
done

compile() {  # compile(layer, header): 0 when `#include "header"` compiles at that layer
  echo "#include \"$2\"" | "$cxx" -std=c++20 -fsyntax-only -DEXPRVM_LAYER="$1" -I. -Iinclude \
    -x c++ - 2>&1
}
for h in compiler/typecheck.hpp vm/executor.hpp runtime/program_impl.hpp include/exprvm/exprvm.hpp; do
  l=$(layer_of "$h")
  for ((low = 1; low < l; ++low)); do
    checks=$((checks + 1))
    out=$(compile "$low" "$h")
    [[ $out == *"upward include"* ]] || fail "$h compiled from layer $low"
  done
  checks=$((checks + 1))
  out=$(compile "$l" "$h") || fail "$h does not compile from its own layer $l: $out"
done

echo "layers: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
