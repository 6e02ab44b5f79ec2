# The background article's second shape: two objects that refer to each other.


class Node:
    def __init__(self, value):
        self.value = value
        self.next = None


node1 = Node(1)
node2 = Node(2)
node1.next = node2  # node1 references node2
node2.next = node1  # node2 references node1
# At this point, neither node1 nor node2 can be cleared by reference counting.
