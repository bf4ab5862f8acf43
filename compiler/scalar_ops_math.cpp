// apply_op of compiler/scalar_ops.hpp: the scalar meaning of every elementwise op, per kind
// of dtype (bool, integer, float, complex). NumPy's (1.24) algorithms are followed where NumPy
// does more than one C library call (float // and %, complex * / square sign expm1 log1p pow):
// complex arithmetic is NumPy's textbook formulas, not C99 Annex G's infinity recovery
// (std::complex's operators), so e.g. 0 / (1e-40+0j) in complex64 is nan+nanj as in NumPy.
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>

#include "core/error.hpp"
#include "core/numpy_scalar.hpp"
#include "compiler/scalar_ops.hpp"

namespace exprvm {
namespace {

[[noreturn]] void unsupported(Op op, DType t) {
  throw Error(ErrorKind::Internal, "scalar op " + std::string(op_info(op).spelling) +
                                       " is not defined for " + std::string(dtype_name(t)));
}

// The six comparisons, the same for integers and reals (NaN compares false except !=).
template <class T>
std::optional<bool> comparison(Op op, T a, T b) {
  switch (op) {
    case Op::LT: return a < b;
    case Op::LE: return a <= b;
    case Op::EQ: return a == b;
    case Op::NE: return a != b;
    case Op::GE: return a >= b;
    case Op::GT: return a > b;
    default: return std::nullopt;
  }
}

Value bool_op(Op op, std::span<const Value> args) {
  const bool a = args[0].get<bool>();
  const bool b = args.size() > 1 ? args[1].get<bool>() : false;
  if (const auto c = comparison(op, a, b)) return Value::of(*c);
  switch (op) {
    case Op::INVERT: return Value::of(!a);
    case Op::ADD: case Op::OR: case Op::MAXIMUM: return Value::of(a || b);
    case Op::MUL: case Op::AND: case Op::MINIMUM: return Value::of(a && b);
    case Op::XOR: return Value::of(a != b);
    default: unsupported(op, DType::Bool);
  }
}

template <class T>
Value int_op(Op op, DType t, std::span<const Value> args) {
  const T a = args[0].get<T>();
  const T b = args.size() > 1 ? args[1].get<T>() : T(0);
  if (const auto c = comparison(op, a, b)) return Value::of(*c);
  switch (op) {
    case Op::NEG: return Value::of(numpy::neg(a));
    case Op::INVERT: return Value::of(static_cast<T>(~a));
    case Op::ABS: return Value::of(numpy::abs(a));
    case Op::SQUARE: return Value::of(numpy::mul(a, a));
    case Op::SIGN: return Value::of(numpy::sign(a));
    case Op::ADD: return Value::of(numpy::add(a, b));
    case Op::SUB: return Value::of(numpy::sub(a, b));
    case Op::MUL: return Value::of(numpy::mul(a, b));
    case Op::FLOORDIV: return Value::of(numpy::floordiv(a, b));
    case Op::MOD: return Value::of(numpy::mod(a, b));
    case Op::FMOD: return Value::of(numpy::int_fmod(a, b));
    case Op::POW: return Value::of(numpy::int_pow(a, b));
    case Op::LSHIFT: return Value::of(numpy::lshift(a, b));
    case Op::RSHIFT: return Value::of(numpy::rshift(a, b));
    case Op::AND: return Value::of(static_cast<T>(a & b));
    case Op::OR: return Value::of(static_cast<T>(a | b));
    case Op::XOR: return Value::of(static_cast<T>(a ^ b));
    case Op::MAXIMUM: return Value::of(numpy::maximum(a, b));
    case Op::MINIMUM: return Value::of(numpy::minimum(a, b));
    case Op::CLIP: return Value::of(numpy::clip(a, b, args[2].get<T>()));
    default: unsupported(op, t);
  }
}

// The ops that are exactly one <cmath> / <complex> function of their operand, the same for
// real and complex X.
template <class X>
std::optional<X> std_function(Op op, X a) {
  switch (op) {
    case Op::SQRT: return std::sqrt(a);
    case Op::EXP: return std::exp(a);
    case Op::LOG: return std::log(a);
    case Op::SIN: return std::sin(a);
    case Op::COS: return std::cos(a);
    case Op::TAN: return std::tan(a);
    case Op::ARCSIN: return std::asin(a);
    case Op::ARCCOS: return std::acos(a);
    case Op::ARCTAN: return std::atan(a);
    case Op::SINH: return std::sinh(a);
    case Op::COSH: return std::cosh(a);
    case Op::TANH: return std::tanh(a);
    case Op::ARCSINH: return std::asinh(a);
    case Op::ARCCOSH: return std::acosh(a);
    case Op::ARCTANH: return std::atanh(a);
    default: return std::nullopt;
  }
}

template <class T>
Value float_op(Op op, DType t, std::span<const Value> args) {
  const T a = args[0].get<T>();
  const T b = args.size() > 1 ? args[1].get<T>() : T(0);
  if (const auto r = std_function(op, a)) return Value::of(*r);
  if (const auto c = comparison(op, a, b)) return Value::of(*c);
  switch (op) {
    case Op::NEG: return Value::of(T(-a));
    case Op::ABS: return Value::of(std::fabs(a));
    case Op::SQUARE: return Value::of(T(a * a));
    case Op::CBRT: return Value::of(std::cbrt(a));
    case Op::EXPM1: return Value::of(std::expm1(a));
    case Op::EXP2: return Value::of(std::exp2(a));
    case Op::LOG1P: return Value::of(std::log1p(a));
    case Op::LOG10: return Value::of(std::log10(a));
    case Op::LOG2: return Value::of(std::log2(a));
    case Op::ERF: return Value::of(std::erf(a));
    case Op::ERFC: return Value::of(std::erfc(a));
    case Op::CEIL: return Value::of(std::ceil(a));
    case Op::FLOOR: return Value::of(std::floor(a));
    case Op::ROUND: return Value::of(std::nearbyint(a));
    case Op::TRUNC: return Value::of(std::trunc(a));
    case Op::ROUND_F16: return Value::of(numpy::round_to_float16(a));
    case Op::SIGN: return Value::of(numpy::sign(a));
    case Op::SIGNBIT: return Value::of(static_cast<bool>(std::signbit(a)));
    case Op::ISNAN: return Value::of(static_cast<bool>(std::isnan(a)));
    case Op::ISFINITE: return Value::of(static_cast<bool>(std::isfinite(a)));
    case Op::ISINF: return Value::of(static_cast<bool>(std::isinf(a)));
    case Op::ADD: return Value::of(T(a + b));
    case Op::SUB: return Value::of(T(a - b));
    case Op::MUL: return Value::of(T(a * b));
    case Op::DIV: return Value::of(T(a / b));
    case Op::FLOORDIV: case Op::MOD: {
      T floordiv, mod;
      numpy::float_divmod(a, b, floordiv, mod);
      return Value::of(op == Op::FLOORDIV ? floordiv : mod);
    }
    case Op::POW: return Value::of(std::pow(a, b));
    case Op::ARCTAN2: return Value::of(std::atan2(a, b));
    case Op::FMOD: return Value::of(std::fmod(a, b));
    case Op::HYPOT: return Value::of(std::hypot(a, b));
    case Op::NEXTAFTER: return Value::of(std::nextafter(a, b));
    case Op::COPYSIGN: return Value::of(std::copysign(a, b));
    case Op::MAXIMUM: return Value::of(numpy::maximum(a, b));
    case Op::MINIMUM: return Value::of(numpy::minimum(a, b));
    case Op::COMPLEX: return Value::of(std::complex<T>(a, b));
    case Op::CIS: return Value::of(std::complex<T>(std::cos(a), std::sin(a)));
    case Op::CLIP: return Value::of(numpy::clip(a, b, args[2].get<T>()));
    case Op::FMA: return Value::of(std::fma(a, b, args[2].get<T>()));
    default: unsupported(op, t);
  }
}

// NumPy 2's complex sign: z/|z| (computed on z divided by its larger part, so finite values
// never overflow), 0 for 0, NaN parts when |z| is NaN; for an infinite part the unit along it
// (NaN parts when both are infinite). NumPy 1.x instead gave +1, -1 or 0 by comparing the
// real part, then the imaginary part, with 0.
template <class F>
std::complex<F> complex_sign(std::complex<F> z) {
  const F re = z.real(), im = z.imag(), modulus = std::hypot(re, im);
  constexpr F nan = std::numeric_limits<F>::quiet_NaN();
  if (std::isnan(modulus)) return {nan, nan};
  if (std::isinf(re) || std::isinf(im)) {
    if (std::isinf(re)) return std::isinf(im) ? std::complex<F>(nan, nan) : std::complex<F>(re > 0 ? 1 : -1, 0);
    return {F(0), im > 0 ? F(1) : F(-1)};
  }
  if (modulus == 0) return {F(0), F(0)};
  const F larger = std::max(std::fabs(re), std::fabs(im));  // scaled first: no |z| overflows
  const F scaled_modulus = std::hypot(re / larger, im / larger);
  return {re / larger / scaled_modulus, im / larger / scaled_modulus};
}

// NumPy's complex multiply (and square) loops: (ar br - ai bi) + i (ar bi + ai br).
template <class F>
std::complex<F> complex_mul(std::complex<F> a, std::complex<F> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// NumPy's complex divide loop: Smith's algorithm, scaled by the larger part of the divisor;
// a zero divisor divides each part of a by |re b| (giving inf or nan parts).
template <class F>
std::complex<F> complex_div(std::complex<F> a, std::complex<F> b) {
  const F ar = a.real(), ai = a.imag(), br = b.real(), bi = b.imag();
  const F abs_br = std::fabs(br), abs_bi = std::fabs(bi);
  if (abs_br >= abs_bi) {
    if (abs_br == 0 && abs_bi == 0) return {ar / abs_br, ai / abs_br};
    const F rat = bi / br, scl = F(1) / (br + bi * rat);
    return {(ar + ai * rat) * scl, (ai - ar * rat) * scl};
  }
  const F rat = br / bi, scl = F(1) / (bi + br * rat);
  return {(ar * rat + ai) * scl, (ai * rat - ar) * scl};
}

// NumPy's nc_pow: exact special cases for a zero base or exponent; for integral exponents
// with |n| < 100 repeated multiplication (complex_mul; 1 / a^|n| by complex_div for n < 0),
// so overflowing intermediates give NaN as in NumPy; the C library's cpow otherwise.
template <class F>
std::complex<F> complex_pow(std::complex<F> a, std::complex<F> b) {
  using Z = std::complex<F>;
  const F br = b.real(), bi = b.imag();
  if (br == 0 && bi == 0) return Z(1, 0);
  if (a.real() == 0 && a.imag() == 0) {
    if (br > 0 && bi == 0) return Z(0, 0);
    return Z(std::numeric_limits<F>::quiet_NaN(), std::numeric_limits<F>::quiet_NaN());
  }
  if (bi == 0 && br > -100 && br < 100 && br == std::trunc(br)) {
    const long n = static_cast<long>(br);
    if (n == 1) return a;
    if (n == 2) return complex_mul(a, a);
    if (n == 3) return complex_mul(a, complex_mul(a, a));
    const long m = n < 0 ? -n : n;
    Z result(1, 0), power = a;
    for (long mask = 1;; mask <<= 1) {
      if (m & mask) result = complex_mul(result, power);
      if (m < (mask << 1)) break;
      power = complex_mul(power, power);
    }
    return n < 0 ? complex_div(Z(1, 0), result) : result;
  }
  return std::pow(a, b);
}

// NumPy 1.24's nc_log1p: log(hypot(1 + x, y)) + i atan2(y, 1 + x). It keeps no digits of
// tiny z beyond those of 1 + x (np.log1p(np.complex64(1e-7)) is 1.1920929e-07+0j).
template <class F>
std::complex<F> complex_log1p(std::complex<F> z) {
  const F x_plus_1 = z.real() + F(1), y = z.imag();
  return {std::log(std::hypot(x_plus_1, y)), std::atan2(y, x_plus_1)};
}

template <class F>
Value complex_op(Op op, DType t, std::span<const Value> args) {
  using Z = std::complex<F>;
  const Z a = args[0].get<Z>();
  const Z b = args.size() > 1 ? args[1].get<Z>() : Z{};
  if (const auto r = std_function(op, a)) return Value::of(*r);
  switch (op) {
    case Op::NEG: return Value::of(-a);
    case Op::ABS: return Value::of(std::abs(a));
    case Op::SQUARE: return Value::of(complex_mul(a, a));
    case Op::EXPM1: {
      const F half_sin = std::sin(a.imag() / 2);
      return Value::of(Z(std::expm1(a.real()) * std::cos(a.imag()) - 2 * half_sin * half_sin,
                         std::exp(a.real()) * std::sin(a.imag())));
    }
    case Op::LOG1P: return Value::of(complex_log1p(a));
    case Op::LOG10: return Value::of(std::log(a) * F(0.434294481903251827651128918916605082L));
    case Op::LOG2: return Value::of(std::log(a) * F(1.442695040888963407359924681001892137L));
    case Op::SIGN: return Value::of(complex_sign(a));
    case Op::ISNAN: return Value::of(std::isnan(a.real()) || std::isnan(a.imag()));
    case Op::ISFINITE: return Value::of(std::isfinite(a.real()) && std::isfinite(a.imag()));
    case Op::ISINF: return Value::of(std::isinf(a.real()) || std::isinf(a.imag()));
    case Op::REAL: return Value::of(a.real());
    case Op::IMAG: return Value::of(a.imag());
    case Op::CONJ: return Value::of(std::conj(a));
    case Op::ADD: return Value::of(a + b);
    case Op::SUB: return Value::of(a - b);
    case Op::MUL: return Value::of(complex_mul(a, b));
    case Op::DIV: return Value::of(complex_div(a, b));
    case Op::POW: return Value::of(complex_pow(a, b));
    case Op::EQ: return Value::of(a == b);
    case Op::NE: return Value::of(a != b);
    default: unsupported(op, t);
  }
}

// The comparison a fused select makes (SELECT_LT -> LT, ...).
Op select_compare(Op select) {
  switch (select) {
    case Op::SELECT_LT: return Op::LT;
    case Op::SELECT_LE: return Op::LE;
    case Op::SELECT_GE: return Op::GE;
    default: return Op::GT;
  }
}

}  // namespace

Value apply_op(Op op, DType operand_dtype, std::span<const Value> args) {
  const OpInfo& info = op_info(op);
  if (info.form != OpForm::Elementwise || !op_accepts(op, operand_dtype))
    unsupported(op, operand_dtype);
  if (static_cast<int>(args.size()) != info.arity)
    throw Error(ErrorKind::Internal, "scalar op " + std::string(info.spelling) + " takes " +
                                         std::to_string(info.arity) + " arguments, got " +
                                         std::to_string(args.size()));
  for (std::size_t i = 0; i < args.size(); ++i) {
    const DType expected = (op == Op::WHERE && i == 0) ? DType::Bool : operand_dtype;
    if (args[i].dtype != expected)
      throw Error(ErrorKind::Internal,
                  "scalar op " + std::string(info.spelling) + ": argument " + std::to_string(i) +
                      " is " + std::string(dtype_name(args[i].dtype)) + ", expected " +
                      std::string(dtype_name(expected)));
  }
  switch (op) {
    case Op::COPY: return args[0];
    case Op::ONES_LIKE: return cast_value(Value::of(true), operand_dtype);
    case Op::WHERE: return args[0].get<bool>() ? args[1] : args[2];
    case Op::SELECT_LT: case Op::SELECT_LE: case Op::SELECT_GE: case Op::SELECT_GT:
      return apply_op(select_compare(op), operand_dtype, args.first(2)).get<bool>() ? args[0] : args[2];
    default: break;
  }
  return with_dtype(operand_dtype, [&](auto tag) -> Value {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) return bool_op(op, args);
    else if constexpr (std::is_same_v<T, float16>) unsupported(op, operand_dtype);  // storage only
    else if constexpr (numpy::kIsInteger<T>) return int_op<T>(op, operand_dtype, args);
    else if constexpr (std::is_floating_point_v<T>) return float_op<T>(op, operand_dtype, args);
    else return complex_op<typename T::value_type>(op, operand_dtype, args);
  });
}

}  // namespace exprvm
