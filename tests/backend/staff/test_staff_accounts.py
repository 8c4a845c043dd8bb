"""Staff accounts through the API: an invite by email with a single-use, expiring link; roles;
deactivation ending sessions at once; password links; the clinic's last admin kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.audit.models import AuditEvent
from backend.clinics.models import StaffUser
from backend.staff.models import StaffEmail
from backend.staff.models import StaffLink
from tests.backend.staff.helpers import delivered_link, token_of
from tests.backend.world import PASSWORD

NEW = {"email": "Ana.New@x.example", "name": "Dr Ana New", "role": "clinician"}


async def test_an_invite_emails_a_link_that_sets_a_password_once(client, world, settings, smtp):
    answer = await client.post("/clinic/staff/invites", json=NEW, headers=world.headers("staff_x"))
    assert answer.status_code == 201
    member = answer.json()
    assert member["invite_pending"] and member["active"] and not member["two_factor"] and member["last_sign_in_at"] is None
    email = await StaffEmail.get(recipient_email="ana.new@x.example")
    assert email.kind == "staff_invite" and email.link_id is not None  # the outbox holds no secret, only the link's id
    url = await delivered_link(smtp, settings, "ana.new@x.example")
    mail = smtp.mailbox.received[-1]
    assert "Clinic X" in mail.message["Subject"] and url.startswith(settings.public_url)

    # before the link is used the invited member cannot sign in with anything
    assert (await client.post("/auth/sign-in", json={"email": NEW["email"], "password": "follicle-dummy-password"})).status_code == 401
    token = token_of(url)
    assert (await client.post(f"/staff-links/{token}/password", json={"password": "short"})).status_code == 400
    assert (await client.post(f"/staff-links/{token}/password", json={"password": "a new long password"})).status_code == 204
    signed = await client.post("/auth/sign-in", json={"email": NEW["email"], "password": "a new long password"})
    assert signed.status_code == 200 and signed.json()["staff"]["role"] == "clinician"
    reused = await client.post(f"/staff-links/{token}/password", json={"password": "another long password"})
    assert reused.status_code == 410 and reused.json()["error"]["code"] == "staff_link_used"
    listed = {m["email"]: m for m in (await client.get("/clinic/staff", headers=world.headers("staff_x"))).json()}
    assert listed["ana.new@x.example"]["last_sign_in_at"] is not None and not listed["ana.new@x.example"]["invite_pending"]


async def test_an_expired_or_forged_link_is_refused_and_nothing_changes(client, world, settings, smtp):
    await client.post("/clinic/staff/invites", json=NEW, headers=world.headers("staff_x"))
    token = token_of(await delivered_link(smtp, settings, "ana.new@x.example"))
    await StaffLink.all().update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    expired = await client.post(f"/staff-links/{token}/password", json={"password": "a new long password"})
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "staff_link_expired"
    assert (await StaffUser.get(email="ana.new@x.example")).password_hash == ""
    forged = token.split(".")[0] + ".AAAA"
    invalid = await client.post(f"/staff-links/{forged}/password", json={"password": "a new long password"})
    assert invalid.status_code == 404 and invalid.json()["error"]["code"] == "staff_link_invalid"
    assert (await StaffUser.get(email="ana.new@x.example")).password_hash == ""


async def test_inviting_an_existing_email_is_refused(client, world):
    taken = await client.post("/clinic/staff/invites", json={**NEW, "email": "clinician@x.example"}, headers=world.headers("staff_x"))
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "email_taken"
    assert await StaffLink.all().count() == 0 and await StaffEmail.all().count() == 0


async def test_the_last_admin_cannot_be_demoted_or_deactivated(client, world):
    admin = await StaffUser.get(email="admin@x.example")
    demote = await client.patch(f"/clinic/staff/{admin.id}", json={"role": "clinician"}, headers=world.headers("staff_x"))
    assert demote.status_code == 409 and demote.json()["error"]["code"] == "last_admin"
    assert (await StaffUser.get(id=admin.id)).role == "admin"
    # with a second admin, the first may be demoted (and their own session ends: a new role, a new sign-in)
    clinician = await StaffUser.get(email="clinician@x.example")
    promoted = await client.patch(f"/clinic/staff/{clinician.id}", json={"role": "admin"}, headers=world.headers("staff_x"))
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert (await client.get("/auth/me", headers=world.headers("clinician_x"))).status_code == 401


async def test_deactivating_ends_every_session_at_once_and_keeps_the_history(client, world):
    clinician = await StaffUser.get(email="clinician@x.example")
    assert (await client.get("/patients", headers=world.headers("clinician_x"))).status_code == 200
    history = await AuditEvent.filter(actor_id=clinician.id).count()
    answer = await client.post(f"/clinic/staff/{clinician.id}/deactivate", headers=world.headers("staff_x"))
    assert answer.status_code == 200 and answer.json()["active"] is False
    ended = await client.get("/patients", headers=world.headers("clinician_x"))
    assert ended.status_code == 401 and ended.json()["error"]["code"] == "token_revoked"
    assert (await client.post("/auth/sign-in", json={"email": "clinician@x.example", "password": PASSWORD})).status_code == 401
    assert await AuditEvent.filter(actor_id=clinician.id).count() == history
    assert await AuditEvent.filter(action="staff.deactivate", subject_id=str(clinician.id)).count() == 1
    self_off = await client.post(f"/clinic/staff/{(await StaffUser.get(email='admin@x.example')).id}/deactivate", headers=world.headers("staff_x"))
    assert self_off.status_code == 409


async def test_another_clinics_member_is_not_found(client, world):
    other = await StaffUser.get(email="admin@y.example")
    for method, path, body in (
        ("PATCH", f"/clinic/staff/{other.id}", {"role": "clinician"}),
        ("POST", f"/clinic/staff/{other.id}/deactivate", None),
        ("POST", f"/clinic/staff/{other.id}/password-link", None),
    ):
        answer = await client.request(method, path, json=body, headers=world.headers("staff_x"))
        assert answer.status_code == 404, (method, path)
    assert (await StaffUser.get(id=other.id)).active


async def test_a_password_reset_link_sets_a_new_password_and_ends_old_sessions(client, world, settings, smtp):
    clinician = await StaffUser.get(email="clinician@x.example")
    assert (await client.post(f"/clinic/staff/{clinician.id}/password-link", headers=world.headers("staff_x"))).status_code == 204
    first = token_of(await delivered_link(smtp, settings, "clinician@x.example"))
    assert (await client.post(f"/clinic/staff/{clinician.id}/password-link", headers=world.headers("staff_x"))).status_code == 204
    second = token_of(await delivered_link(smtp, settings, "clinician@x.example"))
    replaced = await client.post(f"/staff-links/{first}/password", json={"password": "a brand new password"})
    assert replaced.status_code == 410 and replaced.json()["error"]["code"] == "staff_link_expired"
    assert (await client.post(f"/staff-links/{second}/password", json={"password": "a brand new password"})).status_code == 204
    assert (await client.get("/auth/me", headers=world.headers("clinician_x"))).status_code == 401
    assert (await client.post("/auth/sign-in", json={"email": "clinician@x.example", "password": PASSWORD})).status_code == 401
    assert (await client.post("/auth/sign-in", json={"email": "clinician@x.example", "password": "a brand new password"})).status_code == 200


async def test_only_admins_manage_staff(client, world):
    clinician = await StaffUser.get(email="clinician@x.example")
    for who in ("clinician_x", "desk_x"):
        answer = await client.post(f"/clinic/staff/{clinician.id}/deactivate", headers=world.headers(who))
        assert answer.status_code == 403
        invite = await client.post("/clinic/staff/invites", json=NEW, headers=world.headers(who))
        assert invite.status_code == 403
    assert (await StaffUser.get(id=clinician.id)).active and not await StaffUser.filter(email="ana.new@x.example").exists()
