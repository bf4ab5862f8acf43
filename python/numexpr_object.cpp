// numexpr.NumExpr objects (an expression compiled for a fixed signature, run with positional
// arguments) and disassemble().
#include "python/numexpr_object.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "python/errors.hpp"
#include "python/evaluation.hpp"
#include "python/numexpr_api.hpp"
#include "python/repeat_run.hpp"

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

// numexpr's one-letter type code of a dtype (its interpreter's: b bool, i int32, l int64,
// f float32, d float64, c complex128); dtypes numexpr lacks use NumPy's type characters (h, B,
// H, I, L, e, F), and int8 'y' (NumPy's 'b' is numexpr's bool).
char type_code(DType t) {
  switch (t) {
    case DType::Bool: return 'b';
    case DType::Int8: return 'y';
    case DType::Int16: return 'h';
    case DType::Int32: return 'i';
    case DType::Int64: return 'l';
    case DType::UInt8: return 'B';
    case DType::UInt16: return 'H';
    case DType::UInt32: return 'I';
    case DType::UInt64: return 'L';
    case DType::Float16: return 'e';
    case DType::Float32: return 'f';
    case DType::Float64: return 'd';
    case DType::Complex64: return 'F';
    case DType::Complex128: return 'c';
  }
  return '?';
}

// The dtype whose disassembler suffix is `suffix` ("f64"), if any.
std::optional<DType> dtype_of_suffix(std::string_view suffix) {
  for (int i = 0; i < kDTypeCount; ++i)
    if (dtype_suffix(static_cast<DType>(i)) == suffix) return static_cast<DType>(i);
  return std::nullopt;
}

