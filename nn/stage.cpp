#include "nn/stage.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace exprvm::nn {

Signature float_signature(std::initializer_list<const char*> arrays,
                          std::initializer_list<const char*> scalars) {
  Signature signature;
  for (const char* name : arrays) signature.push_back({name, DType::Float32, false, false});
  for (const char* name : scalars) signature.push_back({name, DType::Float32, true, false});
  return signature;
}

std::string literal(double value) {
  char text[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  std::string result = text;
  // Keep it a float literal so it never reads as an integer.
  if (result.find_first_of(".en") == std::string::npos) result += ".0";
  return result;
}

Stage::Stage(std::string label, std::string source, const Signature& signature)
    : label_(std::move(label)), program_(compile(source, signature)) {}

void print_stages(std::ostream& out, std::span<const Stage* const> stages, bool disassemble) {
  for (const Stage* stage : stages) {
    out << stage->label() << ":\n";
    std::istringstream lines(stage->program().source());
    for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
    if (disassemble) {
      std::istringstream code(stage->program().disassemble());
      for (std::string line; std::getline(code, line);) out << "      | " << line << "\n";
    }
  }
}

}  // namespace exprvm::nn
