// `exprvm nn bench`: seed 000's table (exprvm against NumPy's model_np, side by side in the
// same run) plus the weight-streaming floor and a training epoch against NumPy.
#pragma once
#include <ostream>

namespace exprvm::nn {

int run_bench(int argc, char** argv, std::ostream& out);

}  // namespace exprvm::nn
