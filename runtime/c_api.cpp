// The C API (include/exprvm/exprvm.h) over the C++ one: handles wrap C++ objects, every C++
// exception becomes an exprvm_error, and C arguments are checked before they become Arrays.
#include <exprvm/exprvm.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <exprvm/exprvm.hpp>

#ifndef EXPRVM_VERSION_STRING
#error "EXPRVM_VERSION_STRING must be defined by the build (the project's VERSION)"
#endif

// The C constants are the C++ enumerators, row for row.
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE)                    \
  static_assert(EXPRVM_##UPPER == static_cast<int>(exprvm::DType::NAME),                   \
                "exprvm.h: EXPRVM_" #UPPER " differs from DType::" #NAME);
#include "core/dtypes.def"
#undef X
static_assert(EXPRVM_DTYPE_COUNT == exprvm::kDTypeCount);

struct exprvm_program {
  exprvm::Program program;
};

struct exprvm_bound {
  exprvm::BoundProgram bound;
};

struct exprvm_error {
  exprvm_error_code code;
  std::string message;
  unsigned line = 0;
  unsigned column = 0;
};

namespace {

using exprvm::Error;
using exprvm::ErrorKind;

exprvm_error_code code_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Syntax: return EXPRVM_ERROR_SYNTAX;
    case ErrorKind::Name: return EXPRVM_ERROR_NAME;
    case ErrorKind::Function: return EXPRVM_ERROR_FUNCTION;
    case ErrorKind::Literal: return EXPRVM_ERROR_LITERAL;
    case ErrorKind::Type: return EXPRVM_ERROR_TYPE;
    case ErrorKind::Reduction: return EXPRVM_ERROR_REDUCTION;
    case ErrorKind::Cast: return EXPRVM_ERROR_CAST;
    case ErrorKind::Shape: return EXPRVM_ERROR_SHAPE;
    case ErrorKind::Argument: return EXPRVM_ERROR_ARGUMENT;
    case ErrorKind::Internal: return EXPRVM_ERROR_INTERNAL;
  }
  return EXPRVM_ERROR_INTERNAL;
}

// Handed out when even the error cannot be allocated; exprvm_error_free ignores it.
exprvm_error out_of_memory{EXPRVM_ERROR_OUT_OF_MEMORY, "out of memory"};

// Stores an error in *err (when err is not NULL); never throws.
void report(exprvm_error** err, exprvm_error_code code, const char* message, unsigned line = 0,
            unsigned column = 0) noexcept {
  if (!err) return;
  try {
    *err = new exprvm_error{code, message, line, column};
  } catch (...) {
    *err = &out_of_memory;
  }
}

