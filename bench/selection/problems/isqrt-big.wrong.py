import math
print(int(math.sqrt(int(input()))))
