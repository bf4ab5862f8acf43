#include "tools/ulp/measure.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

#include "core/float16.hpp"

namespace exprvm::ulp {
namespace {

// The properties of a measured dtype, as doubles.
struct Format {
  int digits;           // significand bits, the hidden one included
  double min_normal;
  double min_subnormal;
  double max_finite;
};

Format format_of(DType t) {
  switch (t) {
    case DType::Float16: return {11, 0x1p-14, 0x1p-24, 65504.0};
    case DType::Float32:
      return {24, std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
              std::numeric_limits<float>::max()};
    case DType::Float64:
      return {53, std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
              std::numeric_limits<double>::max()};
    default: throw std::invalid_argument("ulp: dtype must be float16, float32 or float64");
  }
}

// x rounded to dtype t (to nearest even).
double round_to(DType t, double x) {
  switch (t) {
    case DType::Float16: return float16::from_double(x).to_float();
    case DType::Float32: return static_cast<float>(x);
    default: return x;
  }
}

// The distance between adjacent values of t around |x| (the subnormal spacing below 2**emin).
double ulp_of(const Format& f, double x) {
  x = std::fabs(x);
  if (x < f.min_normal) return f.min_subnormal;
  return std::ldexp(1.0, std::ilogb(x) - (f.digits - 1));
}

double resolve(const Endpoint& e, const Format& f, double scale) {
  switch (e.limit) {
    case Limit::Value: return e.value;
    case Limit::MinSubnormal: return f.min_subnormal;
    case Limit::MaxFinite: return f.max_finite;
    case Limit::OverflowLog: return (std::log(f.max_finite) + e.value) * scale;
    case Limit::UnderflowLog: return (std::log(f.min_subnormal) + e.value) * scale;
  }
  return 0;
}

// One value drawn from ranges (picked by weight), rounded to t.
class RangeDrawer {
 public:
  RangeDrawer(const std::vector<Range>& ranges, DType t, std::mt19937_64& rng) : t_(t), f_(format_of(t)), rng_(rng) {
    for (const auto& r : ranges) {
      double lo = resolve(r.lo, f_, r.scale), hi = resolve(r.hi, f_, r.scale);
      if (lo > hi) std::swap(lo, hi);
      lo = std::clamp(lo, -f_.max_finite, f_.max_finite);
      hi = std::clamp(hi, -f_.max_finite, f_.max_finite);
      if (r.log_scale) lo = std::max(lo, f_.min_subnormal), hi = std::max(hi, lo);
      bounds_.push_back({lo, hi, r.log_scale, r.both_signs});
      weights_.push_back(r.weight);
    }
  }
  double draw() {
    const auto& b = bounds_[std::discrete_distribution<std::size_t>(weights_.begin(), weights_.end())(rng_)];
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    double x = b.log_scale ? std::exp(std::log(b.lo) + u * (std::log(b.hi) - std::log(b.lo))) : b.lo + u * (b.hi - b.lo);
    if (b.both_signs && (rng_() & 1)) x = -x;
    return round_to(t_, x);
  }

