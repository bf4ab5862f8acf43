// numexpr.NumExpr: an expression compiled for a fixed signature, run with positional arguments.
#pragma once
#include <pybind11/pybind11.h>

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "python/expr_cache.hpp"
#include "python/numpy_bridge.hpp"

namespace exprvm::python {
namespace py = pybind11;

class NumExprObject {
 public:
  // Throws exprvm::Error for invalid text or types, py exceptions for bad options.
  NumExprObject(const py::str& ex, const py::object& signature, const py::object& optimization,
                const py::object& truediv, const py::object& sanitize);

  // run(*args, out=None, order='K', casting='safe'): args follow the signature.
  py::object run(const py::args& args, const py::kwargs& kwargs);
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
  void bind_positional(PyObject* value, const Param& param, Casting casting,
                       BoundArg& arg) const;

  std::unique_ptr<ExprEntry> entry_;
  Signature signature_;
  CompileOptions options_;
  std::array<std::optional<Program>, 5> programs_;  // indexed by Casting
  std::array<std::shared_ptr<RepeatRun>, 5> repeats_;  // their bindings (repeat_run.hpp)
};

// Adds NumExpr and disassemble() to `module`.
void add_numexpr_class(py::module_& module);

}  // namespace exprvm::python
