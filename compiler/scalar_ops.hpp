// Scalar semantics of every op of compiler/opcodes.def: one value at a time, written for
// clarity rather than speed. The optimizer folds constants with it and the test oracle
// (tests/reference_eval.hpp) evaluates whole programs with it, so it is the executable
// definition of what each (op, dtype) means: NumPy's semantics, computed in the dtype itself
// (float32 ops in float, float64 in double, complex with std::complex), with no undefined
// behaviour (integer arithmetic wraps).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <complex>
#include <cstdint>
#include <span>
#include <string>

#include "core/dtype.hpp"
#include "compiler/opcodes.hpp"

namespace exprvm {

// One value of a native dtype. Only the field matching `dtype` is meaningful; the others
// stay zero so that values compare field by field.
struct Value {
  DType dtype = DType::Bool;
  bool b = false;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  float f32 = 0.0f;
  double f64 = 0.0;
  std::complex<float> c64{};
  std::complex<double> c128{};

  static Value of(bool v) { Value r; r.dtype = DType::Bool; r.b = v; return r; }
  static Value of(std::int32_t v) { Value r; r.dtype = DType::Int32; r.i32 = v; return r; }
  static Value of(std::int64_t v) { Value r; r.dtype = DType::Int64; r.i64 = v; return r; }
  static Value of(float v) { Value r; r.dtype = DType::Float32; r.f32 = v; return r; }
  static Value of(double v) { Value r; r.dtype = DType::Float64; r.f64 = v; return r; }
  static Value of(std::complex<float> v) { Value r; r.dtype = DType::Complex64; r.c64 = v; return r; }
  static Value of(std::complex<double> v) { Value r; r.dtype = DType::Complex128; r.c128 = v; return r; }

  // The field of C++ type T (T must be one of the seven field types).
  template <class T> T get() const;

  // The value widened to complex<double> (exact for every native dtype but large int64).
  std::complex<double> to_complex128() const;
  // "float32(1.5)", "int64(-3)", "complex64((1,2))": for test messages.
  std::string to_string() const;
};

template <> inline bool Value::get<bool>() const { return b; }
template <> inline std::int32_t Value::get<std::int32_t>() const { return i32; }
template <> inline std::int64_t Value::get<std::int64_t>() const { return i64; }
template <> inline float Value::get<float>() const { return f32; }
template <> inline double Value::get<double>() const { return f64; }
template <> inline std::complex<float> Value::get<std::complex<float>>() const { return c64; }
template <> inline std::complex<double> Value::get<std::complex<double>>() const { return c128; }

// Bitwise-identical values of the same dtype (NaN equals a NaN with the same bits; -0 != +0).
bool same_bits(const Value& a, const Value& b);

// NumPy's unsafe cast between native dtypes: float -> int truncates toward zero (NaN and
// out-of-range values give the integer minimum, as x86 NumPy does), int -> int wraps,
// anything -> bool is `!= 0`, complex -> real takes the real part.
Value cast_value(const Value& v, DType to);

// Reads one element of storage dtype `storage` (any of the 12) as a value of native_of(storage).
Value load_value(const void* p, DType storage);
// Writes `v` as an element of storage dtype `storage`: cast to native_of(storage), then
// narrowed with wrap-around for the storage-only integer dtypes (NumPy's unsafe cast).
void store_value(const Value& v, void* p, DType storage);

// Applies elementwise `op` to `args` (op_info(op).arity values of dtype `operand_dtype`,
// except WHERE's first argument, which is bool). The result has dtype
// op_result(op, operand_dtype). Throws Error(Internal) for an (op, dtype) the table forbids.
Value apply_op(Op op, DType operand_dtype, std::span<const Value> args);

// The identity of reduction `op` (SUM, PROD, MIN, MAX, ANY, ALL) for dtype t.
Value reduce_identity_value(Op op, DType t);
// acc = fold(acc, x) for reduction `op`; acc and x have the same dtype.
void reduce_step(Op op, Value& acc, const Value& x);

}  // namespace exprvm
