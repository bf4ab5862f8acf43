// Entry points of the NN runner for the exprvm CLI.
#pragma once
#include <ostream>

// `exprvm nn ARGS`, main-style: argv[0] is "nn", then train | predict | bench | help and their
// options. Returns the process exit code.
int exprvm_nn_main(int argc, char** argv);

// `./run demo`'s NN part: a short training run of seed 000's network and its prediction
// latency. Returns 0 on success.
int exprvm_nn_demo(std::ostream& out);
