// The scalar reference of every opcode (NumPy semantics), casts and reductions, and the
// comparison of kernel results against them. Part of tests/kernel_reference.hpp.
#pragma once

namespace exprvm::kernel_test {

// Float ULP budgets of the xsimd transcendentals, measured against glibc on the inputs of
// kernel_reference.hpp (edge values, [-10, 10], magnitudes 1e-30..1e30, near 1).
inline constexpr double kUlpFloat64 = 4;
inline constexpr double kUlpFloat32 = 4;
inline constexpr double kUlpHypot = 1;  // hypot and complex abs
inline constexpr double kComplexRelTol64 = 1e-12;
inline constexpr double kComplexRelTol32 = 5e-6;

inline bool is_transcendental(Op op) {
  switch (op) {
    case Op::SQRT: case Op::CBRT: case Op::EXP: case Op::EXPM1: case Op::EXP2: case Op::LOG: case Op::LOG1P:
    case Op::LOG10: case Op::LOG2: case Op::SIN: case Op::COS: case Op::TAN: case Op::ARCSIN: case Op::ARCCOS:
    case Op::ARCTAN: case Op::SINH: case Op::COSH: case Op::TANH: case Op::ARCSINH: case Op::ARCCOSH:
    case Op::ARCTANH: case Op::ERF: case Op::ERFC: case Op::ARCTAN2: case Op::HYPOT: case Op::POW: case Op::CIS:
      return true;
    default:
      return false;
  }
}

inline Tolerance tolerance(Op op, DType t) {
  const bool is_float = t == DType::Float32 || t == DType::Float64;
  const bool is_complex = t == DType::Complex64 || t == DType::Complex128;
  const bool single = t == DType::Float32 || t == DType::Complex64;
  if (is_float && is_transcendental(op)) return {Tolerance::Ulp, single ? kUlpFloat32 : kUlpFloat64};
  if ((is_complex && op == Op::ABS) || (is_float && op == Op::HYPOT)) return {Tolerance::Ulp, kUlpHypot};
  if (is_complex && (is_transcendental(op) || op == Op::MUL || op == Op::DIV || op == Op::SQUARE || op == Op::SIGN)) {
    // libm's C99 functions (and NumPy's formulas on them): the reference calls the same ones
    if (is_transcendental(op) && op != Op::POW && !finite_complex_only(op)) return {Tolerance::Relative, single ? 2.4e-7 : 4.5e-16};
    const double eps = single ? 1.2e-7 : 2.3e-16;
    const double rel = is_transcendental(op) ? (single ? kComplexRelTol32 : kComplexRelTol64) : 4 * eps;
    return {Tolerance::Relative, rel};
  }
  return {};
}

template <class T> long double ulp_distance(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y) ? 0 : INFINITY;
  if (x == y) return 0;
  if (std::isinf(x) || std::isinf(y)) return INFINITY;
  using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  auto ordered = [](T v) {
    I bits;
    std::memcpy(&bits, &v, sizeof v);
    return bits < 0 ? (long double)std::numeric_limits<I>::min() - bits : (long double)bits;
  };
  return std::fabs(ordered(x) - ordered(y));
}

inline bool same_exact(long double x, long double y) {
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  return x == y && std::signbit(x) == std::signbit(y);
}

inline bool matches(Val expected, Val got, DType out_t, Tolerance tol) {
  switch (tol.kind) {
    case Tolerance::Exact: return same_exact(expected.re, got.re) && same_exact(expected.im, got.im);
    case Tolerance::Ulp: {  // per part for a complex result (CIS)
      const bool single = out_t == DType::Float32 || out_t == DType::Complex64;
      auto within = [&](long double e, long double g) {
        return single ? ulp_distance<float>(float(e), float(g)) <= tol.amount
                      : ulp_distance<double>(double(e), double(g)) <= tol.amount;
      };
      return within(expected.re, got.re) && within(expected.im, got.im);
    }
    case Tolerance::Relative: {
      if (same_exact(expected.re, got.re) && same_exact(expected.im, got.im)) return true;
      const bool nan_e = std::isnan(expected.re) || std::isnan(expected.im);
      const bool nan_g = std::isnan(got.re) || std::isnan(got.im);
      if (nan_e || nan_g) return nan_e && nan_g;
      const long double scale = std::max(std::hypot(expected.re, expected.im), 1e-30L);
      return std::hypot(expected.re - got.re, expected.im - got.im) <= tol.amount * scale;
    }
  }
  return false;
}

