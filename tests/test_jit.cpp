// The JIT tier (jit/) against the interpreter: the same bytecode run by two Executables, one
// interpreted (jit::Mode::Off) and one compiled on its first run (jit::Mode::Always), must
// write the same bytes, for every fused op x dtype, every tail length 0..70, chunk
// boundaries, in-place and overlapping outputs, strided and broadcast operands, kernel calls
// between fused loops and reductions (NaN payloads aside, see first_difference). Plus: what falls back to the interpreter, and W^X.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/pipeline.hpp"
#include "jit/jit.hpp"
#include "jit/plan.hpp"
#include "jit/vector_calls.hpp"
#include "tests/test_helpers.hpp"
#include "vm/executor.hpp"

namespace exprvm::testing {
namespace {

// Sets the JIT mode for one scope.
struct ModeScope {
  explicit ModeScope(jit::Mode m) : saved(jit::mode()) { jit::set_mode(m); }
  ~ModeScope() { jit::set_mode(saved); }
  jit::Mode saved;
};

bool jit_available() {
  return vm::active_isa() != vm::Isa::Sse2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Random values with edge values (NaN, infinities, signed zeros, extremes) mixed in.
void fill_random(const Array& a, std::mt19937_64& rng) {
  const std::vector<Value> edges = edge_values(a.dtype);
  for (std::int64_t i = 0; i < a.size(); ++i)
    set_element(a, i, rng() % 5 == 0 ? edges[rng() % edges.size()] : random_value(a.dtype, rng, -3, 3));
}

struct Operand {
  std::string name;
  DType dtype;
  std::vector<std::int64_t> shape;
  Layout layout = Layout::Contiguous;
};

// The first element at which two runs' copies of an array of dtype t differ, or -1. Any NaN
// equals any NaN: with two NaN operands x86 returns the first one's payload, and GCC may swap
// the operands of a commutative vaddps in a kernel, so NaN signs and payloads are not a
// property of the program.
std::int64_t first_difference(const std::vector<std::byte>& x, const std::vector<std::byte>& y, DType t) {
  if (x.size() != y.size()) return 0;
  const std::size_t size = itemsize(t);
  for (std::size_t i = 0; i < x.size(); i += size) {
    if (std::memcmp(&x[i], &y[i], size) == 0) continue;
    if (t == DType::Float32) {
      float p, q;
      std::memcpy(&p, &x[i], 4), std::memcpy(&q, &y[i], 4);
      if (std::isnan(p) && std::isnan(q)) continue;
    } else if (t == DType::Float64) {
      double p, q;
      std::memcpy(&p, &x[i], 8), std::memcpy(&q, &y[i], 8);
      if (std::isnan(p) && std::isnan(q)) continue;
    }
    return static_cast<std::int64_t>(i / size);
  }
  return -1;
}

// Runs `source` interpreted and JIT-compiled on the same random operands (copies each);
// requires equal bytes in every operand and the result. `expect_jit`: the JIT must have
// compiled the program.
void check_same(const std::string& source, const std::vector<Operand>& operands, std::uint64_t seed,
                bool expect_jit = true, const CompileOptions& options = {}) {
  Signature sig;
  for (const Operand& o : operands) sig.push_back({o.name, o.dtype});
  const Bytecode bc = compile_to_bytecode(source, sig, options);
  std::mt19937_64 rng(seed);
  std::vector<TestArray> original;
  for (const Operand& o : operands) {
    original.push_back(make_array(o.dtype, o.shape, o.layout));
    fill_random(original.back().view, rng);
  }
  std::vector<std::vector<std::byte>> written[2];
  std::vector<std::byte> results[2];
  DType result_dtype = DType::Bool;
  for (int engine = 0; engine < 2; ++engine) {
    ModeScope mode(engine ? jit::Mode::Always : jit::Mode::Off);
    const vm::Executable ex(bc);
    std::vector<TestArray> arrays;
    std::vector<Array> args;
    for (std::size_t i = 0; i < operands.size(); ++i) {
      arrays.push_back(make_array(operands[i].dtype, operands[i].shape, operands[i].layout));
      for (std::int64_t e = 0; e < original[i].view.size(); ++e)
        set_element(arrays.back().view, e, get_element(original[i].view, e));
      args.push_back(arrays.back().view);
    }
    const OwnedArray result = vm::execute(ex, args, nullptr);
    if (!result.empty()) results[engine] = element_bytes(result.array()), result_dtype = result.array().dtype;
    for (const TestArray& t : arrays) written[engine].push_back(element_bytes(t.view));
    if (engine == 1 && expect_jit && jit_available()) REQUIRE(ex.jit.code() != nullptr);
  }
  REQUIRE(first_difference(results[0], results[1], result_dtype) == -1);
  for (std::size_t i = 0; i < operands.size(); ++i) {
    INFO("operand " << operands[i].name);
    REQUIRE(first_difference(written[0][i], written[1][i], operands[i].dtype) == -1);
  }
}

// `source` over one operand a of dtype t and n elements whose out is the same buffer one
// element further on, interpreted and compiled: the buffers afterwards must be the same bytes.
void check_overlapping_out(const std::string& source, DType t, std::int64_t n, std::uint64_t seed) {
  TestArray buffer = make_array(t, {n + 1});
  std::mt19937_64 rng(seed);
  fill_random(buffer.view, rng);
  std::vector<std::byte> out_bytes[2];
  const TestArray saved = copy_of(buffer.view);
  for (int engine = 0; engine < 2; ++engine) {
    ModeScope mode(engine ? jit::Mode::Always : jit::Mode::Off);
    for (std::int64_t i = 0; i <= n; ++i) set_element(buffer.view, i, get_element(saved.view, i));
    const vm::Executable ex(compile_to_bytecode(source, {{"a", t}}));
    Array a = buffer.view, out = buffer.view;
    a.shape[0] = out.shape[0] = n;
    out.data = static_cast<std::byte*>(out.data) + static_cast<std::ptrdiff_t>(itemsize(t));
    vm::execute(ex, std::span(&a, 1), &out);
    out_bytes[engine] = element_bytes(buffer.view);
  }
  REQUIRE(first_difference(out_bytes[0], out_bytes[1], t) == -1);
}

std::uint64_t base_seed() {
  const char* s = std::getenv("EXPRVM_JIT_SEED");
  return s ? std::stoull(s) : 1501;
}

}  // namespace

TEST_CASE("jit: every fused op and dtype, every tail length, bit-identical to the interpreter", "[jit]") {
  const std::vector<std::string> float_ops = {
      "a + b", "a - b", "a * b", "a / b", "-a", "abs(a)", "a**2", "sqrt(a)", "minimum(a, b)",
      "maximum(a, b)", "clip(a, -0.5, b)", "floor(a)", "ceil(a)", "round(a)", "trunc(a)",
      "a < b", "a <= b", "a == b", "a != b", "a >= b", "a > b", "where(a > b, a, b)",
      "where(a < 0.5, 2*a, b)", "where(a > 0, a, 0)", "(a < b) & (b > 0.5)", "(a < b) | ~(b > 0.5)",
      "(a < b) ^ (a == b)", "(a < b) == (b < 0)", "a * 2.5 + b / 3", "a + (a > b)"};
  const std::uint64_t seed = base_seed();
  std::printf("jit ops: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed));
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& op : float_ops) {
      for (std::int64_t n = 0; n <= 70; ++n) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_same(op, {{"a", t, {n}}, {"b", t, {n}}}, seed + k++, n > 0);
      }
    }
  }
}

