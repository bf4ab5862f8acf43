#include <exprvm/exprvm.hpp>

#include "compiler/pipeline.hpp"
#include "jit/jit.hpp"
#include "runtime/program_impl.hpp"
#include "vm/threads.hpp"

namespace exprvm {

Program compile(std::string_view source, const Signature& signature,
                const CompileOptions& options) {
  return Program(std::make_shared<const ProgramImpl>(compile_to_bytecode(source, signature, options)));
}

const Signature& Program::signature() const { return impl_->code().signature; }
const std::string& Program::source() const { return impl_->code().source; }

std::vector<std::string> Program::outputs() const {
  std::vector<std::string> names;
  const Bytecode& code = impl_->code();
  for (std::size_t i = 0; i < code.signature.size(); ++i)
    if (code.is_output[i]) names.push_back(code.signature[i].name);
  return names;
}

std::optional<DType> Program::result_dtype() const { return impl_->code().result_dtype; }

std::string Program::disassemble() const { return exprvm::disassemble(impl_->code()); }

OwnedArray Program::run(std::span<const Array> args, const Array* out) const {
  return vm::execute(impl_->executable(), args, out);
}

int set_num_threads(int n) {
  if (n < 1) throw Error(ErrorKind::Argument, "the number of threads must be at least 1");
  return vm::set_threads(n);
}
int get_num_threads() { return vm::threads(); }
int detect_number_of_cores() { return vm::hardware_threads(); }

std::string active_isa() { return std::string(vm::isa_name(vm::active_isa())); }

std::vector<std::string> available_isas() {
  std::vector<std::string> names;
  for (vm::Isa isa : vm::available_isas()) names.emplace_back(vm::isa_name(isa));
  return names;
}

void set_isa(std::string_view name) {
  if (const auto isa = vm::available_isa_named(name)) return vm::set_active_isa(*isa);
  throw Error(ErrorKind::Argument, "instruction set '" + std::string(name) +
                                       "' is not available on this CPU");
}

static_assert(static_cast<int>(JitMode::Off) == static_cast<int>(jit::Mode::Off) &&
              static_cast<int>(JitMode::Tiered) == static_cast<int>(jit::Mode::Tiered) &&
              static_cast<int>(JitMode::Always) == static_cast<int>(jit::Mode::Always));

JitMode set_jit(JitMode mode) {
  if (mode != JitMode::Off && mode != JitMode::Tiered && mode != JitMode::Always)
    throw Error(ErrorKind::Argument, "JIT mode " + std::to_string(static_cast<int>(mode)) +
                                         " is not Off (0), Tiered (1) or Always (2)");
  return static_cast<JitMode>(jit::set_mode(static_cast<jit::Mode>(mode)));
}
JitMode jit_mode() { return static_cast<JitMode>(jit::mode()); }

std::size_t chunk_size() { return vm::chunk_elements(); }

}  // namespace exprvm
