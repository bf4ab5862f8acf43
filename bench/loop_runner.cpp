#include "bench/loop_runner.hpp"

#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace exprvm_bench {
namespace {

// Runs `pass` over every chunk of [0, n) in parallel; chunk c adds into partials[c] when
// `partials` is not empty.
template <class T>
void run_chunks(tbb::task_arena& arena, ChunkFn pass, void* const* arrays, std::size_t n,
                std::size_t chunk, std::vector<T>& partials) {
  const std::size_t chunks = (n + chunk - 1) / chunk;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks, 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t c = range.begin(); c < range.end(); ++c) {
                          const std::size_t begin = c * chunk;
                          pass(arrays, begin, std::min(n, begin + chunk),
                               partials.empty() ? nullptr : &partials[c]);
                        }
                      });
  });
}

template <class T>
void run_pass(tbb::task_arena& arena, int threads, ChunkFn pass, void* const* arrays,
              std::size_t n, std::size_t chunk, std::vector<T>& partials, void* reduction) {
  if (threads == 1 || n <= chunk) {
    if (reduction) *static_cast<T*>(reduction) = 0;
    pass(arrays, 0, n, reduction);
    return;
  }
  if (reduction) partials.assign((n + chunk - 1) / chunk, T(0));
  else partials.clear();
  run_chunks(arena, pass, arrays, n, chunk, partials);
  if (!reduction) return;
  T total = 0;
  for (T partial : partials) total += partial;
  *static_cast<T*>(reduction) = total;
}

}  // namespace

LoopRunner::LoopRunner(int threads, std::size_t chunk)
    : threads_(threads), chunk_(std::max<std::size_t>(chunk, 1)), arena_(threads) {}

void LoopRunner::run(const std::vector<ChunkFn>& passes, void* const* arrays, std::size_t n,
                     exprvm::DType dtype, void* reduction) {
  for (ChunkFn pass : passes) {
    if (dtype == exprvm::DType::Float32)
      run_pass(arena_, threads_, pass, arrays, n, chunk_, partials32_, reduction);
    else
      run_pass(arena_, threads_, pass, arrays, n, chunk_, partials64_, reduction);
  }
}

}  // namespace exprvm_bench
