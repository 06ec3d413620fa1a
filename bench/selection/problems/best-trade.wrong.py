n = int(input())
p = list(map(int, input().split()))
print(max(p) - min(p))
