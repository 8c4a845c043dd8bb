from __future__ import annotations

from tests.backend.world import PASSWORD


async def test_staff_sign_in_gives_a_token_that_opens_the_api(client, world):
    answer = await client.post("/auth/sign-in", json={"email": "Admin@X.example", "password": PASSWORD})
    assert answer.status_code == 200
    token = answer.json()["token"]
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == "admin@x.example"
    assert me.json()["role"] == "admin"


async def test_wrong_password_and_unknown_email_answer_the_same(client, world):
    wrong = await client.post("/auth/sign-in", json={"email": "admin@x.example", "password": "nope"})
    unknown = await client.post("/auth/sign-in", json={"email": "who@x.example", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


async def test_repeated_failed_sign_in_is_rate_limited_even_with_the_right_password(client, world):
    for _ in range(5):
        answer = await client.post("/auth/sign-in", json={"email": "admin@x.example", "password": "guess"})
        assert answer.status_code == 401
    blocked = await client.post("/auth/sign-in", json={"email": "admin@x.example", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0


async def test_sign_out_revokes_the_token(client, world):
    headers = world.headers("staff_x")
    assert (await client.post("/auth/sign-out", headers=headers)).status_code == 204
    after = await client.get("/patients", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "token_revoked"


async def test_a_made_up_token_is_refused(client, world):
    answer = await client.get("/patients", headers={"Authorization": "Bearer fst_not-a-real-token"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "token_revoked"


async def test_passwords_are_stored_as_argon2_hashes(client, world):
    from backend.clinics.models import StaffUser

    staff = await StaffUser.get(email="admin@x.example")
    assert staff.password_hash.startswith("$argon2id$")
    assert PASSWORD not in staff.password_hash
