"""How a long-lived Mindet process (a web worker, the clock, a command) keeps the garbage collector's pauses short."""

from __future__ import annotations

import gc


def freeze_what_started() -> None:
    """Put every object alive now (modules, mappers, compiled templates, translations: about 230,000 of them in a
    started app) out of the collector's sight: a full collection then walks only what requests and jobs create.
    Without it, a full collection fell inside one page in a few and cost it 100–200 ms at national scale. No
    collection first: it costs a starting process 0.1–0.3 s, and the little garbage of a start is frozen harmlessly."""
    gc.freeze()
