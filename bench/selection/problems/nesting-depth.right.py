d = best = 0
for c in input().strip():
    d += 1 if c == '(' else -1
    best = max(best, d)
print(best)
