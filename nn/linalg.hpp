// Matrix products of the NN runner: OpenBLAS cblas_sgemm on row-major Tensors.
#pragma once
#include "nn/tensor.hpp"

namespace exprvm::nn {

enum class Transpose { No, Yes };

// c = a' * b' (+ c when accumulate), where x' is x or its transpose. Resizes c when not
// accumulating; throws Error(Shape) when the inner dimensions differ.
void matmul(const Tensor& a, Transpose ta, const Tensor& b, Transpose tb, Tensor& c,
            bool accumulate = false);

}  // namespace exprvm::nn
