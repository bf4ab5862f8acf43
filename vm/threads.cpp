#include "vm/threads.hpp"

#include "core/fault_injection.hpp"
#include "vm/kernel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

namespace exprvm::vm {

// A thread pool: the arena of a run, kept alive by the run while set_threads replaces it.
struct Team {
  explicit Team(int n) : arena(n) {}
  mutable tbb::task_arena arena;  // execute() is not const; runs share the team
};

namespace {

struct Pool {
  std::mutex mutex;  // guards arena replacement
  std::atomic<int> count{hardware_threads()};
  // The team of `count` and those of the counts set before (at most kKeptTeams in all), reused
  // when a count comes back, so its workers need not join a new arena.
  static constexpr std::size_t kKeptTeams = 8;
  std::map<int, std::shared_ptr<Team>> teams{{count.load(), std::make_shared<Team>(count)}};
};

Pool& pool() {
  static Pool p;
  return p;
}

// ThreadSanitizer cannot see TBB's own synchronization (libtbb.so is not instrumented), so
// under TSan the orderings TBB guarantees are declared on a token of each parallel call: the
// call happens before its arena functor and every task body, and they before it returns.
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
void happens_before(void* token) { __tsan_release(token); }
void happens_after(void* token) { __tsan_acquire(token); }
#else
void happens_before(void*) {}
void happens_after(void*) {}
#endif

// Workers sleep after 1-2 ms without tasks (measured: 0.4-0.7 us fork-join after a 1 ms gap,
// 15-23 us after 3-5 ms); below this gap they are taken as awake.
constexpr std::int64_t kAwakeNs = 1'000'000;
constexpr int kBalancedRangesPerThread = 16;  // parallel_ranges(balanced): ranges per thread
std::atomic<std::int64_t> last_parallel_end_ns{std::numeric_limits<std::int64_t>::min() / 2};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
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
    std::shared_ptr<Team>& kept = p.teams[n];
    if (!kept) kept = std::make_shared<Team>(n);
    if (p.teams.size() > Pool::kKeptTeams) p.teams = {{n, kept}};  // runs in flight keep their team
    settings_changed();
  }
  return old;
}

int threads() { return pool().count.load(std::memory_order_relaxed); }

std::shared_ptr<const Team> current_team() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.teams.at(p.count.load());
}

int team_slots(const Team& team) { return team.arena.max_concurrency(); }

void parallel_ranges(const Team& team, std::size_t count, bool balanced,
                     const std::function<void(std::size_t, std::size_t, int)>& body) {
  char token = 0;  // TSan only (see happens_before)
  happens_before(&token);
  struct Finished {  // a body's end, also when it throws
    void* token;
    ~Finished() { happens_before(token); }
  };
  struct Joined {  // the wait's end, also when a body threw
    void* token;
    ~Joined() { happens_after(token); }
  } joined{&token};
  team.arena.execute([&] {  // (run by another thread of the arena when it has no free slot)
    happens_after(&token);
    Finished finished{&token};
    tbb::this_task_arena::isolate([&] {
      // Statically one range of [0, count) per thread; balanced, `pieces` ranges, piece p
      // covering [p * count / pieces, (p + 1) * count / pieces), one body each.
      const std::size_t pieces =
          balanced ? std::min(count, static_cast<std::size_t>(kBalancedRangesPerThread * team.arena.max_concurrency()))
                   : count;
      auto range_body = [&](const tbb::blocked_range<std::size_t>& r) {
        happens_after(&token);
        Finished finished{&token};
        body(r.begin() * count / pieces, r.end() * count / pieces, tbb::this_task_arena::current_thread_index());
      };
      const tbb::blocked_range<std::size_t> all(0, pieces, 1);
      if (balanced) tbb::parallel_for(all, range_body, tbb::simple_partitioner());
      else tbb::parallel_for(all, range_body, tbb::static_partitioner());
    });
  });
  last_parallel_end_ns.store(now_ns(), std::memory_order_relaxed);
}

