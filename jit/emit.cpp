// The chunk function's code: a fixed frame (callee-saved registers, len in rbx, the register
// file in rbp, the reduction's accumulator and stride on the stack, see jit/emit_reduce.hpp),
// then each segment of the plan in order. A fused segment loads the memory bases
// of its registers into general registers, broadcasts its uniforms and constants into vector
// registers once, and runs a vector loop of plan.step elements and a one-element tail loop
// over the same instruction sequence (the loop that folds a reduction is jit/emit_reduce's).
// Values live in ymm0..ymm12 (zmm0..zmm12 in AVX-512 plans; float32 and int32 in 32-bit lanes,
// float64 and int64 in 64-bit lanes, bool as an all-ones/all-zeros lane mask); ymm13..ymm15
// are scratch inside one instruction. When the registers run out the value used farthest ahead is
// evicted, stored first to its register's chunk buffer if it is not in memory yet.
#include "jit/emit.hpp"

#include <string>

#include "jit/emit_reduce.hpp"
#include "jit/segment_emitter.hpp"
#include "jit/vector_calls.hpp"
#include "vm/executor.hpp"

namespace exprvm::jit {
namespace {

using namespace asmjit;
using namespace asmjit::x86;

bool reads(const Instruction& ins, Reg r) { return ins.a == r || ins.b == r || ins.c == r; }

}  // namespace

bool SegmentEmitter::emit() {
  assign_bases_and_hoist();
  if (reduces()) {
    emit_reduction_loop(a_, *bc_.reduction, plan_.step, static_cast<int>(vm::kChunk), value_regs_,
                        {kLen, kIndex, kVectorEnd, kAddr},
                        [&](bool vector, int disp) {
                          disp_ = disp;
                          body(vector);
                          disp_ = 0;
                          return SourceValue{last_result_, lane_bits(bc_.reduction->source) * plan_.step / 8};
                        });
    return touched_temps_;
  }
  const int step = plan_.step;
  Label vector_loop = a_.newLabel(), tail = a_.newLabel(), tail_loop = a_.newLabel(),
        done = a_.newLabel();
  a_.mov(kVectorEnd, kLen);
  a_.and_(kVectorEnd, -step);
  a_.xor_(kIndex.r32(), kIndex.r32());
  a_.test(kVectorEnd, kVectorEnd);
  a_.jz(tail);
  a_.align(AlignMode::kCode, 16);
  a_.bind(vector_loop);
  body(true);
  a_.add(kIndex, step);
  a_.cmp(kIndex, kVectorEnd);
  a_.jb(vector_loop);
  a_.bind(tail);
  a_.cmp(kIndex, kLen);
  a_.jae(done);
  a_.bind(tail_loop);
  body(false);
  a_.inc(kIndex);
  a_.cmp(kIndex, kLen);
  a_.jb(tail_loop);
  a_.bind(done);
  return touched_temps_;
}

void SegmentEmitter::assign_bases_and_hoist() {
  int bases = 0, hoisted = 0;
  std::vector<char> defined(bc_.regs.size(), 0);
  auto in_memory = [&](Reg r) {
    if (bases == kBaseCount || base_of_[r] >= 0) return;
    base_of_[r] = bases;
    a_.mov(kBases[bases++], qword_ptr(kRegs, 8 * r));
  };
  for (int k = seg_.begin; k < seg_.end; ++k) {
    const Instruction& ins = bc_.code[k];
    for (Reg r : {ins.a, ins.b, ins.c}) {
      if (r == kNoReg || defined[r] || hoisted_[r] >= 0) continue;
      if (!is_uniform(bc_.regs[r].kind)) {
        in_memory(r);
      } else if (hoisted < kMaxHoisted - (reduces() ? 2 : 0)) {  // (4 value registers left)
        hoisted_[r] = kValueRegs - 1 - hoisted++;
        broadcast(r, hoisted_[r]);
      }
    }
    defined[ins.dst] = 1;
    if (plan_.store_result[k]) in_memory(ins.dst);
  }
  value_regs_ = kValueRegs - hoisted - (reduces() ? kReductionRegs : 0);
  bases_used_ = bases;
}

Mem SegmentEmitter::at(Reg r, int shift, std::uint32_t size) {
  if (bc_.regs[r].kind == RegKind::Temp) touched_temps_ = true;
  Gp base = kAddr;
  if (base_of_[r] >= 0) base = kBases[base_of_[r]];
  else a_.mov(kAddr, qword_ptr(kRegs, 8 * r));
  return ptr(base, kIndex, shift, disp_ << shift, size);
}

void SegmentEmitter::broadcast(Reg r, int id) {
  a_.mov(kAddr, qword_ptr(kRegs, 8 * r));
  if (is_narrow_int(dtype(r))) {
    emit_narrow_load(a_, dtype(r), ptr(kAddr, 0, static_cast<std::uint32_t>(itemsize(dtype(r)))), 1, id, kTmp);
    a_.vpbroadcastd(vec(id, 32), xmm(id));
    return;
  }
  switch (storage(dtype(r))) {
    case DType::Float32: a_.vbroadcastss(vec(id, 32), dword_ptr(kAddr)); break;
    case DType::Float64: a_.vbroadcastsd(vec(id, 64), qword_ptr(kAddr)); break;
    default:
      a_.movzx(kTmp.r32(), byte_ptr(kAddr));
      a_.neg(kTmp.r32());
      a_.vmovd(xmm(id), kTmp.r32());
      a_.vpbroadcastd(vec(id, 32), xmm(id));
  }
}

Mem SegmentEmitter::narrow_at(Reg r) {
  const auto size = static_cast<std::uint32_t>(itemsize(dtype(r)));
  return at(r, size == 2 ? 1 : 0, vector_ ? plan_.step * size : size);
}

void SegmentEmitter::load(Reg r, int id) {
  if (is_uniform(bc_.regs[r].kind)) return broadcast(r, id);
  if (is_narrow_int(dtype(r))) return emit_narrow_load(a_, dtype(r), narrow_at(r), vector_ ? plan_.step : 1, id, kTmp);
  const bool v = vector_;
  switch (storage(dtype(r))) {
    case DType::Float32:
      v ? a_.vmovups(vec(id, 32), at(r, 2, 0)) : a_.vmovss(xmm(id), at(r, 2, 4));
      break;
    case DType::Float64:
      v ? a_.vmovupd(vec(id, 64), at(r, 3, 0)) : a_.vmovsd(xmm(id), at(r, 3, 8));
      break;
    default:  // bool bytes 0/1 -> 0 - x: all-ones or zero 32-bit lanes
      if (v) {
        a_.vpmovzxbd(vec(id, 32), at(r, 0, static_cast<std::uint32_t>(plan_.step)));
        a_.vpxor(xmm(kS0), xmm(kS0), xmm(kS0));
        a_.vpsubd(vec(id, 32), vec(kS0, 32), vec(id, 32));
      } else {
        a_.movzx(kTmp.r32(), at(r, 0, 1));
        a_.neg(kTmp.r32());
        a_.vmovd(xmm(id), kTmp.r32());
      }
      wide_mask_[r] = 0;
  }
}

bool SegmentEmitter::streams(Reg r) const {
  const RegKind kind = bc_.regs[r].kind;
  const DType t = storage(dtype(r));
  if (!plan_.streaming_stores || (kind != RegKind::Output && kind != RegKind::Result) ||
      (t != DType::Float32 && t != DType::Float64))
    return false;
  for (std::size_t j = static_cast<std::size_t>(seg_.end); j < bc_.code.size(); ++j)
    if (reads(bc_.code[j], r)) return false;
  return true;
}

void SegmentEmitter::store(Reg r, int id) {
  if (is_narrow_int(dtype(r)))
    return emit_narrow_store(a_, dtype(r), narrow_at(r), vector_ ? plan_.step : 1, id, kS1, kS2, kTmp);
  const bool v = vector_;
  const bool stream = v && streams(r);
  streamed_ |= stream;
  switch (storage(dtype(r))) {
    case DType::Float32:
      if (stream) a_.vmovntps(at(r, 2, 0), vec(id, 32));
      else v ? a_.vmovups(at(r, 2, 0), vec(id, 32)) : a_.vmovss(at(r, 2, 4), xmm(id));
      break;
    case DType::Float64:
      if (stream) a_.vmovntpd(at(r, 3, 0), vec(id, 64));
      else v ? a_.vmovupd(at(r, 3, 0), vec(id, 64)) : a_.vmovsd(at(r, 3, 8), xmm(id));
      break;
    default: {  // mask -> bytes 0/1
      if (plan_.vector_bits == 512) return store_mask_bytes(r, id);
      const int m = with_bits(r, id, 32, kS0);
      if (!v) {
        a_.vmovd(kTmp.r32(), xmm(m));
        a_.and_(kTmp.r32(), 1);
        a_.mov(at(r, 0, 1), kTmp.r8());
        break;
      }
      a_.vpsrld(vec(kS1, 32), vec(m, 32), 31);
      if (plan_.step == 8) {
        a_.vextracti128(xmm(kS2), ymm(kS1), 1);
        a_.vpackusdw(xmm(kS1), xmm(kS1), xmm(kS2));
      } else {
        a_.vpackusdw(xmm(kS1), xmm(kS1), xmm(kS1));
      }
      a_.vpackuswb(xmm(kS1), xmm(kS1), xmm(kS1));
      if (plan_.step == 8) a_.vmovq(at(r, 0, 8), xmm(kS1));
      else a_.vmovd(at(r, 0, 4), xmm(kS1));
    }
  }
}

void SegmentEmitter::store_mask_bytes(Reg r, int id) {
  if (!mask_in_k1_) {  // (the lane mask's sign bits)
    const int bits = lane_bits(r);
    a_.emit(bits == 32 ? Inst::kIdVpmovd2m : Inst::kIdVpmovq2m, k1, vec(id, bits));
  }
  mask_in_k1_ = false;
  if (!vector_) {
    a_.kmovw(kTmp.r32(), k1);
    a_.and_(kTmp.r32(), 1);
    a_.mov(at(r, 0, 1), kTmp.r8());
    return;
  }
  a_.k(k1).z().vmovdqu8(xmm(kS1), ptr(pool_.byte_ones));
  if (plan_.step == 16) a_.vmovdqu(at(r, 0, 16), xmm(kS1));
  else a_.vmovq(at(r, 0, 8), xmm(kS1));
}

int SegmentEmitter::with_bits(Reg r, int id, int bits, int scratch) {
  if (dtype(r) != DType::Bool || lane_bits(r) == bits) return id;
  if (bits == 64) {
    a_.vpmovsxdq(vec(scratch, 64), vec(id, 32));
  } else if (plan_.vector_bits == 512) {
    a_.vpmovqd(vec(scratch, 32), vec(id, 64));
  } else {
    a_.vextracti128(xmm(scratch), ymm(id), 1);
    a_.vshufps(xmm(scratch), xmm(id), xmm(scratch), 0x88);
  }
  return scratch;
}

int SegmentEmitter::next_use(Reg r, int k) const {
  for (int j = k + 1; j < seg_.end; ++j) {
    if (reads(bc_.code[j], r) && plan_.stash[j] != Stash::Read) return j;
    if (bc_.code[j].dst == r) return kNever;
  }
  return kNever;
}

int SegmentEmitter::allocate(int k, const std::bitset<16>& locked) {
  int victim = -1, farthest = -1;
  for (int id = 0; id < value_regs_; ++id) {
    if (locked[id]) continue;
    if (held_[id] == kNoReg) return id;
    const int use = next_use(held_[id], k);
    if (use > farthest) farthest = use, victim = id;
  }
  const Reg r = held_[victim];
  if (unsaved_[r]) store(r, victim);  // into its chunk buffer (a Temp's)
  unsaved_[r] = 0;
  release(r);
  return victim;
}

int SegmentEmitter::ensure(Reg r, int k, const std::bitset<16>& locked) {
  if (hoisted_[r] >= 0) return hoisted_[r];
  if (vec_of_[r] >= 0) return vec_of_[r];
  const int id = allocate(k, locked);
  load(r, id);
  held_[id] = r;
  vec_of_[r] = id;
  unsaved_[r] = 0;
  return id;
}

void SegmentEmitter::body(bool vector) {
  vector_ = vector;
  vec_of_.assign(bc_.regs.size(), -1);
  wide_mask_.assign(bc_.regs.size(), 0);
  unsaved_.assign(bc_.regs.size(), 0);
  held_.fill(kNoReg);
  for (int k = seg_.begin; k < seg_.end; ++k) instruction(k);
}

void SegmentEmitter::instruction(int k) {
  const Instruction& ins = bc_.code[k];
  const Reg operands[3] = {ins.a, ins.b, ins.c};
  int id[3] = {-1, -1, -1};
  std::bitset<16> locked;
  for (int i = 0; i < 3; ++i) {
    if (operands[i] == kNoReg || plan_.stash[k] == Stash::Read) continue;  // (the stash has the result)
    if (i == 1 && second_from_memory(ins, k)) continue;  // compute() reads memory_b_
    id[i] = ensure(operands[i], k, locked);
    locked.set(id[i]);
  }
  for (int i = 0; i < 3; ++i) {  // operands dying here free their registers for the result
    const Reg r = operands[i];
    if (r == kNoReg || hoisted_[r] >= 0 || vec_of_[r] < 0 || next_use(r, k) != kNever) continue;
    locked.reset(vec_of_[r]);
    release(r);
  }
  if (vec_of_[ins.dst] >= 0) {
    locked.reset(vec_of_[ins.dst]);
    release(ins.dst);
  }
  const int d = allocate(k, locked);
  int bits;
  if (plan_.stash[k] == Stash::Read) {
    if (a_.logger()) a_.commentf("; %s from its pair's call", std::string(op_info(ins.op).spelling).c_str());
    emit_stash_load(a_, d);
    bits = ins.dtype == DType::Float32 ? 32 : 64;
  } else {
    result_only_stored_ = plan_.store_result[k] && dtype(ins.dst) == DType::Bool && next_use(ins.dst, k) == kNever;
    bits = plan_.vector_call[k] ? call(ins, k, d, id) : compute(ins, d, id[0], id[1], id[2]);
    result_only_stored_ = false;
  }
  held_[d] = ins.dst;
  vec_of_[ins.dst] = d;
  wide_mask_[ins.dst] = bits == 64;
  unsaved_[ins.dst] = 1;
  if (plan_.store_result[k]) {
    store(ins.dst, d);
    unsaved_[ins.dst] = 0;
  }
  if (next_use(ins.dst, k) == kNever) release(ins.dst);
  last_result_ = d;
}

int SegmentEmitter::call(const Instruction& ins, int k, int d, const int* id) {
  Gp live_gps[kBaseCount + 2];
  int live = 0, spare = bases_used_, kept = 0;
  const Gp loop_gps[] = {kIndex, kVectorEnd};
  Gp keepers[2];
  for (const Gp& g : loop_gps) {
    if (spare < kCalleeSavedBases) keepers[kept++] = kBases[spare++];
    else live_gps[live++] = g;
  }
  for (int i = 0; i < bases_used_; ++i) live_gps[live++] = kBases[i];
  for (int i = 0; i < kept; ++i) a_.mov(keepers[i], loop_gps[i]);
  VectorCall c{plan_.vector_call[k], ins.b == kNoReg ? 1 : 2, {id[0], id[1]}, d, {}, live_gps, live,
               plan_.stash[k] == Stash::Write};
  for (int v = 0; v < kValueRegs; ++v)
    if (v != d && (held_[v] != kNoReg || v >= value_regs_)) c.live_vectors.set(v);
  if (a_.logger())
    a_.commentf("; vector call: %s.%s%s", std::string(op_info(ins.op).spelling).c_str(),
                std::string(dtype_name(ins.dtype)).c_str(), c.writes_stash ? " (with its sin/cos pair)" : "");
  emit_vector_call(a_, c, kAddr);
  for (int i = 0; i < kept; ++i) a_.mov(loop_gps[i], keepers[i]);
  return ins.dtype == DType::Float32 ? 32 : 64;
}

bool SegmentEmitter::second_from_memory(const Instruction& ins, int k) {
  switch (ins.op) {
    case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV:
    case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT: break;
    default: return false;
  }
  const Reg b = ins.b;
  if (!vector_ || !is_float_dtype(ins.dtype) || dtype(b) != ins.dtype || b == ins.a ||
      is_uniform(bc_.regs[b].kind) || base_of_[b] < 0 || hoisted_[b] >= 0 || vec_of_[b] >= 0 ||
      next_use(b, k) != kNever)  // (a base register: kAddr may change before compute())
    return false;
  memory_b_ = at(b, ins.dtype == DType::Float32 ? 2 : 3, 0);
  return true;
}

namespace {
// Each instruction of a call segment: kernel(len, regs[d], regs[a], regs[b], regs[c]).
void emit_calls(Assembler& a, const Bytecode& bc, const Segment& seg, std::span<const vm::Kernel> kernels) {
  const auto none = static_cast<Reg>(bc.regs.size());
  auto slot = [&](Reg r) { return qword_ptr(kRegs, 8 * (r == kNoReg ? none : r)); };
  for (int k = seg.begin; k < seg.end; ++k) {
    const Instruction& ins = bc.code[k];
    a.vzeroupper();
    a.mov(rdi, kLen);
    a.mov(rsi, slot(ins.dst));
    a.mov(rdx, slot(ins.a));
    a.mov(rcx, slot(ins.b));
    a.mov(r8, slot(ins.c));
    a.mov(rax, reinterpret_cast<std::uint64_t>(kernels[k]));
    a.call(rax);
  }
}

}  // namespace

ChunkFunction emit_chunk_function(Assembler& a, const Bytecode& bc, const Plan& plan,
                                  std::span<const vm::Kernel> kernels) {
  ChunkFunction result;
  ConstantPool pool{a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel(),
                    a.newLabel()};
  const Gp saved[] = {rbx, rbp, r12, r13, r14, r15};
  for (const Gp& g : saved) a.push(g);
  a.sub(rsp, 8 + kFrameBytes);  // 16-byte aligned for calls
  a.mov(kLen, rdi);
  a.mov(kRegs, rsi);
  static_assert(kCallFrameBase >= kFrameBytes, "the call frame keeps the reduction's slots at [rsp]");
  if (plan.vector_calls > 0) enter_call_frame(a, kIndex);
  a.mov(qword_ptr(rsp), rdx);  // the reduction's accumulator and its stride
  a.mov(qword_ptr(rsp, kAccStrideSlot), rcx);
  for (const Segment& seg : plan.segments) {
    if (a.logger())
      a.commentf("; %s instructions %d..%d", seg.fused ? "fused loop:" : "whole-chunk kernel calls:", seg.begin, seg.end - 1);
    if (seg.fused) {
      SegmentEmitter segment(a, bc, plan, seg, pool);
      result.any_length &= !segment.emit();
      result.streams |= segment.streamed();
    } else {
      emit_calls(a, bc, seg, kernels);
      result.any_length = false;
    }
  }
  if (result.streams) a.sfence();  // the non-temporal stores are ordered before the return
  a.vzeroupper();
  if (plan.vector_calls > 0) leave_call_frame(a);
  a.add(rsp, 8 + kFrameBytes);
  for (int i = 5; i >= 0; --i) a.pop(saved[i]);
  a.ret();
  a.align(AlignMode::kData, 16);
  a.bind(pool.byte_ones);
  for (int i = 0; i < 2; ++i) a.embedUInt64(0x0101010101010101ull);
  auto word32 = [&](const Label& l, std::uint32_t v) { a.bind(l); a.embedUInt32(v); };
  auto word64 = [&](const Label& l, std::uint64_t v) { a.bind(l); a.embedUInt64(v); };
  word64(pool.one64, 0x3ff0000000000000ull);
  word64(pool.sign64, 0x8000000000000000ull);
  word64(pool.abs64, 0x7fffffffffffffffull);
  word32(pool.one32, 0x3f800000u);
  word32(pool.sign32, 0x80000000u);
  word32(pool.abs32, 0x7fffffffu);
  return result;
}

}  // namespace exprvm::jit
