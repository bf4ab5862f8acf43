// Kernel tables against scalar <cmath>/<complex> references, for the instruction set named by
// EXPRVM_ISA (sse2, avx2, avx512; the best available when unset). Every (op, dtype) of
// compiler/opcodes.def is checked on edge values (NaN, +-Inf, -0.0, subnormals, int limits,
// zero divisors, ...) and random values, for n = 0, 1, batch-1, batch, batch+1, 1000, and in
// place (d == a). Tolerances:
//   exact (bit for bit, signed zeros included): arithmetic, comparisons, bitwise, rounding,
//     classification, sign, min/max, where, fused selects, casts, fmod/mod/floordiv, int pow;
//   float transcendentals (pow, erf, erfc included): kUlpFloat64 / kUlpFloat32 units in the
//     last place (tests/kernel_reference_ops.hpp);
//   hypot and complex abs: 1 ULP;
//   complex products and quotients (xsimd's formulas, possibly FMA-contracted): relative 4 eps;
//   complex transcendentals: relative kComplexRelTol, on finite inputs only (xsimd's complex
//     functions do not follow C99 Annex G for infinities and NaNs).
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "tests/kernel_reference.hpp"

namespace exprvm::vm {
namespace {

using namespace exprvm::kernel_test;

Isa isa_under_test() {
  const auto& available = available_isas();
  const char* env = std::getenv("EXPRVM_ISA");
  if (!env || !*env) return available.front();
  for (Isa isa : available)
    if (isa_name(isa) == env) return isa;
  FAIL("EXPRVM_ISA=" << env << " is not an instruction set this CPU can run");
  return Isa::Sse2;
}

// Lanes of one batch of dtype t: the register width over the size of one real component.
std::size_t batch_lanes(DType t) {
  const std::size_t bytes = isa_under_test() == Isa::Avx512 ? 64 : isa_under_test() == Isa::Avx2 ? 32 : 16;
  const std::size_t component = t == DType::Complex64 ? 4 : t == DType::Complex128 ? 8 : itemsize(t);
  return bytes / component;
}

// Which operand the output aliases (d == a, d == b or d == c), if any.
enum class Alias { None, A, B, C };

std::string where(Op op, DType t, std::size_t n, Alias alias) {
  const char* aliases[] = {"", " in place (d == a)", " in place (d == b)", " in place (d == c)"};
  return std::string(op_info(op).spelling) + " " + std::string(dtype_name(t)) + " n=" + std::to_string(n) +
         aliases[int(alias)] + " isa=" + std::string(isa_name(isa_under_test()));
}

constexpr std::size_t kMaxN = 1000;
constexpr unsigned char kGuard = 0xA5;

// Runs the kernel of (op, t) on the first n inputs and compares every element with the
// reference; also checks that nothing past n elements was written.
void check_elementwise(Op op, DType t, const Inputs& in, std::size_t n, Alias alias) {
  const Kernel kernel = kernel_table(isa_under_test()).op[int(op)][int(t)];
  const DType out_t = op_result(op, t);
  const std::size_t out_size = itemsize(out_t);
  const int arity = op_info(op).arity;
  std::vector<unsigned char> out((kMaxN + 1) * std::max(out_size, itemsize(t)), kGuard);
  const void* operands[3] = {in.a.data(), arity >= 2 ? in.b.data() : nullptr, arity >= 3 ? in.c.data() : nullptr};
  if (alias != Alias::None) {
    const int k = int(alias) - 1;
    const std::size_t size = itemsize(op == Op::WHERE && k == 0 ? DType::Bool : t);
    std::memcpy(out.data(), operands[k], n * size);
    operands[k] = out.data();
  }
  kernel(n, out.data(), operands[0], operands[1], operands[2]);
  INFO(where(op, t, n, alias));
  if (alias == Alias::None) CHECK(out[n * out_size] == kGuard);
  const Tolerance tol = tolerance(op, t);
  int failures = 0;
  for (std::size_t i = 0; i < n && failures < 5; ++i) {
    const std::optional<Val> expected = reference(op, t, in, i);
    if (!expected) FAIL("no scalar reference for this (op, dtype): add one to tests/kernel_reference_ops.hpp");
    const Val got = read_value(out_t, out.data(), i);
    if (!matches(*expected, got, out_t, tol)) {
      ++failures;
      FAIL_CHECK("element " << i << ": inputs " << describe_inputs(op, t, in, i) << " expected "
                            << describe(*expected) << " got " << describe(got));
    }
  }
}

TEST_CASE("kernel table has exactly the (op, dtype) entries of opcodes.def", "[kernels]") {
  const KernelTable& table = kernel_table(isa_under_test());
  for (int o = 0; o < kOpCount; ++o) {
    const Op op = Op(o);
    for (int t = 0; t < kNativeDTypeCount; ++t) {
      INFO(op_info(op).spelling << " " << dtype_name(DType(t)));
      const bool expected = op_info(op).form != OpForm::Cast && op_accepts(op, DType(t));
      CHECK((table.op[o][t] != nullptr) == expected);
    }
  }
  for (int to = 0; to < kNativeDTypeCount; ++to)
    for (int from = 0; from < kNativeDTypeCount; ++from) CHECK(table.cast[to][from] != nullptr);
}

TEST_CASE("elementwise kernels match the scalar references", "[kernels]") {
  // The SIMD dtypes' inputs come from their own generator, whose sequence does not depend on
  // the other dtypes of the table.
  std::mt19937_64 simd_rng(20240601), generic_rng(20240602);
  for (int o = 0; o < kOpCount; ++o) {
    const Op op = Op(o);
    if (op_info(op).form != OpForm::Elementwise) continue;
    for (int ti = 0; ti < kNativeDTypeCount; ++ti) {
      const DType t = DType(ti);
      if (!op_accepts(op, t)) continue;
      const Inputs in = make_inputs(op, t, kMaxN, has_simd_kernels(t) ? simd_rng : generic_rng);
      const std::size_t lanes = batch_lanes(t);
      for (std::size_t n : {std::size_t(0), std::size_t(1), lanes - 1, lanes, lanes + 1, kMaxN})
        check_elementwise(op, t, in, n, Alias::None);
      // In place: the output may replace any operand of its own element size.
      for (int k = 0; k < op_info(op).arity; ++k) {
        const DType operand_t = op == Op::WHERE && k == 0 ? DType::Bool : t;
        if (itemsize(op_result(op, t)) != itemsize(operand_t)) continue;
        check_elementwise(op, t, in, lanes + 1, Alias(k + 1));
        check_elementwise(op, t, in, kMaxN, Alias(k + 1));
      }
    }
  }
}

TEST_CASE("cast kernels follow NumPy's unsafe casting", "[kernels]") {
  std::mt19937_64 rng(7);
  const KernelTable& table = kernel_table(isa_under_test());
  for (int from = 0; from < kNativeDTypeCount; ++from) {
    const Inputs in = make_inputs(Op::COPY, DType(from), kMaxN, rng);
    for (int to = 0; to < kNativeDTypeCount; ++to) {
      const std::size_t fsize = itemsize(DType(from)), tsize = itemsize(DType(to));
      for (bool in_place : {false, true}) {
        for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(17), kMaxN}) {
          std::vector<unsigned char> out((kMaxN + 1) * std::max(fsize, tsize), kGuard);
          const void* src = in.a.data();
          if (in_place) {
            std::memcpy(out.data(), in.a.data(), n * fsize);
            src = out.data();
          }
          table.cast[to][from](n, out.data(), src, nullptr, nullptr);
          INFO("cast " << dtype_name(DType(from)) << " -> " << dtype_name(DType(to)) << " n=" << n
                       << (in_place ? " in place" : ""));
          if (!in_place) CHECK(out[n * tsize] == kGuard);
          for (std::size_t i = 0; i < n; ++i) {
            const Val expected = reference_cast(DType(to), DType(from), in.a, i);
            const Val got = read_value(DType(to), out.data(), i);
            if (!matches(expected, got, DType(to), Tolerance{})) {
              FAIL_CHECK("element " << i << ": " << describe(read_value(DType(from), in.a.data(), i))
                                    << " expected " << describe(expected) << " got " << describe(got));
              break;
            }
          }
        }
      }
    }
  }
}

