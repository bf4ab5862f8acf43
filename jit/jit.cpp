#include "jit/jit.hpp"

#include <asmjit/x86.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <stdexcept>

#include "jit/emit.hpp"
#include "jit/plan.hpp"
#include "jit/vector_calls.hpp"
#include "vm/executor.hpp"

// Debian's libasmjit.a is not compiled position-independent: one object (globals.cpp.o) reads
// `stderr` PC-relative, which a shared object (libexprvm.so, the Python module) cannot resolve.
// Those links pass -Wl,--wrap=stderr (CMakeLists.txt), which sends that reference here: a
// variable of this library holding libc's stderr.
extern "C" {
std::FILE* __wrap_stderr = stderr;  // NOLINT: the name is the linker's --wrap convention
}

namespace exprvm::jit {
namespace {

// One code allocator for the process. Dual mapping: the code is written through a read-write
// view and run through a separate read-execute view of the same memory, so no page is ever
// writable and executable at once (W^X). Never destroyed: programs in static caches release
// their code during exit, after function-local statics would be gone.
asmjit::JitRuntime& runtime() {
  static asmjit::JitRuntime* rt = [] {
    asmjit::JitAllocator::CreateParams params;
    params.options = asmjit::JitAllocatorOptions::kUseDualMapping;
    return new asmjit::JitRuntime(&params);
  }();
  return *rt;
}

Mode mode_from_environment() {
  const char* v = std::getenv("EXPRVM_JIT");
  if (!v) return Mode::Tiered;
  if (std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0) return Mode::Off;
  if (std::strcmp(v, "always") == 0) return Mode::Always;
  return Mode::Tiered;
}

std::atomic<Mode>& mode_flag() {
  static std::atomic<Mode> m{mode_from_environment()};
  return m;
}

// Records the first error the assembler reports (an operand combination it cannot encode),
// so that a program the emitter got wrong is interpreted instead of run.
class FirstError : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error err, const char*, asmjit::BaseEmitter*) override {
    if (error == asmjit::kErrorOk) error = err;
  }
  asmjit::Error error = asmjit::kErrorOk;
};

// The plan for kernels of `isa`: on AVX-512, 512-bit loops when the emitter covers every
// fused instruction in them, else (and on AVX2) 256-bit ones. The reduction is fused only in
// the ISA's own batch width (its kernels' order).
Plan plan_for(const Bytecode& bc, std::span<const vm::Kernel> kernels, vm::Isa isa) {
  if (isa == vm::Isa::Avx512 && cpu_has_avx512()) {
    Plan wide = make_plan(bc, kernels, true, 512);
    if (covers_wide(bc, wide)) return wide;
  }
  return make_plan(bc, kernels, isa == vm::Isa::Avx2);
}

std::unique_ptr<Code> decline(std::string* why, const char* reason) {
  if (why) *why = reason;
  return nullptr;
}

// Whether an Output register is the parameter of an Input register (an in-place update).
bool updates_an_input(const Bytecode& bc) {
  for (const RegInfo& out : bc.regs)
    if (out.kind == RegKind::Output)
      for (const RegInfo& in : bc.regs)
        if (in.kind == RegKind::Input && in.index == out.index) return true;
  return false;
}

// One chunk function of `plan` made executable, or the reason it was not.
struct Assembled {
  ChunkFn fn = nullptr;
  std::size_t bytes = 0;
  ChunkFunction shape;
  const char* failure = nullptr;
};

Assembled assemble(const Bytecode& bc, const Plan& plan, std::span<const vm::Kernel> kernels, std::string* listing) {
  Assembled out;
  asmjit::CodeHolder holder;
  holder.init(runtime().environment());
  asmjit::StringLogger logger;
  if (listing) {
    logger.addFlags(asmjit::FormatFlags::kMachineCode);
    holder.setLogger(&logger);
  }
  FirstError errors;
  holder.setErrorHandler(&errors);
  asmjit::x86::Assembler a(&holder);
  try {
    out.shape = emit_chunk_function(a, bc, plan, kernels);
  } catch (const std::logic_error&) {
    out.failure = "the emitter met an instruction it does not fuse";
    return out;
  }
  if (errors.error != asmjit::kErrorOk) out.failure = "the assembler rejected an instruction";
  else if (holder.codeSize() > kMaxCodeBytes) out.failure = "the code would exceed kMaxCodeBytes";
  else if (runtime().add(&out.fn, &holder) != asmjit::kErrorOk) out.failure = "no executable memory";
  if (out.failure) return out;
  out.bytes = holder.codeSize();
  if (listing) *listing = logger.data();
  return out;
}

}  // namespace