// ---- elementwise references

template <class T> Val v(T x) { return Val{static_cast<long double>(x), 0}; }
template <class T> Val v(std::complex<T> z) { return Val{z.real(), z.imag()}; }

// Integer results computed modulo 2**64 and truncated to T (C++20: well defined).
template <class T> T wrap(std::uint64_t u) { return static_cast<T>(u); }
template <class T> std::uint64_t u64(T x) { return static_cast<std::uint64_t>(x); }
// x < 0 and x == -1 without always-false comparisons on unsigned T.
template <class T> bool below_zero(T x) {
  if constexpr (std::is_signed_v<T>) return x < 0;
  else return false;
}
template <class T> bool minus_one(T x) {
  if constexpr (std::is_signed_v<T>) return x == -1;
  else return false;
}

inline std::optional<Val> ref_bool(Op op, std::uint8_t a, std::uint8_t b, std::uint8_t c, bool cond) {
  switch (op) {
    case Op::COPY: return v(a);
    case Op::INVERT: return v(1 - a);
    case Op::ONES_LIKE: return v(1);
    case Op::ADD: case Op::OR: case Op::MAXIMUM: return v(a | b);
    case Op::MUL: case Op::AND: case Op::MINIMUM: return v(a & b);
    case Op::XOR: return v(a ^ b);
    case Op::LT: return v(a < b);
    case Op::LE: return v(a <= b);
    case Op::EQ: return v(a == b);
    case Op::NE: return v(a != b);
    case Op::GE: return v(a >= b);
    case Op::GT: return v(a > b);
    case Op::WHERE: return v(cond ? b : c);
    default: return std::nullopt;
  }
}

// Signed and unsigned integers: wrap-around arithmetic, x // 0 == x % 0 == 0, shifts by a
// count < 0 or >= bits shift everything out (sign fill for signed >>), logical >> on unsigned.
template <class T> std::optional<Val> ref_int(Op op, T a, T b, T c, bool cond) {
  constexpr int bits = 8 * sizeof(T);
  switch (op) {
    case Op::COPY: return v(a);
    case Op::NEG: return v(wrap<T>(0 - u64(a)));
    case Op::INVERT: return v(T(~a));
    case Op::ABS: return v(below_zero(a) ? wrap<T>(0 - u64(a)) : a);
    case Op::SQUARE: return v(wrap<T>(u64(a) * u64(a)));
    case Op::SIGN: return v(T((a > 0) - below_zero(a)));
    case Op::ONES_LIKE: return v(T(1));
    case Op::ADD: return v(wrap<T>(u64(a) + u64(b)));
    case Op::SUB: return v(wrap<T>(u64(a) - u64(b)));
    case Op::MUL: return v(wrap<T>(u64(a) * u64(b)));
    case Op::FLOORDIV: {
      if (b == 0) return v(T(0));
      if (minus_one(b)) return v(wrap<T>(0 - u64(a)));
      const long double q = std::floor((long double)a / (long double)b);
      return v(T(q));
    }
    case Op::MOD: {
      if (b == 0 || minus_one(b)) return v(T(0));
      T r = T(a % b);
      return v(T(r != 0 && (below_zero(r) != below_zero(b)) ? r + b : r));
    }
    case Op::FMOD: return v(T(b == 0 || minus_one(b) ? 0 : a % b));
    case Op::POW: {
      if (below_zero(b)) return v(T(a == 1 ? 1 : minus_one(a) ? (b % 2 ? -1 : 1) : 0));
      std::uint64_t r = 1;
      for (T i = 0; i < b; ++i) r *= u64(a);
      return v(wrap<T>(r));
    }
    case Op::LSHIFT: return v(T(below_zero(b) || b >= T(bits) ? 0 : wrap<T>(u64(a) << b)));
    case Op::RSHIFT: return v(T(below_zero(b) || b >= T(bits) ? (below_zero(a) ? -1 : 0) : a >> b));
    case Op::AND: return v(T(a & b));
    case Op::OR: return v(T(a | b));
    case Op::XOR: return v(T(a ^ b));
    case Op::LT: return v(a < b);
    case Op::LE: return v(a <= b);
    case Op::EQ: return v(a == b);
    case Op::NE: return v(a != b);
    case Op::GE: return v(a >= b);
    case Op::GT: return v(a > b);
    case Op::MAXIMUM: return v(std::max(a, b));
    case Op::MINIMUM: return v(std::min(a, b));
    case Op::WHERE: return v(cond ? b : c);
    case Op::CLIP: return v(std::min(std::max(a, b), c));
    case Op::SELECT_LT: return v(a < b ? a : c);
    case Op::SELECT_LE: return v(a <= b ? a : c);
    case Op::SELECT_GE: return v(a >= b ? a : c);
    case Op::SELECT_GT: return v(a > b ? a : c);
    default: return std::nullopt;
  }
}

