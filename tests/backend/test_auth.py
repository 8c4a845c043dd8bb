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



async def test_an_app_with_default_settings_hashes_at_productions_cost_and_renews_cheaper_hashes(database_url, tmp_path):
    """The suite hashes cheaply (tests/conftest.py); an app built from default settings uses
    RFC 9106's low-memory profile, and a password stored at a lower cost is renewed at sign-in."""
    import httpx
    from argon2 import extract_parameters

    from backend.app import create_app
    from backend.auth import service as auth
    from backend.clinics.models import StaffUser
    from backend.security.passwords import PRODUCTION_COST, current_cost
    from backend.settings import Settings
    from tests.backend.world import password_hash
    from tests.conftest import running

    cheap = password_hash()  # made at the suite's cost
    app = create_app(Settings(database_url=database_url, secret_key="k" * 20, local_store_path=str(tmp_path / "o")))
    assert current_cost() == PRODUCTION_COST == Settings().password_cost()
    async with running(app):
        clinic, admin = await auth.create_clinic_with_admin("Clinic P", "admin@p.example", "Admin P", PASSWORD)
        made = extract_parameters(admin.password_hash)
        assert (made.time_cost, made.memory_cost, made.parallelism) == (3, 65536, 4)
        assert extract_parameters(cheap).memory_cost < 65536
        await StaffUser.filter(id=admin.id).update(password_hash=cheap)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            answer = await http.post("/auth/sign-in", json={"email": "admin@p.example", "password": PASSWORD})
        assert answer.status_code == 200
        renewed = (await StaffUser.get(id=admin.id)).password_hash
        assert renewed != cheap and extract_parameters(renewed).memory_cost == 65536
