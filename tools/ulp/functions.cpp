#include "tools/ulp/functions.hpp"

#include <limits>

namespace exprvm::ulp {

double bound_ulps(Bound b) {
  switch (b) {
    case Bound::Exact: return 0;
    case Bound::CorrectlyRounded: return 0.5;
    case Bound::TwoUlp: return 2;
    case Bound::Reported: break;
  }
  return std::numeric_limits<double>::infinity();
}

const char* bound_name(Bound b) {
  switch (b) {
    case Bound::Exact: return "exact";
    case Bound::CorrectlyRounded: return "0.5";
    case Bound::TwoUlp: return "2";
    case Bound::Reported: break;
  }
  return "-";
}

namespace {

constexpr Endpoint v(double x) { return {Limit::Value, x}; }
constexpr Endpoint kTiny{Limit::MinSubnormal, 0};
constexpr Endpoint kMax{Limit::MaxFinite, 0};
constexpr Endpoint overflow_log(double offset) { return {Limit::OverflowLog, offset}; }
constexpr Endpoint underflow_log(double offset) { return {Limit::UnderflowLog, offset}; }

Range linear(double lo, double hi, double weight = 1) { return {v(lo), v(hi), false, false, weight}; }
Range magnitudes(Endpoint lo = kTiny, Endpoint hi = kMax, bool both_signs = true, double weight = 1) {
  return {lo, hi, true, both_signs, weight};
}

// Every finite magnitude of both signs (subnormals, huge values) plus a dense sweep near 0.
std::vector<Range> whole_line() { return {magnitudes(), linear(-10, 10)}; }
std::vector<Range> positive_line() { return {magnitudes(kTiny, kMax, false), linear(0.25, 4), linear(-2, 0, 0.1)}; }

// exp-like: the finite range of the result from underflow to overflow, dense at both ends
// (the saturation regions), plus tiny arguments.
std::vector<Range> exp_like(double scale) {
  return {{underflow_log(-2), overflow_log(1), false, false, 3, scale},
          {overflow_log(-1), overflow_log(0.01), false, false, 1, scale},
          {underflow_log(-0.5), underflow_log(0.5), false, false, 0.5, scale},
          magnitudes(kTiny, v(1), true, 0.5)};
}
// sinh, cosh: both signs up to past overflow (log(max) + ln 2), dense near it, plus tiny arguments.
std::vector<Range> hyperbolic() {
  return {{v(0), overflow_log(1), false, true, 2}, {overflow_log(-0.5), overflow_log(1), false, true, 1},
          linear(-5, 5), magnitudes(kTiny, v(1), true, 0.5)};
}

int ceil_fn(mpfr_ptr r, mpfr_srcptr a, mpfr_rnd_t) { return mpfr_ceil(r, a); }
int floor_fn(mpfr_ptr r, mpfr_srcptr a, mpfr_rnd_t) { return mpfr_floor(r, a); }
int trunc_fn(mpfr_ptr r, mpfr_srcptr a, mpfr_rnd_t) { return mpfr_trunc(r, a); }
int abs_fn(mpfr_ptr r, mpfr_srcptr a, mpfr_rnd_t rnd) { return mpfr_abs(r, a, rnd); }

Function unary(std::string name, std::string call, MpfrUnary fn, Bound bound, std::vector<Range> ranges) {
  Function f;
  f.name = std::move(name);
  f.source = call + "(a)";
  f.unary = fn;
  f.bound = bound;
  f.a_ranges = std::move(ranges);
  return f;
}
Function binary(std::string name, std::string source, MpfrBinary fn, Bound bound, std::vector<Range> a,
                std::vector<Range> b) {
  Function f;
  f.name = std::move(name);
  f.source = std::move(source);
  f.arity = 2;
  f.binary = fn;
  f.bound = bound;
  f.a_ranges = std::move(a);
  f.b_ranges = std::move(b);
  return f;
}

Function near_half_pi(Function f) {
  f.near_half_pi_multiples = true;
  return f;
}

std::vector<Function> make_table() {
  using B = Bound;
  const std::vector<Range> unit = {linear(-1, 1, 2), magnitudes(kTiny, v(1), true), linear(0.99, 1.01, 0.5),
                                   linear(-1.01, -0.99, 0.5)};
  const std::vector<Range> trig = {linear(-10, 10), linear(-1e3, 1e3), magnitudes(v(1e3), v(1e30)),
                                   magnitudes(kTiny, kMax)};
  std::vector<Function> t = {
      binary("+", "a + b", mpfr_add, B::CorrectlyRounded, whole_line(), whole_line()),
      binary("-", "a - b", mpfr_sub, B::CorrectlyRounded, whole_line(), whole_line()),
      binary("*", "a * b", mpfr_mul, B::CorrectlyRounded, whole_line(), whole_line()),
      binary("/", "a / b", mpfr_div, B::CorrectlyRounded, whole_line(), whole_line()),
      unary("sqrt", "sqrt", mpfr_sqrt, B::CorrectlyRounded, positive_line()),
      unary("square", "square", mpfr_sqr, B::CorrectlyRounded, whole_line()),
      unary("exp", "exp", mpfr_exp, B::TwoUlp, exp_like(1)),
      unary("expm1", "expm1", mpfr_expm1, B::TwoUlp, exp_like(1)),
      unary("exp2", "exp2", mpfr_exp2, B::Reported, exp_like(1.4426950408889634)),
      unary("log", "log", mpfr_log, B::TwoUlp, positive_line()),
      unary("log1p", "log1p", mpfr_log1p, B::TwoUlp,
            {magnitudes(kTiny, kMax, false), linear(-1, 1), magnitudes(kTiny, v(1), true), linear(-1, -0.999, 0.3)}),
      unary("log10", "log10", mpfr_log10, B::Reported, positive_line()),
      unary("log2", "log2", mpfr_log2, B::Reported, positive_line()),
      near_half_pi(unary("sin", "sin", mpfr_sin, B::TwoUlp, trig)),
      near_half_pi(unary("cos", "cos", mpfr_cos, B::TwoUlp, trig)),
      near_half_pi(unary("tan", "tan", mpfr_tan, B::TwoUlp, trig)),
      unary("arcsin", "arcsin", mpfr_asin, B::TwoUlp, unit),
      unary("arccos", "arccos", mpfr_acos, B::TwoUlp, unit),
      unary("arctan", "arctan", mpfr_atan, B::TwoUlp, whole_line()),
      binary("arctan2", "arctan2(a, b)", mpfr_atan2, B::TwoUlp, whole_line(), whole_line()),
      unary("sinh", "sinh", mpfr_sinh, B::TwoUlp, hyperbolic()),
      unary("cosh", "cosh", mpfr_cosh, B::TwoUlp, hyperbolic()),
      unary("tanh", "tanh", mpfr_tanh, B::TwoUlp, {linear(-25, 25, 2), linear(-1, 1), magnitudes()}),
      unary("arcsinh", "arcsinh", mpfr_asinh, B::Reported, whole_line()),
      unary("arccosh", "arccosh", mpfr_acosh, B::Reported, {magnitudes(v(1), kMax, false), linear(1, 3), linear(0, 1, 0.1)}),
      unary("arctanh", "arctanh", mpfr_atanh, B::Reported, unit),
      unary("erf", "erf", mpfr_erf, B::TwoUlp, {linear(-7, 7, 2), magnitudes()}),
      unary("erfc", "erfc", mpfr_erfc, B::Reported, {linear(-7, 30, 2), magnitudes()}),
      unary("cbrt", "cbrt", mpfr_cbrt, B::Reported, whole_line()),
      binary("**", "a ** b", mpfr_pow, B::TwoUlp, positive_line(), {linear(-30, 30), linear(-3, 3)}),
      binary("hypot", "hypot(a, b)", mpfr_hypot, B::Reported, whole_line(), whole_line()),
      binary("fmod", "fmod(a, b)", mpfr_fmod, B::Exact, whole_line(), whole_line()),
      unary("abs", "abs", abs_fn, B::Exact, whole_line()),
      unary("ceil", "ceil", ceil_fn, B::Exact, whole_line()),
      unary("floor", "floor", floor_fn, B::Exact, whole_line()),
      unary("trunc", "trunc", trunc_fn, B::Exact, whole_line()),
      unary("round", "round", mpfr_rint, B::Exact, whole_line()),  // half to even, as rint
  };
  for (auto& f : t) {
    if (f.name == "**") f.pow_pairs = true;
    if (f.name == "tanh") f.saturates_to_one = true;
  }
  return t;
}

}  // namespace

const std::vector<Function>& functions() {
  static const std::vector<Function> table = make_table();
  return table;
}

}  // namespace exprvm::ulp
