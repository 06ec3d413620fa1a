m, x = map(int, input().split())
coins = list(map(int, input().split()))
INF = float('inf')
best = [0] + [INF] * x
for v in range(1, x + 1):
    best[v] = min(best[v - c] + 1 for c in coins if c <= v)
print(best[x])
