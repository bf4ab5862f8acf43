// The fast path: when every array argument (and out) is C-contiguous with one common shape and
// native dtype, and nothing needs broadcasting, gathering or copying, the run is laid out once
// as a plan whose registers point straight at the caller's buffers (or at zero-padded staging
// copies of them). The executor's one body (run_plan) runs it: the same prologue, chunk loop
// and reduction fold as the general path, so results are the same bits; a large run may still
// go parallel (each thread's temporaries its own). Anything else returns false and takes the
// general path. Arguments are validated by the general path's own check_argument first, so
// errors read the same.
#include "vm/fast_path.hpp"

#include <algorithm>

#include "vm/aliasing.hpp"
#include "vm/binding.hpp"
#include "vm/threads.hpp"

namespace exprvm::vm {
namespace {

bool same_shape(const Array& a, const Array& like) {
  if (a.ndim != like.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != like.shape[d]) return false;
  return true;
}

// a has like's shape; like is C-contiguous. Same itemsize and strides means contiguous too.
bool contiguous_like(const Array& a, const Array& like) {
  if (itemsize(a.dtype) != itemsize(like.dtype)) return a.is_c_contiguous();
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != 1 && a.strides[d] != like.strides[d]) return false;
  return true;
}

// A full reduction's result on the fast path: a new 0-d array, or the caller's 0-d `out` of
// the accumulator dtype; false when `out` does not qualify.
bool reduction_result(const Bytecode& bc, const Array* out, OwnedArray& result) {
  const DType acc = bc.reduction->dtype;
  if (bc.reduction->axis || bc.result_dtype != acc) return false;
  if (!out) {
    result = OwnedArray::allocate(acc, std::span<const std::int64_t>());
    return true;
  }
  if (out->ndim != 0 || out->dtype != acc || out->data == nullptr) return false;
  result = OwnedArray::view(*out);
  return true;
}

}  // namespace

bool prepare_fast(const Executable& ex, std::span<const Array> args, const Array* out,
                  std::byte* scratch, FastFrame& frame, OwnedArray& result) {
  const Bytecode& bc = ex.code;
  const std::size_t nparams = args.size();
  if (!ex.fast_path || nparams != bc.signature.size() || nparams > kFastPathMaxRegs) return false;
  const Array* like = nullptr;
  for (std::size_t i = 0; i < nparams; ++i) {
    const Array& a = args[i];
    const Param& p = bc.signature[i];
    check_argument(p, a);
    if (!is_native(a.dtype)) return false;
    if (p.scalar) {
      if (a.ndim != 0) return false;
      continue;
    }
    if (!like) {
      if (!a.is_c_contiguous()) return false;
      like = &a;
    } else if (!same_shape(a, *like) || !contiguous_like(a, *like)) {
      return false;
    }
  }
  if (!like) return false;
  const std::int64_t n = like->size();
  if (n == 0) return false;
  if (bc.reduction) {
    if (out && out->data == nullptr) return false;
  } else if (bc.result_dtype) {
    if (!is_native(*bc.result_dtype)) return false;  // float16: written with a conversion
    if (out && (out->dtype != *bc.result_dtype || !same_shape(*out, *like) ||
                !out->is_c_contiguous() || out->data == nullptr))
      return false;
  } else if (out) {
    return false;
  }
  // Overlapping outputs (an error) and inputs that need copies are the general path's.
  thread_local Aliasing aliasing;  // reused: no allocation per run
  analyze_aliasing(bc, args, out, aliasing);
  if (aliasing.outputs_overlap || !aliasing.copies.empty()) return false;

  if (bc.reduction) {
    if (!reduction_result(bc, out, result)) return false;
  } else if (bc.result_dtype) {
    result = out ? OwnedArray::view(*out)
                 : OwnedArray::allocate(*bc.result_dtype, std::span(like->shape.data(), like->ndim));
  }
  RunPlan& plan = frame.plan;  // a new frame's: its defaults are set
  plan.ex = &ex;
  plan.n = plan.row = n;
  plan.inputs = args;
  plan.fixed_registers = frame.regs;
  const std::size_t nregs = bc.regs.size();
  std::fill_n(frame.regs, nregs + 1, nullptr);
  for (std::size_t r = 0; r < nregs; ++r)
    if (bc.regs[r].kind == RegKind::Const)
      frame.regs[r] = const_cast<std::byte*>(ex.const_data[bc.regs[r].index]);
  for (const auto& t : ex.fast_temps) frame.regs[t.reg] = scratch + t.index * kRegisterBytes;
  std::byte* area = scratch + bc.temp_count * kRegisterBytes;  // uniforms, then staging
  for (const auto& u : ex.uniforms) {
    frame.regs[u.reg] = area;
    area += kRegisterBytes;
  }
  const bool staged = n < kStageElements && static_cast<std::size_t>(n) % ex.fast_pad != 0;
  if (staged) plan.padded = (static_cast<std::size_t>(n) + ex.fast_pad - 1) / ex.fast_pad * ex.fast_pad;
  std::size_t copied_back = 0;
  for (std::size_t i = 0; i < ex.fast_bound.size(); ++i) {
    BoundReg& b = frame.bound[i];
    b = ex.fast_bound[i];
    const int arg = ex.fast_bound_arg[i];
    b.base = static_cast<char*>(arg < 0 ? result.array().data : args[arg].data);
    if (!staged) continue;
    frame.regs[b.reg] = area + i * kStageBytes;
    b.access = bc.regs[b.reg].kind == RegKind::Input ? Access::StageIn : Access::StageOut;
    if (b.access == Access::StageOut) frame.copy_back[copied_back++] = b;
  }
  plan.bound = std::span(frame.bound, ex.fast_bound.size());
  plan.copy_back = std::span(frame.copy_back, copied_back);
  if (n >= kParallelMinElements) {  // may go parallel: each thread's temporaries its own
    for (std::size_t i = 0; i < ex.fast_temps.size(); ++i)
      frame.temps[i] = {ex.fast_temps[i].reg, ex.fast_temps[i].index};
    plan.register_template = std::span(frame.regs, nregs + 1);
    plan.chunk_buffers = std::span(frame.temps, ex.fast_temps.size());
    plan.buffer_count = bc.temp_count;
  }
  finish_plan(plan);
  if (bc.reduction) {
    plan.result = result.array().data;
    plan.result_dtype = result.array().dtype;
  }
  return true;
}

std::size_t fast_scratch_bytes(const Executable& ex) {
  return (static_cast<std::size_t>(ex.code.temp_count) + ex.uniforms.size()) * kRegisterBytes +
         ex.fast_bound.size() * kStageBytes;
}

bool run_fast(const Executable& ex, std::span<const Array> args, const Array* out,
              OwnedArray& result) {
  FastFrame frame;
  if (!prepare_fast(ex, args, out, thread_scratch(1, fast_scratch_bytes(ex)), frame, result))
    return false;
  run_plan(frame.plan);
  return true;
}

}  // namespace exprvm::vm
