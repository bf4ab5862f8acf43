// `exprvm bench [options]`: options, the run, the report and the plot.
#include "bench/bench_main.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_runner.hpp"
#include "bench/calibrate.hpp"
#include "bench/report.hpp"
#include "bench/workloads.hpp"
#include <exprvm/exprvm.hpp>

#ifndef EXPRVM_BENCH_SOURCE_DIR
#error "bench/CMakeLists.txt defines EXPRVM_BENCH_SOURCE_DIR (where plot.py and results/ live)"
#endif

namespace exprvm_bench {
namespace {

constexpr const char* kUsage =
    "usage: exprvm bench [--quick] [--out DIR] [--filter W1,W2,...] [--dtype float32|float64]\n"
    "                    [--threads 1,2] [--sizes 1,1728,...] [--no-plot]\n"
    "  --quick    fewer sizes and shorter samples (under a minute)\n"
    "  --out      report folder (default bench/results, or bench/results/quick)\n"
    "  --filter   workloads to run, by name: sgd adam3 adam_fused relu tanh_relu elu mul_add\n"
    "             lincomb sincos compare dot\n"
    "  --threads  thread counts (default: 1 and all cores)\n"
    "  --sizes    array sizes (default: powers of 4 up to 2^24, and 1728)\n"
    "  --no-plot  skip the SVG plots (they need /usr/bin/python3 with matplotlib)\n"
    "       exprvm bench --calibrate\n"
    "  measures the parallel cost model's weights (vm/threads_costs.def) and constants\n"
    "  (fork-join, cross-core, the JIT terms: vm/threads_cost.cpp) and prints them\n";

class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  BenchConfig config;
  bool quick = false;
  bool plot = true;
  std::string out_dir;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::vector<std::int64_t> positive_numbers(const std::string& option, const std::string& text) {
  std::vector<std::int64_t> numbers;
  for (const std::string& part : split(text)) {
    char* end = nullptr;
    const long long value = std::strtoll(part.c_str(), &end, 10);
    if (*end != '\0' || value < 1)
      throw UsageError(option + ": '" + part + "' is not a positive integer");
    numbers.push_back(value);
  }
  if (numbers.empty()) throw UsageError(option + " needs a comma-separated list");
  return numbers;
}

std::vector<std::int64_t> default_sizes(bool quick) {
  if (quick) return {1, 1728, 4096, 65536, 1 << 20};
  std::vector<std::int64_t> sizes;
  for (std::int64_t n = 1; n <= (std::int64_t(1) << 24); n *= 4) {
    if (n / 4 < 1728 && 1728 < n) sizes.push_back(1728);  // the seed's 3x3x3x64 filter
    sizes.push_back(n);
  }
  return sizes;
}

Options parse_options(int argc, char** argv) {
  Options options;
  std::string sizes, threads;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") options.quick = true;
    else if (arg == "--no-plot") options.plot = false;
    else if (arg == "--out") options.out_dir = value();
    else if (arg == "--sizes") sizes = value();
    else if (arg == "--threads") threads = value();
    else if (arg == "--filter") {
      for (const std::string& name : split(value())) {
        bool known = false;
        for (const Workload& w : all_workloads()) known = known || w.name == name;
        if (!known) throw UsageError("--filter: no workload named '" + name + "'");
        options.config.workloads.push_back(name);
      }
    } else if (arg == "--dtype") {
      const std::string name = value();
      const auto dtype = exprvm::dtype_from_name(name);
      if (dtype != exprvm::DType::Float32 && dtype != exprvm::DType::Float64)
        throw UsageError("--dtype: '" + name + "' is not float32 or float64");
      options.config.dtypes = {*dtype};
    } else if (arg == "--help" || arg == "-h") {
      throw UsageError("");
    } else {
      throw UsageError("unknown option '" + arg + "'");
    }
  }
  BenchConfig& config = options.config;
  config.sizes = sizes.empty() ? default_sizes(options.quick) : positive_numbers("--sizes", sizes);
  if (threads.empty()) {
    config.threads = {1};
    if (exprvm::detect_number_of_cores() > 1)
      config.threads.push_back(exprvm::detect_number_of_cores());
  } else {
    for (std::int64_t t : positive_numbers("--threads", threads)) config.threads.push_back(int(t));
    std::sort(config.threads.begin(), config.threads.end());
    config.threads.erase(std::unique(config.threads.begin(), config.threads.end()),
                         config.threads.end());
  }
  if (options.quick) config.policy = {1e6, 5, 0.2e9};
  if (options.out_dir.empty())
    options.out_dir = std::string(EXPRVM_BENCH_SOURCE_DIR) + (options.quick ? "/results/quick"
                                                                              : "/results");
  return options;
}

std::string cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown CPU";
}

// The 1, 5 and 15 minute load averages, e.g. "1.02 0.87 0.55".
std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(file >> one >> five >> fifteen)) return "unknown";
  return one + " " + five + " " + fifteen;
}

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", std::localtime(&now));
  return text;
}

// Runs plot.py on the report folder; returns false (after saying why) when it fails.
bool plot(const std::string& dir) {
  const std::string command = "/usr/bin/python3 '" EXPRVM_BENCH_SOURCE_DIR "/plot.py' --out '" +
                              dir + "' '" + dir + "/bench.csv'";
  if (std::system(command.c_str()) == 0) return true;
  std::fprintf(stderr, "bench: plotting failed (%s); the CSV and Markdown report are written\n",
               command.c_str());
  return false;
}

}  // namespace
}  // namespace exprvm_bench

int exprvm_bench_main(int argc, char** argv) {
  using namespace exprvm_bench;
  if (argc == 2 && std::string(argv[1]) == "--calibrate") return calibrate_parallel_costs();
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const UsageError& e) {
    if (*e.what()) std::fprintf(stderr, "exprvm bench: %s\n", e.what());
    std::fputs(kUsage, stderr);
    return *e.what() ? 2 : 0;
  }
  try {
    Results results;
    RunInfo& info = results.info;
    info.cpu = cpu_name();
    info.cores = exprvm::detect_number_of_cores();
    info.isa = exprvm::active_isa();
    info.chunk = exprvm::chunk_size();
    info.threads = options.config.threads;
    info.sizes = options.config.sizes;
    info.quick = options.quick;
    info.started = now_text();
    info.load_before = load_average();
    std::fprintf(stderr, "bench: %s, %d cores, ISA %s, chunk %zu; report in %s\n",
                 info.cpu.c_str(), info.cores, info.isa.c_str(), info.chunk,
                 options.out_dir.c_str());
    run_benchmark(options.config, results);
    info.load_after = load_average();
    write_report(results, options.out_dir);
    const bool plotted = !options.plot || plot(options.out_dir);
    std::fprintf(stderr, "bench: wrote %s/report.md, bench.csv, fits.csv, latency.csv%s\n",
                 options.out_dir.c_str(), options.plot && plotted ? ", plot_*.svg" : "");
    return plotted ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "exprvm bench: %s\n", e.what());
    return 1;
  }
}
