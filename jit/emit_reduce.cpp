#include "jit/emit_reduce.hpp"

#include <cstdint>

#include "jit/inline_functions.hpp"

namespace exprvm::jit {
namespace {

using namespace asmjit;
using namespace asmjit::x86;

constexpr int kS0 = 13, kS1 = 14;  // scratch between bodies
constexpr std::uint32_t kUnord = 0x03;

class ReductionEmitter {
 public:
  ReductionEmitter(Assembler& a, const ReductionPlan& r, int step, int chunk, int first_reg, const LoopGps& gp)
      : a_(a), op_(r.op), bool_(r.dtype == DType::Bool), f32_(itemsize(r.dtype) == 4 || bool_),
        int_(r.dtype == DType::Int32 || r.dtype == DType::Int64),
        step_(step), chunk_(chunk), zmm_(step * (f32_ ? 4 : 8) == 64),
        acc_{first_reg, first_reg + 1, first_reg + 2, first_reg + 3}, nan_(first_reg + 4), gp_(gp) {}

  void emit(const EmitBody& body) {
    Label chunk = a_.newLabel(), groups = a_.newLabel(), batches = a_.newLabel(), batch_loop = a_.newLabel(),
          tail = a_.newLabel(), tail_loop = a_.newLabel(), fold = a_.newLabel(), done = a_.newLabel();
    a_.xor_(gp_.index.r32(), gp_.index.r32());
    a_.test(gp_.len, gp_.len);
    a_.jz(done);
    // One chunk: [index, chunk end = min(index + chunk_, len)), its end kept at [rsp + 8].
    a_.bind(chunk);
    a_.lea(gp_.end, ptr(gp_.index, chunk_));
    a_.cmp(gp_.end, gp_.len);
    a_.cmova(gp_.end, gp_.len);
    a_.mov(qword_ptr(rsp, kChunkEndSlot), gp_.end);
    identity(acc_[0]);
    for (int k = 1; k < 4; ++k) a_.vmovaps(V(acc_[k]), V(acc_[0]));
    if (tracks_nan()) a_.vxorps(V(nan_), V(nan_), V(nan_));
    // Whole groups of four batches: batch u of a group into accumulator u.
    end_of_whole(4 * step_);
    a_.cmp(gp_.index, gp_.end);
    a_.jae(batches);
    a_.align(AlignMode::kCode, 16);
    a_.bind(groups);
    for (int u = 0; u < 4; ++u) combine_batch(acc_[u], vector_body(body, u * step_));
    a_.add(gp_.index, 4 * step_);
    a_.cmp(gp_.index, gp_.end);
    a_.jb(groups);
    // The remaining whole batches, into accumulator 0.
    a_.bind(batches);
    end_of_whole(step_);
    a_.cmp(gp_.index, gp_.end);
    a_.jae(tail);
    a_.bind(batch_loop);
    combine_batch(acc_[0], vector_body(body, 0));
    a_.add(gp_.index, step_);
    a_.cmp(gp_.index, gp_.end);
    a_.jb(batch_loop);
    // The tail: its values into a batch of identities, folded into accumulator 1.
    a_.bind(tail);
    a_.cmp(gp_.index, qword_ptr(rsp, kChunkEndSlot));
    a_.jae(fold);
    identity(kS0);
    a_.vmovups(ptr(rsp, kBatchSlot), V(kS0));
    a_.mov(gp_.end, gp_.index);  // end = rsp + kBatchSlot - index * size: tail element i at end + i * size
    a_.neg(gp_.end);
    a_.lea(gp_.end, ptr(rsp, gp_.end, shift(), kBatchSlot));
    a_.bind(tail_loop);
    {
      const int v = body(false, 0).reg;  // (a bool: its mask's low 32 bits)
      if (f32_) a_.vmovss(dword_ptr(gp_.end, gp_.index, shift()), xmm(v));
      else a_.vmovsd(qword_ptr(gp_.end, gp_.index, shift()), xmm(v));
    }
    a_.inc(gp_.index);
    a_.cmp(gp_.index, qword_ptr(rsp, kChunkEndSlot));
    a_.jb(tail_loop);
    a_.vmovups(V(kS1), ptr(rsp, kBatchSlot));
    combine_batch(acc_[1], kS1);
    a_.bind(fold);
    combine(acc_[0], acc_[1]);
    combine(acc_[2], acc_[3]);
    combine(acc_[0], acc_[2]);
    fold_lanes();
    a_.mov(gp_.addr, qword_ptr(rsp, kAccStrideSlot));
    a_.add(qword_ptr(rsp), gp_.addr);
    a_.cmp(gp_.index, gp_.len);
    a_.jb(chunk);
    a_.bind(done);
  }

