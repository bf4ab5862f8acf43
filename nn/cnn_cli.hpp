// `exprvm nn cnn ...`: seed 003's CNNs from the command line (summary, training, benchmark).
#pragma once
#include <ostream>

namespace exprvm::nn {

class Options;

// argv[0] is the first option after "cnn". Returns the exit code; throws exprvm::Error.
int run_cnn(int argc, char** argv, std::ostream& out);

// `--bench`: every net x conv at `input`, `classes` outputs: parameters, forward latency at
// batch 1 and 32 and a training step at batch 32, for exprvm and PyTorch side by side.
// `options` are run_cnn's (--quick, --seconds, --classes, --out are read).
int run_cnn_bench(const Options& options, std::ostream& out);

}  // namespace exprvm::nn
