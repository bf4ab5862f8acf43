// exprvm's public C++ API: compile an expression program once, run it many times on caller
// buffers; or evaluate a string in one call through a cache of compiled programs.
//
//   std::vector<float> p(n), g(n);
//   auto prog = exprvm::compile("p = p - 0.01 * g",
//                               {{"p", exprvm::DType::Float32}, {"g", exprvm::DType::Float32}});
//   exprvm::Array args[] = {exprvm::Array::from(p), exprvm::Array::from(g)};
//   prog.run(args);                                  // updates p in place
//
//   auto r = exprvm::evaluate("a * b + 1", {{"a", A}, {"b", B}});   // allocates the result
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 4  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: runtime/ may be included by runtime/ and code above the library"
#endif
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/array.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/export.hpp"
#include "core/signature.hpp"

namespace exprvm {

class ProgramImpl;
class BoundProgram;

// A compiled program: immutable, cheap to copy, safe to run from many threads at once.
class EXPRVM_API Program {
 public:
  explicit Program(std::shared_ptr<const ProgramImpl> impl) : impl_(std::move(impl)) {}

  const Signature& signature() const;
  const std::string& source() const;
  // Names of the signature entries the program writes (statement targets), in signature order.
  std::vector<std::string> outputs() const;
  // dtype of the bare-expression result, if the program has one.
  std::optional<DType> result_dtype() const;
  // One instruction per line: index, opcode.dtype, destination <- operands.
  std::string disassemble() const;
  // Whether both handles are copies of one compiled program (one compile() or cache entry):
  // an identity for caches keyed on the program, e.g. a binding made for it.
  bool same_as(const Program& other) const { return impl_ == other.impl_; }

  // Runs the program. `args` follow signature() order (arrays, or 0-d arrays for scalars).
  // The result goes into *out when given (checked against the casting rule and the broadcast
  // shape), else into a newly allocated C-ordered array. Targets that name parameters are
  // written in place. Returns the result (empty when the program has none). Throws Error
  // before touching any caller buffer when the arguments are wrong.
  OwnedArray run(std::span<const Array> args, const Array* out = nullptr) const;

  // Binds the program to fixed buffers (validated like run(), nothing is written) for running
  // again and again with BoundProgram::run(), which skips re-validation: see BoundProgram.
  BoundProgram bind(std::span<const Array> args, const Array* out = nullptr) const;


 private:
  friend class BoundProgram;  // runs the program's executable directly
  const ProgramImpl& impl() const { return *impl_; }
  std::shared_ptr<const ProgramImpl> impl_;
};

EXPRVM_API Program compile(std::string_view source, const Signature& signature,
                const CompileOptions& options = {});

// A program bound to fixed buffers: the loop body of code that updates the same arrays again
// and again (optimizer steps, NN layers, simulations), at the cost of the kernels alone for
// small arrays. The buffers must stay alive and keep their address, shape and strides; their
// contents, including 0-d scalar arguments, are read afresh on every run. One BoundProgram
// must not run on two threads at once (bind one per thread); it is movable, not copyable.
class EXPRVM_API BoundProgram {
 public:
  BoundProgram(BoundProgram&&) noexcept;
  BoundProgram& operator=(BoundProgram&&) noexcept;
  ~BoundProgram();

  // Runs the program on the bound buffers; returns the result (empty when the program has
  // none): the bound `out`, or an array allocated at bind() and reused by every run.
  const OwnedArray& run();
  const Program& program() const { return program_; }

