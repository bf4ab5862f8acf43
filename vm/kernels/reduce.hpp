// Reduction kernels: *d = fold(*d, a[0..n)). Four batch accumulators (for throughput), a
// zero-padded tail batch filled with the identity, then a lane-order horizontal fold: the
// result depends only on n and the ISA. MIN and MAX track NaN separately, so a NaN anywhere
// (or in *d) gives NaN. Included inside the ISA namespace (see common.hpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

template <Op op, class E> inline E reduce_identity_of() {
  if constexpr (op == Op::SUM || op == Op::ANY) return E(Real<E>(0));
  else if constexpr (op == Op::PROD || op == Op::ALL) return E(Real<E>(1));
  else if constexpr (op == Op::MIN) return kIsFloat<E> ? std::numeric_limits<E>::infinity() : std::numeric_limits<E>::max();
  else return kIsFloat<E> ? -std::numeric_limits<E>::infinity() : std::numeric_limits<E>::lowest();
}

// The fold of two batches (or of two scalars, as batches of one lane do not exist: the
// scalar form below mirrors it without std:: inline arithmetic on complex numbers).
template <Op op, class E, class A>
inline xsimd::batch<E, A> reduce_combine(const xsimd::batch<E, A>& x, const xsimd::batch<E, A>& y) {
  if constexpr (op == Op::SUM) return x + y;
  else if constexpr (op == Op::PROD) return wrapping_mul(x, y);
  else if constexpr (op == Op::MIN) return xsimd::min(x, y);
  else if constexpr (op == Op::MAX) return xsimd::max(x, y);
  else if constexpr (op == Op::ANY) return x | y;
  else return x & y;
}
template <Op op, class E, class A> inline E reduce_combine_scalar(E x, E y) {
  if constexpr (kIsComplex<E>) {
    using T = Real<E>;
    const T* p = reinterpret_cast<const T*>(&x);
    const T* q = reinterpret_cast<const T*>(&y);
    if constexpr (op == Op::SUM) return E(p[0] + q[0], p[1] + q[1]);
    else return E(p[0] * q[0] - p[1] * q[1], p[0] * q[1] + p[1] * q[0]);
  } else if constexpr (kIsInt<E> && (op == Op::SUM || op == Op::PROD)) {
    using U = std::make_unsigned_t<E>;  // wrap around like the SIMD lanes do
    return op == Op::SUM ? E(U(x) + U(y)) : E(U(x) * U(y));
  } else if constexpr (op == Op::SUM) return x + y;
  else if constexpr (op == Op::PROD) return x * y;
  else if constexpr (op == Op::MIN) return y < x ? y : x;
  else if constexpr (op == Op::MAX) return y > x ? y : x;
  else if constexpr (op == Op::ANY) return E(x | y);
  else return E(x & y);
}

template <Op op, class E, class A>
void run_reduce(std::size_t n, void* d, const void* a, const void*, const void*) {
  using Bt = xsimd::batch<E, A>;
  constexpr std::size_t lanes = Bt::size;
  constexpr bool track_nan = kIsFloat<E> && (op == Op::MIN || op == Op::MAX);
  const E identity = reduce_identity_of<op, E>();
  const E* src = static_cast<const E*>(a);
  if constexpr (kIsFloat<E> && (op == Op::SUM || op == Op::PROD)) {
    // At most one batch (e.g. a full reduction's few block partials): the batch path below
    // lane by lane, without its staging copy and lane spill. Lane k holds id.(id.x_k) folded
    // with id.id, which is id.x_k; lanes past n hold id, and one trailing fold with id
    // stands for all of them (total.id.id = total.id for + and *).
    if (n <= lanes) {
      E total = *static_cast<E*>(d);
      for (std::size_t k = 0; k < n; ++k) total = reduce_combine_scalar<op, E, A>(total, reduce_combine_scalar<op, E, A>(identity, src[k]));
      if (n < lanes) total = reduce_combine_scalar<op, E, A>(total, identity);
      *static_cast<E*>(d) = total;
      return;
    }
  }
  Bt acc0(identity), acc1(identity), acc2(identity), acc3(identity);
  xsimd::batch_bool<Real<E>, A> nan0(false), nan1(false);
  auto fold = [&](Bt& acc, xsimd::batch_bool<Real<E>, A>& nan, const Bt& x) {
    acc = reduce_combine<op, E, A>(acc, x);
    if constexpr (track_nan) nan = nan || is_nan(x);
  };
  const std::size_t full = n - n % lanes;
  std::size_t i = 0;
  for (; i + 4 * lanes <= full; i += 4 * lanes) {
    fold(acc0, nan0, Bt::load_unaligned(src + i));
    fold(acc1, nan1, Bt::load_unaligned(src + i + lanes));
    fold(acc2, nan0, Bt::load_unaligned(src + i + 2 * lanes));
    fold(acc3, nan1, Bt::load_unaligned(src + i + 3 * lanes));
  }
  for (; i < full; i += lanes) fold(acc0, nan0, Bt::load_unaligned(src + i));
  if (full < n) {
    alignas(64) E tail[lanes];
    for (std::size_t k = 0; k < lanes; ++k) tail[k] = identity;
    copy_elements<sizeof(E), lanes>(reinterpret_cast<unsigned char*>(tail),
                                    reinterpret_cast<const unsigned char*>(src + full), n - full);
    fold(acc1, nan1, Bt::load_aligned(tail));
  }
  acc0 = reduce_combine<op, E, A>(reduce_combine<op, E, A>(acc0, acc1), reduce_combine<op, E, A>(acc2, acc3));
  alignas(64) E lane_values[lanes];
  acc0.store_aligned(lane_values);
  E total = *static_cast<E*>(d);
  for (std::size_t k = 0; k < lanes; ++k) total = reduce_combine_scalar<op, E, A>(total, lane_values[k]);
  if constexpr (track_nan) {
    if (xsimd::any(nan0 || nan1)) total = std::numeric_limits<E>::quiet_NaN();
    if (*static_cast<E*>(d) != *static_cast<E*>(d)) total = *static_cast<E*>(d);
  }
  *static_cast<E*>(d) = total;
}