TEST_CASE("reduction identities", "[kernels]") {
  auto identity = [](Op op, DType t) {
    unsigned char buf[16] = {};
    reduce_identity(op, t, buf);
    return read_value(t, buf, 0);
  };
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(identity(Op::SUM, DType::Float32).re == 0);
  CHECK(identity(Op::SUM, DType::Complex128).re == 0);
  CHECK(identity(Op::PROD, DType::Int64).re == 1);
  CHECK(identity(Op::PROD, DType::Complex64).re == 1);
  CHECK(identity(Op::PROD, DType::Complex64).im == 0);
  CHECK(identity(Op::MIN, DType::Float64).re == inf);
  CHECK(identity(Op::MAX, DType::Float32).re == -inf);
  CHECK(identity(Op::MIN, DType::Int32).re == std::numeric_limits<std::int32_t>::max());
  CHECK(identity(Op::MAX, DType::Int64).re == std::numeric_limits<std::int64_t>::min());
  CHECK(identity(Op::ANY, DType::Bool).re == 0);
  CHECK(identity(Op::ALL, DType::Bool).re == 1);
  unsigned char buf[16];
  CHECK_THROWS(reduce_identity(Op::ADD, DType::Float64, buf));
  CHECK_THROWS(reduce_identity(Op::MIN, DType::Complex128, buf));
}

