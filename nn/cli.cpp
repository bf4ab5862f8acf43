// `exprvm nn train | predict | bench`: the NN runner's command line.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <exprvm/exprvm.hpp>
#include "nn/bench.hpp"
#include "nn/cnn_cli.hpp"
#include "nn/model_json.hpp"
#include "nn/nn_cli.hpp"
#include "nn/seed_data.hpp"
#include "nn/trainer.hpp"

namespace exprvm::nn {
namespace {

constexpr const char* kUsage = R"(usage: exprvm nn COMMAND [OPTIONS]
  train    train seed 000's network (25 -> 30 -> 30 ELU -> 1 linear, Adam, MSE) on
           min-max scaled random data and save it
           --epochs N (5) --out PATH --rows N (5000) --batch N (256)
           --validation-split F (0.8) --optimizer adam|sgd|momentum --lr F --seed N
           --show-programs (print the exprvm programs the network emits)
  predict  MODEL.json [ROWS_FILE | -]   one prediction per input row (numbers separated by
           spaces or commas; stdin when no file or '-'); --layer K prints layer K's output
           (Python-style index, -1 = last)
  cnn      seed 003's CNNs: --net allcnn|wide|adequate --conv std|sep|fac|cp
           [--input 32,32,3] [--classes 100] with --summary (Keras' table), --train
           --data digits|synthetic --epochs N --batch N [--optimizer sgd|adam --lr F]
           (test accuracy and top-5 at the end), --bench [--quick] (exprvm vs PyTorch),
           --threads N, --bn-momentum F (0.99; 0.9 with --train)
  bench    seed 000's table: exprvm against NumPy's model_np (run side by side through
           /usr/bin/python3), the weight-streaming floor, and a training epoch
           --quick (skip the 10000-wide shape) --seconds S (timing budget per measurement)
           --profile WIDTH --rows N --calls N: untimed predictions only (for callgrind)
)";

int train(int argc, char** argv) {
  const Options options(argc, argv,
                        {"epochs", "out", "rows", "batch", "validation-split", "optimizer", "lr",
                         "seed"},
                        {"show-programs"});
  const auto seed = static_cast<std::uint64_t>(options.number("seed", 1));
  const auto rows = static_cast<std::int64_t>(options.number("rows", 5000));
  const SeedData data = make_seed_data(rows, 25, seed);
  Model model = make_elu_network(25, {30, 30}, 1, seed);
  MeanSquaredError mse;
  std::optional<double> lr;
  if (options.has("lr")) lr = options.number("lr", 0);
  auto optimizer = make_optimizer(options.get("optimizer", "adam"), lr);
  if (options.has("show-programs")) {
    std::vector<const Stage*> stages = model.stages();
    for (const Stage* s : mse.stages()) stages.push_back(s);
    for (const Stage* s : optimizer->stages()) stages.push_back(s);
    print_stages(std::cout, stages, false);
  }
  FitOptions fit_options;
  fit_options.epochs = static_cast<int>(options.number("epochs", 5));
  fit_options.batch_size = static_cast<int>(options.number("batch", 256));
  fit_options.validation_split = options.number("validation-split", 0.8);
  fit_options.seed = seed;
  std::cout << "training 25-30-30-1 ELU on " << rows << " rows ("
            << optimizer->name() << ", mse, batch " << fit_options.batch_size
            << ", validation split " << fit_options.validation_split << ")\n";
  fit(model, mse, *optimizer, data.x, data.y, fit_options, &std::cout);
  if (options.has("out")) {
    save_model(model, options.get("out", ""));
    std::cout << "saved " << options.get("out", "") << "\n";
  }
  return 0;
}

// Rows of numbers separated by spaces, tabs or commas; blank lines are skipped.
Tensor read_rows(std::istream& in, std::int64_t width, const std::string& origin) {
  Tensor rows(0, width);
  std::string line;
  for (std::int64_t line_number = 1; std::getline(in, line); ++line_number) {
    for (char& c : line)
      if (c == ',' || c == '\t') c = ' ';
    std::istringstream fields(line);
    std::vector<float> values;
    for (std::string field; fields >> field;) {
      char* end = nullptr;
      const float v = std::strtof(field.c_str(), &end);
      if (end == field.c_str() || *end != '\0')
        throw Error(ErrorKind::Argument, origin + ":" + std::to_string(line_number) +
                                             ": '" + field + "' is not a number");
      values.push_back(v);
    }
    if (values.empty()) continue;
    if (static_cast<std::int64_t>(values.size()) != width)
      throw Error(ErrorKind::Shape, origin + ":" + std::to_string(line_number) + ": " +
                                        std::to_string(values.size()) +
                                        " values, the model expects " + std::to_string(width));
    rows.data.insert(rows.data.end(), values.begin(), values.end());
    ++rows.rows;
  }
  return rows;
}

int predict(int argc, char** argv) {
  const Options options(argc, argv, {"layer"}, {});
  if (options.positional().empty())
    throw Error(ErrorKind::Argument, "nn predict: missing MODEL.json");
  const Model model = load_model(options.positional()[0]);
  const std::string source = options.positional().size() > 1 ? options.positional()[1] : "-";
  Tensor rows;
  if (source == "-") {
    rows = read_rows(std::cin, model.input_width(), "stdin");
  } else {
    std::ifstream file(source);
    if (!file) throw Error(ErrorKind::Argument, "cannot open '" + source + "'");
    rows = read_rows(file, model.input_width(), source);
  }
  const Tensor out = model.predict(rows, static_cast<int>(options.number("layer", -1)));
  for (std::int64_t r = 0; r < out.rows; ++r) {
    for (std::int64_t c = 0; c < out.cols; ++c)
      std::printf(c ? " %.9g" : "%.9g", static_cast<double>(out.at(r, c)));
    std::printf("\n");
  }
  return 0;
}

}  // namespace
}  // namespace exprvm::nn

int exprvm_nn_main(int argc, char** argv) {
  using namespace exprvm::nn;
  --argc;  // argv[0] is "nn"
  ++argv;
  if (argc < 1 || std::string(argv[0]) == "help" || std::string(argv[0]) == "--help") {
    std::cout << kUsage;
    return argc < 1 ? 2 : 0;
  }
  const std::string command = argv[0];
  try {
    if (command == "train") return train(argc - 1, argv + 1);
    if (command == "predict") return predict(argc - 1, argv + 1);
    if (command == "bench") return run_bench(argc - 1, argv + 1, std::cout);
    if (command == "cnn") return run_cnn(argc - 1, argv + 1, std::cout);
  } catch (const exprvm::Error& e) {
    std::cerr << "exprvm nn " << command << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "exprvm nn: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
