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
