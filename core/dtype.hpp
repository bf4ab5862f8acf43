// Element types: what arrays store (storage dtypes) and what the VM computes in (native dtypes).
#pragma once
#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exprvm {

// Every dtype an Array may hold. The first seven are native: the VM has kernels for them.
// The others are read with promotion (int8/int16/uint8/uint16 -> int32, uint32 -> int64)
// and written with a cast.
enum class DType : std::uint8_t {
  Bool, Int32, Int64, Float32, Float64, Complex64, Complex128,  // native
  Int8, Int16, UInt8, UInt16, UInt32,                          // storage only
};
inline constexpr int kNativeDTypeCount = 7;
inline constexpr int kDTypeCount = 12;

// Kinds in NumPy's order, used by promotion and casting.
enum class Kind : std::uint8_t { Bool, UInt, Int, Float, Complex };

constexpr bool is_native(DType t) { return static_cast<int>(t) < kNativeDTypeCount; }
constexpr int index_of(DType t) { return static_cast<int>(t); }

Kind kind_of(DType t);
// Bytes per element (inline: the executor asks for it per operand per run).
constexpr std::size_t itemsize(DType t) {
  constexpr std::size_t sizes[kDTypeCount] = {1, 4, 8, 4, 8, 8, 16, 1, 2, 1, 2, 4};
  return sizes[static_cast<int>(t)];
}
std::string_view dtype_name(DType t);              // NumPy's names: "float32", "bool", ...
std::optional<DType> dtype_from_name(std::string_view name);
DType native_of(DType t);                          // the dtype the VM computes a stored value in

// C++ element type -> DType (for Array helpers).
template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<std::int8_t> { static constexpr DType value = DType::Int8; };
template <> struct dtype_of<std::int16_t> { static constexpr DType value = DType::Int16; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<std::uint16_t> { static constexpr DType value = DType::UInt16; };
template <> struct dtype_of<std::uint32_t> { static constexpr DType value = DType::UInt32; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<std::complex<float>> { static constexpr DType value = DType::Complex64; };
template <> struct dtype_of<std::complex<double>> { static constexpr DType value = DType::Complex128; };

// NumPy promotion of two native dtypes (both "strong", i.e. typed arrays or typed scalars).
DType promote(DType a, DType b);

// Kind of a Python literal ("weak" scalar, NEP 50): it adopts the array's dtype when its kind
// fits, e.g. float32_array * 2.0 stays float32.
enum class WeakKind : std::uint8_t { Bool, Int, Float, Complex };
DType promote_weak(DType strong, WeakKind weak);
WeakKind weak_kind_of(DType t);
DType default_dtype(WeakKind k);  // bool, int64, float64, complex128

// The five NumPy casting rules for writing results into `out`.
enum class Casting : std::uint8_t { No, Equiv, Safe, SameKind, Unsafe };
std::string_view casting_name(Casting c);
std::optional<Casting> casting_from_name(std::string_view name);
bool can_cast(DType from, DType to, Casting rule);

// Real dtype of a complex one (complex64 -> float32) and the reverse; identity otherwise.
DType real_of(DType t);
DType complex_of(DType t);

}  // namespace exprvm
