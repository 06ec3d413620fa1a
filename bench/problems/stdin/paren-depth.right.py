s = input().strip()
d = m = 0
ok = True
for c in s:
    d += 1 if c == "(" else -1
    if d < 0:
        ok = False
        break
    m = max(m, d)
print(m if ok and d == 0 else -1)
