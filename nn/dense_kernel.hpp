// Fused dense kernels: y = act(x · kernel + bias) for small layers in one pass, with the
// bias and the activation applied to the product's accumulators before they are stored
// (AVX2 + FMA, chosen at run time; no kernel on CPUs without them). Several accumulators per
// output vector break the dependent FMA chain over the input dimension.
#pragma once
#include <cstdint>

#include "nn/activation.hpp"

namespace exprvm::nn {

// One dense layer's operands: x (rows x in, rows x_stride >= in apart), kernel (in x out,
// row-major), bias (out), y (rows x out, rows y_stride >= out apart). A y_stride that rounds
// out up to whole 8-float vectors lets the kernel store whole vectors (the padding gets
// values that nothing reads).
struct DenseOperands {
  const float* x;
  const float* kernel;
  const float* bias;
  float* y;
  std::int64_t rows, in, out;
  std::int64_t x_stride, y_stride;
};
using FusedDenseKernel = void (*)(const DenseOperands&);
// out rounded up to whole vectors: the y_stride of a padded output.
inline std::int64_t padded_width(std::int64_t out) { return (out + 7) / 8 * 8; }

// The fused kernel for `activation`, or nullptr when this CPU lacks AVX2/FMA or the activation
// has no fused epilogue (linear, relu and elu do; the others keep their exprvm program).
// ELU uses the engine's expm1 algorithm (same operations, no FMA), so its values are the
// exprvm program's for the same pre-activation.
FusedDenseKernel fused_dense_kernel(Activation activation);

// y[c] = act(bias[c] + sum over blocks of partials[p][c]) for c < out: the epilogue of a
// product whose input rows were split into `parts` blocks (partials are `parts` rows of `out`
// floats, added in block order). nullptr as for fused_dense_kernel.
using PartialsEpilogue = void (*)(const float* partials, int parts, const float* bias,
                                  std::int64_t out, float* y);
PartialsEpilogue partials_epilogue(Activation activation);

}  // namespace exprvm::nn
