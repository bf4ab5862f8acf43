// exprvm.nn's engine: the NN runner (nn/) bound as the submodule `exprvm._core.nn`, which
// python/exprvm/nn/__init__.py wraps into the public `exprvm.nn`.
#pragma once
#include <pybind11/pybind11.h>

namespace exprvm::python {

// Adds the submodule `nn` (class Model, load, from_json) to the core module.
void add_nn_submodule(pybind11::module_& core);

}  // namespace exprvm::python
