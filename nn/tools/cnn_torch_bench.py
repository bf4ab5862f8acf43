"""PyTorch side of `exprvm nn cnn --bench`: seed 003's networks built in PyTorch (CPU) and timed
like the exprvm side: forward latency at batch 1 and 32 (eval, no_grad) and one training step at
batch 32 (SGD with momentum, cross-entropy on the logits). Prints one JSON object
{"torch": version, "threads": n, "rows": {"allcnn std": {"params", "forward1", "forward32",
"train32"}, ...}} (seconds, medians), or {"error": ...} when torch is missing.

usage: cnn_torch_bench.py --threads N --seconds S [--quick] [--classes 100] [--only "NET CONV"]
(--only times one row: the C++ benchmark calls it right after timing the same row itself, so
both sides see the same machine load.)
"""
import argparse
import json
import sys
import time


def build(torch, net, conv, classes):
    nn = torch.nn

    def bn_relu(channels):
        return [nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01), nn.ReLU()]

    def standard(cin, cout, k, stride=1):
        return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)] + bn_relu(cout)

    def switchable(cin, cout):
        if conv == "std":
            layers = [nn.Conv2d(cin, cout, 3, padding=1)]
        elif conv == "sep":
            layers = [nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
                      nn.Conv2d(cin, cout, 1)]
        elif conv == "fac":
            layers = [nn.Conv2d(cin, cout, (3, 1), padding=(1, 0)),
                      nn.Conv2d(cout, cout, (1, 3), padding=(0, 1))]
        else:  # cp, rank cout // 2
            rank = max(cout // 2, 1)
            layers = [nn.Conv2d(cin, rank, 1, bias=False),
                      nn.Conv2d(rank, rank, (3, 1), padding=(1, 0), groups=rank, bias=False),
                      nn.Conv2d(rank, rank, (1, 3), padding=(0, 1), groups=rank, bias=False),
                      nn.Conv2d(rank, cout, 1)]
        return layers + bn_relu(cout)

    def separable(cin, cout):
        return [nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
                nn.Conv2d(cin, cout, 1)] + bn_relu(cout)

    if net == "allcnn":
        layers = (switchable(3, 96) + switchable(96, 96) + standard(96, 96, 3, 2) +
                  switchable(96, 192) + switchable(192, 192) + standard(192, 192, 3, 2) +
                  standard(192, 192, 3) + standard(192, 192, 1) + standard(192, classes, 1))
    elif net == "wide":
        layers = (switchable(3, 192) + standard(192, 96, 3, 2) + switchable(96, 384) +
                  standard(384, 128, 3, 2) + standard(128, 256, 3) + standard(256, classes, 1))
    else:
        first = switchable if conv != "std" else (lambda a, b: standard(a, b, 3))
        layers = (first(3, 96) + first(96, 96) + standard(96, 96, 3, 2) + separable(96, 256) +
                  standard(256, 192, 3, 2) + separable(192, 256) + standard(256, classes, 1))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


def median_seconds(fn, seconds):
    fn()
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < 3 or (time.perf_counter() < deadline and len(times) < 200):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help='one row, e.g. "allcnn sep"')
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        print(json.dumps({"error": "PyTorch is not installed: %s" % error}))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    rows = {}
    for net in ("allcnn",) if args.quick else ("allcnn", "wide", "adequate"):
        for conv in ("std", "sep", "fac", "cp"):
            if args.only and args.only != "%s %s" % (net, conv):
                continue
            model = build(torch, net, conv, args.classes)
            params = sum(p.numel() for p in model.parameters()) + sum(
                b.numel() for name, b in model.named_buffers() if "running" in name)
            x1 = torch.randn(1, 3, 32, 32)
            x32 = torch.randn(32, 3, 32, 32)
            y32 = torch.randint(0, args.classes, (32,))
            model.eval()
            with torch.no_grad():
                forward1 = median_seconds(lambda: torch.softmax(model(x1), 1), args.seconds)
                forward32 = median_seconds(lambda: torch.softmax(model(x32), 1), args.seconds)
            model.train()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.8)
            loss_fn = torch.nn.CrossEntropyLoss()

            def step():
                optimizer.zero_grad()
                loss_fn(model(x32), y32).backward()
                optimizer.step()

            train32 = median_seconds(step, args.seconds)
            rows["%s %s" % (net, conv)] = {"params": params, "forward1": forward1,
                                           "forward32": forward32, "train32": train32}
            print("torch %s %s done" % (net, conv), file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "rows": rows}))


if __name__ == "__main__":
    main()
