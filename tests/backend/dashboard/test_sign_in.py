"""Signing in and out of the dashboard: the cookie, login CSRF, where one lands, and what an API token cannot do."""

from __future__ import annotations

from tests.backend.dashboard.conftest import hidden
from tests.backend.world import PASSWORD


async def test_signing_in_sets_an_http_only_session_cookie_and_opens_the_patient_list(world, browser):
    staff = await browser()
    answer = await staff.sign_in("admin@x.example")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard/patients"
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("follicle_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # public_url is http:// in tests
    page = await staff.get("/dashboard/patients")
    assert page.status_code == 200
    assert "Patient A" in page.text and "Patient B" in page.text
    assert "Admin X" in page.text


async def test_a_wrong_password_shows_the_form_again_without_a_session(world, browser):
    staff = await browser()
    answer = await staff.sign_in("admin@x.example", "not the password")
    assert answer.status_code == 401
    assert "That email and password do not match." in answer.text
    assert "follicle_session=" not in answer.headers.get("set-cookie", "")
    assert (await staff.get("/dashboard/patients")).status_code == 303


async def test_sign_in_without_the_sign_in_pages_token_is_refused(world, browser):
    # login CSRF: another site cannot sign a clinic's browser into an account of its choosing
    staff = await browser()
    answer = await staff.http.post("/dashboard/sign-in", data={"email": "admin@x.example", "password": PASSWORD})
    assert answer.status_code == 403
    assert "csrf_failed" in answer.text
    page = await staff.http.get("/dashboard/sign-in")
    forged = await staff.http.post(
        "/dashboard/sign-in",
        data={"csrf_token": hidden(page.text, "csrf_token") + "x", "email": "admin@x.example", "password": PASSWORD},
    )
    assert forged.status_code == 403


async def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back_afterwards(world, browser):
    staff = await browser()
    target = f"/dashboard/patients/{world.ids['patient_a']}"
    answer = await staff.get(target)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/dashboard/sign-in?next={target}"
    page = await staff.get(answer.headers["location"])
    signed_in = await staff.http.post(
        "/dashboard/sign-in",
        data={"csrf_token": hidden(page.text, "csrf_token"), "next": hidden(page.text, "next"),
              "email": "admin@x.example", "password": PASSWORD},
    )
    assert signed_in.headers["location"] == target


async def test_after_sign_in_only_a_dashboard_path_is_followed(world, browser):
    staff = await browser()
    page = await staff.get("/dashboard/sign-in?next=https://evil.example/")
    assert hidden(page.text, "next") == "/dashboard/patients"
    for elsewhere in ("//evil.example/dashboard/", "/dashboard/..//evil.example", "https://evil.example/dashboard/"):
        staff = await browser()
        page = await staff.get("/dashboard/sign-in")
        answer = await staff.http.post(
            "/dashboard/sign-in",
            data={"csrf_token": hidden(page.text, "csrf_token"), "next": elsewhere,
                  "email": "admin@x.example", "password": PASSWORD},
        )
        assert answer.headers["location"] == "/dashboard/patients"


async def test_htmx_requests_without_a_session_are_told_where_to_sign_in(world, browser):
    staff = await browser()
    answer = await staff.get("/dashboard/patients?q=a", headers={"HX-Request": "true", "HX-Target": "patient-table"})
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"].startswith("/dashboard/sign-in")


async def test_signing_out_ends_the_session_for_good(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.post("/dashboard/sign-out")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard/sign-in?signed_out=1"
    assert (await staff.get("/dashboard/patients")).status_code == 303
    page = await staff.get("/dashboard/sign-in?signed_out=1")
    assert "You are signed out." in page.text


async def test_an_api_bearer_token_does_not_open_the_dashboard(world, browser):
    staff = await browser()
    answer = await staff.get("/dashboard/patients", headers=world.headers("staff_x"))
    assert answer.status_code == 303


async def test_dashboard_pages_are_not_cached_or_framed(world, browser):
    staff = await browser("admin@x.example")
    page = await staff.get("/dashboard/patients")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_the_cookie_holds_a_dashboard_session_id_that_the_api_refuses(world, browser, client):
    staff = await browser("admin@x.example")
    session_id = staff.http.cookies["follicle_session"]
    assert (await staff.get("/dashboard/patients")).status_code == 200
    # someone who lifts the cookie gets no API access with it
    for path in ("/auth/me", "/patients"):
        answer = await client.get(path, headers={"Authorization": f"Bearer {session_id}"})
        assert answer.status_code == 401, answer.text
    # and an API token is a different kind of secret from what the cookie holds
    api_token = (await client.post("/auth/sign-in", json={"email": "admin@x.example", "password": PASSWORD})).json()["token"]
    assert session_id.split("_")[0] != api_token.split("_")[0]


async def test_an_api_token_put_in_the_cookie_does_not_open_the_dashboard(world, browser, client):
    api_token = (await client.post("/auth/sign-in", json={"email": "admin@x.example", "password": PASSWORD})).json()["token"]
    staff = await browser()
    staff.http.cookies.set("follicle_session", api_token, path="/dashboard")
    answer = await staff.get("/dashboard/patients")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/dashboard/sign-in")
    assert (await client.get("/auth/me", headers={"Authorization": f"Bearer {api_token}"})).status_code == 200