TEST_CASE("reduction kernels fold into the accumulator", "[kernels]") {
  std::mt19937_64 rng(99);
  const KernelTable& table = kernel_table(isa_under_test());
  for (int o = 0; o < kOpCount; ++o) {
    const Op op = Op(o);
    if (op_info(op).form != OpForm::Reduce) continue;
    for (int ti = 0; ti < kNativeDTypeCount; ++ti) {
      const DType t = DType(ti);
      if (!op_accepts(op, t)) continue;
      const std::size_t lanes = batch_lanes(t);
      for (std::size_t n : {std::size_t(0), std::size_t(1), lanes - 1, lanes, lanes + 1, 4 * lanes + 3, kMaxN}) {
        const std::vector<unsigned char> data = reduction_inputs(op, t, n, rng);
        unsigned char acc[16] = {};
        reduce_identity(op, t, acc);
        if (op == Op::SUM || op == Op::PROD) write_value(t, acc, 0, start_value(op, t));
        const Val start = read_value(t, acc, 0);
        table.op[o][ti](n, acc, data.data(), nullptr, nullptr);
        INFO(where(op, t, n, Alias::None));
        const Val expected = reference_fold(op, t, start, data.data(), n);
        const Val got = read_value(t, acc, 0);
        if (!fold_matches(op, t, expected, got, data.data(), n))
          FAIL_CHECK("expected " << describe(expected) << " got " << describe(got));
      }
    }
  }
}

TEST_CASE("MIN and MAX reductions propagate NaN from the data and the accumulator", "[kernels]") {
  const KernelTable& table = kernel_table(isa_under_test());
  for (Op op : {Op::MIN, Op::MAX}) {
    for (std::size_t nan_at : {std::size_t(0), std::size_t(5), std::size_t(998)}) {
      std::vector<double> data(999, 1.5);
      data[nan_at] = std::nan("");
      double acc;
      reduce_identity(op, DType::Float64, &acc);
      table.op[int(op)][int(DType::Float64)](data.size(), &acc, data.data(), nullptr, nullptr);
      INFO(op_info(op).spelling << " NaN at " << nan_at);
      CHECK(std::isnan(acc));
    }
    std::vector<float> data(37, 2.0f);
    float acc = std::nanf("");
    table.op[int(op)][int(DType::Float32)](data.size(), &acc, data.data(), nullptr, nullptr);
    CHECK(std::isnan(acc));
  }
}

