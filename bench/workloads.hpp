// The benchmark's workloads (issue 3 / seed 001): the exprvm sources, the inputs they read,
// and the signature of the hand-written loops they are compared with (bench/hand_loops.hpp).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace exprvm_bench {

// A hand-written loop over elements [begin, end) of every array. `arrays` lists the inputs in
// Workload::inputs order, then the output buffer (when the workload has one). Reductions add
// their partial result into *partial (one accumulator of the workload's dtype); elementwise
// loops ignore it.
using ChunkFn = void (*)(void* const* arrays, std::size_t begin, std::size_t end, void* partial);

// The values an input array starts with (deterministic pseudo-random).
enum class Init { Normal, SmallNormal, Uniform01 };  // randn, 0.01*randn, rand

struct Input {
  std::string name;
  Init init = Init::Normal;
};

// Where a workload's result goes.
enum class Output {
  InPlace,  // statements update inputs; no out buffer
  Array,    // out: an array of the workload's dtype
  Bool,     // out: a bool array (comparisons)
  Scalar,   // out: a 0-d array of the workload's dtype (reductions)
};

struct Workload {
  std::string name;                     // short id used in --filter, CSV and plots
  std::vector<std::string> programs;    // exprvm sources run one after another per call
  std::vector<Input> inputs;
  Output output = Output::Array;
  int elements_read = 0;                // arrays read per element, over all programs
  int elements_written = 0;             // arrays written per element (bool counts 1 byte)
  bool memory_bound = false;            // P1 workload (issue 3's memory-bound and fused list)
  bool transcendental = false;          // has a hand-written xsimd contender (P2)

  std::string description() const;     // the programs joined with " ; "
};

// All workloads, in report order.
const std::vector<Workload>& all_workloads();

// Index of the dtype in the per-dtype loop tables (0 float32, 1 float64).
int dtype_slot(exprvm::DType dtype);

// Bytes one call moves per element for `dtype` (reads + writes of arrays; a scalar result 0).
double bytes_per_element(const Workload& w, exprvm::DType dtype);

}  // namespace exprvm_bench
