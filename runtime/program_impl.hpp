// What a Program holds: its executable bytecode (self-contained: nothing of the type checker).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 4  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: runtime/ may be included by runtime/ and code above the library"
#endif
#include "compiler/bytecode.hpp"
#include "vm/executor.hpp"

namespace exprvm {

class ProgramImpl {
 public:
  explicit ProgramImpl(Bytecode code) : exec_(std::move(code)) {}
  const Bytecode& code() const { return exec_.code; }
  const vm::Executable& executable() const { return exec_; }

 private:
  vm::Executable exec_;
};

}  // namespace exprvm