template <class T> T np_maximum(T a, T b) { return (a > b || std::isnan(a)) ? a : b; }
template <class T> T np_minimum(T a, T b) { return (a < b || std::isnan(a)) ? a : b; }
template <class T> T np_sign(T a) { return a > 0 ? T(1) : a < 0 ? T(-1) : a == 0 ? T(0) : a; }

// NumPy's npy_divmod: returns the floor quotient, sets mod.
template <class T> T np_divmod(T a, T b, T& mod) {
  mod = std::fmod(a, b);
  if (b == 0) return a / b;
  T div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1;
    }
  } else {
    mod = std::copysign(T(0), b);
  }
  if (div == 0) return std::copysign(T(0), a / b);
  T floordiv = std::floor(div);
  if (div - floordiv > T(0.5)) floordiv += 1;
  return floordiv;
}

// The trigonometric and hyperbolic ops, one <cmath> / <complex> call each, for a real or a
// complex X (ref_float and ref_complex).
template <class X> std::optional<Val> ref_trigonometric(Op op, X a) {
  switch (op) {
    case Op::SIN: return v(std::sin(a));
    case Op::COS: return v(std::cos(a));
    case Op::TAN: return v(std::tan(a));
    case Op::ARCSIN: return v(std::asin(a));
    case Op::ARCCOS: return v(std::acos(a));
    case Op::ARCTAN: return v(std::atan(a));
    case Op::SINH: return v(std::sinh(a));
    case Op::COSH: return v(std::cosh(a));
    case Op::TANH: return v(std::tanh(a));
    case Op::ARCSINH: return v(std::asinh(a));
    case Op::ARCCOSH: return v(std::acosh(a));
    case Op::ARCTANH: return v(std::atanh(a));
    default: return std::nullopt;
  }
}

// The float16 nearest to x (ties to even), by scaling to its unit in the last place: an
// independent reference for ROUND_F16.
inline long double nearest_float16(long double x) {
  if (std::isnan(x) || std::isinf(x)) return x;
  const long double m = std::fabs(x);
  if (m >= 65520.0L) return std::copysign((long double)INFINITY, x);
  int e = 0;
  std::frexp(m, &e);  // m = f * 2**e with f in [0.5, 1): the leading bit is 2**(e-1)
  const long double ulp = std::ldexp(1.0L, std::max(e - 1, -14) - 10);
  return std::copysign(std::nearbyint(m / ulp) * ulp, x);  // the default mode: ties to even
}

