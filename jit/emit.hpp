// The x86-64 AVX2+FMA code generator: one chunk function per program (see jit/jit.hpp for its
// contract), from the Bytecode and its Plan.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include <span>

#include "compiler/bytecode.hpp"
#include "jit/plan.hpp"
#include "vm/kernel.hpp"

namespace exprvm::jit {

struct ChunkFunction {
  // The function touches no chunk buffer (no kernel call, no spill, no value between
  // segments): len may exceed the chunk size.
  bool any_length = true;
  // It made non-temporal stores (plan.streaming_stores and an output that qualifies).
  bool streams = false;
};

// Emits into `a` the function ChunkFn (jit/jit.hpp): every instruction of
// bc.code over elements [0, len) of each register's memory regs[r] (the executor's register
// file, with a null at regs[bc.regs.size()]). Fused segments are vector loops of plan.step
// elements plus a one-element tail loop; other instructions call kernels[i] (the kernel the
// interpreter would call for instruction i) on the whole chunk. With plan.fused_reduction the
// last loop also folds each chunk's reduction source into an accumulator (jit/emit_reduce.hpp).
ChunkFunction emit_chunk_function(asmjit::x86::Assembler& a, const Bytecode& bc, const Plan& plan,
                                  std::span<const vm::Kernel> kernels);

}  // namespace exprvm::jit
