// In-place reads of the calling function's locals (see frame_locals.hpp). CPython keeps its
// frame layout in internal headers: this file alone includes them, and only for 3.11, whose
// _PyFrame_FastToLocalsWithError (what PyEval_GetLocals runs) it mirrors for plain locals.
#if __has_include(<internal/pycore_frame.h>)
#define Py_BUILD_CORE  // the internal headers refuse to load without it
#include <Python.h>
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#include <internal/pycore_code.h>
#include <internal/pycore_frame.h>
#define EXPRVM_FRAME_LOCALS 1
#endif
#else
#include <Python.h>
#endif

#include "python/frame_locals.hpp"

namespace exprvm::python {

#ifdef EXPRVM_FRAME_LOCALS

bool FrameLocals::open() {
  PyThreadState* thread = _PyThreadState_UncheckedGet();
  _PyInterpreterFrame* frame = thread ? thread->cframe->current_frame : nullptr;
  if (!frame || _PyFrame_IsIncomplete(frame)) return false;
  const PyCodeObject* code = frame->f_code;
  // A function body whose every local is a plain fast local (no cells, no free variables).
  if (!(code->co_flags & CO_OPTIMIZED) || code->co_ncellvars != 0 || code->co_nfreevars != 0)
    return false;
  // Names left in the snapshot dict (by exec or a debugger writing frame.f_locals) would be
  // found by the dict path, so then it is taken (it empties the dict after the call).
  PyObject* snapshot = frame->f_locals;
  if (snapshot && (!PyDict_CheckExact(snapshot) || PyDict_GET_SIZE(snapshot) != 0)) return false;
  names_ = &PyTuple_GET_ITEM(code->co_localsplusnames, 0);
  values_ = frame->localsplus;
  count_ = code->co_nlocalsplus;
  globals_ = frame->f_globals;
  return true;
}

PyObject* FrameLocals::find(PyObject* name) const {
  // Code objects intern their names, and so does ExprEntry, so a name is usually found by
  // identity; names that are not interned (a str subclass in a hand-made code object, an
  // NFKC-normalised lookup) are compared by value.
  for (int i = 0; i < count_; ++i)
    if (names_[i] == name) return values_[i];
  const bool interned = PyUnicode_CheckExact(name) && PyUnicode_CHECK_INTERNED(name);
  for (int i = 0; i < count_; ++i)
    if ((!interned || !PyUnicode_CHECK_INTERNED(names_[i])) &&
        PyUnicode_Compare(names_[i], name) == 0)
      return values_[i];
  return nullptr;
}

#else

bool FrameLocals::open() { return false; }
PyObject* FrameLocals::find(PyObject*) const { return nullptr; }

#endif

}  // namespace exprvm::python
