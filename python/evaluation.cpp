// The core of evaluate() (see evaluation.hpp).
#include "python/evaluation.hpp"

#include <algorithm>
#include <exception>
#include <new>
#include <vector>

#include "python/errors.hpp"
#include "python/repeat_run.hpp"

namespace exprvm::python {
namespace {

// Below this many elements the VM runs with the GIL held: releasing and re-taking it costs
// more than the work, and a busy peer thread could delay the re-take by a switch interval.
constexpr std::int64_t kReleaseGilElements = 1 << 14;

const char* const kLastCallKey = "exprvm.last_call";
// Counts LastCall destructions (changed with the GIL held), invalidating last_call()'s caches.
std::uint64_t last_call_generation = 0;

// The undefined-name error, with a caret under the name's first use.
void raise_undefined(const ExprEntry& entry, const ExprName& name) {
  raise_engine_error(Error(ErrorKind::Name,
                           "name '" + name.text +
                               "' is not defined (looked up in local_dict or the caller's "
                               "locals, then in global_dict or the caller's globals)",
                           entry.source(), name.first_use));
}

bool is_f_only_contiguous(PyObject* owner) {
  if (!owner || !PyArray_Check(owner)) return false;
  auto* array = reinterpret_cast<PyArrayObject*>(owner);
  return PyArray_NDIM(array) >= 2 && PyArray_IS_F_CONTIGUOUS(array) &&
         !PyArray_IS_C_CONTIGUOUS(array);
}

// numexpr's/NumPy's layout choice for an allocated result: 'F', or 'K'/'A' when every
// multi-dimensional array operand is Fortran- and not C-contiguous.
bool wants_fortran(char order, ArgBuffer& args) {
  if (order == 'F') return true;
  if (order == 'C') return false;
  bool any_fortran = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const BoundArg& arg = args[i];
    if (arg.scalar || arg.array.ndim < 2) continue;
    if (!is_f_only_contiguous(arg.owner)) return false;
    any_fortran = true;
  }
  return any_fortran;
}

// NumPy broadcast shape of the array arguments; false when they do not broadcast.
bool broadcast_shape(ArgBuffer& args, int& ndim, std::int64_t* shape) {
  ndim = 0;
  for (std::size_t i = 0; i < args.size(); ++i) ndim = std::max(ndim, args[i].array.ndim);
  std::fill(shape, shape + ndim, 1);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const Array& a = args[i].array;
    for (int d = 0; d < a.ndim; ++d) {
      std::int64_t& target = shape[ndim - a.ndim + d];
      if (a.shape[d] == target || a.shape[d] == 1) continue;
      if (target != 1) return false;
      target = a.shape[d];
    }
  }
  return true;
}

// Stores the call in this thread's re_evaluate record `last`.
void record_call(LastCall& last, const std::shared_ptr<ExprEntry>& entry,
                 const CallOptions& options, PyObject* out) {
  if (last.entry != entry) last.entry = entry;
  last.options = options;
  if (out == Py_None) out = nullptr;
  if (last.out != out) Py_XSETREF(last.out, Py_XNewRef(out));
}

// `program` when options.writable allows every caller array it assigns; else throws Error.
const Program& checked_writes(const Program& program, const CallOptions& options) {
  if (options.writable) check_writable(program, options.writable->views);
  return program;
}

}  // namespace

bool parse_writable(PyObject* writable, CallOptions& options) {
  options.writable.reset();
  if (!writable || writable == Py_None) return true;
  if (PyUnicode_Check(writable) || PyBytes_Check(writable)) {
    PyErr_Format(PyExc_TypeError,
                 "writable must be None or an iterable of names (e.g. ('a', 'b') or ()), "
                 "not %.200s", Py_TYPE(writable)->tp_name);
    return false;
  }
  PyObject* items = PySequence_Fast(writable, "writable must be None or an iterable of names");
  if (!items) return false;
  auto names = std::make_shared<WritableNames>();
  const Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(items, i);
    Py_ssize_t length = 0;
    const char* text = PyUnicode_Check(item) ? PyUnicode_AsUTF8AndSize(item, &length) : nullptr;
    if (!text) {
      if (!PyErr_Occurred())
        PyErr_Format(PyExc_TypeError, "writable must hold names (str), not %.200s",
                     Py_TYPE(item)->tp_name);
      Py_DECREF(items);
      return false;
    }
    names->names.emplace_back(text, static_cast<std::size_t>(length));
  }
  Py_DECREF(items);
  for (const std::string& name : names->names) names->views.push_back(name);
  options.writable = std::move(names);
  return true;
}

