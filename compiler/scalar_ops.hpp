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
#include <array>
#include <complex>
#include <cstring>
#include <cstdint>
#include <span>
#include <string>

#include "core/dtype.hpp"
#include "compiler/opcodes.hpp"

namespace exprvm {

// One value of any dtype: the element's bytes (as CxxType<dtype>), the rest zero, so that
// values compare byte by byte.
struct Value {
  DType dtype = DType::Bool;
  alignas(16) std::array<unsigned char, 16> bytes{};

  // The value of C++ element type T (bool, an integer, float, double, complex<float|double>).
  template <class T> static Value of(T v) {
    Value r;
    r.dtype = dtype_of<T>::value;
    std::memcpy(r.bytes.data(), &v, sizeof v);
    return r;
  }
  // The element as C++ type T (T must be CxxType<dtype>).
  template <class T> T get() const {
    T v;
    std::memcpy(&v, bytes.data(), sizeof v);
    return v;
  }

  // The value widened to complex<double> (exact for every native dtype but large 64-bit ints).
  std::complex<double> to_complex128() const;
  // "float32(1.5)", "int64(-3)", "complex64((1,2))": for test messages.
  std::string to_string() const;
};

// Bitwise-identical values of the same dtype (NaN equals a NaN with the same bits; -0 != +0).
bool same_bits(const Value& a, const Value& b);

// NumPy's unsafe cast between any two dtypes (numpy::cast of core/numpy_scalar.hpp).
Value cast_value(const Value& v, DType to);

// Reads one element of dtype `storage` as a value of native_of(storage).
Value load_value(const void* p, DType storage);
// Writes `v` as an element of dtype `storage` (NumPy's unsafe cast).
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
