from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from backend.enrolment.models import Device, Invite


async def _invite(client, world, **body) -> dict:
    answer = await client.post(f"/patients/{world.ids['patient_b']}/invites", json=body or None, headers=world.headers("desk_x"))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_patient_enrols_with_the_code_typed_loosely_and_gets_a_working_device_token(client, world):
    invite = await _invite(client, world)
    typed = " " + invite["code"].lower()[:4] + "-" + invite["code"].lower()[4:] + " "
    enrolled = await client.post("/enrol", json={"code": typed, "device_name": "Pixel 8", "platform": "android"})
    assert enrolled.status_code == 201, enrolled.text
    token = enrolled.json()["device_token"]
    me = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["display_name"] == "Patient B"
    device = await Device.get(id=enrolled.json()["device_id"])
    assert token not in device.token_hash and len(device.token_hash) == 64


async def test_an_invite_works_once(client, world):
    invite = await _invite(client, world)
    assert (await client.post("/enrol", json={"code": invite["code"]})).status_code == 201
    again = await client.post("/enrol", json={"code": invite["code"]})
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "invite_used"
    assert await Device.filter(patient_id=world.ids["patient_b"]).count() == 2  # the world's phone + this one


async def test_expired_and_revoked_invites_are_refused_and_enrol_nobody(client, world):
    invite = await _invite(client, world)
    await Invite.filter(id=invite["id"]).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    expired = await client.post("/enrol", json={"code": invite["code"]})
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "invite_expired"

    fresh = await _invite(client, world)
    revoked = await client.post(f"/invites/{fresh['id']}/revoke", headers=world.headers("staff_x"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = await client.post("/enrol", json={"code": fresh["code"]})
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "invite_revoked"
    assert await Device.filter(patient_id=world.ids["patient_b"]).count() == 1


async def test_a_new_invite_replaces_the_open_one(client, world):
    first = await _invite(client, world)
    await _invite(client, world)
    answer = await client.post("/enrol", json={"code": first["code"]})
    assert answer.json()["error"]["code"] == "invite_revoked"


async def test_guessing_codes_is_rate_limited(client, world):
    invite = await _invite(client, world)
    for n in range(10):
        wrong = await client.post("/enrol", json={"code": f"WRONG{n:03d}"})
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invite_invalid"
    blocked = await client.post("/enrol", json={"code": invite["code"]})
    assert blocked.status_code == 429
    assert not await Invite.filter(id=invite["id"], used_at__isnull=False).exists()


async def test_the_invite_qr_code_is_a_png_the_clinic_can_print(client, world):
    invite = await _invite(client, world)
    assert invite["enrol_url"].startswith("follicle://enrol?code=" + invite["code"])
    answer = await client.get(f"/invites/{invite['id']}/qr.png", headers=world.headers("desk_x"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content))
    assert image.width >= 200
    other_clinic = await client.get(f"/invites/{invite['id']}/qr.png", headers=world.headers("staff_y"))
    assert other_clinic.status_code == 404


async def test_revoking_a_device_signs_the_phone_out(client, world):
    devices = await client.get(f"/patients/{world.ids['patient_a']}/devices", headers=world.headers("staff_x"))
    device_id = devices.json()[0]["id"]
    assert (await client.post(f"/devices/{device_id}/revoke", headers=world.headers("staff_x"))).status_code == 200
    answer = await client.get("/me", headers=world.headers("patient_a"))
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_revoked"


async def test_a_patient_signs_their_own_phone_out(client, world):
    assert (await client.delete("/me/device", headers=world.headers("patient_a"))).status_code == 204
    assert (await client.get("/me", headers=world.headers("patient_a"))).status_code == 401


async def test_fifty_phones_on_the_clinics_wifi_enrol_at_once(client, world):
    """A waiting room enrolling together: one address, fifty right codes at the same moment."""
    import asyncio

    from tests.backend.world import add_patient

    codes = []
    for n in range(50):
        patient = await add_patient(world.ids["clinic_x"], f"Waiting room {n}", f"W-{n:03d}")
        answer = await client.post(f"/patients/{patient.id}/invites", headers=world.headers("desk_x"))
        assert answer.status_code == 201, answer.text
        codes.append(answer.json()["code"])
    answers = await asyncio.gather(*(client.post("/enrol", json={"code": code}) for code in codes))
    assert [a.status_code for a in answers] == [201] * 50
    assert await Device.filter(patient__record_number__startswith="W-").count() == 50
    # the right codes used none of the address's tries: ten wrong ones still go to the check
    for n in range(10):
        wrong = await client.post("/enrol", json={"code": f"WRONG{n:03d}"})
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invite_invalid"
    assert (await client.post("/enrol", json={"code": "WRONG999"})).status_code == 429


async def test_eleven_wrong_codes_at_once_from_one_address_are_limited_at_ten(client, world):
    import asyncio

    invite = await _invite(client, world)
    answers = await asyncio.gather(*(client.post("/enrol", json={"code": f"WRONG{n:03d}"}) for n in range(11)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [400] * 10 + [429]
    assert (await client.post("/enrol", json={"code": invite["code"]})).status_code == 429
    assert not await Invite.filter(id=invite["id"], used_at__isnull=False).exists()
