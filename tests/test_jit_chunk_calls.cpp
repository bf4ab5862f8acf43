// Which functions the fused loop calls per vector and which once per chunk (jit::called_per_chunk,
// jit/plan.cpp), the plans that follow (sin/cos pairs kept, broken pairs called per chunk), and
// every vector entry point against its kernel bit for bit: the heavy functions' entries are not
// reached by the plans any more (only through the per-chunk kernel), so they are checked here
// directly, for whichever plan calls them; and the AVX-512 split of a CIS into one sin_cos_split
// call (jit::split_cis). `build/exprvm_tests "[jit]"`.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <immintrin.h>

#include "jit/plan.hpp"
#include "jit/vector_calls.hpp"
#include "tests/jit_test_support.hpp"
#include "vm/kernel_tables.hpp"

namespace exprvm::testing {
namespace {

// The interpreter's AVX2 kernels, as the executor resolves them for bc.
std::vector<vm::Kernel> avx2_kernels(const Bytecode& bc) {
  std::vector<vm::Kernel> kernels;
  for (const Instruction& ins : bc.code) kernels.push_back(vm::kernel_table_avx2().op[int(ins.op)][index_of(ins.dtype)]);
  return kernels;
}

bool avx2_here() { return jit::cpu_has_avx2_fma(); }

using Unary32 = __m256 (*)(__m256);
using Binary32 = __m256 (*)(__m256, __m256);
using Unary64 = __m256d (*)(__m256d);
using Binary64 = __m256d (*)(__m256d, __m256d);

// entry(x[, y]) of one vector into out (32 bytes): the register the loop gets back.
__attribute__((target("avx2,fma"))) void call_entry(const void* entry, int arity, DType t, const void* x,
                                                    const void* y, void* out) {
  if (t == DType::Float32) {
    const __m256 a = _mm256_loadu_ps(static_cast<const float*>(x)), b = _mm256_loadu_ps(static_cast<const float*>(y));
    const __m256 r = arity == 1 ? reinterpret_cast<Unary32>(entry)(a) : reinterpret_cast<Binary32>(entry)(a, b);
    _mm256_storeu_ps(static_cast<float*>(out), r);
  } else {
    const __m256d a = _mm256_loadu_pd(static_cast<const double*>(x)), b = _mm256_loadu_pd(static_cast<const double*>(y));
    const __m256d r = arity == 1 ? reinterpret_cast<Unary64>(entry)(a) : reinterpret_cast<Binary64>(entry)(a, b);
    _mm256_storeu_pd(static_cast<double*>(out), r);
  }
}

}  // namespace

TEST_CASE("jit: heavy functions are called per chunk, cheap ones and sin/cos pairs per vector", "[jit]") {
  if (!avx2_here()) return;
  const Signature f32 = {{"a", DType::Float32}, {"b", DType::Float32}};
  auto plan_of = [&](const std::string& source) {  // as jit::compile plans it
    Bytecode bc = compile_source(source, f32);
    std::vector<vm::Kernel> kernels = avx2_kernels(bc);
    jit::split_cis(bc, kernels);  // sin and cos of one operand: the optimizer's cis
    return jit::make_plan(bc, kernels);
  };
  auto kernel_segments = [](const jit::Plan& plan) {
    int count = 0;
    for (const jit::Segment& s : plan.segments) count += !s.fused;
    return count;
  };
  for (const std::string f : {"tanh(a)", "exp(a)", "expm1(a)", "log(a)", "sin(a)", "a ** b", "arctan2(a, b)"}) {
    INFO(f);
    const jit::Plan plan = plan_of(f + " * b + 1");
    REQUIRE(plan.vector_calls == 0);
    REQUIRE(kernel_segments(plan) == 1);
  }
  {  // sign costs about a copy: one loop with a vector call
    const jit::Plan plan = plan_of("sign(a) * b + 1");
    REQUIRE(plan.vector_calls == 1);
    REQUIRE(kernel_segments(plan) == 0);
  }
  {  // a sin/cos pair shares one call in the loop, beside a cheap call
    const jit::Plan plan = plan_of("sin(a) * cos(a) + sign(b)");
    REQUIRE(plan.vector_calls == 2);
    REQUIRE(plan.segments.size() == 1);
  }
  {  // a per-chunk call between sin and cos splits their loop: the pair is called per chunk too
    const jit::Plan plan = plan_of("sin(a) * exp(b) + cos(a)");
    REQUIRE(plan.vector_calls == 0);
    REQUIRE(kernel_segments(plan) >= 2);
    for (const jit::Stash s : plan.stash) REQUIRE(s == jit::Stash::None);
  }
}

TEST_CASE("jit: programs mixing per-chunk and per-vector calls, bit-identical", "[jit]") {
  const std::uint64_t seed = seed_base() + 270000;
  std::printf("jit chunk calls: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 270000));
  const std::vector<std::string> programs = {
      "sin(a) * exp(b) + cos(a)", "sin(a) * cos(a) + sign(b) * tanh(b)", "where(a > 0, a, expm1(a)) * sign(b) - b",
      "c = exp(a) - sign(b); d = log1p(abs(c)) * a; d + c", "a = tanh(a + b) * b; b = sign(a) + cos(b)",
      // the loop index and end across a vector call: in r15 and r14, in r15 and the frame, in the frame
      "sign(a) + 1", "sign(a) * b + c", "sign(a) * b + c * d", "sum(sign(a) * b)", "max(sin(a) * cos(a) - b)",
      // sin and cos of one operand: on AVX-512 one sin_cos_split call when both parts go to
      // temps (split_cis), else CIS's kernel (a part assigned to an operand)
      "sin(a) + cos(a)", "sin(a)**2 + cos(a)**2 - b", "c = sin(a); d = cos(a) * c; c - d", "sin(a) * cos(a) * sin(b)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& p : programs) {
      for (std::int64_t n : {1, 9, 1023, 1025, 5000}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        const Signature sig = {{"a", t}, {"b", t}, {"c", t}, {"d", t}};
        const Bytecode bc = compile_source(p, sig);
        std::mt19937_64 rng(seed + k++);
        std::vector<std::vector<std::byte>> written[2];
        for (int engine = 0; engine < 2; ++engine) {
          JitModeScope mode(engine ? jit::Mode::Always : jit::Mode::Off);
          const vm::Executable ex(bc);
          std::mt19937_64 values(rng);
          std::vector<TestArray> arrays;
          std::vector<Array> args;
          for (int i = 0; i < 4; ++i) {
            arrays.push_back(make_array(t, {n}));
            const std::vector<Value> edges = edge_values(t);
            for (std::int64_t e = 0; e < n; ++e)
              set_element(arrays.back().view, e,
                          values() % 5 == 0 ? edges[values() % edges.size()] : random_value(t, values, -3, 3));
            args.push_back(arrays.back().view);
          }
          const OwnedArray result = vm::execute(ex, args, nullptr);
          if (!result.empty()) written[engine].push_back(element_bytes(result.array()));
          for (const TestArray& a : arrays) written[engine].push_back(element_bytes(a.view));
          if (engine == 1 && jit_runs_here()) REQUIRE(ex.jit.code() != nullptr);
        }
        REQUIRE(written[0].size() == written[1].size());
        for (std::size_t i = 0; i < written[0].size(); ++i) REQUIRE(same_values(written[0][i], written[1][i], t));
      }
    }
  }
}

TEST_CASE("jit: on AVX-512 a CIS read as cos and sin becomes one sin_cos_split call of CIS's bits", "[jit]") {
  const std::uint64_t seed = seed_base() + 285000;
  std::printf("jit sin_cos_split: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 285000));
  std::mt19937_64 rng(seed);
  // The kernel: sin into d and cos into c, the parts of CIS's kernel, for every table and tail.
  for (const vm::Isa isa : vm::available_isas()) {
    const vm::KernelTable& table = vm::kernel_table(isa);
    for (const DType t : {DType::Float32, DType::Float64}) {
      const vm::Kernel split = table.sin_cos_split[t == DType::Float32 ? 0 : 1];
      REQUIRE(split != nullptr);
      const std::vector<Value> edges = edge_values(t);
      for (std::int64_t n = 0; n <= 40; ++n) {
        INFO(dtype_name(t) << " n=" << n << " seed=" << seed);
        TestArray x = make_array(t, {n}), sin_x = make_array(t, {n}), cos_x = make_array(t, {n});
        TestArray both = make_array(t == DType::Float32 ? DType::Complex64 : DType::Complex128, {n});
        for (std::int64_t i = 0; i < n; ++i)
          set_element(x.view, i, rng() % 4 == 0 ? edges[rng() % edges.size()] : random_value(t, rng, -1e6, 1e6));
        split(std::size_t(n), sin_x.view.data, x.view.data, nullptr, cos_x.view.data);
        table.op[int(Op::CIS)][index_of(t)](std::size_t(n), both.view.data, x.view.data, nullptr, nullptr);
        const std::size_t size = itemsize(t);
        std::vector<std::byte> real_part, imag_part;
        const auto* parts = static_cast<const std::byte*>(both.view.data);
        for (std::int64_t i = 0; i < n; ++i) {
          real_part.insert(real_part.end(), parts + 2 * i * size, parts + (2 * i + 1) * size);
          imag_part.insert(imag_part.end(), parts + (2 * i + 1) * size, parts + (2 * i + 2) * size);
        }
        REQUIRE(same_values(element_bytes(sin_x.view), imag_part, t));
        REQUIRE(same_values(element_bytes(cos_x.view), real_part, t));
      }
    }
  }
  // The plan: under AVX-512's kernels the CIS and its two readers become one call.
  if (!jit::cpu_has_avx512()) return;
  const vm::KernelTable& avx512 = vm::kernel_table(vm::Isa::Avx512);
  auto kernels_of = [&](const Bytecode& bc) {
    std::vector<vm::Kernel> kernels;
    for (const Instruction& ins : bc.code) kernels.push_back(avx512.op[int(ins.op)][index_of(ins.dtype)]);
    return kernels;
  };
  for (const DType t : {DType::Float32, DType::Float64}) {
    Bytecode bc = compile_source("sin(a)**2 + cos(a)**2", {{"a", t}});
    REQUIRE(bc.code.size() == 6);  // cis, imag, mul, real, mul, add
    std::vector<vm::Kernel> kernels = kernels_of(bc);
    REQUIRE(jit::split_cis(bc, kernels));
    REQUIRE(bc.code.size() == 4);
    REQUIRE(bc.code[0].op == Op::CIS);
    REQUIRE(bc.code[0].c != kNoReg);
    REQUIRE(kernels[0] == avx512.sin_cos_split[t == DType::Float32 ? 0 : 1]);
    for (const Instruction& ins : bc.code) REQUIRE((ins.op != Op::REAL && ins.op != Op::IMAG));
    // both parts in one register: refused
    Bytecode same = compile_source("sin(a)**2 + cos(a)**2", {{"a", t}});
    for (Instruction& ins : same.code)
      if (ins.op == Op::IMAG) ins.dst = same.code[3].dst;
    std::vector<vm::Kernel> same_kernels = kernels_of(same);
    REQUIRE_FALSE(jit::split_cis(same, same_kernels));
  }
}

TEST_CASE("jit: every vector entry point computes its AVX2 kernel's bits", "[jit]") {
  if (!avx2_here()) return;
  const std::uint64_t seed = seed_base() + 280000;
  std::printf("jit vector entries: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 280000));
  std::mt19937_64 rng(seed);
  const jit::VectorFunctionTable& entries = jit::vector_functions_avx2();
  int checked = 0;
  for (int op = 0; op < kOpCount; ++op) {
    for (const DType t : {DType::Float32, DType::Float64}) {
      const void* entry = entries.fn[op][t == DType::Float32 ? 0 : 1];
      if (!entry) continue;
      const vm::Kernel kernel = vm::kernel_table_avx2().op[op][index_of(t)];
      REQUIRE(kernel != nullptr);
      const int arity = op_info(Op(op)).arity;
      const std::size_t size = itemsize(t), lanes = 32 / size;
      const std::vector<Value> edges = edge_values(t);
      for (int vector = 0; vector < 200; ++vector) {
        TestArray x = make_array(t, {std::int64_t(lanes)}), y = make_array(t, {std::int64_t(lanes)});
        for (std::size_t i = 0; i < lanes; ++i)
          for (const TestArray* a : {&x, &y})
            set_element(a->view, std::int64_t(i), rng() % 4 == 0 ? edges[rng() % edges.size()] : random_value(t, rng, -5, 5));
        alignas(32) std::byte from_entry[32];
        call_entry(entry, arity, t, x.view.data, y.view.data, from_entry);
        // The kernel's result: a float vector, or (a bool op) bytes 0/1 against the entry's lane mask.
        const bool bool_result = op_info(Op(op)).result == ResultRule::ToBool;
        std::vector<std::byte> from_kernel(bool_result ? lanes : 32);
        kernel(lanes, from_kernel.data(), x.view.data, arity == 2 ? y.view.data : nullptr, nullptr);
        INFO(op_info(Op(op)).spelling << " " << dtype_name(t) << " vector " << vector << " seed=" << seed);
        if (bool_result) {
          for (std::size_t i = 0; i < lanes; ++i) {
            std::uint64_t mask = 0;
            std::memcpy(&mask, from_entry + i * size, size);
            REQUIRE((mask != 0) == (from_kernel[i] != std::byte{0}));
          }
        } else {
          REQUIRE(same_values(std::vector<std::byte>(from_entry, from_entry + 32), from_kernel, t));
        }
      }
      ++checked;
    }
  }
  REQUIRE(checked > 40);
}

}  // namespace exprvm::testing
