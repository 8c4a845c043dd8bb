"""The phone's core against the real backend over HTTP on loopback: enrolment (typed and scanned),
the home screen's data online and offline, reminders into local notifications, side-effect
reports and the self-assessment, sign-out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import qrcode

from mobile.platform import qr
from mobile.services.api_client import ApiError
from mobile.services.session import PatientSession, parse_enrol_text
from mobile.services.token_store import PrivateFileTokenStore
from tests.mobile.loopback_proxy import LoopbackProxy
from shared.contract.reports import QuestionnaireSubmit, SideEffectReportCreate, SymptomSeverity
from shared.schedule import ReminderKind


class RecordingNotifier:
    def __init__(self) -> None:
        self.scheduled: dict[str, object] = {}

    def schedule(self, notification) -> None:
        self.scheduled[notification.id] = notification

    def cancel(self, notification_id: str) -> None:
        self.scheduled.pop(notification_id, None)


@pytest.fixture
def phone(tmp_path, backend):
    session = PatientSession(
        tmp_path / "phone",
        server_url=backend.url,
        tokens=PrivateFileTokenStore(tmp_path / "phone" / "private" / "device.json"),
        notifier=RecordingNotifier(),
    )
    try:
        yield session
    finally:
        session.close()


def _reopen(old: PatientSession, server_url: str) -> PatientSession:
    old.close()
    return PatientSession(old.data_dir, server_url=server_url, tokens=old.tokens, notifier=RecordingNotifier())


def test_enrol_with_the_typed_code_and_stay_enrolled_after_a_restart(phone, backend, invited):
    typed = " " + invited.code[:4].lower() + "-" + invited.code[4:].lower() + " "  # as a patient types it
    enrolled = phone.enrol(typed)
    assert enrolled.patient.display_name == "Alex Morgan"
    assert phone.tokens.load().device_token == enrolled.device_token
    reopened = _reopen(phone, "http://127.0.0.1:9")  # the stored server wins over the configured one
    try:
        assert reopened.enrolled and reopened.server_url == backend.url
        assert reopened.api.me().display_name == "Alex Morgan"
    finally:
        reopened.close()


def test_enrol_from_the_clinic_qr_code_uses_its_server(tmp_path, backend, invited):
    picture = qrcode.make(invited.enrol_url, box_size=8, border=2).get_image()
    link = qr.decode_qr(picture)
    assert link == invited.enrol_url and parse_enrol_text(link).server_url == backend.url
    session = PatientSession(
        tmp_path / "qr-phone",
        server_url="http://127.0.0.1:9",  # nothing listens here: only the QR's server= can work
        tokens=PrivateFileTokenStore(tmp_path / "qr-phone" / "device.json"),
        notifier=RecordingNotifier(),
    )
    try:
        session.enrol(link)
        assert session.server_url == backend.url and session.api.me().clinic_name == "Phone Test Clinic"
    finally:
        session.close()


def test_a_used_code_says_so_in_the_patients_words(phone, backend, invited):
    phone.enrol(invited.code)
    with pytest.raises(ApiError) as refused:
        phone.enrol(invited.code)
    assert refused.value.code == "invite_used"
    assert refused.value.patient_text == "This code has already been used. Ask your clinic for a new one."


def test_home_opens_offline_from_what_the_server_said_last(tmp_path, backend, invited):
    network = LoopbackProxy(backend.port)
    phone = PatientSession(
        tmp_path / "phone", server_url=network.url, tokens=PrivateFileTokenStore(tmp_path / "device.json"),
        notifier=RecordingNotifier(),
    )
    try:
        phone.enrol(invited.code)
        when = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
        backend.schedule_injection(invited.patient_id, when.isoformat())
        online = phone.load_home()
        assert not online.from_cache and [s.scheduled_at for s in online.injections] == [when]
        assert online.me.baseline_date == date.today()

        network.go_down()
        offline = phone.load_home()
        assert offline.from_cache and offline.me.display_name == "Alex Morgan"
        assert [s.scheduled_at for s in offline.injections] == [when]
    finally:
        phone.close()
        network.close()


def test_the_schedule_becomes_local_notifications_without_health_words(phone, backend, invited):
    phone.enrol(invited.code)
    backend.schedule_injection(invited.patient_id, (datetime.now(UTC) + timedelta(days=5)).isoformat())
    schedule, result = phone.sync_reminders()
    assert schedule.reminders, "a new patient with an injection booked has reminders ahead"
    assert set(result.scheduled) == {str(r.id) for r in schedule.reminders[:64]}
    kinds = {r.kind for r in schedule.reminders}
    assert ReminderKind.INJECTION_UPCOMING in kinds
    for notification in phone.schedule.upcoming():
        assert "exosome" not in (notification.title + notification.body).lower()
    again = phone.sync_reminders()[1]
    assert again.scheduled == [] and set(again.kept) == set(result.scheduled)


def test_a_side_effect_report_sent_twice_is_one_report(phone, backend, invited):
    phone.enrol(invited.code)
    given = backend.schedule_injection(invited.patient_id, (datetime.now(UTC) - timedelta(days=1)).isoformat(), status="done")
    report = SideEffectReportCreate(
        idempotency_key=uuid.uuid4(),
        injection_session_id=uuid.UUID(given["id"]),
        started_on=date.today(),
        symptoms=[SymptomSeverity(symptom="pain", severity=1), SymptomSeverity(symptom="redness", severity=2)],
        notes="Tender for a day.",
        needed_medical_care=False,
    )
    first = phone.api.report_side_effects(report)
    retry = phone.api.report_side_effects(report)  # the answer was lost; the phone sends again
    assert retry.id == first.id and not first.clinic_alerted
    with backend.staff() as staff:
        listed = staff.get(f"/patients/{invited.patient_id}/side-effects").json()
    assert len(listed) == 1 or len(listed.get("items", [])) == 1


def test_the_baseline_self_assessment_is_due_then_answered(phone, backend, invited):
    phone.enrol(invited.code)
    due = [q for q in phone.api.questions_due() if q.kind == ReminderKind.SELF_ASSESSMENT_DUE]
    assert len(due) == 1 and due[0].checkin_month == 0
    answers = {question_id: 1 for question_id in due[0].question_ids}
    submit = QuestionnaireSubmit(idempotency_key=uuid.uuid4(), version=due[0].questionnaire_version, answers=answers)
    stored = phone.api.submit_questionnaire(submit)
    assert stored.occasion_month == 0
    assert not [q for q in phone.api.questions_due() if q.kind == ReminderKind.SELF_ASSESSMENT_DUE]


def test_sign_out_revokes_the_token_and_forgets_everything(phone, backend, invited):
    enrolled = phone.enrol(invited.code)
    token = enrolled.device_token
    assert phone.sign_out() is True
    assert not phone.enrolled and phone.tokens.load() is None and phone.cached_me() is None
    phone.api.use_device_token(token)
    with pytest.raises(ApiError) as refused:
        phone.api.me()
    assert refused.value.status == 401


def test_a_phone_the_clinic_disconnected_keeps_its_photos_for_the_same_patient_only(phone, backend, invited):
    from tests.fixtures.images import photo_jpeg

    phone.enrol(invited.code)
    phone.uploads.stop()
    photo = phone.keep_photo(
        key=phone.new_photo_key(), checkin_month=0, view_id="crown", data=photo_jpeg(1080, 1440),
        width=1080, height=1440, captured_at=1.0,
    )
    phone.disconnected()
    phone.enrol(backend.new_invite(invited.patient_id))  # the same patient, a new code
    phone.uploads.stop()
    assert [p.key for p in phone.queue.all()] == [photo.key]

    phone.disconnected()
    someone_else = backend.invite_patient("Sam Patel")
    phone.enrol(someone_else.code)
    assert phone.queue.all() == [] and not photo.path.exists()
