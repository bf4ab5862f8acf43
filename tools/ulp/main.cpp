// exprvm_ulp: the max and mean ULP error of every float function of the engine, per dtype and
// per instruction set, against MPFR; prints markdown tables (the README's) and exits 1 when a
// function exceeds its bound (tools/ulp/functions.cpp).
//
//   exprvm_ulp [--quick] [--count N] [--seed S] [--functions f,g,...] [--dtypes float32,...]
//              [--isas sse2,...] [--speed] [--details]
//
// --quick: 3,000 inputs per function and dtype (the ctest `ulp_quick`); default 200,000.
// float16 unary functions take every float16 (every 16th in --quick). --speed adds a table of
// nanoseconds per element (one thread, best of 5 over 2**16 elements, the sample's typical inputs:
// |a|, |b| <= 1e4 with a normal result). --details prints the
// worst input of every cell.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tools/ulp/measure.hpp"

namespace exprvm::ulp {
namespace {

struct Options {
  bool quick = false, speed = false, details = false;
  std::size_t count = 200000;
  std::uint64_t seed = 13;
  std::set<std::string> functions;  // empty: all
  std::vector<DType> dtypes = {DType::Float32, DType::Float64, DType::Float16};
  std::vector<std::string> isas = available_isas();
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "exprvm_ulp: %s\nusage: exprvm_ulp [--quick] [--count N] [--seed S] [--functions f,g] "
               "[--dtypes float32,float64,float16] [--isas sse2,avx2,avx512] [--speed] [--details]\n",
               problem.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool count_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") o.quick = true;
    else if (arg == "--speed") o.speed = true;
    else if (arg == "--details") o.details = true;
    else if (arg == "--count") o.count = std::strtoull(value().c_str(), nullptr, 10), count_given = true;
    else if (arg == "--seed") o.seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (arg == "--functions") { for (const auto& f : split(value())) o.functions.insert(f); }
    else if (arg == "--isas") {
      o.isas = split(value());
      for (const auto& isa : o.isas) {
        bool known = false;
        for (const auto& a : available_isas()) known = known || a == isa;
        if (!known) usage("this CPU cannot run instruction set '" + isa + "'");
      }
    } else if (arg == "--dtypes") {
      o.dtypes.clear();
      for (const auto& d : split(value())) {
        if (d == "float16") o.dtypes.push_back(DType::Float16);
        else if (d == "float32") o.dtypes.push_back(DType::Float32);
        else if (d == "float64") o.dtypes.push_back(DType::Float64);
        else usage("unknown dtype '" + d + "' (float16, float32, float64)");
      }
    } else usage("unknown option '" + arg + "'");
  }
  if (o.quick && !count_given) o.count = 3000;
  for (const auto& name : o.functions) {
    bool known = false;
    for (const auto& f : functions()) known = known || f.name == name;
    if (!known) usage("unknown function '" + name + "'");
  }
  return o;
}

std::string format_ulps(double u) {
  char buf[32];
  if (std::isinf(u)) return "inf";
  if (u >= 1000) std::snprintf(buf, sizeof buf, "%.2g", u);
  else std::snprintf(buf, sizeof buf, "%.2f", u);
  return buf;
}

std::string header(const Options& o, const std::string& first) {
  std::string h = "| " + first + " |", rule = "| --- |";
  if (first == "function") h += " bound |", rule += " ---: |";
  for (DType t : o.dtypes)
    for (const auto& isa : o.isas) h += " " + std::string(dtype_name(t)) + " " + isa + " |", rule += " ---: |";
  if (first == "function") h += " same bits on every ISA |", rule += " --- |";
  return h + "\n" + rule + "\n";
}

// The first index where x and y hold different bits (any NaN equals any NaN), or x.size().
std::size_t first_difference(const std::vector<double>& x, const std::vector<double>& y) {
  std::size_t i = 0;
  while (i < x.size() && (std::memcmp(&x[i], &y[i], sizeof(double)) == 0 || (std::isnan(x[i]) && std::isnan(y[i])))) ++i;
  return i;
}

int run(const Options& o) {
  std::printf("ULP error against MPFR, max / mean over %zu inputs per function and dtype (float16 unary: %s), seed %llu\n\n",
              o.count, o.quick ? "every 16th float16" : "every float16", static_cast<unsigned long long>(o.seed));
  std::string table = header(o, "function"), speed = header(o, "ns/element"), details;
  std::vector<std::string> violations;
  for (const Function& f : functions()) {
    if (!o.functions.empty() && !o.functions.count(f.name)) continue;
    std::string row = "| `" + f.name + "` | " + bound_name(f.bound) + " |", speed_row = "| `" + f.name + "` |";
    std::string differing;
    for (DType t : o.dtypes) {
      const std::size_t count = t == DType::Float16 && f.arity == 1 ? (o.quick ? 4096 : 65536) : o.count;
      const Sample s = make_sample(f, t, count, o.seed);
      const Reference ref = reference(f, t, s);
      std::vector<double> first_out;
      for (const auto& isa : o.isas) {
        set_isa(isa);
        const std::vector<double> out = run_engine(f, t, s);
        const Stats st = compare(f, t, s, ref, out);
        row += " " + format_ulps(st.max_ulps) + " / " + format_ulps(st.mean()) + " |";
        const std::string cell = f.name + " " + std::string(dtype_name(t)) + " " + isa;
        char worst[256];
        std::snprintf(worst, sizeof worst, "%s: %s ULP at a=%.17g b=%.17g: got %.17g, exact %.17g", cell.c_str(),
                      format_ulps(st.max_ulps).c_str(), st.worst_a, st.worst_b, st.worst_result, st.worst_exact);
        details += std::string(worst) + "\n";
        if (!(st.max_ulps <= bound_ulps(f.bound))) violations.push_back(worst);
        if (st.zero_sign_misses)
          violations.push_back(cell + ": " + std::to_string(st.zero_sign_misses) + " zeros of the wrong sign");
        if (st.saturation_misses)
          violations.push_back(cell + ": " + std::to_string(st.saturation_misses) + " results past saturation are not exactly +-1");
        if (first_out.empty()) first_out = out;
        else if (const std::size_t i = first_difference(first_out, out);
                 i < out.size() && differing.find(dtype_name(t)) == std::string::npos) {
          differing += (differing.empty() ? "" : ", ") + std::string(dtype_name(t));
          char where[200];
          std::snprintf(where, sizeof where, "%s: %s gives %.17g and %s %.17g at a=%.17g\n", cell.c_str(),
                        o.isas.front().c_str(), first_out[i], isa.c_str(), out[i], s.a[i]);
          details += where;
        }
        if (o.speed) {
          char ns[32];
          std::snprintf(ns, sizeof ns, "%.2f", time_engine(f, t, typical_inputs(t, s, ref), 1 << 16, 5));
          speed_row += " " + std::string(ns) + " |";
        }
      }
    }
    table += row + " " + (o.isas.size() < 2 ? "-" : differing.empty() ? "yes" : "no: " + differing) + " |\n";
    speed += speed_row + "\n";
    std::fflush(stdout);
  }
  std::printf("%s\n", table.c_str());
  if (o.speed) std::printf("Speed (one thread, best of 5 over 65,536 typical inputs)\n\n%s\n", speed.c_str());
  if (o.details) std::printf("Worst inputs\n\n%s\n", details.c_str());
  if (violations.empty()) {
    std::printf("every function within its bound\n");
    return 0;
  }
  std::printf("%zu bound violations:\n", violations.size());
  for (const auto& v : violations) std::printf("  %s\n", v.c_str());
  return 1;
}

}  // namespace
}  // namespace exprvm::ulp

int main(int argc, char** argv) {
  try {
    return exprvm::ulp::run(exprvm::ulp::parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "exprvm_ulp: %s\n", e.what());
    return 2;
  }
}
