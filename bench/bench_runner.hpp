// Runs the measurements: every selected workload, dtype, size and thread count, each contender
// side by side; then the compile and cache latencies.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bench/results.hpp"
#include "bench/timing.hpp"
#include "core/dtype.hpp"

namespace exprvm_bench {

struct BenchConfig {
  std::vector<std::string> workloads;  // names to run (all when empty)
  std::vector<exprvm::DType> dtypes = {exprvm::DType::Float32, exprvm::DType::Float64};
  std::vector<int> threads;            // e.g. {1, cores}
  std::vector<std::int64_t> sizes;
  TimingPolicy policy;
};

// Measures everything `config` selects into results.measurements / latencies / problems.
// Checks each contender against the hand-written loop first (results.problems lists the
// disagreements and failures; a contender that throws is left out). Progress goes to stderr.
void run_benchmark(const BenchConfig& config, Results& results);

}  // namespace exprvm_bench
