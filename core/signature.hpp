// A program's interface: its named parameters (the signature) and its compile options.
#pragma once
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace exprvm {

// One named input of a program.
struct Param {
  std::string name;
  DType dtype = DType::Float64;
  bool scalar = false;  // a single value broadcast to every element (bound as a 0-d Array)
  bool weak = false;    // scalar only: a Python number, which adopts array dtypes (NEP 50)
  bool operator==(const Param&) const = default;
};
using Signature = std::vector<Param>;

struct CompileOptions {
  Casting casting = Casting::SameKind;  // rule for every write into an output
  bool optimize = true;                 // constant folding, CSE, value-preserving rewrites
  bool allow_fma = false;               // contract a*b+c into one fused multiply-add (changes rounding)
  bool operator==(const CompileOptions&) const = default;
};

}  // namespace exprvm
