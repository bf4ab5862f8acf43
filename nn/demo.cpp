// `./run demo`'s NN part: seed 000's network trained for a few epochs through the emitted
// exprvm programs, then its one-prediction latency.
#include <iostream>

#include <exprvm/exprvm.hpp>
#include "nn/nn_cli.hpp"
#include "nn/seed_data.hpp"
#include "nn/trainer.hpp"

int exprvm_nn_demo(std::ostream& out) {
  using namespace exprvm::nn;
  try {
    const SeedData data = make_seed_data(5000, 25, 1);
    Model model = make_elu_network(25, {30, 30}, 1, 1);
    MeanSquaredError mse;
    Adam adam;
    out << "NN runner: seed 000's 25-30-30-1 ELU network, Adam, MSE, batch 256, validation "
           "split 0.8\nemitted programs (first layer):\n";
    const auto stages = model.layer(0).stages();
    print_stages(out, stages, false);
    print_stages(out, adam.stages(), false);
    FitOptions options;
    options.epochs = 5;
    options.validation_split = 0.8;
    fit(model, mse, adam, data.x, data.y, options, &out);
    const Tensor one = slice_rows(data.x, 0, 1);
    const double seconds = best_seconds_per_call([&] { model.predict(one); }, 0.3);
    out << "one prediction: " << seconds * 1e9 << " ns (seed 000: NumPy 41.7 us, Keras 266 us)\n";
    return 0;
  } catch (const exprvm::Error& e) {
    out << "NN demo failed: " << e.what() << "\n";
    return 1;
  }
}
