// BoundStage: a Stage bound once (exprvm::Program::bind) to the Tensors of a prediction
// workspace, so that repeated runs on the same buffers cost the program's kernels alone
// (Program::run validates and binds its arguments on every call, ~65 ns, more than the
// kernels of a 30-wide layer). Same bytecode, so results are Program::run's.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "nn/stage.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

class BoundStage {
 public:
  BoundStage();
  ~BoundStage();
  BoundStage(const BoundStage&) = delete;
  BoundStage& operator=(const BoundStage&) = delete;
  BoundStage(BoundStage&&) noexcept;
  BoundStage& operator=(BoundStage&&) noexcept;

  // Runs `stage` on `tensors` (its array parameters in signature order): through the binding
  // when it was made for this program and these buffers and shapes; otherwise by Stage::run
  // (which validates and reports errors as usual), then binds them for the next call.
  void run(const Stage& stage, std::initializer_list<Tensor*> tensors);

  // Whether the last run went through the binding (for tests).
  bool last_run_bound() const { return last_run_bound_; }

 private:
  struct Binding;

  bool matches(const Stage& stage, std::initializer_list<Tensor*> tensors) const;

  std::unique_ptr<Binding> binding_;
  bool last_run_bound_ = false;
};

}  // namespace exprvm::nn
