// Hand-checked values (from Python / NumPy 1.24 on x86-64) for the tricky corners of the
// scalar semantics in compiler/scalar_ops.hpp: floor division and modulo signs, zero
// divisors, integer overflow, shifts, NaN propagation, rounding, complex sign, casts and
// narrowing stores.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "compiler/scalar_ops.hpp"

namespace exprvm {
namespace {

using I32 = std::numeric_limits<std::int32_t>;
using I64 = std::numeric_limits<std::int64_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Value call(Op op, DType t, std::initializer_list<Value> args) {
  const std::vector<Value> v(args);
  return apply_op(op, t, v);
}
std::int32_t i32(Op op, std::int32_t a, std::int32_t b) { return call(op, DType::Int32, {Value::of(a), Value::of(b)}).get<std::int32_t>(); }
std::int64_t i64(Op op, std::int64_t a, std::int64_t b) { return call(op, DType::Int64, {Value::of(a), Value::of(b)}).get<std::int64_t>(); }
double f64(Op op, double a, double b) { return call(op, DType::Float64, {Value::of(a), Value::of(b)}).get<double>(); }
float f32(Op op, float a, float b) { return call(op, DType::Float32, {Value::of(a), Value::of(b)}).get<float>(); }
double f64(Op op, double a) { return call(op, DType::Float64, {Value::of(a)}).get<double>(); }
float f32(Op op, float a) { return call(op, DType::Float32, {Value::of(a)}).get<float>(); }

// x is exactly `expected`, sign of zero included.
bool is_exactly(double x, double expected) { return x == expected && std::signbit(x) == std::signbit(expected); }

TEST_CASE("integer floor division and modulo follow Python, zero divisor gives 0", "[scalar]") {
  CHECK(i32(Op::FLOORDIV, 7, 2) == 3);
  CHECK(i32(Op::FLOORDIV, -7, 2) == -4);
  CHECK(i32(Op::FLOORDIV, 7, -2) == -4);
  CHECK(i32(Op::FLOORDIV, -7, -2) == 3);
  CHECK(i32(Op::FLOORDIV, -6, 3) == -2);
  CHECK(i32(Op::FLOORDIV, 5, 0) == 0);
  CHECK(i32(Op::FLOORDIV, I32::min(), -1) == I32::min());
  CHECK(i64(Op::FLOORDIV, I64::min(), -1) == I64::min());
  CHECK(i64(Op::FLOORDIV, I64::min(), 2) == I64::min() / 2);
  CHECK(i32(Op::MOD, 7, 3) == 1);
  CHECK(i32(Op::MOD, -7, 3) == 2);
  CHECK(i32(Op::MOD, 7, -3) == -2);
  CHECK(i32(Op::MOD, -7, -3) == -1);
  CHECK(i32(Op::MOD, 5, 0) == 0);
  CHECK(i32(Op::MOD, I32::min(), -1) == 0);
  CHECK(i64(Op::MOD, I64::min(), -1) == 0);
  CHECK(i64(Op::MOD, -1, I64::min()) == -1);
  CHECK(i32(Op::FMOD, -7, 3) == -1);
  CHECK(i32(Op::FMOD, 7, -3) == 1);
  CHECK(i32(Op::FMOD, 7, 0) == 0);
  CHECK(i64(Op::FMOD, I64::min(), -1) == 0);
}

TEST_CASE("float floor division and modulo follow NumPy's divmod", "[scalar]") {
  CHECK(f64(Op::FLOORDIV, 7.0, 2.0) == 3.0);
  CHECK(f64(Op::FLOORDIV, -7.0, 2.0) == -4.0);
  CHECK(f64(Op::FLOORDIV, 7.0, -2.0) == -4.0);
  CHECK(f64(Op::FLOORDIV, 1.0, 0.1) == 9.0);  // Python: 1.0 // 0.1 == 9.0
  CHECK(is_exactly(f64(Op::FLOORDIV, -0.0, 5.0), -0.0));
  CHECK(is_exactly(f64(Op::FLOORDIV, 0.0, -5.0), -0.0));
  CHECK(is_exactly(f64(Op::FLOORDIV, 0.5, 5.0), 0.0));
  CHECK(f64(Op::FLOORDIV, 1.0, 0.0) == kInf);
  CHECK(f64(Op::FLOORDIV, -1.0, 0.0) == -kInf);
  CHECK(std::isnan(f64(Op::FLOORDIV, 0.0, 0.0)));
  CHECK(std::isnan(f64(Op::FLOORDIV, kInf, 1.0)));
  CHECK(is_exactly(f64(Op::MOD, -7.0, 2.0), 1.0));
  CHECK(is_exactly(f64(Op::MOD, 7.0, -2.0), -1.0));
  CHECK(is_exactly(f64(Op::MOD, 6.0, -3.0), -0.0));
  CHECK(is_exactly(f64(Op::MOD, -6.0, 3.0), 0.0));
  CHECK(f64(Op::MOD, 1.0, 0.1) == 0.09999999999999995);  // Python: 1.0 % 0.1
  CHECK(std::isnan(f64(Op::MOD, 1.0, 0.0)));
  CHECK(f64(Op::MOD, 1.0, kInf) == 1.0);
  CHECK(f64(Op::MOD, -1.0, kInf) == kInf);
  CHECK(f32(Op::FLOORDIV, -7.5f, 2.0f) == -4.0f);
  CHECK(f32(Op::MOD, -7.5f, 2.0f) == 0.5f);
  CHECK(is_exactly(f64(Op::FMOD, -7.0, 2.0), -1.0));
  CHECK(std::isnan(f64(Op::FMOD, 1.0, 0.0)));
}

TEST_CASE("integer arithmetic wraps around", "[scalar]") {
  CHECK(i32(Op::ADD, I32::max(), 1) == I32::min());
  CHECK(i32(Op::SUB, I32::min(), 1) == I32::max());
  CHECK(i64(Op::MUL, I64::max(), 2) == -2);
  CHECK(call(Op::NEG, DType::Int32, {Value::of(I32::min())}).get<std::int32_t>() == I32::min());
  CHECK(call(Op::ABS, DType::Int64, {Value::of(I64::min())}).get<std::int64_t>() == I64::min());
  CHECK(call(Op::ABS, DType::Int32, {Value::of(std::int32_t{-5})}).get<std::int32_t>() == 5);
  CHECK(call(Op::SQUARE, DType::Int32, {Value::of(std::int32_t{65536})}).get<std::int32_t>() == 0);
  CHECK(call(Op::INVERT, DType::Int32, {Value::of(std::int32_t{0})}).get<std::int32_t>() == -1);
  CHECK(call(Op::SIGN, DType::Int64, {Value::of(std::int64_t{-9})}).get<std::int64_t>() == -1);
}

TEST_CASE("integer power by squaring; negative exponents give 0 unless the base is +-1", "[scalar]") {
  CHECK(i32(Op::POW, 2, 10) == 1024);
  CHECK(i32(Op::POW, -2, 3) == -8);
  CHECK(i32(Op::POW, 0, 0) == 1);
  CHECK(i32(Op::POW, 3, -1) == 0);
  CHECK(i32(Op::POW, 1, -5) == 1);
  CHECK(i32(Op::POW, -1, -3) == -1);
  CHECK(i32(Op::POW, -1, -4) == 1);
  CHECK(i32(Op::POW, 2, 31) == I32::min());
  CHECK(i64(Op::POW, 2, 64) == 0);
  CHECK(i64(Op::POW, 3, 40) == -6289078614652622815);  // 3**40 - 2**64
}

TEST_CASE("shifts: out-of-range counts give 0 or the sign fill", "[scalar]") {
  CHECK(i32(Op::LSHIFT, 1, 31) == I32::min());
  CHECK(i32(Op::LSHIFT, 1, 32) == 0);
  CHECK(i32(Op::LSHIFT, 1, -1) == 0);
  CHECK(i32(Op::LSHIFT, -1, 4) == -16);
  CHECK(i64(Op::LSHIFT, 1, 63) == I64::min());
  CHECK(i64(Op::LSHIFT, 1, 64) == 0);
  CHECK(i32(Op::RSHIFT, -8, 1) == -4);
  CHECK(i32(Op::RSHIFT, -8, 40) == -1);
  CHECK(i32(Op::RSHIFT, 8, 40) == 0);
  CHECK(i32(Op::RSHIFT, -8, -1) == -1);
  CHECK(i64(Op::RSHIFT, I64::min(), 63) == -1);
}

TEST_CASE("NaN propagates through maximum, minimum, clip and min/max reductions", "[scalar]") {
  CHECK(std::isnan(f64(Op::MAXIMUM, kNaN, 1.0)));
  CHECK(std::isnan(f64(Op::MAXIMUM, 1.0, kNaN)));
  CHECK(std::isnan(f32(Op::MINIMUM, 1.0f, NAN)));
  CHECK(f64(Op::MAXIMUM, -kInf, 3.0) == 3.0);
  CHECK(std::isnan(call(Op::CLIP, DType::Float64, {Value::of(kNaN), Value::of(0.0), Value::of(1.0)}).get<double>()));
  CHECK(std::isnan(call(Op::CLIP, DType::Float64, {Value::of(5.0), Value::of(0.0), Value::of(kNaN)}).get<double>()));
  CHECK(call(Op::CLIP, DType::Float64, {Value::of(5.0), Value::of(0.0), Value::of(1.0)}).get<double>() == 1.0);
  CHECK(call(Op::CLIP, DType::Int32, {Value::of(std::int32_t{-5}), Value::of(std::int32_t{0}), Value::of(std::int32_t{3})}).get<std::int32_t>() == 0);
  Value acc = reduce_identity_value(Op::MIN, DType::Float32);
  CHECK(acc.get<float>() == std::numeric_limits<float>::infinity());
  for (float x : {3.0f, NAN, -1.0f}) reduce_step(Op::MIN, acc, Value::of(x));
  CHECK(std::isnan(acc.get<float>()));
  Value max_acc = reduce_identity_value(Op::MAX, DType::Int32);
  CHECK(max_acc.get<std::int32_t>() == I32::min());
  for (std::int32_t x : {3, -7, 12}) reduce_step(Op::MAX, max_acc, Value::of(x));
  CHECK(max_acc.get<std::int32_t>() == 12);
}

TEST_CASE("reductions: identities and folds", "[scalar]") {
  Value sum = reduce_identity_value(Op::SUM, DType::Complex64);
  for (auto z : {std::complex<float>(1, 2), std::complex<float>(-3, 0.5f)}) reduce_step(Op::SUM, sum, Value::of(z));
  CHECK(sum.get<std::complex<float>>() == std::complex<float>(-2, 2.5f));
  Value prod = reduce_identity_value(Op::PROD, DType::Int32);
  for (std::int32_t x : {65536, 65536, 3}) reduce_step(Op::PROD, prod, Value::of(x));
  CHECK(prod.get<std::int32_t>() == 0);  // wraps
  Value any = reduce_identity_value(Op::ANY, DType::Bool), all = reduce_identity_value(Op::ALL, DType::Bool);
  CHECK_FALSE(any.get<bool>());
  CHECK(all.get<bool>());
  for (bool x : {false, true}) { reduce_step(Op::ANY, any, Value::of(x)); reduce_step(Op::ALL, all, Value::of(x)); }
  CHECK(any.get<bool>());
  CHECK_FALSE(all.get<bool>());
  CHECK_THROWS_AS(reduce_identity_value(Op::SUM, DType::Bool), Error);
}

TEST_CASE("round is half to even; sign and signbit", "[scalar]") {
  CHECK(is_exactly(f64(Op::ROUND, 0.5), 0.0));
  CHECK(f64(Op::ROUND, 1.5) == 2.0);
  CHECK(f64(Op::ROUND, 2.5) == 2.0);
  CHECK(is_exactly(f64(Op::ROUND, -0.5), -0.0));
  CHECK(f64(Op::ROUND, -1.5) == -2.0);
  CHECK(f32(Op::ROUND, 2.5f) == 2.0f);
  CHECK(f32(Op::ROUND, 3.5f) == 4.0f);
  CHECK(is_exactly(f64(Op::TRUNC, -0.7), -0.0));
  CHECK(std::isnan(f64(Op::SIGN, kNaN)));
  CHECK(is_exactly(f64(Op::SIGN, -0.0), 0.0));
  CHECK(f64(Op::SIGN, -kInf) == -1.0);
  CHECK(f32(Op::SIGN, 1e-40f) == 1.0f);
  CHECK(call(Op::SIGNBIT, DType::Float64, {Value::of(-0.0)}).get<bool>());
  CHECK(call(Op::SIGNBIT, DType::Float64, {Value::of(-kNaN)}).get<bool>());
  CHECK_FALSE(call(Op::SIGNBIT, DType::Float32, {Value::of(0.0f)}).get<bool>());
}

TEST_CASE("complex: sign, abs, classification, pow", "[scalar]") {
  using Z = std::complex<double>;
  auto sign = [](Z z) { return call(Op::SIGN, DType::Complex128, {Value::of(z)}).get<std::complex<double>>(); };
  // NumPy 2's definition, z/|z| (NumPy 1.x gave the sign of the real part, else the imaginary)
  CHECK(sign(Z(0, -2)) == Z(0, -1));
  CHECK(sign(Z(3, -4)) == Z(0.6, -0.8));
  CHECK(sign(Z(-0.0, 0)) == Z(0, 0));
  CHECK(sign(Z(-kInf, 5)) == Z(-1, 0));
  CHECK(sign(Z(1, kInf)) == Z(0, 1));
  CHECK(std::isnan(sign(Z(kInf, kInf)).imag()));
  CHECK(std::isnan(sign(Z(kNaN, 1)).real()));
  CHECK(std::isnan(sign(Z(1, kNaN)).imag()));
  const Value modulus = call(Op::ABS, DType::Complex64, {Value::of(std::complex<float>(3, 4))});
  CHECK(modulus.dtype == DType::Float32);
  CHECK(modulus.get<float>() == 5.0f);
  CHECK(call(Op::ISNAN, DType::Complex128, {Value::of(Z(1, kNaN))}).get<bool>());
  CHECK(call(Op::ISINF, DType::Complex128, {Value::of(Z(kInf, kNaN))}).get<bool>());
  CHECK_FALSE(call(Op::ISFINITE, DType::Complex128, {Value::of(Z(1, kInf))}).get<bool>());
  CHECK(call(Op::ISFINITE, DType::Complex64, {Value::of(std::complex<float>(1, 2))}).get<bool>());
  auto pow = [](Z a, Z b) { return call(Op::POW, DType::Complex128, {Value::of(a), Value::of(b)}).get<std::complex<double>>(); };
  CHECK(pow(Z(0, 1), Z(2, 0)) == Z(-1, 0));
  CHECK(pow(Z(5, 3), Z(0, 0)) == Z(1, 0));
  CHECK(pow(Z(0, 0), Z(2, 0)) == Z(0, 0));
  CHECK(std::isnan(pow(Z(0, 0), Z(-1, 0)).real()));
  CHECK(pow(Z(2, 0), Z(-2, 0)) == Z(0.25, 0));
  const Value made = call(Op::COMPLEX, DType::Float32, {Value::of(1.5f), Value::of(-2.0f)});
  CHECK(made.dtype == DType::Complex64);
  CHECK(made.get<std::complex<float>>() == std::complex<float>(1.5f, -2.0f));
}

TEST_CASE("bool ops are logical", "[scalar]") {
  const Value t = Value::of(true), f = Value::of(false);
  CHECK(call(Op::ADD, DType::Bool, {t, t}).get<bool>());
  CHECK_FALSE(call(Op::MUL, DType::Bool, {t, f}).get<bool>());
  CHECK_FALSE(call(Op::INVERT, DType::Bool, {t}).get<bool>());
  CHECK(call(Op::XOR, DType::Bool, {t, f}).get<bool>());
  CHECK(call(Op::GT, DType::Bool, {t, f}).get<bool>());
  CHECK(call(Op::MAXIMUM, DType::Bool, {f, t}).get<bool>());
  CHECK(call(Op::WHERE, DType::Int32, {f, Value::of(std::int32_t{1}), Value::of(std::int32_t{2})}).get<std::int32_t>() == 2);
}

TEST_CASE("casts are NumPy's unsafe casts", "[scalar]") {
  CHECK(cast_value(Value::of(3.9), DType::Int32).get<std::int32_t>() == 3);
  CHECK(cast_value(Value::of(-3.9f), DType::Int64).get<std::int64_t>() == -3);
  CHECK(cast_value(Value::of(kNaN), DType::Int32).get<std::int32_t>() == I32::min());
  CHECK(cast_value(Value::of(1e10), DType::Int32).get<std::int32_t>() == I32::min());
  CHECK(cast_value(Value::of(-kInf), DType::Int64).get<std::int64_t>() == I64::min());
  CHECK(cast_value(Value::of((std::int64_t{1} << 32) + 5), DType::Int32).get<std::int32_t>() == 5);
  CHECK(cast_value(Value::of(kNaN), DType::Bool).get<bool>());
  CHECK_FALSE(cast_value(Value::of(-0.0), DType::Bool).get<bool>());
  CHECK(cast_value(Value::of(std::complex<double>(0, 1)), DType::Bool).get<bool>());
  CHECK(cast_value(Value::of(std::complex<double>(2.5, 1)), DType::Float64).get<double>() == 2.5);
  CHECK(cast_value(Value::of(std::complex<float>(-2.5f, 1)), DType::Int32).get<std::int32_t>() == -2);
  CHECK(cast_value(Value::of(true), DType::Float32).get<float>() == 1.0f);
  CHECK(cast_value(Value::of(std::int64_t{16777217}), DType::Float32).get<float>() == 16777216.0f);
  CHECK(cast_value(Value::of(1e300), DType::Float32).get<float>() == std::numeric_limits<float>::infinity());
  CHECK(cast_value(Value::of(std::int32_t{-3}), DType::Complex64).get<std::complex<float>>() == std::complex<float>(-3, 0));
}

TEST_CASE("narrow and unsigned integers load as themselves; narrowing stores wrap", "[scalar]") {
  std::uint8_t u8 = 255;
  CHECK(load_value(&u8, DType::UInt8).dtype == DType::UInt8);
  CHECK(load_value(&u8, DType::UInt8).get<std::uint8_t>() == 255);
  std::uint32_t u32 = 0xFFFFFFFFu;
  CHECK(load_value(&u32, DType::UInt32).get<std::uint32_t>() == 4294967295u);
  std::int8_t i8 = -128;
  CHECK(load_value(&i8, DType::Int8).get<std::int8_t>() == -128);

  store_value(Value::of(std::int32_t{300}), &u8, DType::UInt8);
  CHECK(u8 == 44);
  store_value(Value::of(std::int64_t{-1}), &u8, DType::UInt8);
  CHECK(u8 == 255);
  std::int16_t i16 = 0;
  store_value(Value::of(std::int32_t{70000}), &i16, DType::Int16);
  CHECK(i16 == 4464);
  store_value(Value::of(-1.0), &u32, DType::UInt32);
  CHECK(u32 == 0xFFFFFFFFu);
  store_value(Value::of(3.7), &i8, DType::Int8);
  CHECK(i8 == 3);
  std::uint16_t u16 = 0;
  store_value(Value::of(std::complex<double>(65537.5, 9)), &u16, DType::UInt16);
  CHECK(u16 == 1);
  bool flag = false;
  store_value(Value::of(std::int32_t{2}), &flag, DType::Bool);
  CHECK(flag);
  float f = 0;
  store_value(Value::of(0.1), &f, DType::Float32);
  CHECK(f == 0.1f);
}

TEST_CASE("fused selects are where(a CMP b, a, c), NaN comparing false", "[scalar]") {
  const auto select = [](Op op, double a, double b, double c) {
    return call(op, DType::Float64, {Value::of(a), Value::of(b), Value::of(c)}).get<double>();
  };
  CHECK(select(Op::SELECT_GT, 2.0, 0.0, -1.0) == 2.0);
  CHECK(select(Op::SELECT_GT, -2.0, 0.0, -1.0) == -1.0);
  CHECK(is_exactly(select(Op::SELECT_GT, -0.0, 0.0, 5.0), 5.0));  // -0 > +0 is false
  CHECK(is_exactly(select(Op::SELECT_GE, -0.0, 0.0, 5.0), -0.0));  // the a kept is -0
  CHECK(is_exactly(select(Op::SELECT_LE, -0.0, 0.0, 5.0), -0.0));
  CHECK(is_exactly(select(Op::SELECT_LT, 0.0, -0.0, 5.0), 5.0));
  CHECK(select(Op::SELECT_LT, -kInf, kInf, 0.0) == -kInf);
  CHECK(select(Op::SELECT_GE, kInf, kInf, 0.0) == kInf);
  CHECK(std::isnan(select(Op::SELECT_LT, 3.0, 2.0, kNaN)));
  for (Op op : {Op::SELECT_LT, Op::SELECT_LE, Op::SELECT_GE, Op::SELECT_GT}) {
    CHECK(select(op, kNaN, 0.0, 7.0) == 7.0);
    CHECK(select(op, 0.0, kNaN, 7.0) == 7.0);
  }
  CHECK(call(Op::SELECT_GT, DType::Float32, {Value::of(1.5f), Value::of(1.0f), Value::of(0.0f)}).get<float>() == 1.5f);
  const auto i32s = [](Op op, std::int32_t a, std::int32_t b, std::int32_t c) {
    return call(op, DType::Int32, {Value::of(a), Value::of(b), Value::of(c)}).get<std::int32_t>();
  };
  CHECK(i32s(Op::SELECT_LE, 3, 3, 9) == 3);
  CHECK(i32s(Op::SELECT_LT, 3, 3, 9) == 9);
  CHECK(i32s(Op::SELECT_GT, I32::min(), I32::max(), 1) == 1);
  CHECK(call(Op::SELECT_GE, DType::Int64, {Value::of(I64::min()), Value::of(I64::min()), Value::of(std::int64_t{0})}).get<std::int64_t>() ==
        I64::min());
  CHECK_THROWS_AS(call(Op::SELECT_GT, DType::Bool, {Value::of(true), Value::of(false), Value::of(false)}), Error);
}

TEST_CASE("ops the table forbids are internal errors", "[scalar]") {
  const Value z = Value::of(std::complex<double>(1, 1));
  CHECK_THROWS_AS(call(Op::FLOORDIV, DType::Complex128, {z, z}), Error);
  CHECK_THROWS_AS(call(Op::SUB, DType::Bool, {Value::of(true), Value::of(true)}), Error);
  CHECK_THROWS_AS(call(Op::SQRT, DType::Int32, {Value::of(std::int32_t{4})}), Error);
  CHECK_THROWS_AS(call(Op::ADD, DType::Float64, {Value::of(1.0)}), Error);                     // arity
  CHECK_THROWS_AS(call(Op::ADD, DType::Float64, {Value::of(1.0), Value::of(1.0f)}), Error);    // dtype
  try {
    call(Op::LSHIFT, DType::Float32, {Value::of(1.0f), Value::of(1.0f)});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Internal);
  }
}

TEST_CASE("narrow and unsigned integers follow NumPy's scalar rules", "[scalar]") {
  auto u8 = [](Op op, int a, int b) {
    return call(op, DType::UInt8, {Value::of(std::uint8_t(a)), Value::of(std::uint8_t(b))}).get<std::uint8_t>();
  };
  auto i8 = [](Op op, int a, int b) {
    return call(op, DType::Int8, {Value::of(std::int8_t(a)), Value::of(std::int8_t(b))}).get<std::int8_t>();
  };
  CHECK(u8(Op::ADD, 200, 100) == 44);
  CHECK(u8(Op::SUB, 1, 2) == 255);
  CHECK(u8(Op::MUL, 16, 17) == 16);
  CHECK(u8(Op::FLOORDIV, 7, 0) == 0);
  CHECK(u8(Op::MOD, 7, 0) == 0);
  CHECK(u8(Op::FLOORDIV, 255, 2) == 127);
  CHECK(u8(Op::RSHIFT, 200, 3) == 25);  // logical
  CHECK(u8(Op::RSHIFT, 200, 8) == 0);
  CHECK(u8(Op::LSHIFT, 1, 9) == 0);
  CHECK(u8(Op::POW, 3, 5) == 243);
  CHECK(u8(Op::POW, 2, 8) == 0);
  CHECK(call(Op::NEG, DType::UInt8, {Value::of(std::uint8_t(3))}).get<std::uint8_t>() == 253);
  CHECK(call(Op::ABS, DType::UInt16, {Value::of(std::uint16_t(65535))}).get<std::uint16_t>() == 65535);
  CHECK(call(Op::SIGN, DType::UInt32, {Value::of(std::uint32_t(7))}).get<std::uint32_t>() == 1);
  CHECK(call(Op::MUL, DType::UInt16, {Value::of(std::uint16_t(65535)), Value::of(std::uint16_t(65535))})
            .get<std::uint16_t>() == 1);  // computed without int overflow
  CHECK(i8(Op::FLOORDIV, -7, 2) == -4);
  CHECK(i8(Op::MOD, -7, 2) == 1);
  CHECK(i8(Op::FLOORDIV, -128, -1) == -128);
  CHECK(i8(Op::RSHIFT, -3, 10) == -1);
  CHECK(i8(Op::ADD, 127, 1) == -128);
  const std::uint64_t big = std::uint64_t{1} << 63;
  CHECK(call(Op::FLOORDIV, DType::UInt64, {Value::of(big + 6), Value::of(std::uint64_t{2})}).get<std::uint64_t>() ==
        (big + 6) / 2);
  CHECK(call(Op::GT, DType::UInt64, {Value::of(big), Value::of(std::uint64_t{1})}).get<bool>());
}

TEST_CASE("casts to and from the new integer dtypes", "[scalar]") {
  CHECK(cast_value(Value::of(300.7), DType::UInt8).get<std::uint8_t>() == 44);
  CHECK(cast_value(Value::of(-1.5), DType::UInt32).get<std::uint32_t>() == 0xFFFFFFFFu);
  CHECK(cast_value(Value::of(1.8446744073709550e19), DType::UInt64).get<std::uint64_t>() == 18446744073709549568ull);
  CHECK(cast_value(Value::of(std::uint64_t{1} << 63), DType::Float64).get<double>() == 9223372036854775808.0);
  CHECK(cast_value(Value::of(std::int8_t{-1}), DType::UInt64).get<std::uint64_t>() == ~std::uint64_t{0});
  CHECK(cast_value(Value::of(std::uint16_t{65535}), DType::Int16).get<std::int16_t>() == -1);
  CHECK(cast_value(Value::of(std::numeric_limits<double>::quiet_NaN()), DType::Int8).get<std::int8_t>() == 0);
}

}  // namespace
}  // namespace exprvm
