"""A generated roadmaps/ folder at national size, for timing `mindet roadmaps sync`: the real instruments'
measures (texts, results, deadlines, owners, defaults, indicators) repeated into many instruments with fresh keys
and numbers.

Every file passes `mindet roadmaps check`; the same arguments always write the same files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from tracker.config import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "roadmaps"


def _measures(document: dict) -> list[tuple[dict, dict]]:
    """Every obligation of an instrument with the section it is in (its title and fields other than obligations)."""
    return [({k: v for k, v in section.items() if k != "obligations"}, obligation)
            for section in document["sections"] for obligation in section.get("obligations", [])]


def _instrument(source: dict, index: int, obligations: int, per_section: int) -> dict:
    """Instrument number `index`: `obligations` measures cycled from `source`, `per_section` to a section."""
    measures = _measures(source)
    header = dict(source["instrument"], key=f"{source['instrument']['key']}-x{index:03d}", public=False)
    header["title"] = {lang: f"{title} (копия {index})" for lang, title in source["instrument"]["title"].items()}
    sections = []
    for start in range(0, obligations, per_section):
        section, _ = measures[(start // per_section) % len(measures)]
        items = []
        for position in range(start, min(start + per_section, obligations)):
            _, measure = measures[position % len(measures)]
            number = f"{len(sections) + 1}.{len(items) + 1}"
            # a measure's indicators repeat with it: their keys take the measure's new number to stay unique
            indicators = [dict(i, key=f"{i['key']}-{number.replace('.', '-')}") for i in measure.get("indicators", [])]
            items.append(dict(measure, number=number, **({"indicators": indicators} if indicators else {})))
        sections.append({**section, "number": str(len(sections) + 1), "obligations": items})
    defaults = {"defaults": source["defaults"]} if "defaults" in source else {}
    indicators = {"indicators": source["indicators"]} if "indicators" in source else {}
    return {"instrument": header, **defaults, "sections": sections, **indicators}


def write(folder: Path, *, obligations: int = 15_000, per_instrument: int = 150, per_section: int = 25,
          progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Write organizations.yaml and enough instruments for `obligations` measures into `folder`; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SOURCES / "organizations.yaml", folder / "organizations.yaml")
    sources = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(SOURCES.glob("*.yaml"))
               if path.name != "organizations.yaml"]
    count = -(-obligations // per_instrument)
    for index in range(count):
        size = min(per_instrument, obligations - index * per_instrument)
        document = _instrument(sources[index % len(sources)], index + 1, size, per_section)
        path = folder / f"{document['instrument']['key']}.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        progress(index + 1, count)
    return count + 1
