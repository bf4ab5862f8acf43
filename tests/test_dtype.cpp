// dtype facts checked against NumPy 1.24 (the tables below were printed by numpy itself:
// np.can_cast, np.promote_types, and array-plus-Python-scalar result dtypes).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "core/dtype.hpp"

using namespace exprvm;

namespace {

// np.can_cast(from, to, casting='safe'): row = from, column = to, in DType order.
constexpr const char* kNumpySafe[kDTypeCount] = {
    "11111111111111",  // bool
    "01111000011111",  // int8
    "00111000011110",  // int16
    "00011000001010",  // int32
    "00001000001010",  // int64
    "00111111111111",  // uint8
    "00011011111110",  // uint16
    "00001001101010",  // uint32
    "00000000101010",  // uint64
    "00000000011110",  // float32
    "00000000001010",  // float64
    "00000000000110",  // complex64
    "00000000000010",  // complex128
    "00000000011111",  // float16
};
// np.can_cast(from, to, casting='same_kind'): row = from, column = to, in DType order.
constexpr const char* kNumpySameKind[kDTypeCount] = {
    "11111111111111",  // bool
    "01111000011111",  // int8
    "01111000011111",  // int16
    "01111000011111",  // int32
    "01111000011111",  // int64
    "01111111111111",  // uint8
    "01111111111111",  // uint16
    "01111111111111",  // uint32
    "01111111111111",  // uint64
    "00000000011111",  // float32
    "00000000011111",  // float64
    "00000000000110",  // complex64
    "00000000000110",  // complex128
    "00000000011111",  // float16
};
// np.promote_types over the native dtypes, in DType order (float16: kNumpyPromoteFloat16).
#define P(T) DType::T
constexpr DType kNumpyPromote[kNativeDTypeCount][kNativeDTypeCount] = {
    {P(Bool), P(Int8), P(Int16), P(Int32), P(Int64), P(UInt8), P(UInt16), P(UInt32), P(UInt64), P(Float32), P(Float64), P(Complex64), P(Complex128)},  // bool
    {P(Int8), P(Int8), P(Int16), P(Int32), P(Int64), P(Int16), P(Int32), P(Int64), P(Float64), P(Float32), P(Float64), P(Complex64), P(Complex128)},  // int8
    {P(Int16), P(Int16), P(Int16), P(Int32), P(Int64), P(Int16), P(Int32), P(Int64), P(Float64), P(Float32), P(Float64), P(Complex64), P(Complex128)},  // int16
    {P(Int32), P(Int32), P(Int32), P(Int32), P(Int64), P(Int32), P(Int32), P(Int64), P(Float64), P(Float64), P(Float64), P(Complex128), P(Complex128)},  // int32
    {P(Int64), P(Int64), P(Int64), P(Int64), P(Int64), P(Int64), P(Int64), P(Int64), P(Float64), P(Float64), P(Float64), P(Complex128), P(Complex128)},  // int64
    {P(UInt8), P(Int16), P(Int16), P(Int32), P(Int64), P(UInt8), P(UInt16), P(UInt32), P(UInt64), P(Float32), P(Float64), P(Complex64), P(Complex128)},  // uint8
    {P(UInt16), P(Int32), P(Int32), P(Int32), P(Int64), P(UInt16), P(UInt16), P(UInt32), P(UInt64), P(Float32), P(Float64), P(Complex64), P(Complex128)},  // uint16
    {P(UInt32), P(Int64), P(Int64), P(Int64), P(Int64), P(UInt32), P(UInt32), P(UInt32), P(UInt64), P(Float64), P(Float64), P(Complex128), P(Complex128)},  // uint32
    {P(UInt64), P(Float64), P(Float64), P(Float64), P(Float64), P(UInt64), P(UInt64), P(UInt64), P(UInt64), P(Float64), P(Float64), P(Complex128), P(Complex128)},  // uint64
    {P(Float32), P(Float32), P(Float32), P(Float64), P(Float64), P(Float32), P(Float32), P(Float64), P(Float64), P(Float32), P(Float64), P(Complex64), P(Complex128)},  // float32
    {P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Float64), P(Complex128), P(Complex128)},  // float64
    {P(Complex64), P(Complex64), P(Complex64), P(Complex128), P(Complex128), P(Complex64), P(Complex64), P(Complex128), P(Complex128), P(Complex64), P(Complex128), P(Complex64), P(Complex128)},  // complex64
    {P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128), P(Complex128)},  // complex128
};
// (np.zeros(3, t) + scalar).dtype for the scalars True, 1, 1.0, 1j under NEP 50
// (np._set_promotion_state("weak") of NumPy 1.24); row = t in DType order.
constexpr DType kNumpyWeak[kNativeDTypeCount][4] = {
    {P(Bool), P(Int64), P(Float64), P(Complex128)},  // bool
    {P(Int8), P(Int8), P(Float64), P(Complex128)},  // int8
    {P(Int16), P(Int16), P(Float64), P(Complex128)},  // int16
    {P(Int32), P(Int32), P(Float64), P(Complex128)},  // int32
    {P(Int64), P(Int64), P(Float64), P(Complex128)},  // int64
    {P(UInt8), P(UInt8), P(Float64), P(Complex128)},  // uint8
    {P(UInt16), P(UInt16), P(Float64), P(Complex128)},  // uint16
    {P(UInt32), P(UInt32), P(Float64), P(Complex128)},  // uint32
    {P(UInt64), P(UInt64), P(Float64), P(Complex128)},  // uint64
    {P(Float32), P(Float32), P(Float32), P(Complex64)},  // float32
    {P(Float64), P(Float64), P(Float64), P(Complex128)},  // float64
    {P(Complex64), P(Complex64), P(Complex64), P(Complex64)},  // complex64
    {P(Complex128), P(Complex128), P(Complex128), P(Complex128)},  // complex128
};
// np.promote_types(float16, t) for every dtype t in DType order, and float16 + True, 1, 1.0, 1j
// under NEP 50.
constexpr DType kNumpyPromoteFloat16[kDTypeCount] = {
    P(Float16), P(Float16), P(Float32), P(Float64), P(Float64), P(Float16), P(Float32), P(Float64), P(Float64),
    P(Float32), P(Float64), P(Complex64), P(Complex128), P(Float16)};