// The constants of a bytecode listing (Program::disassemble), in order of first use, each
// with its text ("2.5", "(1+2j)", "True") and dtype: the instruction's operand dtype (a
// where's condition: bool; a cast's: its source dtype).
std::vector<std::pair<std::string, DType>> listed_constants(const std::string& listing) {
  std::vector<std::pair<std::string, DType>> constants;
  std::size_t line_start = 0;
  while (line_start < listing.size()) {
    std::size_t line_end = listing.find('\n', line_start);
    if (line_end == std::string::npos) line_end = listing.size();
    const std::string_view line(listing.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    const std::size_t arrow = line.find(" <- ");
    if (line.empty() || line[0] == ';' || arrow == std::string_view::npos) continue;
    // "  0  mul.f64    t0 <- in:a, c:2.5": the opcode is the word before the destination
    std::string_view head = line.substr(0, arrow);
    head = head.substr(0, head.find_last_not_of(' ') + 1);
    head = head.substr(0, head.find_last_of(' '));
    head = head.substr(0, head.find_last_not_of(' ') + 1);
    const std::string_view opcode = head.substr(head.find_last_of(' ') + 1);
    const std::size_t dot = opcode.find('.');
    std::string_view suffix = opcode.substr(dot + 1);
    const std::size_t source = suffix.find("<-");
    if (source != std::string_view::npos) suffix = suffix.substr(source + 2);
    const auto dtype = dtype_of_suffix(suffix);
    std::string_view operands = line.substr(arrow + 4);
    for (int index = 0; !operands.empty(); ++index) {
      const std::size_t comma = operands.find(", ");
      const std::string_view operand = operands.substr(0, comma);
      operands = comma == std::string_view::npos ? std::string_view() : operands.substr(comma + 2);
      if (operand.substr(0, 2) != "c:" || !dtype) continue;
      const bool condition = index == 0 && opcode.substr(0, dot) == "where";
      std::pair<std::string, DType> constant{std::string(operand.substr(2)),
                                             condition ? DType::Bool : *dtype};
      if (std::find(constants.begin(), constants.end(), constant) == constants.end())
        constants.push_back(std::move(constant));
    }
  }
  return constants;
}

// A constant's listed text as a Python bool, int, float or complex.
py::object constant_value(const std::string& text, DType dtype) {
  const py::module_ builtins = py::module_::import("builtins");
  switch (kind_of(dtype)) {
    case Kind::Bool: return py::bool_(text == "True");
    case Kind::Int:
    case Kind::UInt: return builtins.attr("int")(text);
    case Kind::Float: return builtins.attr("float")(text);
    case Kind::Complex: return builtins.attr("complex")(text);
  }
  return py::none();
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
  for (const Param& p : signature_) written_.push_back(is_written(p.name));
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

namespace {

// NumExpr's keyword arguments (`keyword` a str): out, order, casting, ex_uses_vml (numexpr's
// internal flag, meaningless here). False with a Python error set.
bool parse_run_keyword(PyObject* keyword, PyObject* value, NumExprObject::RunOptions& run) {
  const char* name = PyUnicode_AsUTF8(keyword);
  if (!name) return false;
  if (std::strcmp(name, "out") == 0) {
    run.out = value;
    return true;
  }
  if (std::strcmp(name, "order") == 0) return parse_order(value, run.order);
  if (std::strcmp(name, "casting") == 0) return parse_casting(value, run.casting);
  if (std::strcmp(name, "ex_uses_vml") == 0) return true;
  PyErr_Format(PyExc_TypeError, "run() got an unexpected keyword argument '%s'", name);
  return false;
}

// The NumExprObject of `self` (a NumExpr instance or an instance of a subclass), or null with
// a TypeError when it has none (a subclass whose __init__ did not call NumExpr's).
NumExprObject* numexpr_of(PyObject* self) {
  static const py::detail::type_info* type = py::detail::get_type_info(typeid(NumExprObject));
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  const py::detail::value_and_holder holder = instance->get_value_and_holder(type, false);
  if (!holder || !holder.holder_constructed()) {
    PyErr_SetString(PyExc_TypeError, "NumExpr.__init__ has not been called on this object");
    return nullptr;
  }
  return holder.value_ptr<NumExprObject>();
}

// Runs nex->call, turning its C++ exceptions into Python errors.
PyObject* guarded_call(NumExprObject* nex, PyObject* const* args, std::size_t nargs,
                       const NumExprObject::RunOptions& run) {
  try {
    return nex->call(args, nargs, run);
  } catch (py::error_already_set& error) {
    error.restore();
  } catch (const py::builtin_exception& error) {
    error.set_error();
  } catch (...) {
    raise_current_exception();
  }
  return nullptr;
}

// NumExpr.run(*args, **options) as a METH_FASTCALL | METH_KEYWORDS method: pybind11's
// dispatcher cost more than the run of a small array.
PyObject* numexpr_run(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                      PyObject* kwnames) {
  NumExprObject* nex = numexpr_of(self);
  if (!nex) return nullptr;
  NumExprObject::RunOptions run;
  const Py_ssize_t keyword_count = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < keyword_count; ++k)
    if (!parse_run_keyword(PyTuple_GET_ITEM(kwnames, k), args[nargs + k], run)) return nullptr;
  return guarded_call(nex, args, static_cast<std::size_t>(nargs), run);
}

// NumExpr's tp_call: `nex(*args, **options)`.
PyObject* numexpr_tp_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  NumExprObject* nex = numexpr_of(self);
  if (!nex) return nullptr;
  NumExprObject::RunOptions run;
  Py_ssize_t position = 0;
  PyObject *keyword = nullptr, *value = nullptr;
  while (kwargs && PyDict_Next(kwargs, &position, &keyword, &value))
    if (!parse_run_keyword(keyword, value, run)) return nullptr;
  return guarded_call(nex, &PyTuple_GET_ITEM(args, 0),
                      static_cast<std::size_t>(PyTuple_GET_SIZE(args)), run);
}

constexpr const char* kRunDoc =
    "run(*args, out=None, order='K', casting='safe'): evaluates on the arguments";
PyMethodDef run_defs[] = {
    {"run", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(numexpr_run)),
     METH_FASTCALL | METH_KEYWORDS, kRunDoc},
    {"__call__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(numexpr_run)),
     METH_FASTCALL | METH_KEYWORDS, kRunDoc},
};

// Installs run and __call__ on the NumExpr type `cls` as fast-call methods and its tp_call.
void add_fast_run(py::handle cls) {
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  for (PyMethodDef& def : run_defs) {
    PyObject* method = PyDescr_NewMethod(type, &def);
    // Straight into the type's dict: setattr would make tp_call look __call__ up per call.
    if (!method || PyDict_SetItemString(type->tp_dict, def.ml_name, method) < 0) {
      Py_XDECREF(method);
      throw py::error_already_set();
    }
    Py_DECREF(method);
  }
  type->tp_call = numexpr_tp_call;
  PyType_Modified(type);
}

}  // namespace