 private:
  struct Bounds { double lo, hi; bool log_scale, both_signs; };
  DType t_;
  Format f_;
  std::mt19937_64& rng_;
  std::vector<Bounds> bounds_;
  std::vector<double> weights_;
};

std::vector<double> specials(const Format& f) {
  const double inf = std::numeric_limits<double>::infinity();
  return {0.0, -0.0, inf, -inf, std::numeric_limits<double>::quiet_NaN(), f.min_subnormal, -f.min_subnormal,
          f.min_normal, -f.min_normal, f.max_finite, -f.max_finite, 1.0, -1.0};
}

// The values of dtype t nearest to k pi/2 and their two neighbours, for k = 1..1024 and for
// `count` / 3 more k drawn log-uniformly below 2**21, both signs: where x - k pi/2 cancels,
// so an argument reduction short of bits shows (the float64 kernel's |k| < 2**20 and beyond).
void append_near_half_pi_multiples(DType t, std::size_t count, std::mt19937_64& rng, std::vector<double>& out) {
  mpfr_t half_pi, product;
  mpfr_inits2(256, half_pi, product, static_cast<mpfr_ptr>(nullptr));
  mpfr_const_pi(half_pi, MPFR_RNDN);
  mpfr_div_2ui(half_pi, half_pi, 1, MPFR_RNDN);
  auto add = [&](std::uint64_t k) {
    mpfr_mul_ui(product, half_pi, k, MPFR_RNDN);
    const double nearest = round_to(t, mpfr_get_d(product, MPFR_RNDN));
    const double inf = std::numeric_limits<double>::infinity();
    const float nearest_float = static_cast<float>(nearest);
    const std::array<double, 3> values =
        t == DType::Float32
            ? std::array<double, 3>{nearest, std::nextafter(nearest_float, HUGE_VALF), std::nextafter(nearest_float, -HUGE_VALF)}
            : std::array<double, 3>{nearest, std::nextafter(nearest, inf), std::nextafter(nearest, -inf)};
    for (double x : values) out.push_back(rng() & 1 ? x : -x);
  };
  for (std::uint64_t k = 1; k <= 1024; ++k) add(k);
  std::uniform_real_distribution<double> log2_k(10, 21);
  for (std::size_t i = 0; i < count / 3; ++i) add(static_cast<std::uint64_t>(std::exp2(log2_k(rng))));
  mpfr_clears(half_pi, product, static_cast<mpfr_ptr>(nullptr));
}

// Engine buffers: doubles converted to dtype t's bytes and back.
std::vector<unsigned char> to_bytes(DType t, const std::vector<double>& x) {
  std::vector<unsigned char> bytes(x.size() * itemsize(t));
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (t == DType::Float16) {
      const float16 h = float16::from_double(x[i]);
      std::memcpy(&bytes[i * 2], &h.bits, 2);
    } else if (t == DType::Float32) {
      const float v = static_cast<float>(x[i]);
      std::memcpy(&bytes[i * 4], &v, 4);
    } else {
      std::memcpy(&bytes[i * 8], &x[i], 8);
    }
  }
  return bytes;
}
std::vector<double> from_bytes(DType t, const std::vector<unsigned char>& bytes) {
  std::vector<double> x(bytes.size() / itemsize(t));
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (t == DType::Float16) {
      float16 h;
      std::memcpy(&h.bits, &bytes[i * 2], 2);
      x[i] = h.to_float();
    } else if (t == DType::Float32) {
      float v;
      std::memcpy(&v, &bytes[i * 4], 4);
      x[i] = v;
    } else {
      std::memcpy(&x[i], &bytes[i * 8], 8);
    }
  }
  return x;
}

// A compiled program with its typed argument and result buffers.
struct EngineRun {
  Program program;
  std::vector<unsigned char> a, b, out;
  std::vector<Array> args;
  Array result;

  EngineRun(const Function& f, DType t, const std::vector<double>& xa, const std::vector<double>& xb)
      : program(compile(f.source, f.arity == 2 ? Signature{{"a", t}, {"b", t}} : Signature{{"a", t}})),
        a(to_bytes(t, xa)), b(to_bytes(t, xb)), out(a.size()) {
    const std::int64_t n = static_cast<std::int64_t>(xa.size());
    args.push_back(Array::from_raw(a.data(), t, {n}));
    if (f.arity == 2) args.push_back(Array::from_raw(b.data(), t, {n}));
    result = Array::from_raw(out.data(), t, {n});
  }
  void run() { program.run(args, &result); }
};

}  // namespace

Sample make_sample(const Function& f, DType t, std::size_t count, std::uint64_t seed) {
  const Format fmt = format_of(t);
  Sample s;
  if (t == DType::Float16 && f.arity == 1) {  // the bit patterns, evenly strided
    const std::size_t stride = std::max<std::size_t>(1, 65536 / std::max<std::size_t>(count, 1));
    for (std::size_t bits = 0; bits < 65536; bits += stride) {
      const float16 h{static_cast<std::uint16_t>(bits)};
      s.a.push_back(h.to_float());
    }
    return s;
  }
  std::mt19937_64 rng(seed);
  const auto special = specials(fmt);
  for (double x : special) {
    if (f.arity == 1) s.a.push_back(x);
    else
      for (double y : special) s.a.push_back(x), s.b.push_back(y);
  }
  if (f.near_half_pi_multiples) append_near_half_pi_multiples(t, count / 8, rng, s.a);
  RangeDrawer da(f.a_ranges, t, rng);
  RangeDrawer db(f.arity == 2 ? f.b_ranges : f.a_ranges, t, rng);
  const double log2_max = std::log2(fmt.max_finite), log2_min = std::log2(fmt.min_subnormal);
  while (s.a.size() < count) {
    const double x = da.draw();
    double y = f.arity == 2 ? db.draw() : 0;
    if (f.pow_pairs && (rng() & 1)) {
      // an exponent that puts x**y anywhere from underflow to past overflow
      const double target = std::uniform_real_distribution<double>(log2_min - 4, log2_max + 2)(rng);
      const double lx = std::log2(std::fabs(x));
      if (std::fabs(lx) > 1e-3 && std::isfinite(lx)) y = round_to(t, target / lx);
    }
    s.a.push_back(x);
    if (f.arity == 2) s.b.push_back(y);
  }
  return s;
}