// The current exception (inside a catch block) as an error in *err.
void report_current_exception(exprvm_error** err) noexcept {
  try {
    throw;
  } catch (const Error& e) {
    report(err, code_of(e.kind()), e.what(), e.line(), e.column());
  } catch (const std::bad_alloc&) {
    report(err, EXPRVM_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    report(err, EXPRVM_ERROR_INTERNAL, e.what());
  } catch (...) {
    report(err, EXPRVM_ERROR_INTERNAL, "unknown exception");
  }
}

// Runs body() (which returns the success value) with every exception turned into an error and
// `failed` returned instead; *err is NULL on success.
template <class Result, class Body>
Result guarded(exprvm_error** err, Result failed, Body&& body) noexcept {
  if (err) *err = nullptr;
  try {
    return body();
  } catch (...) {
    report_current_exception(err);
    return failed;
  }
}

[[noreturn]] void argument_error(const std::string& message) {
  throw Error(ErrorKind::Argument, message);
}

// The number a C caller stored in an exprvm_dtype. C lets any int through, and loading an
// out-of-range value as the C++ enum type is undefined, so its bytes are read instead.
long long dtype_number(const exprvm_dtype& dtype) {
  std::underlying_type_t<exprvm_dtype> raw;
  static_assert(sizeof raw == sizeof dtype);
  std::memcpy(&raw, &dtype, sizeof raw);
  return static_cast<std::make_signed_t<decltype(raw)>>(raw);
}

bool valid_dtype(const exprvm_dtype& dtype) {
  const long long n = dtype_number(dtype);
  return n >= 0 && n < EXPRVM_DTYPE_COUNT;
}

std::string parameter_name(const exprvm::Signature& signature, std::size_t i) {
  return i < signature.size() ? "'" + signature[i].name + "'" : std::to_string(i);
}

// A C array as an exprvm::Array, after the checks a C caller can get wrong. `who` names it in
// messages ("argument 'a'", "out").
exprvm::Array to_array(const exprvm_array& a, const std::string& who) {
  if (!valid_dtype(a.dtype))
    argument_error(who + " has dtype " + std::to_string(dtype_number(a.dtype)) +
                   ", which is not an exprvm_dtype");
  if (a.ndim < 0 || a.ndim > exprvm::kMaxDims)
    argument_error(who + " has ndim " + std::to_string(a.ndim) + "; it must be in [0, " +
                   std::to_string(exprvm::kMaxDims) + "]");
  if (a.ndim > 0 && !a.shape) argument_error(who + " has ndim > 0 but a NULL shape");
  const auto dtype = static_cast<exprvm::DType>(a.dtype);
  const std::span<const std::int64_t> shape(a.shape, static_cast<std::size_t>(a.ndim));
  if (a.strides)
    return exprvm::Array::strided(a.data, dtype, shape,
                                  std::span(a.strides, static_cast<std::size_t>(a.ndim)));
  return exprvm::Array::from_raw(a.data, dtype, shape);
}

// The C arguments of exprvm_run / exprvm_bind, checked and converted.
struct Arguments {
  std::vector<exprvm::Array> args;
  std::optional<exprvm::Array> out;
  const exprvm::Array* out_pointer() const { return out ? &*out : nullptr; }
};

Arguments to_arguments(const char* who, const exprvm_program* program, const exprvm_array* args,
                       std::size_t nargs, const exprvm_array* out) {
  if (!program) argument_error(std::string(who) + ": program is NULL");
  const exprvm::Program& p = program->program;
  const exprvm::Signature& signature = p.signature();
  if (nargs != signature.size())
    argument_error(std::string(who) + ": " + std::to_string(nargs) +
                   " arguments given, the program takes " + std::to_string(signature.size()));
  if (nargs > 0 && !args) argument_error(std::string(who) + ": args is NULL");
  const std::optional<exprvm::DType> result = p.result_dtype();
  if (result && !out)
    argument_error(std::string(who) + ": the program has a result (" +
                   std::string(exprvm::dtype_name(*result)) +
                   "), so out must be an array of the arguments' broadcast shape");
  Arguments converted;
  converted.args.reserve(nargs);
  for (std::size_t i = 0; i < nargs; ++i)
    converted.args.push_back(to_array(args[i], "argument " + parameter_name(signature, i)));
  if (out) converted.out = to_array(*out, "out");
  return converted;
}

}  // namespace

extern "C" {

const char* exprvm_dtype_name(exprvm_dtype dtype) {
  static const char* const names[] = {
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE) SPELLING,
#include "core/dtypes.def"
#undef X
  };
  return valid_dtype(dtype) ? names[dtype] : nullptr;
}

const char* exprvm_version(void) { return EXPRVM_VERSION_STRING; }

const char* exprvm_error_message(const exprvm_error* error) {
  return error ? error->message.c_str() : "";
}

exprvm_error_code exprvm_error_kind(const exprvm_error* error) {
  return error ? error->code : EXPRVM_ERROR_INTERNAL;
}

const char* exprvm_error_kind_name(exprvm_error_code code) {
  if (code == EXPRVM_ERROR_OUT_OF_MEMORY) return "out of memory error";
  for (int k = 0; k <= static_cast<int>(ErrorKind::Internal); ++k)
    if (code_of(static_cast<ErrorKind>(k)) == code)
      return exprvm::error_kind_name(static_cast<ErrorKind>(k)).data();
  return nullptr;
}

unsigned exprvm_error_line(const exprvm_error* error) { return error ? error->line : 0; }
unsigned exprvm_error_column(const exprvm_error* error) { return error ? error->column : 0; }

void exprvm_error_free(exprvm_error* error) {
  if (error != &out_of_memory) delete error;
}

exprvm_program* exprvm_compile(const char* source, const exprvm_param* params, size_t nparams,
                               exprvm_error** err) {
  return guarded(err, static_cast<exprvm_program*>(nullptr), [&] {
    if (!source) argument_error("exprvm_compile: source is NULL");
    if (nparams > 0 && !params) argument_error("exprvm_compile: params is NULL");
    exprvm::Signature signature;
    signature.reserve(nparams);
    for (std::size_t i = 0; i < nparams; ++i) {
      const exprvm_param& p = params[i];
      if (!p.name) argument_error("exprvm_compile: params[" + std::to_string(i) + "].name is NULL");
      if (!valid_dtype(p.dtype))
        argument_error("exprvm_compile: parameter '" + std::string(p.name) + "' has dtype " +
                       std::to_string(dtype_number(p.dtype)) + ", which is not an exprvm_dtype");
      signature.push_back({p.name, static_cast<exprvm::DType>(p.dtype), p.scalar != 0});
    }
    return new exprvm_program{exprvm::compile(source, signature)};
  });
}

