// Aliasing between a run's outputs and its inputs: NumPy's rule for overlapping buffers, in
// one place for binding (which copies), the fast path (which declines) and every host (which
// rely on Program::run and Program::bind doing it).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <span>
#include <vector>

#include "compiler/bytecode.hpp"
#include "core/array.hpp"

namespace exprvm::vm {

inline constexpr int kOutArgument = -1;  // names `out` where an output is a parameter index

struct Aliasing {
  // Two outputs that share memory (an error: the result would depend on the write order):
  // parameter indices, or kOutArgument. Only meaningful when `outputs_overlap`.
  bool outputs_overlap = false;
  int first = 0, second = 0;
  // Parameters whose values an output overwrites before their last read, ascending: the run
  // must read them from a copy. Empty when outputs_overlap.
  std::vector<int> copies;
};

// Analyses the run of `bc` on `args` (signature order, already checked) and `out`. An input
// that shares memory with an output needs no copy only when every read of each element comes
// before the output overwrites it: the output is the very same view written at or after the
// input's last read in each chunk, or the output is written after the whole run (a full
// reduction's result). A parameter read after its own first write (a local `t = p` of the old
// value) needs a copy too. Fills `result`, reusing its memory.
void analyze_aliasing(const Bytecode& bc, std::span<const Array> args, const Array* out,
                      Aliasing& result);

}  // namespace exprvm::vm
