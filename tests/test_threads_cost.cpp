// The executor's parallel cost model (vm/threads_cost.hpp) and the chunk partition that
// aligns chunks to the output's cache lines: results at every output alignment, in place and
// not, with and without temporaries, on one and many threads, equal the oracle's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "compiler/lower.hpp"
#include "tests/test_helpers.hpp"
#include "vm/threads.hpp"
#include "vm/threads_cost.hpp"

namespace exprvm {
namespace {

using testing::TestArray;

testing::Tolerance exact_values() {
  testing::Tolerance t;
  t.ignore_zero_sign = true;
  return t;
}

// A float32 array of n elements starting `offset` elements past a 64-byte boundary.
struct Shifted {
  std::vector<float> storage;
  Array view;
  Shifted(std::int64_t n, int offset, std::uint64_t seed) : storage(std::size_t(n) + 32) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> values(-4, 4);
    auto address = reinterpret_cast<std::uintptr_t>(storage.data());
    float* start = storage.data() + (64 - address % 64) % 64 / sizeof(float) + offset;
    std::generate(start, start + n, [&] { return values(rng); });
    view = Array::from_raw(start, DType::Float32, {n});
  }
};

TEST_CASE("elementwise runs equal the oracle at every output alignment", "[vm][threads]") {
  const int threads = get_num_threads();
  const std::int64_t n = 3 * static_cast<std::int64_t>(chunk_size()) + 5;
  const Signature sig = {{"a", DType::Float32}, {"b", DType::Float32}};
  const std::uint64_t seed = 31;
  INFO("seed " << seed);
  for (int thread_count : {1, std::max(2, detect_number_of_cores())}) {
    set_num_threads(thread_count);
    for (const std::string source : {"a - b", "a * b + 1"})  // streamed / chunked with temps
      for (int offset = 0; offset < 16; ++offset)
        for (bool in_place : {false, true}) {
          Shifted a(n, offset, seed + offset), b(n, (offset * 7) % 16, seed + 100 + offset);
          Shifted out(n, offset, seed + 200);
          INFO(source << ", output " << offset << " floats past a cache line, "
                      << (in_place ? "out=a" : "separate out") << ", " << thread_count << " threads");
          // The oracle on copies of the inputs taken before the run (NumPy's answer in place).
          TestArray a0 = testing::copy_of(a.view), b0 = testing::copy_of(b.view);
          TestArray expected = testing::copy_of(out.view);
          const std::vector<Array> before = {a0.view, b0.view};
          testing::reference_run(check(parse(source), sig, {}), before, &expected.view);
          const Array& target = in_place ? a.view : out.view;
          compile(source, sig).run(std::vector<Array>{a.view, b.view}, &target);
          const auto diff = testing::compare_arrays(expected.view, target, exact_values());
          if (diff) FAIL_CHECK(*diff);
        }
  }
  set_num_threads(threads);
}

TEST_CASE("the parallel cost model weighs work, bytes and threads", "[vm][threads]") {
  const double cold = vm::parallel_costs().fork_join_ns;
  auto parallel_pays = [&](std::int64_t n, double work, double bytes, int threads) {
    return vm::parallel_pays(n, work, bytes, threads, cold, vm::parallel_costs().cross_core_ns_per_byte);
  };
  auto bytecode = [](const std::string& source) {
    return lower(check(parse(source), {{"a", DType::Float32}, {"b", DType::Float32}}, {}));
  };
  const vm::Isa isa = vm::available_isas().back();  // sse2: measured on every machine
  const double cheap = vm::work_ns_per_element(bytecode("a - b"), isa);
  const double heavy = vm::work_ns_per_element(bytecode("tanh(a) * erf(b)"), isa);
  CHECK(cheap > 0);
  CHECK(heavy > 10 * cheap);
  CHECK(vm::array_bytes_per_element(bytecode("a - b")) == 12);
  CHECK(vm::array_bytes_per_element(bytecode("sum(a * b)")) == 8);  // not the 0-d result
  CHECK_FALSE(parallel_pays(1 << 24, heavy, 12, 1));  // one thread: never
  CHECK_FALSE(parallel_pays(1024, heavy, 12, 2));     // less work than a fork-join
  CHECK(parallel_pays(1 << 24, cheap, 12, 2));        // streams from memory on every core
  CHECK(parallel_pays(1 << 20, heavy, 12, 2));
  // Monotonic in n: once parallel pays, it pays for every larger run.
  for (double work : {cheap, heavy}) {
    bool paid = false;
    for (std::int64_t n = 1; n <= (1 << 26); n *= 2) {
      const bool pays = parallel_pays(n, work, 12, 2);
      INFO("work " << work << " ns/element, n = " << n);
      CHECK((pays || !paid));
      paid = paid || pays;
    }
  }
  // Awake workers cost less to start: some runs pay only while they are awake.
  using vm::ParallelVerdict;
  CHECK(vm::parallel_costs().fork_join_awake_ns < cold);
  CHECK(vm::parallel_verdict(1 << 24, cheap, 12, 2) == ParallelVerdict::Parallel);
  CHECK(vm::parallel_verdict(1 << 24, heavy, 12, 1) == ParallelVerdict::Serial);
  CHECK(vm::parallel_verdict(64, cheap, 12, 2) == ParallelVerdict::Serial);
  std::int64_t while_awake = 0;
  for (std::int64_t n = 1; n <= (1 << 26) && !while_awake; n *= 2)
    if (vm::parallel_verdict(n, cheap, 12, 2) == ParallelVerdict::WhileAwake) while_awake = n;
  CHECK(while_awake > 0);
  CHECK_FALSE(parallel_pays(while_awake, cheap, 12, 2));
}

TEST_CASE("runs that pay only in a loop go parallel from a loop's second run", "[vm][threads]") {
  // A thread of its own (the previous run is per thread), after the workers fell asleep.
  std::thread([] {
    const int a = 0, b = 0;  // two programs, by address
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(vm::parallel_in_loop(&a, 4096, true));          // pays from cold: always
    CHECK(vm::parallel_in_loop(&b, 8192, false));         // after a parallel run
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(vm::parallel_in_loop(&a, 4096, false));   // the first of a loop, workers asleep
    CHECK(vm::parallel_in_loop(&a, 4096, false));         // its second run
    CHECK(vm::parallel_in_loop(&a, 4096, false));
    CHECK(vm::parallel_in_loop(&b, 4096, false));         // after a parallel run of another program
    vm::note_serial_run(&a, 4096);
    CHECK_FALSE(vm::parallel_in_loop(&b, 4096, false));   // after another program's serial run
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(vm::parallel_in_loop(&a, 4096, false));
    CHECK_FALSE(vm::parallel_in_loop(&b, 4096, false));   // after another program's serial run
    CHECK_FALSE(vm::parallel_in_loop(&b, 8192, false));   // the same program over another n
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(vm::parallel_in_loop(&a, 4096, false));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(vm::parallel_in_loop(&a, 4096, false));   // 20 ms apart: no loop
  }).join();
}

TEST_CASE("the balanced partition covers every index once, one range per slot at a time", "[vm][threads]") {
  const int saved = set_num_threads(2);
  const std::shared_ptr<const vm::Team> team = vm::current_team();
  const int slots = vm::team_slots(*team);
  for (const bool balanced : {false, true}) {
    for (const std::size_t count : {1, 2, 31, 32, 33, 1000, 2047, 16384}) {
      std::vector<std::atomic<int>> covered(count);
      std::vector<std::atomic<int>> in_use(static_cast<std::size_t>(slots));
      std::atomic<int> ranges{0}, bad_slot{0}, shared_slot{0};
      vm::parallel_ranges(*team, count, balanced, [&](std::size_t begin, std::size_t end, int slot) {
        ++ranges;
        if (slot < 0 || slot >= slots) return void(++bad_slot);
        if (in_use[static_cast<std::size_t>(slot)].exchange(1)) ++shared_slot;
        for (std::size_t i = begin; i < end; ++i) ++covered[i];
        in_use[static_cast<std::size_t>(slot)] = 0;
      });
      INFO("count " << count << (balanced ? " balanced" : " static"));
      CHECK(bad_slot == 0);
      CHECK(shared_slot == 0);
      CHECK(std::all_of(covered.begin(), covered.end(), [](const std::atomic<int>& c) { return c == 1; }));
      if (balanced) CHECK(ranges == static_cast<int>(std::min<std::size_t>(count, 16 * slots)));
    }
  }
  set_num_threads(saved);
}

TEST_CASE("a loop's parallel choice is measured: parallel unless clearly slower, re-measured later", "[vm][threads]") {
  constexpr int w = vm::LoopChoice::kWindow;
  constexpr std::int64_t later = vm::LoopChoice::kExploreAfterNs;
  // Runs `runs` times at time t: each run's choice must be `parallel`; it takes ns(parallel).
  auto run = [](vm::LoopChoice& c, std::int64_t t, int runs, bool parallel, auto ns) {
    for (int i = 0; i < runs; ++i) {
      const bool p = c.parallel_next(t);
      REQUIRE(p == parallel);
      c.record(p, ns(p));
    }
  };
  constexpr std::int64_t confirm = vm::LoopChoice::kConfirmAfterNs;
  {  // parallel 1.3x slower at its best (and once 100x: a cold run): serial, confirmed
    vm::LoopChoice c;
    int k = 0;
    auto ns = [&](bool p) -> std::int64_t { return p ? (k++ == 0 ? 200000 : 2600) : 2000; };
    run(c, 0, w, true, ns);
    run(c, 0, w, false, ns);
    run(c, 1000, 100, false, ns);
    run(c, confirm + 1000, w, true, ns);  // the serial verdict confirmed by a second measurement
    run(c, confirm + 2000, 100, false, ns);
    run(c, confirm + later / 2, 100, false, ns);  // confirmed: the next measurement comes later
    // later the loser is measured again; now parallel is faster (the machine changed): parallel
    auto faster = [](bool p) -> std::int64_t { return p ? 1200 : 2000; };
    run(c, confirm + later + 1000, w, true, faster);
    run(c, confirm + later + 2000, 100, true, faster);
  }
  {  // parallel wins; later 8 runs in a row fall in a gap: serial from then, confirmed
     // kConfirmAfterNs after the flip (not at once, in the same gap), parallel again after it
    vm::LoopChoice c;
    auto fine = [](bool p) -> std::int64_t { return p ? 1100 : 2000; };
    auto gap = [](bool p) -> std::int64_t { return p ? 2600 : 2000; };
    run(c, 0, w, true, fine);
    run(c, 0, w, false, fine);
    run(c, 1000, 10, true, fine);
    const std::int64_t t = 20'000'000;
    run(c, t, w, true, gap);           // (the ring now holds only the slow runs)
    run(c, t + 1000, 10, false, gap);  // serial at once, and not measured again yet
    run(c, t + confirm - 1000, 10, false, gap);
    run(c, t + 1000 + confirm, w, true, fine);  // the confirming measurement: parallel wins
    run(c, t + 2000 + confirm, 10, true, fine);
  }
  {  // every parallel run of the first measurement fell in a gap of the second core: the serial
     // verdict stands only until the confirming measurement, which finds parallel faster
    vm::LoopChoice c;
    auto gap = [](bool p) -> std::int64_t { return p ? 2400 : 2000; };
    auto fine = [](bool p) -> std::int64_t { return p ? 1100 : 2000; };
    run(c, 0, w, true, gap);
    run(c, 0, w, false, gap);
    run(c, 0, 10, false, fine);
    run(c, confirm - 1000, 10, false, fine);
    run(c, confirm, w, true, fine);
    run(c, confirm + 1000, 100, true, fine);
  }
  {  // parallel within kSlowerBy of serial (a worker joining late costs a serial run): parallel
    vm::LoopChoice c;
    auto ns = [](bool p) -> std::int64_t { return p ? 2080 : 2000; };
    run(c, 0, w, true, ns);
    run(c, 0, w, false, ns);
    run(c, 1000, 100, true, ns);
    run(c, later + 1000, w, false, ns);  // serial measured again
    run(c, later + 2000, 10, true, ns);
  }
}

TEST_CASE("JIT-compiled programs weigh their fused loop, not the interpreter's passes", "[vm][threads]") {
  auto bytecode = [](const std::string& source) {
    return lower(check(parse(source), {{"a", DType::Float32}, {"b", DType::Float32}}, {}));
  };
  const vm::Isa isa = vm::Isa::Avx2;  // (weights of an ISA the CPU lacks fall back to sse2's)
  const Bytecode chain = bytecode("((a*b + a)*b - a)*a + a*b*(a - b) - (a + b)*0.5");
  const Bytecode divides = bytecode("a / b");
  const Bytecode functions = bytecode("tanh(where(a > 0, a, 0))");
  const vm::WorkSplit chain_split = vm::jit_work_split(chain, isa);
  CHECK(chain_split.fused_ns > 0);
  CHECK(chain_split.divide_ns == 0);
  CHECK(chain_split.called_ns == 0);
  CHECK(vm::jit_work_split(divides, isa).divide_ns > 0);
  CHECK(vm::jit_work_split(functions, isa).called_ns > vm::jit_work_split(functions, isa).fused_ns);
  for (const Bytecode* bc : {&chain, &divides, &functions}) {
    CHECK(vm::jit_work_ns_per_element(*bc, isa) > 0);
    CHECK(vm::jit_work_ns_per_element(*bc, isa) <= vm::work_ns_per_element(*bc, isa));
  }
  // A long fused chain costs a fraction of its interpreted passes, so it goes parallel later;
  // a program of function calls keeps its calls' whole weight (the called kernels run as
  // they do interpreted) and most of the rest.
  const double chain_jit = vm::jit_work_ns_per_element(chain, isa);
  const double chain_interpreted = vm::work_ns_per_element(chain, isa);
  CHECK(chain_jit < 0.5 * chain_interpreted);
  CHECK(vm::jit_work_ns_per_element(functions, isa) >= vm::jit_work_split(functions, isa).called_ns);
  CHECK(vm::jit_work_ns_per_element(functions, isa) > 0.75 * vm::work_ns_per_element(functions, isa));
  const double bytes = vm::array_bytes_per_element(chain);
  std::int64_t interpreted_from = 0, jit_from = 0;  // the smallest power of two that goes parallel
  for (std::int64_t n = 1; n <= (1 << 26) && !jit_from; n *= 2) {
    if (!interpreted_from && vm::parallel_pays(n, chain_interpreted, bytes, 2, vm::parallel_costs().fork_join_ns,
                                                 vm::parallel_costs().cross_core_ns_per_byte)) interpreted_from = n;
    if (vm::parallel_pays(n, chain_jit, bytes, 2, vm::parallel_costs().fork_join_ns,
                                                 vm::parallel_costs().cross_core_ns_per_byte)) jit_from = n;
  }
  CHECK(interpreted_from > 0);
  CHECK(jit_from > interpreted_from);
}

}  // namespace
}  // namespace exprvm
