// IEEE 754 binary16, the element type of the float16 storage dtype: the bits, and exact
// conversions. float -> float16 and double -> float16 round to nearest, ties to even (one
// rounding, as NumPy's npy_float_to_half / npy_double_to_half); NaN stays NaN (quiet, sign
// kept), overflow gives +-Inf, tiny values become subnormals or +-0. float16 -> float is exact.
// The functions are always inlined: the per-ISA kernel tables call them, and no out-of-line
// copy compiled for one instruction set may serve another.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace exprvm {

struct float16 {
  std::uint16_t bits = 0;

  // The float16 nearest to x (ties to even).
  [[gnu::always_inline]] static constexpr float16 from_float(float x) {
    const std::uint32_t f = std::bit_cast<std::uint32_t>(x);
    const auto sign = static_cast<std::uint16_t>((f >> 16) & 0x8000u);
    const std::uint32_t magnitude = f & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u)  // NaN: quiet, the top payload bits kept
      return {static_cast<std::uint16_t>(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu))};
    if (magnitude >= 0x477FF000u) return {static_cast<std::uint16_t>(sign | 0x7C00u)};  // >= 65520: Inf
    if (magnitude < 0x38800000u) {  // below 2**-14: a subnormal float16 (units of 2**-24) or 0
      if (magnitude < 0x33000000u) return {sign};  // below 2**-25 (and 2**-25 itself ties to 0)
      const std::uint32_t mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
      const int shift = 126 - static_cast<int>(magnitude >> 23);  // 14..24
      return {static_cast<std::uint16_t>(sign | round_shift(mantissa, shift))};
    }
    // normal: rebias the exponent (127 -> 15), keep 10 of the 23 mantissa bits
    const std::uint32_t rebased = magnitude - (112u << 23);
    return {static_cast<std::uint16_t>(sign | round_shift(rebased, 13))};  // a carry may reach Inf
  }

  // The float16 nearest to x, rounded once: x is first rounded to float with "round to odd"
  // (24 bits, enough that the second rounding to 11 bits cannot be a double rounding).
  [[gnu::always_inline]] static float16 from_double(double x) {
    float f = static_cast<float>(x);
    if (static_cast<double>(f) != x && !std::isnan(x)) {
      if (std::fabs(static_cast<double>(f)) > std::fabs(x)) f = std::nextafter(f, 0.0f);
      f = std::bit_cast<float>(std::bit_cast<std::uint32_t>(f) | 1u);
    }
    return from_float(f);
  }

  // The exact float value.
  [[gnu::always_inline]] constexpr float to_float() const {
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1Fu;
    const std::uint32_t mantissa = bits & 0x3FFu;
    if (exponent == 0) {  // zero or subnormal: mantissa * 2**-24
      const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
      return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  }

  bool operator==(const float16&) const = default;

 private:
  // value >> shift, rounded to nearest with ties to even.
  [[gnu::always_inline]] static constexpr std::uint32_t round_shift(std::uint32_t value, int shift) {
    const std::uint32_t quotient = value >> shift;
    const std::uint32_t remainder = value & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1);
    return quotient + ((remainder > half || (remainder == half && (quotient & 1u))) ? 1u : 0u);
  }
};

}  // namespace exprvm
