// Lowering: typed trees -> bytecode. Common subexpressions are shared (hash-consing on
// (op, dtype, operands)); values that are the same for every element are computed once per run
// in the prologue; each statement's value is produced straight into its output register.
#include <array>
#include <cstddef>
#include <map>
#include <memory_resource>
#include <cstdint>
#include <unordered_map>

#include "compiler/lower.hpp"
#include "compiler/optimize.hpp"
#include "compiler/regalloc.hpp"

namespace exprvm {
namespace {

// The bytes of a constant of dtype t holding `v` converted to t (NumPy's unsafe cast).
ConstValue constant_bytes(const Value& v, DType t) {
  ConstValue out{};
  store_value(cast_value(v, t), out.data(), t);
  return out;
}

// The instruction's identity for sharing common subexpressions: every field but dst, as
// the operand registers and the (op, dtype, src) code.
struct CseKey {
  std::uint64_t operands;
  std::uint32_t code;
  bool operator==(const CseKey&) const = default;
};
struct CseKeyHash {
  std::size_t operator()(const CseKey& k) const {
    return std::hash<std::uint64_t>{}(k.operands ^ (std::uint64_t{k.code} * 0x9E3779B97F4A7C15ull));
  }
};
CseKey cse_key(const Instruction& ins) {
  static_assert(kOpCount <= 256 && kDTypeCount <= 256 && sizeof(Reg) == 2);
  return {std::uint64_t{ins.a} << 32 | std::uint64_t{ins.b} << 16 | ins.c,
          std::uint32_t{static_cast<std::uint8_t>(ins.op)} << 16 |
              std::uint32_t{static_cast<std::uint8_t>(ins.dtype)} << 8 | static_cast<std::uint8_t>(ins.src)};
}

// Number of nodes of a tree.
std::size_t tree_size(const Node& n) {
  std::size_t size = 1;
  for (const auto& arg : n.args) size += tree_size(*arg);
  return size;
}

class Lowering {
 public:
  explicit Lowering(const CheckedProgram& p)
      : p_(p), slot_reg_(p.slots.size(), kNoReg), output_regs_(p.slots.size(), kNoReg) {
    const std::size_t n = p.signature.size();
    bc_.source = p.source;
    bc_.signature = p.signature;
    bc_.options = p.options;
    bc_.is_output.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) bc_.is_output[i] = p.slots[i].is_output;
    bc_.last_input_read.assign(n, -1);
    bc_.output_write.assign(n, -1);
    bc_.array_params = p.array_params;
    bc_.result_dtype = p.result_dtype;
    // Each node lowers to at most one register and one instruction; each statement may add an
    // output (or result) register and a copy into it.
    std::size_t nodes = 0;
    for (const auto& st : p.statements) nodes += tree_size(*st.expr);
    bc_.regs.reserve(nodes + p.statements.size());
    bc_.code.reserve(nodes + p.statements.size());
    cse_.reserve(nodes);
  }

  Bytecode run() {
    for (const auto& st : p_.statements) statement(st);
    allocate_registers(bc_);
    for (int k = 0; k < static_cast<int>(bc_.code.size()); ++k) {
      const Instruction& ins = bc_.code[k];
      for (Reg r : {ins.a, ins.b, ins.c})
        if (r != kNoReg && bc_.regs[r].kind == RegKind::Input)
          bc_.last_input_read[bc_.regs[r].index] = k;
      // The FIRST write matters for aliasing: from there on the caller's buffer no longer holds
      // the input an overlapping argument may still need.
      const RegInfo& dst = bc_.regs[ins.dst];
      if (dst.kind == RegKind::Output && bc_.output_write[dst.index] < 0)
        bc_.output_write[dst.index] = k;
      if (dst.kind == RegKind::Result) bc_.result_write = k;
    }
    // A reduction folds its source after the last instruction.
    if (bc_.reduction && bc_.regs[bc_.reduction->source].kind == RegKind::Input)
      bc_.last_input_read[bc_.regs[bc_.reduction->source].index] = static_cast<int>(bc_.code.size());
    return std::move(bc_);
  }

