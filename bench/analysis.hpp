// What the report derives from the measurements: lookups, the overhead + per-element fit,
// crossover sizes and the targets of issues 3 (P1-P5) and 15 (JIT).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/results.hpp"

namespace exprvm_bench {

// ns per call (fastest sample) by size, of one contender on one workload, dtype and threads.
using Series = std::map<std::int64_t, double>;
Series series(const Results& results, const std::string& workload, exprvm::DType dtype,
              int threads, const std::string& contender);

// time(n) = overhead_ns + ns_per_element * n, fitted by least squares on relative residuals
// (so every size counts alike, from n = 1 to 2^24).
struct Fit {
  double overhead_ns = 0;
  double ns_per_element = 0;
};
std::optional<Fit> fit_overhead(const Series& s);  // nullopt with fewer than two sizes

// The smallest measured n from which `a` takes at most factor * `b` at every larger size
// measured by both; nullopt when a is slower at the largest common size.
std::optional<std::int64_t> crossover(const Series& a, const Series& b, double factor);
// "all sizes", "n >= 4096" or "never", for crossover(a, b, factor).
std::string crossover_text(const Series& a, const Series& b, double factor);

// One target of issue 3 or 15, checked against this run.
struct TargetCheck {
  std::string id;        // "P1", ..., "JIT"
  std::string target;    // what the issue asks
  std::string measured;  // the figures
  std::string verdict;   // "met", "NOT met", "not measured"; P1 and P2 also
                         // "met where measured (...)" when the run lacks what they name
};
std::vector<TargetCheck> check_targets(const Results& results);

}  // namespace exprvm_bench
