#include "jit/emit_int.hpp"

#include <cstdint>
#include <stdexcept>

namespace exprvm::jit {
namespace {

using namespace asmjit;
using namespace asmjit::x86;

class IntEmitter {
 public:
  // narrow: the dtype of the result when it is a narrow integer (else Int32: none).
  IntEmitter(Assembler& a, const IntRegs& r, int bits, bool is_unsigned, DType narrow = DType::Int32)
      : a_(a), r_(r), bits_(bits), unsigned_(is_unsigned), narrow_(narrow) {}

  // The vector register `id` for lanes of `bits` bits.
  Vec V(int id, int bits) const { return bits * r_.step == 256 ? Vec(ymm(id)) : Vec(xmm(id)); }
  Vec V(int id) const { return V(id, bits_); }
  bool wide() const { return bits_ == 64; }
  InstId pick(InstId d32, InstId q64) const { return wide() ? q64 : d32; }

  void zero(int id) { a_.vpxor(xmm(id), xmm(id), xmm(id)); }
  void ones(int id) { a_.vpcmpeqd(V(id), V(id), V(id)); }

  // out = p > q as a mask, written last; unsigned: both with the sign bit flipped, in s0 and s1.
  void greater(int out, int p, int q) {
    if (unsigned_) {
      ones(r_.s0);
      a_.emit(pick(Inst::kIdVpslld, Inst::kIdVpsllq), V(r_.s0), V(r_.s0), Imm(bits_ - 1));
      a_.vpxor(V(r_.s1), V(p), V(r_.s0));
      a_.vpxor(V(r_.s0), V(q), V(r_.s0));
      p = r_.s1, q = r_.s0;
    }
    a_.emit(pick(Inst::kIdVpcmpgtd, Inst::kIdVpcmpgtq), V(out), V(p), V(q));
  }

  // out = the mask of `op` (LT LE EQ NE GE GT) on p, q; uses s2 for the negations.
  void compare(Op op, int out, int p, int q) {
    switch (op) {
      case Op::GT: greater(out, p, q); return;
      case Op::LT: greater(out, q, p); return;
      case Op::EQ: a_.emit(pick(Inst::kIdVpcmpeqd, Inst::kIdVpcmpeqq), V(out), V(p), V(q)); return;
      default: break;
    }
    // LE = !(p > q), GE = !(q > p), NE = !(p == q)
    if (op == Op::LE) greater(r_.s2, p, q);
    else if (op == Op::GE) greater(r_.s2, q, p);
    else a_.emit(pick(Inst::kIdVpcmpeqd, Inst::kIdVpcmpeqq), V(r_.s2), V(p), V(q));
    ones(out == r_.s1 ? r_.s0 : r_.s1);
    a_.vpxor(V(out), V(r_.s2), V(out == r_.s1 ? r_.s0 : r_.s1));
  }

  // out = max or min of p and q, written last; s0 and s1 as scratch for 64-bit lanes.
  void min_max(bool max, int out, int p, int q) {
    if (!wide()) {
      const InstId id = unsigned_ ? (max ? Inst::kIdVpmaxud : Inst::kIdVpminud) : (max ? Inst::kIdVpmaxsd : Inst::kIdVpminsd);
      a_.emit(id, V(out), V(p), V(q));
      return;
    }
    greater(r_.s0, p, q);
    if (max) a_.vblendvpd(V(out), V(q), V(p), V(r_.s0));
    else a_.vblendvpd(V(out), V(p), V(q), V(r_.s0));
  }

  // out = p * q, wrapping; int64 from three 32x32->64 products (s0, s1, s2 as scratch).
  void multiply(int out, int p, int q) {
    if (!wide()) {
      a_.vpmulld(V(out), V(p), V(q));
      return;
    }
    a_.vpmuludq(V(r_.s2), V(p), V(q));  // lo(p) * lo(q)
    a_.vpsrlq(V(r_.s0), V(p), 32);
    a_.vpmuludq(V(r_.s0), V(r_.s0), V(q));  // hi(p) * lo(q)
    a_.vpsrlq(V(r_.s1), V(q), 32);
    a_.vpmuludq(V(r_.s1), V(p), V(r_.s1));  // lo(p) * hi(q)
    a_.vpaddq(V(r_.s0), V(r_.s0), V(r_.s1));
    a_.vpsllq(V(r_.s0), V(r_.s0), 32);
    a_.vpaddq(V(out), V(r_.s2), V(r_.s0));
  }

