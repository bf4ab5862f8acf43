// Seed 000's data and network, and the small command-line helpers the nn subcommands share.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "nn/model.hpp"

namespace exprvm::nn {

// Seed 000's nonsense data set: x (rows x inputs) and y (rows x 1) drawn from N(0, 1), each
// column min-max scaled to [0, 1].
struct SeedData {
  Tensor x, y;
};
SeedData make_seed_data(std::int64_t rows, std::int64_t inputs, std::uint64_t seed);

// inputs -> hidden... (ELU) -> outputs (linear), Glorot-uniform kernels, zero biases.
Model make_elu_network(std::int64_t inputs, const std::vector<std::int64_t>& hidden,
                       std::int64_t outputs, std::uint64_t seed);

// Best mean seconds per call of fn over timing rounds lasting about `seconds` in total.
double best_seconds_per_call(const std::function<void()>& fn, double seconds);

// "--name value" options and positional arguments; flags take no value.
class Options {
 public:
  // Throws Error(Argument) for an option not in `valued` or `flags`.
  Options(int argc, char** argv, const std::vector<std::string>& valued,
          const std::vector<std::string>& flags);
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  double number(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace exprvm::nn
