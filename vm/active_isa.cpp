#include <atomic>
#include <cstdlib>
#include <string_view>

#include "compiler/error.hpp"
#include "vm/kernel.hpp"

namespace exprvm::vm {
namespace {

Isa initial_isa() {
  const auto& available = available_isas();
  if (const char* env = std::getenv("EXPRVM_ISA"); env && *env) {
    for (Isa isa : available)
      if (isa_name(isa) == std::string_view(env)) return isa;
    throw Error(ErrorKind::Argument, "EXPRVM_ISA=" + std::string(env) +
                                         " is not an instruction set this CPU can run");
  }
  return available.front();
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{initial_isa()};
  return isa;
}

}  // namespace

Isa active_isa() { return active().load(std::memory_order_relaxed); }
void set_active_isa(Isa isa) { active().store(isa, std::memory_order_relaxed); }

}  // namespace exprvm::vm
