n = int(input())
p = list(map(int, input().split()))
best, low = 0, p[0]
for x in p[1:]:
    best = max(best, x - low)
    low = min(low, x)
print(best)
