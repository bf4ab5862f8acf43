#include "bench/calibrate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <exprvm/exprvm.hpp>

#include "compiler/opcodes.hpp"
#include "compiler/pipeline.hpp"
#include "jit/jit.hpp"
#include "jit/vector_calls.hpp"
#include "vm/kernel.hpp"
#include "vm/threads.hpp"
#include "vm/threads_cost.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kElements = 1024;  // one chunk: the kernels run on L1-resident data

// Nanoseconds per call of f: the fastest (or, with `median`, the median) of `rounds` samples
// of `calls` calls each.
template <class F>
double ns_per_call(F&& f, int calls, int rounds, bool median = false) {
  std::vector<double> samples;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    for (int k = 0; k < calls; ++k) f();
    samples.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / calls);
  }
  std::sort(samples.begin(), samples.end());
  return median ? samples[samples.size() / 2] : samples.front();
}

// Operand buffers of one chunk, of the widest element (complex128), filled with values in
// (0.5, 1.5) of the kernel's dtype (a where's condition reads them as nonzero bytes).
struct Operands {
  alignas(64) unsigned char a[kElements * 16], b[kElements * 16], c[kElements * 16],
      d[kElements * 16];
  explicit Operands(exprvm::DType dtype) {
    for (unsigned char* buffer : {a, b, c, d})
      for (std::size_t i = 0; i < kElements; ++i) {
        const double value = 0.5 + double((i * 37) % 101) / 101.0;
        if (dtype == exprvm::DType::Float32) reinterpret_cast<float*>(buffer)[i] = float(value);
        else reinterpret_cast<double*>(buffer)[i] = value;
      }
  }
};

// ns per element of a kernel over one chunk.
double kernel_ns(exprvm::vm::Kernel kernel, Operands& x) {
  return ns_per_call([&] { kernel(kElements, x.d, x.a, x.b, x.c); }, 64, 25) / kElements;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = char(std::toupper((unsigned char)ch));
  return out;
}

void print_kernel_table() {
  using namespace exprvm;
  const auto& isas = vm::available_isas();
  std::printf("// COST(OP, sse2_f32, sse2_f64, avx2_f32, avx2_f64, avx512_f32, avx512_f64): ns per\n"
              "// element of the op's kernel over one L1-resident chunk of %zu elements, 1 thread\n"
              "// (fastest of 25 samples of 64 calls); 0: not measured (no kernel, or the CPU lacks\n"
              "// the ISA: the model then uses the next smaller ISA's weight).\n", kElements);
  Operands f32(DType::Float32), f64(DType::Float64);
  for (int o = 0; o < kOpCount; ++o) {
    const Op op = static_cast<Op>(o);
    if (op_info(op).form != OpForm::Elementwise) continue;
    double ns[vm::kIsaCount][2] = {};
    bool any = false;
    for (vm::Isa isa : isas)
      for (int slot = 0; slot < 2; ++slot) {
        const DType dtype = slot ? DType::Float64 : DType::Float32;
        const vm::Kernel kernel = vm::kernel_table(isa).op[o][index_of(dtype)];
        if (!kernel) continue;
        ns[int(isa)][slot] = kernel_ns(kernel, slot ? f64 : f32);
        any = true;
      }
    if (!any) continue;
    std::printf("COST(%s", upper(op_info(op).spelling).c_str());
    for (const auto& row : ns) std::printf(", %.3f, %.3f", row[0], row[1]);
    std::printf(")\n");
  }
}

