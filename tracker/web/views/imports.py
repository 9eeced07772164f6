"""A roadmap's Word file → a YAML draft on a page: upload, read the draft and what to decide, download the YAML."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template

from tracker.catalog.docx_import import DocxImportError, draft_from_docx
from tracker.reporting import evidence as uploads
from tracker.web.access import current_access, require
from tracker.web.forms import DocxImportForm, DraftForm

bp = Blueprint("imports", __name__)
#: a roadmap's Word file is small; a larger upload is not one
MAX_DOCX_BYTES = 20 * 1024 * 1024


def _require_secretary() -> None:
    access = current_access()
    require(access.can_oversee_any())


@bp.route("/roadmaps/import", methods=["GET", "POST"])
def docx():
    """Upload a roadmap's .docx: the draft, with every guess commented, and the problems with their table rows."""
    _require_secretary()
    form = DocxImportForm()
    if not form.validate_on_submit():
        return render_template("imports/docx.html", form=form), 400 if form.is_submitted() else 200
    limits = uploads.Limits(kinds=("docx",), max_bytes=MAX_DOCX_BYTES, max_entries=5_000,
                            max_expanded=10 * MAX_DOCX_BYTES)
    received = []
    try:
        upload = uploads.receive(form.document.data.stream, form.document.data.filename, limits)
        received.append(upload)
        draft = draft_from_docx(upload.path, form.key.data, Path(current_app.config["ROADMAPS_DIR"]))
    except (uploads.EvidenceRejected, DocxImportError) as exc:
        form.document.errors = [str(exc)]
        return render_template("imports/docx.html", form=form), 400
    finally:
        uploads.discard(received)
    return render_template("imports/docx.html", form=form, draft=draft,
                           download=DraftForm(formdata=None, key=form.key.data, draft=draft.yaml))


@bp.post("/roadmaps/import/draft.yaml")
def download():
    """The draft (as shown on the page) as <key>.yaml, to review and put in roadmaps/."""
    _require_secretary()
    form = DraftForm()
    if not form.validate():
        return render_template("imports/docx.html", form=DocxImportForm(formdata=None)), 400
    return Response(form.draft.data.replace("\r\n", "\n"), content_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{form.key.data}.yaml"'})
