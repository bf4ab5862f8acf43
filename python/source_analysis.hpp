// `_core._analyze_names(source)`: exprvm::analyze_names for Python (exprvm.dask plans its
// graphs with it).
#pragma once
#include <pybind11/pybind11.h>

namespace exprvm::python {

void add_source_analysis(pybind11::module_& module);

}  // namespace exprvm::python
