"""What an asset may be subjected to and what a case already holds: the kind that follows the
asset, one measure per asset and case, and the over-seizure check (超标的查封).

Pure rules and the reads they need; :mod:`hub.orders.workflow` applies them when an order is
submitted or assessed.

**The kind follows the asset** (rule ``KIND_FOR_ASSET``). 《民事诉讼法》(2023 修正) 第二百五十五条
names three measures — 查封、扣押、冻结 — and 查封规定 (法释〔2004〕15号, 2020 修正) 第二条 the
property each is for: 被执行人占有的动产 (查封、扣押), 登记在被执行人名下的不动产、特定动产 (查封;
a vehicle is a 特定动产, which may also be 扣押, taken into the court's control) 及其他财产权
(冻结: an equity stake is 其他财产权, 《最高人民法院关于人民法院强制执行股权若干问题的规定》
法释〔2021〕20号 speaks of 冻结股权 throughout); deposits are frozen (《民事诉讼法》第二百五十三条:
人民法院有权向有关单位查询被执行人的存款……并有权根据不同情形扣押、冻结、划拨、变价). So: real estate
查封 (SEIZE); a vehicle 查封 or 扣押 (SEIZE / DETAIN); an equity stake or a deposit account 冻结
(FREEZE).

**A freeze of deposits is of an amount** (rule ``AMOUNT``): more than zero, in cents, in the
account's currency, and not above the case's outstanding amount (冻结……以其价额足以清偿法律文书确定的
债权额及执行费用为限, 查封规定 第十九条). The hub holds no exchange rates, so it compares amounts in
CNY only: an account kept in another currency is frozen on paper.

**One measure per asset and case.** While an order of a case on an asset is on its way or
holds it (SUBMITTED, DELIVERED, WAITING, EFFECTIVE), a second one of the same case on the same
asset is refused (``CONFLICT``, naming the order): the case already holds the asset, and a
second entry in the agency's waiting line would only rank behind its own. A renewal (续封) or a
release and a new order is the way to change it. Other cases' orders wait in line as before.

**Over-seizure (超标的查封).** 查封规定 第十九条 (2020 修正; 第二十一条 of the 2004 text):
"查封、扣押、冻结被执行人的财产，以其价额足以清偿法律文书确定的债权额及执行费用为限，不得明显
超标的额查封、扣押、冻结。" The hub cannot appraise property, so it compares what it knows: the
case's outstanding amount (``cases.amount``, 执行标的) with the **known value** of the assets the
case's orders hold, plus the asset being submitted. The known value of an asset is

- real estate: the unit's registered area (m², the registry's) × ``HUB_REFERENCE_PRICE_PER_SQM``
  × the shares of it the case's respondents own;
- an equity stake: its subscribed capital (认缴出资, market supervision's register, in 10,000
  CNY) — the respondent's share of the registered capital;
- a vehicle: unknown (public security holds no value); unknown values are counted, not guessed.

A submission that takes the known total above ``HUB_OVER_SEIZURE_FACTOR`` (default 2) times the
outstanding amount clearly exceeds it and needs the judge's explicit confirmation with a reason
(``overSeizureReason``, rule ``OVER_SEIZURE``), which goes into the ``ORDER_SUBMIT`` audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.errors import BadUserInput
from hub.orders.models import freeze_orders
from hub.orders.states import AssetType, OrderKind

KINDS_FOR_ASSET: Mapping[AssetType, tuple[OrderKind, ...]] = {
    AssetType.REAL_ESTATE: (OrderKind.SEIZE,),
    AssetType.VEHICLE: (OrderKind.SEIZE, OrderKind.DETAIN),
    AssetType.EQUITY: (OrderKind.FREEZE,),
    AssetType.DEPOSIT: (OrderKind.FREEZE,),
}
KIND_NAMES = {OrderKind.SEIZE: "查封", OrderKind.DETAIN: "扣押", OrderKind.FREEZE: "冻结"}
ASSET_NAMES = {
    AssetType.REAL_ESTATE: "不动产",
    AssetType.VEHICLE: "车辆",
    AssetType.EQUITY: "股权",
    AssetType.DEPOSIT: "存款",
}
# An order holds its asset for its case from submission until it is rejected, released or lapses.
HOLDING = ("SUBMITTED", "DELIVERED", "WAITING", "EFFECTIVE")
TEN_THOUSAND = Decimal(10_000)  # subscribed capital is registered in 10,000 CNY


def check_kind(kind: OrderKind, asset_type: AssetType) -> None:
    """The measure must be one the asset's kind of property takes (see the module docstring)."""
    allowed = KINDS_FOR_ASSET[asset_type]
    if kind not in allowed:
        names = " or ".join(f"{k.value} ({KIND_NAMES[k]})" for k in allowed)
        raise BadUserInput(
            f"{asset_type.value} ({ASSET_NAMES[asset_type]}) takes {names}, not {kind.value}"
            f" ({KIND_NAMES[kind]}): 查封规定 第二条 — real estate is seized, a vehicle seized or"
            " detained, an equity stake or deposits frozen",
            argument="kind",
            rule="KIND_FOR_ASSET",
        )


