#include "vm/executor_direct.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/fault_injection.hpp"
#include "vm/convert.hpp"

namespace exprvm::vm {
namespace {

// Copies one element of `size` bytes (an accumulator: 1 to 16), inline for the common sizes.
void copy_element(void* dst, const void* src, std::size_t size) {
  if (size == 4) std::memcpy(dst, src, 4);
  else if (size == 8) std::memcpy(dst, src, 8);
  else std::memcpy(dst, src, size);
}

}  // namespace

void run_prologue(const RunPlan& plan, void** regs, int isa) {
  const Executable& ex = *plan.ex;
  const Bytecode& bc = ex.code;
  for (const auto& u : ex.uniforms) {
    if (u.index < 0) continue;
    const Array& a = plan.inputs[u.index];
    const DType t = bc.regs[u.reg].dtype;
    if (a.dtype == t) std::memcpy(regs[u.reg], a.data, itemsize(t));
    else gather_convert(regs[u.reg], t, static_cast<const char*>(a.data), 0, a.dtype, 1);
  }
  for (const ExecInstr& e : ex.prologue[isa]) e.fn(1, regs[e.d], regs[e.a], regs[e.b], regs[e.c]);
  const std::size_t fill =
      plan.padded ? plan.padded : static_cast<std::size_t>(std::min<std::int64_t>(plan.row, ex.chunk));
  for (const auto& u : ex.uniforms)
    replicate(static_cast<std::byte*>(regs[u.reg]), itemsize(bc.regs[u.reg].dtype), fill);
}

void finish_full_reduction(const RunPlan& plan, int isa, const std::byte* partials, std::size_t count) {
  const Executable& ex = *plan.ex;
  const ReductionPlan& r = *ex.code.reduction;
  const std::size_t isz = itemsize(r.dtype);
  alignas(16) std::byte total[16];
  std::memcpy(total, ex.reduction_identity, sizeof total);
  ex.reduce[isa](count, total, partials, nullptr, nullptr);
  if (r.mean) divide_by_count(total, r.dtype, plan.n);
  if (plan.result_dtype == r.dtype) copy_element(plan.result, total, isz);
  else scatter_convert(static_cast<char*>(plan.result), 0, plan.result_dtype, total, r.dtype, 1);
}

void run_direct(const RunPlan& plan, jit::ChunkFn fn, jit::ChunkFn body_fn, int isa) {
  const Executable& ex = *plan.ex;
  const std::optional<ReductionPlan>& reduction = ex.code.reduction;
  // A staged plan's file points its bound registers at the staging buffers, which later
  // interpreted runs need: such a run points a copy at the caller's buffers instead.
  void* staged_file[kFastPathMaxRegs + 1];
  void** regs = plan.fixed_registers;
  if (plan.padded) {
    std::copy_n(regs, ex.code.regs.size() + 1, staged_file);
    regs = staged_file;
  }
  if (ex.has_prologue) run_prologue(plan, regs, isa);
  auto call = [&](std::size_t start, std::size_t len, void* acc, std::size_t acc_stride, jit::ChunkFn code) {
    fault::before_chunk();
    for (const BoundReg& b : plan.bound) regs[b.reg] = b.base + start * b.size;
    code(len, regs, acc, acc_stride);
  };
  const auto n = static_cast<std::size_t>(plan.n);
  if (!reduction) {  // the unaligned head first, so the rest starts on a cache line of the output
    if (plan.aligned_head) call(0, plan.aligned_head, nullptr, 0, fn);
    return call(plan.aligned_head, n - plan.aligned_head, nullptr, 0, body_fn);
  }
  // The executor's partition (full_reduction): with one chunk per block one call folds chunk
  // c into partial c; else one call per block folds its chunks into its partial.
  const std::size_t isz = itemsize(reduction->dtype);
  const ReductionBlocks blocks = reduction_blocks((n + kChunk - 1) >> std::countr_zero(kChunk));
  alignas(64) std::byte partials[kMaxReductionBlocks * 16];
  for (std::size_t blk = 0; blk < blocks.count; ++blk) copy_element(partials + blk * isz, ex.reduction_identity, isz);
  if (blocks.per_block == 1) {
    call(0, n, partials, isz, fn);
  } else {
    const std::size_t block = blocks.per_block * kChunk;
    for (std::size_t blk = 0; blk < blocks.count; ++blk)
      call(blk * block, std::min(block, n - blk * block), partials + blk * isz, 0, fn);
  }
  finish_full_reduction(plan, isa, partials, blocks.count);
}

namespace {

// The kernel's lanes of E on `isa` (SSE2, AVX2, AVX-512 vectors).
static_assert(static_cast<int>(Isa::Sse2) == 0 && static_cast<int>(Isa::Avx2) == 1 && static_cast<int>(Isa::Avx512) == 2);
constexpr std::size_t kernel_lanes(int isa, std::size_t item) { return (std::size_t{16} << isa) / item; }
constexpr std::size_t kMaxLanes = 16;

std::size_t chunks_of(std::int64_t n) {
  return (static_cast<std::size_t>(n) + kChunk - 1) >> std::countr_zero(kChunk);
}

template <class E, bool kSum>
void few_partials(const RunPlan& plan, jit::ChunkFn fn, std::size_t lanes) {
  const E id = kSum ? E(0) : E(1);
  const std::size_t count = chunks_of(plan.n);
  E partials[kMaxLanes];
  for (std::size_t k = 0; k < count; ++k) partials[k] = id;
  fault::before_chunk();
  void** regs = plan.fixed_registers;
  for (const BoundReg& b : plan.bound) regs[b.reg] = b.base;
  fn(static_cast<std::size_t>(plan.n), regs, partials, sizeof(E));
  E total = id;  // run_reduce's n <= lanes path: total . (id . p_k), then . id for the empty lanes
  for (std::size_t k = 0; k < count; ++k) total = kSum ? total + (id + partials[k]) : total * (id * partials[k]);
  if (count < lanes) total = kSum ? total + id : total * id;
  if (plan.ex->code.reduction->mean) total /= static_cast<E>(plan.n);
  std::memcpy(plan.result, &total, sizeof total);
}

}  // namespace

bool few_partials_apply(const RunPlan& plan, int isa) {
  const Executable& ex = *plan.ex;
  const std::optional<ReductionPlan>& r = ex.code.reduction;
  if (!r || plan.padded || ex.has_prologue || plan.result_dtype != r->dtype) return false;
  if ((r->dtype != DType::Float32 && r->dtype != DType::Float64) || (r->op != Op::SUM && r->op != Op::PROD)) return false;
  return chunks_of(plan.n) <= kernel_lanes(isa, itemsize(r->dtype));
}

void run_few_partials(const RunPlan& plan, jit::ChunkFn fn, int isa) {
  const ReductionPlan& r = *plan.ex->code.reduction;
  const bool f32 = r.dtype == DType::Float32, sum = r.op == Op::SUM;
  const std::size_t lanes = kernel_lanes(isa, f32 ? 4 : 8);
  if (f32) return sum ? few_partials<float, true>(plan, fn, lanes) : few_partials<float, false>(plan, fn, lanes);
  return sum ? few_partials<double, true>(plan, fn, lanes) : few_partials<double, false>(plan, fn, lanes);
}

}  // namespace exprvm::vm
