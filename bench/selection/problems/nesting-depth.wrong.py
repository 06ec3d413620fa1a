print(input().count('('))
