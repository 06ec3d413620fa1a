n, k = map(int, input().split())
v = set(map(int, input().split()))
print(sum(1 for x in v if k - x in v and x < k - x))