template <class T> std::optional<Val> ref_float(Op op, T a, T b, T c, bool cond) {
  if (auto r = ref_trigonometric(op, a)) return r;
  T mod;
  switch (op) {
    case Op::COPY: return v(a);
    case Op::NEG: return v(-a);
    case Op::ABS: return v(std::fabs(a));
    case Op::SQUARE: return v(a * a);
    case Op::SQRT: return v(std::sqrt(a));
    case Op::CBRT: return v(std::cbrt(a));
    case Op::EXP: return v(std::exp(a));
    case Op::EXPM1: return v(std::expm1(a));
    case Op::EXP2: return v(std::exp2(a));
    case Op::LOG: return v(std::log(a));
    case Op::LOG1P: return v(std::log1p(a));
    case Op::LOG10: return v(std::log10(a));
    case Op::LOG2: return v(std::log2(a));
    case Op::ERF: return v(std::erf(a));
    case Op::ERFC: return v(std::erfc(a));
    case Op::CEIL: return v(std::ceil(a));
    case Op::FLOOR: return v(std::floor(a));
    case Op::ROUND: return v(std::nearbyint(a));
    case Op::TRUNC: return v(std::trunc(a));
    case Op::ROUND_F16: return v(T(nearest_float16(a)));
    case Op::SIGN: return v(np_sign(a));
    case Op::SIGNBIT: return v(std::signbit(a));
    case Op::ISNAN: return v(std::isnan(a));
    case Op::ISFINITE: return v(std::isfinite(a));
    case Op::ISINF: return v(std::isinf(a));
    case Op::ONES_LIKE: return v(T(1));
    case Op::ADD: return v(a + b);
    case Op::SUB: return v(a - b);
    case Op::MUL: return v(a * b);
    case Op::DIV: return v(a / b);
    case Op::FLOORDIV: return v(np_divmod(a, b, mod));
    case Op::MOD: np_divmod(a, b, mod); return v(mod);
    case Op::FMOD: return v(std::fmod(a, b));
    case Op::POW: return v(std::pow(a, b));
    case Op::LT: return v(a < b);
    case Op::LE: return v(a <= b);
    case Op::EQ: return v(a == b);
    case Op::NE: return v(a != b);
    case Op::GE: return v(a >= b);
    case Op::GT: return v(a > b);
    case Op::ARCTAN2: return v(std::atan2(a, b));
    case Op::HYPOT: return v(std::hypot(a, b));
    case Op::NEXTAFTER: return v(std::nextafter(a, b));
    case Op::COPYSIGN: return v(std::copysign(a, b));
    case Op::MAXIMUM: return v(np_maximum(a, b));
    case Op::MINIMUM: return v(np_minimum(a, b));
    case Op::COMPLEX: return Val{a, b};
    case Op::CIS: return Val{std::cos(a), std::sin(a)};
    case Op::WHERE: return v(cond ? b : c);
    case Op::CLIP: return v(np_minimum(np_maximum(a, b), c));
    case Op::FMA: return v(std::fma(a, b, c));
    case Op::SELECT_LT: return v(a < b ? a : c);
    case Op::SELECT_LE: return v(a <= b ? a : c);
    case Op::SELECT_GE: return v(a >= b ? a : c);
    case Op::SELECT_GT: return v(a > b ? a : c);
    default: return std::nullopt;
  }
}

// NumPy's complex division (Smith's algorithm).
template <class T> std::complex<T> smith_divide(std::complex<T> a, std::complex<T> b) {
  const T ar = a.real(), ai = a.imag(), br = b.real(), bi = b.imag();
  if (std::fabs(br) >= std::fabs(bi)) {
    if (br == 0 && bi == 0) return {ar / std::fabs(br), ai / std::fabs(br)};
    const T rat = bi / br, scl = T(1) / (br + bi * rat);
    return {(ar + ai * rat) * scl, (ai - ar * rat) * scl};
  }
  const T rat = br / bi, scl = T(1) / (bi + br * rat);
  return {(ar * rat + ai) * scl, (ai * rat - ar) * scl};
}

