#include "nn/bound_stage.hpp"

#include <algorithm>
#include <utility>

#include "runtime/program_impl.hpp"
#include "vm/executor.hpp"
#include "vm/kernel.hpp"

namespace exprvm::nn {

namespace {

// Runs shorter than kStagedMaxElements whose length is not a multiple of kStagedLanes (the
// float lanes of AVX-512, a multiple of AVX2's and SSE2's) run on zero-padded copies of their
// tensors. Workaround for the kernels' partial last batch, which costs more than two full
// ones (measured at 30 floats, avx512: expm1 57 ns against 26 ns at 32; a (30,30,30)
// prediction 522 ns against 323 ns for (32,32,32)); the copies cost a few ns. Longer runs
// amortize the tail and take no copies.
constexpr std::int64_t kStagedLanes = 16;
constexpr std::int64_t kStagedMaxElements = 256;

}  // namespace

struct BoundStage::Binding {
  Program program;  // keeps the Executable alive (and identifies the stage's program)
  std::vector<float*> data;
  std::int64_t rows = 0, cols = 0;
  vm::Isa isa = vm::Isa::Sse2;
  std::vector<void*> regs;                         // one per register, then a null
  std::vector<std::pair<Reg, std::size_t>> bound;  // Input/Output register -> tensor index
  std::vector<vm::ExecInstr> code;
  std::vector<std::byte> temp_storage;
  // Staged runs only: per tensor its padded copy; the tensors read and written.
  std::int64_t padded = 0;
  std::vector<float> staged_storage;
  std::vector<float*> staged;
  std::vector<std::size_t> copy_in, copy_out;

  explicit Binding(Program p) : program(std::move(p)) {}

  void run() {
    const std::int64_t n = rows * cols;
    if (staged.empty()) return run_kernels(data, n);
    for (std::size_t t : copy_in) std::copy_n(data[t], n, staged[t]);
    run_kernels(staged, padded);
    for (std::size_t t : copy_out) std::copy_n(staged[t], n, data[t]);
  }

  // The program's kernels over `buffers` (one per tensor), one executor chunk at a time.
  void run_kernels(const std::vector<float*>& buffers, std::int64_t n) {
    for (std::int64_t start = 0; start < n; start += static_cast<std::int64_t>(vm::kChunk)) {
      const auto len = static_cast<std::size_t>(
          std::min<std::int64_t>(static_cast<std::int64_t>(vm::kChunk), n - start));
      for (const auto& [reg, tensor] : bound) regs[reg] = buffers[tensor] + start;
      for (const vm::ExecInstr& e : code) e.fn(len, regs[e.d], regs[e.a], regs[e.b], regs[e.c]);
    }
  }
};

namespace {

// Whether `program` can run on `tensors` by its kernels alone, as the engine's small-run path
// would: element-wise (no reduction, bare result or per-run prologue), every parameter a
// float32 array, every register an input, output, constant or scratch one; the tensors of
// one shape, below the size the engine runs in parallel; buffers that overlap are the very
// same buffer, read as an input no later than it is written as an output.
bool bindable(const Program& program, std::initializer_list<Tensor*> tensors) {
  const CheckedProgram& checked = program.impl().checked();
  const Bytecode& bc = program.impl().executable().code;
  if (bc.reduction || bc.result_dtype || !bc.prologue.empty()) return false;
  if (checked.signature.size() != tensors.size()) return false;
  for (const Param& p : checked.signature)
    if (p.scalar || p.dtype != DType::Float32) return false;
  for (const RegInfo& info : bc.regs) {
    if (info.kind == RegKind::Scalar || info.kind == RegKind::Uniform ||
        info.kind == RegKind::Result)
      return false;
    if ((info.kind == RegKind::Input || info.kind == RegKind::Output) &&
        info.dtype != DType::Float32)
      return false;
  }
  const Tensor& first = **tensors.begin();
  const std::int64_t n = first.size();
  if (n == 0 || n >= vm::kParallelMinElements) return false;
  Tensor* const* list = tensors.begin();
  for (const Tensor* t : tensors)
    if (t->rows != first.rows || t->cols != first.cols) return false;
  for (std::size_t o = 0; o < tensors.size(); ++o) {
    if (!checked.slots[o].is_output) continue;
    const float* w = list[o]->data.data();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const float* r = list[i]->data.data();
      if (i == o || r + n <= w || w + n <= r) continue;
      if (checked.slots[i].is_output || r != w || bc.last_input_read[i] > bc.output_write[o])
        return false;
    }
  }
  return true;
}

}  // namespace