Mode mode() { return mode_flag().load(std::memory_order_relaxed); }
Mode set_mode(Mode m) {
  const Mode previous = mode_flag().exchange(m, std::memory_order_relaxed);
  if (previous != m) vm::settings_changed();
  return previous;
}

Code::Code(ChunkFn fn, std::size_t bytes, int fused, int called, bool any_length, bool reduces,
           ChunkFn streaming_fn)
    : fn_(fn), streaming_fn_(streaming_fn), bytes_(bytes), fused_(fused), called_(called),
      any_length_(any_length), reduces_(reduces) {}
Code::~Code() {
  runtime().release(fn_);
  if (streaming_fn_) runtime().release(streaming_fn_);
}

std::unique_ptr<Code> compile(const Bytecode& bc, std::span<const vm::Kernel> kernels,
                              std::string* listing, std::string* why, vm::Isa isa) {
  if (!cpu_has_avx2_fma()) return decline(why, "the CPU has no AVX2+FMA");
  if (kernels.size() != bc.code.size()) return decline(why, "kernel list does not match the code");
  if (bc.code.size() > kMaxInstructions) return decline(why, "more than kMaxInstructions instructions");
  if (std::any_of(bc.code.begin(), bc.code.end(), [](const Instruction& i) { return i.op == Op::CIS; })) {
    Bytecode split = bc;  // cos + i sin read as cos and sin: vector calls (see split_cis)
    std::vector<vm::Kernel> split_kernels(kernels.begin(), kernels.end());
    if (split_cis(split, split_kernels)) return compile(split, split_kernels, listing, why, isa);
  }
  Plan plan = plan_for(bc, kernels, isa);
  if (plan.fused_instructions == 0) return decline(why, "no instruction can be fused");
  const Assembled main = assemble(bc, plan, kernels, listing);
  if (main.failure) return decline(why, main.failure);
  // The streaming variant, for programs that write arrays (not reductions) and whose loops
  // store some output themselves; it is what the executor calls past the last-level cache.
  // Not for a program that updates an argument it reads (`p = p - g`, Adam): its runs always
  // overlap an output with an input, and never stream.
  ChunkFn streaming = nullptr;
  if (!bc.reduction && !updates_an_input(bc)) {
    plan.streaming_stores = true;
    const Assembled variant = assemble(bc, plan, kernels, nullptr);
    if (variant.fn && variant.shape.streams) streaming = variant.fn;
    else if (variant.fn) runtime().release(variant.fn);
  }
  const int fused = plan.fused_instructions;
  return std::make_unique<Code>(main.fn, main.bytes, fused, static_cast<int>(bc.code.size()) - fused,
                                main.shape.any_length, plan.fused_reduction, streaming);
}

}  // namespace exprvm::jit

namespace exprvm::jit {

std::string listing(const Bytecode& bc) {
  const vm::Isa isa = vm::active_isa();
  if (isa == vm::Isa::Sse2) return "; JIT: not used (the active instruction set is sse2)\n";
  const vm::Executable ex(bc);
  std::vector<vm::Kernel> kernels;
  for (const vm::ExecInstr& e : ex.main[static_cast<int>(isa)]) kernels.push_back(e.fn);
  std::string text, why;
  const std::unique_ptr<Code> code = compile(bc, kernels, &text, &why, isa);
  if (!code) return "; JIT: interpreted (" + why + ")\n";
  Bytecode split = bc;
  split_cis(split, kernels);
  const Plan plan = plan_for(split, kernels, isa);
  return std::string("; JIT (AsmJit, x86-64 ") + (plan.vector_bits == 512 ? "AVX-512, zmm" : "AVX2+FMA, ymm") +
         "): " + std::to_string(code->fused_instructions()) +
         " fused instructions (" + std::to_string(plan.vector_calls) + " of them vector calls), " +
         std::to_string(code->called_instructions()) + " kernel calls, " + std::to_string(code->bytes()) +
         " bytes" + (code->reduces() ? ", reduction fused" : "") +
         (code->has_streaming() ? "; a streaming-store variant for runs past the last-level cache" : "") + "\n" + text;
}

}  // namespace exprvm::jit
