#include "vm/aliasing.hpp"

#include <climits>

#include "vm/iteration.hpp"

namespace exprvm::vm {
namespace {

constexpr int kAfterEveryRead = INT_MAX;  // an output written once every input was read
constexpr std::size_t kStackParams = 64;   // more parameters than this keep extents on the heap

}  // namespace

void analyze_aliasing(const Bytecode& bc, std::span<const Array> args, const Array* out,
                      Aliasing& result) {
  result.outputs_overlap = false;
  result.copies.clear();
  const std::size_t nparams = args.size();
  Extent stack_extents[kStackParams];
  thread_local std::vector<Extent> heap_extents;
  Extent* extents = stack_extents;  // per parameter read or written
  if (nparams > kStackParams) {
    heap_extents.resize(nparams);
    extents = heap_extents.data();
  }
  // Plain pointers: the flags are chars, which the compiler must otherwise reload after every
  // store through `extents`.
  const char* is_output = bc.is_output.data();
  const int* last_read = bc.last_input_read.data();
  // A full reduction writes its result after every read; an axis reduction writes row by
  // row, before the later rows are read.
  const int out_write = !bc.reduction ? bc.result_write
                        : bc.reduction->axis ? -1 : kAfterEveryRead;
  bool any_output = out && out_write != kAfterEveryRead;  // else `out` can only clash
  for (std::size_t i = 0; i < nparams; ++i) any_output = any_output || is_output[i];
  if (!any_output) return;
  for (std::size_t i = 0; i < nparams; ++i)
    if (is_output[i] || last_read[i] >= 0) extents[i] = extent_of(args[i]);
  const Extent out_extent = out ? extent_of(*out) : Extent{};

  // The common case first: no output shares memory with any other operand, so only a
  // parameter read after its own first write (a local `t = p` of the old value) needs a copy.
  bool shared = false;
  for (std::size_t o = 0; o < nparams; ++o) {
    if (!is_output[o]) continue;
    for (std::size_t i = 0; i < nparams; ++i)
      if (i != o && (is_output[i] || last_read[i] >= 0) && extents[o].overlaps(extents[i]))
        shared = true;
  }
  for (std::size_t i = 0; out && i < nparams; ++i)
    if ((is_output[i] || last_read[i] >= 0) && out_extent.overlaps(extents[i])) shared = true;
  if (!shared) {
    for (std::size_t i = 0; i < nparams; ++i)
      if (is_output[i] && last_read[i] > bc.output_write[i])
        result.copies.push_back(static_cast<int>(i));
    return;
  }

  // Outputs in order (the parameters, then out); the first overlapping pair is the error.
  for (std::size_t i = 0; i < nparams; ++i) {
    if (!bc.is_output[i]) continue;
    int other = -2;
    for (std::size_t j = i + 1; j < nparams && other == -2; ++j)
      if (bc.is_output[j] && extents[i].overlaps(extents[j])) other = static_cast<int>(j);
    if (other == -2 && out && extents[i].overlaps(out_extent)) other = kOutArgument;
    if (other != -2) {
      result.outputs_overlap = true;
      result.first = static_cast<int>(i);
      result.second = other;
      return;
    }
  }
  // Whether reading `input` (last read at instruction last_read) must come from a copy
  // because of an output `written` (first written at instruction `write`) it overlaps.
  auto overwritten_first = [](const Array& input, const Extent& input_extent, int last_read,
                              const Array& written, const Extent& written_extent, int write) {
    if (!written_extent.overlaps(input_extent)) return false;
    const bool reads_first =
        last_read <= write && (write == kAfterEveryRead || same_view(written, input));
    return !reads_first;
  };
  for (std::size_t i = 0; i < nparams; ++i) {
    const int last_read = bc.last_input_read[i];
    if (last_read < 0) continue;
    bool must_copy = bc.is_output[i] && last_read > bc.output_write[i];
    for (std::size_t o = 0; o < nparams && !must_copy; ++o)
      must_copy = o != i && bc.is_output[o] &&
                  overwritten_first(args[i], extents[i], last_read, args[o], extents[o],
                                    bc.output_write[o]);
    must_copy = must_copy || (out && overwritten_first(args[i], extents[i], last_read, *out,
                                                       out_extent, out_write));
    if (must_copy) result.copies.push_back(static_cast<int>(i));
  }
}

}  // namespace exprvm::vm
