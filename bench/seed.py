"""The benchmark's data: generated people, instruments and reports in an empty database, or a generated roadmaps/
folder at national size for timing `mindet roadmaps sync`.

    python bench/seed.py --scale small|national [--seed N]     # into TRACKER_DATABASE_URL (migrated, empty)
    python bench/seed.py --roadmaps DIR [--obligations 15000]  # YAML files that pass `mindet roadmaps check`
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import scale, scale_roadmaps  # noqa: E402  (after the project root is importable)


def _seed_database(size: str, seed_value: int) -> int:
    from tracker import create_app
    from tracker.db import get_session
    from tracker.timeutil import today_almaty

    shape = scale.Scale.named(size)
    started = time.perf_counter()
    app = create_app()
    with app.app_context():
        session = get_session()

        def progress(step, n):
            if step == "instruments":
                print(f"\rinstruments {n}/{shape.instruments}", end="", file=sys.stderr, flush=True)

        try:
            counts = scale.seed(session, shape, today=today_almaty(), seed_value=seed_value, progress=progress)
            session.commit()
            scale.analyze(session)
        except ValueError as exc:
            session.rollback()
            print(f"\nNothing generated: {exc}", file=sys.stderr)
            return 1
    print(f"\nGenerated in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    print(f"Every account's password: {scale.PASSWORD!r} (e.g. secretary1@bench.mindet.kz, "
          "focal_point…@bench.mindet.kz).")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and generate what they ask for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["small", "national"], default="small",
                        help="national ≈ 100 instruments, 15,000 obligations, 1,000,000 status updates; small = a "
                             "tenth (default: small)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data (default: 1)")
    parser.add_argument("--roadmaps", type=Path, help="write a generated roadmaps folder here instead")
    parser.add_argument("--obligations", type=int, default=15_000,
                        help="obligations in the generated roadmaps folder (default: 15,000)")
    options = parser.parse_args(argv)
    if options.roadmaps:
        files = scale_roadmaps.write(options.roadmaps, obligations=options.obligations)
        print(f"Wrote {files} files with {options.obligations:,} obligations to {options.roadmaps}")
        return 0
    return _seed_database(options.scale, options.seed)


if __name__ == "__main__":
    sys.exit(main())