TEST_CASE("jit: mixed float32/float64, bool operands and results, casts", "[jit]") {
  const std::uint64_t seed = base_seed() + 100000;
  std::printf("jit mixed: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 100000));
  const std::vector<std::string> ops = {"a + d", "where(c, a, d)", "where(c, a, b)", "c & (a > b)",
                                        "c == (d > 0)", "a * c", "where(a > d, c, ~c)", "d < a"};
  std::uint64_t k = 0;
  for (const std::string& op : ops) {
    for (std::int64_t n : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 70}) {
      INFO(op << " n=" << n << " seed=" << seed + k);
      check_same(op, {{"a", DType::Float32, {n}}, {"b", DType::Float32, {n}}, {"c", DType::Bool, {n}},
                      {"d", DType::Float64, {n}}},
                 seed + k++);
    }
  }
}

TEST_CASE("jit: chunk boundaries, several outputs in place, kernel calls between loops, FMA", "[jit]") {
  const std::uint64_t seed = base_seed() + 200000;
  std::printf("jit programs: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 200000));
  const std::string adam = "b = b + 0.1*(a - b); c = c + 0.001*(a*a - c); o = o - 0.001*b/(sqrt(c)+1e-8)";
  const std::vector<std::string> programs = {adam, "tanh(where(a > 0, a, 0))", "exp(a) * b + sin(b) - a",
                                             "a = a * b + 1", "b = where(a > b, a - b, b); a = b * 2"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& p : programs) {
      for (std::int64_t n : {255, 256, 257, 1023, 1024, 1025, 3 * 1024 + 7, 40000}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_same(p, {{"a", t, {n}}, {"b", t, {n}}, {"c", t, {n}}, {"o", t, {n}}}, seed + k++);
      }
    }
    // Temps of different element sizes sharing one chunk buffer (float32 then float64 in t0).
    check_same("mean((log(a) < a))", {{"a", DType::UInt8, {1025}}}, seed + k++);
    check_same("sum(where(a < b, a, b) < (b > 0))", {{"a", t, {3000}}, {"b", t, {3000}}}, seed + k++);
    CompileOptions fma;
    fma.allow_fma = true;
    for (std::int64_t n : {7, 1000, 5000}) {
      INFO("fma " << dtype_name(t) << " n=" << n);
      check_same("a*b + c", {{"a", t, {n}}, {"b", t, {n}}, {"c", t, {n}}}, seed + k++, true, fma);
    }
  }
}

