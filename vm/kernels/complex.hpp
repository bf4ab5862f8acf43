// Complex kernels that NumPy computes with C99's <complex.h> functions (and its own formulas
// for expm1, log1p, log2, log10 and pow). xsimd 8.1's complex versions of these lose the
// imaginary part on branch cuts (arcsin(2+0j)), return NaN for real arguments of tan, give
// (inf, nan) for exp/sinh of large real arguments, underflow for tiny moduli (sqrt) and
// overflow in division, so these take libm per lane: results are
// NumPy's, bit for bit on glibc. Division is Smith's algorithm (NumPy's), in batches.
// Included inside the ISA namespace (see common.hpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// The complex ops that are exactly a C99 function.
#define EXPRVM_C99_FUNCTIONS                                                                      \
  EXPRVM_C99(SQRT, csqrt) EXPRVM_C99(LOG, clog) EXPRVM_C99(TAN, ctan) EXPRVM_C99(TANH, ctanh)      \
  EXPRVM_C99(EXP, cexp) EXPRVM_C99(SIN, csin) EXPRVM_C99(COS, ccos) EXPRVM_C99(SINH, csinh)          \
  EXPRVM_C99(COSH, ccosh)                                                                          \
  EXPRVM_C99(ARCSIN, casin) EXPRVM_C99(ARCCOS, cacos) EXPRVM_C99(ARCTAN, catan)                    \
  EXPRVM_C99(ARCSINH, casinh) EXPRVM_C99(ARCCOSH, cacosh) EXPRVM_C99(ARCTANH, catanh)

// The libm function of op on one complex value (re, im), in place.
template <Op op, class T> inline void c99_complex(T& re, T& im) {
  if constexpr (std::is_same_v<T, float>) {
    __complex__ float z;
    __real__ z = re;
    __imag__ z = im;
#define EXPRVM_C99(NAME, fn) \
  if constexpr (op == Op::NAME) z = __builtin_##fn##f(z);
    EXPRVM_C99_FUNCTIONS
#undef EXPRVM_C99
    re = __real__ z;
    im = __imag__ z;
  } else {
    __complex__ double z;
    __real__ z = re;
    __imag__ z = im;
#define EXPRVM_C99(NAME, fn) \
  if constexpr (op == Op::NAME) z = __builtin_##fn(z);
    EXPRVM_C99_FUNCTIONS
#undef EXPRVM_C99
    re = __real__ z;
    im = __imag__ z;
  }
}
#undef EXPRVM_C99_FUNCTIONS

// Applies f(re, im) (in place) to every lane of z.
template <class T, class A, class F>
inline xsimd::batch<std::complex<T>, A> complex_lanewise(const xsimd::batch<std::complex<T>, A>& z, F f) {
  constexpr std::size_t n = xsimd::batch<std::complex<T>, A>::size;
  alignas(64) T parts[2 * n];
  xsimd::real(z).store_aligned(parts);
  xsimd::imag(z).store_aligned(parts + n);
  for (std::size_t i = 0; i < n; ++i) f(parts[i], parts[n + i]);
  return xsimd::batch<std::complex<T>, A>(xsimd::batch<T, A>::load_aligned(parts),
                                          xsimd::batch<T, A>::load_aligned(parts + n));
}

// ---- NumPy's complex formulas built on the C99 functions

// log1p(z) = log|z + 1| + i arg(z + 1), as NumPy's nc_log1p.
template <class T> inline void numpy_log1p(T& re, T& im) {
  const T x = re + T(1);
  if constexpr (std::is_same_v<T, float>) {
    re = __builtin_logf(__builtin_hypotf(x, im));
    im = __builtin_atan2f(im, x);
  } else {
    re = __builtin_log(__builtin_hypot(x, im));
    im = __builtin_atan2(im, x);
  }
}
// expm1(z) = expm1(x) cos(y) - 2 sin(y/2)**2 + i exp(x) sin(y), as NumPy's nc_expm1.
template <class T> inline void numpy_expm1(T& re, T& im) {
  const T x = re, y = im;
  if constexpr (std::is_same_v<T, float>) {
    const T a = __builtin_sinf(y / 2);
    re = __builtin_expm1f(x) * __builtin_cosf(y) - 2 * a * a;
    im = __builtin_expf(x) * __builtin_sinf(y);
  } else {
    const T a = __builtin_sin(y / 2);
    re = __builtin_expm1(x) * __builtin_cos(y) - 2 * a * a;
    im = __builtin_exp(x) * __builtin_sin(y);
  }
}
// log_b(z) = log(z) * log_b(e), as NumPy's nc_log2 / nc_log10.
template <class T, int base> inline void numpy_log_base(T& re, T& im) {
  c99_complex<Op::LOG, T>(re, im);
  const T scale = base == 2 ? T(1.442695040888963407359924681001892137) : T(0.434294481903251827651128918916605082);
  re *= scale;
  im *= scale;
}

