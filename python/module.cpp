// `exprvm._core`, the compiled core of the `exprvm` package (python/exprvm/__init__.py
// re-exports it): numexpr's API on the exprvm engine, and the NN runner as `_core.nn`.
//   import exprvm as ne
//   ne.evaluate('param - grad', out=param)
#include <pybind11/pybind11.h>

#define EXPRVM_NUMPY_IMPORTING
#include "python/numpy_bridge.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "python/errors.hpp"
#include "python/nn_module.hpp"
#include "python/numexpr_api.hpp"
#include "python/numexpr_object.hpp"
#include "python/source_analysis.hpp"
#include <exprvm/exprvm.hpp>

namespace py = pybind11;

namespace {

// Loads NumPy's C API; false with a Python error set when NumPy cannot be imported.
bool import_numpy() {
  import_array1(false);
  return true;
}

// A positive integer environment variable (at most 4096), or 0 when it is unset or not one.
int positive_environment_integer(const char* variable) {
  const char* text = std::getenv(variable);
  if (!text || !*text) return 0;
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  return *end == '\0' && n > 0 && n <= 4096 ? static_cast<int>(n) : 0;
}

// numexpr's MAX_THREADS: NUMEXPR_MAX_THREADS, else 64 (numexpr's compiled-in default).
int max_threads() {
  const int n = positive_environment_integer("NUMEXPR_MAX_THREADS");
  return n ? n : 64;
}

// The thread count the environment asks for, with numexpr's precedence (its utils.py,
// _init_num_threads) behind exprvm's own variable: EXPRVM_NUM_THREADS, NUMEXPR_NUM_THREADS,
// OMP_NUM_THREADS, then NUMEXPR_MAX_THREADS when set (numexpr starts that many threads), else
// every core (numexpr: at most 16 without NUMEXPR_MAX_THREADS). Capped at MAX_THREADS; unset,
// empty or non-integer variables are skipped.
int environment_thread_count() {
  int n = 0;
  for (const char* variable : {"EXPRVM_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS",
                               "NUMEXPR_MAX_THREADS"}) {
    if ((n = positive_environment_integer(variable))) break;
  }
  if (!n) n = exprvm::detect_number_of_cores();
  return std::min(n, max_threads());
}

// Sets `nthreads` on the core and on the package re-exporting it (when imported), whose
// __init__.py holds it as a plain attribute (see there).
void publish_thread_count(py::module_& core, int n) {
  core.attr("nthreads") = n;
  const std::string name = py::str(core.attr("__name__"));
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return;
  py::object package = py::module_::import("sys").attr("modules").attr("get")(name.substr(0, dot));
  if (!package.is_none()) package.attr("nthreads") = n;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  using namespace exprvm::python;
  m.doc() =
      "exprvm: a drop-in for numexpr. Expressions are compiled by exprvm's own parser into "
      "bytecode (never by Python's eval) and run on NumPy arrays without copies.";
  if (!import_numpy() || !add_error_types(m.ptr()) || !add_numexpr_functions(m.ptr()))
    throw py::error_already_set();
  py::register_exception_translator([](std::exception_ptr failure) {
    try {
      if (failure) std::rethrow_exception(failure);
    } catch (const exprvm::Error& error) {
      raise_engine_error(error);
    }
  });
  add_numexpr_class(m);
  add_source_analysis(m);

  exprvm::set_num_threads(environment_thread_count());
  m.def(
      "set_num_threads",
      [m](int n) mutable {
        const int old = exprvm::set_num_threads(n);
        publish_thread_count(m, exprvm::get_num_threads());
        return old;
      },
      py::arg("nthreads"),
      "Sets the number of threads used for large arrays (effective at once); returns the "
      "previous number.");
  m.def(
      "_init_num_threads",
      [m]() mutable {
        const int n = environment_thread_count();
        exprvm::set_num_threads(n);
        publish_thread_count(m, n);
        return n;
      },
      "Sets the thread count from the environment again, as at import (numexpr's "
      "_init_num_threads); returns it.");
  m.attr("MAX_THREADS") = max_threads();
  m.def("get_num_threads", &exprvm::get_num_threads, "Threads used for large arrays.");
  m.def("detect_number_of_cores", &exprvm::detect_number_of_cores, "Cores of this machine.");
  m.attr("ncores") = exprvm::detect_number_of_cores();
  m.attr("nthreads") = exprvm::get_num_threads();
  m.attr("use_vml") = false;
  m.attr("__version__") = EXPRVM_VERSION;
#ifdef EXPRVM_PYTHON_NN
  add_nn_submodule(m);
#endif
}
