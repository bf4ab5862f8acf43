// PredictPlan: one prediction path of a model, prepared once for a batch size and a last
// layer: every layer's output buffer, its bound elementwise program and its product kernel
// (fused AVX2 kernel, thread-split matrix-vector product, or sgemm) are resolved when the plan
// is made, so running it again on the same model does no allocation, no lookup and no
// dispatch beyond the kernels. Model::predict(x, workspace) makes and keeps one per workspace.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "nn/bound_stage.hpp"
#include "nn/dense_kernel.hpp"
#include "nn/packed_dense.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

class Layer;
class Dense;

// Batches of every-layer-fused plans from this many multiply-adds (rows x weights) are split
// into row blocks, one per thread, each block run through all the layers (no sync between
// layers), so that both cores compute. Measured with the second core busy (load 11-14):
// (30,30,30) x 100 rows 13.5 us split or not (TBB's caller runs the part no worker took).
inline constexpr std::int64_t kRowSplitMinWork = std::int64_t{1} << 17;

// How one dense layer's product runs in a plan (chosen by PredictPlan from the shapes).
enum class DenseRoute {
  Fused,       // packed_dense_kernel on the layer packed at plan time: product, bias and
               // activation in one pass, one thread
  SplitRows,   // one row, large kernel: its rows split over threads (sgemv per block), then
               // the partial rows, the bias and the activation in one pass
  Gemm,        // large batch: sgemm on OpenBLAS's threads, then bias + activation in one pass
  Layer,       // the layer's own forward_bound (no AVX2, or not a dense layer)
};

class PredictPlan {
 public:
  PredictPlan() = default;
  // Prepares layers [0, stop] of `layers` for inputs of `rows` rows.
  PredictPlan(const std::vector<std::unique_ptr<Layer>>& layers, std::size_t stop,
              std::int64_t rows, std::uint64_t model_id);

  // Whether this plan was made for the model `model_id`, `rows` rows and layer `stop`.
  bool made_for(std::uint64_t model_id, std::int64_t rows, std::size_t stop) const {
    return model_id_ == model_id && rows_ == rows && stop_ == stop && !steps_.empty();
  }
  // Runs the plan on x (rows() rows, the model's input width, checked by the caller). The
  // result stays valid until the next run; it may be moved out (the next run re-creates it).
  const Tensor& run(const Tensor& x);
  // How layer i's product runs (for tests and the benchmark).
  DenseRoute route(std::size_t i) const { return steps_.at(i).route; }

 private:
  struct Step {
    DenseRoute route = DenseRoute::Layer;
    PackedDense packed;           // Fused: the layer's weights and bias in the kernel's layout
    PackedOperands operands{};    // fully fused: fixed when the plan is made (x of layer 0 per run)
    AlignedFloats padded;         // fully fused output read only by the next fully fused step
    const Layer* layer = nullptr;
    const Dense* dense = nullptr;                // dense layers
    PackedDenseKernel product = nullptr;         // Fused: with the activation when fusable
    PartialsEpilogue epilogue = nullptr;         // SplitRows, Gemm: bias + activation
    bool activation_fused = true;                // else the layer's bound program runs after
    int parts = 1;                               // SplitRows: thread blocks
  };

  static bool fully_fused(const Step& step) {
    return step.route == DenseRoute::Fused && step.activation_fused;
  }
  // Sets the operands of fully fused steps: outputs read only by the next fused step go to
  // padded buffers, the others to outputs_; inputs are the previous step's output. Operands
  // point into steps_'s elements, so steps_ is not resized afterwards (moving the plan moves
  // the vector's buffer, not its elements).
  void wire_fused_steps();
  void run_dense(const Step& step, const Tensor& in, Tensor& out, BoundStage& binding);
  // Rows [begin, end) through every layer, when all of them are fully fused.
  void run_fused_rows(const float* x, std::int64_t begin, std::int64_t end) const;

  std::uint64_t model_id_ = 0;
  std::int64_t rows_ = -1;
  std::size_t stop_ = 0;
  std::vector<Step> steps_;
  std::vector<Tensor> outputs_;       // layer i's output, sized once
  std::vector<BoundStage> bindings_;  // layer i's elementwise program bound to outputs_[i]
  std::vector<float> partials_;       // SplitRows: parts x width partial rows
  bool all_fused_ = false;  // every step fully fused: run() is run_fused_rows()
  int row_parts_ = 1;       // > 1: all_fused_, the rows split into blocks over threads
};

}  // namespace exprvm::nn