  // out = p << q or p >> q (lane counts q): a count below 0 or at least the lane width gives 0
  // for << and unsigned >>, and the sign fill for signed >> (numpy::lshift/rshift), which is
  // what vpsllv/vpsrlv/vpsravd do with a count read as unsigned. int64 >> has no vpsravq:
  // ((p ^ s) >>> q) ^ s with s = p's sign mask (s0, s1 as scratch).
  void shift(bool left, int out, int p, int q) {
    if (left || unsigned_ || !wide()) {
      const InstId id = left ? pick(Inst::kIdVpsllvd, Inst::kIdVpsllvq)
                      : unsigned_ ? pick(Inst::kIdVpsrlvd, Inst::kIdVpsrlvq) : Inst::kIdVpsravd;
      a_.emit(id, V(out), V(p), V(q));
      return;
    }
    zero(r_.s0);
    a_.vpcmpgtq(V(r_.s0), V(r_.s0), V(p));
    a_.vpxor(V(r_.s1), V(p), V(r_.s0));
    a_.vpsrlvq(V(r_.s1), V(r_.s1), V(q));
    a_.vpxor(V(out), V(r_.s1), V(r_.s0));
  }

  // out = floor(p / q) (FLOORDIV), p - floor(p / q) * q (MOD) or p - trunc(p / q) * q (FMOD)
  // on signed 32-bit lanes (int32, and the narrow integers' extended values): each half of 4
  // lanes divided in float64 (exact operands; a rounded quotient of 32-bit integers never
  // reaches an integer it is not), floored or truncated and converted back; q == -1 and
  // INT32_MIN give the conversion's 0x80000000, the wrapped -p; q == 0 gives 0
  // (numpy::floordiv, mod, int_fmod). s0, s1, s2 as scratch; out written last.
  void divide(Op op, int out, int p, int q) {
    const int round = op == Op::FMOD ? 0x0B : 0x09;  // truncate or floor, no precision exception
    const int halves = r_.step == 8 ? 2 : 1;
    for (int h = 0; h < halves; ++h) {
      if (h == 0) {
        a_.vcvtdq2pd(ymm(r_.s0), xmm(p));
        a_.vcvtdq2pd(ymm(r_.s1), xmm(q));
      } else {
        a_.vextracti128(xmm(r_.s0), ymm(p), 1);
        a_.vcvtdq2pd(ymm(r_.s0), xmm(r_.s0));
        a_.vextracti128(xmm(r_.s1), ymm(q), 1);
        a_.vcvtdq2pd(ymm(r_.s1), xmm(r_.s1));
      }
      a_.vdivpd(ymm(r_.s0), ymm(r_.s0), ymm(r_.s1));
      a_.vroundpd(ymm(r_.s0), ymm(r_.s0), round);
      if (h == 0) {
        a_.vcvttpd2dq(xmm(r_.s2), ymm(r_.s0));
      } else {
        a_.vcvttpd2dq(xmm(r_.s0), ymm(r_.s0));
        a_.vinserti128(ymm(r_.s2), ymm(r_.s2), xmm(r_.s0), 1);
      }
    }
    zero(r_.s0);
    a_.vpcmpeqd(V(r_.s0), V(r_.s0), V(q));  // q == 0
    if (op != Op::FLOORDIV) {
      a_.vpmulld(V(r_.s1), V(r_.s2), V(q));
      a_.vpsubd(V(r_.s2), V(p), V(r_.s1));
    }
    a_.vpandn(V(out), V(r_.s0), V(r_.s2));
  }

