// Shared by the JIT's differential tests (tests/test_jit_reductions.cpp,
// tests/test_jit_integers.cpp): the JIT mode and thread count for one scope, programs compiled
// from source, seeds, and result comparison with NaNs equal.
#pragma once
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/lower.hpp"
#include "compiler/optimize.hpp"
#include "jit/jit.hpp"
#include "tests/test_helpers.hpp"
#include "vm/executor.hpp"
#include "vm/threads.hpp"

namespace exprvm::testing {

// The JIT mode, and the thread count, for one scope.
struct JitModeScope {
  explicit JitModeScope(jit::Mode m) : saved(jit::mode()) { jit::set_mode(m); }
  ~JitModeScope() { jit::set_mode(saved); }
  jit::Mode saved;
};

struct ThreadScope {
  explicit ThreadScope(int n) : saved(vm::threads()) { vm::set_threads(n); }
  ~ThreadScope() { vm::set_threads(saved); }
  int saved;
};

// The JIT compiles here (an AVX2+FMA CPU, a SIMD ISA active).
inline bool jit_runs_here() {
  return vm::active_isa() != vm::Isa::Sse2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// source compiled (optimized) for signature sig.
inline Bytecode compile_source(const std::string& source, const Signature& sig) {
  CheckedProgram checked = check(parse(source), sig, {});
  optimize(checked);
  return lower(checked);
}

inline std::uint64_t seed_base() {
  const char* s = std::getenv("EXPRVM_JIT_SEED");
  return s ? std::stoull(s) : 1515;
}

// Whether two results are the same bytes (any NaN equal to any NaN: payloads are not a
// property of the program, see tests/test_jit.cpp).
inline bool same_values(const std::vector<std::byte>& x, const std::vector<std::byte>& y, DType t) {
  if (x.size() != y.size()) return false;
  const std::size_t size = itemsize(t);
  for (std::size_t i = 0; i < x.size(); i += size) {
    if (std::memcmp(&x[i], &y[i], size) == 0) continue;
    double p = 0, q = 0;
    if (t == DType::Float32) {
      float f, g;
      std::memcpy(&f, &x[i], 4), std::memcpy(&g, &y[i], 4);
      p = f, q = g;
    } else if (t == DType::Float64) {
      std::memcpy(&p, &x[i], 8), std::memcpy(&q, &y[i], 8);
    } else {
      return false;
    }
    if (!(std::isnan(p) && std::isnan(q))) return false;
  }
  return true;
}

}  // namespace exprvm::testing
