a, b = map(int, input().split())
print(b // 4 - (a - 1) // 4)
