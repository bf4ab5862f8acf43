// Checks that a contender computed what the hand-written loop computed, before timing it.
#pragma once
#include <string>

#include "bench/bench_data.hpp"

namespace exprvm_bench {

// Compares every buffer of `actual` (inputs, which in-place workloads update, and out) with
// `expected`, both made by make_data() for the same workload, dtype and n and then run once.
// Tolerance: a few units of rounding relative to 1 + |expected| for elements; n rounding units
// of max(1, |expected|) for a reduction (its summation order may differ); bools exactly.
// Returns "" when they agree, else what differs and where.
std::string compare_results(const WorkloadData& expected, const WorkloadData& actual);

}  // namespace exprvm_bench
