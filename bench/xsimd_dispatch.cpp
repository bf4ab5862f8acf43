// Run-time choice of the per-ISA reference tables, the xsimd loops and the hand-written loops
// (compiled with the library's baseline flags).
#include <stdexcept>

#include <xsimd/config/xsimd_cpuid.hpp>

#include "bench/hand_loops.hpp"
#include "bench/xsimd_reference.hpp"

namespace exprvm_bench {
namespace {

bool cpu_runs(std::string_view isa) {
  const auto cpu = xsimd::available_architectures();
  if (isa == "avx512") return cpu.avx512bw && cpu.avx512dq && cpu.avx512cd && cpu.avx512f;
  if (isa == "avx2") return cpu.fma3_avx2;
  return isa == "sse2" && cpu.sse2;
}

// `isa` when the CPU runs it (sse2 always), else the best instruction set the CPU runs.
std::string_view runnable_isa(std::string_view isa) {
  if (isa == "sse2" || ((isa == "avx512" || isa == "avx2") && cpu_runs(isa))) return isa;
  if (cpu_runs("avx512")) return "avx512";
  if (cpu_runs("avx2")) return "avx2";
  return "sse2";
}

}  // namespace

const XsimdLoops& xsimd_loops(std::string_view isa) {
  const std::string_view chosen = runnable_isa(isa);
  if (chosen == "avx512") return xsimd_loops_avx512();
  if (chosen == "avx2") return xsimd_loops_avx2();
  return xsimd_loops_sse2();
}

const HandLoops& hand_loops(std::string_view isa) {
  const std::string_view chosen = runnable_isa(isa);
  if (chosen == "avx512") return hand_loops_avx512();
  if (chosen == "avx2") return hand_loops_avx2();
  return hand_loops_sse2();
}

const std::vector<ChunkFn>& hand_passes(const HandLoops& loops, const Workload& w,
                                        exprvm::DType dtype) {
  const auto found = loops.passes.find(w.name);
  if (found == loops.passes.end())
    throw std::invalid_argument("no hand-written loop for workload " + w.name);
  return found->second[dtype_slot(dtype)];
}

ChunkFn xsimd_loop_for(const XsimdLoops& loops, const std::string& workload, int dtype_slot) {
  if (workload == "tanh_relu") return loops.tanh_relu[dtype_slot];
  if (workload == "elu") return loops.elu[dtype_slot];
  if (workload == "sincos") return loops.sincos[dtype_slot];
  return nullptr;
}

}  // namespace exprvm_bench
