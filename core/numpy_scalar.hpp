// NumPy's (1.24) scalar algorithms, ONCE, as templates over the C++ element type: what one
// element of an integer or real op means. Constant folding (compiler/scalar_ops*.cpp), the
// kernels' scalar lanes (vm/kernels/*.hpp) and the generic kernels (vm/kernel_table_generic.cpp)
// all call these, so a dtype's semantics cannot drift between folding and running. No function
// has undefined behaviour: integer arithmetic wraps, division by zero gives 0, shifts by a
// negative or too large count are defined, float -> int conversion is total.
//
// Everything is in an unnamed namespace on purpose: vm/kernel_table_isa.cpp is compiled once
// per instruction set, and internal linkage keeps the linker from picking, say, the AVX-512
// copy of an inline function for the SSE2 table.
#pragma once
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/float16.hpp"

namespace exprvm::numpy {
namespace {

template <class T> inline constexpr bool kIsInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <class T> struct IsComplexType : std::false_type {};
template <class T> struct IsComplexType<std::complex<T>> : std::true_type {};
template <class T> inline constexpr bool kIsComplexType = IsComplexType<T>::value;
// The real type under T (float for complex<float>, T otherwise).
template <class T> struct RealPartOf { using type = T; };
template <class T> struct RealPartOf<std::complex<T>> { using type = T; };
template <class T> using RealPart = typename RealPartOf<T>::type;

// The unsigned type integer arithmetic on T wraps in: at least `unsigned`, so that narrow
// operands are never promoted to (overflowing) int.
template <class T>
using Wrap = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

// a < 0, without a (warned) always-false comparison for unsigned T.
template <class T> inline constexpr bool is_negative(T a) {
  if constexpr (std::is_unsigned_v<T>) return false;
  else return a < T(0);
}

// ---- wrapping integer arithmetic (floats: the plain operators)

template <class T> inline T add(T a, T b) {
  if constexpr (kIsInteger<T>) return T(Wrap<T>(a) + Wrap<T>(b));
  else return a + b;
}
template <class T> inline T sub(T a, T b) {
  if constexpr (kIsInteger<T>) return T(Wrap<T>(a) - Wrap<T>(b));
  else return a - b;
}
template <class T> inline T mul(T a, T b) {
  if constexpr (kIsInteger<T>) return T(Wrap<T>(a) * Wrap<T>(b));
  else return a * b;
}
// -a; unsigned wraps (-uint8(3) == 253), signed MIN stays MIN.
template <class T> inline T neg(T a) {
  if constexpr (kIsInteger<T>) return T(Wrap<T>(0) - Wrap<T>(a));
  else return -a;
}
// |a|: the identity on unsigned, wraps at MIN for signed.
template <class T> inline T abs(T a) {
  if constexpr (std::is_unsigned_v<T>) return a;
  else if constexpr (kIsInteger<T>) return a < 0 ? neg(a) : a;
  else return std::fabs(a);
}
// -1, 0 or 1 (unsigned: 0 or 1; floats: NaN stays NaN, both zeros give 0).
template <class T> inline T sign(T a) {
  if constexpr (kIsInteger<T>) return T((a > T(0)) - is_negative(a));
  else return a > T(0) ? T(1) : a < T(0) ? T(-1) : a == T(0) ? T(0) : a;
}

// ---- integer division family: x // 0, x % 0 and fmod(x, 0) are 0 (NumPy warns and gives 0)

// Python floor division; MIN // -1 wraps to MIN.
template <class T> inline T floordiv(T a, T b) {
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return neg(a);
    T q = T(a / b);
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return T(a / b);
  }
}
// Python modulo: the sign of the divisor.
template <class T> inline T mod(T a, T b) {
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;
    T r = T(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = T(r + b);
    return r;
  } else {
    return T(a % b);
  }
}
// C remainder: the sign of the dividend.
template <class T> inline T int_fmod(T a, T b) {
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;
  }
  return T(a % b);
}
// a ** b by squaring with wrap-around; a negative exponent gives 0 unless |a| == 1.
template <class T> inline T int_pow(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) return a == 1 ? T(1) : a == -1 ? T((b & 1) ? -1 : 1) : T(0);
  }
  Wrap<T> result = 1, base = Wrap<T>(a);
  for (auto e = std::make_unsigned_t<T>(b); e != 0; e >>= 1) {
    if (e & 1u) result *= base;
    base *= base;
  }
  return T(result);
}
// a << b: 0 when b < 0 or b >= bits.
template <class T> inline T lshift(T a, T b) {
  constexpr int bits = 8 * sizeof(T);
  if (is_negative(b) || b >= T(bits)) return T(0);
  return T(Wrap<T>(a) << b);
}
// a >> b: arithmetic (sign fill) for signed T, logical for unsigned; a count < 0 or >= bits
// shifts everything out (-1 or 0 for signed, 0 for unsigned).
template <class T> inline T rshift(T a, T b) {
  constexpr int bits = 8 * sizeof(T);
  if (is_negative(b) || b >= T(bits)) return T(is_negative(a) ? -1 : 0);
  return T(a >> b);
}