constexpr DType kNumpyWeakFloat16[4] = {P(Float16), P(Float16), P(Float16), P(Complex64)};
#undef P

DType dtype_at(int i) { return static_cast<DType>(i); }

}  // namespace

TEST_CASE("dtype names, sizes and kinds follow NumPy", "[dtype]") {
  const char* names[kDTypeCount] = {"bool",   "int8",   "int16",   "int32",   "int64",     "uint8",      "uint16",
                                    "uint32", "uint64", "float32", "float64", "complex64", "complex128", "float16"};
  const std::size_t sizes[kDTypeCount] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 8, 16, 2};
  // NumPy's type numbers on LP64 (NPY_LONG for int64, NPY_ULONG for uint64)
  const int numbers[kDTypeCount] = {0, 1, 3, 5, 7, 2, 4, 6, 8, 11, 12, 14, 15, 23};
  for (int i = 0; i < kDTypeCount; ++i) {
    CAPTURE(names[i]);
    CHECK(dtype_name(dtype_at(i)) == names[i]);
    CHECK(dtype_from_name(names[i]) == dtype_at(i));
    CHECK(itemsize(dtype_at(i)) == sizes[i]);
    CHECK(numpy_typenum(dtype_at(i)) == numbers[i]);
    CHECK(is_native(dtype_at(i)) == (i < kNativeDTypeCount));
  }
  CHECK(dtype_from_name("float") == DType::Float64);
  CHECK(dtype_from_name("double") == DType::Float64);
  CHECK(dtype_from_name("single") == DType::Float32);
  CHECK(dtype_from_name("int") == DType::Int64);
  CHECK(dtype_from_name("complex") == DType::Complex128);
  CHECK_FALSE(dtype_from_name("").has_value());
  CHECK(kind_of(DType::Bool) == Kind::Bool);
  CHECK(kind_of(DType::UInt16) == Kind::UInt);
  CHECK(kind_of(DType::Int8) == Kind::Int);
  CHECK(kind_of(DType::Float32) == Kind::Float);
  CHECK(kind_of(DType::Complex64) == Kind::Complex);
  CHECK(dtype_of<std::uint16_t>::value == DType::UInt16);
}