// The batch path of run_reduce (vm/kernels/reduce.hpp) lane by lane for float SUM and PROD:
// four accumulators of `lanes`, an identity-padded tail batch folded into the second, then
// the lanes folded in order into `start`. The fold order every full reduction's bits follow.
template <class T> T batch_path_fold(Op op, T start, const T* x, std::size_t n, std::size_t lanes) {
  const T id = op == Op::SUM ? T(0) : T(1);
  auto f = [op](T a, T b) { return op == Op::SUM ? a + b : a * b; };
  std::vector<T> acc[4] = {std::vector<T>(lanes, id), std::vector<T>(lanes, id), std::vector<T>(lanes, id), std::vector<T>(lanes, id)};
  const std::size_t full = n - n % lanes;
  std::size_t i = 0;
  for (; i + 4 * lanes <= full; i += 4 * lanes)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t k = 0; k < lanes; ++k) acc[j][k] = f(acc[j][k], x[i + j * lanes + k]);
  for (; i < full; i += lanes)
    for (std::size_t k = 0; k < lanes; ++k) acc[0][k] = f(acc[0][k], x[i + k]);
  if (full < n)
    for (std::size_t k = 0; k < lanes; ++k) acc[1][k] = f(acc[1][k], full + k < n ? x[full + k] : id);
  T total = start;
  for (std::size_t k = 0; k < lanes; ++k) total = f(total, f(f(acc[0][k], acc[1][k]), f(acc[2][k], acc[3][k])));
  return total;
}

// Issue 15: a float SUM or PROD of at most one batch (a full reduction's block partials) takes
// a scalar path, which must give the batch path's bits: signed zeros (a -0.0 start or data),
// order-sensitive magnitudes, Inf and NaN, at every n around one and four batches.
template <class T> void check_small_fold_order(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const DType t = std::is_same_v<T, float> ? DType::Float32 : DType::Float64;
  const std::size_t lanes = batch_lanes(t);
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const T pool[] = {T(0), -T(0), T(1), T(-1), T(3), T(1e8), T(-1e8), T(0.1), T(1.5), T(-2.75), T(1e-30), inf, -inf, nan};
  for (Op op : {Op::SUM, Op::PROD})
    for (std::size_t n = 0; n <= 4 * lanes + 3; ++n)
      for (int trial = 0; trial < 40; ++trial) {
        std::vector<T> x(n);
        const bool zeros = trial < 4;  // only signed zeros, where the identity's +0.0 shows
        for (T& v : x) v = zeros ? (rng() % 2 ? T(0) : -T(0)) : pool[rng() % (trial % 3 ? 11 : 14)];
        const T starts[] = {op == Op::SUM ? T(0) : T(1), -T(0), T(1.5)};
        for (T start : starts) {
          T got = start;
          kernel_table(isa_under_test()).op[int(op)][int(t)](n, &got, x.data(), nullptr, nullptr);
          const T expected = batch_path_fold(op, start, x.data(), n, lanes);
          INFO(where(op, t, n, Alias::None) << " seed=" << seed << " trial=" << trial << " start=" << start);
          if (std::isnan(expected)) CHECK(std::isnan(got));
          else CHECK(std::memcmp(&got, &expected, sizeof(T)) == 0);
        }
      }
}

TEST_CASE("float SUM and PROD of a few values fold in the batch path's order", "[kernels]") {
  check_small_fold_order<float>(15);
  check_small_fold_order<double>(16);
}

}  // namespace
}  // namespace exprvm::vm
