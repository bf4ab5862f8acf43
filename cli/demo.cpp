// `exprvm demo` (./run demo): seed 001's workloads (SGD, fused Adam, ReLU, tanh of ReLU) on
// float32 arrays of 1728 and 4096*4096 elements, each checked against a hand-written loop and
// timed beside it.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

#include "cli/commands.hpp"
#ifdef EXPRVM_HAVE_NN
#include <iostream>
#include "nn/nn_cli.hpp"
#endif

namespace exprvm::cli {
namespace {

using Vec = std::vector<float>;

struct Workload {
  const char* name;
  const char* source;
  int arrays;  // p, g, m, v, d: how many of them it uses, in that order
  std::function<void(std::vector<Vec>&, Vec& out)> by_hand;
};

const Workload kWorkloads[] = {
    {"sgd", "param - grad", 2,
     [](std::vector<Vec>& a, Vec& out) {
       for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[0][i] - a[1][i];
     }},
    {"adam (fused)",
     "m = m + (1 - 0.9) * (grad - m); v = v + (1 - 0.999) * (grad * grad - v);"
     " param = param - 0.001 * m / (sqrt(v) + 1e-8)",
     4,
     [](std::vector<Vec>& a, Vec&) {
       Vec &p = a[0], &g = a[1], &m = a[2], &v = a[3];
       for (std::size_t i = 0; i < p.size(); ++i) {
         m[i] = m[i] + float(1 - 0.9) * (g[i] - m[i]);
         v[i] = v[i] + float(1 - 0.999) * (g[i] * g[i] - v[i]);
         p[i] = p[i] - 0.001f * m[i] / (std::sqrt(v[i]) + 1e-8f);
       }
     }},
    {"relu", "where(param > 0, param, 0)", 1,
     [](std::vector<Vec>& a, Vec& out) {
       for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[0][i] > 0 ? a[0][i] : 0.0f;
     }},
    {"tanh(relu)", "tanh(where(param > 0, param, 0))", 1,
     [](std::vector<Vec>& a, Vec& out) {
       for (std::size_t i = 0; i < out.size(); ++i)
         out[i] = std::tanh(a[0][i] > 0 ? a[0][i] : 0.0f);
     }},
};

const char* kNames[] = {"param", "grad", "m", "v"};

double best_of(int repeats, const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// Largest difference in units in the last place between two float arrays.
double max_ulps(const Vec& a, const Vec& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) continue;
    const float ulp = std::nextafter(std::fabs(b[i]), INFINITY) - std::fabs(b[i]);
    worst = std::max(worst, double(std::fabs(a[i] - b[i]) / ulp));
  }
  return worst;
}

void run_workload(const Workload& w, std::int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<Vec> mine(w.arrays, Vec(n)), theirs;
  for (int k = 0; k < w.arrays; ++k)
    for (auto& x : mine[k]) x = k == 3 ? unit(rng) : (k == 1 ? 0.01f : 1.0f) * normal(rng);
  theirs = mine;
  Signature sig;
  std::vector<Array> args;
  for (int k = 0; k < w.arrays; ++k) {
    sig.push_back({kNames[k], DType::Float32});
    args.push_back(Array::from(mine[k]));
  }
  const Program program = compile(w.source, sig);
  const bool in_place = std::string(w.name) == "sgd";
  Vec out_mine(n), out_theirs(n);
  Array out = in_place ? args[0] : Array::from(out_mine);
  const bool has_result = program.result_dtype().has_value();
  program.run(args, has_result ? &out : nullptr);
  w.by_hand(theirs, in_place ? theirs[0] : out_theirs);
  double ulps = max_ulps(in_place ? mine[0] : out_mine, in_place ? theirs[0] : out_theirs);
  if (!has_result)
    for (int k = 0; k < w.arrays; ++k) ulps = std::max(ulps, max_ulps(mine[k], theirs[k]));
  const int repeats = n > 100000 ? 5 : 2000;
  const double t_vm = best_of(repeats, [&] { program.run(args, has_result ? &out : nullptr); });
  const double t_hand = best_of(repeats, [&] { w.by_hand(theirs, in_place ? theirs[0] : out_theirs); });
  std::printf("%-14s %10lld  %12.3f  %12.3f  %7.2fx  %s (max %.0f ulp)\n", w.name,
              static_cast<long long>(n), t_vm * 1e6, t_hand * 1e6, t_vm / t_hand,
              ulps <= 4 ? "agree" : "DIFFER", ulps);
}

}  // namespace

int demo_command(const std::vector<std::string>&) {
  std::printf("exprvm demo: seed 001 workloads, float32, kernels %s, %d threads\n",
              active_isa().c_str(), get_num_threads());
  std::printf("%-14s %10s  %12s  %12s  %8s  %s\n", "workload", "n", "exprvm_us", "by_hand_us",
              "ratio", "values");
  std::mt19937 rng(42);
  for (std::int64_t n : {std::int64_t{1728}, std::int64_t{4096} * 4096})
    for (const Workload& w : kWorkloads) run_workload(w, n, rng);
  std::printf("(by hand: a plain single-threaded loop compiled with the library's flags; "
              "times are the best of several runs)\n");
#ifdef EXPRVM_HAVE_NN
  std::printf("\n");
  return exprvm_nn_demo(std::cout);
#else
  return 0;
#endif
}

}  // namespace exprvm::cli