 private:
  Reg new_reg(RegKind kind, DType dtype, int index) {
    if (bc_.regs.size() >= kNoReg)
      throw Error(ErrorKind::Syntax, "program too large: more than 65535 registers; split it into "
                                     "several programs");
    bc_.regs.push_back({kind, dtype, index});
    return static_cast<Reg>(bc_.regs.size() - 1);
  }

  bool is_uniform_reg(Reg r) const {
    const RegKind k = bc_.regs[r].kind;
    return k == RegKind::Const || k == RegKind::Scalar || k == RegKind::Uniform;
  }

  void statement(const CheckedStatement& st) {
    const Node& root = *st.expr;
    if (root.kind == NodeKind::Reduce) {
      const Reg src = lower(*root.args[0], kNoReg);
      bc_.reduction = ReductionPlan{root.op, native_of(root.dtype), root.axis, root.mean, src};
      return;
    }
    Reg hint = kNoReg;
    if (st.target < 0) {
      hint = new_reg(RegKind::Result, native_of(root.dtype), 0);
    } else if (p_.slots[st.target].is_param) {
      hint = output_reg(st.target);
    }
    Reg value = lower(root, hint);
    if (hint != kNoReg && value != hint) {
      emit_main({Op::COPY, native_of(root.dtype), DType::Bool, hint, value});
      value = hint;
    }
    if (st.target >= 0) slot_reg_[st.target] = value;
  }

  Reg output_reg(int slot) {
    Reg& r = output_regs_[slot];
    if (r == kNoReg) r = new_reg(RegKind::Output, native_of(p_.slots[slot].dtype), slot);
    return r;
  }

  Reg constant(const ConstValue& bytes, DType t) {
    auto key = std::make_pair(t, bytes);
    auto it = consts_.find(key);
    if (it != consts_.end()) return it->second;
    const Reg r = new_reg(RegKind::Const, t, static_cast<int>(bc_.constants.size()));
    bc_.constants.push_back(bytes);
    consts_[key] = r;
    return r;
  }

  Reg name(const Node& n) {
    if (slot_reg_[n.slot] != kNoReg) return slot_reg_[n.slot];
    const Slot& s = p_.slots[n.slot];
    const Reg r = new_reg(s.scalar ? RegKind::Scalar : RegKind::Input, native_of(s.dtype), n.slot);
    slot_reg_[n.slot] = r;
    return r;
  }

  // The register holding `n`'s value; `hint`, when given, is where the caller wants it (an
  // output register), used if `n` needs a new main-code instruction.
  Reg lower(const Node& n, Reg hint) {
    switch (n.kind) {
      case NodeKind::Literal: return constant(constant_bytes(literal_value(n), native_of(n.dtype)), native_of(n.dtype));
      case NodeKind::Name: return name(n);
      case NodeKind::Cast: {
        const Node& arg = *n.args[0];
        if (arg.kind == NodeKind::Literal) {
          const Value v = cast_value(literal_value(arg), n.dtype);  // rounds once to n.dtype
          return constant(constant_bytes(v, native_of(n.dtype)), native_of(n.dtype));
        }
        const Reg a = lower(arg, kNoReg);
        if (!is_native(n.dtype) || !is_native(arg.dtype)) return storage_cast(n, arg.dtype, a, hint);
        return emit(n, {Op::CAST, n.dtype, arg.dtype, kNoReg, a}, hint);
      }
      case NodeKind::Apply: {
        Instruction ins{n.op, native_of(n.args[n.op == Op::WHERE ? 1 : 0]->dtype)};
        Reg* operands[] = {&ins.a, &ins.b, &ins.c};
        for (std::size_t i = 0; i < n.args.size(); ++i) *operands[i] = lower(*n.args[i], kNoReg);
        return emit(n, ins, hint);
      }
      default: throw Error(ErrorKind::Internal, "unexpected node in lowering");
    }
  }