 private:
  // end = index + the elements of whole runs of `unit` before the chunk's end.
  void end_of_whole(int unit) {
    a_.mov(gp_.end, qword_ptr(rsp, kChunkEndSlot));
    a_.sub(gp_.end, gp_.index);
    a_.and_(gp_.end, -unit);
    a_.add(gp_.end, gp_.index);
  }

  bool tracks_nan() const { return !int_ && !bool_ && (op_ == Op::MIN || op_ == Op::MAX); }

  // A vector body; notes the bytes a bool source fills.
  int vector_body(const EmitBody& body, int disp) {
    const SourceValue v = body(true, disp);
    mask_bytes_ = v.bytes;
    return v.reg;
  }
  std::uint32_t shift() const { return f32_ ? 2 : 3; }
  // A batch's register: a zmm in 512-bit plans, else a ymm.
  Vec V(int id) const { return zmm_ ? Vec(zmm(id)) : Vec(ymm(id)); }
  InstId pick(InstId ps, InstId pd) const { return f32_ ? ps : pd; }

  // Vector register id = the op's identity in every lane (reduce_identity_of).
  void identity(int id) {
    if (op_ == Op::ALL) {
      a_.vpcmpeqd(V(id), V(id), V(id));
      return;
    }
    if (op_ == Op::SUM || op_ == Op::ANY) {
      a_.vxorps(V(id), V(id), V(id));
      return;
    }
    const bool one = op_ == Op::PROD, min = op_ == Op::MIN;
    std::uint64_t bits64 = one ? 0x3ff0000000000000ull : min ? 0x7ff0000000000000ull : 0xfff0000000000000ull;
    std::uint32_t bits32 = one ? 0x3f800000u : min ? 0x7f800000u : 0xff800000u;
    if (int_) {  // 1, the maximum, the minimum
      bits64 = one ? 1 : min ? 0x7fffffffffffffffull : 0x8000000000000000ull;
      bits32 = one ? 1 : min ? 0x7fffffffu : 0x80000000u;
    }
    if (f32_) {
      a_.mov(gp_.addr.r32(), bits32);
      a_.vmovd(xmm(id), gp_.addr.r32());
      a_.vbroadcastss(V(id), xmm(id));
    } else {
      a_.mov(gp_.addr, bits64);
      a_.vmovq(xmm(id), gp_.addr);
      a_.vbroadcastsd(V(id), xmm(id));
    }
  }

  // acc = reduce_combine(acc, x) (xsimd's min/max are vminps/vmaxps with acc first).
  void combine(int acc, int x) {
    if (int_) return combine_int(acc, x);
    if (bool_) {
      if (op_ == Op::ANY) a_.vorps(V(acc), V(acc), V(x));
      else a_.vandps(V(acc), V(acc), V(x));
      return;
    }
    switch (op_) {
      case Op::SUM: a_.emit(pick(Inst::kIdVaddps, Inst::kIdVaddpd), V(acc), V(acc), V(x)); break;
      case Op::PROD: a_.emit(pick(Inst::kIdVmulps, Inst::kIdVmulpd), V(acc), V(acc), V(x)); break;
      case Op::MIN: a_.emit(pick(Inst::kIdVminps, Inst::kIdVminpd), V(acc), V(acc), V(x)); break;
      default: a_.emit(pick(Inst::kIdVmaxps, Inst::kIdVmaxpd), V(acc), V(acc), V(x)); break;
    }
  }

