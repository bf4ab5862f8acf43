// Catch2 main for exprvm_tests. Extra flag: --list-isas prints the SIMD instruction sets this
// CPU can run (one per line) and exits; tests/run_if_isa.sh uses it. The EXPRVM_ISA variable
// forces the kernels' instruction set for the whole run.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstring>
#include <iostream>

#include <exprvm/exprvm.hpp>

int main(int argc, char* argv[]) {
  if (argc == 2 && std::strcmp(argv[1], "--list-isas") == 0) {
    for (const auto& isa : exprvm::available_isas()) std::cout << isa << "\n";
    return 0;
  }
  std::cout << "exprvm_tests: kernels use " << exprvm::active_isa() << "\n";
  return Catch::Session().run(argc, argv);
}
