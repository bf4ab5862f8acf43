// The fused reduction loop: a whole-array (or one row's) SUM/PROD/MIN/MAX of float32/float64
// (or int32/int64, whose wrap-around folds do not depend on the order, or ANY/ALL of bool
// lane masks, or-ed/and-ed and stored as a 0/1 byte) folded inside the generated loop, in exactly the order of the interpreter's AVX2 reduction
// kernel (vm/kernels/reduce.hpp), or its AVX-512 one for batches of 512 bits, over one chunk, so the JIT's results are bit-identical to the
// interpreter's and, like them, a function of n and the chunk size alone (never of the thread
// count): four batch accumulators taking batches 4j, 4j+1, 4j+2, 4j+3 in turn, the batches
// after the last whole group of four into accumulator 0, the tail (padded with the identity)
// into accumulator 1, then (acc0 . acc1) . (acc2 . acc3) and a lane-order fold into *acc.
// One call may cover several chunks (a whole block, or a run of one-chunk blocks, when every
// operand is the caller's contiguous memory): the loop folds chunk by chunk all the same,
// into one accumulator (stride 0) or one per chunk.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include <functional>

#include "compiler/bytecode.hpp"

namespace exprvm::jit {

// The chunk function's stack frame above its saved registers: [rsp] holds the accumulator
// pointer (the function's third argument), [rsp + kChunkEndSlot] the current chunk's end,
// [rsp + kAccStrideSlot] the accumulator stride (the fourth argument), [rsp + kBatchSlot,
// + 64) one batch of scratch (a zmm's bytes).
inline constexpr int kFrameBytes = 96;
inline constexpr int kChunkEndSlot = 8;
inline constexpr int kAccStrideSlot = 16;
inline constexpr int kBatchSlot = 32;

// Vector registers the reduction owns through its loop: four accumulators and a NaN mask.
inline constexpr int kReductionRegs = 5;

// General registers of the chunk function the loop uses: len, the element index, and two free
// ones (the vector loop's end and an address).
struct LoopGps {
  asmjit::x86::Gp len, index, end, addr;
};

// The reduction source's value after one body: the vector register holding it (a whole
// vector in the vector body, the low lane in the one-element body) and, for a bool source
// (a lane mask), the bytes of that register the vector body's lanes fill (16: an xmm).
struct SourceValue {
  int reg;
  int bytes;
};

// Emits one body of the fused segment for the element (or vector of elements) at index +
// disp and returns where the reduction source's value is.
using EmitBody = std::function<SourceValue(bool vector, int disp)>;

// Emits the loop over elements [0, len) in chunks of `chunk` elements (the interpreter's
// reduction chunk), folding each body's source value into the reduction r (ymm registers
// first_reg .. first_reg + kReductionRegs - 1, 13..15 as scratch between bodies), step
// elements per batch (one ymm of r.dtype, or one zmm for float ones), and each chunk's partial into the accumulator at
// [rsp], which then advances by the stride at [rsp + kAccStrideSlot].
void emit_reduction_loop(asmjit::x86::Assembler& a, const ReductionPlan& r, int step, int chunk, int first_reg,
                         const LoopGps& gp, const EmitBody& body);

}  // namespace exprvm::jit
