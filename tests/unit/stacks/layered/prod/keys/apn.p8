not-a-real-key line 1
line 2
