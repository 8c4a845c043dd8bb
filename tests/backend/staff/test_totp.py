"""The TOTP arithmetic against RFC 6238's own test vectors, the +/- 1 step window and single use,
with the time always given (never the real clock)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pyotp

from backend.staff import totp

# RFC 6238 appendix B: the SHA-1 secret is the ASCII "12345678901234567890"
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_codes_are_rfc_6238_codes():
    # the RFC's 8-digit SHA-1 values at T = 59 and T = 1111111109; six digits are their last six
    assert totp.code_at(RFC_SECRET, 59 // 30) == "287082"  # 94287082
    assert totp.code_at(RFC_SECRET, 1111111109 // 30) == "081804"  # 07081804
    assert pyotp.TOTP(RFC_SECRET, digits=8).at(1234567890) == "89005924"  # the library agrees with the RFC


def test_a_code_is_accepted_one_step_either_side_and_no_further():
    now = datetime(2026, 5, 4, 10, 0, 15, tzinfo=UTC)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now=now, after_step=0) == step + offset
    for offset in (-2, 2, 10):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now=now, after_step=0) is None


def test_each_code_works_once_and_older_codes_never_after_a_newer_one():
    now = datetime(2026, 5, 4, 10, 0, 15, tzinfo=UTC)
    step = totp.step_at(now)
    code = totp.code_at(RFC_SECRET, step)
    assert totp.matching_step(RFC_SECRET, code, now=now, after_step=step) is None
    newer = totp.code_at(RFC_SECRET, step + 1)
    assert totp.matching_step(RFC_SECRET, newer, now=now + timedelta(seconds=5), after_step=step) == step + 1
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 1), now=now, after_step=step) is None


def test_typing_slips_and_garbage():
    now = datetime(2026, 5, 4, 10, 0, 15, tzinfo=UTC)
    code = totp.code_at(RFC_SECRET, totp.step_at(now))
    assert totp.matching_step(RFC_SECRET, f"{code[:3]} {code[3:]}", now=now, after_step=0) is not None
    for typed in ("", "12345", "1234567", "abcdef", "12345\x00"):
        assert totp.matching_step(RFC_SECRET, typed, now=now, after_step=0) is None


def test_recovery_codes_are_ten_distinct_high_entropy_codes_kept_as_digests():
    codes = totp.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(c) == 19 and c.count("-") == 3 for c in codes)
    assert not set("".join(codes)) & set("01ILO")
    typed = codes[0].lower().replace("-", " ")
    assert totp.recovery_hash(typed) == totp.recovery_hash(codes[0])
    assert totp.recovery_hash(codes[0]) != totp.recovery_hash(codes[1])
    assert codes[0] not in totp.recovery_hash(codes[0])


def test_the_qr_code_holds_the_secret_for_authenticator_apps():
    uri = totp.provisioning_uri(RFC_SECRET, account="ana@clinic.example", clinic="Hair Clinic")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == RFC_SECRET and parsed.name == "ana@clinic.example" and "Hair Clinic" in parsed.issuer
    assert totp.qr_svg(uri).lstrip().startswith("<?xml")
