#include "nn/linalg.hpp"

#include <cblas.h>

#include "nn/parallel_parts.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The block [begin, end) of `count` items split into `parts` near-equal contiguous blocks.
std::pair<std::int64_t, std::int64_t> block(std::int64_t count, int parts, int part) {
  return {count * part / parts, count * (part + 1) / parts};
}

// y += x · kernel (sgemv), the kernel's rows (x's elements) split into product_threads()
// contiguous blocks, each block's product on its own TBB thread into a partial row, the
// partials then added in block order (so the result does not depend on scheduling).
void matvec_accumulate(const float* x, const Tensor& kernel, float* y) {
  const int parts = product_threads(kernel.size(), ProductKind::MatrixVector);
  const auto cols = static_cast<int>(kernel.cols);
  set_blas_threads(1);
  if (parts == 1) {
    cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(kernel.rows), cols, 1.0f,
                kernel.data.data(), cols, x, 1, 1.0f, y, 1);
    return;
  }
  // The calling thread's buffer (reused across calls), passed to the workers by pointer.
  thread_local std::vector<float> partial_storage;
  partial_storage.resize(static_cast<std::size_t>(parts) * kernel.cols);
  float* const partials = partial_storage.data();
  matvec_partials(x, kernel, parts, partials);
  Eigen::Map<Eigen::RowVectorXf> yv(y, kernel.cols);
  for (int p = 0; p < parts; ++p)
    yv += Eigen::Map<const Eigen::RowVectorXf>(partials + p * kernel.cols, kernel.cols);
}

// out += x · kernel for a one-column kernel (sgemv over x's rows), x's rows split into
// product_threads() blocks on TBB threads (each writes its own rows of out).
void rows_dot_accumulate(const Tensor& x, const Tensor& kernel, Tensor& out) {
  const int parts = product_threads(x.size(), ProductKind::MatrixVector);
  set_blas_threads(1);
  parallel_parts(parts, [&](int p) {
    const auto [begin, end] = block(x.rows, parts, p);
    if (begin == end) return;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(end - begin),
                static_cast<int>(x.cols), 1.0f, x.row(begin), static_cast<int>(x.cols),
                kernel.data.data(), 1, 1.0f, out.row(begin), 1);
  });
}

// y = x · kernel + bias for one row x (kernel.rows values) into y (kernel.cols values).
// One output column is a dot product (Eigen's: ~2 ns, against ~50 ns for a cblas call).
void matvec_bias(const float* x, const Tensor& kernel, const Tensor& bias, float* y,
                 MatVec backend) {
  std::copy(bias.data.begin(), bias.data.end(), y);
  if (kernel.rows == 0 || kernel.cols == 0) return;
  if (kernel.cols == 1) {
    y[0] += Eigen::Map<const Eigen::VectorXf>(x, kernel.rows)
                .dot(Eigen::Map<const Eigen::VectorXf>(kernel.data.data(), kernel.rows));
    return;
  }
  if (backend == MatVec::Eigen) {
    const Eigen::Map<const RowMajorMatrix> k(kernel.data.data(), kernel.rows, kernel.cols);
    const Eigen::Map<const Eigen::RowVectorXf> xv(x, kernel.rows);
    Eigen::Map<Eigen::RowVectorXf> yv(y, kernel.cols);
    yv.noalias() += xv * k;
    return;
  }
  matvec_accumulate(x, kernel, y);
}

}  // namespace

std::string_view blas_core_name() {
  static const std::string name = openblas_get_corename();
  return name;
}

MatVec default_matvec() {
  // OpenBLAS 0.3.21's cores with AVX2 or AVX-512 kernels (names as openblas_get_corename).
  static constexpr std::array<std::string_view, 6> kSimdCores = {
      "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Zen3"};
  static const MatVec choice =
      std::find(kSimdCores.begin(), kSimdCores.end(), blas_core_name()) != kSimdCores.end()
          ? MatVec::Blas
          : MatVec::Eigen;
  return choice;
}

int product_threads(std::int64_t multiply_adds, ProductKind kind) {
  static const int startup_threads = openblas_get_num_threads();
  const std::int64_t threshold =
      kind == ProductKind::MatrixMatrix ? kThreadedMinWork : kThreadedMinStream;
  return multiply_adds < threshold ? 1 : startup_threads;
}

