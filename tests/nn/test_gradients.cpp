// Gradient checks by central finite differences, for every layer, activation and loss.
// Everything runs in float32, so steps and tolerances are sized for float32 round-off.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nn/loss.hpp"
#include "nn/model.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;

namespace {

// Scalar objective: sum(weights * model_output) with fixed random weights, or a loss.
struct Objective {
  Model& model;
  const Tensor& x;
  const Tensor& weights;
  const Loss* loss = nullptr;

  double value() {
    std::mt19937_64 rng(99);  // same dropout mask every call
    const Tensor& y = model.forward_train(x, rng);
    if (loss) return loss->value(y, weights);
    double total = 0;
    for (std::int64_t i = 0; i < y.size(); ++i)
      total += static_cast<double>(y.data[i]) * weights.data[i];
    return total;
  }
  // Runs forward_train + backward: the analytic grads end up in the parameters.
  void compute_analytic_grads() {
    std::mt19937_64 rng(99);
    const Tensor& y = model.forward_train(x, rng);
    Tensor grad;
    if (loss) {
      loss->value_and_grad(y, weights, grad);
    } else {
      grad = weights;
    }
    model.backward(grad);
  }
};

// Compares analytic parameter grads of `model` with central differences of `objective`.
void check_parameter_grads(Model& model, Objective& objective, double step) {
  objective.compute_analytic_grads();
  std::vector<Tensor> analytic;
  for (const Parameter& p : model.parameters()) analytic.push_back(*p.grad);
  auto parameters = model.parameters();
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    Tensor& value = *parameters[k].value;
    for (std::int64_t i = 0; i < value.size(); ++i) {
      CAPTURE(parameters[k].name, i);
      const float saved = value.data[i];
      value.data[i] = saved + static_cast<float>(step);
      const double plus = objective.value();
      value.data[i] = saved - static_cast<float>(step);
      const double minus = objective.value();
      value.data[i] = saved;
      const double numeric = (plus - minus) / (2 * step);
      CHECK(analytic[k].data[i] == Approx(numeric).margin(3e-3).epsilon(2e-2));
    }
  }
}

// A model whose first layer is a linear Dense "probe": its kernel gradient checks dL/dx of
// every later layer (the probe's input gradient flows through them).
Model probe_model(std::int64_t width, std::mt19937_64& rng) {
  Model model(width);
  model.add(std::make_unique<Dense>(random_tensor(width, width, rng), random_tensor(1, width, rng),
                                    Activation::Linear, "dense_probe"));
  return model;
}

}  // namespace

TEST_CASE("dense gradients for every activation", "[nn][gradient]") {
  for (Activation a : {Activation::Linear, Activation::Relu, Activation::Elu, Activation::Selu,
                       Activation::Tanh, Activation::Sigmoid, Activation::Gelu,
                       Activation::Softmax}) {
    CAPTURE(std::string(activation_name(a)));
    std::mt19937_64 rng(17);
    Model model = probe_model(3, rng);
    model.add(std::make_unique<Dense>(random_tensor(3, 4, rng), random_tensor(1, 4, rng), a,
                                      "dense_1"));
    const Tensor x = random_tensor(5, 3, rng);
    const Tensor weights = random_tensor(5, 4, rng);
    Objective objective{model, x, weights};
    check_parameter_grads(model, objective, 1e-2);
  }
}

TEST_CASE("standalone activation layers backpropagate", "[nn][gradient]") {
  for (Activation a : {Activation::Relu, Activation::Elu, Activation::Selu, Activation::Tanh,
                       Activation::Sigmoid, Activation::Gelu, Activation::Softmax}) {
    CAPTURE(std::string(activation_name(a)));
    std::mt19937_64 rng(23);
    Model model = probe_model(4, rng);
    model.add(std::make_unique<ActivationLayer>(4, a, "activation_1"));
    const Tensor x = random_tensor(6, 4, rng);
    const Tensor weights = random_tensor(6, 4, rng);
    Objective objective{model, x, weights};
    check_parameter_grads(model, objective, 1e-2);
  }
}

TEST_CASE("batchnorm (training statistics) gradients", "[nn][gradient]") {
  std::mt19937_64 rng(29);
  Model model = probe_model(3, rng);
  model.add(std::make_unique<BatchNorm>(random_tensor(1, 3, rng, 0.5f, 1.5f),
                                        random_tensor(1, 3, rng), Tensor(1, 3),
                                        Tensor(1, 3, 1.0f), 1e-3, 0.99, "batchnorm_1"));
  const Tensor x = random_tensor(8, 3, rng);
  const Tensor weights = random_tensor(8, 3, rng);
  Objective objective{model, x, weights};
  check_parameter_grads(model, objective, 1e-2);
}

TEST_CASE("dropout gradients with a fixed mask", "[nn][gradient]") {
  std::mt19937_64 rng(31);
  Model model = probe_model(4, rng);
  model.add(std::make_unique<Dropout>(4, 0.5, "dropout_1"));
  const Tensor x = random_tensor(5, 4, rng);
  const Tensor weights = random_tensor(5, 4, rng);
  Objective objective{model, x, weights};
  check_parameter_grads(model, objective, 1e-2);
}

TEST_CASE("loss gradients: mse and softmax cross-entropy", "[nn][gradient]") {
  std::mt19937_64 rng(37);
  Model model = probe_model(3, rng);
  const Tensor x = random_tensor(4, 3, rng);
  SECTION("mse") {
    const Tensor targets = random_tensor(4, 3, rng);
    MeanSquaredError mse;
    Objective objective{model, x, targets, &mse};
    check_parameter_grads(model, objective, 1e-2);
  }
  SECTION("softmax cross-entropy") {
    Tensor targets(4, 3);
    for (int r = 0; r < 4; ++r) targets.at(r, r % 3) = 1.0f;
    SoftmaxCrossEntropy cross_entropy;
    Objective objective{model, x, targets, &cross_entropy};
    check_parameter_grads(model, objective, 1e-2);
  }
}

TEST_CASE("loss values equal their formulas", "[nn][loss]") {
  Tensor y(2, 2), t(2, 2);
  y.data = {1, 2, 3, 4};
  t.data = {0, 1, 0, 1};
  CHECK(MeanSquaredError().value(y, t) == Approx((1 + 1 + 9 + 9) / 4.0));
  const double row0 = std::log(std::exp(1.0) + std::exp(2.0)) - 2;
  const double row1 = std::log(std::exp(3.0) + std::exp(4.0)) - 4;
  CHECK(SoftmaxCrossEntropy().value(y, t) == Approx((row0 + row1) / 2).epsilon(1e-5));
}
