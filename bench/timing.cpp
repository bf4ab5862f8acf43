#include "bench/timing.hpp"

#include <cmath>
#include <ctime>

namespace exprvm_bench {

namespace {

double process_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return double(now.tv_sec) * 1e9 + double(now.tv_nsec);
}

}  // namespace

long calibrate(const Batch& batch, const TimingPolicy& policy, double* one_call_ns) {
  batch(1);  // first touch of the buffers, lazily built state, thread start-up
  long calls = 1;
  double elapsed = batch(calls);
  while (elapsed < policy.target_sample_ns / 8) {
    const long grow = elapsed > 0 ? long(policy.target_sample_ns / 4 / elapsed) : 64;
    calls *= std::clamp<long>(grow, 2, 64);
    elapsed = batch(calls);
  }
  *one_call_ns = elapsed / double(calls);
  return std::max(1L, long(std::ceil(policy.target_sample_ns / *one_call_ns)));
}

int sample_count(const TimingPolicy& policy, double one_call_ns, long calls) {
  const double per_sample = std::max(one_call_ns * double(calls), 1.0);
  const int affordable = int(policy.max_contender_ns / per_sample);
  return std::clamp(affordable, std::min(3, policy.samples), policy.samples);
}

std::vector<Samples> sample_interleaved(const std::vector<Batch>& contenders,
                                        const TimingPolicy& policy) {
  std::vector<Samples> samples(contenders.size());
  std::vector<int> wanted(contenders.size());
  int rounds = 0;
  for (std::size_t c = 0; c < contenders.size(); ++c) {
    double one_call_ns = 0;
    samples[c].calls_per_sample = calibrate(contenders[c], policy, &one_call_ns);
    wanted[c] = sample_count(policy, one_call_ns, samples[c].calls_per_sample);
    rounds = std::max(rounds, wanted[c]);
  }
  const std::size_t count = contenders.size();
  for (int round = 0; round < rounds; ++round)
    for (std::size_t k = 0; k < count; ++k)
      if (const std::size_t c = (k + static_cast<std::size_t>(round)) % count; round < wanted[c]) {
        const long calls = samples[c].calls_per_sample;
        const double cpu_start = process_cpu_ns();
        const double wall = contenders[c](calls);
        samples[c].cpu_ns_per_call.push_back((process_cpu_ns() - cpu_start) / double(calls));
        samples[c].ns_per_call.push_back(wall / double(calls));
      }
  return samples;
}

}  // namespace exprvm_bench
