// numexpr.NumExpr objects (an expression compiled for a fixed signature, run with positional
// arguments) and disassemble().
#include "python/numexpr_object.hpp"

#include <algorithm>
#include <array>
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
  std::shared_ptr<RepeatRun>& repeat = repeats_[static_cast<int>(casting)];
  if (!repeat) repeat = std::make_shared<RepeatRun>();
  PyObject* result = execute_program(program, bound, entry_->has_result(),
                                     entry_->result_is_broadcast(), out, order, repeat.get());
  if (!result) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(result);
}

// Binds `value` for `param`: outputs in place with the exact dtype; inputs as they are when
// their dtype matches, else converted when the casting rule allows (weak Python numbers:
// same_kind), as numexpr casts arguments to its signature.
void NumExprObject::bind_positional(PyObject* value, const Param& param, Casting casting,
                                    BoundArg& arg) const {
  const auto label = [&param] { return "argument '" + param.name + "'"; };  // for errors
  if (is_written(param.name)) {
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
      .def("run", &NumExprObject::run,
           "run(*args, out=None, order='K', casting='safe'): evaluates on the arguments")
      .def("__call__", &NumExprObject::run)
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
  module.def(
      "disassemble", [](NumExprObject& nex) { return nex.disassemble(); }, py::arg("nex"),
      "The bytecode of a NumExpr object (as compiled for casting='safe'), one instruction a "
      "line.");
}

}  // namespace exprvm::python