// NumPy's complex power: 1 for b == 0, 0 or NaN for a == 0, repeated products for integer
// exponents below 100 in magnitude, else cpow.
template <class T> std::complex<T> numpy_complex_pow(std::complex<T> a, std::complex<T> b) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  if (b == std::complex<T>(0)) return 1;
  if (a == std::complex<T>(0)) return b.real() > 0 && b.imag() == 0 ? std::complex<T>(0) : std::complex<T>(nan, nan);
  if (b.imag() == 0 && std::fabs(b.real()) < 100 && std::trunc(b.real()) == b.real()) {
    std::complex<T> r = 1;
    for (int i = 0; i < std::abs(int(b.real())); ++i) r = {r.real() * a.real() - r.imag() * a.imag(), r.real() * a.imag() + r.imag() * a.real()};
    return b.real() < 0 ? smith_divide(std::complex<T>(1), r) : r;
  }
  return std::pow(a, b);
}

template <class T> T real_sign(T x) { return x > 0 ? T(1) : x < 0 ? T(-1) : x == 0 ? T(0) : x; }

template <class T>
std::optional<Val> ref_complex(Op op, std::complex<T> a, std::complex<T> b, std::complex<T> c, bool cond) {
  using C = std::complex<T>;
  if (auto r = ref_trigonometric(op, a)) return r;
  switch (op) {
    case Op::COPY: return v(a);
    case Op::NEG: return v(C(-a.real(), -a.imag()));
    case Op::ABS: return v(std::hypot(a.real(), a.imag()));
    case Op::SQUARE: return v(a * a);
    case Op::SIGN: {  // NumPy 2: z/|z|, 0 for 0, the infinite axis' unit for infinite |z|
      const long double modulus = std::hypot((long double)a.real(), (long double)a.imag());
      if (std::isnan(modulus)) return Val{NAN, NAN};
      if (std::isinf(a.real()) && std::isinf(a.imag())) return Val{NAN, NAN};
      if (std::isinf(modulus))
        return v(C(std::isinf(a.real()) ? real_sign(a.real()) : 0, std::isinf(a.imag()) ? real_sign(a.imag()) : 0));
      if (modulus == 0) return v(C(0, 0));
      return v(C(T(a.real() / modulus), T(a.imag() / modulus)));
    }
    case Op::SQRT: return v(std::sqrt(a));
    case Op::EXP: return v(std::exp(a));
    case Op::EXPM1: return v(std::exp(std::complex<long double>(a)) - 1.0L);
    case Op::LOG: return v(std::log(a));
    case Op::LOG1P: return v(C(std::log(std::hypot(a.real() + 1, a.imag())), std::atan2(a.imag(), a.real() + 1)));
    case Op::LOG10: return v(std::log(a) * T(0.434294481903251827651128918916605082L));
    case Op::LOG2: return v(std::log(a) * T(1.442695040888963407359924681001892137L));
    case Op::ISNAN: return v(std::isnan(a.real()) || std::isnan(a.imag()));
    case Op::ISFINITE: return v(std::isfinite(a.real()) && std::isfinite(a.imag()));
    case Op::ISINF: return v(std::isinf(a.real()) || std::isinf(a.imag()));
    case Op::REAL: return v(a.real());
    case Op::IMAG: return v(a.imag());
    case Op::CONJ: return v(C(a.real(), -a.imag()));
    case Op::ONES_LIKE: return v(C(1, 0));
    case Op::ADD: return v(C(a.real() + b.real(), a.imag() + b.imag()));
    case Op::SUB: return v(C(a.real() - b.real(), a.imag() - b.imag()));
    case Op::MUL: return v(a * b);
    case Op::DIV: return v(smith_divide(a, b));
    case Op::POW: return v(numpy_complex_pow(a, b));
    case Op::EQ: return v(a.real() == b.real() && a.imag() == b.imag());
    case Op::NE: return v(a.real() != b.real() || a.imag() != b.imag());
    case Op::WHERE: return v(cond ? b : c);
    default: return std::nullopt;
  }
}

template <class E> E element(const std::vector<unsigned char>& bytes, std::size_t i) {
  E x;
  std::memcpy(&x, bytes.data() + i * sizeof(E), sizeof(E));
  return x;
}

