"""A roadmap's Word file → a YAML draft on a page: upload, read the draft and what to decide, download the YAML or
check it and apply it as the instrument's next version; an instrument's current version amended and applied."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog import apply, versions
from tracker.catalog.docx_import import DocxImportError, draft_from_docx
from tracker.catalog.lookups import live_instrument
from tracker.catalog.sync import InvalidCatalog
from tracker.db import get_session
from tracker.reporting import evidence as uploads
from tracker.timeutil import now_utc
from tracker.web.access import current_access, require
from tracker.web.arguments import instrument_or_404
from tracker.web.forms import DocxImportForm, DraftForm, VersionForm

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


def _posted_text(form: VersionForm) -> str | None:
    """The YAML of the form: an uploaded file (UTF-8, at most 2 MB) or the editor's text; None, with the field's
    error set, when there is neither or the file is not text."""
    upload = form.document.data
    if upload and getattr(upload, "filename", ""):
        raw = upload.stream.read(2_000_001)
        try:
            text = raw.decode("utf-8-sig") if len(raw) <= 2_000_000 else None
        except UnicodeDecodeError:
            text = None
        if text is None:
            form.document.errors = [_("Нужен текстовый файл YAML в кодировке UTF-8, не больше 2 МБ.")]
            return None
    else:
        text = form.text.data or ""
    if not text.strip():
        form.text.errors = [_("Вставьте документ или загрузите файл YAML.")]
        return None
    return text.replace("\r\n", "\n")


def _version_page(form: VersionForm, found=None, status: int = 200):
    return render_template("imports/version.html", form=form, preview=found), status


@bp.get("/instruments/<key>/versions/new")
def new_version(key: str):
    """The current version in an editor: amend it, check what it changes, apply it."""
    inst = instrument_or_404(key)
    require(apply.may_apply(current_access(), inst))
    kept = versions.versions_of(get_session(), inst)
    return _version_page(VersionForm(formdata=None, text=kept[0].text if kept else ""))


@bp.get("/roadmaps/versions/new")
def new_document():
    """An empty editor: a new instrument's YAML, pasted or uploaded, checked and applied like any version."""
    _require_secretary()
    return _version_page(VersionForm(formdata=None))


@bp.post("/roadmaps/versions/preview")
def preview_version():
    """What applying the posted YAML would change (nothing is written), with the button to apply it."""
    _require_secretary()
    form = VersionForm()
    text = _posted_text(form) if form.validate_on_submit() else None
    if text is None:
        return _version_page(form, status=400)
    form.text.data = text  # an uploaded file continues in the editor
    found = apply.preview(get_session(), Path(current_app.config["ROADMAPS_DIR"]), text, now_utc())
    inst = live_instrument(get_session(), found.key) if found.key else None
    require(apply.may_apply(current_access(), inst))
    return _version_page(form, found)


@bp.post("/roadmaps/versions/apply")
def apply_version():
    """Apply the posted YAML as the instrument's next version, citing its source; back to its versions."""
    _require_secretary()
    form = VersionForm()
    if not form.validate_on_submit():
        return _version_page(form, status=400)
    session = get_session()
    text = (form.text.data or "").replace("\r\n", "\n")
    try:
        version, counts = apply.apply(session=session, roadmaps_dir=Path(current_app.config["ROADMAPS_DIR"]),
                                      text=text, source=form.source.data, actor=current_user,
                                      access=current_access(), now=now_utc(), ip=request.remote_addr)
    except (apply.ApplyError, InvalidCatalog) as exc:
        session.rollback()
        flash(str(exc), "error")
        return _version_page(form, apply.preview(session, Path(current_app.config["ROADMAPS_DIR"]), text,
                                                 now_utc()), 400)
    session.commit()
    key = apply.key_of(text)
    flash(_("Версия %(number)d применена.", number=version.number), "success")
    return redirect(url_for("catalog.instrument_versions", key=key))