TEST_CASE("every integer dtype is native; float16 computes in float32", "[dtype]") {
  for (int i = 0; i < kNativeDTypeCount; ++i) CHECK(native_of(dtype_at(i)) == dtype_at(i));
  for (DType t : {DType::Int8, DType::Int16, DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64})
    CHECK(is_native(t));
  CHECK(kNativeDTypeCount == kDTypeCount - 1);
  CHECK(native_of(DType::Float16) == DType::Float32);
}

TEST_CASE("float16 conversions round to nearest even with NaN, Inf and subnormals", "[dtype]") {
  auto bits = [](float x) { return float16::from_float(x).bits; };
  CHECK(bits(0.0f) == 0x0000);
  CHECK(bits(-0.0f) == 0x8000);
  CHECK(bits(1.0f) == 0x3C00);
  CHECK(bits(65504.0f) == 0x7BFF);
  CHECK(bits(65519.99f) == 0x7BFF);
  CHECK(bits(65520.0f) == 0x7C00);  // the tie above the largest rounds to even: Inf
  CHECK(bits(-1e30f) == 0xFC00);
  CHECK(bits(1.0f + 0x1p-11f) == 0x3C00);        // tie: to even
  CHECK(bits(1.0f + 3 * 0x1p-11f) == 0x3C02);    // tie: to even (up)
  CHECK(bits(0x1p-24f) == 0x0001);               // smallest subnormal
  CHECK(bits(0x1p-25f) == 0x0000);               // tie: to even (zero)
  CHECK(bits(0x1.8p-25f) == 0x0001);
  CHECK(bits(0x1p-14f) == 0x0400);               // smallest normal
  CHECK(bits(0x1.ff8p-15f) == 0x03FF);           // the largest subnormal
  CHECK(bits(0x1.ffcp-15f) == 0x0400);           // a tie above it rounds up to the smallest normal
  CHECK((bits(std::numeric_limits<float>::quiet_NaN()) & 0x7E00) == 0x7E00);
  CHECK(float16{0x7C00}.to_float() == std::numeric_limits<float>::infinity());
  CHECK(float16{0x0001}.to_float() == 0x1p-24f);
  CHECK(float16{0xC000}.to_float() == -2.0f);
  CHECK(std::isnan(float16{0x7E01}.to_float()));
  // double: one rounding (a float would round 1 + 2**-11 + 2**-40 to the tie, then down)
  CHECK(float16::from_double(1.0 + 0x1p-11 + 0x1p-40).bits == 0x3C01);
  for (std::uint32_t b = 0; b < 0x7C00; ++b) {  // every finite float16 round-trips
    const float16 h{static_cast<std::uint16_t>(b)};
    CHECK(float16::from_float(h.to_float()).bits == b);
    CHECK(float16::from_double(h.to_float()).bits == b);
  }
}

