// What a Program holds: the typed (optimized) program and its executable bytecode.
#pragma once
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
