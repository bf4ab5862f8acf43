// Where evaluate() finds the values of the names an expression reads: numexpr's rule, done in
// C++. local_dict (default: the caller's frame locals) is searched first, then global_dict
// (default: the caller's frame globals). Builtins are not searched.
#pragma once
#include <Python.h>

#include "python/frame_locals.hpp"

namespace exprvm::python {

class NameScopes {
 public:
  NameScopes() = default;
  NameScopes(const NameScopes&) = delete;
  NameScopes& operator=(const NameScopes&) = delete;
  // Drops the caller-locals snapshot when it was taken from a function frame (see .cpp).
  ~NameScopes();

  // `local_dict` / `global_dict` are the caller's arguments (null or None: use the calling
  // Python frame, whose locals are read in place where frame_locals.hpp allows, else through
  // a snapshot dict). Returns false with a Python error set on failure.
  bool open(PyObject* local_dict, PyObject* global_dict);

  // Borrowed reference to the value of `name`, or null (with a Python error set only when a
  // mapping raised something other than KeyError). A non-ASCII name not found as written is
  // looked up NFKC-normalised, as Python normalises the identifiers of its source.
  PyObject* find(PyObject* name) const;

 private:
  PyObject* find_as_written(PyObject* name) const;
  FrameLocals frame_locals_;
  bool in_frame_ = false;        // locals are read from frame_locals_, not locals_
  PyObject* locals_ = nullptr;   // owned
  PyObject* globals_ = nullptr;  // owned
  bool clear_locals_ = false;
};

}  // namespace exprvm::python
