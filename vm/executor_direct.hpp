// The executor's single-range path (issue 15): a serial run of a prepared plan (a FastFrame's,
// vm/fast_path.hpp) over the caller's contiguous buffers, whose JIT code takes any length, is
// one JIT call (two when the output's unaligned head goes first) and, for a full reduction,
// one call per reduction block and the final fold. No Runner, no chunk loop, no staging copies
// (the JIT code reads and writes exactly the run's elements). Also the pieces this path shares
// with the chunk executor (vm/executor.cpp): the prologue, the reduction partition and the
// final fold, so that both give the same bits.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <cstddef>

#include "vm/executor.hpp"

namespace exprvm::vm {

// A full reduction's partition: at most this many blocks, each of whole chunks, folded in
// order, then the block partials folded in order; a fixed function of n and the chunk size
// alone (never of the thread count).
inline constexpr std::size_t kMaxReductionBlocks = 64;
struct ReductionBlocks {
  std::size_t per_block;  // chunks per block
  std::size_t count;      // blocks
};
inline ReductionBlocks reduction_blocks(std::size_t chunks) {
  if (chunks <= kMaxReductionBlocks) return {1, chunks};  // (no divisions for the common small run)
  const std::size_t per_block = (chunks + kMaxReductionBlocks - 1) / kMaxReductionBlocks;
  return {per_block, (chunks + per_block - 1) / per_block};
}

// Reads the scalar arguments into their registers of `regs`, computes the Uniform registers
// on one element, then broadcasts every uniform to the elements a kernel reads (a staged run's
// padding included). isa: the run's (index of vm::Isa). Callers skip it when the program has
// no prologue (Executable::has_prologue).
void run_prologue(const RunPlan& plan, void** regs, int isa);

// Whether run_few_partials can take a serial direct run of `plan` on `isa`: a full float32 or
// float64 SUM or PROD (or mean), its result of the same dtype, no prologue or staging, and at
// most one vector of the ISA's reduction kernel of chunk partials.
bool few_partials_apply(const RunPlan& plan, int isa);

// run_direct for the plans few_partials_apply accepts, with the reduction kernel's final fold
// of the partials done here: run_reduce's short path (at most one vector, lane by lane), the
// same operations in the same order, so the same bits. For a bound program's small
// reductions, whose fixed cost this path cuts (`sum(a*b)`, float32, n = 4096: 252-253 ns
// instead of 283, README "JIT tier").
void run_few_partials(const RunPlan& plan, jit::ChunkFn fn, int isa);

// The end of a full reduction: folds `count` block partials (of the accumulator dtype, in
// order) into the identity with the ISA's reduction kernel, divides a mean, and writes the
// plan's result element (converted when its dtype differs).
void finish_full_reduction(const RunPlan& plan, int isa, const std::byte* partials, std::size_t count);

// Runs `plan` through the JIT code `fn` on the calling thread, the elements past the aligned
// head through `body_fn` (the code's streaming variant when plan.streaming, else fn). The
// caller has checked that the single-range path applies: plan.direct, the code takes any
// length and folds the plan's reduction, if any, itself; and that the run is serial.
void run_direct(const RunPlan& plan, jit::ChunkFn fn, jit::ChunkFn body_fn, int isa);

}  // namespace exprvm::vm
