// numexpr.NumExpr objects (an expression compiled for a fixed signature, run with positional
// arguments) and disassemble().
#include "python/numexpr_object.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "python/errors.hpp"
#include "python/evaluation.hpp"
#include "python/numexpr_api.hpp"

namespace exprvm::python {
namespace {

// The dtype named by a signature entry's type: a Python type (float, int, complex, bool), a
// NumPy type or dtype, or a dtype name. NumPy's meaning: int -> int64.
DType signature_dtype(const py::object& type, const std::string& name) {
  PyArray_Descr* descr = nullptr;
  if (!PyArray_DescrConverter(type.ptr(), &descr)) throw py::error_already_set();
  const auto dtype = dtype_from_descr(descr);
  const std::string shown = py::str(reinterpret_cast<PyObject*>(descr));
  Py_DECREF(descr);
  if (!dtype)
    throw py::type_error("signature entry '" + name + "' has dtype " + shown +
                         ", which exprvm does not support");
  return *dtype;
}

}  // namespace

NumExprObject::NumExprObject(const py::str& ex, const py::object& signature,
                             const py::object& optimization, const py::object& truediv,
                             const py::object& sanitize) {
  bool optimize = true;
  if (!parse_optimization(optimization.ptr(), optimize) || !check_truediv(truediv.ptr()) ||
      !check_sanitize(sanitize.ptr()))
    throw py::error_already_set();
  options_.optimize = optimize;
  entry_ = std::make_unique<ExprEntry>(ex.ptr());
  for (const py::handle item : signature) {
    const auto pair = py::reinterpret_borrow<py::sequence>(item);
    if (pair.size() != 2) throw py::value_error("signature entries must be (name, type) pairs");
    const std::string name = py::str(pair[0]);
    signature_.push_back(Param{name, signature_dtype(pair[1], name)});
  }
  if (signature_.empty()) {  // numexpr's default: the names read, sorted, as float64
    for (const ExprName& n : entry_->names())
      if (n.role != NameRole::Target) signature_.push_back(Param{n.text, DType::Float64});
    std::sort(signature_.begin(), signature_.end(),
              [](const Param& a, const Param& b) { return a.name < b.name; });
  }
  program_for(Casting::Safe);  // report compile errors at construction, as numexpr does
}

const Program& NumExprObject::program_for(Casting casting) {
  std::optional<Program>& program = programs_[static_cast<int>(casting)];
  if (!program) {
    CompileOptions options = options_;
    options.casting = casting;
    program = compile(entry_->source(), signature_, options);
  }
  return *program;
}

bool NumExprObject::is_written(const std::string& name) const {
  for (const ExprName& n : entry_->names())
    if (n.text == name) return n.role != NameRole::Input;
  return false;
}

py::object NumExprObject::run(const py::args& args, const py::kwargs& kwargs) {
  PyObject* out = nullptr;
  char order = 'K';
  Casting casting = Casting::Safe;
  for (const auto& [key, value] : kwargs) {
    const std::string keyword = py::str(key);
    const bool ok = keyword == "out"       ? (out = value.ptr(), true)
                    : keyword == "order"   ? parse_order(value.ptr(), order)
                    : keyword == "casting" ? parse_casting(value.ptr(), casting)
                    : keyword == "ex_uses_vml";  // numexpr internal flag: no meaning here
    if (!ok) {
      if (PyErr_Occurred()) throw py::error_already_set();
      throw py::type_error("run() got an unexpected keyword argument '" + keyword + "'");
    }
  }
  if (args.size() != signature_.size())
    throw py::type_error("run() takes " + std::to_string(signature_.size()) +
                         " arguments (the signature's), " + std::to_string(args.size()) +
                         " given");
  const Program& program = program_for(casting);
  ArgBuffer bound(signature_.size());
  for (std::size_t i = 0; i < signature_.size(); ++i)
    bind_positional(args[i].ptr(), signature_[i], casting, bound.emplace());
  PyObject* result = execute_program(program, bound, entry_->has_result(),
                                     entry_->result_is_broadcast(), out, order);
  if (!result) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(result);
}

// Binds `value` for `param`: outputs in place with the exact dtype; inputs as they are when
// their dtype matches, else converted when the casting rule allows (weak Python numbers:
// same_kind), as numexpr casts arguments to its signature.
void NumExprObject::bind_positional(PyObject* value, const Param& param, Casting casting,
                                    BoundArg& arg) const {
  const std::string label = "argument '" + param.name + "'";
  if (is_written(param.name)) {
    if (!bind_output(value, label, arg)) throw py::error_already_set();
    if (arg.array.dtype != param.dtype)
      throw py::type_error(label + " is written in place, so it must have the signature's dtype " +
                           std::string(dtype_name(param.dtype)) + ", not " +
                           std::string(dtype_name(arg.array.dtype)));
    return;
  }
  if (!bind_input(value, param.name, arg)) throw py::error_already_set();
  if (arg.array.dtype != param.dtype) {
    const Casting rule = arg.weak ? Casting::SameKind : casting;
    if (!can_cast(arg.array.dtype, param.dtype, rule))
      throw py::type_error(label + " has dtype " + std::string(dtype_name(arg.array.dtype)) +
                           ", which cannot be cast to the signature's " +
                           std::string(dtype_name(param.dtype)) + " under the '" +
                           std::string(casting_name(rule)) + "' rule");
    PyArray_Descr* descr = PyArray_DescrFromType(numpy_typenum(param.dtype));
    PyObject* converted =
        PyArray_FromAny(value, descr, 0, 0, NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST, nullptr);
    if (!converted || !bind_input(converted, param.name, arg)) {
      Py_XDECREF(converted);
      throw py::error_already_set();
    }
    Py_DECREF(converted);
  }
  arg.scalar = false;  // the signature declares arrays; 0-d values broadcast
  arg.weak = false;
}

py::tuple NumExprObject::input_names() const {
  py::tuple names(signature_.size());
  for (std::size_t i = 0; i < signature_.size(); ++i) names[i] = py::str(signature_[i].name);
  return names;
}

py::tuple NumExprObject::signature() const {
  py::tuple entries(signature_.size());
  for (std::size_t i = 0; i < signature_.size(); ++i)
    entries[i] = py::make_tuple(signature_[i].name, std::string(dtype_name(signature_[i].dtype)));
  return entries;
}

void add_numexpr_class(py::module_& module) {
  py::class_<NumExprObject>(module, "NumExpr",
                            "An expression compiled for a fixed signature of (name, type) pairs "
                            "(default: the names it reads, sorted, as float64), run with "
                            "positional arguments in signature order.")
      .def(py::init<const py::str&, const py::object&, const py::object&, const py::object&,
                    const py::object&>(),
           py::arg("ex"), py::arg("signature") = py::tuple(),
           py::arg("optimization") = py::str("aggressive"), py::arg("truediv") = py::str("auto"),
           py::arg("sanitize") = py::none())
      .def("run", &NumExprObject::run,
           "run(*args, out=None, order='K', casting='safe'): evaluates on the arguments")
      .def("__call__", &NumExprObject::run)
      .def_property_readonly("input_names", &NumExprObject::input_names)
      .def_property_readonly("signature", &NumExprObject::signature)
      .def_property_readonly("source", &NumExprObject::source);
  module.def(
      "disassemble", [](NumExprObject& nex) { return nex.disassemble(); }, py::arg("nex"),
      "The bytecode of a NumExpr object (as compiled for casting='safe'), one instruction a "
      "line.");
}

}  // namespace exprvm::python