  // Lane `id` wrapped to the narrow result dtype's width (sign- or zero-extended again).
  void wrap_narrow(int id) {
    if (!is_narrow_int(narrow_)) return;
    const int shift = 32 - static_cast<int>(itemsize(narrow_)) * 8;
    a_.vpslld(V(id, 32), V(id, 32), shift);
    if (is_jit_unsigned(narrow_)) a_.vpsrld(V(id, 32), V(id, 32), shift);
    else a_.vpsrad(V(id, 32), V(id, 32), shift);
  }

  int op(const Instruction& ins) {
    const int d = r_.d, x = r_.x, y = r_.y, z = r_.z;
    switch (ins.op) {  // results that may leave a narrow dtype's range
      case Op::NEG: case Op::ABS: case Op::SQUARE: case Op::ADD: case Op::SUB: case Op::MUL:
      case Op::LSHIFT: case Op::INVERT: case Op::FLOORDIV: {
        const int bits = plain_op(ins, d, x, y, z);
        wrap_narrow(d);
        return bits;
      }
      default: return plain_op(ins, d, x, y, z);
    }
  }

  // op() before the narrow wrap-around.
  int plain_op(const Instruction& ins, int d, int x, int y, int z) {
    switch (ins.op) {
      case Op::COPY: a_.vmovaps(V(d), V(x)); break;
      case Op::NEG:
        zero(r_.s0);
        a_.emit(pick(Inst::kIdVpsubd, Inst::kIdVpsubq), V(d), V(r_.s0), V(x));
        break;
      case Op::ABS:
        if (!wide()) {
          a_.vpabsd(V(d), V(x));
          break;
        }
        zero(r_.s0);
        greater(r_.s1, r_.s0, x);  // sign mask
        a_.vpxor(V(r_.s0), V(x), V(r_.s1));
        a_.vpsubq(V(d), V(r_.s0), V(r_.s1));
        break;
      case Op::SIGN:  // (0 > x) - (x > 0) as masks: -1, 0 or 1
        zero(r_.s0);
        greater(r_.s1, x, r_.s0);
        greater(r_.s2, r_.s0, x);
        a_.emit(pick(Inst::kIdVpsubd, Inst::kIdVpsubq), V(d), V(r_.s2), V(r_.s1));
        break;
      case Op::SQUARE: multiply(d, x, x); break;
      case Op::ADD: a_.emit(pick(Inst::kIdVpaddd, Inst::kIdVpaddq), V(d), V(x), V(y)); break;
      case Op::SUB: a_.emit(pick(Inst::kIdVpsubd, Inst::kIdVpsubq), V(d), V(x), V(y)); break;
      case Op::MUL: multiply(d, x, y); break;
      case Op::LSHIFT: shift(true, d, x, y); break;
      case Op::RSHIFT: shift(false, d, x, y); break;
      case Op::FLOORDIV: case Op::MOD: case Op::FMOD: divide(ins.op, d, x, y); break;
      case Op::MAXIMUM: min_max(true, d, x, y); break;
      case Op::MINIMUM: min_max(false, d, x, y); break;
      case Op::CLIP:  // minimum(maximum(x, y), z)
        min_max(true, r_.s2, x, y);
        min_max(false, d, r_.s2, z);
        break;
      case Op::AND: a_.vpand(V(d), V(x), V(y)); break;
      case Op::OR: a_.vpor(V(d), V(x), V(y)); break;
      case Op::XOR: a_.vpxor(V(d), V(x), V(y)); break;
      case Op::INVERT:
        ones(r_.s0);
        a_.vpxor(V(d), V(x), V(r_.s0));
        break;
      case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT:
        compare(ins.op, d, x, y);
        break;
      case Op::SELECT_LT: case Op::SELECT_LE: case Op::SELECT_GE: case Op::SELECT_GT: {
        const Op cmp = ins.op == Op::SELECT_LT ? Op::LT : ins.op == Op::SELECT_LE ? Op::LE
                     : ins.op == Op::SELECT_GE ? Op::GE : Op::GT;
        compare(cmp, r_.s1, x, y);
        a_.vblendvps(V(d), V(z), V(x), V(r_.s1));
        break;
      }
      case Op::WHERE: a_.vblendvps(V(d), V(z), V(y), V(x)); break;
      default: throw std::logic_error("jit: not a fusable integer op");
    }
    return bits_;
  }

