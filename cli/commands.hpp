// The exprvm command-line tool's subcommands (cli/main.cpp dispatches to them).
#pragma once
#include <string>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm::cli {

int eval_command(const std::vector<std::string>& args);
int disasm_command(std::vector<std::string> args);
int demo_command(const std::vector<std::string>& args);

}  // namespace exprvm::cli
