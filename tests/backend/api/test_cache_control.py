"""No answer with patient data may be kept by a browser or a proxy: every API route, for every
caller, success or refusal, says `Cache-Control: no-store`, and so do the photos themselves (the
dashboard's pages: tests/backend/dashboard/test_cache_control.py). One rule covers them all, so a
route added later is covered without a header of its own."""

from __future__ import annotations

from backend.photos.models import Photo
from tests.backend.photos.phone import Phone
from tests.backend.test_route_matrix import ROLES, ROUTES
from tests.backend.test_route_matrix import _ids as route_ids
from tests.fixtures import images

# last: these end the caller's session or the patient, which the other routes need
ENDS_SOMETHING = {("POST", "/auth/sign-out"), ("DELETE", "/patients/{patient_a}"), ("POST", "/me/sign-out")}


def _stored_anyway(headers) -> bool:
    return "no-store" in headers.get("cache-control", "")


async def test_every_api_route_answers_every_caller_with_no_store(client, world):
    ids = await route_ids(world)
    cached, statuses = [], set()
    for route in sorted(ROUTES, key=lambda r: (r.method, r.path) in ENDS_SOMETHING or r.method == "DELETE"):
        path = route.path.format(**ids)
        for role in ROLES:
            body = route.body(ids) if callable(route.body) else route.body
            if isinstance(body, dict) and "{role}" in str(body.get("email", "")):
                body = {**body, "email": body["email"].format(role=role)}
            if isinstance(body, dict) and "record_number" in body:
                body = {**body, "record_number": f"C-{role}"}
            answer = await client.request(route.method, path, json=body, headers=world.headers(role))
            statuses.add(answer.status_code)
            if not _stored_anyway(answer.headers):
                cached.append(f"{route.method} {path} as {role}: {answer.status_code} {answer.headers.get('cache-control')!r}")
    assert cached == []
    # successes and refusals alike were seen, not only one kind of answer
    assert {200, 201, 204, 401, 403, 404} <= statuses


async def test_an_unknown_address_and_a_refused_request_are_not_cached_either(client, world):
    for answer in (
        await client.get("/no-such-route"),
        await client.get("/patients?offset=-1", headers=world.headers("staff_x")),
        await client.get("/patients?q=%00", headers=world.headers("staff_x")),
        await client.post("/patients", content=b"{not json", headers={**world.headers("staff_x"), "content-type": "application/json"}),
    ):
        assert answer.status_code >= 400 and answer.headers["cache-control"] == "no-store", answer.text


async def test_a_photo_from_the_embedded_store_is_not_kept_by_the_browser(app, client, world):
    phone = Phone(client, client, world.headers("patient_a"))
    data = images.photo_jpeg()
    slot = (await phone.slot(data)).json()
    assert (await phone.send(slot["upload"], data)).status_code == 200
    assert (await phone.complete(slot["photo_id"])).status_code == 200
    await app.state.jobs.wait_idle()
    assert (await Photo.get(id=slot["photo_id"])).status == "ready"
    photo = (await client.get(f"/me/photos/{slot['photo_id']}", headers=phone.headers)).json()
    thumbnail = await client.get(photo["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"
    assert "no-store" in thumbnail.headers["cache-control"] and "private" in thumbnail.headers["cache-control"]


async def test_the_dashboard_s_own_scripts_and_styles_may_still_be_cached(client):
    script = await client.get("/dashboard/static/js/rater.js")
    assert script.status_code == 200
    assert "max-age=3600" in script.headers["cache-control"] and "no-store" not in script.headers["cache-control"]
