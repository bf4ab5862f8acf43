// NumPy's dtype facts: names, sizes, promotion (including NEP 50 weak literals) and casting.
#include "core/dtype.hpp"

#include <algorithm>
#include <array>

namespace exprvm {
namespace {

constexpr bool is_integer(Kind k) { return k == Kind::Int || k == Kind::UInt; }

// Size of the real component: a complex's half, the itemsize otherwise.
std::size_t component_size(DType t) {
  return kind_of(t) == Kind::Complex ? itemsize(t) / 2 : itemsize(t);
}

// NumPy's "safe" casting: every value of `from` is representable in `to`.
bool can_cast_safely(DType from, DType to) {
  if (from == to) return true;
  const Kind fk = kind_of(from);
  const Kind tk = kind_of(to);
  if (fk == Kind::Bool) return true;
  if (tk == Kind::Bool) return false;
  const std::size_t fsize = itemsize(from);
  const std::size_t tsize = itemsize(to);
  if (is_integer(fk) && is_integer(tk)) {
    if (fk == tk) return tsize >= fsize;
    if (fk == Kind::UInt) return tsize > fsize;  // uint -> wider signed int
    return false;                                // signed -> unsigned never is
  }
  if (is_integer(fk)) {
    // Float and complex targets: any integer fits float64's rules (NumPy counts int64 ->
    // float64 as safe); narrower components take integers of at most half their size.
    const std::size_t component = component_size(to);
    return component >= 8 || fsize * 2 <= component;
  }
  if (is_integer(tk)) return false;  // float/complex -> integer
  if (fk == Kind::Complex && tk == Kind::Float) return false;
  return component_size(to) >= component_size(from);
}

}  // namespace

std::optional<DType> dtype_from_name(std::string_view name) {
  for (int i = 0; i < kDTypeCount; ++i) {
    if (dtype_name(static_cast<DType>(i)) == name) return static_cast<DType>(i);
  }
  if (name == "float" || name == "double") return DType::Float64;
  if (name == "single") return DType::Float32;
  if (name == "int") return DType::Int64;
  if (name == "complex") return DType::Complex128;
  return std::nullopt;
}

// numpy 1.24's promote_types: the smallest dtype of the higher kind (or a higher one) that
// both operands cast to safely, e.g. uint8 + int8 -> int16, int16 + float32 -> float32,
// int32 + float32 -> float64, uint64 + int64 -> float64, float16 + int8 -> float16.
DType promote(DType a, DType b) {
  if (a == b) return a;
  const Kind lowest_kind = std::max(kind_of(a), kind_of(b));
  std::optional<DType> best;
  for (int i = 0; i < kDTypeCount; ++i) {
    const DType c = static_cast<DType>(i);
    if (kind_of(c) < lowest_kind || !can_cast_safely(a, c) || !can_cast_safely(b, c)) continue;
    if (!best || kind_of(c) < kind_of(*best) ||
        (kind_of(c) == kind_of(*best) && itemsize(c) < itemsize(*best)))
      best = c;
  }
  return best ? *best : DType::Complex128;  // unreachable: complex128 holds every dtype
}

DType promote_weak(DType strong, WeakKind weak) {
  const WeakKind strong_kind = weak_kind_of(strong);
  if (weak <= strong_kind) return strong;
  if (weak == WeakKind::Complex)
    return strong == DType::Float32 || strong == DType::Float16 ? DType::Complex64 : DType::Complex128;
  return default_dtype(weak);
}

WeakKind weak_kind_of(DType t) {
  switch (kind_of(t)) {
    case Kind::Bool: return WeakKind::Bool;
    case Kind::UInt:
    case Kind::Int: return WeakKind::Int;
    case Kind::Float: return WeakKind::Float;
    case Kind::Complex: return WeakKind::Complex;
  }
  return WeakKind::Int;
}

DType default_dtype(WeakKind k) {
  switch (k) {
    case WeakKind::Bool: return DType::Bool;
    case WeakKind::Int: return DType::Int64;
    case WeakKind::Float: return DType::Float64;
    case WeakKind::Complex: return DType::Complex128;
  }
  return DType::Float64;
}

std::string_view casting_name(Casting c) {
  switch (c) {
    case Casting::No: return "no";
    case Casting::Equiv: return "equiv";
    case Casting::Safe: return "safe";
    case Casting::SameKind: return "same_kind";
    case Casting::Unsafe: return "unsafe";
  }
  return "unsafe";
}

std::optional<Casting> casting_from_name(std::string_view name) {
  for (Casting c :
       {Casting::No, Casting::Equiv, Casting::Safe, Casting::SameKind, Casting::Unsafe}) {
    if (casting_name(c) == name) return c;
  }
  return std::nullopt;
}

// numpy 1.24's np.can_cast(from, to, casting). Kinds are ordered b < u < i < f < c.
bool can_cast(DType from, DType to, Casting rule) {
  switch (rule) {
    case Casting::No:
    case Casting::Equiv: return from == to;
    case Casting::Safe: return can_cast_safely(from, to);
    case Casting::SameKind: return can_cast_safely(from, to) || kind_of(from) <= kind_of(to);
    case Casting::Unsafe: return true;
  }
  return false;
}

DType real_of(DType t) {
  if (t == DType::Complex64) return DType::Float32;
  if (t == DType::Complex128) return DType::Float64;
  return t;
}

DType complex_of(DType t) {
  if (t == DType::Float32) return DType::Complex64;
  if (t == DType::Float64) return DType::Complex128;
  return t;
}

}  // namespace exprvm
