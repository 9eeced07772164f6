"""Command line for personal access tokens: `mindet users token create|list|revoke`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker import audit
from tracker.cli.common import database_errors, fail
from tracker.db import get_session
from tracker.models import TOKEN_SCOPES
from tracker.people import accounts, tokens
from tracker.timeutil import now_utc

CLI = audit.Actor(label="cli:users token")


@click.group("token")
def token_group():
    """Personal access tokens for the JSON API (/api/v1)."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. \"ИС МТСЗН\".")
@click.option("--scope", type=click.Choice(TOKEN_SCOPES), default="read", show_default=True,
              help="read: GET only; write: also status updates and verification.")
@click.option("--days", type=int, default=tokens.DEFAULT_DAYS, show_default=True,
              help=f"Days until it expires (at most {tokens.MAX_DAYS}).")
@with_appcontext
def token_create(email: str, name: str, scope: str, days: int):
    """Create a token for EMAIL's account and print it (once: only its hash is kept)."""
    session = get_session()
    with database_errors():
        user = accounts.find_user(session, email)
        if user is None:
            fail(f"No account {email!r}. See `mindet users --help`.")
        try:
            issued = tokens.create_token(session=session, user=user, name=name, scope=scope, days=days,
                                         now=now_utc(), by=CLI)
        except tokens.TokenError as exc:
            fail(str(exc))
        session.commit()
    click.echo(f"Token {issued.token.id} for {user.email} ({scope}, expires {issued.token.expires_at:%Y-%m-%d}):")
    click.echo(issued.secret)
    click.echo("Keep it now: it is not shown again. Use it as `Authorization: Bearer <token>`.", err=True)


@token_group.command("list")
@click.argument("email")
@with_appcontext
def token_list(email: str):
    """List EMAIL's tokens: id, name, scope, expiry, last use, revoked."""
    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        fail(f"No account {email!r}.")
    rows = tokens.tokens_of(session, user)
    for token in rows:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        click.echo(f"{token.id:>5}  {token.prefix}…  {token.scope:5}  {state}  {used}  {token.name}")
    click.echo(f"{len(rows)} token(s).")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id: int):
    """Revoke token TOKEN_ID at once (see `list` for ids): its next request answers 401."""
    session = get_session()
    with database_errors():
        try:
            token = tokens.revoke_token(session=session, token_id=token_id, owner=None, now=now_utc(), by=CLI)
        except tokens.TokenError as exc:
            fail(f"{exc} See `mindet users token list EMAIL`.")
        session.commit()
    click.echo(f"Token {token.id} ({token.name}) revoked.")
