// The hand-written fused C++ loops ("hand"): the limit exprvm is measured against (P1).
// bench/hand_loops.cpp is compiled once per instruction set with the library's per-ISA flags
// (plus -fno-math-errno), like the kernel tables and the xsimd loops, so the limit is the
// loop a compiler makes for the machine, not for the SSE2 baseline. The benchmark measures
// the table of exprvm's ISA as `hand` and the SSE2 table as `hand_sse2`.
#pragma once
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench/workloads.hpp"

namespace exprvm_bench {

struct HandLoops {
  const char* isa = "";  // "sse2", "avx2", "avx512"
  // Per workload name, per dtype_slot(): the plain passes run one after another over the
  // whole array (fused workloads have one pass, "adam3" three, one per statement).
  std::map<std::string, std::array<std::vector<ChunkFn>, 2>> passes;
};

// One table per ISA, each defined in its own compilation of hand_loops.cpp.
const HandLoops& hand_loops_sse2();
const HandLoops& hand_loops_avx2();
const HandLoops& hand_loops_avx512();

// The table for `isa` when the CPU runs it, else the best table it does run (see
// xsimd_dispatch.cpp).
const HandLoops& hand_loops(std::string_view isa);

// The passes of workload `w` in `dtype` (throws std::invalid_argument when the table has none).
const std::vector<ChunkFn>& hand_passes(const HandLoops& loops, const Workload& w,
                                        exprvm::DType dtype);

}  // namespace exprvm_bench
