// The chunk executor: runs a program's bytecode over the iteration space of its arguments,
// one chunk of chunk_elements() elements at a time through every instruction, on the calling
// thread for small runs and on the thread pool for large ones.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "compiler/bytecode.hpp"
#include "core/array.hpp"
#include "core/error.hpp"
#include "jit/jit.hpp"
#include "vm/iteration.hpp"
#include "vm/kernel.hpp"

namespace exprvm::vm {

inline constexpr std::size_t kChunk = 1024;  // elements per chunk, at most
inline constexpr std::size_t kMinChunk = 256;
inline constexpr std::size_t kChunkBudgetBytes = 32 * 1024;  // one chunk of every register, in L1
constexpr std::size_t chunk_elements() { return kChunk; }
inline constexpr std::size_t kRegisterBytes = kChunk * 16;  // room for kChunk complex128
// Runs below this size take the fast path on the calling thread (vm/fast_path.hpp); larger
// ones go parallel when the cost model says it pays (vm/threads_cost.hpp).
inline constexpr std::int64_t kParallelMinElements = 1 << 12;
inline constexpr std::size_t kFastPathMaxRegs = 64;

// Fills `count` copies of the `size`-byte value at dst (which holds the first copy).
void replicate(std::byte* dst, std::size_t size, std::size_t count);

// acc (a float or complex accumulator of dtype t) /= count: a mean's last step.
void divide_by_count(void* acc, DType t, std::int64_t count);

// How a chunk reaches the memory of one Input, Output or Result register.
enum class Access : std::uint8_t {
  Direct,    // the register points into the caller's buffer (linear, of the register's dtype)
  Gather,    // Input: gathered (and converted) into the register's chunk buffer
  Scatter,   // Output/Result: its chunk buffer scattered (and converted) to the caller's memory
  StageIn,   // Input of a staged run: copied into its buffer, zero-padded to RunPlan::padded
  StageOut,  // Output/Result of a staged run: its buffer copied back
};

struct BoundReg {  // an aggregate: arrays of it stay uninitialized until laid out
  Reg reg;
  Access access;
  DType dtype;         // the register's
  std::uint32_t size;  // itemsize(dtype)
  char* base;          // Direct, StageIn, StageOut: element 0 of the caller's buffer
  const View* view;    // Gather, Scatter
};

// One instruction with its kernel resolved for an ISA; operand kNoReg maps to a null pointer.
struct ExecInstr {
  Kernel fn;
  Reg d, a, b, c;
};

// A Bytecode made ready to run: kernels resolved for every ISA the CPU has, constants
// broadcast into chunk-sized buffers.
struct Executable {
  Bytecode code;
  std::array<std::vector<ExecInstr>, kIsaCount> main, prologue;
  std::array<Kernel, kIsaCount> reduce{};
  alignas(16) std::byte reduction_identity[16]{};  // the reduction's identity, of its accumulator dtype
  std::unique_ptr<std::byte[]> const_storage;
  std::vector<const std::byte*> const_data;  // per constant: kChunk broadcast copies
  std::size_t chunk = kChunk;                // elements per chunk for this program
  bool fast_path = false;  // few enough registers for a FastFrame, no axis reduction
  // Elementwise code reading and writing caller arrays only (no temporaries, constants or
  // uniforms: no chunk-sized buffer), e.g. `p - g`: when every array is bound in place, a
  // thread's whole range goes through the kernels in one pass instead of chunk by chunk.
  bool streams = false;
  bool has_prologue = false;  // scalar or uniform registers to fill before the chunks
  // The parallel cost model's inputs (vm/threads_cost.hpp): estimated serial ns per element
  // per ISA, interpreted and JIT-compiled, and the bytes of caller arrays one element moves.
  std::array<double, kIsaCount> work_ns{}, jit_work_ns{};
  double array_bytes = 0;
  // Registers by kind, (register, index): Scalar/Uniform registers (index = argument, or -1
  // for a Uniform); for the fast path, its temporaries.
  struct RegRef {
    Reg reg;
    int index;
  };
  std::vector<RegRef> uniforms, fast_temps;
  // For the fast path: every Input/Output/Result register, laid out Direct (base unset), and
  // the argument each is bound to (-1: the result).
  std::vector<BoundReg> fast_bound;
  std::vector<int> fast_bound_arg;
  std::size_t fast_pad = 64;  // a multiple of every kernel's batch: 64 bytes / smallest itemsize
  // The JIT tier: the chunk code compiled into one function once the program qualifies
  // (jit/jit.hpp), then run by the executor in place of main[isa]; freed with the program.
  jit::Tier jit;

