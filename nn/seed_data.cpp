#include "nn/seed_data.hpp"

#include <algorithm>
#include <cstdlib>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {
namespace {

void min_max_scale(Tensor& t) {
  for (std::int64_t c = 0; c < t.cols; ++c) {
    float low = t.at(0, c), high = t.at(0, c);
    for (std::int64_t r = 0; r < t.rows; ++r) {
      low = std::min(low, t.at(r, c));
      high = std::max(high, t.at(r, c));
    }
    const float range = high > low ? high - low : 1.0f;
    for (std::int64_t r = 0; r < t.rows; ++r) t.at(r, c) = (t.at(r, c) - low) / range;
  }
}

}  // namespace

SeedData make_seed_data(std::int64_t rows, std::int64_t inputs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  SeedData data{Tensor(rows, inputs), Tensor(rows, 1)};
  for (float& v : data.x.data) v = normal(rng);
  for (float& v : data.y.data) v = normal(rng);
  if (rows > 0) {
    min_max_scale(data.x);
    min_max_scale(data.y);
  }
  return data;
}

Model make_elu_network(std::int64_t inputs, const std::vector<std::int64_t>& hidden,
                       std::int64_t outputs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Model model(inputs);
  for (std::int64_t width : hidden)
    model.add(Dense::glorot(model.output_width(), width, Activation::Elu,
                            model.next_layer_name("dense"), rng));
  model.add(Dense::glorot(model.output_width(), outputs, Activation::Linear,
                          model.next_layer_name("dense"), rng));
  return model;
}

double best_seconds_per_call(const std::function<void()>& fn, double seconds) {
  using clock = std::chrono::steady_clock;
  auto time_calls = [&](long calls) {
    const auto start = clock::now();
    for (long i = 0; i < calls; ++i) fn();
    return std::chrono::duration<double>(clock::now() - start).count();
  };
  fn();
  long calls = 1;
  double elapsed = time_calls(calls);
  // Short rounds (~seconds / 400, at least 0.2 ms): on a shared machine a round that the
  // scheduler did not interrupt is then likely, and the best round is the unloaded time.
  while (elapsed < std::max(seconds / 400, 2e-4) && calls < (1L << 26)) {
    calls *= 2;
    elapsed = time_calls(calls);
  }
  double best = elapsed / static_cast<double>(calls);
  const auto deadline = clock::now() + std::chrono::duration<double>(seconds);
  while (clock::now() < deadline)
    best = std::min(best, time_calls(calls) / static_cast<double>(calls));
  return best;
}

Options::Options(int argc, char** argv, const std::vector<std::string>& valued,
                 const std::vector<std::string>& flags) {
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "-") {
      positional_.push_back(arg);
      continue;
    }
    const std::string name = arg.substr(2);
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      values_[name] = "1";
    } else if (std::find(valued.begin(), valued.end(), name) != valued.end()) {
      if (i + 1 >= argc) throw Error(ErrorKind::Argument, arg + " needs a value");
      values_[name] = argv[++i];
    } else {
      throw Error(ErrorKind::Argument, "unknown option " + arg);
    }
  }
}

std::string Options::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

double Options::number(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const double value = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0')
    throw Error(ErrorKind::Argument, "--" + name + " expects a number, got '" + it->second + "'");
  return value;
}

}  // namespace exprvm::nn