TEST_CASE("promote matches np.promote_types on native dtypes", "[dtype]") {
  for (int a = 0; a < kNativeDTypeCount; ++a) {
    for (int b = 0; b < kNativeDTypeCount; ++b) {
      CAPTURE(dtype_name(dtype_at(a)), dtype_name(dtype_at(b)));
      CHECK(promote(dtype_at(a), dtype_at(b)) == kNumpyPromote[a][b]);
    }
  }
  for (int t = 0; t < kDTypeCount; ++t) {
    CAPTURE(dtype_name(dtype_at(t)));
    CHECK(promote(DType::Float16, dtype_at(t)) == kNumpyPromoteFloat16[t]);
    CHECK(promote(dtype_at(t), DType::Float16) == kNumpyPromoteFloat16[t]);
  }
  CHECK(promote(DType::UInt8, DType::Int8) == DType::Int16);
  CHECK(promote(DType::UInt64, DType::Int64) == DType::Float64);
}

TEST_CASE("weak Python literals adopt the array dtype like NumPy 1.24", "[dtype]") {
  const WeakKind weak[4] = {WeakKind::Bool, WeakKind::Int, WeakKind::Float, WeakKind::Complex};
  for (int t = 0; t < kNativeDTypeCount; ++t) {
    for (int w = 0; w < 4; ++w) {
      CAPTURE(dtype_name(dtype_at(t)), w);
      CHECK(promote_weak(dtype_at(t), weak[w]) == kNumpyWeak[t][w]);
    }
  }
  for (int w = 0; w < 4; ++w) CHECK(promote_weak(DType::Float16, weak[w]) == kNumpyWeakFloat16[w]);
  CHECK(weak_kind_of(DType::Bool) == WeakKind::Bool);
  CHECK(weak_kind_of(DType::UInt32) == WeakKind::Int);
  CHECK(weak_kind_of(DType::Int32) == WeakKind::Int);
  CHECK(weak_kind_of(DType::Float32) == WeakKind::Float);
  CHECK(weak_kind_of(DType::Complex64) == WeakKind::Complex);
  CHECK(default_dtype(WeakKind::Bool) == DType::Bool);
  CHECK(default_dtype(WeakKind::Int) == DType::Int64);
  CHECK(default_dtype(WeakKind::Float) == DType::Float64);
  CHECK(default_dtype(WeakKind::Complex) == DType::Complex128);
}

TEST_CASE("can_cast matches np.can_cast for all dtype pairs and rules", "[dtype]") {
  for (int from = 0; from < kDTypeCount; ++from) {
    for (int to = 0; to < kDTypeCount; ++to) {
      const DType f = dtype_at(from);
      const DType t = dtype_at(to);
      CAPTURE(dtype_name(f), dtype_name(t));
      CHECK(can_cast(f, t, Casting::No) == (from == to));
      CHECK(can_cast(f, t, Casting::Equiv) == (from == to));
      CHECK(can_cast(f, t, Casting::Safe) == (kNumpySafe[from][to] == '1'));
      CHECK(can_cast(f, t, Casting::SameKind) == (kNumpySameKind[from][to] == '1'));
      CHECK(can_cast(f, t, Casting::Unsafe));
    }
  }
}

TEST_CASE("casting names round-trip", "[dtype]") {
  const char* names[] = {"no", "equiv", "safe", "same_kind", "unsafe"};
  const Casting rules[] = {Casting::No, Casting::Equiv, Casting::Safe, Casting::SameKind,
                           Casting::Unsafe};
  for (int i = 0; i < 5; ++i) {
    CHECK(casting_name(rules[i]) == names[i]);
    CHECK(casting_from_name(names[i]) == rules[i]);
  }
  CHECK_FALSE(casting_from_name("sameKind").has_value());
}

TEST_CASE("real_of and complex_of", "[dtype]") {
  CHECK(real_of(DType::Complex64) == DType::Float32);
  CHECK(real_of(DType::Complex128) == DType::Float64);
  CHECK(real_of(DType::Int32) == DType::Int32);
  CHECK(complex_of(DType::Float32) == DType::Complex64);
  CHECK(complex_of(DType::Float64) == DType::Complex128);
  CHECK(complex_of(DType::Complex64) == DType::Complex64);
  CHECK(complex_of(DType::Bool) == DType::Bool);
}
