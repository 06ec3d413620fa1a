R, C = map(int, input().split())
g = [input().strip() for _ in range(R)]
M = 10**9 + 7
dp = [[0] * C for _ in range(R)]
for i in range(R):
    for j in range(C):
        if g[i][j] == "#":
            continue
        if i == 0 and j == 0:
            dp[i][j] = 1
            continue
        dp[i][j] = ((dp[i - 1][j] if i else 0) + (dp[i][j - 1] if j else 0)) % M
print(dp[R - 1][C - 1])
