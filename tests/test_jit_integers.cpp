// The JIT's integer instructions (jit/emit_int.hpp) and integer reductions against the
// interpreter: int32/int64/uint32/uint64 arithmetic wrapping around at the extremes,
// comparisons, min/max, bit operations, shifts (counts negative and past the width),
// selections and casts, every tail length, the same result bytes. Random seeds are printed; EXPRVM_JIT_SEED overrides them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "jit/plan.hpp"
#include "tests/jit_test_support.hpp"

namespace exprvm::testing {
namespace {

// Whether source divides (// % fmod: fused for 32-bit signed lanes only).
bool divides(const std::string& source) {
  return source.find("//") != std::string::npos || source.find('%') != std::string::npos ||
         source.find("fmod") != std::string::npos;
}

}  // namespace

TEST_CASE("jit integers: int32/int64 ops wrap around as the interpreter's, every tail", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 30000;
  std::printf("jit integers: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 30000));
  const std::vector<std::string> ops = {
      "i + j", "i - j", "i * j", "-i", "abs(i)", "i*i", "sign(i)", "maximum(i, j)", "minimum(i, j)",
      "clip(i, j, k)", "i & j", "i | j", "i ^ j", "~i", "i < j", "i <= j", "i == j", "i != j", "i >= j",
      "i > j", "where(i > j, i, k)", "where(i < 0, i, 0)", "where(i <= j, k, i)", "where(i >= 7, i, k)",
      "i * 3 + j * k - 7", "(i > j) & (k != 0)", "(i > j) + i", "i + x", "i * y", "where(i > 0, x, y)",
      "(i + j) * 0.5 > x", "i & (j > 0)", "i // j", "i % j", "fmod(i, j)", "i // 7", "i % -3", "i // (j & 3)",
      "(i % j) * (i // j) + k", "i // -1", "i % -1", "i // 0", "fmod(i, 0)", "fmod(i, -1)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Int32, DType::Int64}) {
    for (const std::string& op : ops) {
      for (std::int64_t n : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 70, 1023, 1025, 3000}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++, !divides(op) || t == DType::Int32);  // (int64 //: kernel calls)
      }
    }
  }
}

TEST_CASE("jit integers: uint32/uint64 wrap around and compare unsigned as the interpreter's", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 60000;
  std::printf("jit unsigned: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 60000));
  // (abs and sign of unsigned integers stay kernel calls)
  const std::vector<std::string> ops = {
      "i + j", "i - j", "i * j", "-i", "i*i", "maximum(i, j)", "minimum(i, j)", "clip(i, j, k)", "i & j", "i | j",
      "i ^ j", "~i", "i < j", "i <= j", "i == j", "i != j", "i >= j", "i > j", "where(i > j, i, k)",
      "where(i <= j, k, i)", "where(i >= 7, i, k)", "i * 3 + j * k - 7", "(i > j) & (k != 0)", "(i > j) + i",
      "i * y", "where(i < j, x, y)", "i // j", "i % j", "fmod(i, j)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::UInt32, DType::UInt64}) {
    for (const std::string& op : ops) {
      for (std::int64_t n : {1, 3, 4, 5, 8, 9, 17, 70, 1025}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++, !divides(op));  // (uint32/uint64 //: kernel calls)
      }
    }
  }
  // Casts between the signed and unsigned integers (same bits, low halves, sign or zero
  // extension) and uint32 -> float64.
  for (const char* op : {"i + j", "where(i > 0, j, i)", "i * 1.5 + j", "maximum(i, j)"}) {
    for (const DType t : {DType::UInt32, DType::Int32, DType::UInt64, DType::Int64}) {
      for (const DType u : {DType::UInt32, DType::Int32, DType::UInt64, DType::Int64}) {
        INFO(op << " i " << dtype_name(t) << " j " << dtype_name(u) << " seed=" << seed + k);
        check_integers(op, t, 77, seed + k++, false, u);
      }
    }
  }
}

