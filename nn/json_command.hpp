// Runs a helper program (the benchmarks' Python references in nn/tools) and reads the JSON
// value it prints.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace exprvm::nn {

// Runs `command` through the shell and parses everything it writes to standard output as one
// JSON value. Returns null when the command cannot be started, or when its output is not JSON
// (then "<what> failed: <output>" goes to stderr).
nlohmann::json run_json_command(const std::string& command, const std::string& what);

}  // namespace exprvm::nn
