#include "vm/aliasing.hpp"

#include <climits>

#include "vm/iteration.hpp"

namespace exprvm::vm {
namespace {

constexpr int kAfterEveryRead = INT_MAX;  // an output written once every input was read

struct Written {
  const Array* array;
  Extent extent;
  int write;  // instruction index of the first write, or kAfterEveryRead
  int param;  // parameter index, or kOutArgument
};

}  // namespace

void analyze_aliasing(const Bytecode& bc, std::span<const Array> args, const Array* out,
                      Aliasing& result) {
  result.outputs_overlap = false;
  result.copies.clear();
  thread_local std::vector<Written> outputs;  // reused: no allocation per run
  outputs.clear();
  for (std::size_t i = 0; i < args.size(); ++i)
    if (bc.is_output[i])
      outputs.push_back({&args[i], extent_of(args[i]), bc.output_write[i], static_cast<int>(i)});
  if (out) {
    // A full reduction writes its result after every read; an axis reduction writes row by
    // row, before the later rows are read.
    const int write = !bc.reduction ? bc.result_write
                      : bc.reduction->axis ? -1 : kAfterEveryRead;
    outputs.push_back({out, extent_of(*out), write, kOutArgument});
  }
  if (outputs.empty()) return;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    for (std::size_t j = i + 1; j < outputs.size(); ++j)
      if (outputs[i].extent.overlaps(outputs[j].extent)) {
        result.outputs_overlap = true;
        result.first = outputs[i].param;
        result.second = outputs[j].param;
        return;
      }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const int last_read = bc.last_input_read[i];
    if (last_read < 0) continue;
    const Extent extent = extent_of(args[i]);
    bool must_copy = false;
    for (const Written& o : outputs) {
      if (o.param == static_cast<int>(i)) {
        must_copy = must_copy || last_read > o.write;
        continue;
      }
      if (!o.extent.overlaps(extent)) continue;
      const bool reads_first = last_read <= o.write &&
                               (o.write == kAfterEveryRead || same_view(*o.array, args[i]));
      must_copy = must_copy || !reads_first;
    }
    if (must_copy) result.copies.push_back(static_cast<int>(i));
  }
}

}  // namespace exprvm::vm
