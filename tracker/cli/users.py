"""Command line for people: `mindet users create|invite`, and `mindet demo seed` for demonstrations."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from tracker import audit
from tracker.cli.common import fail
from tracker.db import get_session
from tracker.models import Commission, Instrument, is_live
from tracker.notify import outbox
from tracker.people import accounts, passwords, throttle, two_factor
from tracker.people.invitations import queue_link
from tracker.people.roles import ROLES
from tracker.reporting import evidence as uploads
from tracker.reporting.demo import (
    INDICATOR_VALUES_FILE,
    STATUSES_FILE,
    load_demo_indicator_values,
    load_demo_statuses,
)
from tracker.reporting.demo_history import write_history
from tracker.statuses import label as status_label
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty

ROLE_CHOICE = click.Choice(ROLES)


@click.group("users")
def users_group():
    """Accounts: create (for scripts) or invite (a link to set one's own password)."""


def _options(command):
    command = click.option("--instrument", "instruments", multiple=True,
                           help="Instrument key (secretary); repeat for several.")(command)
    command = click.option("--commission", "commissions", multiple=True,
                           help="Commission key (secretary of all its instruments and of its meetings), e.g. rtk; "
                                "repeat for several.")(command)
    command = click.option("--org", "orgs", multiple=True, help="Organization code (focal point, alternate, "
                           "head); repeat for several.")(command)
    command = click.option("--name", default="", help="Full name (default: the email).")(command)
    command = click.option("--role", type=ROLE_CHOICE, required=True)(command)
    return click.argument("email")(command)


@users_group.command("create")
@_options
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters, not a common one (prompted if omitted).")
@with_appcontext
def users_create(email, role, name, orgs, instruments, commissions, password):
    """Create an account with a password (for scripts and the first administrator)."""
    session = get_session()
    try:
        user = accounts.create_user(session=session, email=email, name=name,
                                    grant=accounts.Grant(role, tuple(orgs), tuple(instruments), tuple(commissions)),
                                    password=password, now=now_utc(),
                                    by=audit.Actor(label="cli:users create"))
    except (accounts.AccountError, passwords.PasswordRejected) as exc:
        session.rollback()
        fail(f"Not created: {exc}.")
    session.commit()
    click.echo(f"Created {user.email} ({role}). Sign in at {current_app.config['BASE_URL']}/login")


@users_group.command("invite")
@_options
@with_appcontext
def users_invite(email, role, name, orgs, instruments, commissions):
    """Create an account and email a single-use link (72 h) to set a password; the link is printed too."""
    session = get_session()
    try:
        user = accounts.create_user(session=session, email=email, name=name,
                                    grant=accounts.Grant(role, tuple(orgs), tuple(instruments), tuple(commissions)),
                                    now=now_utc(),
                                    by=audit.Actor(label="cli:users invite"))
        link, message = queue_link(session=session, app=current_app._get_current_object(), user=user, kind="invite",
                                   created_by=None, now=now_utc())
    except accounts.AccountError as exc:
        session.rollback()
        fail(f"Not invited: {exc}.")
    session.commit()
    click.echo(f"Invited {user.email} ({role}). Link (single use, 72 hours): {link}")
    if outbox.deliver(session, now_utc(), current_app.config, only=[message.id]).sent != 1:
        click.secho("The mail server refused or was unreachable: the invitation stays in the outbox and the clock "
                    "retries it; pass the link on by hand, or fix TRACKER_MAIL_* (`mindet mail test`).",
                    fg="yellow", err=True)


DEMO_PEOPLE = [
    ("admin@demo.mindet.kz", "Администратор (демо)", "admin", (), ()),
    ("secretary@demo.mindet.kz", "Секретарь РТК (демо)", "secretary", (), ("rtk",)),
    ("region@demo.mindet.kz", "Секретарь областной комиссии (пример, демо)", "secretary", (),
     ("almaty-region-example",)),
    ("mtszn@demo.mindet.kz", "МТСЗН, контактное лицо (демо)", "focal_point", ("МТСЗН",), ()),
    ("mju@demo.mindet.kz", "МЮ, контактное лицо (демо)", "focal_point", ("МЮ",), ()),
    ("rop@demo.mindet.kz", "РОП, контактное лицо (демо)", "focal_point", ("РОП",), ()),
    ("ror@demo.mindet.kz", "РОР, контактное лицо (демо)", "focal_point", ("РОР",), ()),
    ("almaty@demo.mindet.kz", "Акимат г. Алматы, контактное лицо (демо)", "focal_point", ("АКИМАТ-АЛМАТЫ",), ()),
    ("ilo@demo.mindet.kz", "МОТ, контактное лицо (демо)", "focal_point", ("МОТ",), ()),
    ("observer@demo.mindet.kz", "Наблюдатель (демо)", "observer", (), ()),
]


@users_group.command("reset-2fa")
@click.argument("email")
@with_appcontext
def users_reset_two_factor(email: str):
    """Turn two-factor sign-in off for a person who lost both their phone and their recovery codes (audited);
    they set it up again after signing in with their password."""
    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        fail(f"No account for {email}: check the address (`mindet users list`).")
    two_factor.disable(session=session, user=user, now=now_utc(), by=audit.Actor(label="cli:users reset-2fa"))
    session.commit()
    click.echo(f"Two-factor sign-in is off for {user.email}; they will be asked to set it up again if it is required.")


@click.group("demo")
def demo_group():
    """Demonstration data: only when asked for (`make run` asks)."""


@demo_group.command("seed")
@with_appcontext
def demo_seed():
    """Create the demo accounts (or give them new passwords), load the statuses the sources document, print
    the credentials."""
    session = get_session()
    now = now_utc()
    all_keys = list(session.exec(select(Instrument.key).where(is_live(Instrument))))
    if not all_keys:
        fail("No instruments loaded: run `mindet roadmaps sync` first.")
    commissions = set(session.exec(select(Commission.key).where(is_live(Commission))))
    rows = []
    for email, name, role, orgs, wanted in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)  # 12 characters, new at every run
        # a secretary keeps the commission named; a roadmaps folder without it makes them secretary of everything
        keys = [key for key in wanted if key in commissions]
        instruments = all_keys if role == "secretary" and not keys else []
        user = accounts.find_user(session, email)
        if user is None:
            accounts.create_user(session=session, email=email, name=name,
                                 grant=accounts.Grant(role, tuple(orgs), tuple(instruments), tuple(keys)),
                                 password=password, now=now,
                                 by=audit.Actor(label="cli:demo seed"))
        else:
            user.password_hash, user.active = passwords.hash_password(password), True
            throttle.forget(session, user)
        rows.append((email, password, role, ", ".join(keys or instruments if role == "secretary" else orgs)))
    session.flush()
    applied, skipped = load_demo_statuses(session)
    values, values_skipped = load_demo_indicator_values(session)
    session.commit()
    click.echo(f"Demo statuses from the sources: {applied} loaded, {skipped} already there "
               f"(see {STATUSES_FILE.name}).")
    click.echo(f"Demo indicator values: {values} loaded, {values_skipped} already there "
               f"(see {INDICATOR_VALUES_FILE.name}).")
    secretaries = [accounts.find_user(session, email) for email, _n, role, _o, _c in DEMO_PEOPLE if role == "secretary"]
    with click.progressbar(length=1, label="Demo history up to today", file=sys.stderr) as bar:
        def advance(done, total):
            bar.length = total
            bar.update(done - bar.pos)
        history = write_history(session, today=today_almaty(), now=now, store=evidence_store(),
                                limits=uploads.Limits.from_config(current_app.config), secretaries=secretaries,
                                progress=advance)
    session.commit()
    states = ", ".join(f"{status_label(s)} {n}" for s, n in sorted(history.by_status.items()))
    click.echo(f"Demo history: {history.updates} updates on {history.reports} reports, {history.files} small files, "
               f"{history.accounts} reporting accounts without sign-in for the other organizations. "
               f"Reports now: {states}.")
    click.echo("Demo accounts (passwords are new at every start):")
    for email, password, role, scope in rows:
        click.echo(f"  {email:<28} {password:<14} {role:<12} {scope}")
