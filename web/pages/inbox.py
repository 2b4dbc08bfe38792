"""Placeholder until this area is written (issue #5)."""


def register(app):
    pass