void ArgBuffer::reserve(std::size_t capacity) {
  if (capacity <= kInline) {
    data_ = reinterpret_cast<BoundArg*>(inline_);
  } else {
    heap_.reset(new std::byte[capacity * sizeof(BoundArg)]);
    data_ = reinterpret_cast<BoundArg*>(heap_.get());
  }
}

ArgBuffer::~ArgBuffer() {
  for (std::size_t i = 0; i < size_; ++i) data_[i].~BoundArg();
}

// Default-initialised, not value-initialised: zeroing the view's 32-dimension arrays would
// cost more than binding the argument.
BoundArg& ArgBuffer::emplace() { return *new (&data_[size_++]) BoundArg; }

NameValues::~NameValues() {
  for (std::size_t i = 0; i < size_; ++i) Py_XDECREF(data_[i]);
}

bool NameValues::look_up(const ExprEntry& entry, const NameScopes& scopes) {
  const std::size_t count = entry.names().size();
  if (count > kInline) {
    heap_ = std::make_unique<PyObject*[]>(count);
    data_ = heap_.get();
  }
  for (const ExprName& name : entry.names()) {
    // The scopes lend the value; a later lookup may run Python code that rebinds the name.
    PyObject* value = scopes.find(name.object);
    data_[size_++] = Py_XNewRef(value);
    if (!value && PyErr_Occurred()) return false;
  }
  return true;
}

std::optional<CallProgram> bind_and_compile(ExprEntry& entry, const CallOptions& options,
                                            const NameValues& values, ArgBuffer& args) {
  // One type code per name, then the options' byte.
  const std::size_t name_count = entry.names().size();
  args.reserve(name_count);
  std::string key(name_count + 1, options.key_byte());
  for (std::size_t i = 0; i < name_count; ++i) {
    const ExprName& name = entry.names()[i];
    PyObject* value = values[i];
    const NameBinding binding = name_binding(name, value);
    if (binding == NameBinding::Temporary) {
      key[i] = static_cast<char>(kAbsentArgCode);
      continue;
    }
    if (!value) {
      raise_undefined(entry, name);
      return std::nullopt;
    }
    BoundArg& arg = args.emplace();
    const bool bound = binding == NameBinding::Output
                           ? bind_output(value, "assignment target", arg, name.text)
                           : bind_input(value, name.text, arg);
    if (!bound) return std::nullopt;
    key[i] = static_cast<char>(arg.type_code());
  }
  try {
    const ProgramVariant* variant = entry.find(key);
    if (!variant) {
      Signature signature;
      std::size_t next_arg = 0;
      for (std::size_t i = 0; i < entry.names().size(); ++i)
        if (static_cast<std::uint8_t>(key[i]) != kAbsentArgCode)
          signature.push_back(args[next_arg++].param(entry.names()[i].text));
      variant = &entry.add(key, signature, options.compile);
    }
    return CallProgram{checked_writes(variant->program, options), variant->repeat};
  } catch (...) {
    raise_current_exception();
    return std::nullopt;
  }
}

PyObject* execute_program(Program program, ArgBuffer& args, bool has_result,
                          bool result_is_broadcast, PyObject* out, char order,
                          RepeatRun* repeat) {
  const bool caller_out = out && out != Py_None;
  if (caller_out && !has_result) {
    PyErr_SetString(PyExc_ValueError,
                    "out= was given, but every statement of the program assigns to a name: "
                    "there is no result expression to store");
    return nullptr;
  }
  BoundArg out_arg;
  // Inputs that share memory with an output are copied by Program::run where NumPy's rule
  // needs it (vm/aliasing), so the binding passes every buffer as it is.
  if (caller_out && !bind_output(out, "out", out_arg)) return nullptr;

  // A result of the arguments' broadcast shape: allocate it as NumPy would (layout per
  // `order`) and let the VM fill it. Other results are allocated by the engine (C order).
  PyObject* allocated = nullptr;
  if (!caller_out && result_is_broadcast && program.result_dtype()) {
    int ndim = 0;
    std::int64_t shape[kMaxDims];
    if (broadcast_shape(args, ndim, shape)) {
      allocated = empty_ndarray(*program.result_dtype(), ndim, shape, wants_fortran(order, args));
      if (!allocated || !bind_output(allocated, "out", out_arg)) {
        Py_XDECREF(allocated);
        return nullptr;
      }
    }
  }
  const bool have_out = caller_out || allocated;
  const Array* out_view = have_out ? &out_arg.array : nullptr;

  std::int64_t work = have_out ? out_arg.array.size() : 0;
  for (std::size_t i = 0; i < args.size(); ++i) work = std::max(work, args[i].array.size());
  // A small run that writes only caller buffers may go through the program's binding; it
  // holds the GIL throughout, so no other thread uses the binding meanwhile.
  const bool small = work < kReleaseGilElements;
  if (!small || (has_result && !have_out)) repeat = nullptr;
  OwnedArray result;
  std::exception_ptr failure;
  auto run = [&] {
    try {
      if (repeat && repeat->run_if_bound(program, args, out_view)) return;
      thread_local std::vector<Array> views;
      views.clear();
      for (std::size_t i = 0; i < args.size(); ++i) views.push_back(args[i].array);
      result = program.run(views, out_view);
      if (repeat) repeat->note(program, args, out_view);
    } catch (...) {
      failure = std::current_exception();
    }
  };
  if (small) {
    run();
  } else {
    Py_BEGIN_ALLOW_THREADS
    run();
    Py_END_ALLOW_THREADS
  }
  if (failure) {
    Py_XDECREF(allocated);
    try {
      std::rethrow_exception(failure);
    } catch (...) {
      return raise_current_exception();
    }
  }
  bool written_back = write_back(out_arg);
  for (std::size_t i = 0; i < args.size(); ++i) written_back = write_back(args[i]) && written_back;
  if (!written_back) {
    Py_XDECREF(allocated);
    return nullptr;
  }
  if (caller_out) return Py_NewRef(out);
  if (allocated) return allocated;
  if (!has_result) Py_RETURN_NONE;
  return to_ndarray(result);
}

