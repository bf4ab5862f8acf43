// Prepared prediction plans (nn/predict_plan.*) and the fused dense kernels
// (nn/dense_kernel.*): every route (fused, thread-split one-row product, sgemm, the layer's
// own path) against a double-precision reference, row-split batches, plan reuse without
// allocation, and outputs moved out of a workspace.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "helpers.hpp"
#include "nn/dense_kernel.hpp"
#include "nn/linalg.hpp"
#include "nn/model.hpp"
#include "nn/seed_data.hpp"
#include "nn/trainer.hpp"

// Counts every operator new of this test binary (to show that a reused plan allocates nothing).
// GCC, once it inlines these replacements, sees free() of a pointer from operator new and warns
// (-Wmismatched-new-delete); here both sides are this file's malloc/free pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;
using exprvm::nn::testing::scalar_activation;

namespace {

// The model's dense layers in double precision, row by row.
std::vector<double> reference_predict(const Model& model, const Tensor& x) {
  std::vector<double> current(x.data.begin(), x.data.end());
  std::int64_t width = x.cols;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const auto& dense = dynamic_cast<const Dense&>(model.layer(i));
    const Tensor& k = dense.kernel();
    std::vector<double> next(static_cast<std::size_t>(x.rows * k.cols));
    for (std::int64_t r = 0; r < x.rows; ++r)
      for (std::int64_t c = 0; c < k.cols; ++c) {
        double z = dense.bias().at(0, c);
        for (std::int64_t j = 0; j < k.rows; ++j)
          z += current[static_cast<std::size_t>(r * width + j)] * k.at(j, c);
        next[static_cast<std::size_t>(r * k.cols + c)] = scalar_activation(dense.activation(), z);
      }
    current = std::move(next);
    width = k.cols;
  }
  return current;
}

Model dense_model(const std::vector<std::int64_t>& widths, Activation hidden, std::mt19937_64& rng) {
  Model model(widths.front());
  for (std::size_t i = 1; i < widths.size(); ++i) {
    const Activation a = i + 1 == widths.size() ? Activation::Linear : hidden;
    model.add(std::make_unique<Dense>(random_tensor(widths[i - 1], widths[i], rng, -0.5f, 0.5f),
                                      random_tensor(1, widths[i], rng, -0.5f, 0.5f), a,
                                      "dense_" + std::to_string(i)));
  }
  return model;
}

void check_against_reference(const Model& model, const Tensor& x, const Tensor& out) {
  const std::vector<double> expected = reference_predict(model, x);
  REQUIRE(out.size() == static_cast<std::int64_t>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i)
    CHECK(out.data[i] == Approx(expected[i]).epsilon(1e-5).margin(1e-5));
}

}  // namespace

TEST_CASE("fused dense kernels equal the reference at every width, row count and activation",
          "[nn][plan]") {
  if (!fused_dense_kernel(Activation::Linear)) {
    WARN("skipped: no AVX2/FMA on this CPU");
    return;
  }
  const std::uint64_t seed = 31;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  // Widths around the 8-float vectors and the column blocks (one row: up to 4 vectors, 13
  // vectors as 4,3,3,3; batches: 2 vectors).
  for (Activation a : {Activation::Linear, Activation::Relu, Activation::Elu, Activation::Tanh}) {
    for (std::int64_t out : {1, 2, 7, 8, 9, 16, 30, 31, 32, 33, 64, 65, 100}) {
      for (std::int64_t in : {1, 3, 25, 30, 100}) {
        const Model model = dense_model({in, out}, a, rng);
        for (std::int64_t rows : {1, 2, 3, 5, 6, 7, 13}) {  // the 6-row tiles and remainders
          CAPTURE(std::string(activation_name(a)), in, out, rows);
          Model hidden(in);  // the activation on the one layer (dense_model's last is linear)
          const auto& dense = dynamic_cast<const Dense&>(model.layer(0));
          hidden.add(std::make_unique<Dense>(dense.kernel(), dense.bias(), a, "dense_1"));
          const Tensor x = random_tensor(rows, in, rng, -2, 2);
          PredictWorkspace workspace;
          const Tensor& y = hidden.predict(x, workspace);
          CHECK(workspace.plan.route(0) == DenseRoute::Fused);
          check_against_reference(hidden, x, y);
        }
      }
    }
  }
}

