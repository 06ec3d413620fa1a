t = int(input())
for _ in range(t):
    w = input().strip()
    print(sum(c in "aeiouAEIOU" for c in w))
