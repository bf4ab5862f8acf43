// Runs the hand-written loops the way exprvm runs a program: over chunks of exprvm's chunk
// size, in parallel with tbb::parallel_for inside a task_arena of the requested concurrency.
#pragma once
#include <cstddef>
#include <vector>

#include <tbb/task_arena.h>

#include "bench/workloads.hpp"
#include "core/dtype.hpp"

namespace exprvm_bench {

class LoopRunner {
 public:
  LoopRunner(int threads, std::size_t chunk);

  // Runs `passes` one after another over elements [0, n) of `arrays`. One thread, or a single
  // chunk: each pass is one plain call over the whole range (the cheapest possible). Otherwise
  // each chunk is a task. `reduction` (a 0-d accumulator of `dtype`, or nullptr) receives the
  // sum of the per-chunk partial results.
  void run(const std::vector<ChunkFn>& passes, void* const* arrays, std::size_t n,
           exprvm::DType dtype, void* reduction);

 private:
  int threads_;
  std::size_t chunk_;
  tbb::task_arena arena_;
  std::vector<float> partials32_;  // one partial result per chunk (float32 reductions)
  std::vector<double> partials64_;  // (float64 reductions)
};

}  // namespace exprvm_bench