bool replay_call(const std::shared_ptr<ExprEntry>& entry, const CallOptions& options,
                 const NameValues& values, PyObject* out, PyObject*& result) {
  const ProgramVariant* variant = entry->last_variant();
  if (!variant || options.writable || variant->key.back() != options.key_byte()) return false;
  if (out == Py_None) out = nullptr;
  // Without out=, a result is a new array every call; with it, the program must have one.
  if (entry->has_result() != (out != nullptr)) return false;
  // Only where the thread has its re_evaluate record already, so recording cannot fail after
  // the run.
  LastCall* last = last_call();
  if (!last) {
    if (!PyErr_Occurred()) return false;
    result = nullptr;
    return true;
  }
  // From the check to the end of the run no Python code runs and the GIL stays held, so no
  // other thread uses the binding meanwhile.
  if (!variant->repeat->replay(variant->program, variant->key, entry->names(), values, out))
    return false;
  std::exception_ptr failure;
  try {
    variant->repeat->run_bound();
  } catch (...) {
    failure = std::current_exception();
  }
  record_call(*last, entry, options, out);
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (...) {
      result = raise_current_exception();
    }
    return true;
  }
  result = Py_NewRef(out ? out : Py_None);
  return true;
}

bool remember_last_call(const std::shared_ptr<ExprEntry>& entry, const CallOptions& options,
                        PyObject* out) {
  LastCall* last = last_call();
  if (!last) {
    if (PyErr_Occurred()) return false;
    PyObject* state = PyThreadState_GetDict();
    if (!state) {
      PyErr_SetString(PyExc_RuntimeError, "exprvm: no Python thread state");
      return false;
    }
    last = new LastCall;
    PyObject* capsule = PyCapsule_New(last, kLastCallKey, [](PyObject* c) {
      ++last_call_generation;  // every thread's cached pointer may be this one
      delete static_cast<LastCall*>(PyCapsule_GetPointer(c, kLastCallKey));
    });
    if (!capsule) {
      delete last;
      return false;
    }
    const int status = PyDict_SetItemString(state, kLastCallKey, capsule);
    Py_DECREF(capsule);
    if (status < 0) return false;
  }
  record_call(*last, entry, options, out);
  return true;
}

LastCall* last_call() {
  // The thread-state dict lookup is done once per thread state: the answer is cached with
  // the state's unique id (a new state may reuse an old one's address) and the generation
  // of LastCall destructions (a thread state's dict may be cleared while it still runs).
  struct Cached {
    PyThreadState* thread = nullptr;
    std::uint64_t id = 0;
    std::uint64_t generation = 0;
    LastCall* last = nullptr;
  };
  thread_local Cached cached;
  PyThreadState* thread = PyThreadState_Get();
  const std::uint64_t id = PyThreadState_GetID(thread);
  if (cached.last && cached.thread == thread && cached.id == id &&
      cached.generation == last_call_generation)
    return cached.last;
  PyObject* state = PyThreadState_GetDict();
  if (!state) return nullptr;
  static PyObject* key = PyUnicode_InternFromString(kLastCallKey);
  PyObject* capsule = PyDict_GetItemWithError(state, key);
  if (!capsule) return nullptr;
  auto* last = static_cast<LastCall*>(PyCapsule_GetPointer(capsule, kLastCallKey));
  if (last) cached = Cached{thread, id, last_call_generation, last};
  return last;
}

}  // namespace exprvm::python
