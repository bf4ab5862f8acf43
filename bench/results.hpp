// What a benchmark run measured: the data the report, the CSV and the plot are made of.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace exprvm_bench {

// Contender names, as they appear in the CSV (the Python bench adds numpy, numexpr, ...).
inline constexpr const char* kBound = "bound";        // compile and bind once, BoundProgram::run per call
inline constexpr const char* kBoundNojit = "bound_nojit";  // the same with the JIT off (exprvm::set_jit)
inline constexpr const char* kRun = "run";            // compile once, Program::run(args, out) per call
inline constexpr const char* kEvaluate = "evaluate";  // exprvm::evaluate(source, ...) per call
inline constexpr const char* kHand = "hand";          // plain fused C++ loop for exprvm's ISA
inline constexpr const char* kHandSse2 = "hand_sse2";  // the same loop for the SSE2 baseline
inline constexpr const char* kXsimd = "xsimd";        // hand-written xsimd loop

struct Measurement {
  std::string workload;
  exprvm::DType dtype = exprvm::DType::Float32;
  int threads = 1;
  std::string contender;
  std::int64_t n = 0;
  double ns_min = 0;     // per call, fastest sample
  double ns_median = 0;  // per call, median sample
  long calls_per_sample = 0;
  int samples = 0;
  double bytes_per_element = 0;
  double cpu_ns_min = 0;  // per call, least process CPU time (all threads) of a sample
};

// A latency measured on its own (compile, cache hit).
struct Latency {
  std::string name;
  std::string what;
  double ns_min = 0;
  double ns_median = 0;
  long calls_per_sample = 0;
  int samples = 0;
};

// A contender that failed, or disagreed with the hand-written loop, on a workload.
struct Problem {
  std::string workload;
  exprvm::DType dtype = exprvm::DType::Float32;
  std::string contender;
  std::string message;
};

struct RunInfo {
  std::string cpu;           // model name from /proc/cpuinfo
  int cores = 1;             // exprvm::detect_number_of_cores()
  std::string isa;           // exprvm::active_isa()
  std::string xsimd_isa;     // instruction set of the xsimd reference loops
  std::string hand_isa;      // instruction set of the hand-written loops (`hand`)
  std::size_t chunk = 0;     // exprvm::chunk_size()
  std::vector<int> threads;  // thread counts measured
  std::vector<std::int64_t> sizes;
  bool quick = false;
  std::string started;       // local date and time
  std::string load_before;   // /proc/loadavg (1, 5, 15 min) when the run started
  std::string load_after;    // ... and when it ended: other processes skew timings
  double seconds = 0;        // wall time of the whole run
};

struct Results {
  RunInfo info;
  std::vector<Measurement> measurements;
  std::vector<Latency> latencies;
  std::vector<Problem> problems;
};

}  // namespace exprvm_bench
