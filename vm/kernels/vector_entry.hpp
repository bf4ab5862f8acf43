// Vector entry points for the JIT (jit/vector_calls.hpp): each elementwise float kernel of one
// or two operands with a float or bool result, as a function of one SIMD register per operand
// returning one register (ymm in and out for AVX2). The body is the kernel's own
// Impl<op>::apply on one batch, the same code run_batches runs per vector, so a fused loop
// calling it computes the interpreter's bits. Included inside the ISA namespace (see
// common.hpp), by the AVX2 compilation only.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

template <Op op, int arity, class E> struct VectorEntry {
  using B = xsimd::batch<E, Arch>;
  using Register = typename B::register_type;

  // Whether Impl<op> maps one or two batches of E to a batch of E or a batch_bool of E.
  static constexpr bool available() {
    if constexpr (op == Op::WHERE || op == Op::CAST) {
      return false;
    } else if constexpr (arity == 1 && requires(B x) { Impl<op>::apply(x); }) {
      using R = decltype(Impl<op>::apply(std::declval<B>()));
      return std::is_same_v<R, B> || std::is_same_v<R, xsimd::batch_bool<E, Arch>>;
    } else if constexpr (arity == 2 && requires(B x) { Impl<op>::apply(x, x); }) {
      using R = decltype(Impl<op>::apply(std::declval<B>(), std::declval<B>()));
      return std::is_same_v<R, B> || std::is_same_v<R, xsimd::batch_bool<E, Arch>>;
    } else {
      return false;
    }
  }
  static Register unary(Register a) { return Impl<op>::apply(B(a)); }
  static Register binary(Register a, Register b) { return Impl<op>::apply(B(a), B(b)); }

  static const void* entry() {
    if constexpr (!available()) return nullptr;
    else if constexpr (arity == 1) return reinterpret_cast<const void*>(&unary);
    else return reinterpret_cast<const void*>(&binary);
  }
};

// sin and cos of one operand by CIS's kernel: returns one part, stores the other at `other`.
// The common batch (every lane below kSinCosLimit) straight from sincos_below_limit, the others
// by CIS's kernel in a tail call, so the common call needs no stack frame. CIS's kernel
// computes the same (sincos_by_range).
template <class E, bool returns_sin> struct SinCosPairEntry {
  using B = xsimd::batch<E, Arch>;
  using Register = typename B::register_type;
  [[gnu::noinline]] static Register by_kernel(Register a, Register* other) {
    const auto cis = Impl<Op::CIS>::apply(B(a));  // cos + i sin
    *other = returns_sin ? cis.real() : cis.imag();
    return returns_sin ? cis.imag() : cis.real();
  }
  static Register call(Register a, Register* other) {
    if constexpr (kSinCosByOwnKernel<E, Arch>) {
      if (xsimd::all(xsimd::abs(B(a)) < B(kSinCosLimit<E>))) {
        const auto [sin_a, cos_a] = sincos_below_limit(B(a));
        *other = returns_sin ? cos_a : sin_a;
        return returns_sin ? sin_a : cos_a;
      }
    }
    return by_kernel(a, other);
  }
};

// The table of jit::vector_functions_avx2(): entries for the ops whose operand types include
// the float dtypes.
template <Op op, OpForm form, int arity, TypeSet types> void fill_vector_entries(::exprvm::jit::VectorFunctionTable& table) {
  if constexpr (form == OpForm::Elementwise && ((types >> index_of(DType::Float32)) & 1u)) {
    table.fn[int(op)][0] = VectorEntry<op, arity, float>::entry();
    table.fn[int(op)][1] = VectorEntry<op, arity, double>::entry();
  }
}

inline ::exprvm::jit::VectorFunctionTable make_vector_function_table() {
  using namespace typeset;
  ::exprvm::jit::VectorFunctionTable table;
#define X(NAME, SPELLING, FORM, ARITY, TYPES, RESULT, MEANING) \
  fill_vector_entries<Op::NAME, OpForm::FORM, ARITY, static_cast<TypeSet>(TYPES)>(table);
#include "compiler/opcodes.def"
#undef X
  table.sin_cos_pair[0][0] = reinterpret_cast<const void*>(&SinCosPairEntry<float, false>::call);
  table.sin_cos_pair[0][1] = reinterpret_cast<const void*>(&SinCosPairEntry<float, true>::call);
  table.sin_cos_pair[1][0] = reinterpret_cast<const void*>(&SinCosPairEntry<double, false>::call);
  table.sin_cos_pair[1][1] = reinterpret_cast<const void*>(&SinCosPairEntry<double, true>::call);
  return table;
}
