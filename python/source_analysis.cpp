// `_core._analyze_names`: how a program's source uses its names, without compiling it.
#include "python/source_analysis.hpp"

#include <string>

#include <exprvm/exprvm.hpp>

namespace py = pybind11;

namespace exprvm::python {
namespace {

const char* role_name(NameRole role) {
  switch (role) {
    case NameRole::Input: return "input";
    case NameRole::Target: return "target";
    case NameRole::InputTarget: return "input_target";
  }
  return "input";
}

// ((name, role), ...) in order of first appearance, has_result, result_is_reduction.
py::tuple analyze(const std::string& source) {
  const SourceNames analysis = analyze_names(source);
  py::tuple names(analysis.names.size());
  for (std::size_t i = 0; i < analysis.names.size(); ++i)
    names[i] = py::make_tuple(analysis.names[i].name, role_name(analysis.names[i].role));
  return py::make_tuple(names, analysis.has_result, analysis.result_is_reduction);
}

}  // namespace

void add_source_analysis(py::module_& module) {
  module.def("_analyze_names", &analyze, py::arg("source"),
             "_analyze_names(source) -> (((name, role), ...), has_result, result_is_reduction): "
             "the names a program reads and assigns (role 'input', 'target' or "
             "'input_target'), in order of first appearance, without compiling it.");
}

}  // namespace exprvm::python
