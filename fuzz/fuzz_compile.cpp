// libFuzzer harness: arbitrary bytes through the whole front end (parse, name analysis, type
// check, optimize, lower, disassemble). Every failure must be an exprvm::Error of a
// user-facing kind with a printable message; anything else (a crash, a sanitizer report, an
// Internal error, another exception type) is a finding.
//
// Input: 1 byte of options (casting, optimize, allow_fma, which parameters are scalars),
// 4 bytes of parameter dtypes, then the source. The signature is the source's free names
// (exprvm::free_names) in order of appearance, name k taking dtype byte k % 4.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <exprvm/exprvm.hpp>

namespace {

using exprvm::DType;
using exprvm::Error;
using exprvm::ErrorKind;

// An Internal error is a bug in exprvm; so is a message or caret excerpt that cannot be built.
void check_error(const Error& e) {
  const std::string shown = e.what();
  if (e.kind() == ErrorKind::Internal || e.message().empty() || shown.empty()) {
    std::fprintf(stderr, "finding: %s error: %s\n", std::string(exprvm::error_kind_name(e.kind())).c_str(),
                 shown.c_str());
    std::abort();
  }
}

exprvm::Signature signature_for(const std::string& source, const std::uint8_t* dtypes, unsigned scalar_mask,
                                bool weak) {
  exprvm::Signature signature;
  const std::vector<std::string> names = exprvm::free_names(source);
  for (std::size_t k = 0; k < names.size(); ++k) {
    exprvm::Param p;
    p.name = names[k];
    p.dtype = static_cast<DType>(dtypes[k % 4] % exprvm::kDTypeCount);
    p.scalar = (scalar_mask >> (k % 4)) & 1u;
    p.weak = p.scalar && weak && exprvm::is_native(p.dtype);
    signature.push_back(p);
  }
  return signature;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint8_t flags = data[0];
  const std::string source(reinterpret_cast<const char*>(data + 5), size - 5);
  exprvm::CompileOptions options;
  options.casting = static_cast<exprvm::Casting>((flags & 3u) + 1);  // Equiv .. Unsafe
  options.optimize = !(flags & 4u);
  options.allow_fma = flags & 8u;
  try {
    const exprvm::Signature signature = signature_for(source, data + 1, flags >> 4, flags & 0x80u);
    const exprvm::Program program = exprvm::compile(source, signature, options);
    if (program.disassemble().empty()) std::abort();
    (void)program.outputs();
  } catch (const Error& e) {
    check_error(e);
  }
  return 0;
}
