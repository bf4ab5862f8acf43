// The exprvm command-line tool's subcommands (cli/main.cpp dispatches to them).
#pragma once
#include <string>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm::cli {

int eval_command(const std::vector<std::string>& args);
int disasm_command(const std::vector<std::string>& args);
int demo_command(const std::vector<std::string>& args);

// Names a program reads before assigning them (its free variables), in order of appearance.
std::vector<std::string> free_names(std::string_view source);

}  // namespace exprvm::cli
