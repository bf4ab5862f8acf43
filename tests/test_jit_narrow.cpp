// The JIT's narrow integers (int8/int16/uint8/uint16 in 32-bit lanes, jit/emit_int.hpp) and
// the coverage of issue 15 against the interpreter: wrap-around arithmetic, shifts,
// comparisons, selections and casts to and from every wider integer, float and bool, every
// tail length, the same result bytes; and which programs now run as one fused loop. Random
// seeds are printed; EXPRVM_JIT_SEED overrides them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "jit/plan.hpp"
#include "tests/jit_test_support.hpp"

namespace exprvm::testing {
namespace {

constexpr DType kNarrow[] = {DType::Int8, DType::Int16, DType::UInt8, DType::UInt16};

Signature narrow_signature(DType t, DType j) {
  return {{"i", t}, {"j", j}, {"k", t}, {"x", DType::Float32}, {"y", DType::Float64}};
}

// Whether source's write into k (if any) is allowed under casting='same_kind'.
bool same_kind_write(const std::string& source, DType t, DType j) {
  if (!source.starts_with("k = ")) return true;
  try {
    compile_source(source, narrow_signature(t, j));
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Whether the JIT compiles source at all (a program of int8/uint8 arithmetic only does not).
bool compiles(const std::string& source, DType t, DType j) {
  return jit::make_plan(compile_source(source, narrow_signature(t, j)), {}, true).fused_instructions > 0;
}

bool all_fused(const std::string& source, DType t, DType j) {
  const jit::Plan plan = jit::make_plan(compile_source(source, narrow_signature(t, j)), {}, true);
  return std::all_of(plan.segments.begin(), plan.segments.end(), [](const jit::Segment& s) { return s.fused; });
}

}  // namespace

TEST_CASE("jit narrow integers: arithmetic wraps, shifts and comparisons as the interpreter's", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 90000;
  std::printf("jit narrow integers: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 90000));
  const std::vector<std::string> ops = {
      "i + j", "i - j", "i * j", "-i", "i*i", "maximum(i, j)", "minimum(i, j)", "clip(i, j, k)", "i & j",
      "i | j", "i ^ j", "~i", "i < j", "i <= j", "i == j", "i != j", "i >= j", "i > j", "where(i > j, i, k)",
      "where(i <= j, k, i)", "i * 3 + j * k - 7", "(i > j) & (k != 0)", "(i > j) + i", "i + x", "i * y",
      "where(i < j, x, y)", "i << (j & 31)", "i >> (j & 31)", "i << j", "i >> j", "i << 7", "i >> 15",
      "any(i * j == 0)", "all(i + k != 1)", "sum(i * j)", "max(i - j)", "i // j", "i % j", "fmod(i, j)",
      "i // (j & 3) - k % 5", "i // -1", "i % -1", "i // 0",
      // (int8/uint8 arithmetic fused beside a comparison: alone it stays interpreted)
      "where(k > 0, i + j, k)", "where(k > 0, i - j, -k)", "where(k > 0, i * j, k * k)", "where(k > 0, i & j, i | j)",
      "where(k > 0, i ^ j, ~i)", "where(k > 0, i * 3 + j * k - 7, k)"};
  std::uint64_t k = 0;
  for (const DType t : kNarrow) {
    for (const std::string& op : ops) {
      for (std::int64_t n : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 70, 1025}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++, compiles(op, t, t));
      }
    }
  }
  for (const DType t : {DType::Int8, DType::Int16}) {  // (abs and sign of unsigned: kernel calls)
    for (const char* op : {"abs(i)", "sign(i)", "abs(i - j)"}) {
      for (std::int64_t n : {1, 7, 8, 9, 70}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++);
      }
    }
  }
}

TEST_CASE("jit narrow integers: casts to and from every integer, float and bool", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 100000;
  std::printf("jit narrow casts: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 100000));
  std::uint64_t k = 0;
  const DType others[] = {DType::Int8, DType::Int16, DType::UInt8, DType::UInt16, DType::Int32,
                          DType::UInt32, DType::Int64, DType::UInt64};
  // Promotions (i with a j of every integer dtype), and narrowing casts into k (i's dtype).
  for (const char* op : {"i + j", "where(i > 0, j, i)", "maximum(i, j)", "k = j * 3; k + i", "k = j; k ^ i",
                         "k = i + j; k", "k = j - 1000; k < i", "(i != 0) == (j != 0)", "(i > j) + j",
                         "i * x", "j + y", "i * 1.5 + j"}) {
    for (const DType t : kNarrow) {
      for (const DType u : others) {
        if (!same_kind_write(op, t, u)) continue;  // (signed into unsigned, float into k)
        for (std::int64_t n : {9, 70}) {
          INFO(op << " i " << dtype_name(t) << " j " << dtype_name(u) << " n=" << n << " seed=" << seed + k);
          check_integers(op, t, n, seed + k++, false, u);
        }
      }
    }
  }
}

TEST_CASE("jit coverage: shifts, any/all, // and % and the narrow integers are one fused loop", "[jit][jit_int]") {
  for (const DType t : {DType::Int32, DType::Int64, DType::UInt32, DType::UInt64, DType::Int8, DType::Int16,
                        DType::UInt8, DType::UInt16}) {
    for (const char* op : {"i << j", "i >> j", "(i + j) * k > 1", "where(i > j, i << 2, k >> 1)", "any(i > j)",
                           "all(i != k)", "i + x", "i * y"}) {
      INFO(op << " " << dtype_name(t));
      if (t != DType::UInt64 || (op[4] != 'x' && op[4] != 'y')) CHECK(all_fused(op, t, t));  // (uint64 -> float: a call)
    }
  }
  for (const DType t : kNarrow)
    for (const DType u : {DType::Int8, DType::UInt16, DType::Int32, DType::Int64, DType::UInt32}) {
      CHECK(all_fused("(i + j) >> 1", t, u));
      if (same_kind_write("k = j * 3; k + i", t, u)) CHECK(all_fused("k = j * 3; (k + i) >> 1", t, u));
    }
  // int8/uint8 arithmetic alone stays interpreted (the interpreter's byte kernels are faster).
  for (const DType t : {DType::Int8, DType::UInt8}) {
    CHECK(!compiles("i + j", t, t));
    CHECK(!compiles("i * j + k", t, t));
    CHECK(compiles("i * j + k", DType::Int16, DType::Int16));
  }
  // Division and modulo in float64 for 32-bit lanes; 64-bit and uint32 ones and integer
  // power stay kernel calls.
  for (const char* op : {"i // j", "i % j", "fmod(i, j)"}) {
    INFO(op);
    for (const DType t : {DType::Int8, DType::UInt8, DType::Int16, DType::UInt16, DType::Int32})
      CHECK(all_fused(op, t, t));
    for (const DType t : {DType::UInt32, DType::Int64, DType::UInt64}) CHECK(!all_fused(op, t, t));
  }
  CHECK(!all_fused("i ** j", DType::Int8, DType::Int8));
}

}  // namespace exprvm::testing