void exprvm_program_free(exprvm_program* program) { delete program; }

int exprvm_program_result_dtype(const exprvm_program* program, exprvm_dtype* dtype) {
  if (!program) return 0;
  const std::optional<exprvm::DType> result = program->program.result_dtype();
  if (result && dtype) *dtype = static_cast<exprvm_dtype>(*result);
  return result ? 1 : 0;
}

int exprvm_run(const exprvm_program* program, const exprvm_array* args, size_t nargs,
               exprvm_array* out, exprvm_error** err) {
  return guarded(err, -1, [&] {
    const Arguments a = to_arguments("exprvm_run", program, args, nargs, out);
    program->program.run(a.args, a.out_pointer());
    return 0;
  });
}

char* exprvm_disassemble(const exprvm_program* program, exprvm_error** err) {
  return guarded(err, static_cast<char*>(nullptr), [&] {
    if (!program) argument_error("exprvm_disassemble: program is NULL");
    const std::string text = program->program.disassemble();
    char* copy = static_cast<char*>(std::malloc(text.size() + 1));
    if (!copy) throw std::bad_alloc();
    std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
  });
}

void exprvm_string_free(char* string) { std::free(string); }

exprvm_bound* exprvm_bind(const exprvm_program* program, const exprvm_array* args, size_t nargs,
                          exprvm_array* out, exprvm_error** err) {
  return guarded(err, static_cast<exprvm_bound*>(nullptr), [&] {
    const Arguments a = to_arguments("exprvm_bind", program, args, nargs, out);
    return new exprvm_bound{program->program.bind(a.args, a.out_pointer())};
  });
}

int exprvm_bound_run(exprvm_bound* bound, exprvm_error** err) {
  return guarded(err, -1, [&] {
    if (!bound) argument_error("exprvm_bound_run: bound is NULL");
    bound->bound.run();
    return 0;
  });
}

void exprvm_bound_free(exprvm_bound* bound) { delete bound; }

int exprvm_set_num_threads(int n, exprvm_error** err) {
  return guarded(err, -1, [&] { return exprvm::set_num_threads(n); });
}

int exprvm_get_num_threads(void) { return exprvm::get_num_threads(); }

static_assert(EXPRVM_JIT_OFF == static_cast<int>(exprvm::JitMode::Off) &&
              EXPRVM_JIT_TIERED == static_cast<int>(exprvm::JitMode::Tiered) &&
              EXPRVM_JIT_ALWAYS == static_cast<int>(exprvm::JitMode::Always));

int exprvm_set_jit(exprvm_jit_mode mode, exprvm_error** err) {
  return guarded(err, -1, [&] {
    const int value = static_cast<int>(mode);  // a C caller may pass any int
    if (value < EXPRVM_JIT_OFF || value > EXPRVM_JIT_ALWAYS)
      argument_error("exprvm_set_jit: " + std::to_string(value) +
                     " is not EXPRVM_JIT_OFF (0), EXPRVM_JIT_TIERED (1) or EXPRVM_JIT_ALWAYS (2)");
    return static_cast<int>(exprvm::set_jit(static_cast<exprvm::JitMode>(value)));
  });
}

exprvm_jit_mode exprvm_get_jit(void) { return static_cast<exprvm_jit_mode>(exprvm::jit_mode()); }

}  // extern "C"

int exprvm_check_writable(const exprvm_program* program, const char* const* names, size_t nnames,
                          exprvm_error** err) {
  return guarded(err, -1, [&] {
    if (!program) argument_error("exprvm_check_writable: program is NULL");
    if (nnames > 0 && !names) argument_error("exprvm_check_writable: names is NULL");
    std::vector<std::string_view> writable;
    for (std::size_t i = 0; i < nnames; ++i) {
      if (!names[i]) argument_error("exprvm_check_writable: names[" + std::to_string(i) + "] is NULL");
      writable.emplace_back(names[i]);
    }
    exprvm::check_writable(program->program, writable);
    return 0;
  });
}