  // A cast to or from a storage-only dtype (float16), whose values live in registers of its
  // compute dtype (float32) holding values of the storage dtype exactly: from it, a cast of
  // that register; to it, one rounding (ROUND_F16), in float32 when the source converts to
  // float32 exactly, else in float64 (then an exact cast to float32).
  Reg storage_cast(const Node& n, DType from, Reg a, Reg hint) {
    const DType to = native_of(n.dtype);
    from = native_of(from);
    if (is_native(n.dtype)) return from == to ? a : emit(n, {Op::CAST, to, from, kNoReg, a}, hint);
    const bool exact = can_cast(from, DType::Float32, Casting::Safe) && kind_of(from) != Kind::Complex;
    const DType wide = exact ? DType::Float32 : DType::Float64;
    if (from != wide) a = emit_as(n, wide, {Op::CAST, wide, from, kNoReg, a}, kNoReg);
    if (wide == to) return emit_as(n, to, {Op::ROUND_F16, to, DType::Bool, kNoReg, a}, hint);
    a = emit_as(n, wide, {Op::ROUND_F16, wide, DType::Bool, kNoReg, a}, kNoReg);
    return emit_as(n, to, {Op::CAST, to, wide, kNoReg, a}, hint);
  }

  // Emits `ins` for node n unless an identical instruction already computed it. Uniform
  // nodes go to the prologue.
  Reg emit(const Node& n, Instruction ins, Reg hint) { return emit_as(n, native_of(n.dtype), ins, hint); }

  // emit, with the destination register of dtype `dtype` (one of the steps of node n).
  Reg emit_as(const Node& n, DType dtype, Instruction ins, Reg hint) {
    const CseKey key = cse_key(ins);
    auto it = cse_.find(key);
    if (it != cse_.end()) return it->second;
    const bool uniform = n.uniform && (ins.a == kNoReg || is_uniform_reg(ins.a)) &&
                         (ins.b == kNoReg || is_uniform_reg(ins.b)) &&
                         (ins.c == kNoReg || is_uniform_reg(ins.c));
    if (uniform) {
      ins.dst = new_reg(RegKind::Uniform, dtype, static_cast<int>(bc_.prologue.size()));
      bc_.prologue.push_back(ins);
    } else {
      ins.dst = hint != kNoReg ? hint : new_reg(RegKind::Temp, dtype, -1);
      emit_main(ins);
    }
    if (ins.dst != ins.a && ins.dst != ins.b && ins.dst != ins.c) cse_[key] = ins.dst;
    return ins.dst;
  }

  void emit_main(const Instruction& ins) {
    const RegKind k = bc_.regs[ins.dst].kind;
    if (k == RegKind::Output || k == RegKind::Result) forget(ins.dst);
    bc_.code.push_back(ins);
  }

  // An output register is about to get a new value: shared values computed from or stored
  // in it are stale.
  void forget(Reg r) {
    for (auto it = cse_.begin(); it != cse_.end();) {
      const auto operand = [key = it->first.operands](int shift) { return static_cast<Reg>(key >> shift); };
      if (it->second == r || operand(32) == r || operand(16) == r || operand(0) == r)
        it = cse_.erase(it);
      else ++it;
    }
  }

  const CheckedProgram& p_;
  Bytecode bc_;
  std::vector<Reg> slot_reg_;     // the register holding each slot's current value
  std::vector<Reg> output_regs_;  // each parameter slot's Output register, once it has one
  // The lookup tables below allocate from this arena (typical programs fit in the buffer).
  std::array<std::byte, 4096> arena_buffer_;
  std::pmr::monotonic_buffer_resource arena_{arena_buffer_.data(), arena_buffer_.size()};
  std::pmr::map<std::pair<DType, ConstValue>, Reg> consts_{&arena_};
  std::pmr::unordered_map<CseKey, Reg, CseKeyHash> cse_{&arena_};  // cse_key -> register
};

}  // namespace

Bytecode lower(const CheckedProgram& program) { return Lowering(program).run(); }

}  // namespace exprvm
