// Repeated calls on the same buffers run a bound program (see repeat_run.hpp).
#include "python/repeat_run.hpp"

#include <cstring>

namespace exprvm::python {
namespace {

constexpr std::size_t kValueBytes = sizeof(BoundArg::value);

// `a`, read at `data`, is the same view as `b`: same buffer, dtype, shape and strides.
bool same_view(const Array& a, const void* data, const Array& b) {
  if (data != b.data || a.dtype != b.dtype || a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d] || a.strides[d] != b.strides[d]) return false;
  return true;
}

bool holds_value(const BoundArg& arg) { return arg.array.data == arg.value; }

}  // namespace

Array RepeatRun::view_of(BoundArg& arg, std::size_t i) const {
  Array view = arg.array;
  if (holds_value(arg)) view.data = values_.get() + i * kValueBytes;
  return view;
}

bool RepeatRun::matches(ArgBuffer& args, const Array* out) const {
  if (args.size() != views_.size() || (out != nullptr) != out_.has_value()) return false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const BoundArg& arg = args[i];
    const void* data = holds_value(arg) ? values_.get() + i * kValueBytes : arg.array.data;
    if (!same_view(arg.array, data, views_[i])) return false;
  }
  return !out || same_view(*out, out->data, *out_);
}

bool RepeatRun::run_if_bound(const Program& program, ArgBuffer& args, const Array* out) {
  if (!bound_ || !bound_->program().same_as(program) || !matches(args, out)) return false;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (holds_value(args[i])) std::memcpy(values_.get() + i * kValueBytes, args[i].value, kValueBytes);
  bound_->run();
  return true;
}

bool RepeatRun::replay(const Program& program, std::string_view key,
                       const std::vector<ExprName>& names, const NameValues& values,
                       PyObject* out) {
  if (!bound_ || !bound_->program().same_as(program) || (out != nullptr) != out_.has_value())
    return false;
  if (out && !(PyArray_Check(out) && binds_in_place_as(out, *out_, /*output=*/true)))
    return false;
  std::size_t next = 0;  // argument index
  for (std::size_t i = 0; i < names.size(); ++i) {
    PyObject* value = values[i];
    const NameBinding binding = name_binding(names[i], value);
    if (binding == NameBinding::Temporary) {
      if (static_cast<std::uint8_t>(key[i]) != kAbsentArgCode) return false;
      continue;
    }
    if (!value || next == views_.size()) return false;
    const std::size_t arg = next++;
    if (PyArray_Check(value)) {  // its dtype and ndim, compared, give its type code
      if (!binds_in_place_as(value, views_[arg], binding == NameBinding::Output)) return false;
      continue;
    }
    // A number: bound as bind_input binds it (no allocation, no Python code); other values
    // (lists, buffers...) are converted anew by every call.
    if (!is_number(value) || views_[arg].data != values_.get() + arg * kValueBytes) return false;
    BoundArg number;
    if (!bind_input(value, names[i].text, number)) {  // e.g. an int beyond int64
      PyErr_Clear();
      return false;
    }
    if (number.type_code() != static_cast<std::uint8_t>(key[i])) return false;
    // Written before every argument is checked, which is harmless: the binding reads it
    // only when it runs, and every run writes its own values first.
    std::memcpy(values_.get() + arg * kValueBytes, number.value, kValueBytes);
  }
  return next == views_.size();
}

void RepeatRun::note(const Program& program, ArgBuffer& args, const Array* out) {
  try {
    if (matches(args, out)) {  // the second call on these buffers: bind for the next ones
      if (!bound_ || !bound_->program().same_as(program))
        bound_.emplace(program.bind(views_, out_ ? &*out_ : nullptr));
      return;
    }
    bound_.reset();
    if (views_.size() != args.size())
      values_ = std::make_unique<std::byte[]>(args.size() * kValueBytes);
    views_.clear();
    for (std::size_t i = 0; i < args.size(); ++i) views_.push_back(view_of(args[i], i));
    if (out) out_ = *out;
    else out_.reset();
  } catch (...) {  // bad_alloc, or an Error bind() should not raise after a successful run
    bound_.reset();
    views_.clear();
    out_.reset();
  }
}

}  // namespace exprvm::python
