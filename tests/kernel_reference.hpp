// Scalar references for tests/test_kernels.cpp: input generation (edge and random values),
// the NumPy semantics of every opcode written with <cmath>/<complex>, and tolerant comparison.
#pragma once
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/dtype.hpp"
#include "compiler/opcodes.hpp"
#include "vm/kernel.hpp"

namespace exprvm::kernel_test {

// One value of any native dtype (bool and ints exactly: a long double has 64 mantissa bits).
struct Val {
  long double re = 0, im = 0;
};

// The three operand buffers of an elementwise test (a is bool bytes for WHERE).
struct Inputs {
  std::vector<unsigned char> a, b, c;
};

struct Tolerance {
  enum Kind { Exact, Ulp, Relative } kind = Exact;
  double amount = 0;
};

// ---- reading and writing values of a dtype

// Calls f(E{}) with E the element type of dtype t (bool is a 0/1 byte).
template <class F> decltype(auto) with_type(DType t, F f) {
  switch (t) {
    case DType::Bool: return f(bool{});
    case DType::Int8: return f(std::int8_t{});
    case DType::Int16: return f(std::int16_t{});
    case DType::Int32: return f(std::int32_t{});
    case DType::Int64: return f(std::int64_t{});
    case DType::UInt8: return f(std::uint8_t{});
    case DType::UInt16: return f(std::uint16_t{});
    case DType::UInt32: return f(std::uint32_t{});
    case DType::UInt64: return f(std::uint64_t{});
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Complex64: return f(std::complex<float>{});
    default: return f(std::complex<double>{});
  }
}
template <class E> struct IsCx : std::false_type {};
template <class T> struct IsCx<std::complex<T>> : std::true_type {};

inline Val read_value(DType t, const void* p, std::size_t i) {
  return with_type(t, [&](auto zero) {
    using E = decltype(zero);
    E x;
    std::memcpy(&x, static_cast<const unsigned char*>(p) + i * sizeof(E), sizeof(E));
    if constexpr (IsCx<E>::value) return Val{x.real(), x.imag()};
    else return Val{static_cast<long double>(x), 0};
  });
}
inline void write_value(DType t, void* p, std::size_t i, Val v) {
  with_type(t, [&](auto zero) {
    using E = decltype(zero);
    E x;
    if constexpr (IsCx<E>::value) x = E(typename E::value_type(v.re), typename E::value_type(v.im));
    else x = static_cast<E>(v.re);
    std::memcpy(static_cast<unsigned char*>(p) + i * sizeof(E), &x, sizeof(E));
  });
}
inline std::string describe(Val v) {
  std::ostringstream s;
  s.precision(21);
  s << v.re;
  if (v.im != 0 || std::isnan(v.im)) s << (std::signbit(v.im) ? "" : "+") << v.im << "j";
  return s.str();
}

// ---- inputs

template <class T> std::vector<T> float_edges() {
  using L = std::numeric_limits<T>;
  return {L::quiet_NaN(), L::infinity(), -L::infinity(), T(0), -T(0), L::denorm_min(), -L::denorm_min(),
          L::min(), L::max(), -L::max(), T(1), T(-1), T(0.5), T(-0.5), T(1.5), T(2.5), T(-2.5), T(3.5),
          T(1) + L::epsilon(), T(1) - L::epsilon() / 2, T(1e-10), T(-1e-10), T(0.1), T(100), T(-100),
          T(1e5), T(1e10), T(1e22), T(-1e22), T(88.5), T(700), T(-745), T(0.99999), T(-0.99999), T(3), T(-7)};
}
template <class T> std::vector<T> int_edges() {
  using L = std::numeric_limits<T>;
  return {T(0), T(1), T(-1), T(2), T(-2), T(3), T(-3), T(7), T(-7), L::min(), L::max(), T(L::min() + 1),
          T(L::max() - 1), T(31), T(32), T(63), T(64), T(100), T(-100)};
}

// Operations whose complex results are only compared on finite inputs: the ones computed
// with xsimd's complex formulas (see test_kernels.cpp).
inline bool finite_complex_only(Op op) {
  switch (op) {
    case Op::EXP: case Op::EXPM1: case Op::SIN: case Op::COS: case Op::SINH: case Op::COSH:
    case Op::MUL: case Op::SQUARE: case Op::POW:
      return true;
    default:
      return false;
  }
}

inline bool is_fused_select(Op op) {
  return op == Op::SELECT_LT || op == Op::SELECT_LE || op == Op::SELECT_GE || op == Op::SELECT_GT;
}

// How values of element type E are held in a vector (bool as bytes: std::vector<bool> packs).
template <class E> using Held = std::conditional_t<std::is_same_v<E, bool>, std::uint8_t, E>;

// Fills one operand: edge values first (rotated by `shift` so operands pair differently), then
// random values; `role` 1 is the second operand (exponents and shift counts are kept small:
// -3..70 for signed, 0..73 for unsigned integers).
template <class E>
std::vector<Held<E>> operand_values(Op op, std::size_t n, int role, std::mt19937_64& rng) {
  std::vector<Held<E>> v(n);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  if constexpr (std::is_same_v<E, bool>) {
    for (std::size_t i = 0; i < n; ++i) v[i] = std::uint8_t(rng() & 1);
    if (n >= 4) v[0] = 0, v[1] = 1, v[2] = role & 1, v[3] = 1 - (role & 1);  // bools are 0 or 1
  } else if constexpr (std::is_integral_v<E>) {
    const bool small = role == 1 && (op == Op::POW || op == Op::LSHIFT || op == Op::RSHIFT);
    const auto edges = int_edges<E>();
    for (std::size_t i = 0; i < n; ++i) {
      E x;
      if (i < 3 * edges.size()) x = edges[(i + role * (i / edges.size() + 1)) % edges.size()];
      else if (i % 2) x = E(rng());
      else x = E(std::int64_t(rng() % 2001) - 1000);
      v[i] = small ? E(std::int64_t(std::uint64_t(x) % 74) - (std::is_signed_v<E> ? 3 : 0)) : x;
    }
  } else if constexpr (std::is_floating_point_v<E>) {
    const auto edges = float_edges<E>();
    for (std::size_t i = 0; i < n; ++i) {
      if (i < 3 * edges.size()) v[i] = edges[(i + role * (i / edges.size() + 1)) % edges.size()];
      else if (i % 3 == 0) v[i] = E(10 * unit(rng));
      else if (i % 3 == 1) v[i] = E(unit(rng) * std::pow(10.0, 30 * unit(rng)));
      else v[i] = E(1 + 0.01 * unit(rng));
    }
  } else {
    using T = typename E::value_type;
    const auto edges = float_edges<T>();
    const bool finite = finite_complex_only(op);
    for (std::size_t i = 0; i < n; ++i) {
      const bool edge = !finite && i < 2 * edges.size() * edges.size() / 16;
      if (edge) v[i] = E(edges[(7 * i + role) % edges.size()], edges[(i / 3 + 2 * role) % edges.size()]);
      else if (op == Op::POW && role == 1 && i % 4 == 0) v[i] = E(T(std::int64_t(rng() % 11) - 5), T(0));
      else if (op == Op::POW && role == 0 && i % 50 == 0) v[i] = E(T(0), T(0));
      else if (i % 10 == 0) v[i] = E(T(3 * unit(rng)), T(0));  // the real axis (branch cuts)
      else v[i] = E(T(3 * unit(rng)), T(3 * unit(rng)));
    }
  }
  return v;
}

template <class E> std::vector<unsigned char> as_bytes(const std::vector<E>& v) {
  std::vector<unsigned char> bytes(v.size() * sizeof(E));
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return bytes;
}

inline Inputs make_inputs(Op op, DType t, std::size_t n, std::mt19937_64& rng) {
  return with_type(t, [&](auto zero) {
    using E = decltype(zero);
    Inputs in;
    in.a = op == Op::WHERE ? as_bytes(operand_values<bool>(op, n, 0, rng)) : as_bytes(operand_values<E>(op, n, 0, rng));
    in.b = as_bytes(operand_values<E>(op, n, 1, rng));
    if (is_fused_select(op))  // ties, where <= and < differ
      for (std::size_t i = 5; i < n; i += 9) std::memcpy(&in.b[i * sizeof(E)], &in.a[i * sizeof(E)], sizeof(E));
    in.c = as_bytes(operand_values<E>(op, n, 2, rng));
    return in;
  });
}

}  // namespace exprvm::kernel_test

#include "tests/kernel_reference_ops.hpp"
