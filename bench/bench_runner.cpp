#include "bench/bench_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "bench/bench_data.hpp"
#include "bench/hand_loops.hpp"
#include "bench/loop_runner.hpp"
#include "bench/verify.hpp"
#include "bench/xsimd_reference.hpp"

namespace exprvm_bench {
namespace {

struct Contender {
  std::string name;
  std::function<void()> once;  // one call (for the correctness check)
  Batch batch;                 // `calls` calls, timed
};

template <class F>
Contender make_contender(std::string name, F call) {
  return {std::move(name), call, [call](long calls) mutable { return time_calls(call, calls); }};
}

// Sets the JIT mode for its lifetime (the previous mode is restored after).
class JitScope {
 public:
  explicit JitScope(exprvm::JitMode mode) : saved_(exprvm::set_jit(mode)) {}
  ~JitScope() { exprvm::set_jit(saved_); }
  JitScope(const JitScope&) = delete;
  JitScope& operator=(const JitScope&) = delete;

 private:
  exprvm::JitMode saved_;
};

// A contender whose calls run with the JIT in `mode`: set before its correctness call and
// before each timed batch, restored after them, outside the timed loop. A mode change bumps
// the engine's settings epoch, so a bound program re-decides (JIT code or kernels) at its
// next run.
template <class F>
Contender make_contender_in_mode(std::string name, exprvm::JitMode mode, F call) {
  return {std::move(name),
          [call, mode]() mutable {
            JitScope scope(mode);
            call();
          },
          [call, mode](long calls) mutable {
            JitScope scope(mode);
            return time_calls(call, calls);
          }};
}

// The bound programs of a workload at one size, bound by the first call of bound_calls.
using Bindings = std::shared_ptr<std::vector<exprvm::BoundProgram>>;

// The bound programs the `bound` and `bound_nojit` contenders run. One pair serves every
// thread count of a size, so that the 1-thread and all-cores figures (P4) differ in the
// thread count only: two bindings of one program differ in where their state lies, and that
// alone moved a run by up to 1.45x at small sizes (`2*a + 3*b`, float32, 16 elements, one
// thread: 8.6 ns for most placements of the output within its page, 12.2-12.6 ns for three,
// in one process on a Zen 5 guest), which P4 had counted as the threads' cost.
struct EngineBindings {
  Bindings bound = std::make_shared<std::vector<exprvm::BoundProgram>>();
  Bindings bound_nojit = std::make_shared<std::vector<exprvm::BoundProgram>>();
};

// BoundProgram::run of every program of a workload, bound into `bound` on the first call
// (inside the timed code's error handling: binding validates).
auto bound_calls(const EnginePrograms& engine, const EngineArgs& args, const exprvm::Array* out, Bindings bound) {
  return [&programs = engine.programs, &run_args = args.run_args, out, bound] {
    if (bound->empty())
      for (std::size_t k = 0; k < programs.size(); ++k)
        bound->push_back(programs[k].bind(run_args[k], out));
    for (exprvm::BoundProgram& b : *bound) b.run();
  };
}

// What a workload is measured with, for one dtype: the engine's programs (absent when they
// failed to compile or run correctly) and the reference loops.
struct WorkloadSetup {
  const Workload* workload = nullptr;
  exprvm::DType dtype = exprvm::DType::Float32;
  std::unique_ptr<EnginePrograms> engine;
  std::set<std::string> disabled;  // contenders left out after a failed check
  std::vector<ChunkFn> hand;       // the plain loops compiled for exprvm's ISA: the limit
  std::vector<ChunkFn> hand_sse2;  // the same loops for the SSE2 baseline
  std::vector<ChunkFn> xsimd;      // one pass, or empty
};

// The contenders of `setup` on `data` (whose engine arguments are `args`), in report order.
// The returned calls reference data, args, setup and runner: keep them alive.
std::vector<Contender> make_contenders(const WorkloadSetup& setup, WorkloadData& data,
                                       const EngineArgs& args, LoopRunner& runner,
                                       const EngineBindings& bindings) {
  std::vector<Contender> contenders;
  const Workload& w = *setup.workload;
  const exprvm::Array* out = data.out_or_null();
  // bound runs in the mode the whole run has (tiered, run_benchmark), bound_nojit interpreted.
  if (setup.engine && !setup.disabled.count(kBound))
    contenders.push_back(make_contender(kBound, bound_calls(*setup.engine, args, out, bindings.bound)));
  if (setup.engine && !setup.disabled.count(kBoundNojit))
    contenders.push_back(make_contender_in_mode(kBoundNojit, exprvm::JitMode::Off,
                                                bound_calls(*setup.engine, args, out, bindings.bound_nojit)));
  if (setup.engine && !setup.disabled.count(kRun)) {
    contenders.push_back(make_contender(
        kRun, [&programs = setup.engine->programs, &run_args = args.run_args, out] {
          for (std::size_t k = 0; k < programs.size(); ++k) programs[k].run(run_args[k], out);
        }));
  }
  if (setup.engine && !setup.disabled.count(kEvaluate)) {
    contenders.push_back(
        make_contender(kEvaluate, [&sources = w.programs, &named = args.named, out] {
          for (std::size_t k = 0; k < sources.size(); ++k)
            exprvm::evaluate(sources[k], named[k], out);
        }));
  }
  void* const* pointers = data.pointers.data();
  const auto n = std::size_t(data.n);
  const exprvm::DType dtype = data.dtype;
  void* reduction = data.reduction();
  for (const auto& [name, loops] :
       {std::pair{kHand, &setup.hand}, std::pair{kHandSse2, &setup.hand_sse2}}) {
    if (setup.disabled.count(name)) continue;
    contenders.push_back(
        make_contender(name, [&runner, &passes = *loops, pointers, n, dtype, reduction] {
          runner.run(passes, pointers, n, dtype, reduction);
        }));
  }
  if (!setup.xsimd.empty() && !setup.disabled.count(kXsimd)) {
    contenders.push_back(
        make_contender(kXsimd, [&runner, &passes = setup.xsimd, pointers, n, dtype, reduction] {
          runner.run(passes, pointers, n, dtype, reduction);
        }));
  }
  return contenders;
}

void report_problem(Results& results, const WorkloadSetup& setup, const std::string& contender,
                    const std::string& message) {
  std::fprintf(stderr, "bench: %s %s, %s: %s\n", setup.workload->name.c_str(),
               std::string(exprvm::dtype_name(setup.dtype)).c_str(), contender.c_str(),
               message.c_str());
  results.problems.push_back({setup.workload->name, setup.dtype, contender, message});
}

// Runs every contender once at size n on fresh data and compares it with the hand-written
// SSE2 loop (no contracted multiply-adds). A contender that throws is disabled; one that
// disagrees is reported.
void check_contenders(WorkloadSetup& setup, std::int64_t n, LoopRunner& runner,
                      Results& results) {
  const Workload& w = *setup.workload;
  WorkloadData expected = make_data(w, setup.dtype, n);
  runner.run(setup.hand_sse2, expected.pointers.data(), std::size_t(n), setup.dtype,
             expected.reduction());
  std::vector<std::string> checked = {kHand};
  if (setup.engine) checked = {kBound, kBoundNojit, kRun, kEvaluate, kHand};
  if (!setup.xsimd.empty()) checked.push_back(kXsimd);
  for (const std::string& name : checked) {
    if (setup.disabled.count(name)) continue;
    WorkloadData actual = make_data(w, setup.dtype, n);
    const EngineArgs args = setup.engine ? engine_args(*setup.engine, actual) : EngineArgs{};
    for (Contender& c : make_contenders(setup, actual, args, runner, EngineBindings{})) {
      if (c.name != name) continue;
      try {
        c.once();
        const std::string problem = compare_results(expected, actual);
        if (!problem.empty())  // still timed: the report flags the disagreement
          report_problem(results, setup, name, "n=" + std::to_string(n) + ": " + problem);
      } catch (const std::exception& e) {
        report_problem(results, setup, name, std::string("failed: ") + e.what());
        setup.disabled.insert(name);
      }
    }
  }
}

WorkloadSetup prepare(const Workload& w, exprvm::DType dtype, const HandLoops& hand,
                      const XsimdLoops& xsimd, Results& results) {
  WorkloadSetup setup;
  setup.workload = &w;
  setup.dtype = dtype;
  setup.hand = hand_passes(hand, w, dtype);
  setup.hand_sse2 = hand_passes(hand_loops_sse2(), w, dtype);
  if (ChunkFn loop = xsimd_loop_for(xsimd, w.name, dtype_slot(dtype))) setup.xsimd = {loop};
  try {
    setup.engine = std::make_unique<EnginePrograms>(compile_workload(w, dtype));
  } catch (const std::exception& e) {
    report_problem(results, setup, "bound+bound_nojit+run+evaluate",
                   std::string("compile failed: ") + e.what());
  }
  return setup;
}

std::string format_ns(double ns) {
  char text[32];
  if (ns < 1e3) std::snprintf(text, sizeof text, "%.0fns", ns);
  else if (ns < 1e6) std::snprintf(text, sizeof text, "%.1fus", ns / 1e3);
  else std::snprintf(text, sizeof text, "%.1fms", ns / 1e6);
  return text;
}

// Times every contender of `setup` at size n for each thread count. Thread counts are
// interleaved sample by sample with the contenders (each sample first sets the engine's
// thread count), so that machine noise hits the 1-thread and N-thread figures alike (P4).
// A sample that changes the thread count first makes untimed calls for kSettleNs (at least
// one): the first contender after a change (then always `bound`) ran 10-30 % slower than the
// same code under `run` at 2^20-2^22 elements on a Zen 5 guest (not with one thread count;
// and a standalone loop of either runs as fast): a position, not a contender. The 2-thread
// runs after the 1-thread ones find the workers asleep, and there a worker joined a loop
// 100-250 us late. The settling did not remove it (`bound` on 2 threads at 2^22, float32
// `sgd`: 249 us against `run`'s 211 and `hand`'s 225 in one run), so sample_interleaved
// also rotates the order round by round: each contender follows the change in few rounds.
constexpr double kSettleNs = 2e6;
void measure_size(WorkloadSetup& setup, std::int64_t n, const BenchConfig& config,
                  std::map<int, std::unique_ptr<LoopRunner>>& runners, Results& results,
                  std::string& progress) {
  WorkloadData data = make_data(*setup.workload, setup.dtype, n);
  const EngineArgs args = setup.engine ? engine_args(*setup.engine, data) : EngineArgs{};
  const double bytes = bytes_per_element(*setup.workload, setup.dtype);
  std::vector<std::pair<int, Contender>> contenders;
  std::vector<Batch> batches;
  const EngineBindings bindings;
  for (int threads : config.threads) {
    exprvm::set_num_threads(threads);
    for (Contender& c : make_contenders(setup, data, args, *runners.at(threads), bindings)) {
      batches.push_back([threads, batch = c.batch](long calls) {
        if (exprvm::set_num_threads(threads) != threads)
          for (double settled = 0; settled < kSettleNs;) settled += batch(1);
        return batch(calls);
      });
      contenders.emplace_back(threads, std::move(c));
    }
  }
  std::vector<Samples> samples;
  try {
    samples = sample_interleaved(batches, config.policy);
  } catch (const std::exception& e) {  // an engine failure at this size: drop the engine
    report_problem(results, setup, "bound+bound_nojit+run+evaluate",
                   "n=" + std::to_string(n) + ": " + e.what());
    for (const char* name : {kBound, kBoundNojit, kRun, kEvaluate}) setup.disabled.insert(name);
    return;
  }
  int shown_threads = 0;
  for (std::size_t c = 0; c < contenders.size(); ++c) {
    const auto& [threads, contender] = contenders[c];
    results.measurements.push_back({setup.workload->name, setup.dtype, threads, contender.name, n,
                                    samples[c].min(), samples[c].median(),
                                    samples[c].calls_per_sample,
                                    int(samples[c].ns_per_call.size()), bytes,
                                    samples[c].cpu_min()});
    if (threads != shown_threads) progress += " | t" + std::to_string(shown_threads = threads);
    progress += " " + contender.name + " " + format_ns(samples[c].min());
  }
}

// Compile latency and the cost of a cache hit (P5).
void measure_latencies(const BenchConfig& config, Results& results) {
  const Workload* adam = nullptr;
  const Workload* sgd = nullptr;
  for (const Workload& w : all_workloads()) {
    if (w.name == "adam_fused") adam = &w;
    if (w.name == "sgd") sgd = &w;
  }
  const exprvm::DType dtype = exprvm::DType::Float32;
  exprvm::Signature adam_signature;
  for (const Input& input : adam->inputs) adam_signature.push_back({input.name, dtype});
  const std::string& adam_source = adam->programs.front();
  exprvm::set_num_threads(1);
  WorkloadData sgd_data = make_data(*sgd, dtype, 1);
  const EnginePrograms sgd_engine = compile_workload(*sgd, dtype);
  const EngineArgs sgd_args = engine_args(sgd_engine, sgd_data);
  exprvm::global_cache().get(adam_source, adam_signature);
  exprvm::BoundProgram sgd_bound = sgd_engine.programs[0].bind(sgd_args.run_args[0]);

  const std::vector<Contender> latencies = {
      make_contender("compile_adam",
                     [&] { exprvm::compile(adam_source, adam_signature); }),
      make_contender("cache_get_adam",
                     [&] { exprvm::global_cache().get(adam_source, adam_signature); }),
      make_contender("evaluate_sgd_n1",
                     [&] { exprvm::evaluate(sgd->programs[0], sgd_args.named[0], nullptr); }),
      make_contender("run_sgd_n1", [&] { sgd_engine.programs[0].run(sgd_args.run_args[0]); }),
      make_contender("bound_sgd_n1", [&] { sgd_bound.run(); }),
  };
  const std::vector<std::string> what = {
      "exprvm::compile of the fused Adam program (parse, type check, optimize, bytecode)",
      "global_cache().get of the fused Adam program, already cached",
      "exprvm::evaluate(\"p = p - g\") at n = 1 (cache hit + run)",
      "Program::run of \"p = p - g\" at n = 1",
      "BoundProgram::run of \"p = p - g\" at n = 1",
  };
  std::vector<Batch> batches;
  for (const Contender& c : latencies) batches.push_back(c.batch);
  const std::vector<Samples> samples = sample_interleaved(batches, config.policy);
  for (std::size_t k = 0; k < latencies.size(); ++k)
    results.latencies.push_back({latencies[k].name, what[k], samples[k].min(),
                                 samples[k].median(), samples[k].calls_per_sample,
                                 int(samples[k].ns_per_call.size())});
}

bool selected(const BenchConfig& config, const Workload& w) {
  return config.workloads.empty() ||
         std::find(config.workloads.begin(), config.workloads.end(), w.name) !=
             config.workloads.end();
}

}  // namespace

void run_benchmark(const BenchConfig& config, Results& results) {
  const auto start = std::chrono::steady_clock::now();
  const int previous_threads = exprvm::get_num_threads();
  const JitScope tiered(exprvm::JitMode::Tiered);  // the default, whatever EXPRVM_JIT says
  const XsimdLoops& xsimd = xsimd_loops(results.info.isa);
  results.info.xsimd_isa = xsimd.isa;
  const HandLoops& hand = hand_loops(results.info.isa);
  results.info.hand_isa = hand.isa;
  std::map<int, std::unique_ptr<LoopRunner>> runners;
  for (int threads : config.threads)
    runners[threads] = std::make_unique<LoopRunner>(threads, exprvm::chunk_size());
  const int checking_threads = *std::max_element(config.threads.begin(), config.threads.end());

  std::size_t steps = 0, step = 0;
  for (const Workload& w : all_workloads())
    if (selected(config, w)) steps += config.dtypes.size() * config.sizes.size();
  for (const Workload& w : all_workloads()) {
    if (!selected(config, w)) continue;
    for (exprvm::DType dtype : config.dtypes) {
      WorkloadSetup setup = prepare(w, dtype, hand, xsimd, results);
      exprvm::set_num_threads(checking_threads);
      for (std::int64_t n : {std::int64_t(1031), std::int64_t(3 * exprvm::chunk_size() + 7)})
        check_contenders(setup, n, *runners.at(checking_threads), results);
      for (std::int64_t n : config.sizes) {
        std::string progress;
        measure_size(setup, n, config, runners, results, progress);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "[%3zu/%zu %5.0fs] %s %s n=%lld%s\n", ++step, steps, seconds,
                     w.name.c_str(), std::string(exprvm::dtype_name(dtype)).c_str(),
                     (long long)n, progress.c_str());
      }
    }
  }
  std::fprintf(stderr, "bench: compile and cache latency\n");
  measure_latencies(config, results);
  exprvm::set_num_threads(previous_threads);
  results.info.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace exprvm_bench
