"""The running hub: settings, the hub database engine, every source by name, the token verifier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from connectors import registry
from hub.auth.tokens import TokenVerifier, load_public_keys
from hub.config import Settings
from hub.db.engine import create_hub_engine
from hub.federation.court import CourtSource
from hub.policy.fields import schema_fields
from hub.policy.table import FieldInfo, PolicyTable


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sources: dict[str, Any]
    verifier: TokenVerifier
    policy: PolicyTable
    policy_fields: dict[str, FieldInfo]
    timeouts: dict[str, float] = field(default_factory=dict)

    @classmethod
    def open(
        cls, settings: Settings, schema: Any, *, sources: Mapping[str, Any] | None = None
    ) -> Runtime:
        """Open engines and sources; ``sources`` replaces named sources (tests, fakes)."""
        engine = create_hub_engine(settings.database_url)
        opened: dict[str, Any] = {"court": CourtSource(engine)}
        for name, conf in settings.connectors.items():
            if sources and name in sources:
                continue
            opened[name] = registry.get(name).embedded(conf.url)
        opened.update(sources or {})
        timeouts = {name: conf.timeout for name, conf in settings.connectors.items()}
        timeouts["court"] = 5.0
        policy_fields = schema_fields(schema)
        policy = PolicyTable.load(settings.policy_dir, policy_fields)
        verifier = TokenVerifier(
            load_public_keys(settings.public_keys_path),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        return cls(
            settings=settings,
            engine=engine,
            sources=opened,
            verifier=verifier,
            policy=policy,
            policy_fields=policy_fields,
            timeouts=timeouts,
        )

    def reload_policy(self) -> PolicyTable:
        """Load the policy files again and swap the table in one assignment.

        A bad policy raises :class:`PolicyError` and the old table keeps serving.
        """
        table = PolicyTable.load(self.settings.policy_dir, self.policy_fields)
        self.policy = table
        return table

    async def close(self) -> None:
        for source in self.sources.values():
            close = getattr(source, "close", None)
            if close is not None:
                close()
        await self.engine.dispose()