BoundStage::BoundStage() = default;
BoundStage::~BoundStage() = default;
BoundStage::BoundStage(BoundStage&&) noexcept = default;
BoundStage& BoundStage::operator=(BoundStage&&) noexcept = default;

bool BoundStage::matches(const Stage& stage, std::initializer_list<Tensor*> tensors) const {
  if (!binding_ || &binding_->program.impl() != &stage.program().impl() ||
      binding_->isa != vm::active_isa() || binding_->data.size() != tensors.size())
    return false;
  std::size_t i = 0;
  for (const Tensor* t : tensors) {
    if (t->data.data() != binding_->data[i++] || t->rows != binding_->rows ||
        t->cols != binding_->cols)
      return false;
  }
  return true;
}

void BoundStage::run(const Stage& stage, std::initializer_list<Tensor*> tensors) {
  last_run_bound_ = matches(stage, tensors);
  if (last_run_bound_) return binding_->run();

  std::vector<Array> args;
  for (const Tensor* t : tensors) args.push_back(t->matrix());
  stage.run(args);
  binding_.reset();
  if (!bindable(stage.program(), tensors)) return;

  auto binding = std::make_unique<Binding>(stage.program());
  const vm::Executable& ex = stage.program().impl().executable();
  const Bytecode& bc = ex.code;
  const Tensor& first = **tensors.begin();
  binding->rows = first.rows;
  binding->cols = first.cols;
  for (Tensor* t : tensors) binding->data.push_back(t->data.data());
  binding->isa = vm::active_isa();
  binding->code = ex.main[static_cast<int>(binding->isa)];
  const std::int64_t n = first.size();
  if (n < kStagedMaxElements && n % kStagedLanes != 0) {
    binding->padded = (n + kStagedLanes - 1) / kStagedLanes * kStagedLanes;
    const auto stride = static_cast<std::size_t>(binding->padded);
    binding->staged_storage.assign(tensors.size() * stride + kStagedLanes, 0.0f);
    float* next = binding->staged_storage.data();
    next += (kStagedLanes - reinterpret_cast<std::uintptr_t>(next) / sizeof(float) % kStagedLanes) %
            kStagedLanes;  // 64-byte aligned, as the engine's registers
    for (std::size_t t = 0; t < tensors.size(); ++t, next += stride) {
      binding->staged.push_back(next);
      if (bc.last_input_read[t] >= 0) binding->copy_in.push_back(t);
      if (stage.program().impl().checked().slots[t].is_output) binding->copy_out.push_back(t);
    }
  }
  // Scratch registers hold one chunk (or the whole run when shorter) of the widest dtype
  // (16 bytes, complex128), each 64-byte aligned.
  constexpr std::size_t kAlign = 64;
  const auto chunk = static_cast<std::size_t>(std::min<std::int64_t>(
      binding->staged.empty() ? n : binding->padded, static_cast<std::int64_t>(vm::kChunk)));
  const std::size_t temp_bytes = (chunk * 16 + kAlign - 1) / kAlign * kAlign;
  binding->temp_storage.resize(static_cast<std::size_t>(bc.temp_count) * temp_bytes + kAlign);
  std::byte* temps = binding->temp_storage.data();
  temps += (kAlign - reinterpret_cast<std::uintptr_t>(temps) % kAlign) % kAlign;
  binding->regs.assign(bc.regs.size() + 1, nullptr);
  for (std::size_t r = 0; r < bc.regs.size(); ++r) {
    const RegInfo& info = bc.regs[r];
    if (info.kind == RegKind::Const)
      binding->regs[r] = const_cast<std::byte*>(ex.const_data[static_cast<std::size_t>(info.index)]);
    else if (info.kind == RegKind::Temp)
      binding->regs[r] = temps + static_cast<std::size_t>(info.index) * temp_bytes;
    else
      binding->bound.emplace_back(static_cast<Reg>(r), static_cast<std::size_t>(info.index));
  }
  binding_ = std::move(binding);
}

}  // namespace exprvm::nn
