// Tensor: the NN runner's storage, a C-ordered float32 matrix (rows = batch, cols = features),
// plus helpers that view it as exprvm Arrays for the emitted programs.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

struct Tensor {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> data;

  Tensor() = default;
  Tensor(std::int64_t r, std::int64_t c, float fill = 0.0f)
      : rows(r), cols(c), data(static_cast<std::size_t>(r * c), fill) {}

  // Resizes without keeping values (capacity is reused, so steady-state calls do not allocate).
  void resize(std::int64_t r, std::int64_t c) {
    rows = r;
    cols = c;
    data.resize(static_cast<std::size_t>(r * c));
  }
  std::int64_t size() const { return rows * cols; }
  float* row(std::int64_t r) { return data.data() + r * cols; }
  const float* row(std::int64_t r) const { return data.data() + r * cols; }
  float& at(std::int64_t r, std::int64_t c) { return data[static_cast<std::size_t>(r * cols + c)]; }
  float at(std::int64_t r, std::int64_t c) const { return data[static_cast<std::size_t>(r * cols + c)]; }

  // (rows, cols) view.
  Array matrix() const {
    return Array::from_raw(const_cast<float*>(data.data()), DType::Float32, {rows, cols});
  }
  // 1-d view of all elements (for parameters stored as (1, n), e.g. a bias).
  Array flat() const {
    return Array::from_raw(const_cast<float*>(data.data()), DType::Float32, {size()});
  }
  // (size, 1) view: a per-row value broadcast along the features of a (rows, cols) matrix.
  Array column() const {
    return Array::from_raw(const_cast<float*>(data.data()), DType::Float32, {size(), 1});
  }
};

}  // namespace exprvm::nn
