"""The rules of an asynchronous 查控 request: how many subjects, which identifiers, how long banks
get, how soon a bank that failed is asked again.

《民事诉讼法》(2023) 第二百五十三条: 人民法院有权向有关单位查询**被执行人**的存款 … 情况 — so, as for
the look-up of a profile's deposits, every subject must be a 被执行人 (被保全人) of the cited open
case of the judge (:func:`hub.cases.rules.respondent_verdict`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hub.errors import BadUserInput
from hub.identifiers import check_id_number, check_uscc, subject_kind

MAX_SUBJECTS = 1000  # one request; a larger list is split by the court
ANSWER_WITHIN = timedelta(hours=24)  # a bank silent this long after filing is TIMED_OUT
FIRST_RETRY = 5.0  # seconds after a bank's first failure; doubled each time
MAX_RETRY = 600.0


def backoff(attempts: int) -> timedelta:
    """How long to wait before asking again a bank that failed ``attempts`` times in a row."""
    return timedelta(seconds=min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1)))


def subjects(values: Sequence[str]) -> list[tuple[str, str]]:
    """(PERSON | ENTERPRISE, identifier) of each subject, in order; BAD_USER_INPUT naming the
    first one that is not a valid ID number (GB 11643) or USCC (GB 32100), or a repeat."""
    if not values:
        raise BadUserInput(
            "subjects must name at least one subject", argument="subjects", rule="BATCH_EMPTY"
        )
    if len(values) > MAX_SUBJECTS:
        raise BadUserInput(
            f"subjects names {len(values)} subjects; at most {MAX_SUBJECTS} per request — file"
            " several requests",
            argument="subjects",
            rule="BATCH_SIZE",
        )
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, raw in enumerate(values):
        argument = f"subjects[{i}]"
        value = raw.strip().upper() if isinstance(raw, str) else raw
        kind = subject_kind(value)
        key = (
            check_id_number(value, argument=argument)
            if kind == "PERSON"
            else check_uscc(value, argument=argument)
        )
        if key in seen:
            raise BadUserInput(
                f"{argument} repeats {key}; name each subject once",
                argument=argument,
                rule="DUPLICATE_SUBJECT",
            )
        seen.add(key)
        out.append((kind, key))
    return out
