#!/usr/bin/python3
"""PyTorch side of `exprvm nn bench` (a benchmark peer, never needed by the tests): seed 000's
network (25 inputs, ELU hidden layers, 1 linear output, float32) as a torch.nn.Sequential,
timed under torch.inference_mode() on the given thread count; one JSON object per line.

  torch_reference.py --shape 30,30,30 --threads 2 --seconds 0.5

Prints {"absent": reason} when torch cannot be imported.
"""
import argparse
import json

from numpy_reference import best_time


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shape", default="30,30,30")
    parser.add_argument("--inputs", type=int, default=25)
    parser.add_argument("--outputs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        print(json.dumps({"absent": str(error)}), flush=True)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    widths = [args.inputs] + [int(w) for w in args.shape.split(",")] + [args.outputs]
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(torch.nn.ELU())
    model = torch.nn.Sequential(*layers).eval()
    x = torch.rand(100, args.inputs, dtype=torch.float32)
    one, hundred = x[:1].clone(), x
    with torch.inference_mode():
        result = {
            "shape": args.shape,
            "threads": torch.get_num_threads(),
            "one_s": best_time(lambda: model(one), args.seconds),
            "hundred_s": best_time(lambda: model(hundred), args.seconds),
        }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
