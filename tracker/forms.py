"""Form input: Flask-WTF forms (CSRF token included) for sign-in, passwords, accounts and handovers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

LANGUAGES = [("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")]


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
    language = SelectField(_l("Язык"), choices=LANGUAGES)


class InviteForm(FlaskForm):
    """An administrator invites a person with one role."""

    email = EmailField(_l("Электронная почта"), validators=[DataRequired(), Email(check_deliverability=False)])
    name = StringField(_l("Имя"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Роль"), choices=[
        ("focal_point", _l("Контактное лицо организации")), ("alternate", _l("Заместитель")),
        ("head", _l("Руководитель")), ("secretary", _l("Секретарь комиссии")), ("observer", _l("Наблюдатель")),
        ("admin", _l("Администратор"))])
    organizations = SelectMultipleField(_l("Организации"), choices=[], validate_choice=True)
    instruments = SelectMultipleField(_l("Инструменты (для секретаря)"), choices=[], validate_choice=True)
    language = SelectField(_l("Язык"), choices=LANGUAGES)


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
