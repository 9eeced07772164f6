"""How deep a run goes: `make test` (the everyday tier, under a minute) or `make test-deep` (TRACKER_TEST_DEEP=1).

Tests marked `deep` run only in the deep tier (schemathesis, servers on several ports); tests marked `sized` run in
both, with the breadth `by_depth` gives them (generated examples, pages walked)."""

import os

DEEP = os.environ.get("TRACKER_TEST_DEEP", "") not in ("", "0")


def by_depth(everyday, deep):
    """`deep` in the deep tier, `everyday` otherwise."""
    return deep if DEEP else everyday
