// Matrix products of the NN runner on row-major Tensors: OpenBLAS cblas_sgemm for batches,
// a matrix-vector product (cblas_sgemv or Eigen) for one row.
#pragma once
#include <cstdint>
#include <string_view>

#include "nn/tensor.hpp"

namespace exprvm::nn {

enum class Transpose { No, Yes };

// c = a' * b' (+ c when accumulate), where x' is x or its transpose. Resizes c when not
// accumulating; throws Error(Shape) when the inner dimensions differ.
void matmul(const Tensor& a, Transpose ta, const Tensor& b, Transpose tb, Tensor& c,
            bool accumulate = false);

// Who computes a one-row product y = x · kernel + bias.
enum class MatVec {
  Blas,   // cblas_sgemv: fastest when OpenBLAS runs its AVX2 / AVX-512 kernels
  Eigen,  // Eigen::Map over the buffers (baseline SSE2 build): beats OpenBLAS's generic kernels
};
// Blas when OpenBLAS picked an AVX2-class core at start-up, else Eigen (decided once).
MatVec default_matvec();
// The core OpenBLAS runs, e.g. "SkylakeX", or "Prescott" when it did not recognise the CPU.
std::string_view blas_core_name();

// out = x · kernel + bias, bias (1, kernel.cols) broadcast over the rows; out is resized (its
// capacity reused, so steady-state calls do not allocate). One row takes `one_row` (a dot
// product when kernel has one column); more rows run sgemm (sgemv for one column) onto rows
// prefilled with the bias. Throws Error(Shape) for mismatched widths.
void affine(const Tensor& x, const Tensor& kernel, const Tensor& bias, Tensor& out,
            MatVec one_row = default_matvec());

// Threads for a product of `multiply_adds`: one below the threshold (measured: waking a
// second thread costs more than it saves there), OpenBLAS's start-up thread count from there
// on. Matrix products (sgemm, OpenBLAS's threads) compute: threaded from kThreadedMinWork
// (4M, e.g. 100x100x100 stays on one thread). Matrix-vector products stream their matrix
// once: from kThreadedMinStream (512K elements, 2 MB: a 1000x1000 one-row layer) they run as
// that many single-threaded sgemv calls on contiguous blocks of the matrix, on TBB threads
// (measured: 3 1000x1000 layers in 169-286 us against 217-362 us with OpenBLAS's two threads).
enum class ProductKind { MatrixMatrix, MatrixVector };
inline constexpr std::int64_t kThreadedMinWork = std::int64_t{1} << 22;
inline constexpr std::int64_t kThreadedMinStream = std::int64_t{1} << 19;
int product_threads(std::int64_t multiply_adds, ProductKind kind);
// partials[p] = x[block p] · kernel[block p] for the `parts` contiguous blocks of the kernel's
// rows (p < parts, partials holds parts x kernel.cols floats): one single-threaded sgemv per
// block, the blocks on TBB threads. Adding the partials in block order gives x · kernel.
void matvec_partials(const float* x, const Tensor& kernel, int parts, float* partials);
// out[c] = sum of z's column c over its rows (out holds z.cols floats; zeros for no rows), as
// the product z' · ones (sgemv): the bias gradient. (The engine's sum(z, axis=0) gathers
// each column: 9.8M of a 20-epoch training run's 73M instructions.)
void column_sums(const Tensor& z, float* out);
// Sets OpenBLAS's thread count. Process-wide (OpenBLAS has no per-call setting); calls
// openblas_set_num_threads only when the count changes.
void set_blas_threads(int threads);

}  // namespace exprvm::nn
