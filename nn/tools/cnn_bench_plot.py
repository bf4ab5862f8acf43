#!/usr/bin/python3
"""Plot `exprvm nn cnn --bench` results: per net x conv, exprvm and PyTorch milliseconds for the
forward pass at batch 1 and 32 and a training step at batch 32 (three panels, log scale).

Usage: /usr/bin/python3 nn/tools/cnn_bench_plot.py [bench/results/cnn.csv] [OUT.svg]
(default output: cnn.svg next to the CSV). Needs matplotlib.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "bench/results/cnn.csv"
    target = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(source), "cnn.svg")
    with open(source, newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [row["net_conv"] for row in rows]
    panels = [("forward, batch 1", "forward1"), ("forward, batch 32", "forward32"),
              ("training step, batch 32", "train32")]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    positions = range(len(names))
    for axis, (title, key) in zip(axes, panels):
        ours = [float(row["exprvm_%s_s" % key]) * 1e3 for row in rows]
        theirs = [float(row["torch_%s_s" % key]) * 1e3 if row["torch_%s_s" % key] else 0
                  for row in rows]
        axis.bar([p - 0.2 for p in positions], ours, width=0.4, label="exprvm (oneDNN)")
        if any(theirs):
            axis.bar([p + 0.2 for p in positions], theirs, width=0.4, label="PyTorch 1.13")
        axis.set_yscale("log")
        axis.set_title(title)
        axis.set_ylabel("ms")
        axis.set_xticks(list(positions))
        axis.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
        axis.legend(fontsize=8)
    figure.suptitle("seed 003 CNNs at 32x32x3, 100 classes (lower is better)")
    figure.tight_layout()
    figure.savefig(target)
    print("wrote", target)


if __name__ == "__main__":
    main()