@dataclass(frozen=True, slots=True)
class HeldMeasure:
    """An order of the case that holds its asset (on its way, waiting or in effect)."""

    order_id: str
    kind: str
    asset_type: str
    asset_id: str
    status: str
    amount: Decimal | None = None  # a freeze of deposits: what it holds or asks for


async def held_in_case(
    conn: AsyncConnection, case_number: str, *, court_code: str, except_key: str | None = None
) -> list[HeldMeasure]:
    """The orders of the court's case that hold their asset, oldest first; ``except_key`` leaves
    out the order of that idempotency key (a resubmission is judged as the first submission)."""
    stmt = (
        select(
            freeze_orders.c.id,
            freeze_orders.c.kind,
            freeze_orders.c.asset_type,
            freeze_orders.c.asset_id,
            freeze_orders.c.status,
            func.coalesce(freeze_orders.c.frozen_amount, freeze_orders.c.amount),
        )
        .where(
            freeze_orders.c.court_code == court_code,
            freeze_orders.c.case_number == case_number,
            freeze_orders.c.status.in_(HOLDING),
        )
        .order_by(freeze_orders.c.submitted_at, freeze_orders.c.id)
    )
    if except_key is not None:
        stmt = stmt.where(freeze_orders.c.idempotency_key != except_key)
    return [HeldMeasure(*r) for r in await conn.execute(stmt)]


def holding(
    measures: Sequence[HeldMeasure], asset_type: AssetType, asset_id: str
) -> HeldMeasure | None:
    """The case's order that already holds this asset, if any."""
    return next(
        (m for m in measures if (m.asset_type, m.asset_id) == (asset_type.value, asset_id)), None
    )