// ---- floats: floor division and modulo from one fmod (NumPy's npy_divmod)

template <class T> inline void float_divmod(T a, T b, T& floordiv_out, T& mod_out) {
  T m = std::fmod(a, b);
  if (b == 0) {
    floordiv_out = a / b;
    mod_out = m;
    return;
  }
  T div = (a - m) / b;
  if (m != 0) {
    if ((b < 0) != (m < 0)) {
      m += b;
      div -= T(1);
    }
  } else {
    m = std::copysign(T(0), b);
  }
  if (div != 0) {
    floordiv_out = std::floor(div);
    if (div - floordiv_out > T(0.5)) floordiv_out += T(1);
  } else {
    floordiv_out = std::copysign(T(0), a / b);
  }
  mod_out = m;
}

// ---- maximum / minimum: the second operand wins ties (NumPy 1.24: maximum(-0.0, 0.0) is
// 0.0, maximum(0.0, -0.0) is -0.0; so do the SIMD kernels); NaN in either operand propagates

template <class T> inline T maximum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a > b || std::isnan(a)) ? a : b;
  else return a > b ? a : b;
}
template <class T> inline T minimum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a < b || std::isnan(a)) ? a : b;
  else return a < b ? a : b;
}
template <class T> inline T clip(T x, T lo, T hi) { return minimum(maximum(x, lo), hi); }

// ---- conversion: NumPy's unsafe cast between element types (bool, integers, floats, complex)

// Float -> integer To, total: truncation toward zero. To of 32 or 64 bits signed: NaN and
// values outside To's range give To's minimum (x86's "integer indefinite", hence NumPy on
// x86). Narrower and unsigned To: truncated through int64 (same rule) and wrapped, except
// that uint64 takes [2**63, 2**64) exactly.
template <class To, class F> inline To float_to_int(F x) {
  if constexpr (std::is_signed_v<To> && sizeof(To) >= 4) {
    constexpr F lo = static_cast<F>(std::numeric_limits<To>::min());  // -2^(bits-1), exact
    if (!(x >= lo && x < -lo)) return std::numeric_limits<To>::min();
    return static_cast<To>(x);
  } else {
    if constexpr (std::is_same_v<To, std::uint64_t>) {
      constexpr F two63 = F(9223372036854775808.0);
      if (x >= two63 && x < 2 * two63) return static_cast<To>(x);
    }
    return static_cast<To>(float_to_int<std::int64_t>(x));
  }
}

// x rounded to the nearest float16 (ties to even), as a T: what a float16 result holds while
// the VM computes in float32 (and float64, for conversions that must round once).
template <class T> inline T round_to_float16(T x) {
  if constexpr (std::is_same_v<T, float>) return float16::from_float(x).to_float();
  else return static_cast<T>(float16::from_double(static_cast<double>(x)).to_float());
}

// x converted to To. Bool is `!= 0` (complex: either part); complex -> real takes the real
// part; integer -> integer wraps; to float16 rounds once (from any dtype).
template <class To, class From> inline To cast(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<From, float16>) {
    return cast<To>(x.to_float());
  } else if constexpr (std::is_same_v<To, float16>) {
    if constexpr (std::is_same_v<From, float>) return float16::from_float(x);
    else return float16::from_double(cast<double>(x));
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (kIsComplexType<From>) return x.real() != 0 || x.imag() != 0;
    else return x != From(0);
  } else if constexpr (kIsComplexType<From> && !kIsComplexType<To>) {
    return cast<To>(x.real());
  } else if constexpr (kIsComplexType<To>) {
    using R = typename To::value_type;
    if constexpr (kIsComplexType<From>) return To(static_cast<R>(x.real()), static_cast<R>(x.imag()));
    else return To(cast<R>(x), R(0));
  } else if constexpr (kIsInteger<To> && std::is_floating_point_v<From>) {
    return float_to_int<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace
}  // namespace exprvm::numpy
