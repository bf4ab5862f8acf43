#include "nn/predict_plan.hpp"

#include "nn/parallel_parts.hpp"

#include <algorithm>

#include "nn/layers.hpp"
#include "nn/linalg.hpp"

namespace exprvm::nn {

PredictPlan::PredictPlan(const std::vector<std::unique_ptr<Layer>>& layers, std::size_t stop,
                         std::int64_t rows, std::uint64_t model_id)
    : model_id_(model_id), rows_(rows), stop_(stop), bindings_(stop + 1) {
  std::size_t partial_floats = 0;
  for (std::size_t i = 0; i <= stop; ++i) {
    Step step;
    step.layer = layers[i].get();
    outputs_.emplace_back(rows, step.layer->output_width());
    step.dense = dynamic_cast<const Dense*>(step.layer);
    const PackedDenseKernel linear = packed_dense_kernel(Activation::Linear);
    if (step.dense && linear) {
      const Tensor& kernel = step.dense->kernel();
      const Activation activation = step.dense->activation();
      const std::int64_t work = rows * kernel.rows * kernel.cols;
      step.parts = rows == 1 ? product_threads(kernel.size(), ProductKind::MatrixVector) : 1;
      step.product = packed_dense_kernel(activation);
      step.epilogue = partials_epilogue(activation);
      step.activation_fused = step.product != nullptr;
      if (!step.activation_fused) {  // the layer's program runs on the product's output
        step.product = linear;
        step.epilogue = partials_epilogue(Activation::Linear);
      }
      if (rows == 1 && step.parts > 1) {
        step.route = DenseRoute::SplitRows;
        partial_floats = std::max(partial_floats,
                                  static_cast<std::size_t>(step.parts * kernel.cols));
      } else if (rows > 1 && work >= kThreadedMinWork && kernel.cols > 1) {
        step.route = DenseRoute::Gemm;
      } else {
        step.route = DenseRoute::Fused;
        step.packed = pack_dense(kernel, step.dense->bias());
      }
    }
    steps_.push_back(std::move(step));
  }
  partials_.resize(partial_floats);
  wire_fused_steps();
  std::int64_t weights = 0;
  all_fused_ = true;
  for (const Step& step : steps_) {
    all_fused_ = all_fused_ && fully_fused(step);
    if (step.dense) weights += step.dense->kernel().size();
  }
  const int threads = product_threads(kThreadedMinWork, ProductKind::MatrixMatrix);
  if (all_fused_ && rows > 1 && rows * weights >= kRowSplitMinWork)
    row_parts_ = static_cast<int>(std::min<std::int64_t>(threads, rows));
}

void PredictPlan::wire_fused_steps() {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    Step& step = steps_[i];
    if (!fully_fused(step)) continue;
    const Tensor& kernel = step.dense->kernel();
    float* y = outputs_[i].data.data();
    std::int64_t y_stride = kernel.cols;
    if (i + 1 < steps_.size() && fully_fused(steps_[i + 1])) {
      y_stride = padded_width(kernel.cols);
      step.padded = AlignedFloats(rows_ * y_stride);
      y = step.padded.data();
    }
    const bool after_fused = i > 0 && fully_fused(steps_[i - 1]);
    const float* x = i == 0        ? nullptr  // the input, set by each run
                     : after_fused ? steps_[i - 1].operands.y
                                   : outputs_[i - 1].data.data();
    step.operands = {x, after_fused ? steps_[i - 1].operands.y_stride : kernel.rows,
                     &step.packed, y, y_stride, rows_};
  }
}

void PredictPlan::run_fused_rows(const float* x, std::int64_t begin, std::int64_t end) const {
  for (const Step& step : steps_) {
    PackedOperands block = step.operands;
    block.x = (&step == &steps_.front() ? x : block.x) + begin * block.x_stride;
    block.y += begin * block.y_stride;
    block.rows = end - begin;
    step.product(block);
  }
}

void PredictPlan::run_dense(const Step& step, const Tensor& in, Tensor& out,
                            BoundStage& binding) {
  const Tensor& kernel = step.dense->kernel();
  const float* bias = step.dense->bias().data.data();
  switch (step.route) {
    case DenseRoute::Fused:
      step.product({in.data.data(), in.cols, &step.packed, out.data.data(), out.cols, in.rows});
      break;
    case DenseRoute::SplitRows:
      matvec_partials(in.data.data(), kernel, step.parts, partials_.data());
      step.epilogue(partials_.data(), step.parts, bias, kernel.cols, out.data.data());
      break;
    case DenseRoute::Gemm:
      matmul(in, Transpose::No, kernel, Transpose::No, out);  // out = in · kernel
      for (std::int64_t r = 0; r < out.rows; ++r)
        step.epilogue(out.row(r), 1, bias, out.cols, out.row(r));
      break;
    case DenseRoute::Layer: break;
  }
  if (!step.activation_fused) step.dense->activate(out, binding);
}

const Tensor& PredictPlan::run(const Tensor& x) {
  Tensor& result = outputs_.back();
  if (static_cast<std::int64_t>(result.data.size()) != result.size()) {  // moved out by a caller
    result = Tensor(rows_, result.cols);
    if (fully_fused(steps_.back())) steps_.back().operands.y = result.data.data();
  }
  if (all_fused_) {
    if (row_parts_ == 1) {  // the operands as wired, the input's set
      steps_.front().operands.x = x.data.data();
      for (const Step& step : steps_) step.product(step.operands);
    } else {
      parallel_parts(row_parts_, [&](int part) {
        run_fused_rows(x.data.data(), rows_ * part / row_parts_, rows_ * (part + 1) / row_parts_);
      });
    }
    return result;
  }
  const Tensor* in = &x;
  for (std::size_t i = 0; i <= stop_; ++i) {
    Step& step = steps_[i];
    if (fully_fused(step)) {
      if (i == 0) step.operands.x = x.data.data();
      step.product(step.operands);
    } else if (step.route == DenseRoute::Layer) {
      step.layer->forward_bound(*in, outputs_[i], bindings_[i]);
    } else {
      run_dense(step, *in, outputs_[i], bindings_[i]);
    }
    in = &outputs_[i];
  }
  return *in;
}

}  // namespace exprvm::nn
