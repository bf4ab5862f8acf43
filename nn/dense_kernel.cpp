#include "nn/dense_kernel.hpp"

// Everything below runs only after fused_dense_kernel() checked the CPU: the functions carry
// the AVX2/FMA target attribute and call nothing compiled without it (no library calls).
#include "nn/simd_activation.hpp"

namespace exprvm::nn {
namespace {

using simd::Elu;
using simd::kLanes;
using simd::lane_mask;
using simd::Linear;
using simd::Relu;

constexpr int kBatchRows = 4;       // batches: rows per kernel load
constexpr int kBlockVectors = 3;    // batches: vectors per column block (12 accumulators)
constexpr int kOneRowBlockVectors = 8;  // one row: 8 vectors, one accumulator each
constexpr int kChains = 8;          // independent FMA chains wanted (FMA latency x 2 ports)

template <bool Masked>
EXPRVM_AVX2 __m256 load(const float* p, __m256i mask) {
  if constexpr (Masked) return _mm256_maskload_ps(p, mask);
  else return _mm256_loadu_ps(p);
}
template <bool Masked>
EXPRVM_AVX2 void store(float* p, __m256 v, __m256i mask) {
  if constexpr (Masked) _mm256_maskstore_ps(p, mask, v);
  else _mm256_storeu_ps(p, v);
}

// acc[r][v] += x[r][i] * k[i][v] for the R rows and V vectors of one kernel row i.
template <int R, int V, bool Masked>
EXPRVM_AVX2 void multiply_add_row(__m256 (&acc)[R][V], const float* x, std::int64_t in,
                                  const float* kernel_row, __m256i mask) {
  __m256 w[V];
  #pragma GCC unroll 16
  for (int v = 0; v < V; ++v)
    w[v] = v == V - 1 ? load<Masked>(kernel_row + v * kLanes, mask)
                      : _mm256_loadu_ps(kernel_row + v * kLanes);
  #pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const __m256 b = _mm256_broadcast_ss(x + r * in);
    #pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(b, w[v], acc[r][v]);
  }
}

// Rows [0, R) and output vectors [0, V) of one column block: y = act(x · k + bias), where k,
// bias and y point at the block's first column and the last vector is masked when Masked.
// The input dimension is split into S interleaved parts, each with its own accumulators, so
// that R * V * S >= kChains FMAs are independent; the parts are added before the bias.
template <class Act, int R, int V, bool Masked>
EXPRVM_AVX2 void column_block(const DenseOperands& d, const float* x, const float* k,
                              const float* bias, float* y, __m256i mask) {
  constexpr int S = R * V >= kChains ? 1 : kChains / (R * V);
  __m256 acc[S][R][V];
  #pragma GCC unroll 16
  for (int s = 0; s < S; ++s)
    #pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      #pragma GCC unroll 16
      for (int v = 0; v < V; ++v) acc[s][r][v] = _mm256_setzero_ps();
  // Pointers advanced by the loop (an index times d.out costs a multiply per kernel row).
  const float* kernel_row = k;
  const float* const x_end = x + d.in;
  for (; x + S <= x_end; x += S) {
    #pragma GCC unroll 16
    for (int s = 0; s < S; ++s, kernel_row += d.out)
      multiply_add_row<R, V, Masked>(acc[s], x + s, d.x_stride, kernel_row, mask);
  }
  for (; x < x_end; ++x, kernel_row += d.out)
    multiply_add_row<R, V, Masked>(acc[0], x, d.x_stride, kernel_row, mask);
  #pragma GCC unroll 16
  for (int width = S; width > 1; width = (width + 1) / 2)  // pairwise: (0+2)+(1+3), ...
    #pragma GCC unroll 16
    for (int s = 0; s + (width + 1) / 2 < width; ++s)
      #pragma GCC unroll 16
      for (int r = 0; r < R; ++r)
        #pragma GCC unroll 16
        for (int v = 0; v < V; ++v)
          acc[s][r][v] = _mm256_add_ps(acc[s][r][v], acc[s + (width + 1) / 2][r][v]);
  #pragma GCC unroll 16
  for (int v = 0; v < V; ++v) {
    const __m256 b = v == V - 1 ? load<Masked>(bias + v * kLanes, mask)
                                : _mm256_loadu_ps(bias + v * kLanes);
    #pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m256 z = Act::apply(_mm256_add_ps(acc[0][r][v], b));
      // A padded output row (y_stride covers whole vectors) takes the last vector whole: a
      // masked store would stall the next layer's loads of it (no store forwarding).
      if (v == V - 1 && Masked && d.y_stride < padded_width(d.out))
        store<Masked>(y + r * d.y_stride + v * kLanes, z, mask);
      else
        _mm256_storeu_ps(y + r * d.y_stride + v * kLanes, z);
    }
  }
}

// Rows [row, row + R) of one column block of V vectors starting at column c.
template <class Act, int R, int V>
EXPRVM_AVX2 void column_block_at(const DenseOperands& d, std::int64_t row, std::int64_t c,
                                 bool masked, __m256i mask) {
  const float* x = d.x + row * d.x_stride;
  float* y = d.y + row * d.y_stride + c;
  if (masked) column_block<Act, R, V, true>(d, x, d.kernel + c, d.bias + c, y, mask);
  else column_block<Act, R, V, false>(d, x, d.kernel + c, d.bias + c, y, mask);
}

