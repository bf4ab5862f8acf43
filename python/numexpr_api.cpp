// evaluate / validate / re_evaluate (see numexpr_api.hpp).
#include "python/numexpr_api.hpp"

#include <array>
#include <cstring>
#include <span>
#include <string_view>

#include "python/errors.hpp"

namespace exprvm::python {
namespace {

// Keyword names of a function, interned once; fast-call keywords are usually the same objects.
template <std::size_t N>
struct KeywordNames {
  const char* spelled[N];
  PyObject* interned[N] = {};

  bool intern() {
    for (std::size_t i = 0; i < N; ++i)
      if (!(interned[i] = PyUnicode_InternFromString(spelled[i]))) return false;
    return true;
  }
};

KeywordNames<10> evaluate_keywords{{"ex", "local_dict", "global_dict", "out", "order", "casting",
                                    "optimization", "truediv", "sanitize", "writable"}};
KeywordNames<2> re_evaluate_keywords{{"local_dict", "global_dict"}};
enum EvaluateArg { kEx, kLocalDict, kGlobalDict, kOut, kOrder, kCasting, kOptimization, kTruediv,
                   kSanitize, kWritable };

// Fills values[i] (borrowed, or null when not given) from positional and keyword arguments.
template <std::size_t N>
bool parse_arguments(const char* function, const KeywordNames<N>& names, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames, PyObject** values) {
  if (nargs > static_cast<Py_ssize_t>(N)) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", function,
                 static_cast<int>(N), nargs);
    return false;
  }
  std::fill(values, values + N, nullptr);
  std::copy(args, args + nargs, values);
  const Py_ssize_t keyword_count = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < keyword_count; ++k) {
    PyObject* keyword = PyTuple_GET_ITEM(kwnames, k);
    std::size_t slot = N;
    for (std::size_t i = 0; i < N && slot == N; ++i)
      if (keyword == names.interned[i]) slot = i;
    for (std::size_t i = 0; i < N && slot == N; ++i)
      if (PyUnicode_Compare(keyword, names.interned[i]) == 0) slot = i;
    if (slot == N) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", function,
                   keyword);
      return false;
    }
    if (values[slot]) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", function,
                   names.spelled[slot]);
      return false;
    }
    values[slot] = args[nargs + k];
  }
  return true;
}

bool is_given(PyObject* value) { return value && value != Py_None; }

// UTF-8 text of a str option, or an empty view with a ValueError naming the option.
std::string_view option_text(PyObject* value, const char* option) {
  Py_ssize_t length = 0;
  const char* text = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &length) : nullptr;
  if (!text) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s must be a str, not %.200s", option,
                 Py_TYPE(value)->tp_name);
    return {};
  }
  return {text, static_cast<std::size_t>(length)};
}

bool parse_call_options(PyObject** values, CallOptions& options) {
  return parse_order(values[kOrder], options.order) &&
         parse_casting(values[kCasting], options.compile.casting) &&
         parse_optimization(values[kOptimization], options.compile.optimize) &&
         check_truediv(values[kTruediv]) && check_sanitize(values[kSanitize]) &&
         parse_writable(values[kWritable], options);
}

// The shared start of evaluate and validate: checks `ex` and the options, finds the parsed
// expression (`entry`, kept alive for the call), opens the scopes and looks the expression's
// names up. False with a Python error set on failure.
bool open_call(PyObject** values, CallOptions& options, std::shared_ptr<ExprEntry>& entry,
               NameScopes& scopes, NameValues& names) {
  PyObject* ex = values[kEx];
  if (!ex) {
    PyErr_SetString(PyExc_TypeError, "evaluate() missing required argument 'ex'");
    return false;
  }
  if (!PyUnicode_Check(ex)) {
    PyErr_Format(PyExc_TypeError, "the expression must be a str, not %.200s",
                 Py_TYPE(ex)->tp_name);
    return false;
  }
  if (!parse_call_options(values, options)) return false;
  try {
    const std::shared_ptr<ExprEntry>* cached = expression_cache().lookup(ex);
    if (!cached) return false;
    entry = *cached;
  } catch (...) {
    raise_current_exception();
    return false;
  }
  return scopes.open(values[kLocalDict], values[kGlobalDict]) && names.look_up(*entry, scopes);
}