TEST_CASE("packed layers chain through padded buffers at any width and row count",
          "[nn][plan]") {
  const std::uint64_t seed = 36;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  // Every hidden width pads to whole vectors between layers (a 1-wide one is a dot product
  // per row); the last (3, 2 or 1 wide) is stored masked or as one float per row into the
  // caller's tensor.
  for (Activation a : {Activation::Relu, Activation::Elu}) {
    for (const std::vector<std::int64_t>& widths :
         {std::vector<std::int64_t>{25, 17, 9, 3}, std::vector<std::int64_t>{7, 40, 33, 1},
          std::vector<std::int64_t>{1, 8, 16, 2}, std::vector<std::int64_t>{3, 1, 12, 2}}) {
      const Model model = dense_model(widths, a, rng);
      for (std::int64_t rows : {1, 4, 6, 13, 100}) {
        CAPTURE(std::string(activation_name(a)), widths, rows);
        const Tensor x = random_tensor(rows, widths.front(), rng, -2, 2);
        PredictWorkspace workspace;
        for (int call = 0; call < 2; ++call) check_against_reference(model, x, model.predict(x, workspace));
      }
    }
  }
}

TEST_CASE("ELU's fused epilogue handles the range ends and special values", "[nn][plan]") {
  if (!fused_dense_kernel(Activation::Elu)) {
    WARN("skipped: no AVX2/FMA on this CPU");
    return;
  }
  // A 1x16 identity layer: y = elu(x) exactly as the activation of the input.
  Tensor identity(16, 16);
  for (int i = 0; i < 16; ++i) identity.at(i, i) = 1.0f;
  Model model(16);
  model.add(std::make_unique<Dense>(identity, Tensor(1, 16), Activation::Elu, "dense_1"));
  const float values[16] = {-100.0f, -30.0f, -29.9f, -10.0f, -1.0f, -0.5f,    -1e-3f, -1e-7f,
                            -1e-30f, 0.0f,   1e-30f, 0.5f,   1.0f,  88.0f,    1e30f,  3e38f};
  Tensor x(1, 16);
  std::copy(values, values + 16, x.data.begin());
  PredictWorkspace workspace;
  const Tensor& y = model.predict(x, workspace);
  for (int i = 0; i < 16; ++i) {
    CAPTURE(values[i]);
    CHECK(y.data[i] == Approx(scalar_activation(Activation::Elu, values[i])).epsilon(2e-7).margin(1e-37));
  }
}

TEST_CASE("every route of a plan equals the reference; batches split over rows too",
          "[nn][plan]") {
  const std::uint64_t seed = 32;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const bool fused = fused_dense_kernel(Activation::Linear) != nullptr;
  const int threads = product_threads(kThreadedMinStream, ProductKind::MatrixVector);
  // 800 x 700 = 560K weights: one row splits over threads (when there are two or more);
  // 30 rows x 560K multiply-adds run sgemm; (30,30,30) x 100 rows splits the batch.
  const Model big = dense_model({25, 800, 700, 1}, Activation::Elu, rng);
  const Model small = dense_model({25, 30, 30, 30, 1}, Activation::Elu, rng);
  const Model tanh_net = dense_model({25, 40, 1}, Activation::Tanh, rng);
  struct Case {
    const Model* model;
    std::int64_t rows;
    std::size_t layer;
    DenseRoute route;
  };
  for (const Case& c : {Case{&big, 1, 1, threads > 1 ? DenseRoute::SplitRows : DenseRoute::Fused},
                        Case{&big, 30, 1, DenseRoute::Gemm}, Case{&big, 3, 1, DenseRoute::Fused},
                        Case{&small, 100, 0, DenseRoute::Fused},
                        Case{&small, 1, 3, DenseRoute::Fused},
                        Case{&tanh_net, 7, 0, DenseRoute::Fused}}) {
    CAPTURE(c.model->layer(1).output_width(), c.rows, c.layer);
    const Tensor x = random_tensor(c.rows, 25, rng, 0, 1);
    PredictWorkspace workspace;
    for (int call = 0; call < 3; ++call) {  // the first call makes the plan, the others reuse it
      const Tensor& y = c.model->predict(x, workspace);
      if (fused) CHECK(workspace.plan.route(c.layer) == c.route);
      check_against_reference(*c.model, x, y);
    }
  }
}