// Rows [row, row + R) of the column block of `vectors` vectors (at most MaxV) at column c.
template <class Act, int R, int MaxV>
EXPRVM_AVX2 void rows_of_block(const DenseOperands& d, std::int64_t row, std::int64_t c,
                               int vectors, bool masked, __m256i mask) {
  if constexpr (MaxV > 1) {
    if (vectors < MaxV) return rows_of_block<Act, R, MaxV - 1>(d, row, c, vectors, masked, mask);
  }
  column_block_at<Act, R, MaxV>(d, row, c, masked, mask);
}

// Rows [row_begin, row_end) in groups of R (the last group of one row) over column blocks of
// up to MaxV vectors, column blocks outermost: a block's kernel columns stay in L1 across rows.
template <class Act, int R, int MaxV>
EXPRVM_AVX2 void column_blocks(const DenseOperands& d, __m256i mask) {
  const std::int64_t vectors = (d.out + kLanes - 1) / kLanes;
  for (std::int64_t first = 0; first < vectors; first += MaxV) {
    const int count = static_cast<int>(vectors - first < MaxV ? vectors - first : MaxV);
    const bool masked = first + count == vectors && d.out % kLanes != 0;
    const std::int64_t c = first * kLanes;
    std::int64_t row = 0;
    for (; row + R <= d.rows; row += R) rows_of_block<Act, R, MaxV>(d, row, c, count, masked, mask);
    for (; row < d.rows; ++row) rows_of_block<Act, 1, MaxV>(d, row, c, count, masked, mask);
  }
}

// One output column: each row's dot product with the kernel column (contiguous), 4 x 8
// lanes of partial sums, then bias and activation.
template <class Act>
EXPRVM_AVX2 void dot_rows(const DenseOperands& d) {
  const __m256i tail = lane_mask(d.in % kLanes);
  for (std::int64_t row = 0; row < d.rows; ++row) {
    const float* x = d.x + row * d.x_stride;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    std::int64_t i = 0;
    for (; i + 4 * kLanes <= d.in; i += 4 * kLanes)
      #pragma GCC unroll 16
      for (int a = 0; a < 4; ++a)
        acc[a] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + a * kLanes),
                                 _mm256_loadu_ps(d.kernel + i + a * kLanes), acc[a]);
    for (; i + kLanes <= d.in; i += kLanes)
      acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(d.kernel + i), acc[0]);
    if (i < d.in)
      acc[1] = _mm256_fmadd_ps(_mm256_maskload_ps(x + i, tail),
                               _mm256_maskload_ps(d.kernel + i, tail), acc[1]);
    const __m256 sum8 = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
    sum4 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
    sum4 = _mm_add_ss(sum4, _mm_movehdup_ps(sum4));
    const __m256 z = _mm256_set1_ps(_mm_cvtss_f32(sum4) + d.bias[0]);
    d.y[row * d.y_stride] = _mm_cvtss_f32(_mm256_castps256_ps128(Act::apply(z)));
  }
}

template <class Act>
EXPRVM_AVX2_ENTRY void fused_dense(const DenseOperands& d) {
  if (d.rows == 0 || d.out == 0) return;
  if (d.out == 1) return dot_rows<Act>(d);
  const __m256i mask = lane_mask(d.out % kLanes == 0 ? kLanes : d.out % kLanes);
  // One row streams each kernel row once per block: wide blocks (8 accumulators, one per
  // vector) touch fewer, longer pieces of each row. Batches take four rows per kernel load:
  // 12 independent chains leave slack over the 8 that FMA latency needs (measured, one
  // thread: (100,100,100) x 100 rows 64 us, against 99 us with 2 rows x 4 vectors and 84 us
  // with sgemm for the 100 x 100 layers).
  if (d.rows == 1) return column_blocks<Act, 1, kOneRowBlockVectors>(d, mask);
  column_blocks<Act, kBatchRows, kBlockVectors>(d, mask);
}

template <class Act>
EXPRVM_AVX2_ENTRY void add_partials(const float* partials, int parts, const float* bias,
                                    std::int64_t out, float* y) {
  for (std::int64_t c = 0; c < out; c += kLanes) {
    const __m256i mask = lane_mask(out - c);
    __m256 z = _mm256_maskload_ps(bias + c, mask);
    for (int p = 0; p < parts; ++p) z = _mm256_add_ps(z, _mm256_maskload_ps(partials + p * out + c, mask));
    _mm256_maskstore_ps(y + c, mask, Act::apply(z));
  }
}

}  // namespace

FusedDenseKernel fused_dense_kernel(Activation activation) {
  return simd::kernel_for<FusedDenseKernel>(activation, fused_dense<Linear>, fused_dense<Relu>, fused_dense<Elu>);
}

PartialsEpilogue partials_epilogue(Activation activation) {
  return simd::kernel_for<PartialsEpilogue>(activation, add_partials<Linear>, add_partials<Relu>, add_partials<Elu>);
}

}  // namespace exprvm::nn