  explicit Executable(Bytecode bc);
};

// A run laid out for the executor's one body (run_plan): where each register lives, how each
// chunk reaches the caller's memory, where a reduction's result goes. Built per run by the
// general path (execute) and once per binding by the fast path (vm/fast_path.hpp).
struct RunPlan {
  const Executable* ex = nullptr;
  std::int64_t n = 0;        // elements of the iteration space (> 0)
  std::int64_t row = 0;      // an axis reduction's row length (the space's last extent); else n
  std::size_t padded = 0;    // staged runs (a single chunk): the kernels' length, else 0
  const Space* space = nullptr;  // for Gather and Scatter
  std::span<const BoundReg> bound;      // every Input/Output/Result register the code uses
  std::span<const BoundReg> copy_back;  // the Scatter and StageOut entries of `bound`
  std::span<const Array> inputs;        // what Scalar registers read, by parameter index
  // The register file (pointer per register, then a null for absent operands). A prepared
  // plan (vm/fast_path.hpp) owns one for runs on the calling thread: `fixed_registers`. A plan
  // that may go parallel (a non-empty `register_template`) gives each thread of a parallel run
  // (and the calling thread of a serial one, when it has no fixed file) a copy of the template
  // (constants and uniform buffers set) with each of `chunk_buffers` (register, buffer index)
  // pointed into its own scratch.
  void** fixed_registers = nullptr;
  std::span<void* const> register_template;
  std::span<const std::pair<Reg, int>> chunk_buffers;
  int buffer_count = 0;
  // A full reduction's result element (its dtype may differ from the accumulator's); an axis
  // reduction's result rows.
  void* result = nullptr;
  DType result_dtype = DType::Bool;
  const Space* result_space = nullptr;
  const View* result_view = nullptr;
  // Derived once the plan is laid out (finish_plan): every bound register's `base` is the
  // caller's contiguous buffer (Direct, StageIn or StageOut: no Gather or Scatter), so code
  // taking any length can run over it in place; `direct`: besides, the plan has fixed
  // registers and no axis reduction, so a serial run takes the single-range path
  // (vm/executor_direct.hpp) once the JIT code takes any length (and folds the reduction);
  // the elements before the first output's first cache-line aligned element (0: none, or not
  // worth a separate chunk).
  bool contiguous = false;
  bool direct = false;
  std::size_t aligned_head = 0;
  // The run's calls past the aligned head take JIT code's streaming variant (jit::Code::fn):
  // no reduction, every bound register Direct, every output 64-byte aligned from the head on
  // and overlapping no other bound buffer, and the arrays together larger than the last-level
  // cache (so the outputs would leave it anyway: their lines go to memory unread).
  bool streaming = false;
  // run_plan's decision for a plan that ran serially on the single-range path, kept for its
  // next runs (a bound program's) while vm::settings_epoch still reads `epoch` (0: none).
  struct DirectRun {
    std::uint64_t epoch = 0;
    jit::ChunkFn fn = nullptr;
    jit::ChunkFn body_fn = nullptr;  // run_direct's code past the aligned head
    int isa = 0;
    bool few_partials = false;  // run_few_partials applies
  };
  mutable DirectRun direct_run;
};

// Sets `plan`'s derived fields from its bound registers; call once the rest is laid out.
void finish_plan(RunPlan& plan);

// The executor body: reads the scalar arguments, runs the prologue, then the chunk loop over
// the plan's n elements (elementwise, or folding a reduction with a fixed partition that does
// not depend on the thread count, so results are bit-identical for any thread count and for
// either path). Runs on the thread pool when the plan allows and the run is large. A serial
// run of a prepared contiguous plan whose JIT code takes any length skips the chunk loop
// (vm/executor_direct.hpp), with the same partition and so the same bits.
void run_plan(const RunPlan& plan);

// Runs `ex` on args (signature order); the result goes into *out or a new array. Validates
// everything before writing any caller buffer.
OwnedArray execute(const Executable& ex, std::span<const Array> args, const Array* out);

}  // namespace exprvm::vm
