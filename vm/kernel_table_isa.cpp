// The kernel table of ONE instruction set. CMakeLists.txt compiles this file three times,
// with -DEXPRVM_ISA_SSE2, _AVX2 or _AVX512 and the matching -m flags; each compilation
// defines kernel_table_<isa>() (vm/kernel_tables.hpp).
//
// xsimd and the kernel templates (vm/kernels/*.hpp) are included inside a namespace named
// after the instruction set, so no inline function compiled here with, say, AVX-512
// instructions can share a symbol with the SSE2 compilation (the linker would otherwise keep
// one copy of each inline function for all three tables).
#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <sleef.h>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <malloc.h>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/numpy_scalar.hpp"
#include "vm/kernel.hpp"
#include "vm/kernel_table_builder.hpp"
#include "vm/kernel_tables.hpp"
#if defined(EXPRVM_ISA_AVX2)
#include "jit/vector_functions.hpp"
#endif

#if defined(EXPRVM_ISA_SSE2)
#define EXPRVM_ISA_NS isa_sse2
#define EXPRVM_ISA_ARCH xsimd::sse2
#define EXPRVM_ISA_TABLE kernel_table_sse2
#elif defined(EXPRVM_ISA_AVX2)
#define EXPRVM_ISA_NS isa_avx2
#define EXPRVM_ISA_ARCH xsimd::fma3<xsimd::avx2>
#define EXPRVM_ISA_TABLE kernel_table_avx2
#elif defined(EXPRVM_ISA_AVX512)
#define EXPRVM_ISA_NS isa_avx512
#define EXPRVM_ISA_ARCH xsimd::avx512bw
#define EXPRVM_ISA_TABLE kernel_table_avx512
#else
#error "compile vm/kernel_table_isa.cpp with one of EXPRVM_ISA_SSE2, EXPRVM_ISA_AVX2, EXPRVM_ISA_AVX512"
#endif

// xsimd's headers name a few of their own functions as ::xsimd::...; route those names to
// this instruction set's copy of xsimd.
namespace exprvm::vm::EXPRVM_ISA_NS::xsimd::detail {}
namespace xsimd {
using namespace ::exprvm::vm::EXPRVM_ISA_NS::xsimd;
namespace detail {
using namespace ::exprvm::vm::EXPRVM_ISA_NS::xsimd::detail;
}
}  // namespace xsimd

// xsimd 8.1's complex batches construct registers before filling them, and GCC 12's AVX-512
// headers spell "undefined register" as `__m512 __Y = __Y;`: both are reported as
// (possibly) uninitialized inside the intrinsics headers.
#if !defined(__clang__)  // a GCC-only warning group (the fuzz build uses clang)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace exprvm::vm::EXPRVM_ISA_NS {

#include <xsimd/xsimd.hpp>

using Arch = EXPRVM_ISA_ARCH;
static_assert(Arch::supported(), "the -m flags of this compilation do not enable its instruction set");

// Impl<op>::apply computes one batch of op; specialised in vm/kernels/*.hpp.
template <Op op> struct Impl;

#include "vm/kernels/common.hpp"
#include "vm/kernels/complex.hpp"
#include "vm/kernels/arith.hpp"
#include "vm/kernels/sleef.hpp"
#include "vm/kernels/math.hpp"
#include "vm/kernels/compare.hpp"
#include "vm/kernels/cast.hpp"
#include "vm/kernels/reduce.hpp"
#if defined(EXPRVM_ISA_AVX2)
#include "vm/kernels/vector_entry.hpp"  // the JIT's vector calls
#endif

template <class R> struct OutSize;
template <class X, class A> struct OutSize<xsimd::batch<X, A>> : std::integral_constant<std::size_t, sizeof(X)> {};
template <class X, class A> struct OutSize<xsimd::batch_bool<X, A>> : std::integral_constant<std::size_t, 1> {};

