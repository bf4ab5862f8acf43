// What a Program holds: the typed (optimized) program and its executable bytecode.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 4  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: runtime/ may be included by runtime/ and code above the library"
#endif
#include "compiler/bytecode.hpp"
#include "vm/executor.hpp"

namespace exprvm {

class ProgramImpl {
 public:
  ProgramImpl(CheckedProgram checked, Bytecode code)
      : checked_(std::move(checked)), exec_(std::move(code)) {}
  const CheckedProgram& checked() const { return checked_; }
  const vm::Executable& executable() const { return exec_; }

 private:
  CheckedProgram checked_;
  vm::Executable exec_;
};

}  // namespace exprvm
