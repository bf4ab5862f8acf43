// The prediction fast path (bias folded into the product, a matrix-vector product for one row,
// an activation-only program on one shape, reused workspaces) against the general path that
// training takes (sgemm, then the fused bias + activation program broadcasting the bias).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nn/bound_stage.hpp"
#include "nn/linalg.hpp"
#include "nn/model.hpp"
#include "nn/seed_data.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;

namespace {

// x · kernel + bias in double precision.
double reference_affine(const Tensor& x, const Tensor& kernel, const Tensor& bias,
                        std::int64_t r, std::int64_t c) {
  double z = bias.at(0, c);
  for (std::int64_t k = 0; k < kernel.rows; ++k)
    z += static_cast<double>(x.at(r, k)) * kernel.at(k, c);
  return z;
}

}  // namespace

TEST_CASE("affine: both one-row products and the batch product equal the reference",
          "[nn][fast]") {
  std::mt19937_64 rng(21);
  struct Shape {
    std::int64_t in, out;
  };
  for (Shape shape : {Shape{25, 30}, Shape{30, 1}, Shape{1, 5}, Shape{300, 200}}) {
    const Tensor kernel = random_tensor(shape.in, shape.out, rng);
    const Tensor bias = random_tensor(1, shape.out, rng);
    for (std::int64_t rows : {1, 2, 5}) {
      const Tensor x = random_tensor(rows, shape.in, rng);
      for (MatVec one_row : {MatVec::Blas, MatVec::Eigen}) {
        CAPTURE(shape.in, shape.out, rows, one_row == MatVec::Blas ? "sgemv" : "eigen");
        Tensor out(3, 3, 42.0f);  // stale contents and shape must not matter
        affine(x, kernel, bias, out, one_row);
        REQUIRE(out.rows == rows);
        REQUIRE(out.cols == shape.out);
        for (std::int64_t r = 0; r < rows; ++r)
          for (std::int64_t c = 0; c < shape.out; ++c)
            CHECK(out.at(r, c) ==
                  Approx(reference_affine(x, kernel, bias, r, c)).margin(1e-5).epsilon(1e-5));
      }
    }
  }
  Tensor out;
  CHECK_THROWS_WITH(affine(Tensor(1, 4), Tensor(5, 2), Tensor(1, 2), out),
                    Catch::Contains("input width 4, kernel 5x2"));
  affine(Tensor(0, 5), Tensor(5, 2), Tensor(1, 2), out);
  CHECK(out.rows == 0);
  CHECK(out.cols == 2);
}

TEST_CASE("dense inference equals the training path for every activation and batch size",
          "[nn][fast]") {
  std::mt19937_64 rng(22);
  for (Activation a : {Activation::Linear, Activation::Relu, Activation::Elu, Activation::Selu,
                       Activation::Tanh, Activation::Sigmoid, Activation::Softmax,
                       Activation::Gelu}) {
    Dense dense(random_tensor(25, 30, rng), random_tensor(1, 30, rng), a, "dense_1");
    for (std::int64_t rows : {1, 2, 3, 7, 64}) {
      CAPTURE(std::string(activation_name(a)), rows);
      const Tensor x = random_tensor(rows, 25, rng, -2, 2);
      Tensor fast, general;
      dense.forward(x, fast);
      dense.forward_train(x, general, rng);
      REQUIRE(fast.rows == rows);
      REQUIRE(general.rows == rows);
      for (std::int64_t i = 0; i < fast.size(); ++i)
        CHECK(fast.data[i] == Approx(general.data[i]).margin(1e-5).epsilon(1e-5));
    }
  }
}

TEST_CASE("a workspace gives the plain predict's result and keeps its buffers", "[nn][fast]") {
  const Model model = make_elu_network(25, {30, 30, 30}, 1, 7);
  std::mt19937_64 rng(23);
  const Tensor batch = random_tensor(100, 25, rng, 0, 1);
  const Tensor one = random_tensor(1, 25, rng, 0, 1);
  PredictWorkspace workspace;
  for (int last : {-1, -2, 0}) {
    CAPTURE(last);
    REQUIRE(model.predict(batch, workspace, last).data == model.predict(batch, last).data);
    REQUIRE(model.predict(one, workspace, last).data == model.predict(one, last).data);
  }
  // Steady state: the same call again runs on the same plan and buffers (no allocation).
  const float* result = model.predict(batch, workspace).data.data();
  CHECK(model.predict(batch, workspace).data.data() == result);
  const Tensor& again = model.predict(one, workspace);  // another batch size: a new plan
  CHECK(again.rows == 1);
  CHECK(model.predict(one, workspace).data.data() == again.data.data());
}