// One batch of an elementwise op with operand type E, for run_batches.
template <Op op, class E, class A, int arity> struct ElementwiseStep {
  using Bt = xsimd::batch<E, A>;
  static constexpr std::size_t lanes = Bt::size;
  static constexpr std::size_t a_size = op == Op::WHERE ? 1 : sizeof(E);
  static constexpr std::size_t b_size = arity >= 2 ? sizeof(E) : 0;
  static constexpr std::size_t c_size = arity >= 3 ? sizeof(E) : 0;

  static Bt load(const void* p) { return Bt::load_unaligned(static_cast<const E*>(p)); }
  static auto compute(const void* a, const void* b, const void* c) {
    if constexpr (op == Op::WHERE)
      return Impl<op>::apply(load_bool_bytes<Real<E>, A>(static_cast<const std::uint8_t*>(a)), load(b), load(c));
    else if constexpr (arity == 1) return Impl<op>::apply(load(a));
    else if constexpr (arity == 2) return Impl<op>::apply(load(a), load(b));
    else return Impl<op>::apply(load(a), load(b), load(c));
  }
  static constexpr std::size_t out_size = OutSize<decltype(compute(nullptr, nullptr, nullptr))>::value;
  static void run(void* d, const void* a, const void* b, const void* c) { store_result(compute(a, b, c), d); }
};

// KernelTable::sin_cos_split: sin of a into d and cos of a into c, per batch by CIS's Impl (so
// the bits of CIS's parts) without interleaving them into complex elements.
template <class E>
void run_sin_cos_split(std::size_t n, void* d, const void* a, const void*, const void* c) {
  using B = xsimd::batch<E, Arch>;
  constexpr std::size_t lanes = B::size;
  const auto* x = static_cast<const E*>(a);
  auto* sin_out = static_cast<E*>(d);
  auto* cos_out = static_cast<E*>(const_cast<void*>(c));  // (a chunk buffer: KernelTable passes it as an operand)
  const std::size_t full = n - n % lanes;
  for (std::size_t i = 0; i < full; i += lanes) {
    const auto cis = Impl<Op::CIS>::apply(B::load_unaligned(x + i));
    cis.imag().store_unaligned(sin_out + i);
    cis.real().store_unaligned(cos_out + i);
  }
  if (full == n) return;
  alignas(64) E part[lanes] = {};
  std::copy(x + full, x + n, part);
  const auto cis = Impl<Op::CIS>::apply(B::load_aligned(part));
  cis.imag().store_aligned(part);
  std::copy(part, part + (n - full), sin_out + full);
  cis.real().store_aligned(part);
  std::copy(part, part + (n - full), cos_out + full);
}

// This table's entries (for build_kernel_table): only the (op, dtype) pairs of the opcode
// table whose dtype has SIMD kernels get a kernel (and an instantiation); likewise the casts
// between two such dtypes.
struct SimdFiller {
  template <Op op, OpForm form, int arity, DType t> static void fill_op(KernelTable& table) {
    if constexpr (has_simd_kernels(t)) {
      if constexpr (form == OpForm::Reduce)
        table.op[int(op)][int(t)] = &run_reduce<op, Elem<t>, Arch>;
      else
        table.op[int(op)][int(t)] = &run_batches<ElementwiseStep<op, Elem<t>, Arch, arity>, Arch>;
    }
  }
  template <DType to, DType from> static void fill_cast(KernelTable& table) {
    if constexpr (has_simd_kernels(to) && has_simd_kernels(from))
      table.cast[int(to)][int(from)] = &run_cast<Elem<to>, Elem<from>, Arch>;
  }
};

}  // namespace exprvm::vm::EXPRVM_ISA_NS

namespace exprvm::vm {
const KernelTable& EXPRVM_ISA_TABLE() {
  static const KernelTable table = [] {
    KernelTable t = build_kernel_table<EXPRVM_ISA_NS::SimdFiller>();
    t.sin_cos_split[0] = &EXPRVM_ISA_NS::run_sin_cos_split<float>;
    t.sin_cos_split[1] = &EXPRVM_ISA_NS::run_sin_cos_split<double>;
    return t;
  }();
  return table;
}
}  // namespace exprvm::vm

#if defined(EXPRVM_ISA_AVX2)
namespace exprvm::jit {
const VectorFunctionTable& vector_functions_avx2() {
  static const VectorFunctionTable table = vm::EXPRVM_ISA_NS::make_vector_function_table();
  return table;
}
}  // namespace exprvm::jit
#endif
