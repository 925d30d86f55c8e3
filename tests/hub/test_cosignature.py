"""C2SP tlog-cosignature/v1 (Ed25519): a real witnessed checkpoint, round trips checked by an
independent verifier, and every rejection."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from connectors.base.tlog.checkpoint import (
    Checkpoint,
    add_signatures,
    open_checkpoint,
    parse_vkey,
    sign_note,
    split_note,
    vkey,
)
from connectors.base.tlog.cosignature import CosignerKey, cosign, open_cosignatures, parse_lines

# A checkpoint of the staging CT log arche2025h1.staging.ct.transparency.dev as four public
# witnesses cosigned it (published with their verifier keys in the witness network's lists; the
# log's own line is an RFC 6962 signature, type 0x05, which a cosignature verifier ignores).
REAL_BODY = (
    "arche2025h1.staging.ct.transparency.dev\n"
    "1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
)
REAL_NOTE = (
    REAL_BODY
    + "\n"
    + "— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
    + "— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
    + "— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
    + "— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
    + "— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    + "— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
)
REAL_WITNESSES = [
    "transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM",
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
]
REAL_TIME = 1779573024  # the timestamp all four lines carry
WITNESS_NAME = "fyt-witness.local/real_estate"
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ORIGIN = "hub.example/audit"


def test_a_real_witnessed_checkpoint_verifies_with_the_witnesses_keys() -> None:
    # given the four witnesses' published verifier keys
    keys = [CosignerKey.parse(k) for k in REAL_WITNESSES]
    # when the note's signature lines are checked as cosignatures
    found = open_cosignatures(REAL_NOTE, keys, now=REAL_TIME + 60)
    # then all four verify, with their signed time, and the log's own lines are ignored
    assert found.problems == []
    assert found.valid == {
        "transparency.dev/DEV:witness-little-garden": REAL_TIME,
        "witness1.smartit.nu/witness1": REAL_TIME,
        "remora.n621.de": REAL_TIME,
        "witness.stagemole.eu": REAL_TIME,
    }


def test_a_real_cosignature_on_another_body_does_not_verify() -> None:
    # given the same lines under a checkpoint whose size was changed
    changed = REAL_NOTE.replace("\n1432088532\n", "\n1432088533\n")
    keys = [CosignerKey.parse(k) for k in REAL_WITNESSES]
    # when checked
    found = open_cosignatures(changed, keys, now=REAL_TIME + 60)
    # then none counts, and each is named
    assert found.valid == {}
    assert len(found.problems) == 4
    assert "the cosignature of remora.n621.de does not verify" in " ".join(found.problems)


def test_a_cosignature_from_the_future_is_refused() -> None:
    keys = [CosignerKey.parse(REAL_WITNESSES[2])]
    found = open_cosignatures(REAL_NOTE, keys, now=REAL_TIME - 3600)
    assert found.valid == {}
    assert found.problems == [
        f"the cosignature of remora.n621.de does not verify (timestamp {REAL_TIME} is in the future)"
    ]


def _independent_verify(body: str, line: str, name: str, public_key: bytes) -> int:
    """tlog-cosignature/v1 as its text says, written apart from the code under test."""
    prefix = "— " + name + " "
    assert line.startswith(prefix) and line.endswith("\n")
    blob = base64.b64decode(line[len(prefix) : -1])
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public_key).digest()[:4]
    assert blob[:4] == key_id
    timestamp = int.from_bytes(blob[4:12], "big")
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body.encode()
    Ed25519PublicKey.from_public_bytes(public_key).verify(blob[12:], message)
    return timestamp


def test_a_cosignature_verifies_with_an_independent_verifier() -> None:
    # given a checkpoint body
    body = Checkpoint(ORIGIN, 42, hashlib.sha256(b"tree").digest()).body()
    # when it is cosigned at a fixed time
    line = cosign(body, WITNESS_NAME, WITNESS_KEY, 1_700_000_000)
    # then a verifier written from the spec accepts it, with that time
    public = WITNESS_KEY.public_key().public_bytes_raw()
    assert _independent_verify(body, line, WITNESS_NAME, public) == 1_700_000_000
    # and the line is 4 + 8 + 64 bytes of base64 after the name
    assert len(base64.b64decode(line.split()[-1])) == 76


def test_the_cosigner_vkey_is_type_4_and_not_a_note_key() -> None:
    key = CosignerKey.of(WITNESS_NAME, WITNESS_KEY.public_key())
    public = WITNESS_KEY.public_key().public_bytes_raw()
    expected_id = hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + public).digest()[:4]
    encoded = base64.b64encode(bytes([4]) + public).decode()
    assert key.vkey == f"{WITNESS_NAME}+{expected_id.hex()}+{encoded}"
    assert CosignerKey.parse(key.vkey) == key
    # a type-4 key is no note verifier key, and a note key is no cosigner key
    with pytest.raises(ValueError, match="not 0x01"):
        parse_vkey(key.vkey)
    with pytest.raises(ValueError, match="not 0x04"):
        CosignerKey.parse(vkey(ORIGIN, LOG_KEY.public_key()))


def test_a_cosigned_note_still_opens_with_the_log_key_and_carries_the_cosignature() -> None:
    # given a log-signed checkpoint and a witness's line appended
    body = Checkpoint(ORIGIN, 7, hashlib.sha256(b"seven").digest()).body()
    note = sign_note(body, ORIGIN, LOG_KEY)
    cosigned = add_signatures(note, cosign(body, WITNESS_NAME, WITNESS_KEY, 1_700_000_000))
    # then the log's verifier ignores the cosignature, and the witness's finds it
    assert open_checkpoint(cosigned, [vkey(ORIGIN, LOG_KEY.public_key())]).size == 7
    key = CosignerKey.of(WITNESS_NAME, WITNESS_KEY.public_key())
    assert open_cosignatures(cosigned, [key]).valid == {WITNESS_NAME: 1_700_000_000}
    assert len(split_note(cosigned)[1]) == 2


def test_malformed_and_duplicated_lines() -> None:
    key = CosignerKey.of(WITNESS_NAME, WITNESS_KEY.public_key())
    body = Checkpoint(ORIGIN, 7, hashlib.sha256(b"seven").digest()).body()
    line = cosign(body, WITNESS_NAME, WITNESS_KEY, 1_700_000_000)
    note = add_signatures(sign_note(body, ORIGIN, LOG_KEY), line + line)
    assert open_cosignatures(note, [key]).problems == [f"two cosignatures of {WITNESS_NAME}"]
    # a short blob from a known key ID is reported, not counted
    short = base64.b64encode(key.key_id + bytes(10)).decode()
    note = add_signatures(sign_note(body, ORIGIN, LOG_KEY), f"— {WITNESS_NAME} {short}\n")
    found = open_cosignatures(note, [key])
    assert found.valid == {} and "is 76 bytes, this one 14" in found.problems[0]
    for text in ("no dash\n", "— nameonly\n", "— n !!!\n", "— n AAAA"):
        with pytest.raises(ValueError):
            parse_lines(text)