// The interpreter's kernel per instruction of bc for the active ISA, as the executor resolves them.
std::vector<vm::Kernel> active_kernels(const vm::Executable& ex) {
  std::vector<vm::Kernel> kernels;
  for (const auto& e : ex.main[static_cast<int>(vm::active_isa())]) kernels.push_back(e.fn);
  return kernels;
}

// Vector calls need the AVX2 kernels active (AVX-512's compute other bits: whole-chunk calls).
bool vector_calls_active() { return jit_available() && vm::active_isa() == vm::Isa::Avx2; }

TEST_CASE("jit: every function called from the loop or inlined, every dtype and tail, bit-identical", "[jit]") {
  const std::vector<std::string> functions = {
      "exp(a)", "expm1(a)", "exp2(a)", "log(a)", "log1p(a)", "log2(a)", "log10(a)", "sin(a)",
      "cos(a)", "tan(a)", "arcsin(a)", "arccos(a)", "arctan(a)", "sinh(a)", "cosh(a)", "tanh(a)",
      "arcsinh(a)", "arccosh(a)", "arctanh(a)", "erf(a)", "erfc(a)", "cbrt(a)", "sign(a)",
      "ones_like(a)", "isnan(a)", "isinf(a)", "isfinite(a)", "signbit(a)", "a**b", "arctan2(a, b)",
      "arctan2(b, a)", "fmod(a, b)", "a // b", "a % b", "hypot(a, b)", "nextafter(a, b)",
      "copysign(a, b)"};
  const std::uint64_t seed = base_seed() + 250000;
  std::printf("jit vector calls: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 250000));
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& f : functions) {
      // Alone, inside a fused expression (values live across the call), and with the result
      // used by fused code after it.
      for (const std::string& p : {f, "(a + b) * 2 - " + f + " * (a - 0.5)"}) {
        const Bytecode bc = compile_to_bytecode(p, {{"a", t}, {"b", t}});
        // a heavy function is a whole-chunk kernel call between fused loops (alone: no loop)
        bool per_chunk = false;
        for (const Instruction& ins : bc.code) per_chunk |= !jit::is_fusable(bc, ins) && jit::called_per_chunk(ins);
        const bool inline_function = f.starts_with("is") || f.starts_with("signbit") || f.starts_with("copysign");
        // alone, a function called per chunk (always, under AVX-512's kernels) leaves no loop
        const bool nothing_fused = p == f && (per_chunk || (!vector_calls_active() && !inline_function));
        if (vector_calls_active()) {
          const vm::Executable ex(bc);
          const jit::Plan plan = jit::make_plan(bc, active_kernels(ex));
          INFO(p << " " << dtype_name(t));
          REQUIRE(plan.vector_calls == (inline_function || per_chunk ? 0 : 1));
          int kernel_segments = 0;
          for (const jit::Segment& s : plan.segments) kernel_segments += !s.fused;
          REQUIRE(kernel_segments == (per_chunk ? 1 : 0));
        }
        for (std::int64_t n = 0; n <= 16; ++n) {  // tails 0..2x the float32 vector width
          INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
          check_same(p, {{"a", t, {n}}, {"b", t, {n}}}, seed + k++, n > 0 && !nothing_fused);
        }
      }
    }
  }
}

