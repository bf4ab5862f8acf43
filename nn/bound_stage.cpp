#include "nn/bound_stage.hpp"

#include <vector>

namespace exprvm::nn {

// The stage's program bound (Program::bind) to the tensors it last ran on, and what identifies
// them: the program (bound.program()), each tensor's buffer and the common shape.
struct BoundStage::Binding {
  std::vector<const float*> data;
  std::int64_t rows = 0, cols = 0;
  BoundProgram bound;
};

BoundStage::BoundStage() = default;
BoundStage::~BoundStage() = default;
BoundStage::BoundStage(BoundStage&&) noexcept = default;
BoundStage& BoundStage::operator=(BoundStage&&) noexcept = default;

bool BoundStage::matches(const Stage& stage, std::initializer_list<Tensor*> tensors) const {
  if (!binding_ || !binding_->bound.program().same_as(stage.program()) ||
      binding_->data.size() != tensors.size())
    return false;
  std::size_t i = 0;
  for (const Tensor* t : tensors) {
    if (t->data.data() != binding_->data[i++] || t->rows != binding_->rows ||
        t->cols != binding_->cols)
      return false;
  }
  return true;
}

void BoundStage::run(const Stage& stage, std::initializer_list<Tensor*> tensors) {
  last_run_bound_ = matches(stage, tensors);
  if (last_run_bound_) {
    binding_->bound.run();
    return;
  }
  binding_.reset();
  std::vector<Array> args;
  for (const Tensor* t : tensors) args.push_back(t->matrix());
  stage.run(args);  // validates and reports errors as usual
  const Tensor& first = **tensors.begin();
  std::vector<const float*> data;
  for (const Tensor* t : tensors) data.push_back(t->data.data());
  binding_ = std::make_unique<Binding>(
      Binding{std::move(data), first.rows, first.cols, stage.program().bind(args)});
}

}  // namespace exprvm::nn
