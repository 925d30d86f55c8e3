"""C2SP checkpoints and signed notes: the Go reference vector, round trips, and every rejection."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from connectors.base.tlog.checkpoint import (
    Checkpoint,
    key_hash,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_vkey,
    sign_note,
    split_note,
    vkey,
)

# The example of golang.org/x/mod/sumdb/note (its package documentation and note_test.go):
# Ed25519 is deterministic, so signing the text with this key must give this exact note.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n"
    + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

# The example of c2sp.org/tlog-checkpoint (its signing key is not published).
SPEC_CHECKPOINT_NOTE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

SHORT_KEY = base64.b64encode(bytes([0x01]) + bytes(31)).decode()  # one byte short

ORIGIN = "hub.example/audit"
ROOT = hashlib.sha256(b"some tree").digest()
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))


def _go_signing_key() -> Ed25519PrivateKey:
    encoded = GO_SIGNER_KEY.split("+", 4)[4]  # the base64 itself contains '+'
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01  # Ed25519
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


def _independent_key_hash(name: str, public_key: bytes) -> bytes:
    """signed-note: key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]."""
    return hashlib.sha256(name.encode() + bytes([0x0A, 0x01]) + public_key).digest()[:4]


def _signed_checkpoint(size: int = 42) -> str:
    return sign_note(Checkpoint(ORIGIN, size, ROOT).body(), ORIGIN, LOG_KEY)


def _log_vkey() -> str:
    return vkey(ORIGIN, LOG_KEY.public_key())


def _replace_signature(note: str, index: int, mutate: int) -> str:
    """The note with byte ``index`` of its (only) decoded signature blob XOR ``mutate``."""
    body, _, line = note.rpartition("\n\n")
    prefix, _, encoded = line.rstrip("\n").rpartition(" ")
    blob = bytearray(base64.b64decode(encoded))
    blob[index] ^= mutate
    return f"{body}\n\n{prefix} {base64.b64encode(bytes(blob)).decode()}\n"


# --- the Go reference vector ---------------------------------------------------------------


def test_go_reference_note_is_reproduced_byte_for_byte() -> None:
    # given
    key = _go_signing_key()

    # when
    note = sign_note(GO_TEXT, "PeterNeumann", key)

    # then
    assert note == GO_NOTE
    assert vkey("PeterNeumann", key.public_key()) == GO_VERIFIER_KEY


def test_go_reference_note_opens() -> None:
    # given
    keys = [GO_VERIFIER_KEY]

    # when
    body = open_note(GO_NOTE, keys)

    # then
    assert body == GO_TEXT


def test_go_reference_note_with_a_changed_byte_is_rejected() -> None:
    # given
    tampered = GO_NOTE.replace("cryptography", "cryptographY")

    # when / then
    with pytest.raises(ValueError, match="does not verify"):
        open_note(tampered, [GO_VERIFIER_KEY])


def test_key_hash_follows_the_signed_note_spec() -> None:
    # given
    name, raw = "PeterNeumann", _go_signing_key().public_key().public_bytes_raw()

    # when
    got = key_hash(name, _go_signing_key().public_key())

    # then
    assert got == _independent_key_hash(name, raw)
    assert got.hex() == "c74f20a3"
    assert key_hash(ORIGIN, LOG_KEY.public_key()) == _independent_key_hash(
        ORIGIN, LOG_KEY.public_key().public_bytes_raw()
    )


# --- verifier keys -------------------------------------------------------------------------


def test_vkey_round_trip() -> None:
    # given
    public_key = WITNESS_KEY.public_key()

    # when
    text = vkey("witness.example/w1", public_key)
    name, key_id, parsed = parse_vkey(text)

    # then
    raw = public_key.public_bytes_raw()
    assert text == (
        "witness.example/w1+"
        + _independent_key_hash("witness.example/w1", raw).hex()
        + "+"
        + base64.b64encode(b"\x01" + raw).decode()
    )
    assert name == "witness.example/w1"
    assert key_id == _independent_key_hash(name, raw)
    assert parsed.public_bytes_raw() == raw


def test_parse_go_vkey() -> None:
    # given
    text = GO_VERIFIER_KEY

    # when
    name, key_id, public_key = parse_vkey(text)

    # then
    assert name == "PeterNeumann"
    assert key_id == bytes.fromhex("c74f20a3")
    assert public_key.public_bytes_raw() == _go_signing_key().public_key().public_bytes_raw()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hexadecimal"),
        ("PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "base64"),
        ("PeterNeumann+c74f20a3+Alpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "0x01"),
        (f"PeterNeumann+c74f20a3+{SHORT_KEY}", "0x01"),
        ("PeterNeumann+c74f20a3", "form"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "spaces"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "non-empty"),
    ],
)
def test_parse_vkey_rejects_malformed_keys(text: str, message: str) -> None:
    # given / when / then
    with pytest.raises(ValueError, match=message):
        parse_vkey(text)


# --- checkpoints -----------------------------------------------------------------------------


def test_checkpoint_body_format() -> None:
    # given
    checkpoint = Checkpoint(ORIGIN, 1234, ROOT)

    # when
    body = checkpoint.body()

    # then
    assert body == f"{ORIGIN}\n1234\n{base64.b64encode(ROOT).decode()}\n"
    assert parse_checkpoint(body) == checkpoint


def test_parse_spec_example_checkpoint() -> None:
    # given
    body, signatures = split_note(SPEC_CHECKPOINT_NOTE)

    # when
    checkpoint = parse_checkpoint(body)

    # then
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert [(name, len(key_id), len(sig)) for name, key_id, sig in signatures] == [
        ("example.com/behind-the-sofa", 4, 64)
    ]


def test_parse_checkpoint_accepts_empty_tree_and_extension_lines() -> None:
    # given
    body = f"{ORIGIN}\n0\n{base64.b64encode(ROOT).decode()}\nextension one\nextension two\n"

    # when
    checkpoint = parse_checkpoint(body)

    # then
    assert checkpoint == Checkpoint(ORIGIN, 0, ROOT)


GOOD_ROOT = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{ORIGIN}\n42\n{GOOD_ROOT}", "end with a newline"),
        (f"{ORIGIN}\n42\n", "got 2 line"),
        (f"\n42\n{GOOD_ROOT}\n", "origin line is empty"),
        (f"{ORIGIN}\n042\n{GOOD_ROOT}\n", "leading zeros"),
        (f"{ORIGIN}\n00\n{GOOD_ROOT}\n", "leading zeros"),
        (f"{ORIGIN}\n-1\n{GOOD_ROOT}\n", "decimal"),
        (f"{ORIGIN}\n+1\n{GOOD_ROOT}\n", "decimal"),
        (f"{ORIGIN}\n 1\n{GOOD_ROOT}\n", "decimal"),
        (f"{ORIGIN}\n\n{GOOD_ROOT}\n", "decimal"),
        (f"{ORIGIN}\n١٢\n{GOOD_ROOT}\n", "decimal"),  # Arabic-Indic digits
        (f"{ORIGIN}\n18446744073709551616\n{GOOD_ROOT}\n", "64 bits"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT[:-2]}!=\n", "not valid base64"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT.rstrip('=')}\n", "not valid base64"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT + b'x').decode()}\n", "33 bytes"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT}\n\nextension\n", "line 4"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT}\r\n", "not valid base64|control character"),
        (f"{ORIGIN}\t\n42\n{GOOD_ROOT}\n", "control character U\\+0009"),
    ],
)
def test_parse_checkpoint_rejects_malformed_bodies(body: str, message: str) -> None:
    # given / when / then
    with pytest.raises(ValueError, match=message):
        parse_checkpoint(body)


def test_parse_checkpoint_rejects_non_canonical_base64() -> None:
    # given: the last base64 digit of a 32-byte value carries 2 unused bits; set one
    last = GOOD_ROOT[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    sloppy = GOOD_ROOT[:-2] + alphabet[alphabet.index(last) | 1] + "="
    assert base64.b64decode(sloppy) == ROOT

    # when / then
    with pytest.raises(ValueError, match="canonical"):
        parse_checkpoint(f"{ORIGIN}\n42\n{sloppy}\n")


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [
        ("", 1, ROOT),
        ("a\nb", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, 2**64, ROOT),
        (ORIGIN, 1, b"x"),
    ],
)
def test_checkpoint_rejects_invalid_fields(origin: str, size: int, root: bytes) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="checkpoint"):
        Checkpoint(origin, size, root)


# --- signing and opening notes ---------------------------------------------------------------


def test_sign_and_open_round_trip() -> None:
    # given
    note = _signed_checkpoint(42)

    # when
    body = open_note(note, [_log_vkey()])
    checkpoint = open_checkpoint(note, [_log_vkey()])

    # then
    assert body == Checkpoint(ORIGIN, 42, ROOT).body()
    assert checkpoint == Checkpoint(ORIGIN, 42, ROOT)
    assert note.startswith(body + "\n— " + ORIGIN + " ")


# Computed outside the hub, with the cryptography package alone: the body spelled out per
# c2sp.org/tlog-checkpoint, the key ID as SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], the
# signature Ed25519 (deterministic) over the body by LOG_KEY.
OUR_NOTE = (
    "hub.example/audit\n"
    "42\n"
    "R2Mk/FPZWdYM0/FBzvui00Sdn5ithHAm9vub3HU1R7Q=\n"
    "\n"
    "— hub.example/audit"
    " xQbAcEWLPHdR1VPZEzA1uVM6RQmyxhO3HclsMhsz1Z7ZrGW31K8seSb28xfd1Mc4FMdHvgKLGECTiBU9JhhpmDkdTgo=\n"
)


def test_our_checkpoint_note_is_reproduced_byte_for_byte() -> None:
    # given the checkpoint of a tree of 42 leaves signed by the log's key
    checkpoint = Checkpoint(ORIGIN, 42, ROOT)

    # when it is signed
    note = sign_note(checkpoint.body(), ORIGIN, LOG_KEY)

    # then it is the note computed independently, and it opens to the checkpoint
    assert note == OUR_NOTE
    assert open_checkpoint(OUR_NOTE, [_log_vkey()]) == checkpoint


def test_signed_note_layout() -> None:
    # given
    body = Checkpoint(ORIGIN, 7, ROOT).body()

    # when
    note = sign_note(body, ORIGIN, LOG_KEY)
    split_body, signatures = split_note(note)

    # then
    [(name, key_id, signature)] = signatures
    assert split_body == body
    assert name == ORIGIN
    assert key_id == _independent_key_hash(ORIGIN, LOG_KEY.public_key().public_bytes_raw())
    LOG_KEY.public_key().verify(signature, body.encode())  # raises if it is not over the body


@pytest.mark.parametrize(
    "tamper",
    [
        lambda note: note.replace("\n42\n", "\n43\n", 1),
        lambda note: note.replace(ORIGIN + "\n", ORIGIN + "x\n", 1),
        lambda note: note.replace(GOOD_ROOT, base64.b64encode(bytes(32)).decode(), 1),
    ],
    ids=["size", "origin", "root"],
)
def test_changed_body_is_rejected(tamper: Callable[[str], str]) -> None:
    # given
    note = tamper(_signed_checkpoint(42))

    # when / then
    with pytest.raises(ValueError, match="does not verify"):
        open_note(note, [_log_vkey()])


@pytest.mark.parametrize("index", [4, 20, 67])
def test_changed_signature_byte_is_rejected(index: int) -> None:
    # given
    note = _replace_signature(_signed_checkpoint(), index, 0x01)

    # when / then
    with pytest.raises(ValueError, match="does not verify"):
        open_note(note, [_log_vkey()])


def test_changed_key_id_makes_the_signature_unknown() -> None:
    # given
    note = _replace_signature(_signed_checkpoint(), 0, 0x80)

    # when / then
    with pytest.raises(ValueError, match="no signature from a known key"):
        open_note(note, [_log_vkey()])


def test_signature_by_a_different_key_under_the_same_name_is_rejected() -> None:
    # given
    note = sign_note(Checkpoint(ORIGIN, 42, ROOT).body(), ORIGIN, OTHER_KEY)

    # when / then
    with pytest.raises(ValueError, match="no signature from a known key"):
        open_note(note, [_log_vkey()])


def test_signature_from_an_unknown_key_name_is_rejected() -> None:
    # given
    note = _signed_checkpoint()

    # when / then
    with pytest.raises(ValueError, match="no signature from a known key"):
        open_note(note, [vkey("someone.else/log", LOG_KEY.public_key())])


def test_forged_signature_with_a_known_key_id_is_rejected() -> None:
    # given: the log's name and key ID, but a signature made by another key
    body = Checkpoint(ORIGIN, 42, ROOT).body()
    key_id = key_hash(ORIGIN, LOG_KEY.public_key())
    forged = base64.b64encode(key_id + OTHER_KEY.sign(body.encode())).decode()
    note = f"{body}\n— {ORIGIN} {forged}\n"

    # when / then
    with pytest.raises(ValueError, match="does not verify"):
        open_note(note, [_log_vkey()])


def test_unknown_signatures_are_ignored() -> None:
    # given: a cosigned note carrying the log's and a witness's signatures
    body = Checkpoint(ORIGIN, 42, ROOT).body()
    witness_line = sign_note(body, "witness.example/w1", WITNESS_KEY).split("\n\n")[-1]
    note = sign_note(body, ORIGIN, LOG_KEY) + witness_line

    # when
    for_log = open_note(note, [_log_vkey()])
    for_witness = open_note(note, [vkey("witness.example/w1", WITNESS_KEY.public_key())])

    # then
    assert for_log == for_witness == body
    assert len(split_note(note)[1]) == 2


def test_a_bad_known_signature_rejects_the_note_even_with_a_good_one() -> None:
    # given
    body = Checkpoint(ORIGIN, 42, ROOT).body()
    bad_witness = _replace_signature(sign_note(body, "witness.example/w1", WITNESS_KEY), 10, 1)
    note = sign_note(body, ORIGIN, LOG_KEY) + bad_witness.split("\n\n")[-1]
    keys = [_log_vkey(), vkey("witness.example/w1", WITNESS_KEY.public_key())]

    # when / then
    with pytest.raises(ValueError, match=r"witness\.example/w1.*does not verify"):
        open_note(note, keys)


def test_duplicate_signature_from_a_known_key_is_rejected() -> None:
    # given
    note = _signed_checkpoint()
    note += note.split("\n\n")[-1]

    # when / then
    with pytest.raises(ValueError, match="two signatures"):
        open_note(note, [_log_vkey()])


def _sig_line() -> str:
    return _signed_checkpoint().split("\n\n")[-1]


@pytest.mark.parametrize(
    ("make_note", "message"),
    [
        (lambda: _signed_checkpoint()[:-1], "end with a newline"),
        (lambda: _signed_checkpoint().replace("\n\n", "\n"), "no blank line"),
        (lambda: _signed_checkpoint().split("\n\n")[0] + "\n\n", "no signature lines"),
        (lambda: _signed_checkpoint().replace("— ", "-- "), "does not start with"),
        (lambda: _signed_checkpoint().replace("— ", "—"), "does not start with"),
        (lambda: _signed_checkpoint() + "\n", "no signature lines"),
        (lambda: _signed_checkpoint() + "— x\n", "no space"),
        (lambda: _signed_checkpoint() + "— x AAAA\n", "too short"),
        (lambda: _signed_checkpoint() + "— x not*base64\n", "not valid base64"),
        (lambda: _signed_checkpoint() + "— x+y AAAAAAA=\n", "spaces or '\\+'"),
        (lambda: _signed_checkpoint().replace(ORIGIN, ORIGIN + "\x00", 1), "control character"),
        (lambda: _signed_checkpoint() + _sig_line() * 100, "at most 100"),
    ],
)
def test_malformed_notes_are_rejected(make_note: Callable[[], str], message: str) -> None:
    # given
    note = make_note()

    # when / then
    with pytest.raises(ValueError, match=message):
        open_note(note, [_log_vkey()])


def test_open_note_needs_verifier_keys() -> None:
    # given
    note = _signed_checkpoint()

    # when / then
    with pytest.raises(ValueError, match="no verifier keys"):
        open_note(note, [])
    with pytest.raises(TypeError, match="list"):
        open_note(note, _log_vkey())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["has space", "has+plus", "", "tab\tname", "nbsp\u00a0name"])
def test_sign_note_rejects_invalid_key_names(name: str) -> None:
    # given
    body = Checkpoint(ORIGIN, 1, ROOT).body()

    # when / then
    with pytest.raises(ValueError, match="key name"):
        sign_note(body, name, LOG_KEY)


@pytest.mark.parametrize(
    ("body", "message"),
    [("no final newline", "end with a newline"), ("bell\x07\n", "control character")],
)
def test_sign_note_rejects_invalid_bodies(body: str, message: str) -> None:
    # given / when / then
    with pytest.raises(ValueError, match=message):
        sign_note(body, ORIGIN, LOG_KEY)


def test_note_text_may_contain_blank_lines() -> None:
    # given: the spec splits at the LAST blank line
    body = "first paragraph\n\nsecond paragraph\n"

    # when
    note = sign_note(body, ORIGIN, LOG_KEY)

    # then
    assert open_note(note, [_log_vkey()]) == body
