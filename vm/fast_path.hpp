// The executor's fast path for small runs on contiguous operands of one shape: validated and
// laid out once into a FastFrame (registers pointing at the caller's buffers), then run.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <span>

#include "vm/executor.hpp"

namespace exprvm::vm {

// A run's register file, ready to execute: chunk pointers of every register, the prologue's
// one-element views, and where each bound register's data starts.
struct FastFrame {
  std::int64_t n = 0;                         // elements
  // Runs shorter than kStageElements, and not a whole number of SIMD batches, go through
  // zero-padded staging copies of the bound buffers, so that every kernel sees whole batches:
  // `padded` elements (else 0).
  std::size_t padded = 0;
  std::byte* stage[kFastPathMaxRegs];         // per fast_bound entry, when padded
  void* regs[kFastPathMaxRegs + 1];           // per register (+ the null operand slot)
  void* single[kFastPathMaxRegs + 1];         // constants and uniform values; null elsewhere
  char* base[kFastPathMaxRegs];               // per Executable::fast_bound entry
  const void* scalar[kFastPathMaxRegs];       // per uniforms entry: the caller's scalar
  void* result = nullptr;                     // a full reduction's 0-d result
};

inline constexpr std::int64_t kStageElements = 256;
inline constexpr std::size_t kStageBytes = kStageElements * 16;

// Bytes of scratch a FastFrame needs for its temporaries and uniform registers.
std::size_t fast_scratch_bytes(const Executable& ex);

// Validates args (throwing Error like the general path) and, when they qualify (see
// fast_path.cpp), lays the run out in `frame` over `scratch` (fast_scratch_bytes, 64-aligned),
// sets `result` and returns true. Returns false, having written nothing, otherwise.
bool prepare_fast(const Executable& ex, const CheckedProgram& program, std::span<const Array> args,
                  const Array* out, std::byte* scratch, FastFrame& frame, OwnedArray& result);

// Runs a prepared frame: reads scalar arguments, runs the prologue and every chunk.
void run_frame(const Executable& ex, FastFrame& frame);

// prepare_fast over this thread's scratch, then run_frame.
bool run_fast(const Executable& ex, const CheckedProgram& program, std::span<const Array> args,
              const Array* out, OwnedArray& result);

}  // namespace exprvm::vm
