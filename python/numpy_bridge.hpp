// NumPy <-> exprvm without copies: dtype mapping, ndarray views as exprvm::Array, results as
// ndarrays that own the engine's buffer, and classification of Python values into program
// arguments (arrays, strong scalars, weak Python numbers).
#pragma once
#include <Python.h>

#define PY_ARRAY_UNIQUE_SYMBOL exprvm_numpy_api
#ifndef EXPRVM_NUMPY_IMPORTING  // defined by module.cpp, the one file that loads the C API
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include <exprvm/exprvm.hpp>

namespace exprvm::python {

// The exprvm dtype of a NumPy dtype (any byte order), or nullopt when exprvm cannot read it
// (longdouble, object, strings, datetimes...). The reverse is numpy_typenum (core/dtype.hpp).
std::optional<DType> dtype_from_descr(const PyArray_Descr* descr);

// One program argument as the engine sees it, plus what keeps its memory alive.
// A compact code of the argument's type (dtype, scalar, weak) keys the compiled-program cache.
struct BoundArg {
  PyObject* owner = nullptr;  // strong reference (the array or a converted copy); null for values
  Array array;                // for scalars: a 0-d view of `value` or of a 0-d array
  alignas(16) std::byte value[16];  // storage for Python numbers and NumPy scalars
  bool scalar = false;
  bool weak = false;
  // `owner` is an aligned, native-order copy of a caller array the program writes (NumPy's
  // WRITEBACKIFCOPY): write_back() copies it into the caller's array after a run; dropped
  // unwritten when the run fails.
  bool writes_back = false;

  BoundArg() = default;
  BoundArg(const BoundArg&) = delete;
  BoundArg& operator=(const BoundArg&) = delete;
  ~BoundArg() {
    if (writes_back) PyArray_DiscardWritebackIfCopy(reinterpret_cast<PyArrayObject*>(owner));
    Py_XDECREF(owner);
  }

  std::uint8_t type_code() const {
    return static_cast<std::uint8_t>(index_of(array.dtype) | (scalar ? 0x10 : 0) |
                                      (weak ? 0x20 : 0));
  }
  Param param(std::string name) const { return Param{std::move(name), array.dtype, scalar, weak}; }
};
inline constexpr std::uint8_t kAbsentArgCode = 0xFF;  // a statement target that is a temporary

// Binds a caller value read by the program: an ndarray (0-d arrays become strong scalars), a
// NumPy scalar (strong), a Python bool/int/float/complex (weak, NEP 50), or anything
// np.asarray accepts. Misaligned or byte-swapped arrays are copied. Returns false with a
// Python TypeError naming the variable `name` when the value's dtype is not supported.
bool bind_input(PyObject* value, std::string_view name, BoundArg& arg);

// Binds an ndarray the program writes (an `out` or a statement target): it must be writeable
// and of a supported dtype. An aligned native-order array is written in place; a misaligned
// or byte-swapped one (numexpr writes those too) is staged through an aligned native copy of
// it that write_back() copies into it after the run. Returns false with a Python
// TypeError/ValueError naming `what` otherwise (followed by ` 'name'` when `name` is given).
bool bind_output(PyObject* value, std::string_view what, BoundArg& arg,
                 std::string_view name = {});

// For a repeated call (repeat_run.hpp): true when binding the ndarray `value` with
// bind_input (bind_output when `output`) would give exactly `view` without a copy: the same
// buffer, dtype, shape and strides, aligned, in native byte order, writeable for an output.
bool binds_in_place_as(PyObject* value, const Array& view, bool output);

// A Python bool, int, float or complex, or a NumPy number or bool scalar: what bind_input
// stores in the BoundArg itself, without allocating or running Python code.
bool is_number(PyObject* value);

// Copies a staged output (see bind_output) into the caller's array; true when `arg` was not
// staged. False with a Python error set when NumPy's copy fails.
bool write_back(BoundArg& arg);

// Wraps an engine-allocated result as an ndarray that keeps the buffer alive (no copy).
PyObject* to_ndarray(const OwnedArray& result);

// A new uninitialised ndarray (C or Fortran order); null with a Python error on failure.
PyObject* empty_ndarray(DType dtype, int ndim, const std::int64_t* shape, bool fortran);

}  // namespace exprvm::python
