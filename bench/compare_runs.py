"""Compares `exprvm bench` runs of two builds (a change's before and after).

    python3 bench/compare_runs.py BEFORE_DIR[,BEFORE_DIR...] AFTER_DIR[,AFTER_DIR...]

Each DIR is a result folder (bench.csv, latency.csv). Per side, every row keeps its fastest
time over that side's folders; the report gives the geometric mean of after/before per
contender and size class (the `hand` loop's code is the same in both builds, so its row shows
the noise), then the latency table.
"""
import collections
import csv
import math
import os
import sys

CONTENDERS = ('bound', 'bound_nojit', 'run', 'evaluate', 'hand', 'hand_sse2')


def fastest(dirs):
    """(row key -> fastest ns per call, latency name -> fastest ns) over the result folders."""
    rows, latency = {}, {}
    for d in dirs:
        with open(os.path.join(d, 'bench.csv'), newline='') as f:
            for r in csv.DictReader(f):
                key = (r['workload'], r['dtype'], r['threads'], r['contender'], int(r['n']))
                rows[key] = min(rows.get(key, math.inf), float(r['ns_per_call_min']))
        with open(os.path.join(d, 'latency.csv'), newline='') as f:
            for r in csv.DictReader(f):
                latency[r['name']] = min(latency.get(r['name'], math.inf), float(r['ns_min']))
    return rows, latency


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    before, before_latency = fastest(argv[1].split(','))
    after, after_latency = fastest(argv[2].split(','))
    ratios = collections.defaultdict(list)
    for key, ns in before.items():
        if key in after and key[3] in CONTENDERS:
            size_class = 'n<=4096' if key[4] <= 4096 else 'n>4096'
            ratios[(key[3], size_class)].append(after[key] / ns)
    print('| contender | sizes | rows | geomean after/before | min | max |')
    print('|---|---|---:|---:|---:|---:|')
    for (contender, size_class), rs in sorted(ratios.items()):
        geomean = math.exp(sum(map(math.log, rs)) / len(rs))
        print(f'| {contender} | {size_class} | {len(rs)} | {geomean:.3f} | {min(rs):.2f} | '
              f'{max(rs):.2f} |')
    print()
    print('| latency | before ns | after ns | after/before |')
    print('|---|---:|---:|---:|')
    for name, ns in before_latency.items():
        if name in after_latency:
            print(f'| {name} | {ns:.1f} | {after_latency[name]:.1f} | '
                  f'{after_latency[name] / ns:.2f} |')


if __name__ == '__main__':
    main(sys.argv)
