// Shared helpers of the NN runner's tests: random tensors and a scalar reference of layers.
#pragma once
#include <cmath>
#include <random>

#include "nn/activation.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn::testing {

inline Tensor random_tensor(std::int64_t rows, std::int64_t cols, std::mt19937_64& rng,
                            float low = -1.0f, float high = 1.0f) {
  Tensor t(rows, cols);
  std::uniform_real_distribution<float> uniform(low, high);
  for (float& v : t.data) v = uniform(rng);
  return t;
}

// The activation of one value in double precision (every kind but softmax).
inline double scalar_activation(Activation a, double x) {
  switch (a) {
    case Activation::Linear: return x;
    case Activation::Relu: return x > 0 ? x : 0;
    case Activation::Elu: return x > 0 ? x : std::expm1(x);
    case Activation::Selu:
      return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * std::expm1(x));
    case Activation::Tanh: return std::tanh(x);
    case Activation::Sigmoid: return 1 / (1 + std::exp(-x));
    case Activation::Gelu: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case Activation::Softmax: break;
  }
  return NAN;
}

}  // namespace exprvm::nn::testing