TEST_CASE("jit: vector calls across chunks, in place, aliasing out, mixed widths, register pressure", "[jit]") {
  const std::uint64_t seed = base_seed() + 260000;
  std::printf("jit vector call programs: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 260000));
  const std::vector<std::string> programs = {
      "tanh(where(a > 0, a, 0))", "where(a > 0, a, expm1(a))", "where(a > 0, a, exp(a) - 1)",
      "sin(a)**2 + cos(a)**2", "a = tanh(a) * b", "b = arctan2(b, a) + a; a = a ** b",
      // cheap functions stay vector calls: values and uniforms live across several calls
      "a*b + sign(a) * (b + 1) + sign(b - a) * (a - 1.5) * sign(a + b) * (a*b - 3) + (a - b) * 0.25",
      "a*b + exp(a) * (b + 1) + log1p(abs(b)) * (a - 1) + sin(a + b) * cos(a - b) * (a*b - 3) + hypot(b, a)",
      "where(isnan(log(a)), b, sinh(b) / 4) + where(signbit(a), 1, 2)",
      // sin and cos of one operand share one call (Stash::Write / Stash::Read)
      "a = cos(a) + sin(a) * b", "b = sin(a) * 3; a = cos(a) - b", "sin(a) * cos(b) + cos(a) * sin(b)",
      "c = cos(a); d = sin(a) * sin(b) + cos(b); c * d"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& p : programs) {
      for (std::int64_t n : {1, 7, 255, 1023, 1024, 1025, 3 * 1024 + 7, 40000}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_same(p, {{"a", t, {n}}, {"b", t, {n}}}, seed + k++);
      }
    }
  }
  // float32 with float64 (4 lanes per iteration, float32 values in xmm) and strided operands.
  for (std::int64_t n : {3, 9, 1029, 5000}) {
    INFO("mixed n=" << n << " seed=" << seed + k);
    check_same("tanh(a) + exp(d) * sin(a)", {{"a", DType::Float32, {n}}, {"d", DType::Float64, {n}}}, seed + k++);
    check_same("cos(a) - b", {{"a", DType::Float32, {n}, Layout::Strided}, {"b", DType::Float32, {n}, Layout::Reversed}},
               seed + k++);
  }
  // out overlapping its input one element further on.
  check_overlapping_out("sin(a) * 2 + exp(a)", DType::Float64, 3001, seed);
}

TEST_CASE("jit: the P2 programs' plans; disasm --jit shows the vector calls", "[jit]") {
  if (!vector_calls_active()) return;
  // sin and cos share one vector call in one loop; tanh and expm1 are called per chunk
  for (const std::string p : {"tanh(where(a > 0, a, 0))", "where(a > 0, a, expm1(a))", "sin(a)**2 + cos(a)**2"}) {
    Bytecode bc = compile_to_bytecode(p, {{"a", DType::Float32}});
    const vm::Executable ex(bc);
    std::vector<vm::Kernel> kernels = active_kernels(ex);
    jit::split_cis(bc, kernels);  // sin and cos: the optimizer's cis, read as real and imag
    const jit::Plan plan = jit::make_plan(bc, kernels);
    INFO(p);
    const std::string text = jit::listing(ex.code);
    if (p.starts_with("sin")) {
      REQUIRE(plan.segments.size() == 1);
      REQUIRE(plan.segments[0].fused);
      REQUIRE(plan.vector_calls == 1);
      REQUIRE(text.find("0 kernel calls") != std::string::npos);
      REQUIRE(text.find("; vector call: ") != std::string::npos);
      REQUIRE(text.find("call r11") != std::string::npos);
      REQUIRE(text.find("(with its sin/cos pair)") != std::string::npos);
    } else {
      REQUIRE(plan.segments.size() == 2);
      REQUIRE(plan.vector_calls == 0);
      REQUIRE(text.find("1 kernel calls") != std::string::npos);
    }
  }
  // Without the interpreter's kernels (or with other kernels) nothing is called from the loop.
  const Bytecode bc = compile_to_bytecode("tanh(a) + 1", {{"a", DType::Float32}});
  REQUIRE(jit::make_plan(bc).vector_calls == 0);
  REQUIRE(jit::make_plan(bc).segments.size() == 2);
}

