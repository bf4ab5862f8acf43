// Each optimizer's update equals its formula on a few hand-computed steps (double precision
// reference, float32 engine: relative tolerance 1e-5).
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/optimizer.hpp"

using namespace exprvm::nn;

namespace {

struct OneParameter {
  Tensor value{1, 3};
  Tensor grad{1, 3};
  std::vector<Parameter> list() { return {{"p", &value, &grad}}; }
};

}  // namespace

TEST_CASE("sgd: p = p - lr * g", "[nn][optimizer]") {
  OneParameter p;
  p.value.data = {1.0f, -2.0f, 0.5f};
  p.grad.data = {0.5f, 1.0f, -4.0f};
  Sgd sgd(0.1);
  sgd.step(p.list());
  CHECK(p.value.data[0] == Approx(0.95));
  CHECK(p.value.data[1] == Approx(-2.1));
  CHECK(p.value.data[2] == Approx(0.9));
}

TEST_CASE("sgd with momentum: v = mu*v - lr*g; p = p + v", "[nn][optimizer]") {
  OneParameter p;
  p.value.data = {1.0f, 0.0f, -1.0f};
  p.grad.data = {1.0f, -1.0f, 2.0f};
  Sgd momentum(0.1, 0.9);
  momentum.step(p.list());  // v = -0.1 g
  CHECK(p.value.data[0] == Approx(0.9));
  CHECK(p.value.data[2] == Approx(-1.2));
  momentum.step(p.list());  // v = 0.9 * (-0.1 g) - 0.1 g = -0.19 g
  CHECK(p.value.data[0] == Approx(0.9 - 0.19));
  CHECK(p.value.data[1] == Approx(0.1 + 0.19));
  CHECK(p.value.data[2] == Approx(-1.2 - 0.38));
}

TEST_CASE("adam with Keras' defaults and bias correction", "[nn][optimizer]") {
  OneParameter p;
  p.value.data = {0.5f, -0.25f, 2.0f};
  const double grads[3][3] = {{0.1, -0.2, 3.0}, {0.05, 0.4, -1.0}, {-0.3, 0.0, 0.5}};
  double value[3] = {0.5, -0.25, 2.0}, m[3] = {}, v[3] = {};
  const double lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  Adam adam;
  for (int t = 1; t <= 3; ++t) {
    for (int i = 0; i < 3; ++i) p.grad.data[i] = static_cast<float>(grads[t - 1][i]);
    adam.step(p.list());
    const double lr_t = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (int i = 0; i < 3; ++i) {
      const double g = grads[t - 1][i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      value[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
      CAPTURE(t, i);
      CHECK(p.value.data[i] == Approx(value[i]).epsilon(1e-5));
    }
  }
  CHECK(adam.iterations() == 3);
}

TEST_CASE("the optimizer update is one fused program per parameter", "[nn][optimizer]") {
  Adam adam;
  REQUIRE(adam.stages().size() == 1);
  const exprvm::Program& program = adam.stages()[0]->program();
  const auto outputs = program.outputs();
  CHECK(outputs == std::vector<std::string>{"p", "m", "v"});
}

TEST_CASE("optimizer errors", "[nn][optimizer][errors]") {
  CHECK_THROWS_WITH(make_optimizer("rmsprop"), Catch::Contains("known: sgd, momentum, adam"));
  CHECK_THROWS_AS(Adam(-1.0), exprvm::Error);
  OneParameter p;
  p.grad.resize(1, 2);
  Sgd sgd;
  CHECK_THROWS_WITH(sgd.step(p.list()), Catch::Contains("gradient of 'p' has 2 values"));
}
