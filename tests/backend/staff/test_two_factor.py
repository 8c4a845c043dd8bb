"""Two-factor sign-in through the API: enrolment, codes once each, recovery codes once each,
attempt limits, the clinic's requirement (API tokens follow it) and step-up before exports.
Codes are computed for the clock the server reads (tests/backend/staff/helpers.py)."""

from __future__ import annotations

from backend.auth.models import StaffSession
from backend.clinics.models import Clinic
from backend.staff.models import RecoveryCode, StaffTotp
from tests.backend.staff.helpers import code_now, turn_on_two_factor
from tests.backend.world import PASSWORD

ADMIN = {"email": "admin@x.example", "password": PASSWORD}


async def test_enrolment_needs_a_right_code_and_then_sign_in_asks_for_one(client, world):
    headers = world.headers("staff_x")
    started = await client.post("/auth/two-factor", headers=headers)
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    wrong = await client.post("/auth/two-factor/confirm", json={"code": "000000" if code_now(secret) != "000000" else "111111"}, headers=headers)
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "second_factor_invalid"
    assert await StaffTotp.filter(confirmed_at__not_isnull=True).count() == 0
    assert await RecoveryCode.all().count() == 0  # nothing stored by a wrong code

    confirmed = await client.post("/auth/two-factor/confirm", json={"code": code_now(secret)}, headers=headers)
    codes = confirmed.json()["codes"]
    assert len(codes) == 10
    stored = await RecoveryCode.all().values_list("code_hash", flat=True)
    assert len(stored) == 10 and not set(codes) & set(stored)  # kept as digests only
    again = await client.post("/auth/two-factor", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "two_factor_already_on"

    asked = await client.post("/auth/sign-in", json=ADMIN)
    assert asked.status_code == 401 and asked.json()["error"]["code"] == "second_factor_required"
    signed = await client.post("/auth/sign-in", json={**ADMIN, "code": code_now(secret, 1)})
    assert signed.status_code == 200
    session = await StaffSession.filter(kind="api", second_factor=True).order_by("-created_at").first()
    assert session is not None and session.second_factor_at is not None


async def test_a_code_is_accepted_once(client, world):
    secret, _ = await turn_on_two_factor(client, world.headers("staff_x"))
    code = code_now(secret, 1)
    assert (await client.post("/auth/sign-in", json={**ADMIN, "code": code})).status_code == 200
    sessions = await StaffSession.all().count()
    reused = await client.post("/auth/sign-in", json={**ADMIN, "code": code})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "second_factor_invalid"
    assert "already used" in reused.json()["error"]["message"]
    assert await StaffSession.all().count() == sessions  # no session from a reused code


async def test_a_recovery_code_works_once(client, world):
    _, codes = await turn_on_two_factor(client, world.headers("staff_x"))
    first = await client.post("/auth/sign-in", json={**ADMIN, "code": codes[3].lower()})
    assert first.status_code == 200
    twice = await client.post("/auth/sign-in", json={**ADMIN, "code": codes[3]})
    assert twice.status_code == 401 and twice.json()["error"]["code"] == "recovery_code_used"
    assert await RecoveryCode.filter(used_at__not_isnull=True).count() == 1
    assert (await client.post("/auth/sign-in", json={**ADMIN, "code": codes[4]})).status_code == 200


async def test_wrong_codes_meet_the_same_attempt_limit_as_passwords(client, world, settings):
    secret, _ = await turn_on_two_factor(client, world.headers("staff_x"))
    right = code_now(secret, 1)
    wrong = "123456" if right != "123456" else "654321"
    answers = [await client.post("/auth/sign-in", json={**ADMIN, "code": wrong}) for _ in range(settings.sign_in_attempts)]
    assert {a.json()["error"]["code"] for a in answers} == {"second_factor_invalid"}
    blocked = await client.post("/auth/sign-in", json={**ADMIN, "code": right})
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in blocked.headers


async def test_requiring_two_factor_needs_the_admins_own_and_ends_sessions_without_it(client, world):
    refused = await client.patch("/clinic", json={"require_two_factor": True}, headers=world.headers("staff_x"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "two_factor_not_on"
    assert not (await Clinic.get(id=world.ids["clinic_x"])).require_two_factor

    secret, _ = await turn_on_two_factor(client, world.headers("staff_x"))
    required = await client.patch("/clinic", json={"require_two_factor": True}, headers=world.headers("staff_x"))
    assert required.status_code == 200 and required.json()["require_two_factor"] is True
    # the admin enrolled in this session, so it stays; the clinician's token ended at once
    assert (await client.get("/auth/me", headers=world.headers("staff_x"))).status_code == 200
    ended = await client.get("/auth/me", headers=world.headers("clinician_x"))
    assert ended.status_code == 401 and ended.json()["error"]["code"] == "token_revoked"
    # clinic Y is untouched
    assert (await client.get("/auth/me", headers=world.headers("staff_y"))).status_code == 200
    # an API token follows the same rule: the clinician must enrol (in the dashboard) first
    from backend.clinics.models import StaffUser
    from backend.security.passwords import hash_password

    await StaffUser.filter(email="clinician@x.example").update(password_hash=hash_password(PASSWORD))
    api = await client.post("/auth/sign-in", json={"email": "clinician@x.example", "password": PASSWORD})
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_enrolment_required"
    assert (await client.post("/auth/sign-in", json={**ADMIN, "code": code_now(secret, 1)})).status_code == 200


async def test_exports_ask_for_a_fresh_second_factor_when_it_is_on(client, world, app):
    headers = world.headers("staff_x")
    assert (await client.get("/exports/cohort.csv", headers=headers)).status_code == 200  # two-factor off
    secret, _ = await turn_on_two_factor(client, headers)
    # enrolling is a fresh second factor; once it is stale the export asks again
    assert (await client.get("/exports/cohort.csv", headers=headers)).status_code == 200
    await StaffSession.all().update(second_factor_at=None)
    asked = await client.get("/exports/cohort.csv", headers=headers)
    assert asked.status_code == 403 and asked.json()["error"]["code"] == "step_up_required"
    wrong = await client.post("/auth/step-up", json={"code": "999999" if code_now(secret, 1) != "999999" else "888888"}, headers=headers)
    assert wrong.status_code == 401
    assert (await client.get("/exports/cohort.csv", headers=headers)).status_code == 403
    assert (await client.post("/auth/step-up", json={"code": code_now(secret, 1)}, headers=headers)).status_code == 204
    assert (await client.get("/exports/cohort.csv", headers=headers)).status_code == 200
