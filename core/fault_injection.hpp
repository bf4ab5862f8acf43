// Test-only fault injection (tests/test_faults.cpp): a failing allocator for the memory a run
// allocates (results, staging copies of aliased inputs, register files and scratch) and a
// failure inside a chunk of a run (on a thread-pool task when the run is parallel). Disarmed,
// each check costs one relaxed atomic load. Not part of the public API.
#pragma once
#include <cstdint>

namespace exprvm::fault {

// Arms the hook: the `n`-th next run-memory allocation (1 = the next one) throws
// std::bad_alloc; 0 disarms it.
void fail_allocation(std::int64_t n);
// Arms the hook: the `n`-th next chunk run by the executor throws Error(Internal); 0 disarms.
void fail_chunk(std::int64_t n);

// Called by the library before each run-memory allocation and before each chunk: throws
// when the corresponding hook is armed and due.
void before_allocation();
void before_chunk();

}  // namespace exprvm::fault