inline std::optional<Val> reference(Op op, DType t, const Inputs& in, std::size_t i) {
  const bool cond = op == Op::WHERE && in.a[i] != 0;
  return with_type(t, [&](auto zero) -> std::optional<Val> {
    using E = decltype(zero);
    const E a = op == Op::WHERE ? E{} : element<E>(in.a, i), b = element<E>(in.b, i), c = element<E>(in.c, i);
    if constexpr (std::is_same_v<E, bool>) return ref_bool(op, a, b, c, cond);
    else if constexpr (std::is_integral_v<E>) return ref_int<E>(op, a, b, c, cond);
    else if constexpr (std::is_floating_point_v<E>) return ref_float<E>(op, a, b, c, cond);
    else return ref_complex<typename E::value_type>(op, a, b, c, cond);
  });
}

inline std::string describe_inputs(Op op, DType t, const Inputs& in, std::size_t i) {
  std::string s = op == Op::WHERE ? std::to_string(int(in.a[i])) : describe(read_value(t, in.a.data(), i));
  if (op_info(op).arity >= 2) s += ", " + describe(read_value(t, in.b.data(), i));
  if (op_info(op).arity >= 3) s += ", " + describe(read_value(t, in.c.data(), i));
  return s;
}

// ---- casts

// The integer of dtype t with the low bits of `bits` (t bool or an integer).
inline long double low_bits_as(DType t, std::uint64_t bits) {
  return with_type(t, [&](auto zero) -> long double {
    using E = decltype(zero);
    if constexpr (IsCx<E>::value || std::is_floating_point_v<E>) return NAN;
    else return (long double)E(bits);
  });
}

// NumPy's unsafe cast of element i of `from` data to dtype `to`. Integer -> integer keeps the
// low bits. Float -> int32/int64: truncation, out-of-range or NaN gives the integer minimum
// (as on x86); -> narrower or unsigned integers: through int64 (same rule), then the low
// bits, except that uint64 takes [2**63, 2**64) exactly.
inline Val reference_cast(DType to, DType from, const std::vector<unsigned char>& data, std::size_t i) {
  const Val x = read_value(from, data.data(), i);
  const bool from_complex = kind_of(from) == Kind::Complex;
  const bool from_int = kind_of(from) == Kind::Bool || kind_of(from) == Kind::Int || kind_of(from) == Kind::UInt;
  const bool to_int = kind_of(to) == Kind::Int || kind_of(to) == Kind::UInt;
  if (to == DType::Bool) return Val{(x.re != 0 || (from_complex && x.im != 0)) ? 1.0L : 0.0L, 0};
  if (to_int) {
    constexpr long double two63 = 9223372036854775808.0L;
    std::uint64_t low_bits;
    if (from_int) {
      low_bits = x.re < 0 ? std::uint64_t(std::int64_t(x.re)) : std::uint64_t(x.re);
    } else if (to == DType::Int32) {
      const long double limit = 2147483648.0L;
      low_bits = x.re >= -limit && x.re < limit ? std::uint64_t(std::int64_t(x.re)) : std::uint64_t(std::int64_t(-limit));
    } else if (to == DType::UInt64 && x.re >= two63 && x.re < 2 * two63) {
      low_bits = std::uint64_t(x.re);
    } else {
      low_bits = x.re >= -two63 && x.re < two63 ? std::uint64_t(std::int64_t(x.re)) : std::uint64_t(1) << 63;
    }
    return Val{low_bits_as(to, low_bits), 0};
  }
  switch (to) {
    case DType::Float32: return Val{(long double)(float)x.re, 0};
    case DType::Float64: return Val{(long double)(double)x.re, 0};
    case DType::Complex64: return Val{(long double)(float)x.re, (long double)(float)x.im};
    default: return Val{(long double)(double)x.re, (long double)(double)x.im};
  }
}

// ---- reductions

