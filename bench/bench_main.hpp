// Entry point of `exprvm bench`: the overhead-versus-size benchmark of issue 3.
#pragma once

// Runs the benchmark, main()-style: argv[0] is the command name ("bench"), the options
// follow. Writes the report (Markdown, CSV, SVG) and returns 0, or
// prints the problem and returns 2 for bad options, 1 for a failure while running.
int exprvm_bench_main(int argc, char** argv);
