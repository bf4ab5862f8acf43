// Stage: one elementwise step of a network (bias + activation, a derivative, a loss, an
// optimizer update) as an exprvm program, compiled once when the layer is built and run on
// every call. Stages keep a label so `exprvm nn ... --show-programs` can print what the NN
// runner emits.
#pragma once
#include <initializer_list>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

// Signature of float32 arrays followed by float32 scalars (bound as 0-d Arrays).
Signature float_signature(std::initializer_list<const char*> arrays,
                          std::initializer_list<const char*> scalars = {});

// Shortest decimal text that reads back as exactly `value` (for literals in emitted source).
std::string literal(double value);

class Stage {
 public:
  Stage(std::string label, std::string source, const Signature& signature);

  // Runs with `args` in signature order; a reduction's result goes into *out when given.
  OwnedArray run(std::span<const Array> args, const Array* out = nullptr) const {
    return program_.run(args, out);
  }
  OwnedArray run(std::initializer_list<Array> args, const Array* out = nullptr) const {
    return program_.run(std::span<const Array>(args.begin(), args.size()), out);
  }
  const std::string& label() const { return label_; }
  const Program& program() const { return program_; }

 private:
  std::string label_;
  Program program_;
};

// Prints "label:\n    source" for each stage (and the bytecode when `disassemble`).
void print_stages(std::ostream& out, std::span<const Stage* const> stages, bool disassemble);

}  // namespace exprvm::nn
