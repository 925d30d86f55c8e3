"""Masking rules, declared next to each field's definition and applied in the hub before release.

A field carries a rule with :func:`masked` (``name: str = masked(Mask.NAME)``); the policy
decides per role and org whether that field is read in clear, masked, or denied. A field a
policy masks but that has no rule is withheld (denied): nothing is released unmasked by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import strawberry

MASK_METADATA = "fyt.mask"
SUBJECT_KIND_METADATA = "fyt.mask.kind_attr"


def mask_id_number(value: str) -> str:
    """37**************3X: the province and the last two characters kept, the rest hidden.

    A mask is only as good as the candidates it leaves open: with the region, birth date and
    order code hidden, a caller who could guess the county (from an address) still has about
    330,000 candidates, and look-ups reveal at most HUB_UNKNOWN_SUBJECTS_PER_DAY of them a day
    (hub/policy/probing.py). The earlier 370602********123X left about 3,300."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_name(value: str) -> str:
    """张*三 / 张*: first and last character kept (names of two characters keep the first)."""
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    """138****1234."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """Province, city and district (or county-level city) kept, the rest hidden."""
    cut = 0
    for i, ch in enumerate(value[:12]):
        if i >= 2 and ch in "区县市旗":
            cut = i + 1
    cut = cut or min(6, len(value) // 2)
    return value[:cut] + "****"


def mask_number(value: str) -> str:
    """Certificate and account numbers: first four and last four characters kept."""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


class Mask(Enum):
    """The kinds of personal data a field can hold; the policy refers to them as ``#tag``."""

    ID_NUMBER = ("idNumber", mask_id_number)
    NAME = ("name", mask_name)
    PHONE = ("phone", mask_phone)
    ADDRESS = ("address", mask_address)
    CERTIFICATE = ("certificate", mask_number)
    ACCOUNT = ("account", mask_number)

    def __init__(self, tag: str, fn: Callable[[str], str]) -> None:
        self.tag = tag
        self.fn = fn

    @property
    def policy_object(self) -> str:
        return f"#{self.tag}"


def masked(rule: Mask, *, description: str | None = None, subject_kind: str | None = None) -> Any:
    """A field holding personal data of kind ``rule``.

    ``subject_kind`` names the record attribute telling whether the subject is a PERSON or an
    ENTERPRISE (owner, holder, party fields): enterprise names and USCCs are public register
    data and are never masked.
    """
    metadata: dict[str, Any] = {MASK_METADATA: rule}
    if subject_kind:
        metadata[SUBJECT_KIND_METADATA] = subject_kind
    return strawberry.field(description=description, metadata=metadata)


def apply_mask(rule: Mask, value: Any) -> Any:
    if value is None:
        return None
    return rule.fn(str(value))