Reference reference(const Function& f, DType t, const Sample& s) {
  const mpfr_prec_t precision = t == DType::Float64 ? 160 : 96;
  mpfr_t x, y, r, d;
  mpfr_inits2(precision, x, y, r, d, static_cast<mpfr_ptr>(nullptr));
  Reference ref;
  ref.hi.resize(s.size());
  ref.lo.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    mpfr_set_d(x, s.a[i], MPFR_RNDN);
    if (f.arity == 2) {
      mpfr_set_d(y, s.b[i], MPFR_RNDN);
      f.binary(r, x, y, MPFR_RNDN);
    } else {
      f.unary(r, x, MPFR_RNDN);
    }
    ref.hi[i] = mpfr_get_d(r, MPFR_RNDN);
    ref.lo[i] = 0;
    if (std::isfinite(ref.hi[i])) {
      mpfr_sub_d(d, r, ref.hi[i], MPFR_RNDN);
      ref.lo[i] = mpfr_get_d(d, MPFR_RNDN);
    }
  }
  mpfr_clears(x, y, r, d, static_cast<mpfr_ptr>(nullptr));
  return ref;
}

std::vector<double> run_engine(const Function& f, DType t, const Sample& s) {
  EngineRun run(f, t, s.a, s.b);
  run.run();
  return from_bytes(t, run.out);
}

Stats compare(const Function& f, DType t, const Sample& s, const Reference& r, const std::vector<double>& out) {
  const Format fmt = format_of(t);
  const double inf = std::numeric_limits<double>::infinity();
  // The exact value overflows t when it is at least max + ulp(max) / 2.
  const double overflow = fmt.max_finite + std::ldexp(1.0, std::ilogb(fmt.max_finite) - fmt.digits);
  Stats st;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double hi = r.hi[i], lo = r.lo[i], o = out[i];
    double err;
    if (std::isnan(hi) || std::isnan(o)) {
      err = std::isnan(hi) && std::isnan(o) ? 0 : inf;
    } else if (std::isinf(hi) || std::fabs(hi) >= overflow) {
      err = o == std::copysign(inf, hi) ? 0 : inf;
    } else if (std::isinf(o)) {
      err = inf;
    } else {
      err = std::fabs((o - hi) - lo) / ulp_of(fmt, hi);
    }
    if (f.saturates_to_one && std::fabs(hi) <= 1 && (1 - std::fabs(hi)) - std::copysign(lo, hi) < std::ldexp(1.0, -fmt.digits - 2) &&
        o != std::copysign(1.0, hi))
      ++st.saturation_misses;
    if (hi == 0 && o == 0 && std::signbit(hi) != std::signbit(o)) ++st.zero_sign_misses;
    st.sum_ulps += std::isfinite(err) ? err : 0;
    ++st.count;
    if (err > st.max_ulps || (std::isnan(err))) {
      st.max_ulps = err;
      st.worst_a = s.a[i];
      st.worst_b = f.arity == 2 ? s.b[i] : 0;
      st.worst_result = o;
      st.worst_exact = hi;
    }
  }
  return st;
}

Sample typical_inputs(DType t, const Sample& s, const Reference& r) {
  const Format fmt = format_of(t);
  Sample typical;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double b = s.b.empty() ? 0 : s.b[i];
    if (std::fabs(s.a[i]) <= 1e4 && std::fabs(b) <= 1e4 && std::fabs(r.hi[i]) >= fmt.min_normal &&
        std::fabs(r.hi[i]) <= fmt.max_finite) {
      typical.a.push_back(s.a[i]);
      if (!s.b.empty()) typical.b.push_back(b);
    }
  }
  return typical.size() ? typical : s;
}

double time_engine(const Function& f, DType t, const Sample& s, std::size_t n, int repeats) {
  std::vector<double> a(n), b(f.arity == 2 ? n : 0);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = s.a[i % s.size()];
    if (f.arity == 2) b[i] = s.b[i % s.size()];
  }
  EngineRun run(f, t, a, b);
  const int previous = set_num_threads(1);
  double best = std::numeric_limits<double>::infinity();
  run.run();  // warm up
  for (int k = 0; k < repeats; ++k) {
    const auto start = std::chrono::steady_clock::now();
    run.run();
    best = std::min(best, std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  set_num_threads(previous);
  return best / double(n);
}

}  // namespace exprvm::ulp
