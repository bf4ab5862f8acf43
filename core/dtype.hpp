// Element types: what arrays store (storage dtypes) and what the VM computes in (native dtypes).
#pragma once
#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/export.hpp"
#include "core/float16.hpp"

namespace exprvm {

// Every dtype an Array may hold, in the order of core/dtypes.def (native dtypes first).
// The per-dtype facts below are a namespace-scope table (dtype_table::rows), not arrays local
// to the constexpr accessors, which GCC rebuilds on the stack at every call on hot paths.
enum class DType : std::uint8_t {
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE) NAME,
#include "core/dtypes.def"
#undef X
};
inline constexpr int kDTypeCount = 0
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE) + 1
#include "core/dtypes.def"
#undef X
    ;

// Kinds in NumPy's order, used by promotion and casting.
enum class Kind : std::uint8_t { Bool, UInt, Int, Float, Complex };

constexpr int index_of(DType t) { return static_cast<int>(t); }

// The facts core/dtypes.def gives of each dtype, one row per dtype, for the accessors below.
namespace dtype_table {
struct Row {
  DType compute;            // the dtype the VM computes a stored value in
  Kind kind;
  std::size_t size;         // bytes per element
  std::string_view name;    // NumPy's name ("float32", "bool", ...)
  std::string_view suffix;  // the disassembler's suffix ("f32", "b8", ...)
  int numpy_typenum;        // NumPy's type number (NPY_FLOAT32, ...) on LP64 platforms
};
inline constexpr Row rows[] = {
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE) \
  {DType::COMPUTE, Kind::KIND, SIZE, SPELLING, SUFFIX, NPY},
#include "core/dtypes.def"
#undef X
};
}  // namespace dtype_table

// The dtype the VM computes a stored value in (the dtype itself when native).
constexpr DType native_of(DType t) {
  return dtype_table::rows[index_of(t)].compute;
}
constexpr bool is_native(DType t) { return native_of(t) == t; }

// Native dtypes come first, so that kernel tables index [0, kNativeDTypeCount).
inline constexpr int kNativeDTypeCount = [] {
  int n = 0;
  while (n < kDTypeCount && is_native(static_cast<DType>(n))) ++n;
  return n;
}();
static_assert([] {
  for (int i = kNativeDTypeCount; i < kDTypeCount; ++i)
    if (is_native(static_cast<DType>(i))) return false;
  return true;
}(), "core/dtypes.def: native dtypes must come before storage-only ones");

constexpr Kind kind_of(DType t) {
  return dtype_table::rows[index_of(t)].kind;
}
// Bytes per element.
constexpr std::size_t itemsize(DType t) {
  return dtype_table::rows[index_of(t)].size;
}
// NumPy's name ("float32", "bool", ...) and the disassembler's suffix ("f32", "b8", ...).
constexpr std::string_view dtype_name(DType t) {
  return dtype_table::rows[index_of(t)].name;
}
constexpr std::string_view dtype_suffix(DType t) {
  return dtype_table::rows[index_of(t)].suffix;
}
// NumPy's type number (NPY_FLOAT32, ...) on LP64 platforms.
constexpr int numpy_typenum(DType t) {
  return dtype_table::rows[index_of(t)].numpy_typenum;
}
EXPRVM_API std::optional<DType> dtype_from_name(std::string_view name);  // also "float", "int", ...

// C++ element type <-> DType.
template <DType t> struct cxx_type_of;
template <class T> struct dtype_of;
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE)                \
  template <> struct cxx_type_of<DType::NAME> { using type = CXX; };                  \
  template <> struct dtype_of<CXX> { static constexpr DType value = DType::NAME; };    \
  static_assert(sizeof(CXX) == SIZE, "core/dtypes.def: SIZE of " SPELLING);
#include "core/dtypes.def"
#undef X
template <DType t> using CxxType = typename cxx_type_of<t>::type;

// Calls f(std::type_identity<T>{}) with T the C++ element type of dtype t and returns its
// result: the one switch over dtypes that code needing a C++ type per dtype builds on.
template <class F> decltype(auto) with_dtype(DType t, F&& f) {
  switch (t) {
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE) \
    case DType::NAME: return f(std::type_identity<CXX>{});
#include "core/dtypes.def"
#undef X
  }
  return f(std::type_identity<bool>{});  // unreachable: every enumerator has a case
}

// NumPy promotion of two native dtypes (both "strong", i.e. typed arrays or typed scalars).
EXPRVM_API DType promote(DType a, DType b);

// Kind of a Python literal ("weak" scalar, NEP 50): it adopts the array's dtype when its kind
// fits, e.g. float32_array * 2.0 stays float32.
enum class WeakKind : std::uint8_t { Bool, Int, Float, Complex };
EXPRVM_API DType promote_weak(DType strong, WeakKind weak);
EXPRVM_API WeakKind weak_kind_of(DType t);
EXPRVM_API DType default_dtype(WeakKind k);  // bool, int64, float64, complex128

// The five NumPy casting rules for writing results into `out`.
enum class Casting : std::uint8_t { No, Equiv, Safe, SameKind, Unsafe };
EXPRVM_API std::string_view casting_name(Casting c);
EXPRVM_API std::optional<Casting> casting_from_name(std::string_view name);
EXPRVM_API bool can_cast(DType from, DType to, Casting rule);

// Real dtype of a complex one (complex64 -> float32) and the reverse; identity otherwise.
EXPRVM_API DType real_of(DType t);
EXPRVM_API DType complex_of(DType t);

}  // namespace exprvm