TEST_CASE("jit: on AVX-512, float and bool programs run 512-bit loops, the others 256-bit ones", "[jit]") {
  // (The differential tests above then compare zmm code with the AVX-512 kernels' bits.)
  if (!jit_available() || vm::active_isa() != vm::Isa::Avx512 || !jit::cpu_has_avx512()) {
    WARN("AVX-512 is not active here: the 512-bit plans are not tested");
    return;
  }
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string p : {"a*b + c", "where(a > b, a, -c)", "sum(a*b)", "max(maximum(a, b) - c)",
                                "(a < b) & ~(c == 0)", "round(clip(a, -1, b)) / c", "isinf(a) | (b > 1)",
                                "copysign(a, b) * c + (a != 0)"}) {
      INFO(p << " " << dtype_name(t));
      const Bytecode bc = compile_to_bytecode(p, {{"a", t}, {"b", t}, {"c", t}});
      const jit::Plan plan = jit::make_plan(bc, {}, true, 512);
      REQUIRE(jit::covers_wide(bc, plan));
      REQUIRE(plan.step == (t == DType::Float32 ? 16 : 8));
      REQUIRE(plan.fused_reduction == (p.find("sum") == 0 || p.find("max") == 0));
      const std::string text = jit::listing(bc);
      REQUIRE(text.find("AVX-512, zmm") != std::string::npos);
      REQUIRE(text.find("zmm") != std::string::npos);
    }
  }
  // float32 beside float64: 8 lanes, float32 in ymm halves
  const Bytecode mixed = compile_to_bytecode("where(isnan(a), d, a + d)", {{"a", DType::Float32}, {"d", DType::Float64}});
  const jit::Plan mixed_plan = jit::make_plan(mixed, {}, true, 512);
  REQUIRE((jit::covers_wide(mixed, mixed_plan) && mixed_plan.step == 8));
  // integer lanes: the 256-bit plan
  for (const std::string p : {"i + 1", "a + i", "where(i > 0, a, 0)", "sum(i * 2)"}) {
    INFO(p);
    const Bytecode bc = compile_to_bytecode(p, {{"a", DType::Float32}, {"d", DType::Float64}, {"i", DType::Int32}});
    REQUIRE(!jit::covers_wide(bc, jit::make_plan(bc, {}, true, 512)));
    REQUIRE(jit::listing(bc).find("AVX2+FMA, ymm") != std::string::npos);
  }
}

