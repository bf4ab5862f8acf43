// Lowering: the type checker's program becomes self-contained bytecode.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include "compiler/bytecode.hpp"
#include "compiler/typecheck.hpp"

namespace exprvm {

// Lowers a typed (and optimized) program to bytecode with registers allocated; the bytecode
// copies what the VM needs of `program` (source, signature, outputs, options).
Bytecode lower(const CheckedProgram& program);

}  // namespace exprvm
