#include "core/fault_injection.hpp"

#include <atomic>
#include <new>

#include "core/error.hpp"

namespace exprvm::fault {
namespace {

std::atomic<std::int64_t> allocations_left{0};  // 0: disarmed
std::atomic<std::int64_t> chunks_left{0};

// True once when the countdown armed in `left` reaches zero (on any thread).
bool due(std::atomic<std::int64_t>& left) {
  std::int64_t n = left.load(std::memory_order_relaxed);
  while (n > 0)
    if (left.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) return n == 1;
  return false;
}

}  // namespace

void fail_allocation(std::int64_t n) { allocations_left.store(n < 0 ? 0 : n); }
void fail_chunk(std::int64_t n) { chunks_left.store(n < 0 ? 0 : n); }

void before_allocation() {
  if (due(allocations_left)) throw std::bad_alloc();
}

void before_chunk() {
  if (due(chunks_left)) throw Error(ErrorKind::Internal, "injected fault in a chunk of the run");
}

}  // namespace exprvm::fault
