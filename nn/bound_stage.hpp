// BoundStage: a Stage bound once to the Tensors of a prediction workspace, so that repeated
// runs on the same buffers call the program's kernels directly. Program::run validates and
// binds its arguments on every call (~65 ns, more than the kernels of a 30-wide layer); a
// binding pays that once. It runs exactly the stage's compiled bytecode, so results are the
// general path's. Short runs of a width that is not a multiple of 16 run on padded copies
// (the kernels' partial last batch costs more than two full ones; see bound_stage.cpp).
//
// Workaround inside nn/ until the runtime offers a bound run (e.g. Program::bind(args) returning
// an object whose run() skips validation): it reads the Executable behind the Program.
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

  // Runs `stage` on `tensors` (its float32 array parameters in signature order, all of one
  // shape): through the binding when it was made for this program and these buffers and
  // shape; otherwise by Stage::run (which validates and reports errors as usual), binding
  // afterwards when the program qualifies (see bindable() in bound_stage.cpp).
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
