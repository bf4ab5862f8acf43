// Training end to end: a learnable task's validation loss falls below a stated threshold, and
// the error cases of the training and prediction entry points.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "helpers.hpp"
#include "nn/trainer.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;

TEST_CASE("a learnable regression drives val_loss below 0.01", "[nn][training]") {
  // y = sin(x0) + 0.5 * x1 * x2 on [-1, 1]^3; a constant predictor's MSE is about 0.3.
  std::mt19937_64 rng(1);
  const Tensor x = random_tensor(2000, 3, rng);
  Tensor y(2000, 1);
  for (int r = 0; r < 2000; ++r)
    y.at(r, 0) = std::sin(x.at(r, 0)) + 0.5f * x.at(r, 1) * x.at(r, 2);
  Model model(3);
  model.add(Dense::glorot(3, 32, Activation::Elu, "dense_1", rng));
  model.add(Dense::glorot(32, 32, Activation::Tanh, "dense_2", rng));
  model.add(Dense::glorot(32, 1, Activation::Linear, "dense_3", rng));
  MeanSquaredError mse;
  Adam adam(0.01);
  FitOptions options;
  options.epochs = 40;
  options.batch_size = 32;
  options.validation_split = 0.2;
  std::ostringstream progress;
  const auto logs = fit(model, mse, adam, x, y, options, &progress);
  REQUIRE(logs.size() == 40);
  CHECK(logs.front().batches == 50);  // 1600 training rows / 32
  REQUIRE(logs.back().val_loss.has_value());
  CHECK(*logs.back().val_loss < 0.01);
  CHECK(*logs.back().val_loss < *logs.front().val_loss);
  CHECK_THAT(progress.str(), Catch::StartsWith("Epoch 1/40 - 50 batches - loss: "));
}

TEST_CASE("a classification task with softmax cross-entropy learns", "[nn][training]") {
  // Class = which of 3 coordinates is largest.
  std::mt19937_64 rng(2);
  const Tensor x = random_tensor(1500, 3, rng);
  Tensor y(1500, 3);
  for (int r = 0; r < 1500; ++r) {
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (x.at(r, c) > x.at(r, best)) best = c;
    y.at(r, best) = 1.0f;
  }
  Model model(3);
  model.add(Dense::glorot(3, 16, Activation::Relu, "dense_1", rng));
  model.add(BatchNorm::fresh(16, "batchnorm_1"));
  model.add(std::make_unique<Dropout>(16, 0.1, "dropout_1"));
  model.add(Dense::glorot(16, 3, Activation::Linear, "dense_2", rng));
  SoftmaxCrossEntropy loss;
  Adam adam(0.01);
  FitOptions options;
  options.epochs = 25;
  options.batch_size = 50;
  options.validation_split = 0.2;
  const auto logs = fit(model, loss, adam, x, y, options);
  CHECK(*logs.back().val_loss < 0.25);  // chance level is log(3) = 1.10
}

TEST_CASE("training and prediction errors", "[nn][training][errors]") {
  std::mt19937_64 rng(3);
  Model model(2);
  model.add(Dense::glorot(2, 1, Activation::Linear, "dense_1", rng));
  MeanSquaredError mse;
  Sgd sgd;
  FitOptions options;
  SECTION("wrong shapes") {
    CHECK_THROWS_WITH(model.predict(Tensor(3, 4)),
                      Catch::Contains("expects 2 input features per row, got 4"));
    CHECK_THROWS_WITH(fit(model, mse, sgd, Tensor(4, 2), Tensor(3, 1), options),
                      Catch::Contains("4 input rows but 3 target rows"));
    CHECK_THROWS_WITH(fit(model, mse, sgd, Tensor(4, 2), Tensor(4, 2), options),
                      Catch::Contains("targets have 2 columns, the model outputs 1"));
    CHECK_THROWS_WITH(model.predict(Tensor(1, 2), 5), Catch::Contains("layer index 5"));
    CHECK_THROWS_WITH(model.add(Dense::glorot(3, 1, Activation::Linear, "dense_2", rng)),
                      Catch::Contains("takes 3 inputs, but the previous output has 1"));
  }
  SECTION("NaN in inputs is reported with its position") {
    Tensor x(2, 2);
    x.at(1, 0) = NAN;
    CHECK_THROWS_WITH(model.predict(x), Catch::Contains("input has NaN at row 1, column 0"));
    CHECK_THROWS_WITH(fit(model, mse, sgd, x, Tensor(2, 1), options),
                      Catch::Contains("training input has NaN at row 1"));
  }
  SECTION("empty batches") {
    CHECK(model.predict(Tensor(0, 2)).rows == 0);
    CHECK_THROWS_WITH(fit(model, mse, sgd, Tensor(0, 2), Tensor(0, 1), options),
                      Catch::Contains("no training rows"));
    CHECK_THROWS_WITH(mse.value(Tensor(0, 1), Tensor(0, 1)), Catch::Contains("empty batch"));
  }
}
