// Elementwise float kernels compute each element from that element alone: the result does not
// depend on the other lanes of its vector. The executor's partition of an array into chunks
// (shifted by the output's alignment) and the JIT's vector loop group elements differently,
// so this is what makes results independent of alignment and bit-identical between the
// interpreter and the JIT's vector calls. (SLEEF 3.5's sin, cos and tan take a slower, differently
// rounded argument reduction for the whole vector when one lane is large.)
#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compiler/opcodes.hpp"
#include "vm/kernel.hpp"

namespace exprvm::testing {
namespace {

// Probe values: small, near SLEEF's range thresholds, large, and the specials.
template <class T> std::vector<T> probes(std::mt19937_64& rng) {
  std::vector<T> v = {T(0),     T(-0.0),  T(0.5),   T(-3),    T(14.9),  T(15),    T(124.9), T(125), T(2), T(7), T(30), T(60), T(100), T(126),
                      T(200),   T(3.9e4), T(1e5),   T(1e7),   T(1e14),  T(1e15), T(1e3), T(1e4), T(3e4), T(4e4), T(1e6), T(1e8), T(1e10), T(1e12), T(1e13), T(2e14), T(1e20),  T(1e30),  T(-1e38),
                      std::numeric_limits<T>::max(), std::numeric_limits<T>::min(),
                      std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::infinity(),
                      -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN()};
  std::uniform_real_distribution<double> exponent(-30, 38), mantissa(-1, 1);
  for (int i = 0; i < 40; ++i) v.push_back(T(mantissa(rng) * std::pow(10.0, exponent(rng))));
  return v;
}

template <class T> void check_op(Op op, vm::Kernel kernel, std::mt19937_64& rng) {
  constexpr int lanes = 32 / sizeof(T);  // one AVX2 vector
  const std::vector<T> neighbours = probes<T>(rng);
  std::vector<T> values = neighbours;
  std::uniform_real_distribution<double> small(-10, 10);
  for (int i = 0; i < 400; ++i) values.push_back(T(small(rng)));
  const bool binary = op_info(op).arity == 2;
  const bool to_bool = op_result(op, sizeof(T) == 4 ? DType::Float32 : DType::Float64) == DType::Bool;
  const std::size_t size = to_bool ? 1 : sizeof(T);  // of lane 0's result
  const T second = T(1.5);
  for (const T x : values) {
    // x in lane 0 beside zeros, then beside each probe value in every other lane.
    T a[lanes] = {}, b[lanes], alone[lanes], out[lanes];
    for (T& e : b) e = second;
    a[0] = x;
    kernel(lanes, alone, a, binary ? b : nullptr, nullptr);
    for (const T neighbour : neighbours) {
      for (int i = 1; i < lanes; ++i) a[i] = neighbour;
      kernel(lanes, out, a, binary ? b : nullptr, nullptr);
      if (std::memcmp(&out[0], &alone[0], size) == 0 || (!to_bool && std::isnan(out[0]) && std::isnan(alone[0])))
        continue;
      INFO(op_info(op).spelling << "(" << x << ") beside " << neighbour << ": " << out[0] << " alone: " << alone[0]);
      REQUIRE(false);
    }
  }
}

}  // namespace

TEST_CASE("kernels: every float function's element depends on its own lane only (AVX2)", "[kernels][jit]") {
  const auto& isas = vm::available_isas();
  if (std::find(isas.begin(), isas.end(), vm::Isa::Avx2) == isas.end()) return;
  const char* env = std::getenv("EXPRVM_LANE_SEED");
  const std::uint64_t seed = env ? std::stoull(env) : 1515;
  std::printf("lane independence: seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const vm::KernelTable& table = vm::kernel_table(vm::Isa::Avx2);
  for (int o = 0; o < kOpCount; ++o) {
    const Op op = static_cast<Op>(o);
    const OpInfo& info = op_info(op);
    if (info.form != OpForm::Elementwise || info.arity > 2 || !op_accepts(op, DType::Float32)) continue;
    if (op_result(op, DType::Float32) != DType::Float32 && op_result(op, DType::Float32) != DType::Bool) continue;
    INFO(info.spelling);
    check_op<float>(op, table.op[o][index_of(DType::Float32)], rng);
    check_op<double>(op, table.op[o][index_of(DType::Float64)], rng);
  }
}

}  // namespace exprvm::testing
