# Compares `exprvm bench` runs of two builds: for each side the minimum per row over its runs
# (comma-separated result folders), then the geometric mean of after/before per contender and
# size class, and the latency table. Usage:
#   python3 bench/compare_runs.py before1,before2 after1,after2
import csv, math, sys, collections
def load(dirs):
    best = {}
    for d in dirs:
        for r in csv.DictReader(open(d + '/bench.csv')):
            k = (r['workload'], r['dtype'], r['threads'], r['contender'], int(r['n']))
            v = float(r['ns_per_call_min'])
            best[k] = min(best.get(k, v), v)
    lat = {}
    for d in dirs:
        for r in csv.DictReader(open(d + '/latency.csv')):
            lat[r['name']] = min(lat.get(r['name'], 1e30), float(r['ns_min']))
    return best, lat
before, lb = load(sys.argv[1].split(','))
after, la = load(sys.argv[2].split(','))
groups = collections.defaultdict(list)
for k, v in before.items():
    if k in after and k[3] in ('bound', 'run', 'evaluate', 'hand'):
        cls = 'n<=4096' if k[4] <= 4096 else 'n>4096'
        groups[(k[3], cls)].append(after[k] / v)
print('| contender | sizes | rows | geomean after/before | min | max |')
print('|---|---|---:|---:|---:|---:|')
for (c, cls), rs in sorted(groups.items()):
    g = math.exp(sum(map(math.log, rs)) / len(rs))
    print(f'| {c} | {cls} | {len(rs)} | {g:.3f} | {min(rs):.2f} | {max(rs):.2f} |')
print()
print('| latency | before ns | after ns | after/before |')
print('|---|---:|---:|---:|')
for n in lb:
    if n in la: print(f'| {n} | {lb[n]:.1f} | {la[n]:.1f} | {la[n]/lb[n]:.2f} |')