TEST_CASE("jit: strided, broadcast, overlapping out and reductions go through the same chunks", "[jit]") {
  const std::uint64_t seed = base_seed() + 300000;
  std::printf("jit layouts: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 300000));
  const DType f = DType::Float32;
  for (std::int64_t n : {5, 1029, 5000}) {
    INFO("n=" << n << " seed=" << seed + n);
    check_same("a * b - 1", {{"a", f, {n}, Layout::Strided}, {"b", f, {n}, Layout::Reversed}}, seed + n);
    check_same("a * b - 1", {{"a", f, {n, 1}}, {"b", f, {1, 3}}}, seed + n + 1);
    check_same("sum(a * b)", {{"a", f, {n}}, {"b", f, {n}}}, seed + n + 2);
    check_same("max(where(a > b, a, b))", {{"a", DType::Float64, {n}}, {"b", DType::Float64, {n}}}, seed + n + 3);
  }
  // out overlapping an input one element further on: the binding copies the input first.
  check_overlapping_out("a * 2 + 1", f, 3000, seed);
}

TEST_CASE("jit: what it does not take is interpreted", "[jit]") {
  ModeScope mode(jit::Mode::Always);
  // int64 division only: nothing to fuse.
  const vm::Executable ints(compile_to_bytecode("i // j", {{"i", DType::Int64}, {"j", DType::Int64}}));
  std::string why;
  std::vector<vm::Kernel> kernels;
  for (const auto& e : ints.main[static_cast<int>(vm::Isa::Sse2)]) kernels.push_back(e.fn);
  REQUIRE(jit::compile(ints.code, kernels, nullptr, &why) == nullptr);
  REQUIRE(!why.empty());
  check_same("i // j", {{"i", DType::Int64, {100}}, {"j", DType::Int64, {100}}}, 7, false);
  // A float program with an integer division: that instruction becomes a kernel call.
  const jit::Plan plan = jit::make_plan(compile_to_bytecode("a * 2 + (i // 3)", {{"a", DType::Float64}, {"i", DType::Int64}}));
  REQUIRE(plan.segments.size() >= 2);
  check_same("a * 2 + (i // 3)", {{"a", DType::Float64, {77}}, {"i", DType::Int64, {77}}}, 8);
  // Complex: interpreted.
  check_same("a * b", {{"a", DType::Complex128, {50}}, {"b", DType::Complex128, {50}}}, 9, false);
  // Mode Off and the SSE2 kernels never compile.
  {
    ModeScope off(jit::Mode::Off);
    const vm::Executable ex(compile_to_bytecode("a + b", {{"a", DType::Float32}, {"b", DType::Float32}}));
    TestArray a = make_array(DType::Float32, {10000}), b = make_array(DType::Float32, {10000});
    Array args[] = {a.view, b.view};
    vm::execute(ex, args, nullptr);
    REQUIRE(ex.jit.code() == nullptr);
  }
  {
    const vm::Isa saved = vm::active_isa();
    vm::set_active_isa(vm::Isa::Sse2);
    const vm::Executable ex(compile_to_bytecode("a + b", {{"a", DType::Float32}, {"b", DType::Float32}}));
    TestArray a = make_array(DType::Float32, {100}), b = make_array(DType::Float32, {100});
    Array args[] = {a.view, b.view};
    vm::execute(ex, args, nullptr);
    vm::set_active_isa(saved);
    REQUIRE(ex.jit.code() == nullptr);
  }
}

TEST_CASE("jit: tiering compiles after large runs or repeated small ones", "[jit]") {
  if (!jit_available()) return;
  ModeScope mode(jit::Mode::Tiered);
  const Signature sig = {{"a", DType::Float32}, {"b", DType::Float32}};
  const vm::Executable small(compile_to_bytecode("a * b", sig)), large(compile_to_bytecode("a * b", sig));
  TestArray a = make_array(DType::Float32, {jit::kTierElements}), b = make_array(DType::Float32, {jit::kTierElements});
  Array big[] = {a.view, b.view};
  vm::execute(large, big, nullptr);
  REQUIRE(large.jit.code() != nullptr);
  Array tiny[] = {a.view, b.view};
  tiny[0].shape[0] = tiny[1].shape[0] = 8;
  for (std::uint32_t r = 1; r < jit::kTierRuns; ++r) vm::execute(small, tiny, nullptr);
  REQUIRE(small.jit.code() == nullptr);
  vm::execute(small, tiny, nullptr);
  REQUIRE(small.jit.code() != nullptr);
}

TEST_CASE("jit: no page is writable and executable at once; code size is bounded", "[jit]") {
  if (!jit_available()) return;
  ModeScope mode(jit::Mode::Always);
  const vm::Executable ex(compile_to_bytecode("a * b + 1", {{"a", DType::Float64}, {"b", DType::Float64}}));
  TestArray a = make_array(DType::Float64, {10}), b = make_array(DType::Float64, {10});
  Array args[] = {a.view, b.view};
  vm::execute(ex, args, nullptr);
  REQUIRE(ex.jit.code() != nullptr);
  REQUIRE(ex.jit.code()->bytes() <= jit::kMaxCodeBytes);
  const auto code = reinterpret_cast<std::uintptr_t>(ex.jit.code()->fn());
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool code_mapped_rx = false;
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    INFO(line);
    REQUIRE(!(perms[1] == 'w' && perms[2] == 'x'));
    if (code >= lo && code < hi) code_mapped_rx = perms[0] == 'r' && perms[2] == 'x';
  }
  REQUIRE(code_mapped_rx);
}

}  // namespace exprvm::testing
