m, x = map(int, input().split())
coins = sorted(map(int, input().split()), reverse=True)
n = 0
for c in coins:
    n += x // c
    x %= c
print(n)
