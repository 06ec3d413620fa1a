input()
v = sorted(set(map(int, input().split())))
print(v[-2] if len(v) > 1 else -1)
