n = int(input())
print(int(sum(map(int, input().split())) / n))