void set_blas_threads(int threads) {
  static std::atomic<int> current{openblas_get_num_threads()};
  // A plain load first: a locked exchange on every small product costs ~20 ns.
  if (current.load(std::memory_order_relaxed) == threads) return;
  current.store(threads, std::memory_order_relaxed);
  openblas_set_num_threads(threads);
}

void matvec_partials(const float* x, const Tensor& kernel, int parts, float* partials) {
  const auto cols = static_cast<int>(kernel.cols);
  set_blas_threads(1);
  parallel_parts(parts, [&](int p) {
    const auto [begin, end] = block(kernel.rows, parts, p);
    float* partial = partials + p * kernel.cols;
    if (begin == end) return std::fill(partial, partial + kernel.cols, 0.0f);
    cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(end - begin), cols, 1.0f,
                kernel.row(begin), cols, x + begin, 1, 0.0f, partial, 1);
  });
}

void column_sums(const Tensor& z, float* out) {
  if (z.rows == 0) return std::fill(out, out + z.cols, 0.0f);
  if (z.cols == 0) return;
  thread_local std::vector<float> ones;  // grows to the largest row count, then stays
  if (static_cast<std::int64_t>(ones.size()) < z.rows)
    ones.assign(static_cast<std::size_t>(z.rows), 1.0f);
  set_blas_threads(1);
  cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(z.rows), static_cast<int>(z.cols),
              1.0f, z.data.data(), static_cast<int>(z.cols), ones.data(), 1, 0.0f, out, 1);
}

void matmul(const Tensor& a, Transpose ta, const Tensor& b, Transpose tb, Tensor& c,
            bool accumulate) {
  const bool trans_a = ta == Transpose::Yes;
  const bool trans_b = tb == Transpose::Yes;
  const std::int64_t m = trans_a ? a.cols : a.rows;
  const std::int64_t k = trans_a ? a.rows : a.cols;
  const std::int64_t k_b = trans_b ? b.cols : b.rows;
  const std::int64_t n = trans_b ? b.rows : b.cols;
  if (k != k_b) {
    throw Error(ErrorKind::Shape, "matmul: inner dimensions differ (" + std::to_string(k) +
                                      " vs " + std::to_string(k_b) + ")");
  }
  if (accumulate) {
    if (c.rows != m || c.cols != n) {
      throw Error(ErrorKind::Shape, "matmul: accumulator has the wrong shape");
    }
  } else {
    c.resize(m, n);
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate) std::fill(c.data.begin(), c.data.end(), 0.0f);
    return;
  }
  set_blas_threads(product_threads(m * n * k, ProductKind::MatrixMatrix));
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, a.data.data(), static_cast<int>(a.cols), b.data.data(),
              static_cast<int>(b.cols), accumulate ? 1.0f : 0.0f, c.data.data(),
              static_cast<int>(n));
}

void affine(const Tensor& x, const Tensor& kernel, const Tensor& bias, Tensor& out,
            MatVec one_row) {
  if (x.cols != kernel.rows || bias.size() != kernel.cols) {
    throw Error(ErrorKind::Shape, "affine: input width " + std::to_string(x.cols) +
                                      ", kernel " + std::to_string(kernel.rows) + "x" +
                                      std::to_string(kernel.cols) + ", bias of " +
                                      std::to_string(bias.size()) + " do not fit");
  }
  out.resize(x.rows, kernel.cols);
  if (x.rows == 1) return matvec_bias(x.data.data(), kernel, bias, out.data.data(), one_row);
  if (x.rows == 0 || kernel.cols == 0) return;
  // Eigen's broadcast copy: a std::copy per row costs a libc call each (~0.8 us for 100x30).
  Eigen::Map<RowMajorMatrix>(out.data.data(), out.rows, out.cols).rowwise() =
      Eigen::Map<const Eigen::RowVectorXf>(bias.data.data(), bias.size());
  if (kernel.rows == 0) return;
  // One output column: a matrix-vector product (sgemm with n = 1 is ~5x slower).
  if (kernel.cols == 1) return rows_dot_accumulate(x, kernel, out);
  matmul(x, Transpose::No, kernel, Transpose::No, out, true);
}

}  // namespace exprvm::nn
