// The AVX2 float32 sin/cos kernel of vm/kernels/sincos.hpp: SIN, COS and CIS give the same
// bits per lane, and (hidden, a manual run of a few minutes) its error over every float below
// kSinCosFloatLimit against glibc's double sin and cos.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "compiler/opcodes.hpp"
#include "vm/kernel.hpp"

namespace exprvm::testing {
namespace {

bool has_avx2() {
  const auto& isas = vm::available_isas();
  return std::find(isas.begin(), isas.end(), vm::Isa::Avx2) != isas.end();
}

vm::Kernel avx2_kernel(Op op, DType t) { return vm::kernel_table(vm::Isa::Avx2).op[int(op)][index_of(t)]; }

// Error of `got` against `exact` in units in the last place of float32 at `exact`.
double float_ulps(float got, double exact) {
  const double magnitude = std::max(std::fabs(exact), double(std::numeric_limits<float>::min()));
  const double ulp = std::ldexp(1.0, std::ilogb(magnitude) - 23);
  return std::fabs(double(got) - exact) / ulp;
}

// SIN, COS and CIS over `x` (any length): CIS's parts must equal SIN's and COS's bits.
void check_same_bits(const std::vector<float>& x, std::vector<float>& sin_x, std::vector<float>& cos_x) {
  const std::size_t n = x.size();
  sin_x.resize(n);
  cos_x.resize(n);
  std::vector<std::complex<float>> cis(n);
  avx2_kernel(Op::SIN, DType::Float32)(n, sin_x.data(), x.data(), nullptr, nullptr);
  avx2_kernel(Op::COS, DType::Float32)(n, cos_x.data(), x.data(), nullptr, nullptr);
  avx2_kernel(Op::CIS, DType::Float32)(n, cis.data(), x.data(), nullptr, nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::bit_cast<std::uint32_t>(cis[i].real()) == std::bit_cast<std::uint32_t>(cos_x[i]) &&
        std::bit_cast<std::uint32_t>(cis[i].imag()) == std::bit_cast<std::uint32_t>(sin_x[i]))
      continue;
    if (std::isnan(x[i]) && std::isnan(cis[i].real()) && std::isnan(sin_x[i]) && std::isnan(cos_x[i])) continue;
    INFO("x = " << x[i] << ": sin " << sin_x[i] << " cos " << cos_x[i] << ", cis " << cis[i]);
    REQUIRE(false);
  }
}

}  // namespace

TEST_CASE("float32 sin cos and cis agree bit for bit on AVX2 within 0.72 ULP", "[kernels]") {
  if (!has_avx2()) return;
  const char* env = std::getenv("EXPRVM_SINCOS_SEED");
  const std::uint64_t seed = env ? std::stoull(env) : 2015;
  std::printf("sincos float: seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::vector<float> x = {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-20f, 0x1p-12f, -0x1.fffffep-13f, 0.785398f, 1.5707964f, 3.1415927f, -3.1415927f,
                          125.0f, 131071.99f, 131072.0f, -131072.0f, 2e5f, 1e30f, 3.4e38f,
                          std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()};
  std::uniform_real_distribution<double> exponent(-40, 38), mantissa(-1, 1), normal_range(-200, 200);
  for (int i = 0; i < 20000; ++i) x.push_back(float(mantissa(rng) * std::pow(10.0, exponent(rng))));
  for (int i = 0; i < 20000; ++i) x.push_back(float(normal_range(rng)));
  std::vector<float> sin_x, cos_x;
  check_same_bits(x, sin_x, cos_x);
  double worst_own = 0, worst_sleef = 0;  // below 2**17 / above (SLEEF's, within 1 ULP)
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) continue;
    double& worst = std::fabs(x[i]) < 131072.0f ? worst_own : worst_sleef;
    worst = std::max({worst, float_ulps(sin_x[i], std::sin(double(x[i]))), float_ulps(cos_x[i], std::cos(double(x[i])))});
  }
  INFO("worst error " << worst_own << " ULP below 2**17, " << worst_sleef << " above");
  CHECK(worst_own < 0.72);  // every float: 0.7185 (below)
  CHECK(worst_sleef < 1.0);
  CHECK(std::signbit(sin_x[1]));  // sin(-0) = -0
}

// Manual: build/exprvm_tests "[.sincos_exhaustive]" (every float of magnitude below 2**17).
TEST_CASE("float32 sin and cos on AVX2: every float below the limit", "[.sincos_exhaustive]") {
  if (!has_avx2()) return;
  const std::uint32_t limit = std::bit_cast<std::uint32_t>(131072.0f);
  constexpr std::uint32_t kBlock = 1u << 22;
  double worst_sin = 0, worst_cos = 0;
  double sum_sin[2] = {}, sum_cos[2] = {}, count[2] = {};  // means: all, 1 <= |x| (tiny x give x and 1)
  float worst_sin_x = 0, worst_cos_x = 0;
  std::vector<float> x, sin_x, cos_x;
  for (std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t begin = 0; begin < limit; begin += kBlock) {
      const std::uint32_t end = std::min(limit, begin + kBlock);
      x.resize(end - begin);
      for (std::uint32_t b = begin; b < end; ++b) x[b - begin] = std::bit_cast<float>(b | sign);
      check_same_bits(x, sin_x, cos_x);
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double s = float_ulps(sin_x[i], std::sin(double(x[i]))), c = float_ulps(cos_x[i], std::cos(double(x[i])));
        sum_sin[0] += s, sum_cos[0] += c, count[0] += 1;
        if (std::fabs(x[i]) >= 1.0f) sum_sin[1] += s, sum_cos[1] += c, count[1] += 1;
        if (s > worst_sin) worst_sin = s, worst_sin_x = x[i];
        if (c > worst_cos) worst_cos = c, worst_cos_x = x[i];
      }
    }
  }
  std::printf("sin: worst %.4f ULP at %.9g, mean %.4f (%.4f for 1 <= |x|); cos: worst %.4f ULP at %.9g, mean %.4f (%.4f)\n",
              worst_sin, double(worst_sin_x), sum_sin[0] / count[0], sum_sin[1] / count[1], worst_cos,
              double(worst_cos_x), sum_cos[0] / count[0], sum_cos[1] / count[1]);
  CHECK(worst_sin < 0.72);
  CHECK(worst_cos < 0.72);
}

}  // namespace exprvm::testing
