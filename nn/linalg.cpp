#include "nn/linalg.hpp"

#include <cblas.h>

#include <algorithm>
#include <string>

#include "compiler/error.hpp"

namespace exprvm::nn {

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
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, a.data.data(), static_cast<int>(a.cols), b.data.data(),
              static_cast<int>(b.cols), accumulate ? 1.0f : 0.0f, c.data.data(),
              static_cast<int>(n));
}

}  // namespace exprvm::nn
