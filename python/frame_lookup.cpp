// Caller-frame name lookup (see frame_lookup.hpp).
#include "python/frame_lookup.hpp"

namespace exprvm::python {
namespace {

// Borrowed value of `name` in `mapping` or null; a KeyError counts as "not found".
PyObject* lookup_in(PyObject* mapping, PyObject* name) {
  if (!mapping || mapping == Py_None) return nullptr;
  if (PyDict_CheckExact(mapping)) return PyDict_GetItemWithError(mapping, name);
  PyObject* value = PyObject_GetItem(mapping, name);
  if (!value) {
    if (PyErr_ExceptionMatches(PyExc_KeyError)) PyErr_Clear();
    return nullptr;
  }
  Py_DECREF(value);  // the mapping keeps it alive for the duration of the call
  return value;
}

// True when the running Python frame executes a function body, whose locals are a snapshot
// dict rebuilt on every access (not a class body or a module namespace).
bool caller_is_function(PyFrameObject* frame) {
  PyCodeObject* code = PyFrame_GetCode(frame);
  const bool optimized = (code->co_flags & CO_OPTIMIZED) != 0;
  Py_DECREF(code);
  return optimized;
}

}  // namespace

NameScopes::~NameScopes() {
  // numexpr issue #310: the f_locals snapshot would otherwise keep references to the caller's
  // arrays after the call. Clearing it is safe for function frames: Python rebuilds it from
  // the fast locals whenever it is read again.
  if (clear_locals_) PyDict_Clear(locals_);
  Py_XDECREF(locals_);
  Py_XDECREF(globals_);
}

bool NameScopes::open(PyObject* local_dict, PyObject* global_dict) {
  const bool need_frame_locals = !local_dict || local_dict == Py_None;
  const bool need_frame_globals = !global_dict || global_dict == Py_None;
  if (need_frame_locals && frame_locals_.open()) {
    in_frame_ = true;
    globals_ = Py_NewRef(need_frame_globals ? frame_locals_.globals() : global_dict);
    return true;
  }
  PyFrameObject* frame = (need_frame_locals || need_frame_globals) ? PyEval_GetFrame() : nullptr;
  if (need_frame_locals) {
    if (frame) {
      locals_ = PyEval_GetLocals();  // borrowed; refreshes the snapshot from the fast locals
      if (!locals_) return false;
      Py_INCREF(locals_);
      clear_locals_ = caller_is_function(frame) && PyDict_CheckExact(locals_);
    }
  } else {
    locals_ = Py_NewRef(local_dict);
  }
  if (need_frame_globals) {
    if (frame) globals_ = Py_XNewRef(PyEval_GetGlobals());
  } else {
    globals_ = Py_NewRef(global_dict);
  }
  return true;
}

PyObject* NameScopes::find_as_written(PyObject* name) const {
  PyObject* value = in_frame_ ? frame_locals_.find(name) : lookup_in(locals_, name);
  if (value || PyErr_Occurred()) return value;
  if (globals_ == locals_) return nullptr;
  return lookup_in(globals_, name);
}

PyObject* NameScopes::find(PyObject* name) const {
  PyObject* value = find_as_written(name);
  if (value || PyErr_Occurred() || !PyUnicode_Check(name) || PyUnicode_IS_ASCII(name))
    return value;
  // Python stores the identifiers of its source NFKC-normalised (a variable written `ﬁ` is
  // `fi`), so a non-ASCII name missing as written is looked up in that form too.
  static PyObject* normalize = nullptr;
  if (!normalize) {
    PyObject* unicodedata = PyImport_ImportModule("unicodedata");
    if (!unicodedata) return nullptr;
    normalize = PyObject_GetAttrString(unicodedata, "normalize");
    Py_DECREF(unicodedata);
    if (!normalize) return nullptr;
  }
  PyObject* normalized = PyObject_CallFunction(normalize, "sO", "NFKC", name);
  if (!normalized) return nullptr;
  const int same = PyUnicode_Compare(normalized, name);
  value = same == 0 ? nullptr : find_as_written(normalized);
  Py_DECREF(normalized);
  return value;
}

}  // namespace exprvm::python
