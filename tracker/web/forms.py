"""Form input: Flask-WTF forms (CSRF token included) for sign-in, accounts, handovers, reports and checkpoints."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from tracker.languages import language_choices
from tracker.people.roles import role_choices
from tracker.web.inputs import MAX_ID, bounded_int


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select field."""
    return [SelectChoice(value, label) for value, label in pairs]

class CodeForm(FlaskForm):
    """A code from the authenticator app (six digits) or a recovery code."""

    code = StringField(_l("Код"), validators=[DataRequired(), Length(max=32)])


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField(_l("Электронная почта"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Пароль"), validators=[DataRequired(), Length(max=1000)])


class EmailForm(FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField(_l("Электронная почта"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """Choose a password (invitation or reset)."""

    password = PasswordField(_l("Новый пароль (не короче 10 символов)"), validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField(_l("Повторите пароль"), validators=[EqualTo("password", _l("Пароли не совпадают"))])


class AccountForm(FlaskForm):
    """A person's own settings."""

    name = StringField(_l("Имя"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Язык"), choices=options(language_choices()))
    digest_frequency = SelectField(_l("Сводка по почте"), choices=options([
        ("quarterly", _l("раз в квартал")), ("monthly", _l("раз в месяц")), ("none", _l("не присылать"))]))


class InviteForm(FlaskForm):
    """An administrator invites a person with one role."""

    email = EmailField(_l("Электронная почта"), validators=[DataRequired(), Email(check_deliverability=False)])
    name = StringField(_l("Имя"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Роль"), choices=options(role_choices()))
    organizations = SelectMultipleField(_l("Организации"), choices=[], validate_choice=True)
    commissions = SelectMultipleField(_l("Комиссии (для секретаря: все их инструменты)"), choices=[],
                                      validate_choice=True)
    instruments = SelectMultipleField(_l("Отдельные инструменты (для секретаря)"), choices=[], validate_choice=True)
    language = SelectField(_l("Язык"), choices=options(language_choices()))


class UserAdminForm(FlaskForm):
    """An administrator changes an account's flags."""

    active = BooleanField(_l("Учётная запись активна"))
    is_admin = BooleanField(_l("Администратор"))
    is_observer = BooleanField(_l("Наблюдатель"))


class HandoverForm(FlaskForm):
    """Hand an organization from a departing person to another in one step."""

    from_user = SelectField(_l("Уходит"), coerce=int, choices=[])
    to_email = EmailField(_l("Кому передать (email; новый человек получит приглашение)"),
                          validators=[DataRequired(), Email(check_deliverability=False)])
    to_name = StringField(_l("Имя (для нового человека)"), validators=[Optional(), Length(max=200)])


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""


#: an instrument's key, as the YAML format has it
INSTRUMENT_KEY = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class DocxImportForm(FlaskForm):
    """A roadmap's Word file and the key of the instrument it will become."""

    document = FileField(_l("Файл Word (.docx) с таблицей мер"), validators=[FileRequired()])
    key = StringField(_l("Ключ инструмента (латиница, цифры, дефисы)"), validators=[
        DataRequired(), Length(max=80),
        Regexp(INSTRUMENT_KEY, message=_l("Например: conflict-prevention-2027-2028"))])


class DraftForm(FlaskForm):
    """The draft YAML carried back to be downloaded as a file."""

    key = HiddenField(validators=[DataRequired(), Length(max=80), Regexp(INSTRUMENT_KEY)])
    draft = TextAreaField(validators=[DataRequired(), Length(max=2_000_000)])


class TokenForm(FlaskForm):
    """A new personal access token for the API."""

    token_name = StringField(_l("Для чего токен"), validators=[DataRequired(), Length(max=80)])
    scope = SelectField(_l("Права"), choices=options([("read", _l("только чтение")),
                                                     ("write", _l("чтение и запись"))]))
    days = IntegerField(_l("Срок действия, дней"), default=90, validators=[InputRequired()])


class ReportUpdateForm(FlaskForm):
    """A status update on a report: the new status, a note, evidence, and what the status needs."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(0, MAX_ID)])
    status = SelectField(_l("Новый статус"), choices=[], validate_choice=True)
    note = TextAreaField(_l("Что сделано (Markdown)"), validators=[Optional(), Length(max=20_000)])
    files = MultipleFileField(_l("Файлы-подтверждения (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT, CSV, ZIP)"))
    links = TextAreaField(_l("Ссылки-подтверждения (по одной в строке)"), validators=[Optional(), Length(max=10_000)])
    evidence_period = StringField(_l("Период, который покрывают подтверждения (пусто — действуют дальше)"),
                                  validators=[Optional(), Length(max=32)])
    public = BooleanField(_l("Подтверждения можно публиковать"))
    no_evidence_reason = TextAreaField(_l("Если подтверждений нет — почему"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Причина (для возврата, неприменимости, отмены)"),
                           validators=[Optional(), Length(max=2000)])
    reason_source = StringField(_l("Основание (документ, протокол)"), validators=[Optional(), Length(max=500)])


class CarryForwardForm(FlaskForm):
    """"No change since last period": one button with the version the person saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(0, MAX_ID)])


class BulkUpdateForm(FlaskForm):
    """One status update applied to several reports of the person's organizations."""

    reports = SelectMultipleField(_l("Отчёты"), choices=[], validate_choice=True)
    status = SelectField(_l("Новый статус"),
                         choices=options([("in_progress", _l("в работе")), ("submitted", _l("на проверку"))]))
    note = TextAreaField(_l("Что сделано (Markdown)"), validators=[Optional(), Length(max=20_000)])
    files = MultipleFileField(_l("Файлы-подтверждения"))
    links = TextAreaField(_l("Ссылки-подтверждения (по одной в строке)"), validators=[Optional(), Length(max=10_000)])
    no_evidence_reason = TextAreaField(_l("Если подтверждений нет — почему"), validators=[Optional(), Length(max=2000)])


def _report_versions(_form, field) -> None:
    pairs = [value.split(":") for value in field.data or [] if re.fullmatch(r"\d{1,10}:\d{1,10}", value)]
    if len(pairs) != len(field.data or []) or any(bounded_int(part) is None for pair in pairs for part in pair):
        raise ValidationError(_l("Неверный выбор отчётов: обновите страницу."))


class BulkAcceptForm(FlaskForm):
    """A secretary accepts several submitted reports at once, after a confirmation step. Each ticked value is
    "report id:version seen"; whether the person may judge it is decided by the workflow, report by report."""

    reports = SelectMultipleField(_l("Отчёты"), choices=[], validate_choice=False, validators=[_report_versions])
    note = TextAreaField(_l("Комментарий секретаря (необязательно, Markdown)"),
                         validators=[Optional(), Length(max=20_000)])
    confirmed = HiddenField()


class RescheduleForm(FlaskForm):
    """A secretary moves a checkpoint's due date."""

    due_on = DateField(_l("Новый срок"), validators=[DataRequired()])
    reason = TextAreaField(_l("Причина"), validators=[DataRequired(), Length(max=2000)])
    source = StringField(_l("Основание (например, протокол РТК от 29.12.2025)"),
                         validators=[DataRequired(), Length(max=500)])


class OpenEventForm(FlaskForm):
    """A secretary opens a checkpoint when the event of an event-driven obligation happens."""

    label = StringField(_l("Событие (например, запрос МТСЗН от 12.11.2026)"),
                        validators=[DataRequired(), Length(max=500)])
    due_on = DateField(_l("Срок"), validators=[DataRequired()])
    source = StringField(_l("Основание (документ)"), validators=[DataRequired(), Length(max=500)])


class MeetingForm(FlaskForm):
    """A commission's secretary plans a meeting."""

    number = StringField(_l("Номер протокола"), validators=[DataRequired(), Length(max=32)])
    held_on = DateField(_l("Дата"), validators=[DataRequired()])
    starts_at = StringField(_l("Время (Астана)"), default="10:00",
                            validators=[DataRequired(), Regexp(r"^([01]\d|2[0-3]):[0-5]\d$",
                                                               message=_l("Время — ЧЧ:ММ, например 10:00."))])
    place = StringField(_l("Место"), validators=[Optional(), Length(max=500)])
    link = StringField(_l("Ссылка на видеосвязь"), validators=[Optional(), Length(max=500),
                                                               Regexp(r"^https?://", message=_l("Ссылка начинается с https://"))])


class AgendaForm(FlaskForm):
    """A change of a meeting's agenda, from the version of the meeting the page showed."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])


class AgendaItemForm(AgendaForm):
    """An agenda item of the secretary's own."""

    title = StringField(_l("Вопрос"), validators=[DataRequired(), Length(max=2000)])
    details = TextAreaField(_l("Подробности"), validators=[Optional(), Length(max=5000)])


class DecisionForm(FlaskForm):
    """What the commission decided on one agenda item."""

    kind = SelectField(_l("Решение"), choices=[])
    text = TextAreaField(_l("Текст решения (как в протоколе)"), validators=[DataRequired(), Length(max=5000)])
    checkpoint_id = SelectField(_l("Контрольная точка"), choices=[], validate_choice=False)
    due_on = DateField(_l("Срок"), validators=[Optional()])
    owner = StringField(_l("Исполнитель (код организации)"), validators=[Optional(), Length(max=64)])


class InformationRequestForm(FlaskForm):
    """A party's focal point or a secretary asks an owner for information on a measure."""

    organization = SelectField(_l("Кому (исполнитель меры)"), choices=[], coerce=int, validate_choice=False)
    question = TextAreaField(_l("Вопрос"), validators=[DataRequired(), Length(max=5000)])


class InformationAnswerForm(FlaskForm):
    """The owner's focal point answers a request."""

    answer = TextAreaField(_l("Ответ"), validators=[DataRequired(), Length(max=5000)])


class VersionForm(FlaskForm):
    """A version of an instrument to check, then apply, citing what approved it."""

    document = FileField(_l("Или загрузите файл YAML"))
    text = TextAreaField(_l("Документ в формате YAML"), validators=[Optional(), Length(max=2_000_000)])
    source = StringField(_l("Основание (например, протокол РТК № 5 от 29.12.2025)"),
                         validators=[Optional(), Length(max=500)])


class IndicatorValueForm(FlaskForm):
    """The reporter's focal point gives an indicator's value for a period, with its source."""

    period = SelectField(_l("Период"), choices=[], validate_choice=False)
    value = StringField(_l("Значение (число; десятичная часть — через запятую или точку)"),
                        validators=[DataRequired(), Length(max=40)])
    source = TextAreaField(_l("Источник значения (документ, письмо, публикация)"),
                           validators=[DataRequired(), Length(max=5000)])
    evidence_url = StringField(_l("Ссылка на публикацию или документ"), validators=[Optional(), Length(max=2000)])
    note = TextAreaField(_l("Комментарий"), validators=[Optional(), Length(max=5000)])


class IndicatorVerdictForm(FlaskForm):
    """The secretary accepts or returns a submitted value."""

    verdict = SelectField(choices=options([("accepted", _l("Принять")), ("returned", _l("Вернуть на доработку"))]))
    note = TextAreaField(_l("Комментарий (обязателен при возврате)"), validators=[Optional(), Length(max=5000)])
