"""The audit trail in words: action and field names in the page's language, before → after as a readable list
of changes, and a link to the object changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import g, url_for
from flask_babel import lazy_gettext as _l

from tracker.catalog.deadlines import kind_label
from tracker.catalog.lookups import names_by_key
from tracker.db import get_session
from tracker.languages import format_day
from tracker.models import Commission, Instrument
from tracker.people.roles import role_label
from tracker.statuses import label as status_label

ACTIONS = {
    "report.in_progress": _l("отчёт: в работе"), "report.submitted": _l("отчёт отправлен на проверку"),
    "report.accepted": _l("отчёт принят"), "report.returned": _l("отчёт возвращён на доработку"),
    "report.not_applicable": _l("отчёт: неприменимо"), "report.cancelled": _l("отчёт отменён"),
    "report.not_started": _l("отчёт открыт снова"),
    "checkpoint.reschedule": _l("срок перенесён"), "checkpoint.open": _l("контрольная точка открыта по событию"),
    "checkpoint.create": _l("контрольная точка добавлена"), "checkpoint.retire": _l("контрольная точка исключена"),
    "checkpoint.restore": _l("контрольная точка восстановлена"), "checkpoint.move": _l("контрольная точка сдвинута"),
    "roadmaps.sync": _l("дорожные карты загружены"),
    "instrument.create": _l("инструмент добавлен"), "instrument.update": _l("инструмент изменён"),
    "instrument.retire": _l("инструмент исключён"),
    "obligation.create": _l("мера добавлена"), "obligation.update": _l("мера изменена"),
    "obligation.retire": _l("мера исключена"),
    "section.create": _l("раздел добавлен"), "section.update": _l("раздел изменён"),
    "organization.create": _l("организация добавлена"), "organization.update": _l("организация изменена"),
    "organization.retire": _l("организация исключена"), "organization.handover": _l("обязанности переданы"),
    "login": _l("вход"), "login.failed": _l("неудачный вход"), "logout": _l("выход"),
    "user.create": _l("учётная запись создана"), "user.update": _l("учётная запись изменена"),
    "user.settings": _l("настройки изменены"), "password.set_by_invite": _l("пароль задан по приглашению"),
    "password.set_by_reset": _l("пароль восстановлен"), "token.invite": _l("приглашение отправлено"),
    "token.reset": _l("ссылка для восстановления пароля отправлена"),
    "calendar.create": _l("календарная подписка создана"), "calendar.revoke": _l("календарная подписка отозвана"),
    "outbox.retry": _l("письмо отправлено повторно"),
    "commission.create": _l("комиссия добавлена"), "commission.update": _l("комиссия изменена"),
    "commission.retire": _l("комиссия исключена"),
    "meeting.plan": _l("заседание запланировано"), "meeting.agenda.move": _l("повестка: порядок изменён"),
    "meeting.agenda.remove": _l("повестка: пункт снят"), "meeting.agenda.add": _l("повестка: пункт добавлен"),
    "meeting.invite": _l("повестка разослана"), "decision.record": _l("решение записано и применено"),
    "instrument.version": _l("записана версия документа"),
    "information_request.ask": _l("запрошена информация об исполнении"),
    "information_request.answer": _l("дан ответ на запрос информации"),
}
FIELDS = {
    "status": _l("статус"), "version": _l("версия"), "note": _l("пояснение"), "reason": _l("причина"),
    "reason_source": _l("основание"), "no_evidence_reason": _l("почему без подтверждений"),
    "evidence": _l("подтверждения"), "due_on": _l("срок"), "source": _l("основание"), "period": _l("период"),
    "obligation": _l("мера"), "person": _l("сотрудник"), "role": _l("роль"), "email": _l("почта"),
    "name": _l("имя"), "language": _l("язык"), "digest_frequency": _l("сводка"), "is_active": _l("активна"),
    "failed_logins": _l("неудачных входов"), "locked_until": _l("закрыт до"), "scope": _l("охват"),
    "key": _l("ключ"), "text": _l("текст"), "title_ru": _l("название"), "owners": _l("исполнители"),
    "deadline_text": _l("срок (текст)"), "organizations": _l("организации"), "instruments": _l("инструменты"),
    "obligations": _l("меры"), "checkpoints": _l("контрольные точки"), "reports": _l("отчёты"),
    "number": _l("номер"), "position": _l("место в документе"), "result": _l("ожидаемый результат"),
    "deadline_kind": _l("вид срока"), "deadline_note": _l("примечание к сроку"),
    "owners_text": _l("исполнители (как в документе)"), "owners_note": _l("примечание к исполнителям"),
    "source_document": _l("источник"), "source_quote": _l("цитата из источника"),
    "starts_on": _l("начало"), "retired_at": _l("исключена"), "kind": _l("вид"), "title_kk": _l("название (каз.)"),
    "title_en": _l("название (англ.)"), "approved_by": _l("утверждён"), "approved_on": _l("дата утверждения"),
    "valid_from": _l("действует с"), "valid_to": _l("действует по"), "validity_note": _l("примечание к сроку действия"),
    "completeness": _l("полнота текста"), "completeness_note": _l("примечание о полноте"),
    "numbering_note": _l("примечание о нумерации"), "parties": _l("стороны"), "is_public": _l("публичный"),
    "file_name": _l("файл"), "name_ru": _l("название"), "name_kk": _l("название (каз.)"),
    "name_en": _l("название (англ.)"), "aliases": _l("другие написания"), "members": _l("члены группы"),
    "question": _l("вопрос"), "answer": _l("ответ"),
}
#: internal bookkeeping a person cannot read (a row id, a hash, the translations' JSON): left out of the trail's
#: words; what they stand for shows in the readable fields that change with them
HIDDEN_FIELDS = {"section_id", "content_hash", "translations"}
_STATUS_FIELDS = {"status"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Change:
    """One field of an audit row: its name in words, and the value before and after (None: absent)."""

    field: str
    before: str | None
    after: str | None


def action_label(action: str) -> str:
    """The action in the page's language (its code if it has no name yet)."""
    return str(ACTIONS.get(action, action))