  // acc = the integer fold of acc and x (wrap-around; the order does not matter): may
  // overwrite x, uses ymm13 and ymm15.
  void combine_int(int acc, int x) {
    constexpr int t0 = kS0, t2 = 15;
    switch (op_) {
      case Op::SUM: a_.emit(f32_ ? Inst::kIdVpaddd : Inst::kIdVpaddq, V(acc), V(acc), V(x)); break;
      case Op::PROD:
        if (f32_) {
          a_.vpmulld(V(acc), V(acc), V(x));
          break;
        }
        a_.vpmuludq(V(t2), V(acc), V(x));  // lo * lo, + (hi * lo + lo * hi) << 32
        a_.vpsrlq(V(t0), V(acc), 32);
        a_.vpmuludq(V(t0), V(t0), V(x));
        a_.vpsrlq(V(x), V(x), 32);
        a_.vpmuludq(V(x), V(acc), V(x));
        a_.vpaddq(V(t0), V(t0), V(x));
        a_.vpsllq(V(t0), V(t0), 32);
        a_.vpaddq(V(acc), V(t2), V(t0));
        break;
      case Op::MIN: case Op::MAX:
        if (f32_) {
          a_.emit(op_ == Op::MIN ? Inst::kIdVpminsd : Inst::kIdVpmaxsd, V(acc), V(acc), V(x));
        } else {  // MIN: acc > x, MAX: x > acc -> x
          if (op_ == Op::MIN) a_.vpcmpgtq(V(t0), V(acc), V(x));
          else a_.vpcmpgtq(V(t0), V(x), V(acc));
          a_.vblendvpd(V(acc), V(acc), V(x), V(t0));
        }
        break;
      default: break;
    }
  }

  // *acc = the integer fold of *acc and acc0's lanes, in general registers.
  void fold_int_lanes() {
    a_.vmovups(ymmword_ptr(rsp, kBatchSlot), V(acc_[0]));
    a_.mov(gp_.addr, qword_ptr(rsp));
    const Gp total = f32_ ? gp_.end.r32() : gp_.end;
    auto element = [&](int k) {
      return f32_ ? dword_ptr(rsp, kBatchSlot + 4 * k) : qword_ptr(rsp, kBatchSlot + 8 * k);
    };
    a_.mov(total, f32_ ? dword_ptr(gp_.addr) : qword_ptr(gp_.addr));
    for (int k = 0; k < step_; ++k) {
      switch (op_) {
        case Op::SUM: a_.add(total, element(k)); break;
        case Op::PROD: a_.imul(total, element(k)); break;
        case Op::MIN: a_.cmp(total, element(k)); a_.cmovg(total, element(k)); break;
        default: a_.cmp(total, element(k)); a_.cmovl(total, element(k)); break;
      }
    }
    a_.mov(f32_ ? dword_ptr(gp_.addr) : qword_ptr(gp_.addr), total);
  }

  // *acc (a 0/1 byte) or-ed (ANY) or and-ed (ALL) with whether acc0's first mask_bytes_ bytes
  // hold any set (ANY) or only set (ALL) lanes; its other bytes are zero or the identity.
  void fold_bool_lanes() {
    const Gp lanes = gp_.end.r32();
    a_.vpmovmskb(lanes, V(acc_[0]));
    if (mask_bytes_ == 16) a_.and_(lanes, 0xFFFF);
    a_.mov(gp_.addr, qword_ptr(rsp));
    if (op_ == Op::ANY) {
      a_.test(lanes, lanes);
      a_.setnz(gp_.end.r8());
      a_.or_(byte_ptr(gp_.addr), gp_.end.r8());
    } else {
      a_.cmp(lanes, mask_bytes_ == 16 ? 0xFFFF : -1);
      a_.sete(gp_.end.r8());
      a_.and_(byte_ptr(gp_.addr), gp_.end.r8());
    }
  }

  // An xmm whose low element is lane k of accumulator 0: the accumulator itself, `block` (its
  // 128 bits holding lane k, extracted by the caller when k is past the first 128), or
  // `scratch` after a shuffle.
  Xmm lane_in_low(int k, const Xmm& scratch, const Xmm& block) {
    const int half = f32_ ? 4 : 2;
    const Xmm src = k < half ? xmm(acc_[0]) : block;
    switch (k % half) {
      case 0: return src;
      case 1: if (f32_) a_.vmovshdup(scratch, src); else a_.vunpckhpd(scratch, src, src); return scratch;
      case 2: a_.vunpckhps(scratch, src, src); return scratch;
      default: a_.vshufps(scratch, src, src, 0xff); return scratch;
    }
  }

