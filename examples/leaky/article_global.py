# The background article's first shape: a module-level name keeps a large object alive.


class MemoryLeak:
    def __init__(self):
        self.data = [i for i in range(10**6)]  # Large list


leak = MemoryLeak()  # `leak` holds a reference to the instance
# At this point, the memory for `self.data` is still allocated.
