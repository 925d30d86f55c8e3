"""Token keys from the identity provider: its JWKS fetched with PyJWKClient, cached, refreshed.

``HUB_JWT_JWKS_URL`` names the court's identity provider's JWKS. :class:`ProviderKeys` is the
mapping of key id to Ed25519 key the :class:`~hub.auth.tokens.TokenVerifier` reads: the keys of
the ``HUB_JWT_PUBLIC_KEYS`` file when one is named (they win on a clash of key ids), then the
provider's. PyJWT's ``PyJWKClient`` fetches the set (with ``HUB_JWT_JWKS_TIMEOUT``) and caches
it for ``HUB_JWT_JWKS_CACHE_SECONDS``; its fetch blocks, so it runs in a worker thread, never on
the event loop. The keys last fetched stay in use while the provider cannot be reached or
answers nonsense: an outage of the identity provider does not stop a hub that holds its keys.

When a token names a key id the hub does not hold, the set is fetched again at once (a new key
the provider started signing with), at most once every ``forced_every`` seconds so that tokens
with made-up key ids cannot make the hub hammer the provider. HTTP requests wait for that fetch
(:class:`FreshKeys`, before the token is verified); a websocket's ``connection_init`` cannot, so
it is refused while the fetch runs, and the client's next attempt finds the key.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt import PyJWKClient, PyJWTError
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.auth.tokens import load_public_keys
from hub.config import Settings
from hub.periodic import Periodic

log = logging.getLogger("hub.auth")
Keys = Mapping[str | None, Ed25519PublicKey]
USER_AGENT = "fyt-hub"
FORCED_EVERY = 10.0  # seconds between fetches asked for by unknown key ids
RETRY_EVERY = 5.0  # seconds between attempts while the provider fails (and cache checks)


class ProviderKeys(Mapping[str | None, Ed25519PublicKey]):
    """The verification keys: a file's, then the identity provider's JWKS (fetched, cached).

    Nothing is fetched when it is made: :meth:`refresh` fetches (the serving hub calls it at
    start and then every few seconds, :class:`KeyRefresh`); until a fetch succeeds only the
    file's keys are there. ``on_change`` is called when a fetch changes the set (the verifier
    forgets the tokens it verified, so a key the provider withdrew stops working at once).
    """

    def __init__(
        self,
        url: str,
        *,
        file_keys: Keys | None = None,
        lifespan: float = 300.0,
        timeout: float = 5.0,
        forced_every: float = FORCED_EVERY,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.forced_every = forced_every
        self.on_change = on_change
        self._clock = clock
        self._client = PyJWKClient(
            url,
            cache_keys=False,  # its per-kid cache never expires: a withdrawn key would live on
            cache_jwk_set=True,
            lifespan=lifespan,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
        )
        self._file: dict[str | None, Ed25519PublicKey] = dict(file_keys or {})
        self._provider: dict[str | None, Ed25519PublicKey] = {}
        self._keys: dict[str | None, Ed25519PublicKey] = dict(self._file)
        self._lock = asyncio.Lock()
        self._forced_at: float | None = None
        self._pending: set[asyncio.Task[bool]] = set()
        self.fetched_at: datetime | None = None  # the last fetch that succeeded
        self.failing_since: datetime | None = None
        self.last_error: str | None = None

    # --- the mapping the verifier reads ------------------------------------------------------

    def __getitem__(self, kid: str | None) -> Ed25519PublicKey:
        return self._keys[kid]

    def __iter__(self) -> Iterator[str | None]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, kid: str | None, default: Any = None) -> Any:
        """The key of ``kid``; an unknown key id also asks for a fetch in the background (a
        websocket's token is verified where nothing can wait for it)."""
        key = self._keys.get(kid)
        if key is not None:
            return key
        if isinstance(kid, str) and not self._pending and not self._forced_recently():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return default
            task = loop.create_task(self.find(kid))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return default

    # --- fetching ----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether any token can be verified: the file's keys, or a fetch succeeded."""
        return bool(self._file) or self.fetched_at is not None

    def _fetch(self, refresh: bool) -> dict[str | None, Ed25519PublicKey]:
        """The provider's Ed25519 signing keys by key id (blocking: run in a thread)."""
        keys: dict[str | None, Ed25519PublicKey] = {}
        for jwk in self._client.get_jwk_set(refresh=refresh).keys:
            if jwk.key_id and jwk.public_key_use in ("sig", None):
                if isinstance(jwk.key, Ed25519PublicKey):
                    keys[jwk.key_id] = jwk.key
        if not keys:
            raise ValueError("it holds no Ed25519 signing key with a key id (tokens are EdDSA)")
        return keys

    async def refresh(self, *, force: bool = False) -> bool:
        """Fetch the set (from PyJWKClient's cache while it is fresh, unless ``force``); False
        when the provider could not be read, and the keys held stay."""
        async with self._lock:
            return await self._refresh(force)

    async def find(self, kid: str) -> bool:
        """Whether ``kid`` is known, fetching the set once more for it if the last such fetch
        is ``forced_every`` seconds ago or more."""
        if kid in self._keys:
            return True
        async with self._lock:  # a fetch under way may bring it
            if kid in self._keys:
                return True
            if self._forced_recently():
                return False
            self._forced_at = self._clock()
            await self._refresh(True)
            return kid in self._keys

    async def settled(self) -> None:
        """Wait for the fetches unknown key ids started in the background."""
        await asyncio.gather(*self._pending, return_exceptions=True)

    def _forced_recently(self) -> bool:
        return self._forced_at is not None and self._clock() - self._forced_at < self.forced_every

    async def _refresh(self, force: bool) -> bool:
        try:
            fetched = await asyncio.to_thread(self._fetch, force)
        except (PyJWTError, ValueError, OSError) as exc:
            self._failed(exc)
            return False
        now = datetime.now(UTC)
        if self.failing_since is not None:
            log.warning("token keys: %s answers again (%d keys)", self.url, len(fetched))
        self.fetched_at, self.failing_since, self.last_error = now, None, None
        if fetched != self._provider:
            clash = sorted(str(k) for k in fetched.keys() & self._file.keys())
            if clash:
                log.warning("token keys: the file's keys %s stand over the provider's", clash)
            self._provider = fetched
            self._keys = {**fetched, **self._file}
            log.info("token keys: %d from %s", len(fetched), self.url)
            if self.on_change is not None:
                self.on_change()
        return True

    def _failed(self, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if self.failing_since is None:
            self.failing_since = datetime.now(UTC)
            held = f"{len(self._provider)} keys fetched" if self._provider else "no keys fetched"
            log.error(
                "token keys: cannot read %s (%s); %s are used meanwhile", self.url, message, held
            )
        self.last_error = message

    def describe(self) -> dict[str, Any]:
        """For /readyz: where the keys come from and how fresh they are."""
        return {
            "jwksUrl": self.url,
            "keys": len(self._keys),
            "fetchedAt": self.fetched_at.isoformat() if self.fetched_at else None,
            "error": None
            if self.failing_since is None
            else f"failing since {self.failing_since.isoformat()} ({self.last_error})",
        }


def open_token_keys(settings: Settings) -> Keys:
    """The keys tokens are verified with: the file's, and the provider's when a JWKS URL is
    set (the file is then read only when ``HUB_JWT_PUBLIC_KEYS`` names one)."""
    if settings.jwt_jwks_url is None:
        return load_public_keys(settings.public_keys_path)
    file_keys = load_public_keys(settings.jwt_public_keys) if settings.jwt_public_keys else {}
    return ProviderKeys(
        settings.jwt_jwks_url,
        file_keys=file_keys,
        lifespan=settings.jwt_jwks_cache_seconds,
        timeout=settings.jwt_jwks_timeout,
    )


class KeyRefresh(Periodic):
    """Keeps :class:`ProviderKeys` fresh in a serving hub: every few seconds PyJWKClient's cache
    is asked (a fetch once it is older than its lifespan), and a failing provider is retried."""

    name = "token keys"

    def __init__(self, keys: ProviderKeys, interval: float = RETRY_EVERY) -> None:
        super().__init__(interval)
        self.keys = keys

    async def tick(self) -> None:
        await self.keys.refresh()


def token_kid(authorization: str | None) -> str | None:
    """The ``kid`` in a bearer token's header, or None for anything else (never raises: the
    verifier refuses a malformed token with its own words)."""
    if not authorization or len(authorization) > 9000:
        return None
    scheme, _, token = authorization.strip(" \t").partition(" ")
    if scheme.lower() != "bearer":
        return None
    encoded = token.strip(" ").partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) and 0 < len(kid) <= 128 else None


class FreshKeys:
    """ASGI middleware: an HTTP request whose bearer token names a key id the hub does not hold
    waits for one fetch of the provider's set (rate-limited) before the token is verified."""

    def __init__(self, app: ASGIApp, keys_of: Callable[[Scope], ProviderKeys | None]) -> None:
        self.app = app
        self.keys_of = keys_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            keys = self.keys_of(scope)
            if keys is not None:
                kid = token_kid(_authorization(scope))
                if kid is not None and kid not in keys:
                    await keys.find(kid)
        await self.app(scope, receive, send)


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None
