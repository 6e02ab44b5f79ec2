"""A tree whose children point back at their parent, and a job that keeps its error
with the traceback's frames (LK003, LK004)."""


class TreeNode:
    def __init__(self, name, parent=None):
        self.name = name
        self.children = []
        self.parent = parent
        if parent is not None:
            parent.children.append(self)


class Job:
    def __init__(self, task):
        self.task = task
        self.error = None

    def run(self):
        try:
            return self.task()
        except Exception as e:
            self.error = e
