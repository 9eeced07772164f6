"""The README's API examples run as written, against a live server: with curl, in bash, each call checked with
-f (an HTTP error fails the script). A raw Cyrillic value in the address and a made-up version used to fail."""

import os
import re
import shutil
import subprocess

import pytest

from tracker import audit
from tracker.people import tokens
from tracker.timeutil import now_utc

from .conftest import ROOT, make_user
from .reporting_helpers import PDF, report_of


def _readme_api_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON API", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.mark.real_clock
@pytest.mark.skipif(shutil.which("curl") is None and not os.environ.get("CI"), reason="curl is not installed")
def test_every_api_example_in_the_readme_runs(app, db, world, live_server, tmp_path):
    """The tokens, the report id and the address are the only things a reader puts in; every call succeeds and the
    update is written."""
    def token(user):
        issued = tokens.create_token(session=db, user=user, name="README", scope="write", days=1, now=now_utc(),
                                     by=audit.Actor(label="test"))
        db.commit()
        return issued.secret

    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    script = _readme_api_script()
    filled = (script.replace("TOKEN=mdt_…", f"TOKEN={token(focal)}", 1)
              .replace("SECRETARY_TOKEN=mdt_…", f"SECRETARY_TOKEN={token(secretary)}", 1)
              .replace("API=http://127.0.0.1:5000/api/v1", f"API={live_server}/api/v1")
              .replace("REPORT=42", f"REPORT={report.id}"))
    assert filled.count("mdt_…") == 0 and str(report.id) in filled  # the README still has these placeholders
    (tmp_path / "протокол.pdf").write_bytes(PDF)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", filled], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert '"items"' in done.stdout and '"status": "submitted"' in done.stdout.replace('"status":"submitted"',
                                                                                        '"status": "submitted"')
    db.expire_all()
    db.refresh(report)
    assert report.status == "submitted"
