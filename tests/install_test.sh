#!/usr/bin/env bash
# The installed library as a user gets it: installs the build into a temporary prefix, checks
# that libexprvm.so exports the public API only, builds examples/c with gcc + pkg-config and
# with a C-only CMake project, and examples/cpp with CMake's find_package against that prefix,
# runs them and checks their output. Any failing step fails the test.
#   tests/install_test.sh CMAKE BUILD_DIR SOURCE_DIR
set -euo pipefail
cmake=$1 build=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { echo "+ $*" >&2; "$@"; }
# Fails unless file $1 contains the line(s) matching the fixed string $2.
expect() {
  grep -qF -- "$2" "$1" || { echo "install_test: '$2' missing from the output above" >&2; exit 1; }
}

step "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log"
pc=$(find "$prefix" -name exprvm.pc)
libdir=$(cd "$(dirname "$pc")/.." && pwd)
ls "$prefix/include/exprvm" "$libdir" | sed 's/^/  /'
# Nothing installed may need the private header-only dependencies.
if grep -rliE 'pegtl|xsimd' "$prefix/include" "$libdir/cmake" "$libdir/pkgconfig"; then
  echo "install_test: installed headers or package files mention pegtl/xsimd" >&2; exit 1
fi

# libexprvm.so exports the public API only (core/export.hpp, cmake/exprvm.map): the C functions,
# exprvm:: free functions and members of its (capitalised) classes, and Error's typeinfo and
# vtable; nothing of std::, pegtl, xsimd, TBB or the internal namespaces (exprvm::vm, ...).
exported=$(nm -D --defined-only "$libdir/libexprvm.so" | awk '{print $3}' | c++filt)
public='^(exprvm_[a-z_]+|exprvm::([a-z_]+[[(]|[A-Z][A-Za-z]*::[~A-Za-z_=]).*|(typeinfo|typeinfo name|vtable) for exprvm::[A-Z][A-Za-z]*)$'
if grep -vE "$public" <<<"$exported"; then
  echo "install_test: libexprvm.so exports the symbols above, which are not public API" >&2; exit 1
fi
for symbol in exprvm_compile 'exprvm::compile(' 'typeinfo for exprvm::Error'; do
  grep -qF "$symbol" <<<"$exported" || { echo "install_test: $symbol not exported" >&2; exit 1; }
done
# Internal functions of namespace exprvm itself pass the pattern; spot-check two.
for symbol in 'exprvm::find_function(' 'exprvm::disassemble[abi:cxx11](exprvm::Bytecode'; do
  if grep -qF "$symbol" <<<"$exported"; then
    echo "install_test: internal $symbol is exported" >&2; exit 1
  fi
done
echo "+ libexprvm.so exports $(wc -l <<<"$exported") symbols, all public API"

export PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "+ pkg-config --cflags --libs exprvm: $(pkg-config --cflags --libs exprvm)"
echo "+ pkg-config --static --libs exprvm: $(pkg-config --static --libs exprvm)"

# Fails when executable $1 does (shared, $2 = yes) or does not (no) load libexprvm.so.
expect_shared() {
  local needed=no
  readelf -d "$1" | grep -q 'NEEDED.*libexprvm\.so' && needed=yes
  [ "$needed" = "$2" ] || { echo "install_test: $1 loads libexprvm.so: $needed, expected $2" >&2; exit 1; }
}
check_c_output() {
  expect "$1" "where(a > 1, a*2, -a) = -0 -1 4 6 -0.5 4"
  expect "$1" "values OK"
  expect "$1" "syntax error at line 1, column 10:"
  expect "$1" "           ^"
}
check_cpp_output() {
  expect "$1" "evaluate(a * b + 1) = 1 21 61 121"
  expect "$1" "program: y = 1 1 1.5 4, x = 2 1 -0.5 -3"
  expect "$1" "bound: p = -0.5 0.5 1.5"
  expect "$1" "name error at line 1, column 5:"
  expect "$1" "set_isa: argument error"
  expect "$1" "values OK"
}

# C11 with pkg-config: the shared library, then the static one (Libs.private, Requires.private).
# shellcheck disable=SC2046  # pkg-config's output is a list of flags
step gcc -std=c11 -Wall -Wextra -pedantic -Werror -o "$tmp/c_example" "$src/examples/c/main.c" \
  $(pkg-config --cflags --libs exprvm)
expect_shared "$tmp/c_example" yes
step "$tmp/c_example" | tee "$tmp/c.out"
check_c_output "$tmp/c.out"
# shellcheck disable=SC2046
step gcc -std=c11 -Wall -Wextra -pedantic -Werror -o "$tmp/c_example_static" \
  "$src/examples/c/main.c" $(pkg-config --cflags --static --libs exprvm | sed 's/-lexprvm/-l:libexprvm.a/')
expect_shared "$tmp/c_example_static" no
step "$tmp/c_example_static" >"$tmp/c_static.out"
check_c_output "$tmp/c_static.out"
# C11 with find_package(exprvm) from a project that enables C only (no C++20 requirement).
step "$cmake" -S "$src/examples/c" -B "$tmp/c-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="-Wall -Wextra -pedantic -Werror" \
  >"$tmp/c-cmake-configure.log"
step "$cmake" --build "$tmp/c-cmake" >"$tmp/c-cmake-build.log"
expect_shared "$tmp/c-cmake/exprvm_c_example" yes
step "$tmp/c-cmake/exprvm_c_example" >"$tmp/c-cmake.out"
check_c_output "$tmp/c-cmake.out"

# C++20 with find_package(exprvm): exprvm::exprvm (shared), then exprvm::exprvm_static.
for variant in shared static; do
  static=OFF; [ $variant = static ] && static=ON
  step "$cmake" -S "$src/examples/cpp" -B "$tmp/cpp-$variant" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" \
    -DEXPRVM_EXAMPLE_STATIC=$static >"$tmp/cpp-$variant-configure.log"
  step "$cmake" --build "$tmp/cpp-$variant" >"$tmp/cpp-$variant-build.log"
  expect_shared "$tmp/cpp-$variant/exprvm_cpp_example" "$([ $variant = shared ] && echo yes || echo no)"
  if [ $variant = shared ]; then
    step "$tmp/cpp-$variant/exprvm_cpp_example" | tee "$tmp/cpp-$variant.out"
  else
    step "$tmp/cpp-$variant/exprvm_cpp_example" >"$tmp/cpp-$variant.out"
  fi
  check_cpp_output "$tmp/cpp-$variant.out"
done
echo "install_test: OK"
