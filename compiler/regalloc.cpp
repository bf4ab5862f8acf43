#include "compiler/regalloc.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

namespace exprvm {
namespace {

bool is_temp(const Bytecode& bc, Reg r) { return r != kNoReg && bc.regs[r].kind == RegKind::Temp; }

void remove_dead_code(Bytecode& bc) {
  std::vector<bool> used(bc.regs.size(), false);
  if (bc.reduction) used[bc.reduction->source] = true;
  std::vector<Instruction> kept;
  kept.reserve(bc.code.size());
  for (auto it = bc.code.rbegin(); it != bc.code.rend(); ++it) {
    if (is_temp(bc, it->dst) && !used[it->dst]) continue;
    for (Reg r : {it->a, it->b, it->c})
      if (r != kNoReg) used[r] = true;
    kept.push_back(*it);
  }
  bc.code.assign(kept.rbegin(), kept.rend());
}

}  // namespace

void allocate_registers(Bytecode& bc) {
  remove_dead_code(bc);
  const int n = static_cast<int>(bc.code.size());
  std::vector<int> last_use(bc.regs.size(), -1);
  for (int k = 0; k < n; ++k)
    for (Reg r : {bc.code[k].a, bc.code[k].b, bc.code[k].c})
      if (is_temp(bc, r)) last_use[r] = k;
  if (bc.reduction && is_temp(bc, bc.reduction->source)) last_use[bc.reduction->source] = n;

  std::vector<int> free_list;
  int physical = 0;
  auto take = [&] {
    if (free_list.empty()) return physical++;
    const int p = free_list.back();
    free_list.pop_back();
    return p;
  };
  for (int k = 0; k < n; ++k) {
    Instruction& ins = bc.code[k];
    std::array<Reg, 3> dying_operands;  // the distinct Temp operands whose last use is here
    std::size_t dying_count = 0;
    for (Reg r : {ins.a, ins.b, ins.c})
      if (is_temp(bc, r) && last_use[r] == k &&
          std::find(dying_operands.begin(), dying_operands.begin() + dying_count, r) ==
              dying_operands.begin() + dying_count)
        dying_operands[dying_count++] = r;
    const std::span<const Reg> dying(dying_operands.data(), dying_count);
    if (is_temp(bc, ins.dst)) {
      const std::size_t dst_size = itemsize(bc.regs[ins.dst].dtype);
      int chosen = -1;
      for (Reg r : dying)
        if (chosen < 0 && itemsize(bc.regs[r].dtype) == dst_size && ins.op != Op::WHERE) {
          chosen = bc.regs[r].index;
        }
      if (ins.op == Op::WHERE)  // d may alias b or c (same size), never the bool condition
        for (Reg r : {ins.b, ins.c})
          if (chosen < 0 && is_temp(bc, r) && last_use[r] == k &&
              itemsize(bc.regs[r].dtype) == dst_size)
            chosen = bc.regs[r].index;
      // Pick the destination before releasing the other dying operands, so it never lands
      // on an operand of another element size (or on WHERE's condition).
      bc.regs[ins.dst].index = chosen >= 0 ? chosen : take();
      for (Reg r : dying)
        if (bc.regs[r].index != chosen) free_list.push_back(bc.regs[r].index);
      if (last_use[ins.dst] < 0 && !(bc.reduction && bc.reduction->source == ins.dst))
        free_list.push_back(bc.regs[ins.dst].index);
    } else {
      for (Reg r : dying) free_list.push_back(bc.regs[r].index);
    }
  }
  bc.temp_count = physical;
}

}  // namespace exprvm
