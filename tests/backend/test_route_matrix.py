"""Every route x (anonymous, patient A, patient B, staff of clinic X, staff of clinic Y).

Patients A and B belong to clinic X; the resources named in paths are patient A's.
A route added without a row here fails `test_every_route_is_in_the_matrix`.

`reads` is the audit action a staff member's successful read of health information writes: each
such read writes exactly one audit event, and a refused read (another clinic, a patient, nobody)
writes none. A staff GET route with neither `reads` nor a reason in NOT_HEALTH_READS fails
`test_every_staff_read_says_how_it_is_audited`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.audit.models import AuditEvent
from backend.clinics.models import StaffUser
from backend.enrolment.models import Device, Invite
from tests.backend.reports.bodies import questionnaire_body, side_effect_body, store_report
from tests.backend.records.rows import ready_export_row
from tests.backend.photos.matrix import OBJECT_KEY, slot_body, store_photo
from tests.backend.ratings.matrix import rating_ids, round_body
from tests.backend.world import World, build_world

ROLES = ("anonymous", "patient_a", "patient_b", "staff_x", "staff_y")

# expected answers per kind of route, in ROLES order
STAFF_ON_A = (401, 403, 403, 200, 404)  # clinic X staff only; clinic Y staff must not learn it exists
STAFF_ANY = (401, 403, 403, 200, 200)  # any staff, each sees their own clinic
PATIENT_SELF = (401, 200, 200, 403, 403)
PUBLIC = (200, 200, 200, 200, 200)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expected: tuple[int, ...]
    body: object = None
    ok: int = 200  # the success status of this route, substituted for 200 above
    reads: str | None = None  # the audit action of a staff read of health information

    def want(self, role: str) -> int:
        status = self.expected[ROLES.index(role)]
        return self.ok if status == 200 else status


PATIENT_BODY = {
    "display_name": "New Person",
    "record_number": "N-1",
    "plan": {"treatment": "prp", "planned_sessions": 3, "interval_days": 30},
    "baseline_date": "2026-01-01",
}
INJECTION_BODY = {"scheduled_at": "2026-06-01T10:00:00Z", "treatment": "exosomes"}

ROUTES: list[Route] = [
    Route("GET", "/health", PUBLIC),
    Route("POST", "/auth/sign-in", (401,) * 5, {"email": "nobody@x.example", "password": "wrong-password"}),
    Route("POST", "/auth/sign-out", STAFF_ANY, ok=204),
    Route("GET", "/auth/me", STAFF_ANY),
    Route("GET", "/clinic", STAFF_ANY),
    Route("PATCH", "/clinic", STAFF_ANY, {"name": "Renamed"}),
    Route("GET", "/clinic/staff", STAFF_ANY),
    Route("POST", "/clinic/staff", STAFF_ANY, {"email": "{role}@new.example", "name": "N", "role": "clinician", "password": "long enough pass"}, ok=201),
    # staff accounts: clinic X's clinician is the member acted on; clinic Y's admin cannot reach them
    Route("POST", "/clinic/staff/invites", STAFF_ANY, {"email": "{role}@invited.example", "name": "N", "role": "clinician"}, ok=201),
    Route("PATCH", "/clinic/staff/{member_x}", STAFF_ON_A, {"role": "front_desk"}),
    Route("POST", "/clinic/staff/{member_x}/deactivate", STAFF_ON_A),
    Route("POST", "/clinic/staff/{member_x}/password-link", STAFF_ON_A, ok=204),
    Route("POST", "/auth/two-factor", STAFF_ANY, ok=201),
    # nothing started: confirming is a conflict; a code of no enrolment is simply wrong at step-up
    Route("POST", "/auth/two-factor/confirm", (401, 403, 403, 409, 409), {"code": "123456"}),
    Route("POST", "/auth/step-up", (401, 403, 403, 401, 401), {"code": "123456"}),
    Route("POST", "/staff-links/{unknown_link}/password", (404,) * 5, {"password": "long enough password"}),
    # marketing consent: the patient's own; the clinic's view of patient A's (another clinic: not found)
    Route("GET", "/me/marketing-consent", PATIENT_SELF),
    Route("POST", "/me/marketing-consent", PATIENT_SELF, {"all_photos": True, "months": 12}, ok=201),
    Route("POST", "/me/marketing-consent/withdraw", PATIENT_SELF),
    Route("GET", "/patients/{patient_a}/marketing", STAFF_ON_A, reads="marketing.consent.view"),
    Route("POST", "/patients/{patient_a}/marketing/withdraw", STAFF_ON_A),
    # the one photo of patient A twice is no pair (400); clinic Y cannot reach patient A (404)
    Route("POST", "/patients/{patient_a}/before-after", (401, 403, 403, 400, 404),
          lambda ids: {"before_photo_id": ids["photo_a"], "after_photo_id": ids["photo_a"]}),
    Route("GET", "/before-after/{unknown_image}/image", (401, 403, 403, 404, 404)),
    Route("GET", "/patients", STAFF_ANY, reads="patient.list"),
    Route("POST", "/patients", STAFF_ANY, PATIENT_BODY, ok=201),
    Route("GET", "/patients/{patient_a}", STAFF_ON_A, reads="patient.view"),
    Route("PATCH", "/patients/{patient_a}", STAFF_ON_A, {"display_name": "Renamed"}),
    Route("DELETE", "/patients/{patient_a}", STAFF_ON_A, ok=204),
    Route("GET", "/me", PATIENT_SELF),
    Route("PUT", "/me/reminders", PATIENT_SELF, {"reminders": {"check_in_time": "19:00"}}),
    Route("POST", "/patients/{patient_a}/invites", STAFF_ON_A, ok=201),
    Route("GET", "/patients/{patient_a}/invites", STAFF_ON_A),
    Route("POST", "/invites/{invite_a}/revoke", STAFF_ON_A),
    Route("GET", "/invites/{invite_a}/qr.png", STAFF_ON_A),
    Route("GET", "/patients/{patient_a}/devices", STAFF_ON_A),
    Route("POST", "/devices/{device_a}/revoke", STAFF_ON_A),
    Route("POST", "/enrol", (400,) * 5, {"code": "NOSUCHCODE"}),
    Route("DELETE", "/me/device", PATIENT_SELF, ok=204),
    Route("GET", "/patients/{patient_a}/injections", STAFF_ON_A, reads="injection.list"),
    Route("POST", "/patients/{patient_a}/injections", STAFF_ON_A, INJECTION_BODY, ok=201),
    Route("PATCH", "/injections/{injection_a}", STAFF_ON_A, {"status": "cancelled"}),
    Route("GET", "/lots/LOT-A1/injections", STAFF_ANY, reads="injection.lot_search"),
    Route("GET", "/me/injections", PATIENT_SELF),
    Route("GET", "/audit", STAFF_ANY),
    # patient B may not report on patient A's injection: 404, nothing stored
    Route("POST", "/me/side-effects", (401, 200, 404, 403, 403), lambda ids: side_effect_body(ids["injection_a"]), ok=201),
    Route("GET", "/me/side-effects", PATIENT_SELF),
    Route("POST", "/me/questionnaires", PATIENT_SELF, lambda ids: questionnaire_body(), ok=201),
    Route("GET", "/me/questionnaires", PATIENT_SELF),
    Route("GET", "/me/questions-due", PATIENT_SELF),
    Route("GET", "/side-effects", STAFF_ANY, reads="side_effects.list"),
    Route("GET", "/side-effects/alerts", STAFF_ANY, reads="side_effects.alerts"),
    Route("GET", "/side-effects/{side_effect_a}", STAFF_ON_A, reads="side_effect.view"),
    Route("POST", "/side-effects/{side_effect_a}/annotations", STAFF_ON_A, {"text": "Called the patient."}, ok=201),
    Route("POST", "/side-effects/{side_effect_a}/acknowledge", STAFF_ON_A),
    Route("GET", "/patients/{patient_a}/side-effects", STAFF_ON_A, reads="side_effects.list"),
    Route("GET", "/patients/{patient_a}/questionnaires", STAFF_ON_A, reads="questionnaire.list"),
    Route("PUT", "/me/device/push-token", PATIENT_SELF, {"platform": "android", "push_token": "fcm-registration-token-0123456789"}),
    Route("GET", "/me/schedule", PATIENT_SELF),
    Route("GET", "/patients/{patient_a}/reminders", STAFF_ON_A, reads="reminder.history"),
    # photos: patient B asking for patient A's photo learns nothing (404)
    Route("POST", "/me/photos/slots", PATIENT_SELF, lambda ids: slot_body()),
    Route("POST", "/me/photos/{photo_a}/complete", (401, 200, 404, 403, 403)),
    Route("GET", "/me/photos/{photo_a}", (401, 200, 404, 403, 403)),
    Route("GET", "/me/checkins", PATIENT_SELF),
    Route("GET", "/me/timeline", PATIENT_SELF),
    Route("GET", "/patients/{patient_a}/timeline", STAFF_ON_A, reads="photo.view"),
    Route("GET", "/patients/{patient_a}/checkins", STAFF_ON_A, reads="checkin.list"),
    Route("GET", "/photos/{photo_a}", STAFF_ON_A, reads="photo.view"),
    # the matrix's photo has rows but no preview in the store: clinic X's staff get the conflict
    Route("POST", "/photos/{photo_a}/coverage", (401, 403, 403, 409, 404), {"method": "1"}),
    # records that leave Follicle; patient B cannot reach patient A's export (404)
    Route("GET", "/patients/{patient_a}/report.pdf", STAFF_ON_A, reads="record.report_pdf"),
    Route("GET", "/patients/{patient_a}/fhir", STAFF_ON_A, reads="record.fhir_export"),
    Route("GET", "/side-effects/{side_effect_a}/medwatch.pdf", STAFF_ON_A, reads="side_effect.medwatch_pdf"),
    Route("GET", "/me/report.pdf", PATIENT_SELF),
    # patient A has a ZIP made within the hour: 200 with it; patient B's is started: 202
    Route("POST", "/me/data-export", (401, 200, 202, 403, 403)),
    Route("GET", "/me/data-export", (401, 200, 404, 403, 403)),
    Route("POST", "/me/data-export/{export_a}/link", (401, 200, 404, 403, 403)),
    Route("POST", "/me/deletion-request", PATIENT_SELF, ok=201),
    Route("GET", "/me/deletion-request", PATIENT_SELF),
    Route("GET", "/patients/{patient_a}/deletion-request", STAFF_ON_A),
    # a download link is its own credential: an unknown one is refused whoever asks
    Route("GET", "/exports/{unknown_link}", (404,) * 5),
    # outcomes: clinicians and admins of each clinic see their own clinic's (staff_x/y are admins)
    Route("GET", "/outcomes", STAFF_ANY, reads="outcomes.view"),
    Route("GET", "/outcomes/lot-signals", STAFF_ANY),
    Route("GET", "/exports/cohort.csv", STAFF_ANY, reads="cohort.export"),
    Route("GET", "/exports/omop.zip", STAFF_ANY, reads="omop.export"),

    # the long term: the world's patients have no open safety check-in, so an answer is refused (409)
    Route("GET", "/me/safety-questions", PATIENT_SELF),
    Route("POST", "/me/safety-answers", (401, 409, 409, 403, 403),
          {"idempotency_key": "6a1f7f9e-3c55-4b0e-9a51-0c8f0f5f2b11", "occasion": "checkin", "month": 1, "anything_new": False}),
    Route("POST", "/me/stop-reason", PATIENT_SELF, {"reason": "cost"}, ok=201),
    Route("GET", "/patients/{patient_a}/long-term", STAFF_ON_A, reads="long_term.view"),
    Route("POST", "/patients/{patient_a}/stop-reason", STAFF_ON_A, {"reason": "travel"}, ok=201),
    Route("GET", "/outcomes/course-setting", STAFF_ANY),
    Route("PUT", "/outcomes/course-setting", STAFF_ANY, {"gap_months": 4}),
    Route("GET", "/outcomes/durability", STAFF_ANY, reads="outcomes.durability.view"),
    # the embedded store's own URLs answer a valid signature only, whoever asks
    Route("PUT", "/store/objects/{object_key}", (403,) * 5),
    Route("GET", "/store/objects/{object_key}", (403,) * 5),
    # ratings: clinic Y's admin names clinic X's clinician as a rater, which is refused (400)
    Route("POST", "/ratings/rounds", (401, 403, 403, 201, 400), round_body, ok=201),
    Route("GET", "/ratings/rounds", STAFF_ANY),
    Route("GET", "/ratings/rounds/{round_x}", STAFF_ON_A),
    Route("POST", "/ratings/rounds/{round_x}/close", STAFF_ON_A),
    # publishing a round nobody has scored yet is refused (409 nothing_to_publish), tenancy as ever
    Route("POST", "/ratings/rounds/{round_x}/publish", (401, 403, 403, 409, 404)),
    Route("GET", "/ratings/rounds/{round_x}/key", STAFF_ON_A, reads="rating.key.view"),
    Route("GET", "/ratings/rounds/{round_mine}/queue", STAFF_ON_A),
    Route("POST", "/ratings/rounds/{round_mine}/tasks/{task_mine}/score", STAFF_ON_A, {"score": -2}),
    Route("POST", "/ratings/rounds/{round_mine}/undo", STAFF_ON_A, lambda ids: {"sitting": ids["matrix_sitting"]}),
    Route("GET", "/ratings/rounds/{round_x}/agreement", STAFF_ON_A),
    Route("GET", "/ratings/images/{rating_link}", (403,) * 5),
    Route("GET", "/patients/{patient_a}/consensus", STAFF_ON_A, reads="rating.consensus.view"),
]


# staff GET routes that show no patient's health information, and why they are not audited as reads
NOT_HEALTH_READS = {
    "/auth/me": "the caller's own account",
    "/clinic": "the clinic's settings",
    "/clinic/staff": "the clinic's staff",
    "/audit": "the audit trail itself (its CSV export is audited)",
    "/patients/{patient_a}/invites": "enrolment codes, no health information",
    "/invites/{invite_a}/qr.png": "an enrolment code",
    "/patients/{patient_a}/devices": "the patient's enrolled phones",
    "/patients/{patient_a}/deletion-request": "whether the patient asked to be deleted",
    "/outcomes/lot-signals": "counts per product lot, cells under 5 patients suppressed",
    "/outcomes/course-setting": "the clinic's rule for cutting sessions into courses",
    "/ratings/rounds": "rating rounds, no patients",
    "/ratings/rounds/{round_x}": "a round's progress, no patients",
    "/ratings/rounds/{round_mine}/queue": "blinded pairs: no patient, month or side is named",
    "/ratings/rounds/{round_x}/agreement": "rater agreement statistics",
    "/before-after/{unknown_image}/image": "an unknown image: refused before anything is read (tests/backend/marketing audit real exports)",
}


def _order(route: Route) -> list[str]:
    # refusals first, then successes: a success may change state (delete, revoke, sign out)
    return sorted(ROLES, key=lambda role: route.want(role) < 300)


async def _ids(world: World) -> dict[str, str]:
    invite = await Invite.create(patient_id=world.ids["patient_a"], code="MATRIX01", expires_at="2099-01-01T00:00:00Z")
    device = await Device.filter(patient_id=world.ids["patient_a"]).first()
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    photo = await store_photo(world.ids["patient_a"])
    export = await ready_export_row(world.ids["patient_a"], world.ids["clinic_x"])
    ratings = await rating_ids(world.ids["patient_a"])
    return {
        **ratings,
        **{k: str(v) for k, v in world.ids.items()},
        "invite_a": str(invite.id),
        "member_x": str((await StaffUser.get(email="clinician@x.example")).id),
        "device_a": str(device.id),
        "side_effect_a": str(report.id),
        "photo_a": str(photo.id),
        "export_a": str(export.id),
        "unknown_link": "not-a-real-link",
        "unknown_image": "00000000-0000-4000-8000-000000000000",
        "object_key": OBJECT_KEY,
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_route_answers_each_caller_as_expected(client, route: Route):
    world = await build_world()
    ids = await _ids(world)
    path = route.path.format(**ids)
    seen, reads = {}, {}
    for role in _order(route):
        last = await AuditEvent.all().order_by("-id").first()
        body = route.body(ids) if callable(route.body) else route.body
        if isinstance(body, dict) and "email" in body and "{role}" in str(body.get("email")):
            body = {**body, "email": body["email"].format(role=role)}
        if isinstance(body, dict) and "record_number" in body:
            body = {**body, "record_number": f"N-{role}"}
        answer = await client.request(route.method, path, json=body, headers=world.headers(role))
        seen[role] = answer.status_code
        if answer.status_code >= 400:
            assert "code" in answer.json()["error"], answer.text
        if route.reads:
            reads[role] = [(e.action, e.patient_id) for e in await AuditEvent.filter(id__gt=last.id if last else 0)]
    assert seen == {role: route.want(role) for role in ROLES}
    if route.reads:
        # one event for each staff read that was answered, naming patient A when the read was of them;
        # none for a refused read, so a refusal leaves no trace of what exists
        patient = world.ids["patient_a"] if "{patient_a}" in route.path or "_a}" in route.path else None
        wanted = {
            role: [(route.reads, patient if role == "staff_x" else None)] if seen[role] < 300 and role.startswith("staff") else []
            for role in ROLES
        }
        assert reads == wanted


def test_every_staff_read_says_how_it_is_audited():
    unexplained = [
        r.path for r in ROUTES
        if r.method == "GET" and r.want("staff_x") < 300 and r.expected != PUBLIC and not r.path.startswith("/me")
        and r.reads is None and r.path not in NOT_HEALTH_READS and "{unknown_link}" not in r.path
    ]
    assert unexplained == []


# routes only a clinic admin may call: the clinician and the front desk of the same clinic are
# refused and nothing changes (the matrix above signs in admins only)
ADMIN_ONLY: list[Route] = [
    Route("PATCH", "/clinic", (403, 403, 200), {"share_consensus_with_patients": True}),
]
STAFF_ROLES = ("clinician_x", "desk_x", "staff_x")


@pytest.mark.parametrize("route", ADMIN_ONLY, ids=lambda r: f"{r.method} {r.path}")
async def test_admin_only_routes_refuse_the_other_staff_roles(client, route: Route):
    from backend.clinics.models import Clinic

    world = await build_world()
    seen = {}
    for role in STAFF_ROLES:  # the admin last: a success changes the setting
        if role == "staff_x":
            assert not (await Clinic.get(id=world.ids["clinic_x"])).share_consensus_with_patients
        answer = await client.request(route.method, route.path, json=route.body, headers=world.headers(role))
        seen[role] = answer.status_code
    assert seen == dict(zip(STAFF_ROLES, route.expected))
    assert (await Clinic.get(id=world.ids["clinic_x"])).share_consensus_with_patients


def test_every_route_is_in_the_matrix(app):
    covered = {(r.method, _template(r.path)) for r in ROUTES}
    missing = []
    for route in app.routes:
        path = route.path
        if path.startswith("/schema") or path.startswith("/dashboard") or path.startswith("/static"):
            continue
        for method in getattr(route, "methods", set()):
            if method in {"HEAD", "OPTIONS"}:
                continue
            if (method, _template(path)) not in covered:
                missing.append(f"{method} {path}")
    assert missing == []


def _template(path: str) -> str:
    """Normalise '/patients/{patient_id:uuid}' and '/patients/{patient_a}' to '/patients/{}'."""
    import re

    path = re.sub(r"\{[^}]+\}", "{}", path)
    path = path.replace("/lots/LOT-A1/", "/lots/{}/")
    return path.rstrip("/") or "/"