  // A 64-bit constant in every lane of ymm `id`.
  void constant64(int id, std::uint64_t bits) {
    a_.mov(r_.tmp, bits);
    a_.vmovq(xmm(id), r_.tmp);
    a_.vpbroadcastq(ymm(id), xmm(id));
  }

  int cast(const Instruction& ins) {
    const DType to = ins.dtype, from = ins.src;
    const int d = r_.d, x = r_.x;
    const int to_bits = int_lane_bits(to), from_bits = int_lane_bits(from);  // (floats: 32 or 64 too)
    if (from == DType::Bool) {  // mask -> 0/1
      if (to_bits == 32) a_.vpsrld(V(d, 32), V(x, 32), 31);
      else a_.vpsrlq(V(d, 64), V(x, 64), 63);
      return to_bits;
    }
    if (to == DType::Bool) {  // x != 0
      bits_ = from_bits;
      zero(r_.s0);
      a_.emit(pick(Inst::kIdVpcmpeqd, Inst::kIdVpcmpeqq), V(r_.s2), V(x), V(r_.s0));
      ones(r_.s1);
      a_.vpxor(V(d), V(r_.s2), V(r_.s1));
      return bits_;
    }
    const bool int32_lanes = from == DType::Int32 || is_narrow_int(from);  // (exact in a float32)
    if (int32_lanes && to == DType::Float32) {
      a_.vcvtdq2ps(V(d, 32), V(x, 32));
      return 32;
    }
    if (int32_lanes && to == DType::Float64) {
      a_.vcvtdq2pd(ymm(d), xmm(x));
      return 64;
    }
    if (from == DType::UInt32 && to == DType::Float64) {  // zero-extended below 2^52: exact
      a_.vpmovzxdq(ymm(r_.s0), xmm(x));
      constant64(r_.s1, 0x4330000000000000ull);  // 2^52
      a_.vpor(ymm(r_.s0), ymm(r_.s0), ymm(r_.s1));
      a_.vsubpd(ymm(d), ymm(r_.s0), ymm(r_.s1));
      return 64;
    }
    if (from == DType::Int64 && to == DType::Float64) {
      // Exact for every int64 (one rounding, in the last add): the high 16 bits and the low 48
      // bits as doubles offset by magic numbers (3 * 2^67 and 2^52), the offsets subtracted.
      a_.vpsrad(ymm(r_.s0), ymm(x), 16);
      zero(r_.s1);
      a_.vpblendw(ymm(r_.s0), ymm(r_.s0), ymm(r_.s1), 0x33);
      constant64(r_.s1, 0x4438000000000000ull);  // 3 * 2^67
      a_.vpaddq(ymm(r_.s0), ymm(r_.s0), ymm(r_.s1));
      constant64(r_.s1, 0x4330000000000000ull);  // 2^52
      a_.vpblendw(ymm(r_.s2), ymm(x), ymm(r_.s1), 0x88);
      constant64(r_.s1, 0x4438001000000000ull);  // 3 * 2^67 + 2^52
      a_.vsubpd(ymm(r_.s0), ymm(r_.s0), ymm(r_.s1));
      a_.vaddpd(ymm(d), ymm(r_.s0), ymm(r_.s2));
      return 64;
    }
    // Integer -> integer: the same bits, the low halves, or sign- or zero-extended.
    if (from_bits == to_bits) {
      a_.vmovaps(V(d, to_bits), V(x, from_bits));
    } else if (to_bits == 64) {
      if (is_jit_unsigned(from)) a_.vpmovzxdq(ymm(d), xmm(x));
      else a_.vpmovsxdq(ymm(d), xmm(x));
    } else {
      a_.vextracti128(xmm(r_.s0), ymm(x), 1);
      a_.vshufps(xmm(d), xmm(x), xmm(r_.s0), 0x88);
    }
    wrap_narrow(d);
    return to_bits;
  }

