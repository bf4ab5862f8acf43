#include "nn/json_command.hpp"

#include <cstdio>
#include <memory>

namespace exprvm::nn {

nlohmann::json run_json_command(const std::string& command, const std::string& what) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return nullptr;
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe.get())) output += buffer;
  try {
    return nlohmann::json::parse(output);
  } catch (const nlohmann::json::exception&) {
    std::fprintf(stderr, "%s failed: %s\n", what.c_str(), output.c_str());
    return nullptr;
  }
}

}  // namespace exprvm::nn