 private:
  friend class Program;
  struct State;
  BoundProgram(Program program, std::unique_ptr<State> state);
  Program program_;
  std::unique_ptr<State> state_;
};

// One named buffer for evaluate().
struct NamedArray {
  std::string_view name;
  Array array;
  bool scalar = false;  // treat a 0-d array as a broadcast scalar (default: 0-d arrays are scalars)
  bool weak = false;
};

// Compiles (or finds in the cache) and runs `source` on the named buffers.
EXPRVM_API OwnedArray evaluate(std::string_view source, std::span<const NamedArray> arrays,
                    const Array* out = nullptr, const CompileOptions& options = {});
inline OwnedArray evaluate(std::string_view source, std::initializer_list<NamedArray> arrays,
                           const Array* out = nullptr, const CompileOptions& options = {}) {
  return evaluate(source, std::span<const NamedArray>(arrays.begin(), arrays.size()), out,
                  options);
}

// Untrusted strings: throws Error(Argument), with a caret under the assignment, when `program`
// assigns a parameter (a caller array) whose name is not in `writable`; an empty list forbids
// every such write. Call it after compile() and before run(): nothing has run when it throws.
// Temporaries (targets that are not parameters) are always allowed.
EXPRVM_API void check_writable(const Program& program, std::span<const std::string_view> writable);

// evaluate() for a string from an untrusted source: the program may write only the named
// arrays listed in `writable` (see check_writable); the other overloads allow every write.
EXPRVM_API OwnedArray evaluate(std::string_view source, std::span<const NamedArray> arrays,
                               const Array* out, const CompileOptions& options,
                               std::span<const std::string_view> writable);
inline OwnedArray evaluate(std::string_view source, std::initializer_list<NamedArray> arrays,
                           const Array* out, const CompileOptions& options,
                           std::span<const std::string_view> writable) {
  return evaluate(source, std::span<const NamedArray>(arrays.begin(), arrays.size()), out,
                  options, writable);
}

// How a program's source uses a name (see analyze_names).
enum class NameRole : std::uint8_t {
  Input,        // read before any assignment to it: the caller supplies it
  Target,       // only assigned (or read only after being assigned): an output when the
                // caller supplies an array of that name, else a temporary of the program
  InputTarget,  // read, then assigned: the caller supplies it and it is written in place
};

struct NameUse {
  std::string name;
  NameRole role = NameRole::Input;
  Span first_use;  // its first occurrence in the source (for error carets)
};

struct SourceNames {
  std::vector<NameUse> names;        // in order of first appearance
  bool has_result = false;           // the last statement is a bare expression
  bool result_is_reduction = false;  // ... which calls a reduction (sum, prod, min, max, any,
                                     // all, mean): its shape is not the broadcast shape
};

// The names a program's source uses, without compiling it (no signature needed), with
// sequential semantics as in Python. Not names: the functions of calls, keyword argument
// values (`axis=` takes a constant: an integer or None), None, True and False. Throws
// Error (Syntax, Literal) for text that does not parse.
EXPRVM_API SourceNames analyze_names(std::string_view source);
// The names the caller must supply (roles Input and InputTarget), in order of appearance.
EXPRVM_API std::vector<std::string> free_names(std::string_view source);

// A thread-safe LRU cache of compiled programs keyed on source, signature and options.
class EXPRVM_API ProgramCache {
 public:
  explicit ProgramCache(std::size_t capacity = 256);
  ~ProgramCache();
  Program get(std::string_view source, const Signature& signature,
              const CompileOptions& options = {});
  std::size_t size() const;
  std::size_t hits() const;
  std::size_t misses() const;
  void clear();

 private:
  struct State;
  std::unique_ptr<State> state_;
};
EXPRVM_API ProgramCache& global_cache();

// Threads used for large arrays (default: all cores). Returns the previous value.
EXPRVM_API int set_num_threads(int n);
EXPRVM_API int get_num_threads();
EXPRVM_API int detect_number_of_cores();

// SIMD instruction set used by kernels (default: the best the CPU has).
// Names: "sse2", "avx2", "avx512". set_isa throws Error(Argument) for one the CPU lacks.
EXPRVM_API std::string active_isa();
EXPRVM_API std::vector<std::string> available_isas();
EXPRVM_API void set_isa(std::string_view name);

// The JIT tier: Tiered (the default) compiles a program's loop to native code on its first run
// of at least 4096 elements or on its 16th run; Always compiles on the first run; Off
// interprets everything (as do the SSE2 kernels in every mode). Results are the same bits in
// every mode. The environment variable EXPRVM_JIT (0 or off / 1 / always) sets the initial
// mode. Process-wide; it takes effect at the next run, bound programs included. set_jit
// returns the previous mode; it throws Error(Argument) for a value that is not a JitMode.
enum class JitMode : std::uint8_t { Off, Tiered, Always };
EXPRVM_API JitMode set_jit(JitMode mode);
EXPRVM_API JitMode jit_mode();

// The largest chunk: every instruction of a program runs over at most this many elements at a
// time (a program whose registers would overflow the L1 cache uses 1/2 or 1/4 of it).
EXPRVM_API std::size_t chunk_size();

}  // namespace exprvm
