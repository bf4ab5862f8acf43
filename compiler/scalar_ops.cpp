// Values, casts, loads/stores and reductions of compiler/scalar_ops.hpp. The elementwise ops
// (apply_op) live in compiler/scalar_ops_math.cpp.
#include "compiler/scalar_ops.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace exprvm {
namespace {

// Float -> integer truncation without undefined behaviour: NaN and values outside I's range
// give I's minimum (what x86's cvttsd2si, hence NumPy on x86, produces).
template <class I, class F>
I truncate_to_int(F x) {
  constexpr F lo = static_cast<F>(std::numeric_limits<I>::min());  // -2^(bits-1), exact
  if (!(x >= lo && x < -lo)) return std::numeric_limits<I>::min();
  return static_cast<I>(x);
}

// Integer -> narrower integer, wrapping modulo 2^bits (well defined since C++20).
template <class To, class From>
To wrap_to(From x) {
  return static_cast<To>(x);
}

// Converts a value of a real C++ type R to native dtype `to`.
template <class R>
Value convert_real(R x, DType to) {
  switch (to) {
    case DType::Bool: return Value::of(x != R(0));
    case DType::Int32:
      if constexpr (std::is_floating_point_v<R>) return Value::of(truncate_to_int<std::int32_t>(x));
      else return Value::of(wrap_to<std::int32_t>(x));
    case DType::Int64:
      if constexpr (std::is_floating_point_v<R>) return Value::of(truncate_to_int<std::int64_t>(x));
      else return Value::of(wrap_to<std::int64_t>(x));
    case DType::Float32: return Value::of(static_cast<float>(x));
    case DType::Float64: return Value::of(static_cast<double>(x));
    case DType::Complex64: return Value::of(std::complex<float>(static_cast<float>(x), 0.0f));
    case DType::Complex128: return Value::of(std::complex<double>(static_cast<double>(x), 0.0));
    default: break;
  }
  throw Error(ErrorKind::Internal,
              "cast_value: target dtype " + std::string(dtype_name(to)) + " is not native");
}

template <class F>
Value convert_complex(std::complex<F> z, DType to) {
  switch (to) {
    case DType::Bool: return Value::of(z.real() != F(0) || z.imag() != F(0));
    case DType::Complex64:
      return Value::of(std::complex<float>(static_cast<float>(z.real()), static_cast<float>(z.imag())));
    case DType::Complex128:
      return Value::of(std::complex<double>(static_cast<double>(z.real()), static_cast<double>(z.imag())));
    default: return convert_real(z.real(), to);
  }
}

template <class T>
T read_as(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <class T>
void write_as(void* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

[[noreturn]] void bad_reduction(Op op, DType t) {
  throw Error(ErrorKind::Internal, "scalar reduction " + std::string(op_info(op).spelling) +
                                       " is not defined for " + std::string(dtype_name(t)));
}

}  // namespace

bool same_bits(const Value& a, const Value& b) {
  if (a.dtype != b.dtype) return false;
  switch (a.dtype) {
    case DType::Bool: return a.b == b.b;
    case DType::Int32: return a.i32 == b.i32;
    case DType::Int64: return a.i64 == b.i64;
    case DType::Float32: return std::memcmp(&a.f32, &b.f32, sizeof(float)) == 0;
    case DType::Float64: return std::memcmp(&a.f64, &b.f64, sizeof(double)) == 0;
    case DType::Complex64: return std::memcmp(&a.c64, &b.c64, sizeof(a.c64)) == 0;
    case DType::Complex128: return std::memcmp(&a.c128, &b.c128, sizeof(a.c128)) == 0;
    default: return false;
  }
}

std::complex<double> Value::to_complex128() const { return cast_value(*this, DType::Complex128).c128; }

std::string Value::to_string() const {
  std::ostringstream s;
  s.precision(std::numeric_limits<double>::max_digits10);
  s << dtype_name(dtype) << "(";
  switch (dtype) {
    case DType::Bool: s << (b ? "True" : "False"); break;
    case DType::Int32: s << i32; break;
    case DType::Int64: s << i64; break;
    case DType::Float32: s.precision(std::numeric_limits<float>::max_digits10); s << f32; break;
    case DType::Float64: s << f64; break;
    case DType::Complex64: s.precision(std::numeric_limits<float>::max_digits10); s << c64; break;
    case DType::Complex128: s << c128; break;
    default: s << "?"; break;
  }
  s << ")";
  return s.str();
}

Value cast_value(const Value& v, DType to) {
  switch (v.dtype) {
    case DType::Bool: return convert_real(static_cast<std::int32_t>(v.b), to);
    case DType::Int32: return convert_real(v.i32, to);
    case DType::Int64: return convert_real(v.i64, to);
    case DType::Float32: return convert_real(v.f32, to);
    case DType::Float64: return convert_real(v.f64, to);
    case DType::Complex64: return convert_complex(v.c64, to);
    case DType::Complex128: return convert_complex(v.c128, to);
    default: break;
  }
  throw Error(ErrorKind::Internal,
              "cast_value: source dtype " + std::string(dtype_name(v.dtype)) + " is not native");
}

Value load_value(const void* p, DType storage) {
  switch (storage) {
    case DType::Bool: return Value::of(read_as<std::uint8_t>(p) != 0);
    case DType::Int32: return Value::of(read_as<std::int32_t>(p));
    case DType::Int64: return Value::of(read_as<std::int64_t>(p));
    case DType::Float32: return Value::of(read_as<float>(p));
    case DType::Float64: return Value::of(read_as<double>(p));
    case DType::Complex64: return Value::of(read_as<std::complex<float>>(p));
    case DType::Complex128: return Value::of(read_as<std::complex<double>>(p));
    case DType::Int8: return Value::of(std::int32_t{read_as<std::int8_t>(p)});
    case DType::Int16: return Value::of(std::int32_t{read_as<std::int16_t>(p)});
    case DType::UInt8: return Value::of(std::int32_t{read_as<std::uint8_t>(p)});
    case DType::UInt16: return Value::of(std::int32_t{read_as<std::uint16_t>(p)});
    case DType::UInt32: return Value::of(std::int64_t{read_as<std::uint32_t>(p)});
  }
  throw Error(ErrorKind::Internal, "load_value: unknown dtype");
}

void store_value(const Value& v, void* p, DType storage) {
  const Value n = cast_value(v, native_of(storage));
  switch (storage) {
    case DType::Bool: write_as<std::uint8_t>(p, n.b ? 1 : 0); return;
    case DType::Int32: write_as(p, n.i32); return;
    case DType::Int64: write_as(p, n.i64); return;
    case DType::Float32: write_as(p, n.f32); return;
    case DType::Float64: write_as(p, n.f64); return;
    case DType::Complex64: write_as(p, n.c64); return;
    case DType::Complex128: write_as(p, n.c128); return;
    case DType::Int8: write_as(p, wrap_to<std::int8_t>(n.i32)); return;
    case DType::Int16: write_as(p, wrap_to<std::int16_t>(n.i32)); return;
    case DType::UInt8: write_as(p, wrap_to<std::uint8_t>(n.i32)); return;
    case DType::UInt16: write_as(p, wrap_to<std::uint16_t>(n.i32)); return;
    case DType::UInt32: write_as(p, wrap_to<std::uint32_t>(n.i64)); return;
  }
  throw Error(ErrorKind::Internal, "store_value: unknown dtype");
}

Value reduce_identity_value(Op op, DType t) {
  if (op_info(op).form != OpForm::Reduce || !op_accepts(op, t)) bad_reduction(op, t);
  switch (op) {
    case Op::SUM: return cast_value(Value::of(false), t);
    case Op::PROD: return cast_value(Value::of(true), t);
    case Op::ANY: return Value::of(false);
    case Op::ALL: return Value::of(true);
    case Op::MIN:
      if (t == DType::Int32) return Value::of(std::numeric_limits<std::int32_t>::max());
      if (t == DType::Int64) return Value::of(std::numeric_limits<std::int64_t>::max());
      return cast_value(Value::of(std::numeric_limits<double>::infinity()), t);
    case Op::MAX:
      if (t == DType::Int32) return Value::of(std::numeric_limits<std::int32_t>::min());
      if (t == DType::Int64) return Value::of(std::numeric_limits<std::int64_t>::min());
      return cast_value(Value::of(-std::numeric_limits<double>::infinity()), t);
    default: bad_reduction(op, t);
  }
}

void reduce_step(Op op, Value& acc, const Value& x) {
  if (op_info(op).form != OpForm::Reduce || !op_accepts(op, acc.dtype) || x.dtype != acc.dtype)
    bad_reduction(op, x.dtype);
  const Value pair[] = {acc, x};
  switch (op) {
    case Op::SUM: acc = apply_op(Op::ADD, acc.dtype, pair); return;
    case Op::PROD: acc = apply_op(Op::MUL, acc.dtype, pair); return;
    case Op::MIN: acc = apply_op(Op::MINIMUM, acc.dtype, pair); return;
    case Op::MAX: acc = apply_op(Op::MAXIMUM, acc.dtype, pair); return;
    case Op::ANY: acc = Value::of(acc.b || x.b); return;
    case Op::ALL: acc = Value::of(acc.b && x.b); return;
    default: bad_reduction(op, x.dtype);
  }
}

}  // namespace exprvm