// Reduction data: floats in [0.5, 2) for PROD (no overflow), small ints, random bools.
inline std::vector<unsigned char> reduction_inputs(Op op, DType t, std::size_t n, std::mt19937_64& rng) {
  std::vector<unsigned char> bytes(std::max<std::size_t>(n, 1) * itemsize(t));
  std::uniform_real_distribution<double> dist(op == Op::PROD ? 0.9 : -100.0, op == Op::PROD ? 1.1 : 100.0);
  for (std::size_t i = 0; i < n; ++i) {
    Val x{dist(rng), dist(rng) - (op == Op::PROD ? 1 : 0)};
    if (t == DType::Bool) x = Val{(op == Op::ALL ? (rng() % 200 != 0) : (rng() % 200 == 0)) ? 1.0L : 0.0L, 0};
    if (t == DType::Int32 || t == DType::Int64) x = Val{std::round(x.re * (op == Op::PROD ? 1 : 1e6)), 0};
    if (t == DType::Int64 && op == Op::PROD) x.re = (long double)(std::int64_t(rng() % 7) - 3);
    if (itemsize(t) < 4 || kind_of(t) == Kind::UInt)  // narrow and unsigned: values that fit
      x = Val{op == Op::PROD ? (long double)(rng() % 4) : (long double)(rng() % 100), 0};
    write_value(t, bytes.data(), i, x);
  }
  return bytes;
}

// The accumulator a SUM or PROD starts from (to check that *d is folded in).
inline Val start_value(Op op, DType) { return op == Op::SUM ? Val{3, 1} : Val{2, 0}; }

inline Val reference_fold(Op op, DType t, Val acc, const unsigned char* data, std::size_t n) {
  const bool is_int = kind_of(t) == Kind::Int || kind_of(t) == Kind::UInt;
  std::uint64_t iacc = std::uint64_t(std::int64_t(acc.re));
  for (std::size_t i = 0; i < n; ++i) {
    const Val x = read_value(t, data, i);
    switch (op) {
      case Op::SUM: acc = {acc.re + x.re, acc.im + x.im}; iacc += std::uint64_t(std::int64_t(x.re)); break;
      case Op::PROD:
        acc = {acc.re * x.re - acc.im * x.im, acc.re * x.im + acc.im * x.re};
        iacc *= std::uint64_t(std::int64_t(x.re));
        break;
      case Op::MIN: acc.re = std::isnan(acc.re) || x.re >= acc.re ? acc.re : x.re; break;
      case Op::MAX: acc.re = std::isnan(acc.re) || x.re <= acc.re ? acc.re : x.re; break;
      case Op::ANY: acc.re = (acc.re != 0 || x.re != 0) ? 1 : 0; break;
      default: acc.re = (acc.re != 0 && x.re != 0) ? 1 : 0; break;
    }
  }
  if (t != DType::Complex64 && t != DType::Complex128) acc.im = 0;
  if (is_int && (op == Op::SUM || op == Op::PROD))
    acc.re = low_bits_as(t, iacc);
  return acc;
}

// Exact for ints, bools, MIN and MAX; float sums and products within the rounding error
// bound of a reordered fold (n * eps relative to the sum of magnitudes).
inline bool fold_matches(Op op, DType t, Val expected, Val got, const unsigned char* data, std::size_t n) {
  const bool inexact = (op == Op::SUM || op == Op::PROD) && (kind_of(t) == Kind::Float || kind_of(t) == Kind::Complex);
  if (!inexact) return same_exact(expected.re, got.re) && same_exact(expected.im, got.im);
  const bool single = t == DType::Float32 || t == DType::Complex64;
  const long double eps = single ? 1.2e-7L : 2.3e-16L;
  long double scale = std::hypot(expected.re, expected.im);
  if (op == Op::SUM) {
    scale = 4;
    for (std::size_t i = 0; i < n; ++i) {
      const Val x = read_value(t, data, i);
      scale += std::fabs(x.re) + std::fabs(x.im);
    }
  }
  const long double err = std::hypot(expected.re - got.re, expected.im - got.im);
  return err <= 2 * (n + 2) * eps * scale;
}

}  // namespace exprvm::kernel_test
