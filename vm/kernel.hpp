// The kernel interface between the executor and the per-ISA kernel tables.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"
#include "compiler/opcodes.hpp"

namespace exprvm::vm {

// One kernel call processes n contiguous elements (n <= the chunk size, any n >= 0).
//   Elementwise: d[i] = f(a[i], b[i], c[i]); unused operands are nullptr. d may be the same
//                pointer as a, b or c (in-place registers), but never partially overlap them.
//   Cast:        d[i] = (dtype) a[i], a of dtype src.
//   Reduce:      *d = fold(*d, a[0..n)), d points at one accumulator of the op's dtype.
// Pointers have no alignment guarantee (registers are 64-byte aligned, caller arrays need not
// be). Bool is stored as one byte, 0 or 1; complex as interleaved (re, im).
using Kernel = void (*)(std::size_t n, void* d, const void* a, const void* b, const void* c);

enum class Isa : unsigned char { Sse2, Avx2, Avx512 };
inline constexpr int kIsaCount = 3;
std::string_view isa_name(Isa isa);

// Whether the per-ISA SIMD tables have dtype t's kernels: bool, the 32/64-bit signed
// integers, floats and complex. The other native dtypes (narrow and unsigned integers, where
// xsimd 8.1 is awkward) get the generic scalar-loop kernels, compiled once
// (vm/kernel_table_generic.cpp); kernel_table() merges both.
constexpr bool has_simd_kernels(DType t) {
  switch (kind_of(t)) {
    case Kind::Bool: case Kind::Float: case Kind::Complex: return true;
    case Kind::Int: return itemsize(t) >= 4;
    case Kind::UInt: return false;
  }
  return false;
}

struct KernelTable {
  Kernel op[kOpCount][kNativeDTypeCount] = {};             // indexed [op][operand dtype]
  Kernel cast[kNativeDTypeCount][kNativeDTypeCount] = {};  // indexed [to][from]
  // [0] float32, [1] float64: CIS's kernel split in two outputs, not in the opcode table (the
  // JIT's, see jit::split_cis): sin of a into d and cos of a into c (written, not read), the
  // same bits as the imaginary and real parts of CIS.
  Kernel sin_cos_split[2] = {};
};

// The kernel table for `isa`: its SIMD kernels plus the generic ones. Only valid for an ISA
// in available_isas().
const KernelTable& kernel_table(Isa isa);
// ISAs this CPU can run, from the most to the least capable (always includes Sse2).
const std::vector<Isa>& available_isas();

// The identity of reduction `op` for dtype t written into *out (0 for SUM, 1 for PROD,
// +Inf / int max for MIN, -Inf / int min for MAX, false for ANY, true for ALL).
void reduce_identity(Op op, DType t, void* out);

}  // namespace exprvm::vm

namespace exprvm::vm {

// The ISA the executor uses: EXPRVM_ISA from the environment when set (sse2, avx2, avx512),
// else the best available. set_active_isa affects runs that start afterwards.
Isa active_isa();
void set_active_isa(Isa isa);
// The available ISA called `name` ("sse2", "avx2", "avx512"), or nullopt.
std::optional<Isa> available_isa_named(std::string_view name);

// Changes with every change of a setting that a run's decisions depend on (the active ISA,
// the thread count, the JIT mode; never 0): a plan run again may keep its decisions while
// the epoch it read before taking them is still current (RunPlan::direct_run).
inline std::atomic<std::uint64_t> settings_epoch{1};
inline void settings_changed() { settings_epoch.fetch_add(1, std::memory_order_relaxed); }

}  // namespace exprvm::vm
