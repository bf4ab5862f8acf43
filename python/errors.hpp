// exprvm::Error -> Python exceptions. The mapping (documented in the README):
//   Syntax, Literal            -> SyntaxError
//   Name                       -> exprvm.UndefinedVariableError (a NameError and a KeyError:
//                                 numexpr raises KeyError for a missing name)
//   Function, Type, Cast       -> TypeError
//   Reduction, Shape, Argument -> ValueError
//   Internal                   -> RuntimeError
// The message is Error::what(): the text plus, when the error has a source position, the
// source line and a caret line under the culprit. The exception gets attributes `kind` (e.g.
// "syntax"), `line` and `column` (1-based, None without a position).
#pragma once
#include <Python.h>

#include "core/error.hpp"

namespace exprvm::python {

// Creates exprvm.UndefinedVariableError and adds it to `module`. False with a Python error.
bool add_error_types(PyObject* module);

// Sets the Python exception for `error`; returns null so callers can `return raise(...)`.
PyObject* raise_engine_error(const Error& error);

// Sets the Python exception for the C++ exception being handled (call inside a catch block).
PyObject* raise_current_exception();

}  // namespace exprvm::python
