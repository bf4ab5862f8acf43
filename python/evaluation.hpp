// The core of evaluate(): bind the names an expression reads and writes to caller values, find
// or compile the program for their types, run it (GIL released for large arrays) and hand the
// result back as an ndarray. Shared by evaluate/validate/re_evaluate and NumExpr objects.
#pragma once
#include <Python.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "python/expr_cache.hpp"
#include "python/frame_lookup.hpp"
#include "python/numpy_bridge.hpp"

namespace exprvm::python {

class RepeatRun;

// evaluate(writable=...): the names of caller arrays the program may assign.
struct WritableNames {
  std::vector<std::string> names;
  std::vector<std::string_view> views;  // of `names`, for exprvm::check_writable
};

// Per-call options beyond the compile options.
struct CallOptions {
  CompileOptions compile;
  char order = 'K';  // layout of an allocated result: 'K', 'A', 'C' or 'F'
  // null (writable=None): any caller array may be assigned; else only those named
  std::shared_ptr<const WritableNames> writable;

  // The compile options as one byte of a program-cache key.
  char key_byte() const {
    return static_cast<char>(static_cast<int>(compile.casting) | (compile.optimize ? 8 : 0) |
                             (compile.allow_fma ? 16 : 0));
  }
};

// Arguments of one call in signature order; BoundArgs never move (scalars point into them).
// Nothing in the inline storage is initialised until emplace() (a value-initialised buffer,
// e.g. in a std::optional, cost 580 instructions of zeroing a call).
class ArgBuffer {
 public:
  explicit ArgBuffer(std::size_t capacity = 0) { reserve(capacity); }
  ~ArgBuffer();
  ArgBuffer(const ArgBuffer&) = delete;
  ArgBuffer& operator=(const ArgBuffer&) = delete;

  // Room for `capacity` arguments; only before the first emplace().
  void reserve(std::size_t capacity);
  BoundArg& emplace();
  std::size_t size() const { return size_; }
  BoundArg& operator[](std::size_t i) { return data_[i]; }

 private:
  static constexpr std::size_t kInline = 8;
  alignas(BoundArg) std::byte inline_[kInline * sizeof(BoundArg)];
  std::unique_ptr<std::byte[]> heap_;
  BoundArg* data_;
  std::size_t size_ = 0;
};

// The program for one call's argument types, and the variant's RepeatRun (repeat_run.hpp).
// Both are copies: the entry may drop or move its own while Python code runs.
struct CallProgram {
  Program program;
  std::shared_ptr<RepeatRun> repeat;
};

// The values of an expression's names for one call, in the entry's name order: strong
// references, null for a name that is not defined.
class NameValues {
 public:
  NameValues() = default;
  ~NameValues();
  NameValues(const NameValues&) = delete;
  NameValues& operator=(const NameValues&) = delete;

  // Looks every name of `entry` up in `scopes`. False with a Python error set when a lookup
  // raised (an undefined name is not an error here: bind_and_compile reports it).
  bool look_up(const ExprEntry& entry, const NameScopes& scopes);
  PyObject* operator[](std::size_t i) const { return data_[i]; }

 private:
  static constexpr std::size_t kInline = 8;
  PyObject* inline_[kInline];
  std::unique_ptr<PyObject*[]> heap_;
  PyObject** data_ = inline_;
  std::size_t size_ = 0;
};

// How a call binds the value of `name`: a program temporary (a statement target that names
// no caller array), an output written in place (a caller array the program assigns), or an
// input (anything else, also a missing value, which is an undefined name).
enum class NameBinding { Temporary, Output, Input };
inline NameBinding name_binding(const ExprName& name, PyObject* value) {
  const bool array = value && PyArray_Check(value);
  if (name.role == NameRole::Target && !array) return NameBinding::Temporary;
  return name.role != NameRole::Input && array ? NameBinding::Output : NameBinding::Input;
}

// Binds the looked-up `values` of `entry`'s names into `args` (inputs; targets naming caller
// arrays as outputs) and returns the program for their types, compiling it on a miss. Empty
// with a Python error set on failure (e.g. an undefined name, an unsupported dtype, a type
// error, an assignment to a caller array that options.writable does not list).
std::optional<CallProgram> bind_and_compile(ExprEntry& entry, const CallOptions& options,
                                            const NameValues& values, ArgBuffer& args);

// A repeated call's shortcut past binding (see RepeatRun::replay): when the program variant
// `entry` last used was bound, for these options, to exactly these buffers (the values of its
// names and `out`, null or None for none), runs it there, records the call for re_evaluate
// and returns true with `result` set to what execute_program would return (null with a Python
// error set when the run failed). Returns false, having run nothing, otherwise.
bool replay_call(const std::shared_ptr<ExprEntry>& entry, const CallOptions& options,
                 const NameValues& values, PyObject* out, PyObject*& result);

// Runs `program` (taken by value: the cache may drop its copy while the GIL is released) on
// `args`. `out` (null or None: allocate) receives the result under the
// casting rule and is returned; an allocated result follows `order` and, when its shape is the
// arguments' broadcast shape, is allocated by NumPy (which asks the kernel for huge pages). Inputs that partially
// overlap an output are copied first. Returns None for programs without a result expression.
// `repeat` (may be null) is the program's RepeatRun: small runs that write only caller
// buffers go through it.
PyObject* execute_program(Program program, ArgBuffer& args, bool has_result,
                          bool result_is_broadcast, PyObject* out, char order,
                          RepeatRun* repeat);

// What re_evaluate() needs: the last expression validated or evaluated by this thread.
struct LastCall {
  std::shared_ptr<ExprEntry> entry;
  CallOptions options;
  PyObject* out = nullptr;  // owned
  ~LastCall() { Py_XDECREF(out); }
};

// evaluate(writable=...) -> options.writable: None keeps null; otherwise an iterable of str
// (not a str itself). False with a TypeError set.
bool parse_writable(PyObject* writable, CallOptions& options);

// Records the call for re_evaluate (kept in the thread's state dict). False with an error.
bool remember_last_call(const std::shared_ptr<ExprEntry>& entry, const CallOptions& options,
                        PyObject* out);
// This thread's last call, or null (no Python error) when there is none.
LastCall* last_call();

}  // namespace exprvm::python
