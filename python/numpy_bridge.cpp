// NumPy <-> exprvm without copies (see numpy_bridge.hpp).
#include "python/numpy_bridge.hpp"

#include <algorithm>
#include <array>
#include <complex>
#include <cstring>
#include <string>

namespace exprvm::python {
namespace {

constexpr const char* kResultCapsuleName = "exprvm.result";

// TypeError: "<label> has dtype float16, which exprvm does not support (...)".
bool raise_unsupported_dtype(std::string_view label, PyArray_Descr* descr) {
  PyObject* text = PyObject_Str(reinterpret_cast<PyObject*>(descr));
  const char* dtype_text = text ? PyUnicode_AsUTF8(text) : nullptr;
  PyErr_Clear();
  std::string supported;
  for (int i = 0; i < kDTypeCount; ++i) {
    if (i) supported += ", ";
    supported += dtype_name(static_cast<DType>(i));
  }
  PyErr_Format(PyExc_TypeError, "%.200s has dtype %s, which exprvm does not support (supported: %s)",
               std::string(label).c_str(), dtype_text ? dtype_text : "?", supported.c_str());
  Py_XDECREF(text);
  return false;
}

// A 0-d view of the bytes in arg.value.
void bind_value(BoundArg& arg, DType dtype, bool weak) {
  arg.array.data = arg.value;
  arg.array.dtype = dtype;
  arg.array.ndim = 0;
  arg.scalar = true;
  arg.weak = weak;
}

template <class T>
void store_value(BoundArg& arg, const T& v, DType dtype, bool weak) {
  static_assert(sizeof(T) <= sizeof(arg.value));
  std::memcpy(arg.value, &v, sizeof(T));
  bind_value(arg, dtype, weak);
}

// Sets `view` to describe `array` (only its first ndim shape/stride entries are written).
void fill_view(Array& view, PyArrayObject* array, DType dtype) {
  view.data = PyArray_DATA(array);
  view.dtype = dtype;
  view.ndim = PyArray_NDIM(array);
  const npy_intp* shape = PyArray_DIMS(array);
  const npy_intp* strides = PyArray_STRIDES(array);
  for (int d = 0; d < view.ndim; ++d) {
    view.shape[d] = shape[d];
    view.strides[d] = strides[d];
  }
}

std::string variable_label(std::string_view name) {
  return "variable '" + std::string(name) + "'";
}

// Binds an ndarray (taking a new reference to `owner`).
void bind_array(BoundArg& arg, PyArrayObject* array, DType dtype, PyObject* owner) {
  Py_XSETREF(arg.owner, owner);
  fill_view(arg.array, array, dtype);
  arg.scalar = PyArray_NDIM(array) == 0;
  arg.weak = false;
}

}  // namespace

// NumPy's kind character of dtype t ('b', 'i', 'u', 'f', 'c').
static char numpy_kind_char(DType t) {
  switch (kind_of(t)) {
    case Kind::Bool: return 'b';
    case Kind::Int: return 'i';
    case Kind::UInt: return 'u';
    case Kind::Float: return 'f';
    case Kind::Complex: return 'c';
  }
  return '?';
}

// The dtype of core/dtypes.def with this kind character and item size.
static std::optional<DType> dtype_of_kind(char kind, int elsize) {
  for (int i = 0; i < kDTypeCount; ++i) {
    const DType t = static_cast<DType>(i);
    if (numpy_kind_char(t) == kind && static_cast<int>(itemsize(t)) == elsize) return t;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_descr(const PyArray_Descr* descr) {
  // NumPy's builtin type numbers (up to NPY_HALF) each have one kind and item size, so their
  // answers are looked up in a table made on first use (a call binds several arrays).
  constexpr int kBuiltinTypes = NPY_HALF + 1;
  static const auto by_type_number = [] {
    std::array<std::int8_t, kBuiltinTypes> table;
    for (int number = 0; number < kBuiltinTypes; ++number) {
      PyArray_Descr* builtin = PyArray_DescrFromType(number);
      const auto dtype = builtin ? dtype_of_kind(builtin->kind, builtin->elsize) : std::nullopt;
      if (!builtin) PyErr_Clear();  // not a type number of this NumPy: nothing maps to it
      Py_XDECREF(builtin);
      table[number] = dtype ? static_cast<std::int8_t>(*dtype) : -1;
    }
    return table;
  }();
  const int number = descr->type_num;
  if (number < 0 || number >= kBuiltinTypes) return dtype_of_kind(descr->kind, descr->elsize);
  if (by_type_number[number] < 0) return std::nullopt;
  return static_cast<DType>(by_type_number[number]);
}

bool bind_input(PyObject* value, std::string_view name, BoundArg& arg) {
  if (PyArray_Check(value)) {
    auto* array = reinterpret_cast<PyArrayObject*>(value);
    const auto dtype = dtype_from_descr(PyArray_DESCR(array));
    if (!dtype) return raise_unsupported_dtype(variable_label(name), PyArray_DESCR(array));
    if (PyArray_ISALIGNED(array) && PyArray_ISNOTSWAPPED(array)) {
      Py_INCREF(value);
      bind_array(arg, array, *dtype, value);
      return true;
    }
    // A misaligned or byte-swapped input: read it through an aligned native copy.
    PyArray_Descr* native = PyArray_DescrFromType(numpy_typenum(*dtype));
    PyObject* copy = PyArray_FromArray(array, native, NPY_ARRAY_ALIGNED | NPY_ARRAY_ENSURECOPY);
    if (!copy) return false;
    bind_array(arg, reinterpret_cast<PyArrayObject*>(copy), *dtype, copy);
    return true;
  }
  if (PyArray_IsScalar(value, Generic)) {  // NumPy scalars are strong, e.g. np.float32(2)
    PyArray_Descr* descr = PyArray_DescrFromScalar(value);
    if (!descr) return false;
    const auto dtype = dtype_from_descr(descr);
    if (!dtype) {
      raise_unsupported_dtype(variable_label(name), descr);
      Py_DECREF(descr);
      return false;
    }
    Py_DECREF(descr);
    PyArray_ScalarAsCtype(value, arg.value);
    bind_value(arg, *dtype, /*weak=*/false);
    return true;
  }
  if (PyBool_Check(value)) {
    store_value(arg, value == Py_True, DType::Bool, /*weak=*/true);
    return true;
  }
  if (PyLong_Check(value)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow != 0) {
      PyErr_Format(PyExc_OverflowError, "%s is a Python int that does not fit in int64",
                   variable_label(name).c_str());
      return false;
    }
    if (v == -1 && PyErr_Occurred()) return false;
    store_value(arg, static_cast<std::int64_t>(v), DType::Int64, /*weak=*/true);
    return true;
  }
  if (PyFloat_Check(value)) {
    store_value(arg, PyFloat_AS_DOUBLE(value), DType::Float64, /*weak=*/true);
    return true;
  }
  if (PyComplex_Check(value)) {
    const Py_complex c = PyComplex_AsCComplex(value);
    store_value(arg, std::complex<double>(c.real, c.imag), DType::Complex128, /*weak=*/true);
    return true;
  }
  // Anything else NumPy can turn into an array (lists, buffers, ...), as numexpr does.
  PyObject* converted = PyArray_FromAny(value, nullptr, 0, 0, NPY_ARRAY_ALIGNED, nullptr);
  if (!converted) return false;
  auto* array = reinterpret_cast<PyArrayObject*>(converted);
  const auto dtype = dtype_from_descr(PyArray_DESCR(array));
  if (!dtype || PyArray_ISBYTESWAPPED(array)) {
    if (!dtype) raise_unsupported_dtype(variable_label(name), PyArray_DESCR(array));
    else PyErr_Format(PyExc_TypeError, "%s is byte-swapped", variable_label(name).c_str());
    Py_DECREF(converted);
    return false;
  }
  bind_array(arg, array, *dtype, converted);
  return true;
}

bool bind_output(PyObject* value, std::string_view what, BoundArg& arg, std::string_view name) {
  const auto label = [what, name] {  // built only for an error
    std::string text(what);
    if (!name.empty()) text.append(" '").append(name).append("'");
    return text;
  };
  if (!PyArray_Check(value)) {
    PyErr_Format(PyExc_TypeError, "%s must be a numpy.ndarray, not %.200s", label().c_str(),
                 Py_TYPE(value)->tp_name);
    return false;
  }
  auto* array = reinterpret_cast<PyArrayObject*>(value);
  const auto dtype = dtype_from_descr(PyArray_DESCR(array));
  if (!dtype) return raise_unsupported_dtype(label(), PyArray_DESCR(array));
  if (!PyArray_ISWRITEABLE(array)) {
    PyErr_Format(PyExc_ValueError, "%s is read-only", label().c_str());
    return false;
  }
  if (!PyArray_ISALIGNED(array) || PyArray_ISBYTESWAPPED(array)) {
    PyArray_Descr* native = PyArray_DescrFromType(numpy_typenum(*dtype));
    PyObject* staged =
        PyArray_FromArray(array, native, NPY_ARRAY_ALIGNED | NPY_ARRAY_WRITEBACKIFCOPY);
    if (!staged) return false;
    bind_array(arg, reinterpret_cast<PyArrayObject*>(staged), *dtype, staged);
    arg.writes_back = staged != value;
    return true;
  }
  Py_INCREF(value);
  bind_array(arg, array, *dtype, value);
  return true;
}

bool binds_in_place_as(PyObject* value, const Array& view, bool output) {
  auto* array = reinterpret_cast<PyArrayObject*>(value);
  const int needed = NPY_ARRAY_ALIGNED | (output ? NPY_ARRAY_WRITEABLE : 0);
  if ((PyArray_FLAGS(array) & needed) != needed || PyArray_DATA(array) != view.data ||
      PyArray_NDIM(array) != view.ndim || PyArray_ISBYTESWAPPED(array))
    return false;
  // The view's own type number is the usual case; another one may name the same type (NumPy
  // has both long and long long for int64).
  const PyArray_Descr* descr = PyArray_DESCR(array);
  if (descr->type_num != numpy_typenum(view.dtype)) {
    const auto dtype = dtype_from_descr(descr);
    if (!dtype || *dtype != view.dtype) return false;
  }
  const npy_intp* shape = PyArray_DIMS(array);
  const npy_intp* strides = PyArray_STRIDES(array);
  for (int d = 0; d < view.ndim; ++d)
    if (shape[d] != view.shape[d] || strides[d] != view.strides[d]) return false;
  return true;
}

bool is_number(PyObject* value) {
  return PyFloat_Check(value) || PyLong_Check(value) || PyComplex_Check(value) ||
         PyArray_IsScalar(value, Number) || PyArray_IsScalar(value, Bool);
}

bool write_back(BoundArg& arg) {
  if (!arg.writes_back) return true;
  arg.writes_back = false;
  return PyArray_ResolveWritebackIfCopy(reinterpret_cast<PyArrayObject*>(arg.owner)) >= 0;
}

PyObject* to_ndarray(const OwnedArray& result) {
  const Array& a = result.array();
  npy_intp shape[kMaxDims];
  npy_intp strides[kMaxDims];
  for (int d = 0; d < a.ndim; ++d) {
    shape[d] = a.shape[d];
    strides[d] = a.strides[d];
  }
  const int type_number = numpy_typenum(a.dtype);
  if (a.data == nullptr)  // zero-size result: nothing to keep alive
    return PyArray_SimpleNew(a.ndim, shape, type_number);
  auto* keep = new OwnedArray(result);
  PyObject* capsule = PyCapsule_New(keep, kResultCapsuleName, [](PyObject* c) {
    delete static_cast<OwnedArray*>(PyCapsule_GetPointer(c, kResultCapsuleName));
  });
  if (!capsule) {
    delete keep;
    return nullptr;
  }
  PyObject* array = PyArray_New(&PyArray_Type, a.ndim, shape, type_number, strides, a.data, 0,
                                NPY_ARRAY_WRITEABLE, nullptr);
  if (!array) {
    Py_DECREF(capsule);
    return nullptr;
  }
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(array), capsule) < 0) {
    Py_DECREF(array);
    return nullptr;
  }
  return array;
}

PyObject* empty_ndarray(DType dtype, int ndim, const std::int64_t* shape, bool fortran) {
  npy_intp dims[kMaxDims];
  std::copy(shape, shape + ndim, dims);
  return PyArray_Empty(ndim, dims, PyArray_DescrFromType(numpy_typenum(dtype)),
                       fortran ? 1 : 0);
}

}  // namespace exprvm::python