TEST_CASE("jit integers: shifts by every count, negative and past the width, as the interpreter's", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 70000;
  std::printf("jit shifts: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 70000));
  // (j & 127) - 32: counts -32..95; j & 63: 0..63; raw j: mostly far out of range or
  // negative; k % 3 == 0 picks extremes for the shifted values.
  const std::vector<std::string> ops = {
      "i << ((j & 127) - 32)", "i >> ((j & 127) - 32)", "i << (j & 63)", "i >> (j & 63)", "i << j", "i >> j",
      "i << 3", "i >> 5", "i >> 31", "i << 63", "i >> 64", "k >> ((j & 127) - 32) == i", "(i << (j & 7)) + (k >> (j & 7))",
      "where(i > 0, i >> (j & 31), k << (j & 31))", "any((i >> (j & 63)) == -1)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Int32, DType::Int64, DType::UInt32, DType::UInt64}) {
    for (const std::string& op : ops) {
      for (std::int64_t n : {1, 3, 4, 5, 7, 8, 9, 17, 70, 1025}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++);
      }
    }
  }
}

TEST_CASE("jit integers: any and all of 32-bit masks in xmm and 64-bit masks", "[jit][jit_int][jit_reduce]") {
  const std::uint64_t seed = seed_base() + 80000;
  std::printf("jit any/all masks: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 80000));
  std::uint64_t k = 0;
  for (const char* op : {"any(x > 990)", "all(x > -990)", "any(x > y)", "all((x < 999) & (y > -999))",
                         "any(i > 990)", "all(i > -990)", "any(j > 990)", "all((i != 0) | (j != 0))"}) {
    for (std::int64_t n : {1, 3, 4, 5, 8, 9, 17, 70, 1023, 1024, 1025, 5000}) {
      INFO(op << " n=" << n << " seed=" << seed + k);
      check_integers(op, DType::Int32, n, seed + k++, true, DType::Int64);
    }
  }
}

TEST_CASE("jit integers: sum, prod, min, max and mean folded in the loop", "[jit][jit_int][jit_reduce]") {
  const std::uint64_t seed = seed_base() + 50000;
  std::printf("jit integer reductions: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 50000));
  std::uint64_t k = 0;
  for (const DType t : {DType::Int32, DType::Int64}) {
    for (const char* op : {"sum(i*j)", "sum(i)", "prod(i | 1)", "min(i - j)", "max(i * j)", "mean(i + j)",
                           "sum(where(i > j, i, k))"}) {
      const Signature sig = {{"i", t}, {"j", t}, {"k", t}, {"x", DType::Float32}, {"y", DType::Float64}};
      const bool has_code = std::string(op) != "sum(i)" || t == DType::Int32;  // (int32: a cast to int64)
      if (has_code) REQUIRE(jit::make_plan(compile_source(op, sig), {}, true).fused_reduction);
      for (std::int64_t n : {1, 3, 4, 5, 8, 9, 31, 33, 70, 1023, 1024, 1025, 5000, 300007}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++, has_code);
      }
    }
  }
}

TEST_CASE("jit integers: casts between int32, int64, floats and bool", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 40000;
  std::printf("jit integer casts: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 40000));
  std::uint64_t k = 0;
  // int -> float32/float64 (int64's every value, extremes included), bool -> int, int -> bool,
  // and with j int64 beside int32 i and k: int32 -> int64.
  for (const char* op : {"i + j", "i + x", "j + y", "i + y", "j * 1.0", "(i > 0) + j", "where(j, i, k)",
                         "(i != 0) == (j != 0)", "j + (x > 0)", "where(i > k, j, i)", "maximum(i, j) * x"}) {
    for (std::int64_t n : {1, 3, 4, 5, 8, 9, 17, 70, 1025}) {
      INFO(op << " n=" << n << " seed=" << seed + k);
      check_integers(op, DType::Int64, n, seed + k++);
      check_integers(op, DType::Int32, n, seed + k++);
      check_integers(op, DType::Int32, n, seed + k++, true, DType::Int64);
    }
  }
}

}  // namespace exprvm::testing
