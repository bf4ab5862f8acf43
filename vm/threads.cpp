#include "vm/threads.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace exprvm::vm {
namespace {

struct Pool {
  std::mutex mutex;  // guards arena replacement
  std::atomic<int> count{hardware_threads()};
  std::shared_ptr<tbb::task_arena> arena = std::make_shared<tbb::task_arena>(count);
};

Pool& pool() {
  static Pool p;
  return p;
}

std::shared_ptr<tbb::task_arena> current_arena() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.arena;
}

struct AlignedBuffer {
  std::unique_ptr<std::byte[]> storage;
  std::size_t capacity = 0;
  std::byte* aligned = nullptr;
};

}  // namespace

int hardware_threads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int set_threads(int n) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  const int old = p.count.load();
  n = std::clamp(n, 1, 1024);
  if (n != old) {
    p.count.store(n);
    p.arena = std::make_shared<tbb::task_arena>(n);  // runs in flight keep the old arena
  }
  return old;
}

int threads() { return pool().count.load(std::memory_order_relaxed); }

void parallel_ranges(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body) {
  auto arena = current_arena();
  arena->execute([&] {
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, count, 1),
          [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); },
          tbb::static_partitioner());
    });
  });
}

std::byte* thread_scratch(int which, std::size_t bytes) {
  thread_local AlignedBuffer buffers[2];
  AlignedBuffer& b = buffers[which];
  if (bytes > b.capacity) {
    const std::size_t capacity = std::max(bytes, b.capacity * 2);
    b.storage = std::make_unique<std::byte[]>(capacity + 64);
    auto addr = reinterpret_cast<std::uintptr_t>(b.storage.get());
    b.aligned = b.storage.get() + ((64 - addr % 64) % 64);
    b.capacity = capacity;
  }
  return b.aligned;
}

}  // namespace exprvm::vm