def _value(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if field in _STATUS_FIELDS and isinstance(value, str):
        return status_label(value)
    if field == "deadline_kind" and isinstance(value, str):
        return kind_label(value)
    if isinstance(value, bool):
        return str(_l("да") if value else _l("нет"))
    if isinstance(value, str) and _ISO_DAY.match(value):
        return format_day(date.fromisoformat(value))
    if isinstance(value, list):
        return ", ".join(_value(field, item) for item in value) or "—"
    if field == "organizations" and isinstance(value, str) and ":" in value:  # «МТСЗН:focal_point» in a snapshot
        code, _, role = value.partition(":")
        return f"{code} ({role_label(role)})"
    if field in ("instruments", "commissions") and isinstance(value, str):
        return _names(field).get(value, value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v)}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _names(field: str) -> dict[str, str]:
    """Instruments' titles or commissions' names by key, read once per request: the trail records keys."""
    cache = g.setdefault("audit_names", {})
    if field not in cache:
        cache[field] = names_by_key(get_session(), Instrument if field == "instruments" else Commission)
    return cache[field]


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """Each field that the row records, with its value before and after; unchanged fields left out."""
    before, after = before or {}, after or {}
    rows = []
    for field in [*before, *(k for k in after if k not in before)]:
        if field in HIDDEN_FIELDS:
            continue
        old, new = before.get(field), after.get(field)
        if field in before and field in after and old == new:
            continue
        rows.append(Change(str(FIELDS.get(field, field)), _value(field, old) if field in before else None,
                           _value(field, new) if field in after else None))
    return rows


def object_link(object_type: str, object_id: str | None, can_manage_users: bool) -> str | None:
    """Where the changed object can be seen, if it has a page."""
    if not object_id:
        return None
    if object_type in ("report", "checkpoint") and object_id.isdigit():
        return url_for("reports.report" if object_type == "report" else "reports.checkpoint",
                       **{f"{object_type}_id": int(object_id)})
    if object_type == "obligation":
        return url_for("catalog.obligation", key=object_id)
    if object_type == "instrument":
        return url_for("catalog.instrument", key=object_id)
    if object_type == "organization":
        return url_for("people.organization", code=object_id)
    if object_type == "user" and object_id.isdigit() and can_manage_users:
        return url_for("admin.user", user_id=int(object_id))
    return None


OBJECT_TYPES = {"report": _l("отчёт"), "checkpoint": _l("контрольная точка"), "obligation": _l("мера"),
                "instrument": _l("инструмент"), "organization": _l("организация"), "user": _l("учётная запись"),
                "calendar_feed": _l("календарная подписка"), "outbox_message": _l("письмо"),
                "catalog": _l("дорожные карты"), "section": _l("раздел"),
                "information_request": _l("запрос информации")}


def object_label(object_type: str) -> str:
    """The kind of object in the page's language."""
    return str(OBJECT_TYPES.get(object_type, object_type))


def init_app(app) -> None:
    """Make the helpers available to templates."""
    app.jinja_env.globals.update(audit_action=action_label, audit_changes=changes, audit_link=object_link,
                                 audit_object=object_label)
