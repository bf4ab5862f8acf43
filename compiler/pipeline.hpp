// The whole compiler in one call: parse, type check, optimize (unless options.optimize is
// off) and lower. exprvm::compile wraps its bytecode in a Program; the CLI's disassembler, the
// benchmark's calibration and the JIT tests take the bytecode itself.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <string_view>

#include "compiler/bytecode.hpp"
#include "core/signature.hpp"

namespace exprvm {

// Throws Error (syntax, type, limit) before producing anything.
Bytecode compile_to_bytecode(std::string_view source, const Signature& signature,
                             const CompileOptions& options = {});

}  // namespace exprvm
