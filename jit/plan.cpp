#include "jit/plan.hpp"

#include <algorithm>

#include "jit/inline_functions.hpp"
#include "jit/vector_calls.hpp"
#include "jit/emit_int.hpp"
#include "vm/threads_cost.hpp"

namespace exprvm::jit {
namespace {

bool jit_dtype(DType t) { return t == DType::Float32 || t == DType::Float64 || t == DType::Bool || is_jit_int(t); }

bool is_float(DType t) { return t == DType::Float32 || t == DType::Float64; }

bool reads(const Instruction& ins, Reg r) { return ins.a == r || ins.b == r || ins.c == r; }

// Whether the program is nothing but int8/uint8 wrap-around arithmetic and bit operations:
// the interpreter's kernels take 32 such lanes per ymm, the fused loop 8 (widened to 32 bits),
// and measured 1.6-2.1x faster on them (i + j, i*j + k at 2^20 elements), so these programs
// stay interpreted. Anything else in the program (a comparison, a shift, a division, another
// dtype, a reduction) is worth the loop.
bool byte_arithmetic_only(const Bytecode& bc) {
  if (bc.reduction || bc.code.empty()) return false;
  for (const Instruction& ins : bc.code) {
    switch (ins.op) {
      case Op::COPY: case Op::ADD: case Op::SUB: case Op::MUL: case Op::NEG: case Op::SQUARE:
      case Op::AND: case Op::OR: case Op::XOR: case Op::INVERT: break;
      default: return false;
    }
    for (Reg r : {ins.dst, ins.a, ins.b, ins.c})
      if (r != kNoReg && bc.regs[r].dtype != DType::Int8 && bc.regs[r].dtype != DType::UInt8) return false;
  }
  return true;
}

}  // namespace

bool reduction_fusable(const Bytecode& bc, const Plan& plan) {
  if (!bc.reduction || plan.segments.empty() || !plan.segments.back().fused) return false;
  const ReductionPlan& r = *bc.reduction;
  const Op op = r.op;
  if (op == Op::ANY || op == Op::ALL)  // (or/and: the order does not matter)
    return plan.vector_bits == 256 && r.dtype == DType::Bool && bc.regs[r.source].dtype == DType::Bool && bc.code.back().dst == r.source;
  if (op != Op::SUM && op != Op::PROD && op != Op::MIN && op != Op::MAX) return false;
  const bool signed_int = r.dtype == DType::Int32 || r.dtype == DType::Int64;
  if ((!is_float(r.dtype) && (!signed_int || plan.vector_bits != 256)) || bc.regs[r.source].dtype != r.dtype)
    return false;
  if (static_cast<int>(plan.step * itemsize(r.dtype)) * 8 != plan.vector_bits) return false;  // one register per batch
  return bc.code.back().dst == r.source;
}

bool is_fusable(const Bytecode& bc, const Instruction& ins) {
  for (Reg r : {ins.dst, ins.a, ins.b, ins.c})
    if (r != kNoReg && !jit_dtype(bc.regs[r].dtype)) return false;
  const DType t = ins.dtype;
  if (ins.op == Op::CAST) {
    if (is_jit_int(t) || is_jit_int(ins.src)) return int_cast_fusable(t, ins.src);
    return jit_dtype(t) && jit_dtype(ins.src) && t != ins.src;
  }
  if (is_jit_int(t)) return int_op_fusable(ins.op, t);
  if (is_float(t)) {
    switch (ins.op) {
      case Op::COPY: case Op::NEG: case Op::ABS: case Op::SQUARE: case Op::SQRT:
      case Op::CEIL: case Op::FLOOR: case Op::ROUND: case Op::TRUNC:
      case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MAXIMUM: case Op::MINIMUM:
      case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT:
      case Op::WHERE: case Op::CLIP: case Op::FMA:
      case Op::SELECT_LT: case Op::SELECT_LE: case Op::SELECT_GE: case Op::SELECT_GT:
        return true;
      default: return is_inline_function(ins.op, t);
    }
  }
  if (t == DType::Bool) {
    switch (ins.op) {
      case Op::COPY: case Op::INVERT: case Op::ADD: case Op::MUL: case Op::AND: case Op::OR:
      case Op::XOR: case Op::EQ: case Op::NE: case Op::WHERE: case Op::MAXIMUM: case Op::MINIMUM:
        return true;
      default: return false;
    }
  }
  return false;
}

namespace {

// Splits bc's code into segments, fused where vector_call (per instruction, see Plan) or
// is_fusable allows; sets plan's segments, fused_instructions, step and vector_calls (before
// sin/cos pairing); returns each instruction's segment.
std::vector<int> split_segments(const Bytecode& bc, Plan& plan) {
  const int n = static_cast<int>(bc.code.size());
  plan.segments.clear();
  plan.fused_instructions = plan.vector_calls = 0;
  plan.step = plan.vector_bits / 32;
  std::vector<int> segment_of(n);
  // Per physical chunk register: the element size the current fused segment accesses it
  // with (0: not yet). Temps with disjoint lifetimes share a buffer, and when their element
  // sizes differ, a vector loop writing one would overwrite elements of the other not read yet
  // (the interpreter's whole-chunk passes are safe): such an instruction starts a new segment.
  std::vector<std::size_t> temp_size(bc.temp_count, 0);
  auto conflicts = [&](const Instruction& ins) {
    for (Reg r : {ins.dst, ins.a, ins.b, ins.c}) {
      if (r == kNoReg || bc.regs[r].kind != RegKind::Temp) continue;
      const std::size_t seen = temp_size[bc.regs[r].index];
      if (seen != 0 && seen != itemsize(bc.regs[r].dtype)) return true;
    }
    return false;
  };
  for (int i = 0; i < n; ++i) {
    const Instruction& ins = bc.code[i];
    const bool fused = is_fusable(bc, ins) || plan.vector_call[i];
    plan.vector_calls += plan.vector_call[i] != nullptr;
    if (plan.segments.empty() || plan.segments.back().fused != fused || (fused && conflicts(ins))) {
      plan.segments.push_back({fused, i, i});
      std::fill(temp_size.begin(), temp_size.end(), 0);
    }
    if (fused)
      for (Reg r : {ins.dst, ins.a, ins.b, ins.c})
        if (r != kNoReg && bc.regs[r].kind == RegKind::Temp) temp_size[bc.regs[r].index] = itemsize(bc.regs[r].dtype);
    plan.segments.back().end = i + 1;
    segment_of[i] = static_cast<int>(plan.segments.size()) - 1;
    if (!fused) continue;
    ++plan.fused_instructions;
    for (Reg r : {ins.dst, ins.a, ins.b, ins.c})
      if (r != kNoReg && itemsize(bc.regs[r].dtype) == 8) plan.step = plan.vector_bits / 64;
  }
  return segment_of;
}

}  // namespace

bool called_per_chunk(const Instruction& ins) {
  const double ns = vm::kernel_ns_per_element(ins.op, ins.dtype, ins.src, vm::Isa::Avx2);
  return ns >= kChunkCallCopies * vm::kernel_ns_per_element(Op::COPY, ins.dtype, ins.dtype, vm::Isa::Avx2);
}

Plan make_plan(const Bytecode& bc, std::span<const vm::Kernel> kernels, bool fuse_reduction, int vector_bits) {
  Plan plan;
  plan.vector_bits = vector_bits;
  const int n = static_cast<int>(bc.code.size());
  plan.vector_call.assign(n, nullptr);
  if (byte_arithmetic_only(bc)) {
    plan.segments.push_back({false, 0, n});
    plan.store_result.assign(n, 0);
    return plan;
  }
  // The vector functions still allowed: every one at first; then, round by round, those of the
  // calls that no sin/cos pair shares and that are called per chunk instead. Each round removes
  // at least one, so the loop ends; the last round's segments and pairs stand.
  std::vector<const void*> allowed(n, nullptr);
  for (int i = 0; i < n; ++i)
    if (!is_fusable(bc, bc.code[i]) && kernels.size() == bc.code.size())
      allowed[i] = vector_function(bc, bc.code[i], kernels[i]);
  std::vector<int> segment_of;
  for (bool changed = true; changed;) {
    plan.vector_call = allowed;
    segment_of = split_segments(bc, plan);
    pair_sin_cos_calls(bc, segment_of, plan.vector_call, plan.stash);
    changed = false;
    for (int i = 0; i < n; ++i) {
      if (!allowed[i] || plan.stash[i] != Stash::None || !called_per_chunk(bc.code[i])) continue;
      allowed[i] = nullptr;
      changed = true;
    }
  }
  plan.vector_calls -= static_cast<int>(std::count(plan.stash.begin(), plan.stash.end(), Stash::Read));
  plan.fused_reduction = fuse_reduction && reduction_fusable(bc, plan);
  plan.store_result.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    const Reg d = bc.code[i].dst;
    const RegKind kind = bc.regs[d].kind;
    bool store = kind == RegKind::Output || kind == RegKind::Result;
    bool redefined = false;
    for (int j = i + 1; j < n && !store && !redefined; ++j) {
      if (reads(bc.code[j], d) && segment_of[j] != segment_of[i]) store = true;
      redefined = bc.code[j].dst == d;
    }
    if (!redefined && bc.reduction && bc.reduction->source == d && !plan.fused_reduction) store = true;
    plan.store_result[i] = store;
  }
  return plan;
}

bool covers_wide(const Bytecode& bc, const Plan& plan) {
  if (plan.fused_instructions == 0 || plan.vector_calls > 0 || plan.vector_bits != 512) return false;
  for (const Segment& seg : plan.segments) {
    if (!seg.fused) continue;
    for (int i = seg.begin; i < seg.end; ++i) {
      const Instruction& ins = bc.code[i];
      for (Reg r : {ins.dst, ins.a, ins.b, ins.c})
        if (r != kNoReg && !is_float(bc.regs[r].dtype) && bc.regs[r].dtype != DType::Bool) return false;
    }
  }
  return true;
}

}  // namespace exprvm::jit
