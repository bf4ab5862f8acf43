// Forward passes against a scalar reference in double precision.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nn/model.hpp"
#include "nn/trainer.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;
using exprvm::nn::testing::scalar_activation;

TEST_CASE("dense + activation forward equals a scalar reference", "[nn][forward]") {
  std::mt19937_64 rng(7);
  for (Activation a : {Activation::Linear, Activation::Relu, Activation::Elu, Activation::Selu,
                       Activation::Tanh, Activation::Sigmoid, Activation::Gelu}) {
    CAPTURE(std::string(activation_name(a)));
    Tensor kernel = random_tensor(5, 4, rng), bias = random_tensor(1, 4, rng);
    Dense dense(kernel, bias, a, "dense_1");
    const Tensor x = random_tensor(3, 5, rng, -2, 2);
    Tensor y;
    dense.forward(x, y);
    REQUIRE(y.rows == 3);
    REQUIRE(y.cols == 4);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) {
        double z = bias.at(0, c);
        for (int k = 0; k < 5; ++k) z += static_cast<double>(x.at(r, k)) * kernel.at(k, c);
        CHECK(y.at(r, c) == Approx(scalar_activation(a, z)).margin(2e-6).epsilon(2e-5));
      }
  }
}

TEST_CASE("softmax rows sum to one and match the reference", "[nn][forward]") {
  std::mt19937_64 rng(3);
  const Tensor x = random_tensor(4, 6, rng, -5, 5);
  ActivationLayer softmax(6, Activation::Softmax, "activation_1");
  Tensor y;
  softmax.forward(x, y);
  for (int r = 0; r < 4; ++r) {
    double total = 0;
    for (int c = 0; c < 6; ++c) total += std::exp(static_cast<double>(x.at(r, c)));
    for (int c = 0; c < 6; ++c)
      CHECK(y.at(r, c) == Approx(std::exp(static_cast<double>(x.at(r, c))) / total).epsilon(1e-5));
  }
}

TEST_CASE("batchnorm inference equals its formula", "[nn][forward]") {
  std::mt19937_64 rng(5);
  Tensor gamma = random_tensor(1, 3, rng), beta = random_tensor(1, 3, rng);
  Tensor mean = random_tensor(1, 3, rng), var = random_tensor(1, 3, rng, 0.5f, 2.0f);
  BatchNorm bn(gamma, beta, mean, var, 1e-3, 0.99, "batchnorm_1");
  const Tensor x = random_tensor(2, 3, rng);
  Tensor y;
  bn.forward(x, y);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      const double expected = (x.at(r, c) - mean.at(0, c)) /
                                  std::sqrt(static_cast<double>(var.at(0, c)) + 1e-3) *
                                  gamma.at(0, c) +
                              beta.at(0, c);
      CHECK(y.at(r, c) == Approx(expected).epsilon(1e-5).margin(1e-6));
    }
}

TEST_CASE("any layer's output can be asked for, as net[-3](X) in seed 002", "[nn][forward]") {
  std::mt19937_64 rng(11);
  Model model(4);
  model.add(std::make_unique<Dense>(random_tensor(4, 3, rng), random_tensor(1, 3, rng),
                                    Activation::Linear, "dense_1"));
  model.add(BatchNorm::fresh(3, "batchnorm_1"));
  model.add(std::make_unique<ActivationLayer>(3, Activation::Relu, "activation_1"));
  const Tensor x = random_tensor(5, 4, rng);
  const Tensor projection = model.predict(x, -3);
  const Tensor relu = model.predict(x);
  Tensor expected;
  model.layer(0).forward(x, expected);
  // (Within float32 rounding: the prediction's fused kernel adds in another order than sgemm.)
  REQUIRE(projection.rows == expected.rows);
  for (std::int64_t i = 0; i < projection.size(); ++i)
    CHECK(projection.data[i] == Approx(expected.data[i]).epsilon(1e-6).margin(1e-6));
  for (std::int64_t i = 0; i < relu.size(); ++i) {
    // fresh batchnorm: (x - 0) / sqrt(1 + 1e-3) * 1 + 0
    const float bn = static_cast<float>(projection.data[i] / std::sqrt(1.001));
    CHECK(relu.data[i] == Approx(bn > 0 ? bn : 0).margin(1e-6));
  }
  // A single sample gives the same row as in the batch.
  const Tensor one = model.predict(slice_rows(x, 2, 3));
  REQUIRE(one.rows == 1);
  for (std::int64_t c = 0; c < one.cols; ++c) CHECK(one.at(0, c) == Approx(relu.at(2, c)));
}
