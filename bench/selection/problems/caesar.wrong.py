k = int(input())
out = []
for c in input().strip():
    o = ord(c) + k
    if o > ord('z'):
        o -= 26
    out.append(chr(o))
print(''.join(out))
