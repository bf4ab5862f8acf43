#include "bench/report.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "bench/analysis.hpp"
#include "bench/workloads.hpp"

namespace exprvm_bench {
namespace {

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// Six significant digits, for the CSV.
std::string significant(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// Three significant digits, without exponent for the ranges a report shows.
std::string short_number(double value) {
  char text[64];
  if (value >= 100) std::snprintf(text, sizeof text, "%.0f", value);
  else if (value >= 10) std::snprintf(text, sizeof text, "%.1f", value);
  else if (value >= 0.1) std::snprintf(text, sizeof text, "%.2f", value);
  else std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string dtype_text(exprvm::DType dtype) { return std::string(exprvm::dtype_name(dtype)); }

std::optional<double> reference_ns(const Results& results, const Measurement& m,
                                   const std::string& reference) {
  for (const Measurement& r : results.measurements)
    if (r.n == m.n && r.threads == m.threads && r.dtype == m.dtype && r.workload == m.workload &&
        r.contender == reference)
      return r.ns_min;
  return std::nullopt;
}

std::ofstream open_file(const std::string& path) {
  std::ofstream file(path);
  if (!file) throw std::runtime_error("cannot write " + path);
  return file;
}

void write_measurements_csv(const Results& results, const std::string& path) {
  std::ofstream csv = open_file(path);
  csv << "workload,dtype,threads,contender,n,ns_per_call_min,ns_per_call_median,"
         "ns_per_element,gb_per_s,ratio_to_hand,ratio_to_xsimd,calls_per_sample,samples,"
         "cpu_ns_per_call_min\n";
  for (const Measurement& m : results.measurements) {
    const auto hand = reference_ns(results, m, kHand);
    const auto xsimd = reference_ns(results, m, kXsimd);
    csv << m.workload << ',' << dtype_text(m.dtype) << ',' << m.threads << ',' << m.contender
        << ',' << m.n << ',' << fixed(m.ns_min, 2) << ',' << fixed(m.ns_median, 2) << ','
        << significant(m.ns_min / double(m.n)) << ','
        << significant(m.bytes_per_element * double(m.n) / m.ns_min) << ','
        << (hand ? significant(m.ns_min / *hand) : "") << ','
        << (xsimd ? significant(m.ns_min / *xsimd) : "") << ',' << m.calls_per_sample << ','
        << m.samples << ',' << fixed(m.cpu_ns_min, 2) << '\n';
  }
}

void write_latency_csv(const Results& results, const std::string& path) {
  std::ofstream csv = open_file(path);
  csv << "name,ns_min,ns_median,calls_per_sample,samples,what\n";
  for (const Latency& l : results.latencies)
    csv << l.name << ',' << fixed(l.ns_min, 2) << ',' << fixed(l.ns_median, 2) << ','
        << l.calls_per_sample << ',' << l.samples << ",\"" << l.what << "\"\n";
}

// The (workload, dtype) pairs measured, in report order.
std::vector<std::pair<const Workload*, exprvm::DType>> measured_pairs(const Results& results) {
  std::vector<std::pair<const Workload*, exprvm::DType>> pairs;
  for (const Workload& w : all_workloads())
    for (exprvm::DType dtype : {exprvm::DType::Float32, exprvm::DType::Float64})
      for (const Measurement& m : results.measurements)
        if (m.workload == w.name && m.dtype == dtype) {
          pairs.push_back({&w, dtype});
          break;
        }
  return pairs;
}

std::vector<std::string> contenders_of(const Results& results, const Workload& w,
                                       exprvm::DType dtype) {
  std::vector<std::string> names;
  for (const char* name : {kBound, kBoundNojit, kRun, kEvaluate, kHand, kHandSse2, kXsimd})
    for (const Measurement& m : results.measurements)
      if (m.workload == w.name && m.dtype == dtype && m.contender == name) {
        names.push_back(name);
        break;
      }
  return names;
}

void write_fits_csv(const Results& results, const std::string& path) {
  std::ofstream csv = open_file(path);
  csv << "workload,dtype,threads,contender,overhead_ns,ns_per_element\n";
  for (const auto& [w, dtype] : measured_pairs(results))
    for (const std::string& contender : contenders_of(results, *w, dtype))
      for (int threads : results.info.threads)
        if (auto fit = fit_overhead(series(results, w->name, dtype, threads, contender)))
          csv << w->name << ',' << dtype_text(dtype) << ',' << threads << ',' << contender << ','
              << fixed(fit->overhead_ns, 2) << ',' << fixed(fit->ns_per_element, 5) << '\n';
}

void write_header(const Results& results, std::ostream& md) {
  const RunInfo& info = results.info;
  std::string threads, sizes;
  for (int t : info.threads) threads += (threads.empty() ? "" : ", ") + std::to_string(t);
  for (std::int64_t n : info.sizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(n);
  md << "# exprvm benchmark: overhead versus array size\n\n"
     << "- CPU: " << info.cpu << ", " << info.cores << " cores\n"
     << "- exprvm kernels: " << info.isa << "; hand-written loops: " << info.hand_isa
     << " (and sse2); xsimd reference loops: " << info.xsimd_isa
     << "; chunk: " << info.chunk << " elements\n"
     << "- threads: " << threads << "; sizes: " << sizes << "\n"
     << "- mode: " << (info.quick ? "quick" : "full") << "; started " << info.started
     << ", took " << fixed(info.seconds, 0) << " s; load average (1/5/15 min) "
     << info.load_before << " before, " << info.load_after << " after\n"
     << "- times: wall time of the fastest of " << (info.quick ? "5" : "15")
     << " samples, each a batch of calls lasting >= " << (info.quick ? "1" : "5")
     << " ms (medians and process CPU times in bench.csv); contenders alternate sample by "
     << "sample. On a loaded machine the CPU time of 1-thread runs is the steadier figure: "
     << "the targets show it as `cpu`\n"
     << "- contenders: **bound** = `compile` and `Program::bind(args, out)` once, "
     << "`BoundProgram::run()` per call; **bound_nojit** = the same, bound separately, run "
     << "with the JIT off (`exprvm::set_jit(JitMode::Off)` around its calls, outside the timed "
     << "loop): the interpreter; **run** = `compile` once, `Program::run(args, out)` "
     << "per call (validates and binds every time); "
     << "**evaluate** = `exprvm::evaluate(source, arrays, out)` per call (cached); **hand** = "
     << "plain fused C++ loop compiled with the library's flags for the ISA above "
     << "(-fno-math-errno): the limit every ratio to hand uses; **hand_sse2** = the same loop "
     << "for the SSE2 baseline; **xsimd** = "
     << "hand-written xsimd loop for the ISA above. hand/xsimd: one plain call on 1 thread, "
     << "tbb::parallel_for over exprvm's chunks in a task_arena otherwise\n"
     << "- JIT: every contender but bound_nojit runs in the default mode, tiered (set for the "
     << "run whatever EXPRVM_JIT says): a program is compiled to native code on its first run "
     << "of >= 4096 elements or on its 16th run\n\n";
}

void write_targets(const Results& results, std::ostream& md) {
  md << "## Targets of issues 3 and 15\n\n"
     << "P1 and P2 are judged on **bound** (JIT tiered) at every n >= 4096 of the run, for "
     << "each dtype and thread count: the worst ratio, where it is (with the process-CPU-time "
     << "ratio when on 1 thread) and how many points exceed the limit. **bound_nojit** (JIT "
     << "off) is shown beside it, not judged. \"met where measured\": no point failed, but the "
     << "run lacks n = 2^24 or ran on 1 thread only.\n\n"
     << "| | target | measured | verdict |\n|---|---|---|---|\n";
  for (const TargetCheck& c : check_targets(results))
    md << "| " << c.id << " | " << c.target << " | " << c.measured << " | " << c.verdict
       << " |\n";
  md << "\n";
}

void write_latency(const Results& results, std::ostream& md) {
  if (results.latencies.empty()) return;
  md << "## Compile and cache latency\n\n| measurement | fastest | median | what |\n"
     << "|---|---:|---:|---|\n";
  for (const Latency& l : results.latencies)
    md << "| " << l.name << " | " << short_number(l.ns_min) << " ns | "
       << short_number(l.ns_median) << " ns | " << l.what << " |\n";
  md << "\n";
}

void write_problems(const Results& results, std::ostream& md) {
  if (results.problems.empty()) return;
  md << "## Problems\n\nContenders that failed (left out) or disagreed with the hand-written "
        "loop (still timed):\n\n";
  for (const Problem& p : results.problems)
    md << "- " << p.workload << " " << dtype_text(p.dtype) << ", " << p.contender << ": "
       << p.message << "\n";
  md << "\n";
}

void write_workload(const Results& results, const Workload& w, exprvm::DType dtype,
                    std::ostream& md) {
  const std::vector<std::string> contenders = contenders_of(results, w, dtype);
  const bool has_xsimd = std::count(contenders.begin(), contenders.end(), kXsimd) > 0;
  const char* reference = has_xsimd ? kXsimd : kHand;
  md << "### " << w.name << " " << dtype_text(dtype) << ": `" << w.description() << "`\n\n"
     << fixed(bytes_per_element(w, dtype), 0) << " bytes moved per element. ns/call; the "
     << "bound program also in ns/element and GB/s; ratios are to **" << reference << "**.\n\n"
     << "| n | threads |";
  for (const std::string& c : contenders) {
    md << " " << c << " ns |";
    if (c == kBound) md << " bound ns/elem | bound GB/s |";
    if (c != reference) md << " " << c << " / " << reference << " |";
  }
  md << "\n|---:|---:|";
  for (const std::string& c : contenders)
    md << (c == kBound ? "---:|---:|---:|" : "---:|") << (c != reference ? "---:|" : "");
  md << "\n";
  for (std::int64_t n : results.info.sizes)
    for (int threads : results.info.threads) {
      const Series ref = series(results, w.name, dtype, threads, reference);
      std::ostringstream row;
      row << "| " << n << " | " << threads << " |";
      bool any = false;
      for (const std::string& c : contenders) {
        const Series s = series(results, w.name, dtype, threads, c);
        const auto at = s.find(n);
        if (at == s.end()) {
          row << " - |" << (c == kBound ? " - | - |" : "") << (c != reference ? " - |" : "");
          continue;
        }
        any = true;
        row << " " << short_number(at->second) << " |";
        if (c == kBound)
          row << " " << short_number(at->second / double(n)) << " | "
              << short_number(bytes_per_element(w, dtype) * double(n) / at->second) << " |";
        if (c != reference)
          row << " " << (ref.count(n) ? fixed(at->second / ref.at(n), 2) : "-") << " |";
      }
      if (any) md << row.str() << "\n";
    }
  md << "\nFit `time = overhead + n * per-element` and crossovers (bound against each "
        "contender; \"<= 1.1x\": from where bound is within 10%):\n\n"
     << "| contender | threads | overhead ns | ns/element | bound faster | bound <= 1.1x |\n"
     << "|---|---:|---:|---:|---|---|\n";
  for (const std::string& c : contenders)
    for (int threads : results.info.threads) {
      const Series s = series(results, w.name, dtype, threads, c);
      const auto fit = fit_overhead(s);
      const Series bound = series(results, w.name, dtype, threads, kBound);
      const bool versus = c != kBound && !bound.empty();
      md << "| " << c << " | " << threads << " | "
         << (fit ? short_number(fit->overhead_ns) : "-") << " | "
         << (fit ? short_number(fit->ns_per_element) : "-") << " | "
         << (versus ? crossover_text(bound, s, 1.0) : "") << " | "
         << (versus ? crossover_text(bound, s, 1.1) : "") << " |\n";
    }
  if (results.info.threads.size() > 1 && results.info.threads.front() == 1) {
    const int most = results.info.threads.back();
    const Series one = series(results, w.name, dtype, 1, kBound);
    const Series many = series(results, w.name, dtype, most, kBound);
    if (!one.empty() && !many.empty())
      md << "\nbound on " << most << " threads faster than on 1: "
         << crossover_text(many, one, 1.0) << "; never slower than 1.05x: "
         << crossover_text(many, one, 1.05) << "\n";
  }
  md << "\n";
}

}  // namespace

void write_report(const Results& results, const std::string& dir) {
  std::filesystem::create_directories(dir);
  write_measurements_csv(results, dir + "/bench.csv");
  write_fits_csv(results, dir + "/fits.csv");
  write_latency_csv(results, dir + "/latency.csv");
  std::ofstream md = open_file(dir + "/report.md");
  write_header(results, md);
  write_targets(results, md);
  write_latency(results, md);
  write_problems(results, md);
  md << "Plots: ![float32](plot_float32.svg) ![float64](plot_float64.svg)\n\n"
     << "## Per workload\n\n";
  for (const auto& [w, dtype] : measured_pairs(results)) write_workload(results, *w, dtype, md);
}

}  // namespace exprvm_bench
