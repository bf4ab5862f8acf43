// numexpr.NumExpr: an expression compiled for a fixed signature, run with positional arguments.
#pragma once
#include <pybind11/pybind11.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "python/expr_cache.hpp"
#include "python/numpy_bridge.hpp"

namespace exprvm::python {
namespace py = pybind11;

class NumExprObject {
 public:
  // Throws exprvm::Error for invalid text or types, py exceptions for bad options.
  NumExprObject(const py::str& ex, const py::object& signature, const py::object& optimization,
                const py::object& truediv, const py::object& sanitize);

  // The options of run(*args, out=None, order='K', casting='safe').
  struct RunOptions {
    PyObject* out = nullptr;  // borrowed; null or None: allocate the result
    char order = 'K';
    Casting casting = Casting::Safe;
  };
  // run(): `args` (borrowed) follow the signature. Returns a new reference, or null with a
  // Python error set; throws py exceptions and exprvm::Error for bad arguments.
  PyObject* call(PyObject* const* args, std::size_t nargs, const RunOptions& run);
  std::string disassemble() { return program_for(Casting::Safe).disassemble(); }
  py::tuple input_names() const;
  py::bytes signature() const;  // numexpr's type codes of the inputs (b'dd')
  py::tuple constants();        // the program's constants, as Python numbers
  py::bytes constsig();         // their type codes
  py::bytes fullsig();          // result, inputs, constants
  const Signature& params() const { return signature_; }
  const std::string& source() const { return entry_->source(); }

 private:
  const Program& program_for(Casting casting);  // compiled on first use of each rule
  bool is_written(const std::string& name) const;
  void bind_positional(PyObject* value, std::size_t index, Casting casting,
                       BoundArg& arg) const;

  std::unique_ptr<ExprEntry> entry_;
  Signature signature_;
  std::vector<bool> written_;  // per signature entry: the program assigns it
  CompileOptions options_;
  std::array<std::optional<Program>, 5> programs_;  // indexed by Casting
  std::array<std::shared_ptr<RepeatRun>, 5> repeats_;  // their bindings (repeat_run.hpp)
};

// Adds NumExpr and disassemble() to `module`.
void add_numexpr_class(py::module_& module);

}  // namespace exprvm::python