// The machine constants, each the fastest of its samples (what an unloaded machine gives):
// the fork-join cost of a parallel run on all cores, and the extra cost per byte of reading
// the caller's freshly written data from another core (a 256 KB buffer: both halves read in
// parallel, against the caller reading one half from its own cache; both after the caller
// rewrote the buffer).
void print_machine_constants() {
  using namespace exprvm::vm;
  const int saved = set_threads(hardware_threads());
  const auto team = current_team();
  auto fork = [&] { parallel_ranges(*team, std::size_t(threads()), false, [](std::size_t, std::size_t, int) {}); };
  const double fork_join = ns_per_call(fork, 200, 25);
  // The same after 20 ms idle, when the workers sleep (median of 25): what a run pays after
  // other work, as between a benchmark's samples or a script's statements.
  std::vector<double> cold;
  for (int k = 0; k < 25; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cold.push_back(ns_per_call(fork, 1, 1));
  }
  std::sort(cold.begin(), cold.end());
  // After shorter idle gaps (median of 25 each): how long the workers stay awake.
  std::printf("\n// fork-join after an idle gap (median of 25):");
  for (const int gap_us : {0, 20, 100, 500, 1000, 2000, 3000, 5000}) {
    std::vector<double> after;
    for (int k = 0; k < 25; ++k) {
      fork();
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(gap_us);
      while (std::chrono::steady_clock::now() < until) {}  // a busy caller, as in a script
      after.push_back(ns_per_call(fork, 1, 1));
    }
    std::sort(after.begin(), after.end());
    std::printf(" %d us: %.0f ns;", gap_us, after[after.size() / 2]);
  }
  std::printf("\n");
  constexpr std::size_t kWords = 64 * 1024;
  std::vector<std::uint32_t> data(kWords, 1);
  volatile std::uint32_t sink = 0;
  auto sum = [&](std::size_t begin, std::size_t end) {  // vectorizes: a read at memory speed
    std::uint32_t total = 0;
    for (std::size_t i = begin; i < end; ++i) total += data[i];
    sink = sink + total;
  };
  const std::size_t parts = std::size_t(threads());
  const double local = ns_per_call([&] {
    std::fill(data.begin(), data.end(), 1u);
    sum(0, kWords / parts);
  }, 20, 50);
  auto parallel_sum = [&] {
    parallel_ranges(*team, parts, false, [&](std::size_t b, std::size_t e, int) {
      sum(b * kWords / parts, e * kWords / parts);
    });
  };
  const double spread = ns_per_call([&] {
    std::fill(data.begin(), data.end(), 1u);
    parallel_sum();
  }, 20, 50);
  // In a loop of parallel runs over the same data (no rewrite: each core keeps its part), what
  // a run costs beyond its share of the serial work: the awake fork-join a real run pays.
  const double local_kept = ns_per_call([&] { sum(0, kWords / parts); }, 20, 50);
  const double spread_kept = ns_per_call(parallel_sum, 20, 50);
  std::printf("// in a loop of runs over the same %zu KB: parallel %.0f ns, one part alone %.0f ns, "
              "fork_join_awake_ns %.0f\n",
              kWords * sizeof(std::uint32_t) / 1024, spread_kept, local_kept, spread_kept - local_kept);
  const double remote_bytes = double(kWords * sizeof(std::uint32_t)) / double(parts);
  const double cross = std::max(0.0, (spread - fork_join - local) / remote_bytes);
  std::printf("\n// %d threads: fork_join_ns %.0f (workers awake), %.0f (after 20 ms idle, "
              "median); cross_core_ns_per_byte %.4f (parallel read %.0f ns, local part %.0f ns, "
              "%.0f bytes per remote part)\n",
              threads(), fork_join, cold[cold.size() / 2], cross, spread, local, remote_bytes);
  set_threads(saved);
}

// One program's JIT-compiled cost per element in the kernel weights' units, and the model's
// terms.
struct JitSample {
  const char* source;
  exprvm::DType dtype;
  double bytes = 0, fused = 0, divide = 0, called = 0;  // the model's terms (vm::jit_work_split)
  double ratio = 0;     // JIT-compiled time / interpreted time, measured
  double measured = 0;  // ratio * the interpreter's modelled work (vm::work_ns_per_element)
};

constexpr std::int64_t kJitElements = 8 * kElements;  // 8 chunks: cache-resident, fixed cost small

// Times `source` (inputs a, b, c of `dtype`, values in (0.5, 1.5), bound, one thread) JIT
// compiled against interpreted, sample by sample (the JIT mode switched between samples of the
// same bound program), so a loaded machine slows both alike; fills the model's terms too.
void measure_jit(JitSample& s) {
  using namespace exprvm;
  const Signature sig = {{"a", s.dtype}, {"b", s.dtype}, {"c", s.dtype}};
  const Bytecode bc = compile_to_bytecode(s.source, sig);
  const vm::WorkSplit split = vm::jit_work_split(bc, vm::active_isa());
  s.bytes = vm::array_bytes_per_element(bc);
  s.fused = split.fused_ns;
  s.divide = split.divide_ns;
  s.called = split.called_ns;
  std::vector<double> values(std::size_t(kJitElements) * 3);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.5 + double((i * 37) % 101) / 101.0;
  std::vector<float> narrow(values.begin(), values.end());
  void* base = s.dtype == DType::Float32 ? static_cast<void*>(narrow.data()) : values.data();
  const std::size_t item = s.dtype == DType::Float32 ? 4 : 8;
  std::vector<Array> args;
  for (int k = 0; k < 3; ++k)
    args.push_back(Array::from_raw(static_cast<char*>(base) + k * kJitElements * item, s.dtype, {kJitElements}));
  BoundProgram bound = compile(s.source, sig).bind(args);
  jit::set_mode(jit::Mode::Always);
  bound.run();  // compiles
  double interpreted = 1e300, compiled = 1e300;
  for (int round = 0; round < 25; ++round) {
    jit::set_mode(jit::Mode::Off);
    interpreted = std::min(interpreted, ns_per_call([&] { bound.run(); }, 16, 1));
    jit::set_mode(jit::Mode::Always);
    compiled = std::min(compiled, ns_per_call([&] { bound.run(); }, 16, 1));
  }
  s.ratio = compiled / interpreted;
  s.measured = s.ratio * vm::work_ns_per_element(bc, vm::active_isa());
}