namespace {

// The calling thread's previous run that could have gone parallel (parallel_in_loop).
struct PreviousRun {
  const void* program = nullptr;
  std::int64_t n = -1;
  bool parallel = false;
  std::int64_t start_ns = std::numeric_limits<std::int64_t>::min() / 2;  // when parallel_in_loop last ran
  bool timed = false;  // finish_loop_run records this run in `choice`
  LoopChoice choice;   // for a loop of `program` over n
};
thread_local PreviousRun previous;

// Records program over n as the calling thread's latest run; returns whether the run before
// was the same program over the same n (else a new loop: its choice starts afresh).
bool continue_loop(const void* program, std::int64_t n) {
  const bool same = previous.program == program && previous.n == n;
  if (!same) previous.choice = {};
  previous.program = program;
  previous.n = n;
  return same;
}

}  // namespace

void note_serial_run(const void* program, std::int64_t n) {
  continue_loop(program, n);
  previous.parallel = false;
  previous.timed = false;
}

bool parallel_in_loop(const void* program, std::int64_t n, bool pays_from_cold) {
  const std::int64_t now = now_ns();
  const bool same = continue_loop(program, n);
  bool parallel = pays_from_cold;
  if (!parallel) {
    const bool in_loop = previous.parallel || same;
    const bool awake = now - previous.start_ns < kAwakeNs ||
                       now - last_parallel_end_ns.load(std::memory_order_relaxed) < kAwakeNs;
    parallel = in_loop && awake && previous.choice.parallel_next(now);
  }
  previous.parallel = parallel;
  previous.start_ns = now;
  previous.timed = !pays_from_cold;
  return parallel;
}

void finish_loop_run() {
  if (!previous.timed) return;
  previous.timed = false;
  previous.choice.record(previous.parallel, now_ns() - previous.start_ns);
}

std::int64_t LoopChoice::Estimate::best() const {
  return *std::min_element(ns, ns + count);
}

bool LoopChoice::parallel_next(std::int64_t now_ns) {
  if (parallel_.count < kWindow) return true;
  if (serial_.count < kWindow) return false;
  if (explore_left_ > 0) return exploring_;
  // parallel unless clearly slower even at its best (a run without the worker costs a serial one)
  const bool faster = static_cast<double>(parallel_.best()) <= kSlowerBy * static_cast<double>(serial_.best());
  if (measured_ns_ < 0) measured_ns_ = now_ns;
  if (faster) {
    verdict_ = Verdict::Parallel;
  } else if (verdict_ == Verdict::Parallel) {
    // a new serial verdict, by a measurement or by slow parallel runs within a parallel
    // verdict: confirmed kConfirmAfterNs from now (not at once, in the same gap)
    verdict_ = Verdict::Serial;
    measured_ns_ = now_ns;
  }
  if (now_ns - measured_ns_ >= (verdict_ == Verdict::Serial ? kConfirmAfterNs : kExploreAfterNs)) {
    measured_ns_ = now_ns;
    exploring_ = !faster;
    if (verdict_ == Verdict::Serial) verdict_ = Verdict::SerialConfirmed;  // (stays if parallel loses again)
    explore_left_ = kWindow;
    return exploring_;
  }
  return faster;
}

void LoopChoice::record(bool parallel, std::int64_t ns) {
  Estimate& e = parallel ? parallel_ : serial_;
  e.ns[e.next] = ns;
  e.next = (e.next + 1) % kWindow;
  e.count = std::min(e.count + 1, kWindow);
  if (explore_left_ > 0 && parallel == exploring_) --explore_left_;
}

std::byte* thread_scratch(int which, std::size_t bytes) {
  thread_local AlignedBuffer buffers[3];
  AlignedBuffer& b = buffers[which];
  if (bytes > b.capacity) {
    fault::before_allocation();
    const std::size_t capacity = std::max(bytes, b.capacity * 2);
    b.storage = std::make_unique<std::byte[]>(capacity + 64);
    auto addr = reinterpret_cast<std::uintptr_t>(b.storage.get());
    b.aligned = b.storage.get() + ((64 - addr % 64) % 64);
    b.capacity = capacity;
  }
  return b.aligned;
}

}  // namespace exprvm::vm
