// dtype facts checked against NumPy 1.24 (the tables below were printed by numpy itself:
// np.can_cast, np.promote_types, and array-plus-Python-scalar result dtypes).
#include <catch2/catch.hpp>
#include <string>

#include "core/dtype.hpp"

using namespace exprvm;

namespace {

// np.can_cast(from, to, casting='safe'): row = from, column = to, in DType order.
constexpr const char* kNumpySafe[kDTypeCount] = {
    "111111111111",  // bool
    "011010100000",  // int32
    "001010100000",  // int64
    "000111100000",  // float32
    "000010100000",  // float64
    "000001100000",  // complex64
    "000000100000",  // complex128
    "011111111000",  // int8
    "011111101000",  // int16
    "011111101111",  // uint8
    "011111100011",  // uint16
    "001010100001",  // uint32
};
// np.can_cast(from, to, casting='same_kind'): row = from, column = to, in DType order.
constexpr const char* kNumpySameKind[kDTypeCount] = {
    "111111111111",  // bool
    "011111111000",  // int32
    "011111111000",  // int64
    "000111100000",  // float32
    "000111100000",  // float64
    "000001100000",  // complex64
    "000001100000",  // complex128
    "011111111000",  // int8
    "011111111000",  // int16
    "011111111111",  // uint8
    "011111111111",  // uint16
    "011111111111",  // uint32
};
// np.promote_types over the native dtypes, in DType order.
constexpr DType kNumpyPromote[kNativeDTypeCount][kNativeDTypeCount] = {
    {DType::Bool, DType::Int32, DType::Int64, DType::Float32, DType::Float64, DType::Complex64,
     DType::Complex128},
    {DType::Int32, DType::Int32, DType::Int64, DType::Float64, DType::Float64, DType::Complex128,
     DType::Complex128},
    {DType::Int64, DType::Int64, DType::Int64, DType::Float64, DType::Float64, DType::Complex128,
     DType::Complex128},
    {DType::Float32, DType::Float64, DType::Float64, DType::Float32, DType::Float64,
     DType::Complex64, DType::Complex128},
    {DType::Float64, DType::Float64, DType::Float64, DType::Float64, DType::Float64,
     DType::Complex128, DType::Complex128},
    {DType::Complex64, DType::Complex128, DType::Complex128, DType::Complex64, DType::Complex128,
     DType::Complex64, DType::Complex128},
    {DType::Complex128, DType::Complex128, DType::Complex128, DType::Complex128, DType::Complex128,
     DType::Complex128, DType::Complex128},
};
// (np.zeros(3, t) + scalar).dtype for the scalars True, 1, 1.0, 1j; row = t in DType order.
constexpr DType kNumpyWeak[kNativeDTypeCount][4] = {
    {DType::Bool, DType::Int64, DType::Float64, DType::Complex128},
    {DType::Int32, DType::Int32, DType::Float64, DType::Complex128},
    {DType::Int64, DType::Int64, DType::Float64, DType::Complex128},
    {DType::Float32, DType::Float32, DType::Float32, DType::Complex64},
    {DType::Float64, DType::Float64, DType::Float64, DType::Complex128},
    {DType::Complex64, DType::Complex64, DType::Complex64, DType::Complex64},
    {DType::Complex128, DType::Complex128, DType::Complex128, DType::Complex128},
};

DType dtype_at(int i) { return static_cast<DType>(i); }

}  // namespace

TEST_CASE("dtype names, sizes and kinds follow NumPy", "[dtype]") {
  const char* names[kDTypeCount] = {"bool",    "int32",     "int64",      "float32",
                                    "float64", "complex64", "complex128", "int8",
                                    "int16",   "uint8",     "uint16",     "uint32"};
  const std::size_t sizes[kDTypeCount] = {1, 4, 8, 4, 8, 8, 16, 1, 2, 1, 2, 4};
  for (int i = 0; i < kDTypeCount; ++i) {
    CAPTURE(names[i]);
    CHECK(dtype_name(dtype_at(i)) == names[i]);
    CHECK(dtype_from_name(names[i]) == dtype_at(i));
    CHECK(itemsize(dtype_at(i)) == sizes[i]);
    CHECK(is_native(dtype_at(i)) == (i < kNativeDTypeCount));
  }
  CHECK(dtype_from_name("float") == DType::Float64);
  CHECK(dtype_from_name("double") == DType::Float64);
  CHECK(dtype_from_name("single") == DType::Float32);
  CHECK(dtype_from_name("int") == DType::Int64);
  CHECK(dtype_from_name("complex") == DType::Complex128);
  CHECK_FALSE(dtype_from_name("float16").has_value());
  CHECK_FALSE(dtype_from_name("").has_value());
  CHECK(kind_of(DType::Bool) == Kind::Bool);
  CHECK(kind_of(DType::UInt16) == Kind::UInt);
  CHECK(kind_of(DType::Int8) == Kind::Int);
  CHECK(kind_of(DType::Float32) == Kind::Float);
  CHECK(kind_of(DType::Complex64) == Kind::Complex);
  CHECK(dtype_of<std::uint16_t>::value == DType::UInt16);
}

TEST_CASE("storage dtypes compute in their native dtype", "[dtype]") {
  CHECK(native_of(DType::Int8) == DType::Int32);
  CHECK(native_of(DType::Int16) == DType::Int32);
  CHECK(native_of(DType::UInt8) == DType::Int32);
  CHECK(native_of(DType::UInt16) == DType::Int32);
  CHECK(native_of(DType::UInt32) == DType::Int64);
  for (int i = 0; i < kNativeDTypeCount; ++i) CHECK(native_of(dtype_at(i)) == dtype_at(i));
}

TEST_CASE("promote matches np.promote_types on native dtypes", "[dtype]") {
  for (int a = 0; a < kNativeDTypeCount; ++a) {
    for (int b = 0; b < kNativeDTypeCount; ++b) {
      CAPTURE(dtype_name(dtype_at(a)), dtype_name(dtype_at(b)));
      CHECK(promote(dtype_at(a), dtype_at(b)) == kNumpyPromote[a][b]);
    }
  }
  // Storage dtypes promote through their native dtype.
  CHECK(promote(DType::UInt8, DType::Float32) == DType::Float64);
  CHECK(promote(DType::UInt32, DType::Int32) == DType::Int64);
}

TEST_CASE("weak Python literals adopt the array dtype like NumPy 1.24", "[dtype]") {
  const WeakKind weak[4] = {WeakKind::Bool, WeakKind::Int, WeakKind::Float, WeakKind::Complex};
  for (int t = 0; t < kNativeDTypeCount; ++t) {
    for (int w = 0; w < 4; ++w) {
      CAPTURE(dtype_name(dtype_at(t)), w);
      CHECK(promote_weak(dtype_at(t), weak[w]) == kNumpyWeak[t][w]);
    }
  }
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
