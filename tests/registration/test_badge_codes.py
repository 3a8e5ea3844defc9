"""Badge codes: compact, signed, verifiable with the public key alone, and tied to the badge's version."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registration.badge_codes import CODE_LENGTH, BadCode, make_code, public_key_bytes, read_code

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_a_code_is_short_printable_and_says_what_it_names(app):
    code = make_code(7, 1234, 2)
    assert len(code) == CODE_LENGTH <= 120
    assert code.isascii()
    assert code.isprintable()
    assert " " not in code
    claim = read_code(code)
    assert (claim.event_id, claim.registration_id, claim.version) == (7, 1234, 2)


def test_the_public_key_alone_verifies_a_code(app):
    code = make_code(1, 2, 1)
    public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes())
    assert read_code(code, public_key).registration_id == 2


def test_a_code_signed_with_another_key_is_refused(make_app):
    foreign = make_app(BADGE_SIGNING_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    with foreign.app_context():
        forged = make_code(1, 2, 1)
    with make_app().app_context(), pytest.raises(BadCode):
        read_code(forged)


@pytest.mark.parametrize("index", [0, 2, 10, 50, CODE_LENGTH - 1])
def test_changing_any_one_character_breaks_the_code(app, index):
    code = make_code(3, 99, 1)
    for replacement in ALPHABET[:8]:
        if replacement == code[index]:
            continue
        with pytest.raises(BadCode):
            read_code(code[:index] + replacement + code[index + 1 :])


@pytest.mark.parametrize("garbage", ["", "A1", "hello", "A1" + "é" * 99, "x" * 500, None])
def test_garbage_is_refused_without_crashing(app, garbage):
    with pytest.raises(BadCode):
        read_code(garbage)
