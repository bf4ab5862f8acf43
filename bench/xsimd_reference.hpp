// Hand-written xsimd loops for the transcendental workloads: the limit exprvm's SIMD kernels
// are measured against (P2). bench/xsimd_reference.cpp is compiled once per instruction set,
// exactly like the library's kernel tables; xsimd_loops() picks the table at run time.
#pragma once
#include <string>
#include <string_view>

#include "bench/workloads.hpp"

namespace exprvm_bench {

struct XsimdLoops {
  const char* isa = "";  // "sse2", "avx2", "avx512"
  // Indexed by dtype_slot(): 0 float32, 1 float64. Same array order as the plain loops.
  ChunkFn tanh_relu[2] = {};
  ChunkFn elu[2] = {};
  ChunkFn sincos[2] = {};
};

// One table per ISA, each defined in its own compilation of xsimd_reference.cpp.
const XsimdLoops& xsimd_loops_sse2();
const XsimdLoops& xsimd_loops_avx2();
const XsimdLoops& xsimd_loops_avx512();

// The table for `isa` (exprvm's active ISA, so both sides use the same instruction set) when
// xsimd::available_architectures() confirms the CPU runs it, else the best table it does run.
const XsimdLoops& xsimd_loops(std::string_view isa);

// The xsimd loop of a workload, or nullptr when the workload has none.
ChunkFn xsimd_loop_for(const XsimdLoops& loops, const std::string& workload, int dtype_slot);

}  // namespace exprvm_bench