  // A batch of source values into acc, noting NaNs for MIN and MAX.
  void combine_batch(int acc, int x) {
    combine(acc, x);
    if (!tracks_nan()) return;
    emit_compare_mask(a_, f32_ ? 32 : 64, V(kS0), V(x), V(x), kUnord);
    a_.vorps(V(nan_), V(nan_), V(kS0));
  }

  // *acc = fold of *acc and acc0's lanes in lane order (reduce_combine_scalar(total, lane));
  // MIN/MAX: NaN when a NaN was seen, *acc itself when it is NaN. The lanes are shuffled
  // out of the register (each 128 bits past the first into xmm15 first), not stored and reloaded.
  void fold_lanes() {
    if (int_) return fold_int_lanes();
    if (bool_) return fold_bool_lanes();
    a_.mov(gp_.addr, qword_ptr(rsp));
    const Xmm total = xmm(kS0), lane = xmm(kS1), block = xmm(15);
    auto scalar = [&](InstId ss, InstId sd) { return f32_ ? ss : sd; };
    a_.emit(scalar(Inst::kIdVmovss, Inst::kIdVmovsd), total, f32_ ? dword_ptr(gp_.addr) : qword_ptr(gp_.addr));
    const int per_block = f32_ ? 4 : 2;
    for (int k = 0; k < step_; ++k) {
      if (k > 0 && k % per_block == 0) {
        if (zmm_) a_.vextractf32x4(block, V(acc_[0]), k / per_block);
        else a_.vextractf128(block, V(acc_[0]), 1);
      }
      const Xmm x = lane_in_low(k, lane, block);
      switch (op_) {
        case Op::SUM: a_.emit(scalar(Inst::kIdVaddss, Inst::kIdVaddsd), total, total, x); break;
        case Op::PROD: a_.emit(scalar(Inst::kIdVmulss, Inst::kIdVmulsd), total, total, x); break;
        default:  // lane < total ? lane : total, and lane > total ? lane : total
          a_.emit(op_ == Op::MIN ? scalar(Inst::kIdVminss, Inst::kIdVminsd) : scalar(Inst::kIdVmaxss, Inst::kIdVmaxsd),
                  total, x, total);
      }
    }
    if (tracks_nan()) {
      Label no_nan = a_.newLabel(), own_ok = a_.newLabel();
      if (zmm_) {
        a_.vptestmd(k1, V(nan_), V(nan_));
        a_.kortestw(k1, k1);
      } else {
        a_.vptest(V(nan_), V(nan_));
      }
      a_.jz(no_nan);
      if (f32_) {
        a_.mov(gp_.end.r32(), 0x7fc00000u);
        a_.vmovd(total, gp_.end.r32());
      } else {
        a_.mov(gp_.end, 0x7ff8000000000000ull);
        a_.vmovq(total, gp_.end);
      }
      a_.bind(no_nan);
      a_.emit(scalar(Inst::kIdVmovss, Inst::kIdVmovsd), lane, f32_ ? dword_ptr(gp_.addr) : qword_ptr(gp_.addr));
      a_.emit(f32_ ? Inst::kIdVucomiss : Inst::kIdVucomisd, lane, lane);
      a_.jnp(own_ok);
      a_.vmovaps(total, lane);
      a_.bind(own_ok);
    }
    a_.emit(scalar(Inst::kIdVmovss, Inst::kIdVmovsd), f32_ ? dword_ptr(gp_.addr) : qword_ptr(gp_.addr), total);
  }

  Assembler& a_;
  const Op op_;
  const bool bool_;  // ANY/ALL of lane masks
  const bool f32_;   // 32-bit lanes (float32 or int32; a bool's tail), else 64-bit
  const bool int_;
  const int step_;
  const int chunk_;
  const bool zmm_;  // batches of 512 bits (an AVX-512 plan), else 256
  const int acc_[4];
  const int nan_;
  const LoopGps gp_;
  int mask_bytes_ = 32;  // (a bool source: see SourceValue)
};

}  // namespace

void emit_reduction_loop(Assembler& a, const ReductionPlan& r, int step, int chunk, int first_reg,
                         const LoopGps& gp, const EmitBody& body) {
  ReductionEmitter(a, r, step, chunk, first_reg, gp).emit(body);
}

}  // namespace exprvm::jit
