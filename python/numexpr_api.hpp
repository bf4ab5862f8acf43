// numexpr's module-level functions as CPython fast-call functions (the per-call overhead of
// evaluate() is a feature): evaluate, validate, re_evaluate. Also the option parsing shared
// with NumExpr objects.
#pragma once
#include <Python.h>

#include "python/evaluation.hpp"

namespace exprvm::python {

// Adds evaluate, validate and re_evaluate to `module`. False with a Python error set.
bool add_numexpr_functions(PyObject* module);

// numexpr's option values -> CallOptions. Null / None arguments keep the default. False with
// a ValueError (bad value) or NotImplementedError (truediv=False) set.
bool parse_order(PyObject* order, char& result);
bool parse_casting(PyObject* casting, Casting& result);
bool parse_optimization(PyObject* optimization, bool& optimize);
bool check_truediv(PyObject* truediv);
bool check_sanitize(PyObject* sanitize);

}  // namespace exprvm::python
