// Register allocation for the per-chunk code of a Bytecode.
#pragma once
#include "compiler/bytecode.hpp"

namespace exprvm {

// Removes instructions whose Temp result is never read, then maps the virtual Temp registers
// onto as few physical chunk registers as possible (RegInfo::index), reusing a register as
// soon as its value is dead. An instruction may write the register of an operand that dies
// there when both have the same element size (kernels allow d == a), never otherwise.
// Sets Bytecode::temp_count.
void allocate_registers(Bytecode& code);

}  // namespace exprvm
