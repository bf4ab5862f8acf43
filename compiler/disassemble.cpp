// The bytecode listing: a header naming the registers, then one instruction per line.
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "compiler/bytecode.hpp"
#include "compiler/functions.hpp"

namespace exprvm {
namespace {

std::string constant_text(const ConstValue& v, DType t) {
  char buf[96];
  with_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T x;
    std::memcpy(&x, v.data(), sizeof(x));
    if constexpr (std::is_same_v<T, bool>) std::snprintf(buf, sizeof buf, "%s", x ? "True" : "False");
    else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
    else if constexpr (std::is_integral_v<T>) std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(x));
    else if constexpr (std::is_same_v<T, float16>) std::snprintf(buf, sizeof buf, "%.5g", double(x.to_float()));
    else if constexpr (std::is_same_v<T, float>) std::snprintf(buf, sizeof buf, "%.9g", x);
    else if constexpr (std::is_same_v<T, double>) std::snprintf(buf, sizeof buf, "%.17g", x);
    else if constexpr (std::is_same_v<T, std::complex<float>>) std::snprintf(buf, sizeof buf, "(%.9g%+.9gj)", x.real(), x.imag());
    else std::snprintf(buf, sizeof buf, "(%.17g%+.17gj)", x.real(), x.imag());
  });
  return buf;
}

std::string reg_name(const Bytecode& bc, Reg r) {
  const RegInfo& info = bc.regs[r];
  switch (info.kind) {
    case RegKind::Input: return "in:" + bc.signature[info.index].name;
    case RegKind::Scalar: return "scalar:" + bc.signature[info.index].name;
    case RegKind::Const: return "c:" + constant_text(bc.constants[info.index], info.dtype);
    case RegKind::Uniform: return "u" + std::to_string(r);
    case RegKind::Temp: return "t" + std::to_string(info.index);
    case RegKind::Output: return "out:" + bc.signature[info.index].name;
    case RegKind::Result: return "result";
  }
  return "?";
}

void instruction_line(std::string& out, const Bytecode& bc, const Instruction& ins,
                      const char* label, std::size_t k) {
  std::string opcode = std::string(op_info(ins.op).spelling) + "." + std::string(dtype_suffix(ins.dtype));
  if (ins.op == Op::CAST) opcode += "<-" + std::string(dtype_suffix(ins.src));
  char head[64];
  std::snprintf(head, sizeof head, "%s%3zu  %-20s ", label, k, opcode.c_str());
  out += head;
  out += reg_name(bc, ins.dst) + " <- ";
  bool first = true;
  for (Reg r : {ins.a, ins.b, ins.c}) {
    if (r == kNoReg) continue;
    out += (first ? "" : ", ") + reg_name(bc, r);
    first = false;
  }
  out += "\n";
}

}  // namespace

std::string disassemble(const Bytecode& bc) {
  std::string out = "; " + std::to_string(bc.code.size()) + " instructions per chunk, " +
                    std::to_string(bc.temp_count) + " scratch registers, " +
                    std::to_string(bc.constants.size()) + " constants\n";
  for (std::size_t k = 0; k < bc.prologue.size(); ++k)
    instruction_line(out, bc, bc.prologue[k], "once ", k);
  for (std::size_t k = 0; k < bc.code.size(); ++k) instruction_line(out, bc, bc.code[k], "", k);
  if (bc.reduction) {
    const ReductionPlan& r = *bc.reduction;
    out += "     " + std::string(reduction_name(r.op, r.mean)) + "." +
           std::string(dtype_suffix(r.dtype)) + " over " +
           (r.axis ? "axis " + std::to_string(*r.axis) : std::string("all elements")) +
           " of " + reg_name(bc, r.source) + " -> result\n";
  }
  return out;
}

}  // namespace exprvm
