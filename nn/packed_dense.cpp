#include "nn/packed_dense.hpp"

#include <algorithm>
#include <new>

// The kernels below run only after packed_dense_kernel() checked the CPU (see the header).
#include "nn/simd_activation.hpp"

namespace exprvm::nn {

AlignedFloats::AlignedFloats(std::int64_t count) {
  const std::size_t floats = static_cast<std::size_t>(std::max<std::int64_t>(count, 1) + 15) / 16 * 16;
  auto* p = static_cast<float*>(std::aligned_alloc(64, floats * sizeof(float)));
  if (!p) throw std::bad_alloc();
  std::fill(p, p + floats, 0.0f);
  data_.reset(p);
}

PackedDense pack_dense(const Tensor& kernel, const Tensor& bias) {
  const auto whole_vectors = [](std::int64_t n) { return (n + simd::kLanes - 1) / simd::kLanes * simd::kLanes; };
  PackedDense packed;
  packed.in = kernel.rows;
  packed.out = kernel.cols;
  if (kernel.cols == 1) {
    packed.width = whole_vectors(kernel.rows);
    packed.weights = AlignedFloats(packed.width);
    std::copy(kernel.data.begin(), kernel.data.end(), packed.weights.data());
  } else {
    packed.width = whole_vectors(kernel.cols);
    packed.weights = AlignedFloats(kernel.rows * packed.width);
    for (std::int64_t r = 0; r < kernel.rows; ++r)
      std::copy(kernel.row(r), kernel.row(r) + kernel.cols, packed.weights.data() + r * packed.width);
  }
  packed.bias = AlignedFloats(whole_vectors(kernel.cols));
  std::copy(bias.data.begin(), bias.data.end(), packed.bias.data());
  return packed;
}

namespace {

using simd::kLanes;

// Independent accumulators wanted per tile: FMA latency (4 cycles) x 2 FMA ports = 8 chains
// keep the ports busy; 12 leave slack and shorten each chain (the one-row latency).
constexpr int kWantedChains = 12;
// One row: up to 4 vectors per column block (3 accumulator sets over the input = 12 chains).
constexpr int kOneRowVectors = 4;
// Batches: 6 rows x 2 vectors (12 accumulators, 2 weight vectors, 1 broadcast: 15 of the 16
// registers), each weight load used 6 times and each broadcast twice.
constexpr int kBatchRows = 6;
constexpr int kBatchVectors = 2;

// acc[r][v] += x[r * x_stride] * w_row[v] for the R rows and V vectors of one weight row.
template <int R, int V>
EXPRVM_AVX2 void multiply_add(__m256 (&acc)[R][V], const float* x, std::int64_t x_stride,
                              const float* w_row) {
  __m256 weights[V];
  #pragma GCC unroll 16
  for (int v = 0; v < V; ++v) weights[v] = _mm256_load_ps(w_row + v * kLanes);
  #pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const __m256 b = _mm256_broadcast_ss(x + r * x_stride);
    #pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(b, weights[v], acc[r][v]);
  }
}

// acc[Begin][r][v] + ... + acc[Begin + Count - 1][r][v], added pairwise.
template <int Begin, int Count, int S, int R, int V>
EXPRVM_AVX2 __m256 add_sets(const __m256 (&acc)[S][R][V], int r, int v) {
  if constexpr (Count == 1) return acc[Begin][r][v];
  else return _mm256_add_ps(add_sets<Begin, Count / 2>(acc, r, v),
                            add_sets<Begin + Count / 2, Count - Count / 2>(acc, r, v));
}

// sums = bias + x · w for rows [0, R) and vectors [0, V) of one column block (w rows `width`
// floats apart, x rows x_stride apart). The input dimension is dealt round-robin to S
// accumulator sets, so that S x R x V FMA chains are independent; set 0 starts from the bias
// (one add less on the way to the activation); the sets are added pairwise by add_sets
// (a loop over the sets kept acc in memory: GCC stored the accumulators on every iteration).
template <int R, int V>
EXPRVM_AVX2 void block_sums(
    const float* x, std::int64_t x_stride, const float* w, std::int64_t width, std::int64_t in,
    const float* bias, __m256 (&sums)[R][V]) {
  constexpr int S = std::max(1, kWantedChains / (R * V));
  __m256 acc[S][R][V];
  #pragma GCC unroll 16
  for (int s = 0; s < S; ++s)
    #pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      #pragma GCC unroll 16
      for (int v = 0; v < V; ++v)
        acc[s][r][v] = s == 0 ? _mm256_load_ps(bias + v * kLanes) : _mm256_setzero_ps();
  const std::int64_t whole_sets = in - in % S;
  std::int64_t i = 0;
  for (; i < whole_sets; i += S)
    #pragma GCC unroll 16
    for (int s = 0; s < S; ++s) multiply_add<R, V>(acc[s], x + i + s, x_stride, w + (i + s) * width);
  for (; i < in; ++i) multiply_add<R, V>(acc[0], x + i, x_stride, w + i * width);
  #pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
    #pragma GCC unroll 16
    for (int v = 0; v < V; ++v) sums[r][v] = add_sets<0, S>(acc, r, v);
}

// Rows [0, R) x vectors [0, V) of one column block: y = act(x · w + bias), where w, bias and y
// point at the block's first column and x at the first row; the last vector is stored masked
// when `masked`.
template <class Act, int R, int V>
EXPRVM_AVX2 void tile(const PackedOperands& d, const float* x, const float* w, const float* bias,
                      float* y, bool masked, __m256i mask) {
  __m256 sums[R][V];
  block_sums<R, V>(x, d.x_stride, w, d.layer->width, d.layer->in, bias, sums);
  #pragma GCC unroll 16
  for (int v = 0; v < V; ++v) {
    #pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m256 z = Act::apply(sums[r][v]);
      float* target = y + r * d.y_stride + v * kLanes;
      if (v == V - 1 && masked) _mm256_maskstore_ps(target, mask, z);
      else _mm256_storeu_ps(target, z);
    }
  }
}

