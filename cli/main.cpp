// exprvm: evaluate, disassemble and benchmark expressions from the command line.
#include <cstring>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#ifdef EXPRVM_HAVE_BENCH
#include "bench/bench_main.hpp"
#endif
#ifdef EXPRVM_HAVE_NN
#include "nn/nn_cli.hpp"
#endif

namespace {

const char* kUsage =
    "usage:\n"
    "  exprvm eval EXPR [NAME=v1,v2,...] [NAME=scalar] [--n N] [--dtype DTYPE] [--threads T]\n"
    "                   [--seed S] [--repeat R] [--print]\n"
    "      Evaluates EXPR. Names given on the command line are 1-d arrays (several values) or\n"
    "      scalars (one value); other free names get N random elements (default 10).\n"
    "      DTYPE: float64 (default) or any of: DTYPE_NAMES\n"
    "  exprvm disasm [--jit] EXPR [NAME:DTYPE[:scalar] ...]\n"
    "      prints the bytecode (default float64 arrays); --jit also the JIT's machine code\n"
    "  exprvm demo                                    seed 001's workloads against hand-written loops\n"
#ifdef EXPRVM_HAVE_BENCH
    "  exprvm bench [--quick] [...]                   overhead versus array size (see --help)\n"
#endif
#ifdef EXPRVM_HAVE_NN
    "  exprvm nn train|predict|bench ...              the NN runner (see exprvm nn --help)\n"
#endif
    ;

// kUsage with the dtype names of core/dtypes.def in place of DTYPE_NAMES.
std::string usage() {
  std::string names;
  for (int i = 0; i < exprvm::kDTypeCount; ++i) {
    names += (names.empty() ? "" : " ") + std::string(exprvm::dtype_name(static_cast<exprvm::DType>(i)));
  }
  std::string text = kUsage;
  const std::string placeholder = "DTYPE_NAMES";
  text.replace(text.find(placeholder), placeholder.size(), names);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::cout << usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "eval") return exprvm::cli::eval_command(args);
    if (cmd == "disasm") return exprvm::cli::disasm_command(args);
    if (cmd == "demo") return exprvm::cli::demo_command(args);
#ifdef EXPRVM_HAVE_BENCH
    if (cmd == "bench") return exprvm_bench_main(argc - 1, argv + 1);
#endif
#ifdef EXPRVM_HAVE_NN
    if (cmd == "nn") return exprvm_nn_main(argc - 1, argv + 1);
#endif
  } catch (const exprvm::Error& e) {
    std::cerr << "exprvm: " << exprvm::error_kind_name(e.kind()) << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "exprvm: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "exprvm: unknown command '" << cmd << "'\n" << usage();
  return 2;
}
