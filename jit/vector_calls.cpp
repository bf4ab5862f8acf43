#include "jit/vector_calls.hpp"

#include <algorithm>
#include <utility>

#include "vm/kernel_tables.hpp"

namespace exprvm::jit {

using namespace asmjit;
using namespace asmjit::x86;

namespace {

constexpr int kVectorSlots = kCallFrameBase;                  // frame offset of the ymm slots
constexpr int kGpSlots = kCallFrameBase + 16 * 32;            // frame offset of the general registers' slots
constexpr int kStashSlot = kGpSlots + 16 * 8;                 // frame offset of the stash (32-byte aligned)
constexpr int kSavedRsp = kCallFrameBase + kCallFrameBytes;   // frame offset of the caller's rsp
static_assert(kStashSlot % 32 == 0 && kStashSlot + 32 == kSavedRsp);
constexpr int kFrameAllocation = kSavedRsp + 32;  // + the saved rsp, rounded for alignment

bool caller_saved(const Gp& g) {
  const std::uint32_t id = g.id();
  return id != Gp::kIdBx && id != Gp::kIdSp && id != Gp::kIdBp && id < Gp::kIdR12;
}

}  // namespace

bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

bool cpu_has_avx512() {
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

const void* vector_function(const Bytecode& bc, const Instruction& ins, vm::Kernel interpreter_kernel) {
  if (ins.op == Op::CAST || !cpu_has_avx2_fma()) return nullptr;
  const DType t = ins.dtype;
  if (t != DType::Float32 && t != DType::Float64) return nullptr;
  const DType result = bc.regs[ins.dst].dtype;
  if (result != t && result != DType::Bool) return nullptr;
  if (ins.c != kNoReg || ins.a == kNoReg) return nullptr;
  for (Reg r : {ins.a, ins.b})
    if (r != kNoReg && bc.regs[r].dtype != t) return nullptr;
  if ((ins.b != kNoReg) != (op_info(ins.op).arity == 2)) return nullptr;
  if (interpreter_kernel == nullptr || interpreter_kernel != vm::kernel_table_avx2().op[int(ins.op)][index_of(t)])
    return nullptr;
  return vector_functions_avx2().fn[int(ins.op)][t == DType::Float32 ? 0 : 1];
}

namespace {

// Whether instruction j's result may overwrite the memory of register x (x itself, a temp
// sharing its chunk buffer, or an output that may alias an input's array).
bool may_overwrite(const Bytecode& bc, const Instruction& j, Reg x) {
  const RegInfo& d = bc.regs[j.dst];
  const RegInfo& r = bc.regs[x];
  if (j.dst == x) return true;
  if (r.kind == RegKind::Temp) return d.kind == RegKind::Temp && d.index == r.index;
  return d.kind == RegKind::Output || d.kind == RegKind::Result;
}

// Whether registers x and y may share memory: the same register, or temps of one chunk buffer.
bool same_memory(const Bytecode& bc, Reg x, Reg y) {
  if (x == kNoReg || y == kNoReg) return false;
  if (x == y) return true;
  const RegInfo& rx = bc.regs[x];
  const RegInfo& ry = bc.regs[y];
  return rx.kind == RegKind::Temp && ry.kind == RegKind::Temp && rx.index == ry.index;
}

bool touches(const Bytecode& bc, const Instruction& ins, Reg x) {
  return same_memory(bc, ins.dst, x) || same_memory(bc, ins.a, x) || same_memory(bc, ins.b, x) ||
         same_memory(bc, ins.c, x);
}

// The sin_cos_split kernel of the ISA table whose CIS kernel for t is `cis_kernel`, or null.
vm::Kernel split_kernel_for(vm::Kernel cis_kernel, DType t) {
  if (t != DType::Float32 && t != DType::Float64) return nullptr;
  for (vm::Isa isa : vm::available_isas()) {
    const vm::KernelTable& table = vm::kernel_table(isa);
    if (table.op[int(Op::CIS)][index_of(t)] == cis_kernel) return table.sin_cos_split[t == DType::Float32 ? 0 : 1];
  }
  return nullptr;
}

// The CIS at i, read only by `readers` (one REAL and one IMAG), becomes one call of `split`
// writing sin into the IMAG's register and cos into the REAL's (as its c), and the readers
// go: when both are temps apart from each other and from the operand, and nothing between
// the CIS and each reader touches that reader's register.
bool split_into_chunk_call(Bytecode& bc, std::vector<vm::Kernel>& kernels, std::size_t i,
                           const std::vector<std::size_t>& readers, vm::Kernel split) {
  if (readers.size() != 2 || bc.code[readers[0]].op == bc.code[readers[1]].op) return false;
  const std::size_t imag_at = bc.code[readers[0]].op == Op::IMAG ? readers[0] : readers[1];
  const std::size_t real_at = readers[0] + readers[1] - imag_at;
  const Reg sin_reg = bc.code[imag_at].dst, cos_reg = bc.code[real_at].dst;
  const Reg operand = bc.code[i].a;
  for (Reg r : {sin_reg, cos_reg})
    if (bc.regs[r].kind != RegKind::Temp || same_memory(bc, r, operand)) return false;
  if (same_memory(bc, sin_reg, cos_reg)) return false;
  for (auto [reg, at] : {std::pair{sin_reg, imag_at}, std::pair{cos_reg, real_at}})
    for (std::size_t k = i + 1; k < at; ++k)
      if (touches(bc, bc.code[k], reg)) return false;
  bc.code[i].dst = sin_reg;
  bc.code[i].c = cos_reg;
  kernels[i] = split;
  for (std::size_t at : {std::max(imag_at, real_at), std::min(imag_at, real_at)}) {
    bc.code.erase(bc.code.begin() + static_cast<std::ptrdiff_t>(at));
    kernels.erase(kernels.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return true;
}

}  // namespace

bool split_cis(Bytecode& bc, std::vector<vm::Kernel>& kernels) {
  if (!cpu_has_avx2_fma()) return false;
  const vm::KernelTable& avx2 = vm::kernel_table_avx2();
  bool changed = false;
  for (std::size_t i = 0; i < bc.code.size(); ++i) {
    const Instruction cis = bc.code[i];
    if (cis.op != Op::CIS || bc.regs[cis.dst].kind != RegKind::Temp ||
        (bc.reduction && bc.reduction->source == cis.dst))
      continue;
    const bool by_vector_calls = kernels[i] == avx2.op[int(Op::CIS)][index_of(cis.dtype)];
    const vm::Kernel chunk_split = by_vector_calls ? nullptr : split_kernel_for(kernels[i], cis.dtype);
    if (!by_vector_calls && !chunk_split) continue;
    std::vector<std::size_t> readers;
    bool ok = true, operand_kept = true;
    for (std::size_t j = i + 1; j < bc.code.size() && ok; ++j) {
      const Instruction& ins = bc.code[j];
      const bool reads = ins.a == cis.dst || ins.b == cis.dst || ins.c == cis.dst;
      if (reads) ok = (operand_kept || !by_vector_calls) && (ins.op == Op::REAL || ins.op == Op::IMAG) && ins.b == kNoReg;
      if (reads) readers.push_back(j);
      if (ins.dst == cis.dst) break;
      operand_kept = operand_kept && !may_overwrite(bc, ins, cis.a);
    }
    if (!ok || readers.empty()) continue;
    if (!by_vector_calls) {
      changed = split_into_chunk_call(bc, kernels, i, readers, chunk_split) || changed;
      continue;
    }
    for (std::size_t j : readers) {
      Instruction& ins = bc.code[j];
      ins.op = ins.op == Op::REAL ? Op::COS : Op::SIN;
      ins.dtype = cis.dtype;
      ins.a = cis.a;
      kernels[j] = avx2.op[int(ins.op)][index_of(cis.dtype)];
    }
    bc.code.erase(bc.code.begin() + static_cast<std::ptrdiff_t>(i));
    kernels.erase(kernels.begin() + static_cast<std::ptrdiff_t>(i));
    --i;
    changed = true;
  }
  return changed;
}

void pair_sin_cos_calls(const Bytecode& bc, const std::vector<int>& segment_of,
                        std::vector<const void*>& vector_call, std::vector<Stash>& stash) {
  const int n = static_cast<int>(bc.code.size());
  stash.assign(n, Stash::None);
  for (int i = 0; i < n; ++i) {
    const Instruction& first = bc.code[i];
    if (!vector_call[i] || (first.op != Op::SIN && first.op != Op::COS)) continue;
    const Op other = first.op == Op::SIN ? Op::COS : Op::SIN;
    for (int j = i + 1; j < n && segment_of[j] == segment_of[i]; ++j) {
      if (may_overwrite(bc, bc.code[j - 1], first.a)) break;
      const Instruction& second = bc.code[j];
      if (vector_call[j] && second.op == other && second.a == first.a && second.dtype == first.dtype) {
        const int dtype = first.dtype == DType::Float32 ? 0 : 1;
        vector_call[i] = vector_functions_avx2().sin_cos_pair[dtype][first.op == Op::SIN];
        stash[i] = Stash::Write;
        stash[j] = Stash::Read;
        i = j;  // pairs never overlap: one stash slot
        break;
      }
    }
  }
}

void enter_call_frame(Assembler& a, const Gp& scratch) {
  a.mov(scratch, rsp);
  a.sub(rsp, kFrameAllocation);
  a.and_(rsp, -32);
  a.mov(qword_ptr(rsp, kSavedRsp), scratch);
}

void leave_call_frame(Assembler& a) { a.mov(rsp, qword_ptr(rsp, kSavedRsp)); }

void emit_vector_call(Assembler& a, const VectorCall& call, const Gp& scratch) {
  for (int id = 0; id < 16; ++id)
    if (call.live_vectors[id]) a.vmovaps(ymmword_ptr(rsp, kVectorSlots + 32 * id), ymm(id));
  for (int i = 0; i < call.live_gp_count; ++i)
    if (caller_saved(call.live_gps[i])) a.mov(qword_ptr(rsp, kGpSlots + 8 * int(call.live_gps[i].id())), call.live_gps[i]);
  // Operands into ymm0 (x) and ymm1 (y) in an order that overwrites neither before it is read
  // (operands are value registers, below ymm13, so ymm15 is free for a swap).
  const int x = call.args[0], y = call.arity == 2 ? call.args[1] : -1;
  if (x == 1 && y == 0) {
    a.vmovaps(ymm15, ymm1);
    a.vmovaps(ymm1, ymm0);
    a.vmovaps(ymm0, ymm15);
  } else if (x == 1) {
    a.vmovaps(ymm0, ymm1);
    if (y > 1) a.vmovaps(ymm1, ymm(y));
  } else {
    if (y >= 0 && y != 1) a.vmovaps(ymm1, ymm(y));
    if (x != 0) a.vmovaps(ymm0, ymm(x));
  }
  if (call.writes_stash) a.lea(rdi, ptr(rsp, kStashSlot));  // (saved above if live)
  a.mov(scratch, reinterpret_cast<std::uint64_t>(call.fn));
  a.call(scratch);
  if (call.result != 0) a.vmovaps(ymm(call.result), ymm0);
  for (int i = 0; i < call.live_gp_count; ++i)
    if (caller_saved(call.live_gps[i])) a.mov(call.live_gps[i], qword_ptr(rsp, kGpSlots + 8 * int(call.live_gps[i].id())));
  for (int id = 0; id < 16; ++id)
    if (call.live_vectors[id]) a.vmovaps(ymm(id), ymmword_ptr(rsp, kVectorSlots + 32 * id));
}

void emit_stash_load(Assembler& a, int id) { a.vmovaps(ymm(id), ymmword_ptr(rsp, kStashSlot)); }

}  // namespace exprvm::jit
