// Writes a run's report into a folder: bench.csv (every measurement), fits.csv, latency.csv
// and report.md (header with CPU and ISA, targets, latency, one table per workload).
// The CSV schemas are documented at the top of bench/plot.py.
#pragma once
#include <string>

#include "bench/results.hpp"

namespace exprvm_bench {

// Creates `dir` if needed. Throws std::runtime_error when a file cannot be written.
void write_report(const Results& results, const std::string& dir);

}  // namespace exprvm_bench
