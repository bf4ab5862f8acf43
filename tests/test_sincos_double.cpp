// The float64 sin/cos kernel of vm/kernels/sincos_double.hpp: on every ISA of the machine,
// SIN, COS and CIS give the same bits per lane; AVX2 and AVX-512 give the same bits below the
// kernel's limit (2**20; SLEEF's beyond, and on SSE2), and the results
// stay within a bound of glibc's sin and cos, also where the argument reduction cancels (the
// doubles nearest to k pi/2). `exprvm_ulp --functions sin,cos` measures them against MPFR.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "compiler/opcodes.hpp"
#include "vm/kernel.hpp"

namespace exprvm::testing {
namespace {

// Error of `got` against glibc's `expected` in units in the last place of float64 at `expected`.
double double_ulps(double got, double expected) {
  const double magnitude = std::max(std::fabs(expected), std::numeric_limits<double>::min());
  return std::fabs(got - expected) / std::ldexp(1.0, std::ilogb(magnitude) - 52);
}

bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) || (std::isnan(a) && std::isnan(b));
}

struct SinCos {
  std::vector<double> sin_x, cos_x;
};

// SIN, COS and CIS of `x` on `isa`; CIS's parts must equal SIN's and COS's bits.
SinCos run_on(vm::Isa isa, const std::vector<double>& x) {
  const auto& table = vm::kernel_table(isa);
  auto kernel = [&](Op op) { return table.op[int(op)][index_of(DType::Float64)]; };
  const std::size_t n = x.size();
  SinCos out{std::vector<double>(n), std::vector<double>(n)};
  std::vector<std::complex<double>> cis(n);
  kernel(Op::SIN)(n, out.sin_x.data(), x.data(), nullptr, nullptr);
  kernel(Op::COS)(n, out.cos_x.data(), x.data(), nullptr, nullptr);
  kernel(Op::CIS)(n, cis.data(), x.data(), nullptr, nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    INFO(vm::isa_name(isa) << ": x = " << x[i] << ": sin " << out.sin_x[i] << " cos " << out.cos_x[i] << ", cis " << cis[i]);
    REQUIRE(same(cis[i].imag(), out.sin_x[i]));
    REQUIRE(same(cis[i].real(), out.cos_x[i]));
  }
  return out;
}

}  // namespace

TEST_CASE("float64 sin cos and cis: one kernel, the same bits on AVX2 and AVX-512, near glibc's", "[kernels]") {
  const char* env = std::getenv("EXPRVM_SINCOS_SEED");
  const std::uint64_t seed = env ? std::stoull(env) : 2026;
  std::printf("sincos double: seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x = {0.0, -0.0, 5e-324, -5e-324, 1e-300, 0x1p-27, -0x1.fffffffffffffp-28, 0.7853981633974483,
                           1.5707963267948966, 3.141592653589793, -3.141592653589793, 1048575.9999999999,
                           1048576.0, -1048576.0, 2e6, 1e22, 1.7e308, inf, -inf, std::numeric_limits<double>::quiet_NaN()};
  // The doubles nearest to k pi/2 (k pi/2 in long double, then rounded) and their neighbours.
  std::uniform_real_distribution<double> log2_k(0, 21);
  for (int i = 0; i < 4000; ++i) {
    const auto k = static_cast<long double>(std::floor(std::exp2(log2_k(rng))));
    const double nearest = static_cast<double>(k * 1.57079632679489661923132169163975144L);
    for (double v : {nearest, std::nextafter(nearest, inf), std::nextafter(nearest, -inf)}) x.push_back(rng() & 1 ? v : -v);
  }
  std::uniform_real_distribution<double> exponent(-320, 308), mantissa(-1, 1), typical(-200, 200);
  for (int i = 0; i < 20000; ++i) x.push_back(mantissa(rng) * std::pow(10.0, exponent(rng)));
  for (int i = 0; i < 20000; ++i) x.push_back(typical(rng));
  // Every ISA: CIS's parts are SIN's and COS's bits, within 1 ULP of glibc's. AVX2 and AVX-512
  // (the engine's kernel below 2**20): the same bits there.
  std::optional<SinCos> own;
  double worst = 0;
  double worst_at = 0;
  for (vm::Isa isa : vm::available_isas()) {
    const SinCos got = run_on(isa, x);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i])) continue;
      const double e = std::max(double_ulps(got.sin_x[i], std::sin(x[i])), double_ulps(got.cos_x[i], std::cos(x[i])));
      if (e > worst) worst = e, worst_at = x[i];
    }
    if (isa == vm::Isa::Sse2) continue;
    if (!own) own = got;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!(std::fabs(x[i]) < 1048576.0)) continue;  // beyond: SLEEF's, whose ISAs round apart
      INFO(vm::isa_name(isa) << ": x = " << x[i]);
      REQUIRE(same(got.sin_x[i], own->sin_x[i]));
      REQUIRE(same(got.cos_x[i], own->cos_x[i]));
    }
    CHECK(std::signbit(got.sin_x[1]));  // sin(-0) = -0
    CHECK(got.cos_x[1] == 1.0);
  }
  INFO("worst difference from glibc " << worst << " ULP at x = " << worst_at);
  CHECK(worst <= 1.0);  // the kernels within 1 ULP, glibc's within about 0.5
}

}  // namespace exprvm::testing
