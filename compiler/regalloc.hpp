// Register allocation for the per-chunk code of a Bytecode.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include "compiler/bytecode.hpp"

namespace exprvm {

// Removes instructions whose Temp result is never read, then maps the virtual Temp registers
// onto as few physical chunk registers as possible (RegInfo::index), reusing a register as
// soon as its value is dead. An instruction may write the register of an operand that dies
// there when both have the same element size (kernels allow d == a), never otherwise.
// Sets Bytecode::temp_count.
void allocate_registers(Bytecode& code);

}  // namespace exprvm
