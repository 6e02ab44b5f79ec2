"""A table built when the module is imported and kept until the process exits (LK002)."""

SQUARES = [n * n for n in range(2_000_000)]


def square(n):
    return SQUARES[n]