// Least squares of y ~ x . coef over the rows, with every coefficient >= 0: a term whose
// coefficient comes out negative is dropped (0) and the others refitted.
std::array<double, 3> fit_nonnegative(const std::vector<std::array<double, 3>>& x,
                                      const std::vector<double>& y) {
  std::array<bool, 3> active = {true, true, true};
  for (;;) {
    std::vector<int> terms;
    for (int k = 0; k < 3; ++k)
      if (active[k]) terms.push_back(k);
    const std::size_t m = terms.size();
    std::vector<std::vector<double>> a(m, std::vector<double>(m + 1, 0));  // [normal | rhs]
    for (std::size_t row = 0; row < x.size(); ++row)
      for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t j = 0; j < m; ++j) a[i][j] += x[row][terms[i]] * x[row][terms[j]];
        a[i][m] += x[row][terms[i]] * y[row];
      }
    for (std::size_t i = 0; i < m; ++i)  // Gauss-Jordan (the normal equations are symmetric positive definite); largest diagonal first
      for (std::size_t p = i; p < m; ++p)
        if (std::abs(a[p][i]) > std::abs(a[i][i])) std::swap(a[p], a[i]);
    for (std::size_t i = 0; i < m; ++i) {
      if (a[i][i] == 0) continue;
      for (std::size_t r = 0; r < m; ++r)
        if (r != i) {
          const double f = a[r][i] / a[i][i];
          for (std::size_t c = i; c <= m; ++c) a[r][c] -= f * a[i][c];
        }
    }
    std::array<double, 3> coef{};
    int worst = -1;
    for (std::size_t i = 0; i < m; ++i) {
      coef[terms[i]] = a[i][i] == 0 ? 0 : a[i][m] / a[i][i];
      if (coef[terms[i]] < 0 && (worst < 0 || coef[terms[i]] < coef[worst])) worst = terms[i];
    }
    if (worst < 0) return coef;
    active[worst] = false;
  }
}

// The JIT constants (vm::JitCosts): a least-squares fit, over programs of fused instructions
// only (float32 and float64), of
//   measured = bytes * ns_per_byte + fused * fused_factor + divide * divide_factor
// (measured: the JIT / interpreter time ratio times the interpreter's modelled work); then
// every sample with the fitted model's estimate beside it (the rows with function calls check
// the called term, which is the kernels' weight).
void print_jit_constants() {
  using namespace exprvm;
  if (!jit::cpu_has_avx2_fma() || vm::active_isa() == vm::Isa::Sse2) {
    std::printf("\n// jit: not available on this CPU (AVX2+FMA), constants not measured\n");
    return;
  }
  const jit::Mode saved = jit::mode();
  const int saved_threads = vm::set_threads(1);
  std::vector<JitSample> samples;
  for (DType dtype : {DType::Float32, DType::Float64})
    for (const char* source : {"a - b", "a * b + c", "2*a + 3*b", "where(a > 1, a, 0)",
                               "a*b - 4.1*a > 2.5*b", "a / b", "sqrt(a) + b",
                               "(a - b) * (a + b) / (a*a + b*b + 1)",
                               "sqrt(a*a + b*b) * c - a / (b + 1)",
                               "((a*b + c)*a - b)*c + a*b*c - (a + b + c)*0.5", "sum(a * b)",
                               "tanh(where(a > 1, a, 0))", "sin(a) * exp(b)"})
      samples.push_back({source, dtype});
  std::vector<std::array<double, 3>> terms;
  std::vector<double> measured;
  for (JitSample& s : samples) {
    measure_jit(s);
    if (s.called > 0) continue;
    terms.push_back({s.bytes, s.fused, s.divide});
    measured.push_back(s.measured);
  }
  const auto [per_byte, fused_factor, divide_factor] = fit_nonnegative(terms, measured);
  std::printf("\n// jit (fit over the fused-only rows): ns_per_byte %.4f, fused_factor %.3f, "
              "divide_factor %.3f\n"
              "// program, dtype: bytes/element, fused, divide, called ns (kernel weights) -> "
              "model ns/element vs measured (JIT / interpreted time), 1 thread\n",
              per_byte, fused_factor, divide_factor);
  for (const JitSample& s : samples)
    std::printf("//   %s, %s: %.0f, %.3f, %.3f, %.3f -> %.3f vs %.3f (%.2f)\n", s.source,
                std::string(dtype_name(s.dtype)).c_str(), s.bytes, s.fused, s.divide, s.called,
                s.bytes * per_byte + s.fused * fused_factor + s.divide * divide_factor + s.called,
                s.measured, s.ratio);
  vm::set_threads(saved_threads);
  jit::set_mode(saved);
}

}  // namespace

int calibrate_parallel_costs() {
  print_kernel_table();
  print_machine_constants();
  print_jit_constants();
  return 0;
}