// Rows [row, row + R) of the column block of `vectors` vectors (1..MaxV) from vector `first`.
template <class Act, int R, int MaxV>
EXPRVM_AVX2 void block_rows(const PackedOperands& d, std::int64_t row, std::int64_t first,
                            int vectors, bool masked, __m256i mask) {
  if constexpr (MaxV > 1) {
    if (vectors < MaxV) return block_rows<Act, R, MaxV - 1>(d, row, first, vectors, masked, mask);
  }
  const std::int64_t c = first * kLanes;
  tile<Act, R, MaxV>(d, d.x + row * d.x_stride, d.layer->weights.data() + c,
                     d.layer->bias.data() + c, d.y + row * d.y_stride + c, masked, mask);
}

// Rows [row, row + count) (count < kBatchRows) of one column block.
template <class Act>
EXPRVM_AVX2 void remaining_rows(const PackedOperands& d, std::int64_t row, std::int64_t count,
                                std::int64_t first, int vectors, bool masked, __m256i mask) {
  static_assert(kBatchRows == 6, "one case per remainder");
  switch (count) {
    case 1: return block_rows<Act, 1, kBatchVectors>(d, row, first, vectors, masked, mask);
    case 2: return block_rows<Act, 2, kBatchVectors>(d, row, first, vectors, masked, mask);
    case 3: return block_rows<Act, 3, kBatchVectors>(d, row, first, vectors, masked, mask);
    case 4: return block_rows<Act, 4, kBatchVectors>(d, row, first, vectors, masked, mask);
    case 5: return block_rows<Act, 5, kBatchVectors>(d, row, first, vectors, masked, mask);
    default: return;
  }
}

// out == 1: each row's dot product with the packed column (zero-padded; x's tail masked),
// 4 x 8 lanes of partial sums, then bias and activation; one float stored per row.
template <class Act>
EXPRVM_AVX2 void dot_rows(const PackedOperands& d) {
  const std::int64_t in = d.layer->in;
  const float* w = d.layer->weights.data();
  const __m256i tail = simd::lane_mask(in % kLanes);
  for (std::int64_t row = 0; row < d.rows; ++row) {
    const float* x = d.x + row * d.x_stride;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    std::int64_t i = 0;
    for (; i + 4 * kLanes <= in; i += 4 * kLanes)
      #pragma GCC unroll 16
      for (int a = 0; a < 4; ++a)
        acc[a] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + a * kLanes),
                                 _mm256_load_ps(w + i + a * kLanes), acc[a]);
    for (int a = 0; i + kLanes <= in; i += kLanes, ++a)
      acc[a] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_load_ps(w + i), acc[a]);
    if (i < in)
      acc[3] = _mm256_fmadd_ps(_mm256_maskload_ps(x + i, tail), _mm256_load_ps(w + i), acc[3]);
    const __m256 sum8 = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
    sum4 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
    sum4 = _mm_add_ss(sum4, _mm_movehdup_ps(sum4));
    const __m256 z = _mm256_set1_ps(_mm_cvtss_f32(sum4) + d.layer->bias.data()[0]);
    d.y[row * d.y_stride] = _mm_cvtss_f32(_mm256_castps256_ps128(Act::apply(z)));
  }
}

template <class Act>
EXPRVM_AVX2_ENTRY void packed_dense(const PackedOperands& d) {
  if (d.rows == 0) return;
  if (d.layer->out == 1) return dot_rows<Act>(d);
  const std::int64_t vectors = d.layer->width / kLanes;
  const bool mask_last = d.y_stride < d.layer->width;
  const __m256i mask = simd::lane_mask(d.layer->out - (vectors - 1) * kLanes);
  // Column blocks of about equal size (13 vectors: 4,3,3,3 for one row), outermost: a
  // block's weights stay in L1 across the rows.
  const std::int64_t max_vectors = d.rows == 1 ? kOneRowVectors : kBatchVectors;
  // (No division when one block holds every vector: an idiv is on the one-row latency path.)
  const std::int64_t blocks = vectors <= max_vectors ? 1 : (vectors + max_vectors - 1) / max_vectors;
  const std::int64_t base = blocks == 1 ? vectors : vectors / blocks;
  const std::int64_t longer = blocks == 1 ? 0 : vectors % blocks;  // the first `longer` get +1
  std::int64_t first = 0;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const int count = static_cast<int>(base + (b < longer ? 1 : 0));
    const bool masked = mask_last && b == blocks - 1;
    if (d.rows == 1) {
      block_rows<Act, 1, kOneRowVectors>(d, 0, first, count, masked, mask);
    } else {
      std::int64_t row = 0;
      for (; row + kBatchRows <= d.rows; row += kBatchRows)
        block_rows<Act, kBatchRows, kBatchVectors>(d, row, first, count, masked, mask);
      remaining_rows<Act>(d, row, d.rows - row, first, count, masked, mask);
    }
    first += count;
  }
}

}  // namespace

PackedDenseKernel packed_dense_kernel(Activation activation) {
  return simd::kernel_for<PackedDenseKernel>(activation, packed_dense<simd::Linear>, packed_dense<simd::Relu>,
                                             packed_dense<simd::Elu>);
}

}  // namespace exprvm::nn
