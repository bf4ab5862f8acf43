// Comparison and classification kernels: they return masks, stored as bool bytes 0/1.
// Included inside the ISA namespace (see common.hpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

#define EXPRVM_COMPARE(NAME, op)                                                                 \
  template <> struct Impl<Op::NAME> {                                                            \
    template <class E, class A>                                                                  \
    static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) { return a op b; } \
  };
EXPRVM_COMPARE(LT, <)
EXPRVM_COMPARE(LE, <=)
EXPRVM_COMPARE(GE, >=)
EXPRVM_COMPARE(GT, >)
#undef EXPRVM_COMPARE

// Fused where(a CMP b, a, c): the compare's mask feeds the blend in registers.
#define EXPRVM_SELECT(NAME, COMPARE)                                                             \
  template <> struct Impl<Op::NAME> {                                                            \
    template <class E, class A>                                                                  \
    static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b,                  \
                      const xsimd::batch<E, A>& c) {                                             \
      return xsimd::select(Impl<Op::COMPARE>::apply(a, b), a, c);                                \
    }                                                                                            \
  };
EXPRVM_SELECT(SELECT_LT, LT)
EXPRVM_SELECT(SELECT_LE, LE)
EXPRVM_SELECT(SELECT_GE, GE)
EXPRVM_SELECT(SELECT_GT, GT)
#undef EXPRVM_SELECT

// Complex numbers are equal when both parts are.
template <> struct Impl<Op::EQ> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsComplex<E>)
      return (xsimd::real(a) == xsimd::real(b)) && (xsimd::imag(a) == xsimd::imag(b));
    else return a == b;
  }
};
template <> struct Impl<Op::NE> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsComplex<E>)
      return not_equal(xsimd::real(a), xsimd::real(b)) || not_equal(xsimd::imag(a), xsimd::imag(b));
    else return not_equal(a, b);
  }
};

// Complex: NaN if either part is NaN.
template <> struct Impl<Op::ISNAN> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) return is_nan(xsimd::real(a)) || is_nan(xsimd::imag(a));
    else return is_nan(a);
  }
};
// Complex: finite when both parts are.
template <> struct Impl<Op::ISFINITE> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) return xsimd::isfinite(xsimd::real(a)) && xsimd::isfinite(xsimd::imag(a));
    else return xsimd::isfinite(a);
  }
};
// Complex: infinite when either part is.
template <> struct Impl<Op::ISINF> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) return xsimd::isinf(xsimd::real(a)) || xsimd::isinf(xsimd::imag(a));
    else return xsimd::isinf(a);
  }
};
// The sign bit, read through the integer view of the lanes (true for -0.0 and negative NaNs).
template <> struct Impl<Op::SIGNBIT> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    using I = std::conditional_t<sizeof(E) == 4, std::int32_t, std::int64_t>;
    const auto bits = xsimd::bitwise_cast<xsimd::batch<I, A>>(a);
    return xsimd::bool_cast(bits < I(0));
  }
};
