// Run-time choice of kernel table: which instruction sets this CPU (and OS) can run.
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "vm/kernel.hpp"
#include "vm/kernel_tables.hpp"

namespace exprvm::vm {
namespace {

// xsimd 8.1 reports the CPU's AVX-512 F/CD/DQ/BW bits; the AVX-512 table is also compiled
// with -mavx512vl, which xsimd does not report, so that bit comes from the compiler's probe.
// __builtin_cpu_supports also checks that the OS saves the wider registers.
bool cpu_runs_avx512() {
  const auto cpu = xsimd::available_architectures();
  return cpu.avx512f && cpu.avx512cd && cpu.avx512dq && cpu.avx512bw && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd");
}
bool cpu_runs_avx2() {
  const auto cpu = xsimd::available_architectures();
  return cpu.fma3_avx2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

std::vector<Isa> detect_isas() {
  std::vector<Isa> isas;
  if (cpu_runs_avx512()) isas.push_back(Isa::Avx512);
  if (cpu_runs_avx2()) isas.push_back(Isa::Avx2);
  isas.push_back(Isa::Sse2);  // x86-64 baseline
  return isas;
}

// The ISA's SIMD table with the generic kernels in the entries it leaves empty.
KernelTable merged_table(const KernelTable& simd) {
  const KernelTable& generic = kernel_table_generic();
  KernelTable table = simd;
  for (int op = 0; op < kOpCount; ++op)
    for (int t = 0; t < kNativeDTypeCount; ++t)
      if (!table.op[op][t]) table.op[op][t] = generic.op[op][t];
  for (int to = 0; to < kNativeDTypeCount; ++to)
    for (int from = 0; from < kNativeDTypeCount; ++from)
      if (!table.cast[to][from]) table.cast[to][from] = generic.cast[to][from];
  return table;
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Sse2: return "sse2";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "unknown";
}

const std::vector<Isa>& available_isas() {
  static const std::vector<Isa> isas = detect_isas();
  return isas;
}

const KernelTable& kernel_table(Isa isa) {
  switch (isa) {
    case Isa::Sse2: {
      static const KernelTable table = merged_table(kernel_table_sse2());
      return table;
    }
    case Isa::Avx2: {
      static const KernelTable table = merged_table(kernel_table_avx2());
      return table;
    }
    case Isa::Avx512: {
      static const KernelTable table = merged_table(kernel_table_avx512());
      return table;
    }
  }
  throw std::logic_error("kernel_table: unknown instruction set");
}

// The identity of every (reduction, dtype) pair of the opcode table.
void reduce_identity(Op op, DType t, void* out) {
  if (op_info(op).form != OpForm::Reduce || !op_accepts(op, t))
    throw std::logic_error("reduce_identity: no " + std::string(op_info(op).spelling) + " reduction for dtype " +
                           std::string(dtype_name(t)));
  with_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using L = std::numeric_limits<T>;
    // float16 is an aggregate of its bits: T(1) would be the smallest subnormal (and C++20's
    // parenthesized aggregate initialization is not in clang 14, which builds the fuzzers)
    auto number = [](int v) {
      if constexpr (std::is_same_v<T, float16>) return float16::from_float(static_cast<float>(v));
      else return T(v);
    };
    T value{};
    if (op == Op::SUM || op == Op::ANY) value = number(0);
    else if (op == Op::PROD || op == Op::ALL) value = number(1);
    else if constexpr (L::has_infinity) value = op == Op::MIN ? L::infinity() : -L::infinity();
    else if constexpr (L::is_integer) value = op == Op::MIN ? L::max() : L::lowest();
    std::memcpy(out, &value, sizeof value);  // bool: one byte 0 or 1
  });
}

}  // namespace exprvm::vm
