// Catch2 main for exprvm_tests. Extra flag: --list-isas prints the SIMD instruction sets this
// CPU can run (one per line) and exits; tests/run_if_isa.sh uses it. The EXPRVM_ISA variable
// forces the kernels' instruction set for the whole run.
#define CATCH_CONFIG_RUNNER
// Catch2's runner uses std::regex, whose std::function members GCC 12 reports as maybe
// uninitialized under the sanitizer build's flags (a false positive inside libstdc++).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <catch2/catch.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

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
