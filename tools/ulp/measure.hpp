// Inputs, MPFR references, engine runs and ULP statistics for one (function, dtype).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <exprvm/exprvm.hpp>

#include "tools/ulp/functions.hpp"

namespace exprvm::ulp {

// Inputs as doubles, each exactly representable in the measured dtype.
struct Sample {
  std::vector<double> a, b;
  std::size_t size() const { return a.size(); }
};

// The exact result of each input, as hi + lo (hi = the result rounded to double).
struct Reference {
  std::vector<double> hi, lo;
};

struct Stats {
  double max_ulps = 0;
  double sum_ulps = 0;
  std::size_t count = 0;
  double worst_a = 0, worst_b = 0, worst_result = 0, worst_exact = 0;
  std::size_t saturation_misses = 0;  // tanh: exact +-1 expected, something else returned
  std::size_t zero_sign_misses = 0;   // an exact zero returned with the other sign
  double mean() const { return count ? sum_ulps / double(count) : 0; }
};

// `count` inputs drawn from f's ranges (float16 unary: every 65536 / count-th bit pattern,
// all of them when count >= 65536), with the specials 0, -0, +-Inf, NaN and the subnormal
// and normal limits; deterministic in `seed`.
Sample make_sample(const Function& f, DType t, std::size_t count, std::uint64_t seed);

Reference reference(const Function& f, DType t, const Sample& s);

// f's program run by the engine (with its active ISA) on s; results as doubles.
std::vector<double> run_engine(const Function& f, DType t, const Sample& s);

Stats compare(const Function& f, DType t, const Sample& s, const Reference& r, const std::vector<double>& out);

// The inputs of s that are typical of an application: |a|, |b| <= 1e4 and a normal result
// (not the edges that make_sample seeks, where some kernels take slower fix-up paths).
Sample typical_inputs(DType t, const Sample& s, const Reference& r);

// Nanoseconds per element of f's program over `n` elements tiled from s (best of `repeats`,
// one thread).
double time_engine(const Function& f, DType t, const Sample& s, std::size_t n, int repeats);

}  // namespace exprvm::ulp