TEST_CASE("a reused plan allocates nothing; a moved-out result is made again", "[nn][plan]") {
  std::mt19937_64 rng(33);
  for (std::int64_t width : {30, 1000}) {
    const Model model = dense_model({25, width, width, 1}, Activation::Elu, rng);
    for (std::int64_t rows : {1, 100}) {
      CAPTURE(width, rows);
      const Tensor x = random_tensor(rows, 25, rng, 0, 1);
      PredictWorkspace workspace;
      const Tensor expected = model.predict(x, workspace);  // makes the plan (and copies)
      const long before = g_allocations.load();
      for (int call = 0; call < 20; ++call) model.predict(x, workspace);
      CHECK(g_allocations.load() == before);
      REQUIRE(model.predict(x, workspace).data == expected.data);
      // A caller may take the result (the Python module does): the next run re-creates it.
      Tensor taken = std::move(const_cast<Tensor&>(model.predict(x, workspace)));
      CHECK(taken.data == expected.data);
      CHECK(model.predict(x, workspace).data == expected.data);
    }
  }
}

TEST_CASE("a plan is re-made for another model, row count or layer", "[nn][plan]") {
  std::mt19937_64 rng(34);
  Model model = dense_model({25, 30, 1}, Activation::Elu, rng);
  const Tensor x = random_tensor(4, 25, rng, 0, 1);
  PredictWorkspace workspace;
  const Tensor last = model.predict(x, workspace);
  const Tensor first = model.predict(x, workspace, 0);
  CHECK(first.cols == 30);
  CHECK(model.predict(x, workspace).data == last.data);
  CHECK(model.predict(slice_rows(x, 0, 1), workspace).rows == 1);
  // add() changes the layers: the plan follows.
  model.add(std::make_unique<Dense>(random_tensor(1, 3, rng), Tensor(1, 3), Activation::Relu,
                                    "dense_3"));
  CHECK(model.predict(x, workspace).cols == 3);
  const Model other = dense_model({25, 30, 1}, Activation::Elu, rng);
  check_against_reference(other, x, other.predict(x, workspace));
  // Weights changed in place (as an optimizer does): plans copy fused layers' weights, so the
  // mutable access makes the next predict re-make the plan.
  Model trained = dense_model({25, 30, 1}, Activation::Elu, rng);
  const Tensor before = trained.predict(x, workspace);
  for (const Parameter& p : trained.parameters())
    for (float& v : p.value->data) v *= 0.5f;
  const Tensor& after = trained.predict(x, workspace);
  CHECK(after.data != before.data);
  check_against_reference(trained, x, after);
}

TEST_CASE("training's fused forward equals the reference and rejects a wrong width",
          "[nn][plan]") {
  std::mt19937_64 rng(35);
  for (Activation a : {Activation::Linear, Activation::Relu, Activation::Elu}) {
    Dense dense(random_tensor(25, 30, rng), random_tensor(1, 30, rng), a, "dense_1");
    Model one_layer(25);
    one_layer.add(std::make_unique<Dense>(dense.kernel(), dense.bias(), a, "dense_1"));
    const Tensor x = random_tensor(9, 25, rng, -2, 2);
    Tensor y;
    dense.forward_train(x, y, rng);
    check_against_reference(one_layer, x, y);
    CHECK_THROWS_WITH(dense.forward_train(Tensor(2, 24), y, rng),
                      Catch::Contains("24") && Catch::Contains("25"));
  }
}
