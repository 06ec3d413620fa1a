input()
a = input().split()
print(1 + sum(a[i] != a[i - 1] for i in range(1, len(a))))
