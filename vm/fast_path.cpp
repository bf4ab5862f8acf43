// The small-run fast path: when every array argument (and out) is C-contiguous with one common
// shape and native dtype, nothing needs broadcasting, gathering or copying, and the run is too
// small to go parallel, the program runs straight on the caller's pointers with its registers
// on the stack. Anything else returns false and takes the general path. Arguments are
// validated by the general path's own check_argument first, so errors read the same.
#include "vm/fast_path.hpp"

#include <algorithm>
#include <cstring>

#include "vm/binding.hpp"
#include "vm/iteration.hpp"
#include "vm/threads.hpp"

namespace exprvm::vm {
namespace {

bool contiguous_same_shape(const Array& a, const Array& like) {
  if (a.ndim != like.ndim || !std::equal(a.shape.begin(), a.shape.begin() + a.ndim, like.shape.begin()))
    return false;
  return a.is_c_contiguous();
}

}  // namespace

bool run_fast(const Executable& ex, const CheckedProgram& program, std::span<const Array> args,
              const Array* out, OwnedArray& result) {
  const Bytecode& bc = ex.code;
  if (!ex.fast_path || args.size() != program.signature.size()) return false;
  const Array* like = nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const Array& a = args[i];
    const Param& p = program.signature[i];
    check_argument(p, a);
    if (!is_native(a.dtype)) return false;
    if (p.scalar) {
      if (a.ndim != 0) return false;
      continue;
    }
    if (!like) like = &a;
    if (!contiguous_same_shape(a, *like)) return false;
  }
  if (!like) return false;
  const std::int64_t n = like->size();
  if (n == 0 || n >= kParallelMinElements) return false;
  if (bc.result_dtype) {
    if (out && (out->dtype != *bc.result_dtype || !contiguous_same_shape(*out, *like) ||
                out->data == nullptr))
      return false;
  } else if (out) {
    return false;
  }

  // Aliasing: an output may share memory with an input only as the very same buffer, written
  // after the input's last read.
  const std::size_t nparams = args.size();
  for (std::size_t o = 0; o <= nparams; ++o) {
    const bool is_out = o == nparams;
    if (is_out ? !out : !program.slots[o].is_output) continue;
    const Array& w = is_out ? *out : args[o];
    const int write = is_out ? bc.result_write : bc.output_write[o];
    const Extent wr = extent_of(w);
    for (std::size_t i = 0; i < nparams; ++i) {
      if (i == o || program.signature[i].scalar) continue;
      if (!wr.overlaps(extent_of(args[i]))) continue;
      const bool readonly_input = !program.slots[i].is_output;
      if (!readonly_input || args[i].data != w.data || args[i].dtype != w.dtype ||
          bc.last_input_read[i] > write)
        return false;
    }
  }

  result = bc.result_dtype ? (out ? OwnedArray::view(*out)
                                  : OwnedArray::allocate(*bc.result_dtype,
                                                         std::span(like->shape.data(), like->ndim)))
                           : OwnedArray{};
  const std::size_t nregs = bc.regs.size();
  const std::size_t fill = static_cast<std::size_t>(std::min<std::int64_t>(n, kChunk));
  const std::size_t temps = static_cast<std::size_t>(bc.temp_count);
  std::byte* scratch = thread_scratch(1, (temps + ex.uniform_count) * kRegisterBytes);
  void* regs[kFastPathMaxRegs + 1];
  void* single[kFastPathMaxRegs + 1];
  char* base[kFastPathMaxRegs];
  std::size_t bound_size[kFastPathMaxRegs];
  Reg bound[kFastPathMaxRegs];
  std::size_t nbound = 0;
  std::byte* uniform_area = scratch + temps * kRegisterBytes;
  for (std::size_t r = 0; r < nregs; ++r) {
    const RegInfo& info = bc.regs[r];
    single[r] = nullptr;
    switch (info.kind) {
      case RegKind::Const:
        regs[r] = single[r] = const_cast<std::byte*>(ex.const_data[info.index]);
        break;
      case RegKind::Temp: regs[r] = scratch + info.index * kRegisterBytes; break;
      case RegKind::Scalar:
      case RegKind::Uniform:
        regs[r] = single[r] = uniform_area;
        uniform_area += kRegisterBytes;
        if (info.kind == RegKind::Scalar) std::memcpy(single[r], args[info.index].data, itemsize(info.dtype));
        break;
      case RegKind::Input:
      case RegKind::Output:
      case RegKind::Result:
        base[nbound] = static_cast<char*>(info.kind == RegKind::Result ? result.array().data
                                                                       : args[info.index].data);
        bound_size[nbound] = itemsize(info.dtype);
        bound[nbound++] = static_cast<Reg>(r);
        break;
    }
  }
  regs[nregs] = single[nregs] = nullptr;
  const int isa = static_cast<int>(active_isa());
  for (const ExecInstr& e : ex.prologue[isa]) e.fn(1, single[e.d], single[e.a], single[e.b], single[e.c]);
  for (std::size_t r = 0; r < nregs; ++r) {
    const RegKind k = bc.regs[r].kind;
    if (k == RegKind::Scalar || k == RegKind::Uniform)
      replicate(static_cast<std::byte*>(regs[r]), itemsize(bc.regs[r].dtype), fill);
  }
  const std::vector<ExecInstr>& code = ex.main[isa];
  for (std::int64_t start = 0; start < n; start += kChunk) {
    const auto len = static_cast<std::size_t>(std::min<std::int64_t>(kChunk, n - start));
    for (std::size_t i = 0; i < nbound; ++i) regs[bound[i]] = base[i] + start * bound_size[i];
    for (const ExecInstr& e : code) e.fn(len, regs[e.d], regs[e.a], regs[e.b], regs[e.c]);
  }
  return true;
}

}  // namespace exprvm::vm