// After evaluate() failed with a SyntaxError or TypeError: hands the call to
// exprvm._strings.fallback, which evaluates it with its byte-string operations lowered when it
// has any (the engine has no bytes dtype) and raises the error again otherwise. Other errors
// pass through. Returns fallback's result, or null with a Python error set.
PyObject* evaluate_with_strings(PyObject** values) {
  if (!values[kEx] || !PyUnicode_Check(values[kEx]) ||
      !(PyErr_ExceptionMatches(PyExc_SyntaxError) || PyErr_ExceptionMatches(PyExc_TypeError)))
    return nullptr;
  PyObject *type = nullptr, *error = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &error, &traceback);
  PyErr_NormalizeException(&type, &error, &traceback);
  if (traceback) PyException_SetTraceback(error, traceback);
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  PyObject* strings = PyImport_ImportModule("exprvm._strings");
  PyObject* result = nullptr;
  if (strings) {
    PyObject* arguments[10] = {error};
    for (int i = 0; i < 9; ++i) arguments[i + 1] = values[i] ? values[i] : Py_None;
    PyObject* fallback = PyObject_GetAttrString(strings, "fallback");
    if (fallback) result = PyObject_Vectorcall(fallback, arguments, 10, nullptr);
    Py_XDECREF(fallback);
    Py_DECREF(strings);
  }
  Py_DECREF(error);
  return result;
}

PyObject* evaluate(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* values[10];
  if (!parse_arguments("evaluate", evaluate_keywords, args, nargs, kwnames, values))
    return nullptr;
  CallOptions options;
  std::shared_ptr<ExprEntry> entry;
  NameScopes scopes;
  NameValues names;
  if (!open_call(values, options, entry, scopes, names)) return evaluate_with_strings(values);
  PyObject* result = nullptr;
  if (replay_call(entry, options, names, values[kOut], result)) return result;
  ArgBuffer bound;
  std::optional<CallProgram> call = bind_and_compile(*entry, options, names, bound);
  if (!call) return evaluate_with_strings(values);
  if (!remember_last_call(entry, options, values[kOut])) return nullptr;
  return execute_program(std::move(call->program), bound, entry->has_result(),
                         entry->result_is_broadcast(), values[kOut], options.order,
                         call->repeat.get());
}

PyObject* validate(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* values[10];
  bool ok = parse_arguments("validate", evaluate_keywords, args, nargs, kwnames, values);
  if (ok) {
    CallOptions options;
    std::shared_ptr<ExprEntry> entry;
    NameScopes scopes;
    NameValues names;
    ArgBuffer bound;
    ok = open_call(values, options, entry, scopes, names) &&
         bind_and_compile(*entry, options, names, bound) &&
         remember_last_call(entry, options, values[kOut]);
  }
  if (ok) Py_RETURN_NONE;
  // numexpr's contract: the exception is returned, not raised.
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback) PyException_SetTraceback(value, traceback);
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  return value;
}

PyObject* re_evaluate(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* values[2];
  if (!parse_arguments("re_evaluate", re_evaluate_keywords, args, nargs, kwnames, values))
    return nullptr;
  LastCall* last = last_call();
  if (!last || !last->entry) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_RuntimeError,
                      "re_evaluate(): this thread has not called evaluate() or validate() yet");
    return nullptr;
  }
  // Keep what the call needs alive even if the callee's lookups run Python code.
  const std::shared_ptr<ExprEntry> entry = last->entry;
  const CallOptions options = last->options;
  PyObject* out = Py_XNewRef(last->out);
  NameScopes scopes;
  NameValues names;
  PyObject* result = nullptr;
  if (scopes.open(values[0], values[1]) && names.look_up(*entry, scopes) &&
      !replay_call(entry, options, names, out, result)) {
    ArgBuffer bound;
    std::optional<CallProgram> call = bind_and_compile(*entry, options, names, bound);
    if (call)
      result = execute_program(std::move(call->program), bound, entry->has_result(),
                               entry->result_is_broadcast(), out, options.order,
                               call->repeat.get());
  }
  Py_XDECREF(out);
  return result;
}

constexpr const char* kEvaluateDoc =
    "evaluate(ex, local_dict=None, global_dict=None, out=None, order='K', "
    "casting='same_kind', optimization='aggressive', truediv='auto', sanitize=None, "
    "writable=None)\n--\n\n"
    "Evaluates the expression program `ex` (statements separated by ';' or newlines) on the\n"
    "arrays and numbers it names, looked up in local_dict (default: the caller's locals) and\n"
    "then global_dict (default: the caller's globals). Statement targets that name caller\n"
    "arrays are written in place. The result goes into `out` (under the `casting` rule) or a\n"
    "new array laid out by `order`. The string is compiled by exprvm, never by Python.\n"
    "writable: None lets the program assign any caller array; an iterable of names (e.g. ()\n"
    "for a string from an untrusted source) allows only those, and any other assignment to a\n"
    "caller array is a ValueError raised before anything runs.";