TEST_CASE("a bound stage gives Stage::run's result bit for bit at every width",
          "[nn][fast]") {
  std::mt19937_64 rng(24);
  for (Activation a : {Activation::Relu, Activation::Elu, Activation::Selu, Activation::Tanh,
                       Activation::Sigmoid, Activation::Gelu}) {
    const Stage stage("act", "z = " + activation_expression(a, "z"), float_signature({"z"}));
    // Widths around the SIMD widths (4, 8, 16 floats) and the executor's chunk (1024).
    for (std::int64_t width : {1, 7, 15, 16, 17, 30, 33, 100, 1023, 1024, 1025, 3000}) {
      for (std::int64_t rows : {1, 3}) {
        CAPTURE(std::string(activation_name(a)), width, rows);
        BoundStage binding;
        Tensor z = random_tensor(rows, width, rng, -3, 3);
        for (int call = 0; call < 3; ++call) {
          Tensor expected = z;
          stage.run({expected.matrix()});
          binding.run(stage, {&z});
          CHECK(binding.last_run_bound() == (call > 0));
          REQUIRE(z.data == expected.data);
          for (float& v : z.data) v = std::uniform_real_distribution<float>(-3, 3)(rng);
        }
      }
    }
  }
}

TEST_CASE("a bound stage rebinds for new buffers or shapes, and binds large runs too",
          "[nn][fast]") {
  std::mt19937_64 rng(25);
  const Stage double_it("double", "y = x * 2", float_signature({"x", "y"}));
  BoundStage binding;
  Tensor x = random_tensor(1, 30, rng), y(1, 30);
  binding.run(double_it, {&x, &y});
  binding.run(double_it, {&x, &y});
  CHECK(binding.last_run_bound());
  Tensor other = random_tensor(1, 30, rng);
  binding.run(double_it, {&other, &y});  // another input buffer: unbound run, then rebinds
  CHECK_FALSE(binding.last_run_bound());
  CHECK(y.at(0, 29) == other.at(0, 29) * 2);
  binding.run(double_it, {&other, &y});
  CHECK(binding.last_run_bound());
  other.resize(2, 15);  // same buffers and element count, other shape: a new binding
  y.resize(2, 15);
  binding.run(double_it, {&other, &y});
  CHECK_FALSE(binding.last_run_bound());
  // In place (one buffer as input and output) is bound; y = x * 2 then reads x before writing.
  Tensor same = random_tensor(1, 30, rng);
  const Tensor before = same;
  binding.run(double_it, {&same, &same});
  binding.run(double_it, {&same, &same});
  CHECK(binding.last_run_bound());
  for (std::int64_t c = 0; c < 30; ++c) CHECK(same.at(0, c) == before.at(0, c) * 4);
  // Large runs are bound too: BoundProgram re-runs the general (parallel) executor on them.
  Tensor big = random_tensor(1, 1 << 15, rng), big_out(1, 1 << 15);
  for (int call = 0; call < 2; ++call) {
    binding.run(double_it, {&big, &big_out});
    CHECK(binding.last_run_bound() == (call > 0));
    CHECK(big_out.at(0, (1 << 15) - 1) == big.at(0, (1 << 15) - 1) * 2);
  }
  // Errors are Stage::run's: a width mismatch is reported, never bound.
  Tensor wrong(1, 7);
  CHECK_THROWS_WITH(binding.run(double_it, {&x, &wrong}), Catch::Contains("broadcast"));
}

TEST_CASE("repeated workspace predictions (bound stages) equal the plain predict",
          "[nn][fast]") {
  std::mt19937_64 rng(26);
  for (std::int64_t width : {1, 16, 30, 33}) {
    const Model model = make_elu_network(25, {width, width, width}, 1, 8);
    PredictWorkspace workspace;
    for (std::int64_t rows : {1, 1, 100, 100, 1}) {
      CAPTURE(width, rows);
      const Tensor x = random_tensor(rows, 25, rng, 0, 1);
      REQUIRE(model.predict(x, workspace).data == model.predict(x).data);
    }
  }
}

TEST_CASE("products large enough to split over threads equal the reference", "[nn][fast]") {
  std::mt19937_64 rng(27);
  // 1000 x 600 = 600K weights: above kThreadedMinStream, so one row is split over the
  // start-up thread count (when there is more than one); 600K-element batches of one column too.
  const Tensor kernel = random_tensor(1000, 600, rng);
  const Tensor bias = random_tensor(1, 600, rng);
  const Tensor column = random_tensor(1000, 1, rng);
  const Tensor column_bias = random_tensor(1, 1, rng);
  for (std::int64_t rows : {1, 3}) {
    CAPTURE(rows);
    const Tensor x = random_tensor(rows, 1000, rng);
    Tensor out;
    affine(x, kernel, bias, out);
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < 600; ++c)
        CHECK(out.at(r, c) ==
              Approx(reference_affine(x, kernel, bias, r, c)).margin(1e-4).epsilon(1e-5));
  }
  const Tensor tall = random_tensor(700, 1000, rng);
  Tensor out;
  affine(tall, column, column_bias, out);
  REQUIRE(out.rows == 700);
  for (std::int64_t r = 0; r < 700; ++r)
    CHECK(out.at(r, 0) ==
          Approx(reference_affine(tall, column, column_bias, r, 0)).margin(1e-4).epsilon(1e-5));
}
