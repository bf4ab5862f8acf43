// The JIT's float16 rounding (round_f16 of float32, inline F16C: jit/inline_functions.hpp)
// against the interpreter's (float16::from_float, lane by lane): every rounding boundary,
// NaN payloads, infinities, overflow, subnormals and signed zeros, and float16 programs
// (computed in float32, rounded after each operation) over random float16 bit patterns,
// every tail length. The same result bytes (NaN payloads included where one NaN is rounded). Random seeds are printed;
// EXPRVM_JIT_SEED overrides them.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "jit/plan.hpp"
#include "tests/jit_test_support.hpp"

namespace exprvm::testing {
namespace {

// `source` over a, b (float16) and x (float32) holding the given bits (cycled to n elements),
// interpreted and compiled: the same result bytes (any NaN equal to any NaN unless
// `payloads`: with two NaN operands, which payload an operation keeps is not the program's).
void check_float16(const std::string& source, const std::vector<std::uint16_t>& halves,
                   const std::vector<std::uint32_t>& floats, std::int64_t n, bool payloads) {
  const Signature sig = {{"a", DType::Float16}, {"b", DType::Float16}, {"x", DType::Float32}, {"k", DType::Float16}};
  const Bytecode bc = compile_source(source, sig);
  std::vector<TestArray> arrays;
  std::vector<Array> args;
  for (const Param& p : sig) {
    arrays.push_back(make_array(p.dtype, {n}));
    auto* data = static_cast<std::byte*>(arrays.back().view.data);
    for (std::int64_t e = 0; e < n; ++e) {
      const auto at = static_cast<std::size_t>(e);
      if (p.dtype == DType::Float32) std::memcpy(data + 4 * at, &floats[at % floats.size()], 4);
      else std::memcpy(data + 2 * at, &halves[(at * (p.name == "b" ? 7 : 1)) % halves.size()], 2);
    }
    args.push_back(arrays.back().view);
  }
  std::vector<std::byte> results[2];
  for (int engine = 0; engine < 2; ++engine) {
    JitModeScope mode(engine ? jit::Mode::Always : jit::Mode::Off);
    const vm::Executable ex(bc);
    const OwnedArray result = vm::execute(ex, args, nullptr);
    results[engine] = element_bytes(result.array());
    if (engine == 1 && jit_runs_here()) REQUIRE(ex.jit.code() != nullptr);
  }
  REQUIRE(results[0].size() == results[1].size());
  for (std::size_t i = 0; i + 1 < results[0].size(); i += 2) {
    std::uint16_t interpreted, compiled;
    std::memcpy(&interpreted, &results[0][i], 2), std::memcpy(&compiled, &results[1][i], 2);
    INFO("element " << i / 2 << " input x bits " << std::hex << floats[(i / 2) % floats.size()]);
    const auto nan = [](std::uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0; };
    if (!payloads && nan(interpreted) && nan(compiled)) continue;
    REQUIRE(interpreted == compiled);
  }
}

}  // namespace

TEST_CASE("jit float16: round_f16 of float32 by F16C is the interpreter's, bit for bit", "[jit][jit_f16]") {
  const std::uint64_t seed = seed_base() + 110000;
  std::printf("jit float16: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 110000));
  std::mt19937_64 rng(seed);
  // float32 inputs: around every float16 value's rounding boundaries (the midpoint to the
  // next float16, one float32 ulp either side), both signs; NaNs with payloads (quiet and
  // signalling), infinities, float32 subnormals, and random bit patterns.
  std::vector<std::uint32_t> floats;
  for (std::uint32_t h = 0; h < 0x7C00u; ++h) {
    const auto value = [](std::uint32_t bits16) {  // the float16's exact float value
      const std::uint32_t e = (bits16 >> 10) & 0x1F, m = bits16 & 0x3FF;
      return e == 0 ? static_cast<float>(m) * 5.9604644775390625e-8f
                    : std::bit_cast<float>(((e + 112u) << 23) | (m << 13));
    };
    const float mid = (value(h) + value(h + 1)) / 2;  // exact in float32
    const std::uint32_t m = std::bit_cast<std::uint32_t>(mid);
    for (std::uint32_t bits : {m - 1, m, m + 1})
      for (std::uint32_t sign : {0u, 0x80000000u}) floats.push_back(bits | sign);
  }
  for (std::uint32_t special : {0x7F800000u, 0x7F800001u, 0x7FC00000u, 0x7FBFFFFFu, 0x7FFFFFFFu, 0x7F802000u,
                                0xFFC12345u, 0xFF800000u, 0x00000001u, 0x807FFFFFu, 0x33000000u, 0x33000001u,
                                0x477FEFFFu, 0x477FF000u, 0x477FFFFFu, 0x47800000u, 0x38800000u, 0x387FFFFFu})
    floats.push_back(special);
  for (int i = 0; i < 20000; ++i) floats.push_back(static_cast<std::uint32_t>(rng()));
  const std::vector<std::uint16_t> halves = {0x3C00};
  const std::int64_t n = static_cast<std::int64_t>(floats.size());
  for (const char* p : {"k = x; k", "k = x * 3; k"}) {
    INFO(p << " n=" << n);
    check_float16(p, halves, floats, n, true);
  }
  const jit::Plan plan = jit::make_plan(compile_source("k = x; k", {{"x", DType::Float32}, {"k", DType::Float16}}));
  REQUIRE((plan.segments.size() == 1 && plan.segments[0].fused && plan.vector_calls == 0));
}

TEST_CASE("jit float16: float16 programs over random bit patterns, every tail", "[jit][jit_f16]") {
  const std::uint64_t seed = seed_base() + 120000;
  std::printf("jit float16 programs: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 120000));
  std::mt19937_64 rng(seed);
  std::vector<std::uint16_t> halves;
  for (int i = 0; i < 4096; ++i) halves.push_back(static_cast<std::uint16_t>(rng()));
  for (std::uint16_t special : {0x0000, 0x8000, 0x0001, 0x83FF, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE55})
    halves.push_back(special);
  std::vector<std::uint32_t> floats;
  for (int i = 0; i < 4096; ++i) floats.push_back(std::bit_cast<std::uint32_t>(static_cast<float>(rng() % 2000) / 7 - 140));
  for (const char* p : {"a * b + 1", "a + b", "a - b * a", "a / b", "sqrt(a)", "maximum(a, b) - minimum(a, b)",
                        "where(a > b, a, b * 2)", "abs(a) + x", "a * x", "k = a * b; k", "floor(a) * 0.1"}) {
    for (std::int64_t n : {1, 3, 4, 7, 8, 9, 15, 16, 17, 70, 1025, 5000}) {
      INFO(p << " n=" << n << " seed=" << seed);
      check_float16(p, halves, floats, n, false);
    }
  }
}

}  // namespace exprvm::testing
