"""A widget that keeps itself, a bound method and a closure over itself (LK005, LK006,
LK007: off by default; this directory's pyleak-fix.toml selects them)."""


class Widget:
    def __init__(self, label):
        self.label = label
        self.root = self
        self.on_click = self.clicked
        self.on_hover = lambda: self.hovered()

    def clicked(self):
        return f"{self.label} clicked"

    def hovered(self):
        return f"{self.label} hovered"
