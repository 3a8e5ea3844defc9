"""Badge codes: what a badge's QR code holds, signed with Ed25519 so that it cannot be guessed or forged.

    A1<base64url(event_id u32 | registration_id u32 | badge_version u16 | signature 64 bytes)>

101 printable ASCII characters, readable by any QR decoder and typed as-is by USB scanners. The signature
covers the prefix and the ten payload bytes, so anyone holding the public key (a scanner page that lost its
network) can tell a real code from a forged one. Ed25519 signatures are deterministic: the code of a given
(event, registration, version) is always the same, so it needs no storage, and the codes of earlier versions
(revoked by a reissue) can be listed again for the offline revocation list.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app

PREFIX = "A1"
_PAYLOAD = struct.Struct(">IIH")
_SIGNATURE_BYTES = 64
CODE_LENGTH = len(PREFIX) + len(base64.urlsafe_b64encode(bytes(_PAYLOAD.size + _SIGNATURE_BYTES)).rstrip(b"="))


class BadCode(ValueError):
    """Not a badge code of ours: wrong shape, or a signature that does not match."""


@dataclass(frozen=True)
class BadgeClaim:
    """What a verified code says."""

    event_id: int
    registration_id: int
    version: int


@lru_cache(maxsize=8)
def _private_key(seed_b64: str) -> Ed25519PrivateKey:
    seed = base64.b64decode(seed_b64, validate=True)
    if len(seed) != 32:
        raise ValueError("BADGE_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return _private_key(current_app.config["BADGE_SIGNING_KEY"])


def public_key_bytes() -> bytes:
    """The raw 32-byte public key (API.md: base64 of it in the offline bundle)."""
    return signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def make_code(event_id: int, registration_id: int, version: int) -> str:
    payload = _PAYLOAD.pack(event_id, registration_id, version)
    signature = signing_key().sign(PREFIX.encode() + payload)
    return PREFIX + base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode("ascii")


def badge_code_for(registration) -> str:
    """The current code of a registration (its `badge_version`)."""
    return make_code(registration.event_id, registration.id, registration.badge_version)


def read_code(code: str, public_key: Ed25519PublicKey | None = None) -> BadgeClaim:
    """Check the code's shape and signature and say what it claims. Raises BadCode."""
    code = (code or "").strip()
    if len(code) != CODE_LENGTH or not code.startswith(PREFIX) or not code.isascii():
        raise BadCode("not a badge code")
    body = code[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadCode("not base64url") from exc
    # Re-encoding must give the same text: otherwise two spellings would name one badge.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise BadCode("not canonical")
    payload, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    try:
        (public_key or signing_key().public_key()).verify(signature, PREFIX.encode() + payload)
    except InvalidSignature as exc:
        raise BadCode("bad signature") from exc
    event_id, registration_id, version = _PAYLOAD.unpack(payload)
    return BadgeClaim(event_id, registration_id, version)
