"""Mindet: a tracker of the obligations in Kazakhstan's tripartite roadmaps and agreements."""

from tracker.app import create_app

__all__ = ["create_app"]