constexpr const char* kValidateDoc =
    "validate(ex, local_dict=None, global_dict=None, out=None, order='K', "
    "casting='same_kind', optimization='aggressive', truediv='auto', sanitize=None, "
    "writable=None)\n--\n\n"
    "Checks and compiles like evaluate() without running; returns None, or the exception\n"
    "evaluate() would raise. A successful validate() prepares re_evaluate().";
constexpr const char* kReEvaluateDoc =
    "re_evaluate(local_dict=None, global_dict=None)\n--\n\n"
    "Runs this thread's last evaluate()/validate() expression again with the same options and\n"
    "`out`, looking its names up again.";

PyMethodDef function_defs[] = {
    {"evaluate", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(evaluate)),
     METH_FASTCALL | METH_KEYWORDS, kEvaluateDoc},
    {"validate", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(validate)),
     METH_FASTCALL | METH_KEYWORDS, kValidateDoc},
    {"re_evaluate", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(re_evaluate)),
     METH_FASTCALL | METH_KEYWORDS, kReEvaluateDoc},
};

}  // namespace

bool parse_order(PyObject* order, char& result) {
  if (!is_given(order)) return true;
  const std::string_view text = option_text(order, "order");
  if (text.size() == 1 && std::strchr("KACFkacf", text[0])) {
    result = static_cast<char>(text[0] & ~0x20);  // upper case
    return true;
  }
  if (!PyErr_Occurred())
    PyErr_Format(PyExc_ValueError, "order must be one of 'K', 'A', 'C', 'F', not %R", order);
  return false;
}

bool parse_casting(PyObject* casting, Casting& result) {
  if (!is_given(casting)) return true;
  const std::string_view text = option_text(casting, "casting");
  if (text.empty()) return false;
  if (const auto rule = casting_from_name(text)) {
    result = *rule;
    return true;
  }
  PyErr_Format(PyExc_ValueError,
               "casting must be one of 'no', 'equiv', 'safe', 'same_kind', 'unsafe', not %R",
               casting);
  return false;
}

bool parse_optimization(PyObject* optimization, bool& optimize) {
  if (!is_given(optimization)) return true;
  const std::string_view text = option_text(optimization, "optimization");
  if (text == "none" || text == "moderate" || text == "aggressive") {
    optimize = text != "none";
    return true;
  }
  if (!PyErr_Occurred())
    PyErr_Format(PyExc_ValueError,
                 "optimization must be one of 'none', 'moderate', 'aggressive', not %R",
                 optimization);
  return false;
}

bool check_truediv(PyObject* truediv) {
  if (!is_given(truediv) || truediv == Py_True) return true;
  if (PyUnicode_Check(truediv) && PyUnicode_CompareWithASCIIString(truediv, "auto") == 0)
    return true;
  if (truediv == Py_False) {
    PyErr_SetString(PyExc_NotImplementedError,
                    "truediv=False (Python 2 integer division for '/') is not supported: "
                    "'/' is always true division; write '//' for floor division");
    return false;
  }
  PyErr_Format(PyExc_ValueError, "truediv must be 'auto', True or False, not %R", truediv);
  return false;
}

bool check_sanitize(PyObject* sanitize) {
  // The string never reaches Python's eval, so there is nothing to sanitize; any bool is fine.
  if (!is_given(sanitize) || PyBool_Check(sanitize)) return true;
  PyErr_Format(PyExc_ValueError, "sanitize must be None, True or False, not %R", sanitize);
  return false;
}

bool add_numexpr_functions(PyObject* module) {
  if (!evaluate_keywords.intern() || !re_evaluate_keywords.intern()) return false;
  PyObject* module_name = PyModule_GetNameObject(module);
  if (!module_name) return false;
  for (PyMethodDef& def : function_defs) {
    PyObject* function = PyCFunction_NewEx(&def, nullptr, module_name);
    if (!function || PyModule_AddObject(module, def.ml_name, function) < 0) {
      Py_XDECREF(function);
      Py_DECREF(module_name);
      return false;
    }
  }
  Py_DECREF(module_name);
  return true;
}

}  // namespace exprvm::python
