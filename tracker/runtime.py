"""How a long-lived Mindet process (a web worker, the clock, a command) keeps the garbage collector's pauses short,
and what a new web worker loads before its first request."""

from __future__ import annotations

import gc

#: a young collection after 20,000 new objects, not 700: a national dashboard creates some 150,000, and each young
#: collection passed its survivors on towards the older generations, whose passes fell inside pages. Under 4
#: clients on 2 cores (120 requests a page, two runs each way): dashboard p95 216, 219 → 187, 196 ms and p99
#: 350, 414 → 297, 295 ms; overdue p95 135, 133 → 129, 127 ms; home and my work alike within the noise. Garbage in
#: reference cycles waits a little longer; everything else is freed when its last reference goes, as before.
THRESHOLDS = (20_000, 20, 20)


def freeze_what_started() -> None:
    """Collect young objects less often (THRESHOLDS), and put every object alive now (modules, mappers, compiled
    templates, translations: about 230,000 of them in a started app) out of the collector's sight: a full collection
    then walks only what requests and jobs create. Without it, a full collection fell inside one page in a few and
    cost it 100–200 ms at national scale. No collection first: it costs a starting process 0.1–0.3 s, and the
    little garbage of a start is frozen harmlessly."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


def warm(app) -> None:
    """Compile every template, read every language's translations and digest the code kept pages are keyed by
    (tracker/web/kept.py) now, in a web worker that has not answered yet: Jinja compiles a template and Babel reads
    a catalogue on first use, so the first person to open each page on each worker waited 20–60 ms more (a worker
    is replaced every 2,000 requests). In the benchmark, the four workers
    the warm-up request missed answered a page's slowest requests: the obligation page 44 ms at p50, 86 ms at p95."""
    from flask_babel import get_translations

    from tracker.web.kept import code_digest

    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(name)
    for language in app.config["LANGUAGES"]:
        with app.test_request_context(f"/?lang={language}"):
            get_translations()
    code_digest()
