import sys

d = sys.stdin.read().split()
n, q = int(d[0]), int(d[1])
a = list(map(int, d[2 : 2 + n]))
p = [0]
for x in a:
    p.append(p[-1] + x)
out = []
for i in range(q):
    lo, r = int(d[2 + n + 2 * i]), int(d[3 + n + 2 * i])
    out.append(str(p[r] - p[lo - 1]))
print("\n".join(out))
