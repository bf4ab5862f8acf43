// Packed dense layers for prepared plans (nn/predict_plan.*): a layer's kernel and bias copied
// once, when the plan is made, into the layout the fused AVX2 kernels stream (rows of whole
// 8-float vectors, zero-padded, 64-byte aligned), so that the kernels load whole vectors with
// no masks, and run through register tiles sized for one row (latency: several FMA chains
// per output vector) or a batch (6 rows x 16 columns, the register-blocked tile of BLIS's
// AVX2 sgemm). Bias and activation are applied on the accumulators before the one store.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "nn/activation.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

// A zero-filled float buffer aligned to a cache line (whole-vector loads never split lines).
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(std::int64_t count);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
};

// One dense layer packed for the kernels. out > 1: weights are in rows of `width` floats
// (out rounded up to whole vectors, the padding zero); out == 1: the kernel's one column,
// `width` = in rounded up to whole vectors. bias: out floats, zero-padded to whole vectors.
struct PackedDense {
  std::int64_t in = 0, out = 0, width = 0;
  AlignedFloats weights;
  AlignedFloats bias;
};
PackedDense pack_dense(const Tensor& kernel, const Tensor& bias);

// One run of a packed layer: rows of x (x_stride apart, the layer's `in` floats read) to rows
// of y (y_stride apart). out == 1: one float per row. Otherwise, y_stride >= layer->width (a
// padded buffer): whole vectors are stored, the padding lanes getting act(0), which is 0 for
// every fused activation; y_stride < width: the last vector of each row is stored masked.
struct PackedOperands {
  const float* x;
  std::int64_t x_stride;
  const PackedDense* layer;
  float* y;
  std::int64_t y_stride;
  std::int64_t rows;
};
using PackedDenseKernel = void (*)(const PackedOperands&);

// The kernel for `activation`, or nullptr when this CPU lacks AVX2/FMA or the activation has
// no fused epilogue (as fused_dense_kernel; the same activations and ELU algorithm).
PackedDenseKernel packed_dense_kernel(Activation activation);

}  // namespace exprvm::nn
