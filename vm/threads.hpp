// Threads and per-thread scratch memory for the executor.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <cstddef>
#include <functional>
#include <memory>

namespace exprvm::vm {

// Threads used for large runs (default: all cores). Takes effect for the next run.
int set_threads(int n);
int threads();
int hardware_threads();

// Runs body(begin, end) over [0, count) split into contiguous ranges on the thread pool
// (the calling thread takes part); only tasks of this call run on the waiting threads.
void parallel_ranges(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body);

// 64-byte aligned scratch owned by the calling thread, grown on demand and kept for reuse,
// so runs in the steady state allocate nothing. `which` selects one of two independent areas
// (0: per-run state of the calling thread, 1: per-chunk registers).
std::byte* thread_scratch(int which, std::size_t bytes);

}  // namespace exprvm::vm
