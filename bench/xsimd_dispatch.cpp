// Run-time choice of the xsimd reference table (compiled with the library's baseline flags).
#include <xsimd/config/xsimd_cpuid.hpp>

#include "bench/xsimd_reference.hpp"

namespace exprvm_bench {
namespace {

bool cpu_runs(std::string_view isa) {
  const auto cpu = xsimd::available_architectures();
  if (isa == "avx512") return cpu.avx512bw && cpu.avx512dq && cpu.avx512cd && cpu.avx512f;
  if (isa == "avx2") return cpu.fma3_avx2;
  return isa == "sse2" && cpu.sse2;
}

}  // namespace

const XsimdLoops& xsimd_loops(std::string_view isa) {
  if (isa == "avx512" && cpu_runs(isa)) return xsimd_loops_avx512();
  if (isa == "avx2" && cpu_runs(isa)) return xsimd_loops_avx2();
  if (isa == "sse2") return xsimd_loops_sse2();
  if (cpu_runs("avx512")) return xsimd_loops_avx512();
  if (cpu_runs("avx2")) return xsimd_loops_avx2();
  return xsimd_loops_sse2();
}

ChunkFn xsimd_loop_for(const XsimdLoops& loops, const std::string& workload, int dtype_slot) {
  if (workload == "tanh_relu") return loops.tanh_relu[dtype_slot];
  if (workload == "elu") return loops.elu[dtype_slot];
  if (workload == "sincos") return loops.sincos[dtype_slot];
  return nullptr;
}

}  // namespace exprvm_bench
