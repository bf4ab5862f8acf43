// The fused segment's instruction selection (jit/segment_emitter.hpp): float arithmetic,
// comparisons, selections, min/max with NumPy's NaN rules, the inline functions
// (jit/inline_functions.hpp), bool logic on lane masks and the float/bool casts; integer
// operations and casts are jit/emit_int's.
#include <stdexcept>

#include "jit/inline_functions.hpp"
#include "jit/segment_emitter.hpp"

namespace exprvm::jit {
namespace {

using namespace asmjit;
using namespace asmjit::x86;

// vcmpps/vcmppd predicates: ordered (false on NaN) except NE, as the kernels' operators.
// 512-bit values (see in_zmm) compare into k1 and select through it; k1 holds nothing between
// instructions.
constexpr std::uint32_t kEq = 0x00, kLt = 0x11, kLe = 0x12, kUnord = 0x03, kNeq = 0x04,
                        kGe = 0x1D, kGt = 0x1E;

std::uint32_t predicate(Op op) {
  switch (op) {
    case Op::LT: case Op::SELECT_LT: return kLt;
    case Op::LE: case Op::SELECT_LE: return kLe;
    case Op::GE: case Op::SELECT_GE: return kGe;
    case Op::GT: case Op::SELECT_GT: return kGt;
    case Op::EQ: return kEq;
    default: return kNeq;
  }
}

}  // namespace

void SegmentEmitter::compare(int bits, int d, int x, const Operand& y, std::uint32_t predicate) {
  if (in_zmm(bits) && result_only_stored_) {  // (store_mask_bytes reads k1)
    a_.emit(bits == 32 ? Inst::kIdVcmpps : Inst::kIdVcmppd, k1, vec(x, bits), y, Imm(predicate));
    mask_in_k1_ = true;
    return;
  }
  emit_compare_mask(a_, bits, vec(d, bits), vec(x, bits), y, predicate);
}

void SegmentEmitter::blend(int bits, int d, int if_false, int if_true, int mask) {
  auto V = [&](int i) { return vec(i, bits); };
  if (!in_zmm(bits)) {
    a_.vblendvps(V(d), V(if_false), V(if_true), V(mask));
    return;
  }
  a_.emit(bits == 32 ? Inst::kIdVpmovd2m : Inst::kIdVpmovq2m, k1, V(mask));
  a_.k(k1).emit(bits == 32 ? Inst::kIdVblendmps : Inst::kIdVblendmpd, V(d), V(if_false), V(if_true));
}

void SegmentEmitter::all_ones(int id, int bits) {
  if (in_zmm(bits)) a_.vpternlogd(vec(id, bits), vec(id, bits), vec(id, bits), 0xFF);
  else a_.vpcmpeqd(vec(id, bits), vec(id, bits), vec(id, bits));
}

void SegmentEmitter::min_max(bool max, bool f32, int bits, int out, int x, int y, int t0, int t1) {
  auto V = [&](int i) { return vec(i, bits); };
  a_.emit(max ? (f32 ? Inst::kIdVmaxps : Inst::kIdVmaxpd) : (f32 ? Inst::kIdVminps : Inst::kIdVminpd),
          V(t0), V(x), V(y));
  if (in_zmm(bits)) {  // (x where x is NaN, straight from the mask register)
    a_.emit(f32 ? Inst::kIdVcmpps : Inst::kIdVcmppd, k1, V(x), V(x), Imm(kUnord));
    a_.k(k1).emit(f32 ? Inst::kIdVblendmps : Inst::kIdVblendmpd, V(out), V(t0), V(x));
    return;
  }
  a_.emit(f32 ? Inst::kIdVcmpps : Inst::kIdVcmppd, V(t1), V(x), V(x), Imm(kUnord));
  a_.vblendvps(V(out), V(t0), V(x), V(t1));
}

int SegmentEmitter::compute(const Instruction& ins, int d, int x, int y, int z) {
  if (ins.op == Op::CAST) return cast(ins, d, x);
  if (ins.dtype == DType::Bool) return logic(ins, d, x, y, z);
  if (is_jit_int(ins.dtype)) {
    const int bits = int_lane_bits(ins.dtype);
    const int m = ins.op == Op::WHERE ? with_bits(ins.a, x, bits, kS0) : x;  // (WHERE uses no scratch)
    return emit_int_op(a_, ins, {d, m, y, z, kS0, kS1, kS2, plan_.step, kTmp});
  }
  const bool f32 = ins.dtype == DType::Float32;
  const int bits = f32 ? 32 : 64;
  auto V = [&](int i) { return vec(i, bits); };
  auto Y = [&]() -> Operand { return y >= 0 ? Operand(V(y)) : Operand(memory_b_); };  // (second_from_memory)
  auto pick = [&](InstId ps, InstId pd) { return f32 ? ps : pd; };
  auto constant = [&](const Label& l32, const Label& l64) {
    if (f32) a_.vbroadcastss(V(kS0), dword_ptr(l32));
    else a_.vbroadcastsd(V(kS0), qword_ptr(l64));
  };
  switch (ins.op) {
    case Op::COPY: a_.vmovaps(V(d), V(x)); break;
    case Op::NEG: constant(pool_.sign32, pool_.sign64); a_.vxorps(V(d), V(x), V(kS0)); break;
    case Op::ABS: constant(pool_.abs32, pool_.abs64); a_.vandps(V(d), V(x), V(kS0)); break;
    case Op::SQUARE: a_.emit(pick(Inst::kIdVmulps, Inst::kIdVmulpd), V(d), V(x), V(x)); break;
    case Op::SQRT: a_.emit(pick(Inst::kIdVsqrtps, Inst::kIdVsqrtpd), V(d), V(x)); break;
    case Op::ROUND: case Op::FLOOR: case Op::CEIL: case Op::TRUNC: {
      const int mode = ins.op == Op::ROUND ? 0 : ins.op == Op::FLOOR ? 1 : ins.op == Op::CEIL ? 2 : 3;
      if (in_zmm(bits)) a_.emit(pick(Inst::kIdVrndscaleps, Inst::kIdVrndscalepd), V(d), V(x), Imm(8 | mode));
      else a_.emit(pick(Inst::kIdVroundps, Inst::kIdVroundpd), V(d), V(x), Imm(8 | mode));
      break;
    }
    case Op::ADD: a_.emit(pick(Inst::kIdVaddps, Inst::kIdVaddpd), V(d), V(x), Y()); break;
    case Op::SUB: a_.emit(pick(Inst::kIdVsubps, Inst::kIdVsubpd), V(d), V(x), Y()); break;
    case Op::MUL: a_.emit(pick(Inst::kIdVmulps, Inst::kIdVmulpd), V(d), V(x), Y()); break;
    case Op::DIV: a_.emit(pick(Inst::kIdVdivps, Inst::kIdVdivpd), V(d), V(x), Y()); break;
    case Op::MAXIMUM: case Op::MINIMUM:
      min_max(ins.op == Op::MAXIMUM, f32, bits, d, x, y, kS0, kS1);
      break;
    case Op::CLIP:
      min_max(true, f32, bits, kS2, x, y, kS0, kS1);
      min_max(false, f32, bits, d, kS2, z, kS0, kS1);
      break;
    case Op::FMA:
      a_.vmovaps(V(kS0), V(z));
      a_.emit(pick(Inst::kIdVfmadd231ps, Inst::kIdVfmadd231pd), V(kS0), V(x), V(y));
      a_.vmovaps(V(d), V(kS0));
      break;
    case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT:
      compare(bits, d, x, Y(), predicate(ins.op));
      break;
    case Op::SELECT_LT: case Op::SELECT_LE: case Op::SELECT_GE: case Op::SELECT_GT:
      if (in_zmm(bits)) {  // (the comparison's mask register selects directly)
        a_.emit(pick(Inst::kIdVcmpps, Inst::kIdVcmppd), k1, V(x), V(y), Imm(predicate(ins.op)));
        a_.k(k1).emit(pick(Inst::kIdVblendmps, Inst::kIdVblendmpd), V(d), V(z), V(x));
        break;
      }
      a_.emit(pick(Inst::kIdVcmpps, Inst::kIdVcmppd), V(kS0), V(x), V(y), Imm(predicate(ins.op)));
      a_.vblendvps(V(d), V(z), V(x), V(kS0));
      break;
    case Op::WHERE:
      blend(bits, d, z, y, with_bits(ins.a, x, bits, kS0));
      break;
    default:
      if (!is_inline_function(ins.op, ins.dtype)) throw std::logic_error("jit: not a fusable float op");
      if (ins.op == Op::COPYSIGN) constant(pool_.abs32, pool_.abs64);
      emit_inline_function(a_, ins.op, bits, V(d), V(x), y >= 0 ? V(y) : V(x), V(kS1), V(kS2), V(kS0));
  }
  return bits;
}

int SegmentEmitter::logic(const Instruction& ins, int d, int x, int y, int z) {
  const int bits = lane_bits(ins.op == Op::WHERE ? ins.b : ins.a);
  auto V = [&](int i) { return vec(i, bits); };
  auto same = [&](Reg r, int id, int scratch) { return with_bits(r, id, bits, scratch); };
  switch (ins.op) {
    case Op::COPY: a_.vmovaps(V(d), V(x)); break;
    case Op::INVERT:
      all_ones(kS0, bits);
      a_.vxorps(V(d), V(x), V(kS0));
      break;
    case Op::ADD: case Op::OR: case Op::MAXIMUM: a_.vorps(V(d), V(x), V(same(ins.b, y, kS0))); break;
    case Op::MUL: case Op::AND: case Op::MINIMUM: a_.vandps(V(d), V(x), V(same(ins.b, y, kS0))); break;
    case Op::XOR: case Op::NE: a_.vxorps(V(d), V(x), V(same(ins.b, y, kS0))); break;
    case Op::EQ:
      a_.vxorps(V(kS1), V(x), V(same(ins.b, y, kS0)));
      all_ones(kS2, bits);
      a_.vxorps(V(d), V(kS1), V(kS2));
      break;
    case Op::WHERE:
      blend(bits, d, same(ins.c, z, kS1), y, same(ins.a, x, kS0));
      break;
    default: throw std::logic_error("jit: not a fusable bool op");
  }
  return bits;
}

int SegmentEmitter::cast(const Instruction& ins, int d, int x) {
  const DType to = ins.dtype, from = ins.src;
  if (is_jit_int(to) || is_jit_int(from)) {
    const int m = from == DType::Bool ? with_bits(ins.a, x, int_lane_bits(to), kS0) : x;  // (no scratch)
    return emit_int_cast(a_, ins, {d, m, -1, -1, kS0, kS1, kS2, plan_.step, kTmp});
  }
  if (to == DType::Float32 && from == DType::Float64) {  // (64-bit lanes fill the register)
    a_.vcvtpd2ps(vec(d, 32), vec(x, 64));
    return 32;
  }
  if (to == DType::Float64 && from == DType::Float32) {
    a_.vcvtps2pd(vec(d, 64), vec(x, 32));
    return 64;
  }
  if (to == DType::Bool) {  // x != 0, NaN included
    const int bits = from == DType::Float32 ? 32 : 64;
    a_.vxorps(xmm(kS0), xmm(kS0), xmm(kS0));
    compare(bits, d, x, vec(kS0, bits), kNeq);
    return bits;
  }
  const int bits = to == DType::Float32 ? 32 : 64;  // bool -> 1.0 or 0.0
  const int m = with_bits(ins.a, x, bits, kS0);
  if (bits == 32) a_.vbroadcastss(vec(kS1, 32), dword_ptr(pool_.one32));
  else a_.vbroadcastsd(vec(kS1, 64), qword_ptr(pool_.one64));
  a_.vandps(vec(d, bits), vec(m, bits), vec(kS1, bits));
  return bits;
}

}  // namespace exprvm::jit
