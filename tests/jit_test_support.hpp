// Shared by the JIT's differential tests (tests/test_jit_reductions.cpp,
// tests/test_jit_integers.cpp, tests/test_jit_narrow.cpp): the JIT mode and thread count for
// one scope, programs compiled from source, seeds, result comparison with NaNs equal, and the
// integer programs' interpreted-against-compiled check.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
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

// `source` over i, j, k (integer dtype t; j_dtype for j when given), x (float32) and y
// (float64) of n elements, values mostly in [-1000, 1000] (wrapped for unsigned and narrow
// dtypes) with an edge value (0, +-1, the extremes) at about one in three: interpreted and
// compiled must write the same result bytes. `fused`: the compiled code must exist (where the
// JIT runs).
inline void check_integers(const std::string& source, DType t, std::int64_t n, std::uint64_t seed, bool fused = true,
                           std::optional<DType> j_dtype = std::nullopt) {
  const Signature sig = {{"i", t}, {"j", j_dtype.value_or(t)}, {"k", t}, {"x", DType::Float32}, {"y", DType::Float64}};
  const Bytecode bc = compile_source(source, sig);
  std::mt19937_64 rng(seed);
  std::vector<TestArray> arrays;
  std::vector<Array> args;
  for (const Param& p : sig) {
    arrays.push_back(make_array(p.dtype, {n}));
    const std::vector<Value> edges = edge_values(p.dtype);
    for (std::int64_t e = 0; e < n; ++e)
      set_element(arrays.back().view, e, rng() % 3 == 0 ? edges[rng() % edges.size()] : random_value(p.dtype, rng, -1000, 1000));
    args.push_back(arrays.back().view);
  }
  std::vector<std::byte> results[2];
  DType result_dtype = t;
  for (int engine = 0; engine < 2; ++engine) {
    JitModeScope mode(engine ? jit::Mode::Always : jit::Mode::Off);
    const vm::Executable ex(bc);
    const OwnedArray result = vm::execute(ex, args, nullptr);
    results[engine] = element_bytes(result.array());
    result_dtype = result.array().dtype;
    if (engine == 1 && fused && jit_runs_here()) REQUIRE(ex.jit.code() != nullptr);
  }
  REQUIRE(same_values(results[0], results[1], result_dtype));
}

}  // namespace exprvm::testing
