// The small-run fast path: when every array argument (and out) is C-contiguous with one common
// shape and native dtype, nothing needs broadcasting, gathering or copying, and the run is too
// small to go parallel, the program runs straight on the caller's pointers with its registers
// on the stack. Full reductions (no axis) of such runs fold on the stack too. Anything else
// returns false and takes the general path. Arguments are validated by the general path's own
// check_argument first, so errors read the same.
#include "vm/fast_path.hpp"

#include <algorithm>
#include <cstring>

#include "vm/binding.hpp"
#include "vm/iteration.hpp"
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

// The byte range [lo, hi) of n contiguous elements of a.
Extent contiguous_extent(const Array& a, std::int64_t n) {
  const auto lo = reinterpret_cast<std::uintptr_t>(a.data);
  return {lo, lo + static_cast<std::uintptr_t>(n) * itemsize(a.dtype)};
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

bool prepare_fast(const Executable& ex, const CheckedProgram& program, std::span<const Array> args,
                  const Array* out, std::byte* scratch, FastFrame& frame, OwnedArray& result) {
  const Bytecode& bc = ex.code;
  const std::size_t nparams = args.size();
  if (!ex.fast_path || nparams != program.signature.size() || nparams > kFastPathMaxRegs)
    return false;
  const Array* like = nullptr;
  for (std::size_t i = 0; i < nparams; ++i) {
    const Array& a = args[i];
    const Param& p = program.signature[i];
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
  if (n == 0 || n >= kParallelMinElements) return false;
  if (bc.reduction) {
    if (out && out->data == nullptr) return false;
  } else if (bc.result_dtype) {
    if (out && (out->dtype != *bc.result_dtype || !same_shape(*out, *like) ||
                !out->is_c_contiguous() || out->data == nullptr))
      return false;
  } else if (out) {
    return false;
  }

  // Aliasing: an output may share memory with an input only as the very same buffer, written
  // after the input's last read; a parameter read after its own first write (a local that
  // keeps its old value) needs a copy. A reduction writes its result after every read, but
  // its `out` must not overlap an output parameter. Otherwise the general path decides.
  Extent extents[kFastPathMaxRegs];
  for (std::size_t i = 0; i < nparams; ++i)
    if (!program.signature[i].scalar) extents[i] = contiguous_extent(args[i], n);
  const Extent out_extent = out && !bc.reduction ? contiguous_extent(*out, n) : Extent{};
  if (out && bc.reduction) {
    const auto lo = reinterpret_cast<std::uintptr_t>(out->data);
    const Extent result{lo, lo + itemsize(out->dtype)};
    for (std::size_t o = 0; o < nparams; ++o)
      if (program.slots[o].is_output && result.overlaps(extents[o])) return false;
  }
  for (std::size_t o = 0; o <= nparams; ++o) {
    const bool is_out = o == nparams;
    if (is_out ? !out || bc.reduction : !program.slots[o].is_output) continue;
    const Array& w = is_out ? *out : args[o];
    const int write = is_out ? bc.result_write : bc.output_write[o];
    const Extent& wr = is_out ? out_extent : extents[o];
    if (!is_out && bc.last_input_read[o] > write) return false;
    for (std::size_t i = 0; i < nparams; ++i) {
      if (i == o || program.signature[i].scalar || !wr.overlaps(extents[i])) continue;
      const bool readonly_input = !program.slots[i].is_output;
      if (!readonly_input || args[i].data != w.data || args[i].dtype != w.dtype ||
          bc.last_input_read[i] > write)
        return false;
    }
  }

  if (bc.reduction) {
    if (!reduction_result(bc, out, result)) return false;
  } else if (bc.result_dtype) {
    result = out ? OwnedArray::view(*out)
                 : OwnedArray::allocate(*bc.result_dtype, std::span(like->shape.data(), like->ndim));
  }
  frame.n = n;
  const std::size_t nregs = bc.regs.size();
  std::fill_n(frame.single, nregs + 1, nullptr);
  for (std::size_t r = 0; r < nregs; ++r)
    if (bc.regs[r].kind == RegKind::Const)
      frame.regs[r] = frame.single[r] = const_cast<std::byte*>(ex.const_data[bc.regs[r].index]);
  frame.regs[nregs] = nullptr;
  for (const auto& t : ex.fast_temps) frame.regs[t.reg] = scratch + t.index * kRegisterBytes;
  std::byte* area = scratch + bc.temp_count * kRegisterBytes;  // uniforms, then staging
  for (std::size_t i = 0; i < ex.uniforms.size(); ++i) {
    const auto& u = ex.uniforms[i];
    frame.regs[u.reg] = frame.single[u.reg] = area;
    area += kRegisterBytes;
    frame.scalar[i] = u.index >= 0 ? args[u.index].data : nullptr;
  }
  for (std::size_t i = 0; i < ex.fast_bound.size(); ++i) {
    const int arg = ex.fast_bound[i].index;
    frame.base[i] = static_cast<char*>(arg < 0 ? result.array().data : args[arg].data);
  }
  frame.result = bc.reduction ? result.array().data : nullptr;
  frame.padded = 0;
  if (n < kStageElements && static_cast<std::size_t>(n) % ex.fast_pad != 0) {
    frame.padded = (static_cast<std::size_t>(n) + ex.fast_pad - 1) / ex.fast_pad * ex.fast_pad;
    for (std::size_t i = 0; i < ex.fast_bound.size(); ++i) frame.stage[i] = area + i * kStageBytes;
  }
  return true;
}

std::size_t fast_scratch_bytes(const Executable& ex) {
  return (static_cast<std::size_t>(ex.code.temp_count) + ex.uniforms.size()) * kRegisterBytes +
         ex.fast_bound.size() * kStageBytes;
}

namespace {

// Runs a short frame on staging copies: inputs copied in and zero-padded to frame.padded
// elements, every kernel over whole batches, outputs copied back. (A tail of a batch would
// otherwise cost each kernel padded copies and a stalled store-to-load forward.)
void run_staged(const Executable& ex, FastFrame& frame, int isa) {
  const Bytecode& bc = ex.code;
  const auto n = static_cast<std::size_t>(frame.n);
  for (std::size_t i = 0; i < ex.fast_bound.size(); ++i) {
    const Reg r = ex.fast_bound[i].reg;
    frame.regs[r] = frame.stage[i];
    if (bc.regs[r].kind != RegKind::Input) continue;
    const std::size_t size = itemsize(bc.regs[r].dtype);
    std::memcpy(frame.stage[i], frame.base[i], n * size);
    std::memset(frame.stage[i] + n * size, 0, (frame.padded - n) * size);
  }
  for (const ExecInstr& e : ex.main[isa])
    e.fn(frame.padded, frame.regs[e.d], frame.regs[e.a], frame.regs[e.b], frame.regs[e.c]);
  for (std::size_t i = 0; i < ex.fast_bound.size(); ++i) {
    const Reg r = ex.fast_bound[i].reg;
    if (bc.regs[r].kind != RegKind::Input)
      std::memcpy(frame.base[i], frame.stage[i], n * itemsize(bc.regs[r].dtype));
  }
}

}  // namespace

void run_frame(const Executable& ex, FastFrame& frame) {
  const Bytecode& bc = ex.code;
  const std::int64_t n = frame.n;
  void** regs = frame.regs;
  // Uniform registers cover every element a kernel reads, padding of staged runs included.
  const std::size_t fill =
      frame.padded ? frame.padded : static_cast<std::size_t>(std::min<std::int64_t>(n, ex.chunk));
  const int isa = static_cast<int>(active_isa());
  for (std::size_t i = 0; i < ex.uniforms.size(); ++i)
    if (frame.scalar[i])
      std::memcpy(frame.single[ex.uniforms[i].reg], frame.scalar[i],
                  itemsize(bc.regs[ex.uniforms[i].reg].dtype));
  for (const ExecInstr& e : ex.prologue[isa])
    e.fn(1, frame.single[e.d], frame.single[e.a], frame.single[e.b], frame.single[e.c]);
  for (const auto& u : ex.uniforms)
    replicate(static_cast<std::byte*>(regs[u.reg]), itemsize(bc.regs[u.reg].dtype), fill);
  // A full reduction folds each chunk into its own partial, then the partials in order: the
  // general path's fixed partition for runs this small (one chunk of kChunk per block).
  alignas(64) std::byte partials[(kParallelMinElements / kChunk) * 16];
  const ReductionPlan* plan = bc.reduction ? &*bc.reduction : nullptr;
  const std::size_t acc_size = plan ? itemsize(plan->dtype) : 0;
  std::size_t blocks = 0;
  const std::vector<ExecInstr>& code = ex.main[isa];
  const auto chunk = static_cast<std::int64_t>(ex.chunk);
  for (std::int64_t start = 0; start < n; start += chunk) {  // a staged run is one chunk
    const auto len = static_cast<std::size_t>(std::min<std::int64_t>(chunk, n - start));
    if (frame.padded) {
      run_staged(ex, frame, isa);
    } else {
      for (std::size_t i = 0; i < ex.fast_bound.size(); ++i) {
        const Reg r = ex.fast_bound[i].reg;
        regs[r] = frame.base[i] + start * static_cast<std::int64_t>(itemsize(bc.regs[r].dtype));
      }
      for (const ExecInstr& e : code) e.fn(len, regs[e.d], regs[e.a], regs[e.b], regs[e.c]);
    }
    if (plan) {
      void* acc = partials + blocks++ * acc_size;
      reduce_identity(plan->op, plan->dtype, acc);
      ex.reduce[isa](len, acc, regs[plan->source], nullptr, nullptr);
    }
  }
  if (plan) {
    alignas(16) std::byte total[16];
    reduce_identity(plan->op, plan->dtype, total);
    ex.reduce[isa](blocks, total, partials, nullptr, nullptr);
    if (plan->mean) divide_by_count(total, plan->dtype, n);
    std::memcpy(frame.result, total, acc_size);
  }
}

bool run_fast(const Executable& ex, const CheckedProgram& program, std::span<const Array> args,
              const Array* out, OwnedArray& result) {
  FastFrame frame;
  if (!prepare_fast(ex, program, args, out, thread_scratch(1, fast_scratch_bytes(ex)), frame, result))
    return false;
  run_frame(ex, frame);
  return true;
}

}  // namespace exprvm::vm