// Complex products and Smith's quotient on scalars (for NumPy's integer powers).
template <class T> struct ScalarComplex {
  T re, im;
};
template <class T> inline ScalarComplex<T> scalar_mul(ScalarComplex<T> a, ScalarComplex<T> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
template <class T> inline T scalar_abs(T x) { return x < T(0) ? -x : x; }
template <class T> inline ScalarComplex<T> scalar_div(ScalarComplex<T> a, ScalarComplex<T> b) {
  const T abs_re = scalar_abs(b.re), abs_im = scalar_abs(b.im);
  if (abs_re >= abs_im) {
    if (abs_re == T(0) && abs_im == T(0)) return {a.re / abs_re, a.im / abs_re};
    const T rat = b.im / b.re, scl = T(1) / (b.re + b.im * rat);
    return {(a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl};
  }
  const T rat = b.re / b.im, scl = T(1) / (b.im + b.re * rat);
  return {(a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl};
}

// a ** b as NumPy's nc_pow: exact cases for b == 0 and a == 0, repeated multiplication for
// integer b with |b| < 100, else C99's cpow.
template <class T> inline ScalarComplex<T> numpy_pow(ScalarComplex<T> a, ScalarComplex<T> b) {
  if (b.re == T(0) && b.im == T(0)) return {T(1), T(0)};
  if (a.re == T(0) && a.im == T(0)) {
    if (b.re > T(0) && b.im == T(0)) return {T(0), T(0)};
    return {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::quiet_NaN()};
  }
  if (b.im == T(0) && b.re > T(-100) && b.re < T(100) && T(int(b.re)) == b.re) {
    int n = int(b.re);
    if (n == 1) return a;
    if (n == 2) return scalar_mul(a, a);
    if (n == 3) return scalar_mul(scalar_mul(a, a), a);
    if (n < 0) n = -n;
    ScalarComplex<T> result{T(1), T(0)}, power = a;
    for (int mask = 1;; mask <<= 1) {
      if (n & mask) result = scalar_mul(result, power);
      if (n < (mask << 1)) break;
      power = scalar_mul(power, power);
    }
    return b.re < T(0) ? scalar_div(ScalarComplex<T>{T(1), T(0)}, result) : result;
  }
  if constexpr (std::is_same_v<T, float>) {
    __complex__ float x, y;
    __real__ x = a.re, __imag__ x = a.im, __real__ y = b.re, __imag__ y = b.im;
    x = __builtin_cpowf(x, y);
    return {__real__ x, __imag__ x};
  } else {
    __complex__ double x, y;
    __real__ x = a.re, __imag__ x = a.im, __real__ y = b.re, __imag__ y = b.im;
    x = __builtin_cpow(x, y);
    return {__real__ x, __imag__ x};
  }
}

// The complex ops computed per lane with libm, as NumPy does.
template <Op op> inline constexpr bool kComplexByLibm =
    op == Op::SQRT || op == Op::LOG || op == Op::LOG1P || op == Op::LOG10 || op == Op::LOG2 || op == Op::TAN ||
    op == Op::TANH || op == Op::ARCSIN || op == Op::ARCCOS || op == Op::ARCTAN || op == Op::ARCSINH ||
    op == Op::ARCCOSH || op == Op::ARCTANH || op == Op::EXP || op == Op::EXPM1 || op == Op::SIN ||
    op == Op::COS || op == Op::SINH || op == Op::COSH;

template <Op op, class T, class A>
inline xsimd::batch<std::complex<T>, A> complex_by_libm(const xsimd::batch<std::complex<T>, A>& z) {
  if constexpr (op == Op::LOG1P) return complex_lanewise(z, numpy_log1p<T>);
  else if constexpr (op == Op::EXPM1) return complex_lanewise(z, numpy_expm1<T>);
  else if constexpr (op == Op::LOG2) return complex_lanewise(z, numpy_log_base<T, 2>);
  else if constexpr (op == Op::LOG10) return complex_lanewise(z, numpy_log_base<T, 10>);
  else return complex_lanewise(z, c99_complex<op, T>);
}

// a ** b per lane with numpy_pow.
template <class T, class A>
inline xsimd::batch<std::complex<T>, A> complex_pow(const xsimd::batch<std::complex<T>, A>& a,
                                                    const xsimd::batch<std::complex<T>, A>& b) {
  constexpr std::size_t n = xsimd::batch<std::complex<T>, A>::size;
  alignas(64) T parts[4 * n];
  xsimd::real(a).store_aligned(parts);
  xsimd::imag(a).store_aligned(parts + n);
  xsimd::real(b).store_aligned(parts + 2 * n);
  xsimd::imag(b).store_aligned(parts + 3 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const ScalarComplex<T> r = numpy_pow<T>({parts[i], parts[n + i]}, {parts[2 * n + i], parts[3 * n + i]});
    parts[i] = r.re;
    parts[n + i] = r.im;
  }
  return xsimd::batch<std::complex<T>, A>(xsimd::batch<T, A>::load_aligned(parts),
                                          xsimd::batch<T, A>::load_aligned(parts + n));
}

// Smith's complex division (NumPy's), both branches computed and selected per lane.
template <class T, class A>
inline xsimd::batch<std::complex<T>, A> smith_divide(const xsimd::batch<std::complex<T>, A>& a,
                                                     const xsimd::batch<std::complex<T>, A>& b) {
  using R = xsimd::batch<T, A>;
  const R ar = xsimd::real(a), ai = xsimd::imag(a), br = xsimd::real(b), bi = xsimd::imag(b);
  const auto real_dominant = xsimd::abs(br) >= xsimd::abs(bi);
  const R big = xsimd::select(real_dominant, br, bi), small = xsimd::select(real_dominant, bi, br);
  const R rat = small / big, scl = R(T(1)) / (big + small * rat);
  // real dominant: ((ar + ai rat), (ai - ar rat)) * scl; else ((ar rat + ai), (ai rat - ar)) * scl
  R re = xsimd::select(real_dominant, ar + ai * rat, ar * rat + ai) * scl;
  R im = xsimd::select(real_dominant, ai - ar * rat, ai * rat - ar) * scl;
  const auto zero_divisor = (br == T(0)) && (bi == T(0));
  re = xsimd::select(zero_divisor, ar / xsimd::abs(br), re);
  im = xsimd::select(zero_divisor, ai / xsimd::abs(br), im);
  return xsimd::batch<std::complex<T>, A>(re, im);
}
