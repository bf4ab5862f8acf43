#include <atomic>
#include <cstdlib>
#include <string_view>

#include "core/error.hpp"
#include "vm/kernel.hpp"

namespace exprvm::vm {
namespace {

Isa initial_isa() {
  if (const char* env = std::getenv("EXPRVM_ISA"); env && *env) {
    if (const auto isa = available_isa_named(env)) return *isa;
    throw Error(ErrorKind::Argument, "EXPRVM_ISA=" + std::string(env) +
                                         " is not an instruction set this CPU can run");
  }
  return available_isas().front();
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{initial_isa()};
  return isa;
}

}  // namespace

std::optional<Isa> available_isa_named(std::string_view name) {
  for (Isa isa : available_isas())
    if (isa_name(isa) == name) return isa;
  return std::nullopt;
}

Isa active_isa() { return active().load(std::memory_order_relaxed); }
void set_active_isa(Isa isa) {
  active().store(isa, std::memory_order_relaxed);
  settings_changed();
}

}  // namespace exprvm::vm
