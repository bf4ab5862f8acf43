// exprvm::Error -> Python exceptions (see errors.hpp).
#include "python/errors.hpp"

#include <exception>
#include <new>
#include <string>

namespace exprvm::python {
namespace {

PyObject* undefined_variable_error = nullptr;  // owned by the module once created

PyObject* exception_type_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Syntax:
    case ErrorKind::Literal: return PyExc_SyntaxError;
    case ErrorKind::Name: return undefined_variable_error;
    case ErrorKind::Function:
    case ErrorKind::Type:
    case ErrorKind::Cast: return PyExc_TypeError;
    case ErrorKind::Reduction:
    case ErrorKind::Shape:
    case ErrorKind::Argument: return PyExc_ValueError;
    case ErrorKind::Internal: return PyExc_RuntimeError;
  }
  return PyExc_RuntimeError;
}

PyObject* position_value(const Error& error, std::uint32_t value) {
  if (!error.has_position()) Py_RETURN_NONE;
  return PyLong_FromUnsignedLong(value);
}

// Sets attribute `name` to `value` (stolen); false when either is null.
bool set_stolen_attribute(PyObject* target, const char* name, PyObject* value) {
  if (!value) return false;
  const int status = PyObject_SetAttrString(target, name, value);
  Py_DECREF(value);
  return status == 0;
}

}  // namespace

bool add_error_types(PyObject* module) {
  // Subclass of NameError (what Python raises for an unknown name) and KeyError (what numexpr
  // raises), printing its message as is (KeyError would print its repr).
  PyObject* bases = PyTuple_Pack(2, PyExc_NameError, PyExc_KeyError);
  PyObject* attributes = PyDict_New();
  PyObject* plain_str = PyObject_GetAttrString(PyExc_BaseException, "__str__");
  if (!bases || !attributes || !plain_str ||
      PyDict_SetItemString(attributes, "__str__", plain_str) < 0) {
    Py_XDECREF(bases);
    Py_XDECREF(attributes);
    Py_XDECREF(plain_str);
    return false;
  }
  undefined_variable_error =
      PyErr_NewExceptionWithDoc("exprvm.UndefinedVariableError",
                                "An expression reads a name that is neither in local_dict / "
                                "the caller's locals nor in global_dict / its globals.",
                                bases, attributes);
  Py_DECREF(bases);
  Py_DECREF(attributes);
  Py_DECREF(plain_str);
  if (!undefined_variable_error) return false;
  Py_INCREF(undefined_variable_error);  // one reference stays here for exception_type_for
  return PyModule_AddObject(module, "UndefinedVariableError", undefined_variable_error) == 0;
}

PyObject* raise_engine_error(const Error& error) {
  PyObject* type = exception_type_for(error.kind());
  PyObject* exception = PyObject_CallFunction(type, "s", error.what());
  if (!exception) return nullptr;
  std::string kind(error_kind_name(error.kind()));  // "syntax error" -> "syntax"
  if (const auto suffix = kind.rfind(" error"); suffix != std::string::npos) kind.erase(suffix);
  if (set_stolen_attribute(exception, "kind", PyUnicode_FromStringAndSize(kind.data(), kind.size())) &&
      set_stolen_attribute(exception, "line", position_value(error, error.line())) &&
      set_stolen_attribute(exception, "column", position_value(error, error.column()))) {
    PyErr_SetObject(type, exception);
  }
  Py_DECREF(exception);
  return nullptr;
}

PyObject* raise_current_exception() {
  try {
    throw;
  } catch (const Error& error) {
    return raise_engine_error(error);
  } catch (const std::bad_alloc&) {
    return PyErr_NoMemory();
  } catch (const std::exception& error) {
    PyErr_Format(PyExc_RuntimeError, "exprvm internal error: %s", error.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "exprvm internal error: unknown C++ exception");
  }
  return nullptr;
}

}  // namespace exprvm::python
