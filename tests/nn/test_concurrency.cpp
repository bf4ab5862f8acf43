// The NN runner's predict from several threads at once: one shared Model, a PredictWorkspace
// (its bound plans) per thread; every thread gets the single-threaded answer. Run under TSan
// by .ci/run's thread-sanitizer job ("[concurrency]").
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "helpers.hpp"
#include "nn/model.hpp"
#include "nn/seed_data.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;

TEST_CASE("predict from several threads on separate workspaces", "[nn][concurrency]") {
  const Model model = make_elu_network(25, {30, 30, 30}, 1, 7);
  std::mt19937_64 rng(31);
  const Tensor batch = random_tensor(64, 25, rng, 0, 1);
  const Tensor one = random_tensor(1, 25, rng, 0, 1);
  const std::vector<float> expected_batch = model.predict(batch).data;
  const std::vector<float> expected_one = model.predict(one).data;
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      PredictWorkspace workspace;
      for (int i = 0; i < 20; ++i) {
        if (model.predict(batch, workspace).data != expected_batch) ++mismatches[t];
        if (model.predict(one, workspace).data != expected_one) ++mismatches[t];
        if (model.predict(one).data != expected_one) ++mismatches[t];
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(mismatches == std::vector<int>(kThreads, 0));
}
