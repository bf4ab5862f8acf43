// BoundProgram: a Program with its arguments validated and laid out once. Contiguous runs
// keep a prepared register frame over their own scratch (vm/fast_path.hpp), which a JIT-ready
// serial run takes in one call (vm/executor_direct.hpp); anything else (broadcast, strided,
// aliased) re-runs the general executor on the same views.
#include <memory>
#include <vector>

#include <exprvm/exprvm.hpp>
#include "runtime/program_impl.hpp"
#include "vm/binding.hpp"
#include "vm/fast_path.hpp"

namespace exprvm {

struct BoundProgram::State {
  std::vector<Array> args;
  std::optional<Array> out;
  OwnedArray result;
  bool fast = false;
  vm::FastFrame frame;
  std::unique_ptr<std::byte[]> scratch_storage;
};

BoundProgram::BoundProgram(Program program, std::unique_ptr<State> state)
    : program_(std::move(program)), state_(std::move(state)) {}
BoundProgram::BoundProgram(BoundProgram&&) noexcept = default;
BoundProgram& BoundProgram::operator=(BoundProgram&&) noexcept = default;
BoundProgram::~BoundProgram() = default;

BoundProgram Program::bind(std::span<const Array> args, const Array* out) const {
  auto state = std::make_unique<BoundProgram::State>();
  state->args.assign(args.begin(), args.end());
  if (out) state->out = *out;
  const vm::Executable& ex = impl_->executable();
  const std::size_t bytes = vm::fast_scratch_bytes(ex);
  state->scratch_storage = std::make_unique<std::byte[]>(bytes + 64);
  std::byte* scratch = state->scratch_storage.get();
  scratch += (64 - reinterpret_cast<std::uintptr_t>(scratch) % 64) % 64;
  state->fast = vm::prepare_fast(ex, state->args, state->out ? &*state->out : nullptr, scratch,
                                 state->frame, state->result);
  if (!state->fast) {
    state->scratch_storage.reset();
    vm::Binding validation;  // throws now, as run() would, when the arguments are wrong
    vm::bind(ex.code, state->args, state->out ? &*state->out : nullptr, validation);
    if (!state->out && !validation.result.empty()) {  // the result every run writes into
      state->result = std::move(validation.result);
      state->out = state->result.array();
    }
  }
  return BoundProgram(*this, std::move(state));
}

const OwnedArray& BoundProgram::run() {
  State& s = *state_;
  const vm::Executable& ex = program_.impl().executable();
  if (s.fast) {
    vm::run_plan(s.frame.plan);
  } else {
    OwnedArray written = vm::execute(ex, s.args, s.out ? &*s.out : nullptr);
    if (s.result.empty()) s.result = std::move(written);  // the caller's out, as a view
  }
  return s.result;
}

}  // namespace exprvm