 private:
  Assembler& a_;
  const IntRegs r_;
  int bits_;
  const bool unsigned_;  // unsigned comparisons and min/max
  const DType narrow_;   // wrap results to this dtype's width when it is a narrow integer
};

}  // namespace

bool int_op_fusable(Op op, DType t) {
  if (!is_jit_int(t)) return false;
  switch (op) {
    case Op::ABS: case Op::SIGN: return !is_jit_unsigned(t);
    case Op::FLOORDIV: case Op::MOD: case Op::FMOD: return t == DType::Int32 || is_narrow_int(t);  // (in float64)
    case Op::COPY: case Op::NEG: case Op::SQUARE:
    case Op::ADD: case Op::SUB: case Op::MUL: case Op::MAXIMUM: case Op::MINIMUM: case Op::CLIP:
    case Op::AND: case Op::OR: case Op::XOR: case Op::INVERT: case Op::LSHIFT: case Op::RSHIFT:
    case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT:
    case Op::SELECT_LT: case Op::SELECT_LE: case Op::SELECT_GE: case Op::SELECT_GT: case Op::WHERE:
      return true;
    default: return false;
  }
}

bool int_cast_fusable(DType to, DType from) {
  if (from == DType::Bool || to == DType::Bool) return is_jit_int(to) || is_jit_int(from);
  if (is_jit_int(from) && is_jit_int(to)) return true;
  if (to == DType::Float32) return from == DType::Int32 || is_narrow_int(from);
  if (to == DType::Float64) return from == DType::Int32 || from == DType::Int64 || from == DType::UInt32 || is_narrow_int(from);
  return false;  // float -> int, and uint64 -> float, stay kernel calls
}

int emit_int_op(Assembler& a, const Instruction& ins, const IntRegs& r) {
  return IntEmitter(a, r, int_lane_bits(ins.dtype), is_jit_unsigned(ins.dtype), ins.dtype).op(ins);
}

int emit_int_cast(Assembler& a, const Instruction& ins, const IntRegs& r) {
  return IntEmitter(a, r, 32, false, ins.dtype).cast(ins);
}

void emit_narrow_load(Assembler& a, DType t, const Mem& m, int count, int id, const Gp& tmp) {
  if (count == 1) {
    if (is_jit_unsigned(t)) a.movzx(tmp.r32(), m);
    else a.movsx(tmp.r32(), m);
    a.vmovd(xmm(id), tmp.r32());
    return;
  }
  const InstId extend = t == DType::Int8 ? Inst::kIdVpmovsxbd : t == DType::UInt8 ? Inst::kIdVpmovzxbd
                      : t == DType::Int16 ? Inst::kIdVpmovsxwd : Inst::kIdVpmovzxwd;
  a.emit(extend, count == 8 ? Vec(ymm(id)) : Vec(xmm(id)), m);
}

void emit_narrow_store(Assembler& a, DType t, const Mem& m, int count, int id, int s1, int s2, const Gp& tmp) {
  const bool words = itemsize(t) == 2, u = is_jit_unsigned(t);
  if (count == 1) {
    a.vmovd(tmp.r32(), xmm(id));
    if (words) a.mov(m, tmp.r16());
    else a.mov(m, tmp.r8());
    return;
  }
  const Xmm packed = xmm(s1), high = count == 8 ? xmm(s2) : xmm(id);
  if (count == 8) a.vextracti128(high, ymm(id), 1);
  if (u) a.vpackusdw(packed, xmm(id), high);
  else a.vpackssdw(packed, xmm(id), high);
  if (!words) {
    if (u) a.vpackuswb(packed, packed, packed);
    else a.vpacksswb(packed, packed, packed);
  }
  const int bytes = count * (words ? 2 : 1);
  if (bytes == 16) a.vmovdqu(m, packed);
  else if (bytes == 8) a.vmovq(m, packed);
  else a.vmovd(m, packed);
}

}  // namespace exprvm::jit
