// Timing of one contender: calibrate a batch of calls that lasts about a target time, then
// time batches (samples) and keep the time per call of each.
#pragma once
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace exprvm_bench {

// Short samples, many of them: on a shared machine the fastest ones are those no other process
// preempted, so the minimum stays meaningful under load.
struct TimingPolicy {
  double target_sample_ns = 5e6;   // a batch lasts at least this long
  int samples = 15;                // batches timed per contender
  double max_contender_ns = 1.5e9; // a contender's samples take about this at most (>= 3)
};

// Per-call times of the samples of one contender.
struct Samples {
  long calls_per_sample = 1;
  std::vector<double> ns_per_call;      // wall time
  std::vector<double> cpu_ns_per_call;  // CPU time of the whole process (every thread)

  double min() const { return *std::min_element(ns_per_call.begin(), ns_per_call.end()); }
  double cpu_min() const {
    return *std::min_element(cpu_ns_per_call.begin(), cpu_ns_per_call.end());
  }
  double median() const {
    std::vector<double> sorted = ns_per_call;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t mid = sorted.size() / 2;
    return sorted.size() % 2 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
  }
};

// Nanoseconds `calls` calls of `call` take.
template <class F>
double time_calls(F& call, long calls) {
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < calls; ++i) call();
  const auto stop = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(stop - start).count();
}

// A contender as the sampler sees it: run `calls` calls, return the nanoseconds they took.
using Batch = std::function<double(long calls)>;

// Warms a contender up and returns how many calls make a batch of about
// policy.target_sample_ns; *one_call_ns receives the cost of one call measured on the way.
long calibrate(const Batch& batch, const TimingPolicy& policy, double* one_call_ns);

// Samples a contender gets: policy.samples, fewer (at least 3) when its calls are slow.
int sample_count(const TimingPolicy& policy, double one_call_ns, long calls);

// Times the contenders in turns (one sample of each per round), so that noise from other
// processes hits them alike; round r starts at contender r (mod their count) and goes round
// in order, so that no contender always takes the same place after another (the first
// sample after a thread-count change ran 10-30 % slower, see measure_size). Returns their
// samples, in the contenders' order.
std::vector<Samples> sample_interleaved(const std::vector<Batch>& contenders,
                                        const TimingPolicy& policy);

}  // namespace exprvm_bench
