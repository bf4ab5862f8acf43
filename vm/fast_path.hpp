// The executor's fast path for runs on contiguous operands of one shape: validated and laid
// out once into a FastFrame (registers pointing at the caller's buffers), then run.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <span>

#include "vm/executor.hpp"

namespace exprvm::vm {

// A run's plan, laid out once: every bound register points straight at the caller's buffer
// (or at a staging copy), the register file lives in the frame, so a run is
// run_plan(frame.plan) and nothing else. A run of at least kParallelMinElements may go
// parallel: its plan also gives `regs` as the register template, each thread's temporaries in
// its own scratch. The plan points into the frame: not copyable.
struct FastFrame {
  RunPlan plan;
  BoundReg bound[kFastPathMaxRegs];      // per Executable::fast_bound entry
  BoundReg copy_back[kFastPathMaxRegs];  // the staged outputs
  void* regs[kFastPathMaxRegs + 1];      // per register (+ the null operand slot)
  std::pair<Reg, int> temps[kFastPathMaxRegs];  // a parallel run's chunk buffers

  FastFrame() = default;
  FastFrame(const FastFrame&) = delete;
  FastFrame& operator=(const FastFrame&) = delete;
};

// Runs shorter than kStageElements, and not a whole number of SIMD batches, go through
// zero-padded staging copies of the bound buffers, so that every kernel sees whole batches
// (a tail of a batch would otherwise cost each kernel padded copies and a stalled
// store-to-load forward). Such a run is one chunk.
inline constexpr std::int64_t kStageElements = 256;
inline constexpr std::size_t kStageBytes = kStageElements * 16;
static_assert(kStageElements <= static_cast<std::int64_t>(kMinChunk));

// Bytes of scratch a FastFrame needs for its temporaries, uniform registers and staging.
std::size_t fast_scratch_bytes(const Executable& ex);

// Validates args (throwing Error like the general path) and, when they qualify (see
// fast_path.cpp), lays the run out in `frame` over `scratch` (fast_scratch_bytes, 64-aligned),
// sets `result` and returns true. Returns false, having written nothing, otherwise. `frame`
// is a newly constructed one; `args` (and `out`) must outlive it.
bool prepare_fast(const Executable& ex, std::span<const Array> args, const Array* out,
                  std::byte* scratch, FastFrame& frame, OwnedArray& result);

// prepare_fast over this thread's scratch, then run_plan.
bool run_fast(const Executable& ex, std::span<const Array> args, const Array* out,
              OwnedArray& result);

}  // namespace exprvm::vm
