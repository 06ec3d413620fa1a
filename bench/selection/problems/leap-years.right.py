a, b = map(int, input().split())
f = lambda y: y // 4 - y // 100 + y // 400
print(f(b) - f(a - 1))
