#include "vm/threads_cost.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <string>

#include "jit/plan.hpp"

namespace exprvm::vm {
namespace {

// Measured by `exprvm bench --calibrate`: fork-join is the median after 20 ms idle (sleeping
// workers: 20-23 us on an AMD EPYC guest under load, 14-28 us on the Sapphire Rapids guest of
// threads_costs.def), deliberately the pessimistic figure, so that a run goes parallel from
// cold only when it pays even then; cross-core 0.058-0.059 ns per byte on the EPYC in 3 of 5
// runs (0 in 2), 0.01-0.14 on the Sapphire Rapids guest (noisy; the EPYC figure is kept).
constexpr double kForkJoinNs = 20000;
// With the workers awake, in a loop of parallel runs: what a run costs beyond its share of
// the serial work. `--calibrate` measures 1.8-4.0 us on a Sapphire Rapids guest (its "in a loop
// of runs" line), though an empty fork-join takes only 0.4-0.75 us there; the bench's programs
// agree (2-thread runs at 32768 elements lost to 1-thread ones at 1 us, won at 65536 at 2 us).
constexpr double kForkJoinAwakeNs = 2000;
constexpr double kCrossCoreNsPerByte = 0.06;
// The JIT constants (JitCosts): the medians of 6 runs of `--calibrate` on the machine of
// threads_costs.def, with its weights (fits 0.0034-0.0041 ns/byte, fused 0-0.083, divide
// 0.72-0.84: on AVX-512 the fused arithmetic hides behind the loads, so its fit is noisy).
constexpr double kJitNsPerByte = 0.0037;
constexpr double kJitFusedFactor = 0.031;
constexpr double kJitDivideFactor = 0.77;

// Per op: ns per element for (sse2, avx2, avx512) x (float32, float64); 0 = not measured.
struct OpCost {
  std::array<std::array<double, 2>, kIsaCount> ns{};
};

std::array<OpCost, kOpCount> make_table() {
  std::array<OpCost, kOpCount> table{};
#define COST(OP, sse2_f32, sse2_f64, avx2_f32, avx2_f64, avx512_f32, avx512_f64)          \
  table[static_cast<int>(Op::OP)].ns = {{{sse2_f32, sse2_f64}, {avx2_f32, avx2_f64},    \
                                         {avx512_f32, avx512_f64}}};
#include "vm/threads_costs.def"
#undef COST
  return table;
}

const std::array<OpCost, kOpCount>& table() {
  static const std::array<OpCost, kOpCount> t = make_table();
  return t;
}

// The column of dtype t: float32 for items of at most 4 bytes, else float64; complex counts
// as two float64 elements per 8 bytes (its arithmetic is several real operations). An ISA the
// calibrating machine lacked (0) takes the next smaller ISA's weight.
double measured(Op op, DType t, Isa isa) {
  const auto& rows = table()[static_cast<int>(op)].ns;
  const std::size_t size = itemsize(t);
  for (int i = static_cast<int>(isa); i >= 0; --i) {
    const auto& row = rows[i];
    const double ns = kind_of(t) == Kind::Complex ? row[1] * static_cast<double>(size / 8) * 2
                                                  : row[size <= 4 ? 0 : 1];
    if (ns > 0) return ns;
  }
  return 0;
}

// Bytes of the calling core's own cache (L2), from the C library; 512 KB when unknown.
double caller_cache_bytes() {
  const long bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return bytes > 0 ? static_cast<double>(bytes) : 512.0 * 1024;
}

}  // namespace

double last_level_cache_bytes() {
  static const double bytes = [] {
    double best = 0;
    int best_level = 0;
    for (int index = 0; index < 8; ++index) {
      const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
      std::ifstream level_file(dir + "level"), size_file(dir + "size");
      int level = 0;
      std::string size;
      if (!(level_file >> level) || !(size_file >> size) || size.empty() || level < best_level) continue;
      const char unit = size.back();
      double value = std::atof(size.c_str());
      if (unit == 'K') value *= 1024;
      else if (unit == 'M') value *= 1024 * 1024;
      if (value > 0) best = value, best_level = level;
    }
    return best;
  }();
  return bytes;
}

const ParallelCosts& parallel_costs() {
  // fork-join and cross-core: measured with `exprvm bench --calibrate` (see the README's
  // "Threads: the cost model"); the cache size: this machine's L2.
  static const ParallelCosts costs{kForkJoinNs, kForkJoinAwakeNs, kCrossCoreNsPerByte,
                                   caller_cache_bytes()};
  return costs;
}

const JitCosts& jit_costs() {
  static const JitCosts costs{kJitNsPerByte, kJitFusedFactor, kJitDivideFactor};
  return costs;
}

double kernel_ns_per_element(Op op, DType dtype, DType src, Isa isa) {
  if (op == Op::CAST) dtype = itemsize(src) > itemsize(dtype) ? src : dtype;
  const Op measured_op = op == Op::CAST ? Op::COPY : op;
  const double ns = measured(measured_op, dtype, isa);
  return ns > 0 ? ns : measured(Op::ADD, dtype, isa);  // unmeasured: as cheap as an add
}

double work_ns_per_element(const Bytecode& bc, Isa isa) {
  double ns = 0;
  for (const Instruction& ins : bc.code) ns += kernel_ns_per_element(ins.op, ins.dtype, ins.src, isa);
  if (bc.reduction) ns += kernel_ns_per_element(Op::ADD, bc.reduction->dtype, bc.reduction->dtype, isa);
  return ns;
}

WorkSplit jit_work_split(const Bytecode& bc, Isa isa) {
  WorkSplit split;
  for (const Instruction& ins : bc.code) {
    // the fused int32 and narrow // % fmod divide in float64 too (jit/emit_int.cpp)
    const bool divides = ins.op == Op::DIV || ins.op == Op::SQRT || ins.op == Op::FLOORDIV || ins.op == Op::MOD ||
                         ins.op == Op::FMOD;
    double& term = !jit::is_fusable(bc, ins) ? split.called_ns : divides ? split.divide_ns : split.fused_ns;
    term += kernel_ns_per_element(ins.op, ins.dtype, ins.src, isa);
  }
  if (bc.reduction)  // folded in the loop, or by the executor over a chunk: as cheap as an add
    split.fused_ns += kernel_ns_per_element(Op::ADD, bc.reduction->dtype, bc.reduction->dtype, isa);
  return split;
}

double jit_work_ns_per_element(const Bytecode& bc, Isa isa) {
  const WorkSplit split = jit_work_split(bc, isa);
  const JitCosts& c = jit_costs();
  const double compiled = array_bytes_per_element(bc) * c.ns_per_byte + c.fused_factor * split.fused_ns +
                          c.divide_factor * split.divide_ns + split.called_ns;
  // Not capped by the interpreted work: the kernel weights are L1 figures, while the byte term
  // prices the arrays' traffic (a one-instruction program such as `p - g` moves 24 bytes per
  // float64 element: 0.089 ns against SUB's 0.048 L1 weight, and it takes 0.098 at 65536).
  return compiled;
}

double array_bytes_per_element(const Bytecode& bc) {
  double bytes = 0;
  for (const RegInfo& info : bc.regs) {
    const bool read_input = info.kind == RegKind::Input && bc.last_input_read[info.index] >= 0;
    const bool per_element_result = info.kind == RegKind::Result && !bc.reduction;
    if (read_input || info.kind == RegKind::Output || per_element_result)
      bytes += static_cast<double>(itemsize(info.dtype));
  }
  return bytes;
}

bool parallel_pays(std::int64_t n, double work_ns_per_element, double bytes_per_element,
                   int threads, double fork_join_ns, double cross_core_ns_per_byte) {
  if (threads < 2) return false;
  const ParallelCosts& c = parallel_costs();
  const double elements = static_cast<double>(n);
  const double serial = elements * work_ns_per_element;
  const double share = static_cast<double>(threads - 1) / threads;
  double parallel = serial / threads + fork_join_ns;
  if (elements * bytes_per_element <= c.caller_cache_bytes)
    parallel += elements * bytes_per_element * cross_core_ns_per_byte * share;
  return parallel < serial;
}

ParallelVerdict parallel_verdict(std::int64_t n, double work_ns_per_element,
                                 double bytes_per_element, int threads) {
  const ParallelCosts& c = parallel_costs();
  if (parallel_pays(n, work_ns_per_element, bytes_per_element, threads, c.fork_join_ns,
                    c.cross_core_ns_per_byte))
    return ParallelVerdict::Parallel;
  return parallel_pays(n, work_ns_per_element, bytes_per_element, threads, c.fork_join_awake_ns, 0)
             ? ParallelVerdict::WhileAwake
             : ParallelVerdict::Serial;
}

}  // namespace exprvm::vm