PyObject* NumExprObject::call(PyObject* const* args, std::size_t nargs, const RunOptions& run) {
  if (nargs != signature_.size())
    throw py::type_error("run() takes " + std::to_string(signature_.size()) +
                         " arguments (the signature's), " + std::to_string(nargs) + " given");
  const Program& program = program_for(run.casting);
  ArgBuffer bound(signature_.size());
  for (std::size_t i = 0; i < signature_.size(); ++i)
    bind_positional(args[i], i, run.casting, bound.emplace());
  std::shared_ptr<RepeatRun>& repeat = repeats_[static_cast<int>(run.casting)];
  if (!repeat) repeat = std::make_shared<RepeatRun>();
  return execute_program(program, bound, entry_->has_result(), entry_->result_is_broadcast(),
                         run.out, run.order, repeat.get());
}

// Binds `value` for `param`: outputs in place with the exact dtype; inputs as they are when
// their dtype matches, else converted when the casting rule allows (weak Python numbers:
// same_kind), as numexpr casts arguments to its signature.
void NumExprObject::bind_positional(PyObject* value, std::size_t index, Casting casting,
                                    BoundArg& arg) const {
  const Param& param = signature_[index];
  const auto label = [&param] { return "argument '" + param.name + "'"; };  // for errors
  if (written_[index]) {
    if (!bind_output(value, "argument", arg, param.name)) throw py::error_already_set();
    if (arg.array.dtype != param.dtype)
      throw py::type_error(label() + " is written in place, so it must have the signature's " +
                           "dtype " + std::string(dtype_name(param.dtype)) + ", not " +
                           std::string(dtype_name(arg.array.dtype)));
    return;
  }
  if (!bind_input(value, param.name, arg)) throw py::error_already_set();
  if (arg.array.dtype != param.dtype) {
    const Casting rule = arg.weak ? Casting::SameKind : casting;
    if (!can_cast(arg.array.dtype, param.dtype, rule))
      throw py::type_error(label() + " has dtype " + std::string(dtype_name(arg.array.dtype)) +
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

py::bytes NumExprObject::signature() const {
  std::string codes;
  for (const Param& p : signature_) codes += type_code(p.dtype);
  return py::bytes(codes);
}

py::tuple NumExprObject::constants() {
  const auto listed = listed_constants(disassemble());
  py::tuple values(listed.size());
  for (std::size_t i = 0; i < listed.size(); ++i)
    values[i] = constant_value(listed[i].first, listed[i].second);
  return values;
}

py::bytes NumExprObject::constsig() {
  std::string codes;
  for (const auto& constant : listed_constants(disassemble())) codes += type_code(constant.second);
  return py::bytes(codes);
}

py::bytes NumExprObject::fullsig() {
  const auto result = program_for(Casting::Safe).result_dtype();
  return py::bytes(std::string(result ? 1 : 0, result ? type_code(*result) : ' ') +
                   std::string(signature()) + std::string(constsig()));
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
      .def_property_readonly("input_names", &NumExprObject::input_names)
      .def_property_readonly("signature", &NumExprObject::signature,
                             "numexpr's type codes of the inputs, e.g. b'dd'")
      .def_property_readonly("constants", &NumExprObject::constants,
                             "the compiled program's constants, in order of first use")
      .def_property_readonly("constsig", &NumExprObject::constsig,
                             "the constants' type codes")
      .def_property_readonly("fullsig", &NumExprObject::fullsig,
                             "type codes of the result, the inputs and the constants")
      .def_property_readonly(
          "program", [](NumExprObject& nex) { return py::bytes(nex.disassemble()); },
          "the bytecode listing as bytes (numexpr: its opcodes)")
      .def_property_readonly(
          "input_signature",
          [](const NumExprObject& nex) {
            py::tuple entries(nex.params().size());
            for (std::size_t i = 0; i < nex.params().size(); ++i)
              entries[i] = py::make_tuple(nex.params()[i].name,
                                          std::string(dtype_name(nex.params()[i].dtype)));
            return entries;
          },
          "((name, dtype name), ...) of the inputs")
      .def_property_readonly("source", &NumExprObject::source);
  add_fast_run(module.attr("NumExpr"));
  module.def(
      "disassemble", [](NumExprObject& nex) { return nex.disassemble(); }, py::arg("nex"),
      "The bytecode of a NumExpr object (as compiled for casting='safe'), one instruction a "
      "line.");
}

}  // namespace exprvm::python
