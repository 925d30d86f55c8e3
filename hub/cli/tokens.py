"""`fyt token` and `fyt keys`: minting bearer tokens, their lifetime, and JWT signing keys."""

from __future__ import annotations

from datetime import timedelta

import click

from hub.cli.common import clean_errors, load_settings, ttl_option
from hub.config import Settings, parse_duration

DEFAULT_TTL = timedelta(hours=8)  # tokens minted here, unless HUB_MAX_TOKEN_LIFETIME is shorter


def parse_ttl(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--ttl'") from None


def token_ttl(settings: Settings, value: str | None) -> timedelta:
    """``--ttl`` (default 8 hours, or the maximum if shorter), refused above the maximum."""
    from hub.auth.tokens import describe_duration

    if value is None:
        return min(DEFAULT_TTL, settings.max_token_lifetime)
    ttl = parse_ttl(value)
    if ttl > settings.max_token_lifetime:
        raise click.BadParameter(
            f"{value!r} is longer than the hub's maximum token lifetime of"
            f" {describe_duration(settings.max_token_lifetime)} (HUB_MAX_TOKEN_LIFETIME):"
            " the hub would refuse such a token",
            param_hint="'--ttl'",
        )
    return ttl


@click.group("token")
def token() -> None:
    """Bearer tokens."""


@token.command("issue")
@click.option("--sub", required=True, help="User id.")
@click.option(
    "--org",
    required=True,
    help="court:370602, agency:real_estate, … or enterprise:<USCC> for an enterprise party"
    " (then --sub is the authorised person's ID number).",
)
@click.option(
    "--role", "roles", multiple=True, required=True, help="Role name; repeat for several."
)
@ttl_option("Lifetime")
def token_issue(sub: str, org: str, roles: tuple[str, ...], ttl: str | None) -> None:
    """Mint a token with the configured signing key (development and operations)."""
    from hub.auth.tokens import issue_token, load_private_key

    settings = load_settings()
    lifetime = token_ttl(settings, ttl)
    with clean_errors(ValueError):
        key, kid = load_private_key(settings.private_key_path)
        click.echo(
            issue_token(
                private_key=key,
                kid=kid,
                sub=sub,
                org=org,
                roles=list(roles),
                ttl=lifetime,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            )
        )


@click.group("keys")
def keys() -> None:
    """JWT signing keys."""


@keys.command("generate")
def keys_generate() -> None:
    """Add a new Ed25519 signing key (the JWKS keeps older keys so issued tokens stay valid)."""
    from hub.auth.tokens import generate_signing_key

    settings = load_settings()
    kid = generate_signing_key(settings.private_key_path, settings.public_keys_path)
    click.echo(
        f"new signing key {kid}: {settings.private_key_path}; public keys: {settings.public_keys_path}"
    )
