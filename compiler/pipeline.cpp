#include "compiler/pipeline.hpp"

#include "compiler/ast.hpp"
#include "compiler/lower.hpp"
#include "compiler/optimize.hpp"
#include "compiler/typecheck.hpp"

namespace exprvm {

Bytecode compile_to_bytecode(std::string_view source, const Signature& signature,
                             const CompileOptions& options) {
  CheckedProgram checked = check(parse(source), signature, options);
  if (options.optimize) optimize(checked);
  return lower(checked);
}

}  // namespace exprvm
