// Register bytecode: what the VM runs. Three-address instructions over chunk-sized registers,
// one dtype-specialised opcode each (op + dtype select the kernel), casts explicit.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/opcodes.hpp"
#include "core/signature.hpp"

namespace exprvm {

using Reg = std::uint16_t;
inline constexpr Reg kNoReg = 0xffff;

enum class RegKind : std::uint8_t {
  Input,    // array parameter `index`, bound per chunk (in place or gathered + converted)
  Const,    // constant `index` of Bytecode::constants, broadcast once at compile time
  Scalar,   // scalar parameter `index`: read once per run, then broadcast
  Uniform,  // a value the same for every element, computed once per run by the prologue,
            // then broadcast
  Temp,     // chunk scratch register `index`
  Output,   // array parameter `index` the program writes, bound per chunk to its memory when
            // contiguous and of the register's dtype, else to scratch then scattered
  Result,   // the bare result, bound like an Output to the caller's `out`
};

struct RegInfo {
  RegKind kind;
  DType dtype;
  int index;
};

struct Instruction {
  Op op;
  DType dtype;              // operand dtype (for CAST: the target dtype)
  DType src = DType::Bool;  // CAST only: the operand's dtype
  Reg dst = kNoReg, a = kNoReg, b = kNoReg, c = kNoReg;
};

// The bytes of one constant, in its register's dtype.
using ConstValue = std::array<std::byte, 16>;

struct ReductionPlan {
  Op op;                    // SUM PROD MIN MAX ANY ALL
  DType dtype;              // accumulator (= result) dtype
  std::optional<int> axis;  // nullopt: all axes
  bool mean = false;
  Reg source = kNoReg;      // register holding the chunk's values to fold
};

// Everything the VM needs to bind, run and describe a program, with nothing of the type
// checker: a JIT compiles from this alone.
struct Bytecode {
  std::string source;                   // the program text (Program::source)
  Signature signature;                  // parameters; Input/Scalar/Output register indices
                                        // are positions in it
  std::vector<char> is_output;          // per parameter: some statement writes it
  CompileOptions options;               // options.casting governs writes into `out`
  std::vector<RegInfo> regs;
  std::vector<ConstValue> constants;    // indexed by RegInfo::index of Const registers
  std::vector<Instruction> prologue;    // runs once per run on single values (Uniform regs)
  std::vector<Instruction> code;        // runs once per chunk
  int temp_count = 0;                   // physical chunk scratch registers needed
  std::optional<ReductionPlan> reduction;
  // Array parameters the program reads (their shapes broadcast into the iteration space) and
  // their Input registers (kNoReg when only written).
  std::vector<int> array_params;
  // For each parameter: the last instruction index (in `code`) that reads its Input register
  // (-1 if none), and for outputs the index of the first instruction that writes its Output
  // register (-1 if none).
  std::vector<int> last_input_read;
  std::vector<int> output_write;
  std::optional<DType> result_dtype;
  int result_write = -1;  // instruction index that writes the Result register
};

// One instruction per line: index, opcode.dtype, destination <- operands.
std::string disassemble(const Bytecode& code);

}  // namespace exprvm
