// The calling function's local variables read in place, instead of through PyEval_GetLocals,
// which rebuilds a dict of every local on each call (about 600 of the ~5,000 instructions an
// evaluate() call cost). Only where that gives the same answers as the dict: CPython 3.11's
// frame layout, a function frame (CO_OPTIMIZED) without cell or free variables, whose
// f_locals snapshot is absent or empty (nothing left in it by locals(), exec or a debugger).
// Elsewhere (other CPython versions, module or class bodies, closures) open() says no and the
// caller takes the dict path.
#pragma once
#include <Python.h>

namespace exprvm::python {

class FrameLocals {
 public:
  // Reads the innermost Python frame of this thread. True when its locals can be read in
  // place (see above); then globals() is the frame's globals (borrowed).
  bool open();

  // Borrowed value of the local variable `name` (a str), or null when the frame has no such
  // local or it is unbound (NameScopes then looks in the globals, as the dict path would).
  PyObject* find(PyObject* name) const;

  PyObject* globals() const { return globals_; }

 private:
  PyObject* const* names_ = nullptr;   // the code's co_localsplusnames items
  PyObject* const* values_ = nullptr;  // the frame's fast locals, in the same order
  int count_ = 0;
  PyObject* globals_ = nullptr;
};

}  // namespace exprvm::python
