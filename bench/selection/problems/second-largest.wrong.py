input()
v = sorted(map(int, input().split()))
print(v[-2] if v[-2] != v[0] or len(set(v)) > 1 else -1)
