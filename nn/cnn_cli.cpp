#include "nn/cnn_cli.hpp"

#include <cstdio>
#include <sstream>

#include <exprvm/exprvm.hpp>

#include "nn/cnn_data.hpp"
#include "nn/cnn_model.hpp"
#include "nn/cnn_train.hpp"
#include "nn/model_json.hpp"
#include "nn/seed_data.hpp"

namespace exprvm::nn {
namespace {

SpatialShape parse_shape(const std::string& text) {
  SpatialShape s;
  char tail = 0;
  long long h = 0, w = 0, c = 0;
  if (std::sscanf(text.c_str(), "%lld,%lld,%lld%c", &h, &w, &c, &tail) != 3 || h <= 0 ||
      w <= 0 || c <= 0)
    throw Error(ErrorKind::Argument, "--input must be H,W,C with positive sizes, got '" + text + "'");
  s.h = h;
  s.w = w;
  s.c = c;
  return s;
}

// Keras' SGD(lr=0.01, decay=0.001, momentum=0.8) of the seed, or Adam.
std::unique_ptr<Optimizer> cnn_optimizer(const Options& options) {
  const std::string name = options.get("optimizer", "sgd");
  if (name == "sgd")
    return std::make_unique<Sgd>(options.number("lr", 0.01), options.number("momentum", 0.8),
                                 options.number("decay", 0.001));
  if (name == "adam") return std::make_unique<Adam>(options.number("lr", 0.001));
  throw Error(ErrorKind::Argument, "unknown optimizer '" + name + "' (known: sgd, adam)");
}

}  // namespace

int run_cnn(int argc, char** argv, std::ostream& out) {
  const Options options(argc, argv,
                        {"net", "conv", "input", "classes", "data", "epochs", "batch", "seed",
                         "optimizer", "lr", "momentum", "decay", "threads", "samples", "out",
                         "seconds", "bn-momentum"},
                        {"summary", "train", "bench", "show-programs", "quick"});
  set_cnn_threads(static_cast<int>(options.number("threads", 0)));
  if (options.has("bench")) return run_cnn_bench(options, out);
  const CnnNet net = cnn_net_from_name(options.get("net", "allcnn"));
  const CnnConv conv = cnn_conv_from_name(options.get("conv", "std"));
  const auto seed = static_cast<std::uint64_t>(options.number("seed", 1));
  SpatialShape input = parse_shape(options.get("input", "32,32,3"));
  auto classes = static_cast<std::int64_t>(options.number("classes", 100));
  ImageData data;
  if (options.has("train")) {
    const std::string source = options.get("data", "digits");
    if (source == "digits") {
      data = load_digits(kDigitsPath, 0.2, seed);
    } else if (source == "synthetic") {
      const auto samples = static_cast<std::int64_t>(options.number("samples", 2000));
      data = make_synthetic_images(input, classes, samples, std::max<std::int64_t>(samples / 4, 1), seed);
    } else {
      throw Error(ErrorKind::Argument, "unknown data '" + source + "' (known: digits, synthetic)");
    }
    input = data.shape;
    classes = data.classes;
  }
  // Keras' BatchNorm momentum 0.99 forgets the initial moving statistics (mean 0, variance 1)
  // only after ~500 steps; the offline data sets give tens of steps per epoch (digits: 45), so
  // training defaults to 0.9 (after 5 digits epochs, 0.99 still leaves 10% of the initial
  // variance, several times the conv outputs', and the test accuracy was 0.08).
  Model model = make_cnn(net, conv, input, classes, seed,
                         options.number("bn-momentum", options.has("train") ? 0.9 : 0.99));
  if (options.has("summary")) out << cnn_summary(model, input);
  if (!options.has("train")) return 0;

  auto optimizer = cnn_optimizer(options);
  if (options.has("show-programs")) {
    std::vector<const Stage*> stages = model.stages();
    SoftmaxCrossEntropy loss;
    for (const Stage* s : loss.stages()) stages.push_back(s);
    for (const Stage* s : optimizer->stages()) stages.push_back(s);
    print_stages(out, stages, false);
  }
  ClassifierFitOptions fit;
  fit.epochs = static_cast<int>(options.number("epochs", 5));
  fit.batch_size = static_cast<std::int64_t>(options.number("batch", 32));
  fit.seed = seed;
  out << "training " << cnn_net_name(net) << " " << cnn_conv_name(conv) << " on "
      << data.x_train.rows << " images " << to_string(input) << ", " << classes
      << " classes (" << optimizer->name() << ", batch " << fit.batch_size << ", "
      << cnn_threads() << " threads)" << std::endl;
  fit_classifier(model, *optimizer, data.x_train, data.y_train, fit, &out);
  if (options.has("out")) {
    save_model(model, options.get("out", ""));
    out << "saved " << options.get("out", "") << "\n";
  }
  // The test runs the inference model: BatchNorm folded into the convolutions at load.
  Model inference = model_from_json(model_to_json(model), "trained model");
  fold_batchnorms(inference);
  const ClassificationMetrics test = evaluate_classifier(inference, data.x_test, data.y_test);
  char line[160];
  std::snprintf(line, sizeof line, "test loss: %.4f\ntest accuracy: %.4f  top-5: %.4f\n",
                test.loss, test.accuracy, test.top5);
  out << line;
  return 0;
}

}  // namespace exprvm::nn