async def lock_case(conn: AsyncConnection, case_number: str) -> None:
    """Serialise submissions of one case (PostgreSQL; SQLite's write lock already does), so two
    concurrent submissions of the same asset cannot both pass the one-measure rule."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"case:{case_number}"}
        )


# --- valuation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """What the owning agency registers about an asset that the rules need."""

    owners: Mapping[str, Decimal]  # owner id -> share of the asset (1 = sole owner)
    area: Decimal | None = None  # m² (real estate)
    capital: Decimal | None = None  # subscribed capital, 10,000 CNY (an equity stake)
    currency: str | None = None  # the account's currency (deposits)
    agency: str | None = None  # the bank that keeps the account (deposits): bank:<code>


@dataclass(frozen=True, slots=True)
class Valuation:
    """The settings of the over-seizure check (HUB_REFERENCE_PRICE_PER_SQM, HUB_OVER_SEIZURE_FACTOR)."""

    price_per_sqm: Decimal
    factor: Decimal


def known_value(
    asset_type: AssetType | str,
    facts: AssetFacts | None,
    holders: frozenset[str],
    valuation: Valuation,
) -> Decimal | None:
    """What the asset is known to be worth to the case (CNY, whole yuan): the part the case's
    respondents (``holders``) own. None when the agency holds no value for it."""
    if facts is None:
        return None
    share = sum((s for owner, s in facts.owners.items() if owner in holders), Decimal(0))
    if not share:
        return None
    kind = AssetType(asset_type)
    if kind is AssetType.REAL_ESTATE and facts.area is not None:
        return (facts.area * valuation.price_per_sqm * share).quantize(Decimal(1))
    if kind is AssetType.EQUITY and facts.capital is not None:
        return (facts.capital * TEN_THOUSAND * share).quantize(Decimal(1))
    return None


@dataclass(frozen=True, slots=True)
class ValuedMeasure:
    measure: HeldMeasure
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The case's outstanding amount beside the known value of what it holds (and of the asset
    about to be added): 查封规定 第十九条."""

    case_number: str
    outstanding: Decimal
    factor: Decimal
    measures: list[ValuedMeasure] = field(default_factory=list)
    asset_value: Decimal | None = None
    respondents: tuple[str, ...] = ()  # the owners of the asset assessed who are respondents
    facts: AssetFacts | None = None  # what the agency registers about the asset assessed

    @property
    def seized_value(self) -> Decimal:
        return sum((m.value for m in self.measures if m.value is not None), Decimal(0))

    @property
    def unvalued(self) -> int:
        return sum(m.value is None for m in self.measures)

    @property
    def threshold(self) -> Decimal:
        return (self.outstanding * self.factor).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal:
        return self.seized_value + (self.asset_value or Decimal(0))

    @property
    def exceeds(self) -> bool:
        """The known total clearly exceeds the outstanding amount (above factor × outstanding)."""
        return self.total > self.threshold

    def detail(self) -> dict[str, Any]:
        """For the audit entry (canonical JSON: amounts as strings)."""
        return {
            "outstanding": str(self.outstanding),
            "seizedValue": str(self.seized_value),
            "unvaluedMeasures": self.unvalued,
            "assetValue": None if self.asset_value is None else str(self.asset_value),
            "threshold": str(self.threshold),
            "exceeds": self.exceeds,
        }

    def refusal(self, asset: str) -> BadUserInput:
        """The submission needs a confirmation it does not carry."""
        value = "unknown" if self.asset_value is None else f"{self.asset_value}"
        return BadUserInput(
            f"case {self.case_number} has {self.outstanding} CNY outstanding; its measures are"
            f" known to hold {self.seized_value} CNY ({self.unvalued} more of unknown value) and"
            f" {asset} about {value} CNY: {self.total} CNY together, more than {self.factor} times"
            " the outstanding amount. 查封规定 第十九条: 不得明显超标的额查封、扣押、冻结 — to submit"
            " anyway, confirm with overSeizureReason (why this asset is needed)",
            argument="overSeizureReason",
            rule="OVER_SEIZURE",
        )


CENT = Decimal("0.01")


def check_amount(
    amount: Decimal | None, *, currency: str, facts: AssetFacts, outstanding: Decimal
) -> Decimal:
    """The amount of a freeze of deposits (see the module's words), exact to the cent."""
    if amount is None:
        raise BadUserInput(
            "a freeze of deposits names the amount to freeze (amount)",
            argument="amount",
            rule="AMOUNT_REQUIRED",
        )
    if not amount.is_finite() or amount <= 0:
        raise BadUserInput(
            f"amount {amount} must be more than zero", argument="amount", rule="AMOUNT_POSITIVE"
        )
    if amount != amount.quantize(CENT):
        raise BadUserInput(
            f"amount {amount} has more than two decimal places (cents)",
            argument="amount",
            rule="AMOUNT_CENTS",
        )
    if facts.currency is not None and currency != facts.currency:
        raise BadUserInput(
            f"the account is kept in {facts.currency}, not {currency}; name its currency",
            argument="currency",
            rule="CURRENCY_OF_ACCOUNT",
        )
    if currency != "CNY":
        raise BadUserInput(
            f"the hub compares amounts with the case's outstanding amount in CNY and holds no"
            f" exchange rate for {currency}: serve a freeze of this account on paper",
            argument="currency",
            rule="CURRENCY_NOT_CNY",
        )
    if amount > outstanding:
        raise BadUserInput(
            f"amount {amount} is more than the case's outstanding amount {outstanding} CNY;"
            " 查封规定 第十九条: 以其价额足以清偿法律文书确定的债权额及执行费用为限",
            argument="amount",
            rule="AMOUNT_ABOVE_OUTSTANDING",
        )
    return amount.quantize(CENT)
