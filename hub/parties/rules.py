"""The rules of a request and of a publication, as functions, each with the article it comes from.

- Who files what: a request is filed against one of the enterprise's own cases; 申请解除 and
  信用修复 by the respondent of the case only (:data:`hub.parties.states.RESPONDENT_KINDS`).
- 信用修复 granted to a respondent that performed removes its entries of the case by the rules
  the sanctions package already applies (:func:`repair_ground`): a dishonest-list entry without a
  term is deleted on 法释〔2017〕7号 第十条第一款第（一）项 (被执行人已履行生效法律文书确定的义务),
  one with a term early on 第二条第二款 (失信被执行人积极履行生效法律文书确定义务 … 人民法院可以决定
  提前删除失信信息), and a consumption restriction is lifted on 法释〔2015〕17号 第九条 (被执行人
  履行完毕生效法律文书确定的义务).
- What is published: 《最高人民法院关于人民法院在互联网公布裁判文书的规定》(法释〔2016〕19号)
  第十条第一款第（一）项 — "人民法院在互联网公布裁判文书时，应当删除下列信息：（一）自然人的家庭
  住址、通讯方式、身份证号码 …" — so a text carrying a natural person's ID number (GB 11643) is
  refused (:func:`refuse_id_numbers`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from connectors.base.identifiers import InvalidIdentifier, validate_id_number
from hub.errors import BadUserInput
from hub.identifiers import check_characters
from hub.sanctions import rules as sanction_rules

MAX_TEXT = 2000  # characters of a request or an answer
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_NAME = 128
MAX_TITLE = 128
MAX_DOCUMENT = 20_000  # characters of a published text
SHA256_HEX = re.compile(r"[0-9a-f]{64}")

PUBLICATION_BASIS = "法释〔2016〕19号 第十条第一款第（一）项"
# A run of digits (an X last) that could hold ID numbers, not inside a longer run of letters and
# digits: written together or in groups parted by up to three spaces, hyphens, dashes or line
# breaks (the NFKC form of no-break, ideographic and full-width ones), as people write a number
# out: 370602 19800102 0125, 3706-0219-8001-0201-25
_SEPARATOR = r"[ \n\-\u2010-\u2015\u2212]"
_RUN = re.compile(
    rf"(?<![0-9A-Za-z])[0-9](?:{_SEPARATOR}{{0,3}}[0-9])*(?:{_SEPARATOR}{{0,3}}[Xx])?(?![0-9A-Za-z])"
)
_ID_LENGTH = 18


def long_text(value: str, name: str, limit: int) -> str:
    """A text of several lines: stripped, 1 to ``limit`` characters; line feeds allowed (CR LF
    read as LF), any other control, format or separator character BAD_USER_INPUT (rule
    CONTROL_CHARACTER), as in every text argument; too long or empty BAD_USER_INPUT (rule
    TEXT_LENGTH)."""
    lines = (value or "").replace("\r\n", "\n").split("\n")
    for line in lines:
        check_characters(line, argument=name)
    text = "\n".join(lines).strip()
    if not text or len(text) > limit:
        raise BadUserInput(
            f"{name} must be 1 to {limit} characters", argument=name, rule="TEXT_LENGTH"
        )
    return text


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment as the hub records it: its name and the SHA-256 of its bytes (the file
    itself stays with the filer's system)."""

    name: str
    sha256: str


def attachment(name: str, sha256: str, index: int) -> Attachment:
    argument = f"attachments[{index}]"
    check_characters(name or "", argument=f"{argument}.name")
    clean = (name or "").strip()
    if not clean or len(clean) > MAX_ATTACHMENT_NAME:
        raise BadUserInput(
            f"{argument}.name must be 1 to {MAX_ATTACHMENT_NAME} characters",
            argument=f"{argument}.name",
            rule="TEXT_LENGTH",
        )
    digest = (sha256 or "").strip().lower()
    if not SHA256_HEX.fullmatch(digest):
        raise BadUserInput(
            f"{argument}.sha256 must be the SHA-256 of the file as 64 hexadecimal characters",
            argument=f"{argument}.sha256",
            rule="SHA256_HEX",
        )
    return Attachment(clean, digest)


def attachments(given: list[tuple[str, str]]) -> tuple[Attachment, ...]:
    if len(given) > MAX_ATTACHMENTS:
        raise BadUserInput(
            f"attachments: at most {MAX_ATTACHMENTS}", argument="attachments", rule="BATCH_SIZE"
        )
    return tuple(attachment(name, digest, i) for i, (name, digest) in enumerate(given))


def _ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII digit (٣ or ３ as 3), one character for one."""
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text
    )


def id_numbers_in(text: str) -> list[int]:
    """Where ``text`` holds a valid GB 11643 ID number — written together or in groups parted
    by a few spaces, hyphens or line breaks, any script's decimal digits read as digits: the
    1-based positions of their first characters. A number found begins and ends at the ends of
    groups (so none is read out of the middle of a longer one, such as a card number)."""
    folded = _ascii_digits(unicodedata.normalize("NFKC", text))  # positions: the folded text's
    found = []
    for match in _RUN.finditer(folded):
        # the run's characters other than separators, with where each stands and whether a
        # group starts before it or ends after it
        at = [i for i in range(match.start(), match.end()) if folded[i].isalnum()]
        starts = [k == 0 or at[k - 1] != at[k] - 1 for k in range(len(at))]
        ends = [k == len(at) - 1 or at[k + 1] != at[k] + 1 for k in range(len(at))]
        for k in range(len(at) - _ID_LENGTH + 1):
            if not (starts[k] and ends[k + _ID_LENGTH - 1]):
                continue
            try:
                validate_id_number("".join(folded[i] for i in at[k : k + _ID_LENGTH]))
            except InvalidIdentifier:
                continue
            found.append(at[k] + 1)
    return found


def refuse_id_numbers(text: str, argument: str) -> None:
    """BAD_USER_INPUT (rule ID_NUMBER_IN_TEXT) when a text to be published carries a natural
    person's ID number (法释〔2016〕19号 第十条第一款第（一）项: 身份证号码 is deleted before a
    document is published on the internet)."""
    positions = id_numbers_in(text)
    if positions:
        raise BadUserInput(
            f"{argument} carries a natural person's ID number at position"
            f" {', '.join(map(str, positions))}; delete it before publishing"
            f" ({PUBLICATION_BASIS}: 自然人的身份证号码 is removed from published documents)",
            argument=argument,
            rule="ID_NUMBER_IN_TEXT",
        )


def repair_ground(list_: str, *, has_term: bool) -> str:
    """The ground on which a granted 信用修复 ends one entry of a respondent that performed, by
    the sanctions package's own rules (:func:`hub.sanctions.rules.end_of` checks it again)."""
    if list_ == "DISHONEST":
        # with a term 第十条第一款 does not apply (第十条第二款); early deletion, 第二条第二款
        return sanction_rules.EARLY if has_term else "PERFORMED"
    return "PERFORMED"  # 法释〔2015〕17号 第九条: 被执行人履行完毕生效法律文书确定的义务
