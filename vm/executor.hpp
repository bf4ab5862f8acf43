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
#include <vector>

#include "compiler/bytecode.hpp"
#include "core/array.hpp"
#include "vm/kernel.hpp"

namespace exprvm::vm {

inline constexpr std::size_t kChunk = 1024;  // elements per chunk, at most
inline constexpr std::size_t kMinChunk = 256;
inline constexpr std::size_t kChunkBudgetBytes = 32 * 1024;  // one chunk of every register, in L1
constexpr std::size_t chunk_elements() { return kChunk; }
inline constexpr std::size_t kRegisterBytes = kChunk * 16;  // room for kChunk complex128
inline constexpr std::int64_t kParallelMinElements = 1 << 15;  // smaller runs stay on one thread
inline constexpr std::size_t kFastPathMaxRegs = 64;

// Fills `count` copies of the `size`-byte value at dst (which holds the first copy).
void replicate(std::byte* dst, std::size_t size, std::size_t count);

// acc (a float or complex accumulator of dtype t) /= count: a mean's last step.
void divide_by_count(void* acc, DType t, std::int64_t count);

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
  std::unique_ptr<std::byte[]> const_storage;
  std::vector<const std::byte*> const_data;  // per constant: kChunk broadcast copies
  std::size_t chunk = kChunk;                // elements per chunk for this program
  bool fast_path = false;  // small enough for run_fast's stack registers, no axis reduction
  // Registers by kind, (register, index): Scalar/Uniform registers (index = argument, or -1
  // for a Uniform); for run_fast, temporaries and the registers bound to caller memory
  // (index = argument, or -1: the result).
  struct RegRef {
    Reg reg;
    int index;
  };
  std::vector<RegRef> uniforms, fast_temps, fast_bound;
  std::size_t fast_pad = 64;  // a multiple of every kernel's batch: 64 bytes / smallest itemsize

  explicit Executable(Bytecode bc);
};

// Runs `ex` (compiled from `program`) on args (signature order); the result goes into *out
// or a new array. Validates everything before writing any caller buffer.
OwnedArray execute(const Executable& ex, const CheckedProgram& program,
                   std::span<const Array> args, const Array* out);

}  // namespace exprvm::vm
