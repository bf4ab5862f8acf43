// The JIT tier: a program's chunk code compiled at run time (AsmJit) into one x86-64
// AVX2+FMA function (512-bit AVX-512 loops under the AVX-512 kernels, see covers_wide), which the executor calls per chunk in place of its kernel loop (see
// vm/executor.cpp). Arithmetic, comparisons, selections, rounding, exact casts, bool logic and
// the cheap float functions (jit/inline_functions.hpp) on float32/float64, integer of every
// width (jit/emit_int.hpp: shifts, and 32-bit division too) and bool registers are fused into
// one vector loop with every temporary in a vector register; the other float functions (exp,
// tanh, sin, pow, ...) are called from that loop on one vector at a time, as the interpreter's
// own AVX2 kernels (jit/vector_calls.hpp); everything else (64-bit and uint32 division,
// integer power, float -> int casts, complex, and every function under another ISA's kernels)
// calls the interpreter's kernel on the whole chunk. Results are bit-identical to the
// interpreter's. SUM/PROD/MIN/MAX of float32/float64/int32/int64 and ANY/ALL whose source the
// last loop computes fold inside that loop in the interpreter's AVX2 order (jit/emit_reduce.hpp);
// the others fold through the executor.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "compiler/bytecode.hpp"
#include "vm/kernel.hpp"

namespace exprvm::jit {

// Runs every instruction of the chunk code over elements [0, len) of each register's memory,
// regs being the executor's register file (a pointer per register, then a null). When the
// code reduces(), it also folds the reduction source of each chunk of vm::kChunk elements
// (the last one shorter) into an accumulator, as the interpreter's reduction kernel would:
// chunk c into the one at acc + c * acc_stride bytes (stride 0: all into *acc). acc and
// acc_stride are unused otherwise.
using ChunkFn = void (*)(std::size_t len, void* const* regs, void* acc, std::size_t acc_stride);

// Generated code is at most this long, from at most this many instructions; longer programs
// are interpreted.
inline constexpr std::size_t kMaxCodeBytes = 64 * 1024;
inline constexpr std::size_t kMaxInstructions = 1024;  // (planning is quadratic in it)

// Generated code, executable (never writable through the same mapping), freed with it.
class Code {
 public:
  Code(ChunkFn fn, std::size_t bytes, int fused, int called, bool any_length, bool reduces,
       ChunkFn streaming_fn = nullptr);
  ~Code();
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;
  ChunkFn fn() const { return fn_; }
  // The function for a call whose outputs may be written around the caches: with `streaming`
  // and a streaming variant (vector stores of the outputs no later instruction reads are
  // non-temporal, Plan::streaming_stores), that variant; else fn(). The caller guarantees that
  // every Output and Result pointer of such a call is 64-byte aligned, and the variant computes
  // the same bytes as fn().
  ChunkFn fn(bool streaming) const { return streaming && streaming_fn_ ? streaming_fn_ : fn_; }
  bool has_streaming() const { return streaming_fn_ != nullptr; }
  std::size_t bytes() const { return bytes_; }
  int fused_instructions() const { return fused_; }
  int called_instructions() const { return called_; }
  // The function uses no chunk buffer, so one call may run any number of elements (a whole
  // range of chunks over the caller's contiguous buffers).
  bool any_length() const { return any_length_; }
  // The function folds the program's reduction itself (the executor must not fold it again).
  bool reduces() const { return reduces_; }

 private:
  ChunkFn fn_;
  ChunkFn streaming_fn_;
  std::size_t bytes_;
  int fused_, called_;
  bool any_length_, reduces_;
};

// Compiles bc.code, calling kernels[i] for instruction i where it is not fused. Returns null
// (the program stays interpreted) when the CPU lacks AVX2+FMA, nothing would be fused, or the
// code would exceed kMaxCodeBytes; `why` then says which. `listing`, when given, receives the
// assembly. `isa`: the ISA of `kernels`. Under AVX-512's, programs whose fused instructions
// the 512-bit emitter covers (see covers_wide) get zmm loops, the others AVX2 ones; the
// reduction is fused only in the batch width of the ISA's kernels (the order they fold in).
std::unique_ptr<Code> compile(const Bytecode& bc, std::span<const vm::Kernel> kernels,
                              std::string* listing = nullptr, std::string* why = nullptr,
                              vm::Isa isa = vm::Isa::Avx2);

// For `exprvm disasm --jit`: a summary line and the assembly of bc's chunk function built with
// the active ISA's kernels, or the reason it stays interpreted.
std::string listing(const Bytecode& bc);

// Off: interpret everything. Tiered (the default): compile a program once a run has at least
// kTierElements elements or after kTierRuns runs. Always: compile on the first run. The
// environment variable EXPRVM_JIT=0 / 1 / always sets the initial mode. set_mode returns the
// previous mode and, when the mode changes, bumps vm::settings_epoch (bound runs re-decide).
// (exprvm::set_jit is the public form.)
enum class Mode : std::uint8_t { Off, Tiered, Always };
Mode mode();
Mode set_mode(Mode m);
inline constexpr std::int64_t kTierElements = 4096;
inline constexpr std::uint32_t kTierRuns = 16;

// A program's JIT state (held by vm::Executable): compiled at most once, for the ISA active
// then, and used only while that ISA is active.
class Tier {
 public:
  // The code for a run of n elements on `isa`, compiling it with `compile_code` (returning
  // std::unique_ptr<Code>) when this run qualifies; null: interpret.
  template <class CompileCode>
  const Code* get(vm::Isa isa, std::int64_t n, const CompileCode& compile_code) const {
    const Mode m = mode();
    if (m == Mode::Off || isa == vm::Isa::Sse2) return nullptr;
    const State s = state_.load(std::memory_order_acquire);
    if (s == State::Ready) return isa == isa_ ? code_.get() : nullptr;
    if (s != State::NotTried) return nullptr;
    if (m == Mode::Tiered && n < kTierElements &&
        runs_.fetch_add(1, std::memory_order_relaxed) + 1 < kTierRuns)
      return nullptr;
    State expected = State::NotTried;
    if (!state_.compare_exchange_strong(expected, State::Compiling)) return nullptr;
    code_ = compile_code();
    isa_ = isa;
    state_.store(code_ ? State::Ready : State::Declined, std::memory_order_release);
    return code_.get();
  }
  // The compiled code, if any (for inspection and tests).
  const Code* code() const {
    return state_.load(std::memory_order_acquire) == State::Ready ? code_.get() : nullptr;
  }

 private:
  enum class State : std::uint8_t { NotTried, Compiling, Ready, Declined };
  mutable std::atomic<State> state_{State::NotTried};
  mutable std::atomic<std::uint32_t> runs_{0};
  mutable std::unique_ptr<Code> code_;
  mutable vm::Isa isa_ = vm::Isa::Sse2;
};

}  // namespace exprvm::jit
