#include "bench/calibrate.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "compiler/opcodes.hpp"
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
  auto fork = [&] { parallel_ranges(*team, std::size_t(threads()), [](std::size_t, std::size_t, int) {}); };
  const double fork_join = ns_per_call(fork, 200, 25);
  // The same after 20 ms idle, when the workers sleep (median of 25): what a run pays after
  // other work, as between a benchmark's samples or a script's statements.
  std::vector<double> cold;
  for (int k = 0; k < 25; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cold.push_back(ns_per_call(fork, 1, 1));
  }
  std::sort(cold.begin(), cold.end());
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
  const double spread = ns_per_call([&] {
    std::fill(data.begin(), data.end(), 1u);
    parallel_ranges(*team, parts, [&](std::size_t b, std::size_t e, int) {
      sum(b * kWords / parts, e * kWords / parts);
    });
  }, 20, 50);
  const double remote_bytes = double(kWords * sizeof(std::uint32_t)) / double(parts);
  const double cross = std::max(0.0, (spread - fork_join - local) / remote_bytes);
  std::printf("\n// %d threads: fork_join_ns %.0f (workers awake), %.0f (after 20 ms idle, "
              "median); cross_core_ns_per_byte %.4f (parallel read %.0f ns, local part %.0f ns, "
              "%.0f bytes per remote part)\n",
              threads(), fork_join, cold[cold.size() / 2], cross, spread, local, remote_bytes);
  set_threads(saved);
}

}  // namespace

int calibrate_parallel_costs() {
  print_kernel_table();
  print_machine_constants();
  return 0;
}
