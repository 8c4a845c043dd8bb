"""The outbox follows every change that causes reminders, in the same transaction, and never rewrites history."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.db import QueryCounter
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.push.message import GENERIC_TITLE
from backend.reminders import service as reminders
from backend.reminders.delivery import deliver_due
from backend.reminders.planning import OutboxRow, diff_outbox, extend_horizon, plan_for_patient
from shared.contract.patients import Treatment
from shared.contract.reminders import ReminderState
from shared.schedule import PlannedReminder, ReminderKind, checkin_due_on
from tests.backend.reminders.outbox import LONDON, OUTBOX_ONLY, history, local_day, local_time, my_schedule, parse
from tests.backend.world import add_patient

BASELINE = date(2026, 1, 15)  # the world's patients


async def test_an_enrolled_patient_is_reminded_of_each_check_in_on_its_day_at_their_evening_time(client, world):
    now = datetime.now(UTC)
    schedule = (await my_schedule(client, world))["reminders"]
    due = [parse(r["due_at"]) for r in schedule]
    assert due and due == sorted(due) and due[0] >= now - timedelta(seconds=5)
    checkins = [r for r in schedule if r["kind"] == "checkin_due"]
    assert checkins, "enrolment plans the coming check-ins"
    for reminder in checkins:
        at = parse(reminder["due_at"]).astimezone(LONDON)
        assert at.date() == checkin_due_on(BASELINE, reminder["checkin_month"])
        assert at.time() == time(18, 0)
    assert {r["title"] for r in schedule} == {GENERIC_TITLE}
    others = {r["id"] for r in (await my_schedule(client, world, "patient_b"))["reminders"]}
    assert others and not others & {r["id"] for r in schedule}


async def test_scheduling_moving_and_cancelling_a_session_rewrites_its_reminders(client, world):
    staff, patient = world.headers("staff_x"), world.ids["patient_a"]
    first = local_time(10, 14)
    created = await client.post(
        f"/patients/{patient}/injections", json={"scheduled_at": first.isoformat(), "treatment": "exosomes"}, headers=staff
    )
    session_id = created.json()["id"]

    async def before_session() -> list[timedelta]:
        schedule = (await my_schedule(client, world))["reminders"]
        return sorted(at - parse(r["due_at"]) for r in schedule if r["session_id"] == session_id)

    at = first
    assert await before_session() == [timedelta(hours=2), timedelta(hours=24), timedelta(hours=72)]

    at = local_time(13, 15)
    moved = await client.patch(f"/injections/{session_id}", json={"scheduled_at": at.isoformat()}, headers=staff)
    assert moved.status_code == 200
    assert await before_session() == [timedelta(hours=2), timedelta(hours=24), timedelta(hours=72)]
    cancelled_times = sorted(parse(r["due_at"]) for r in (await history(client, world, state="cancelled"))["items"])
    assert cancelled_times == [first - timedelta(hours=h) for h in (72, 24, 2)]

    await client.patch(f"/injections/{session_id}", json={"status": "cancelled"}, headers=staff)
    assert await before_session() == []
    assert (await history(client, world))["counts"]["cancelled"] == 6


async def test_a_session_given_today_asks_about_side_effects_tomorrow_and_a_week_later(client, world):
    answer = await client.post(
        f"/patients/{world.ids['patient_a']}/injections",
        json={"scheduled_at": local_time(0, 9).isoformat(), "status": "done", "treatment": "prp"},
        headers=world.headers("clinician_x"),
    )
    session_id = answer.json()["id"]
    schedule = (await my_schedule(client, world))["reminders"]
    asked = sorted(parse(r["due_at"]) for r in schedule if r["session_id"] == session_id)
    assert asked == [local_time(1, 18), local_time(7, 18)]
    assert {r["kind"] for r in schedule if r["session_id"] == session_id} == {"side_effect_question"}


async def test_new_reminder_preferences_move_the_same_reminders_out_of_quiet_hours(client, world):
    before = {r["id"]: r for r in (await my_schedule(client, world))["reminders"]}
    changed = await client.put(
        "/me/reminders",
        json={"reminders": {"check_in_time": "07:30", "quiet_hours_start": "22:00", "quiet_hours_end": "09:00"}},
        headers=world.headers("patient_a"),
    )
    assert changed.status_code == 200
    after = {r["id"]: r for r in (await my_schedule(client, world))["reminders"]}
    checkins = [r for r in after.values() if r["kind"] == "checkin_due"]
    # 07:30 falls in the new quiet hours, so the reminder waits for their end
    assert checkins and all(parse(r["due_at"]).astimezone(LONDON).time() == time(9, 0) for r in checkins)
    assert {i for i, r in before.items() if r["kind"] == "checkin_due"} <= set(after), "the app keeps its ids"


async def test_quiet_hours_leaving_too_little_awake_time_are_refused_and_nothing_changes(client, world):
    headers = world.headers("patient_a")
    before = (await my_schedule(client, world))["reminders"]
    refused = await client.put(
        "/me/reminders", json={"reminders": {"quiet_hours_start": "08:00", "quiet_hours_end": "07:00"}}, headers=headers
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "validation_failed"
    assert (await client.get("/me", headers=headers)).json()["reminders"]["quiet_hours_start"] == "21:00"
    assert (await my_schedule(client, world))["reminders"] == before


async def test_stored_preferences_the_rules_refuse_never_block_enrolment_or_scheduling(client, world):
    staff = world.headers("staff_x")
    created = await client.post(
        "/patients",
        json={
            "display_name": "Night Owl",
            "record_number": "X-901",
            "plan": {"treatment": "prp", "planned_sessions": 3, "interval_days": 30},
            "baseline_date": str(date.today()),
            "reminders": {"quiet_hours_start": "08:00", "quiet_hours_end": "07:00"},
        },
        headers=staff,
    )
    patient = created.json()["id"]
    invite = await client.post(f"/patients/{patient}/invites", headers=staff)
    enrolled = await client.post("/enrol", json={"code": invite.json()["code"]})
    assert enrolled.status_code == 201
    session = await client.post(
        f"/patients/{patient}/injections", json={"scheduled_at": local_time(5, 12).isoformat(), "treatment": "prp"},
        headers=staff,
    )
    assert session.status_code == 201
    fixed = await client.put(
        "/me/reminders", json={"reminders": {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00"}},
        headers={"Authorization": f"Bearer {enrolled.json()['device_token']}"},
    )
    assert fixed.status_code == 200
    listed = await client.get(f"/patients/{patient}/reminders", params={"state": "pending"}, headers=staff)
    assert listed.json()["total"] > 0, "planned as soon as the preferences make sense"


async def test_completing_a_check_in_stops_that_months_reminders_only(client, world):
    schedule = (await my_schedule(client, world))["reminders"]
    month = min(r["checkin_month"] for r in schedule if r["kind"] == "checkin_due")
    await reminders.checkin_completed(world.ids["patient_a"], month)
    left = (await my_schedule(client, world))["reminders"]
    assert not [r for r in left if r["kind"] in ("checkin_due", "checkin_missed") and r["checkin_month"] == month]
    assert [r for r in left if r["kind"] == "checkin_due" and r["checkin_month"] == month + 1]
    stopped = (await history(client, world, state="cancelled"))["items"]
    assert {(r["kind"], r["checkin_month"]) for r in stopped} == {("checkin_due", month), ("checkin_missed", month)}


async def test_an_answered_self_assessment_stops_its_reminder_for_good(client, world):
    # a baseline three months before a day ten days ahead: the month-3 questionnaire falls in the plan
    ahead = local_day(10)
    baseline = date(ahead.year - (ahead.month <= 3), (ahead.month - 4) % 12 + 1, min(ahead.day, 28))
    moved = await client.patch(
        f"/patients/{world.ids['patient_a']}", json={"baseline_date": str(baseline)}, headers=world.headers("staff_x")
    )
    assert moved.status_code == 200

    async def month_three() -> set[str]:
        schedule = (await my_schedule(client, world))["reminders"]
        return {r["kind"] for r in schedule if r["checkin_month"] == 3 and r["kind"] != "checkin_missed"}

    assert await month_three() == {"checkin_due", "self_assessment_due"}
    await reminders.questions_answered(world.ids["patient_a"], ["self_assessment_due:3"])
    assert await month_three() == {"checkin_due"}
    await client.put("/me/reminders", json={"reminders": {"check_in_time": "17:00"}}, headers=world.headers("patient_a"))
    await extend_horizon()
    assert await month_three() == {"checkin_due"}, "planning again does not bring it back"


async def test_a_patient_not_yet_enrolled_gets_no_reminders(client, world):
    staff = world.headers("staff_x")
    created = await client.post(
        "/patients",
        json={
            "display_name": "Not Enrolled",
            "record_number": "X-900",
            "plan": {"treatment": "prp", "planned_sessions": 3, "interval_days": 30},
            "baseline_date": str(date.today()),
        },
        headers=staff,
    )
    patient = created.json()["id"]
    await client.post(
        f"/patients/{patient}/injections",
        json={"scheduled_at": local_time(5, 12).isoformat(), "treatment": "prp"},
        headers=staff,
    )
    listed = await client.get(f"/patients/{patient}/reminders", headers=staff)
    assert listed.json()["total"] == 0


async def test_planning_again_changes_nothing_and_sent_reminders_are_never_rewritten(client, world):
    patient = world.ids["patient_a"]
    again = await plan_for_patient(patient)
    assert (again.inserted, again.moved, again.cancelled) == (0, 0, 0)

    first = (await my_schedule(client, world))["reminders"][0]
    due = parse(first["due_at"])
    await deliver_due(OUTBOX_ONLY, clock=lambda: due + timedelta(seconds=1))
    await client.put("/me/reminders", json={"reminders": {"check_in_time": "19:15"}}, headers=world.headers("patient_a"))
    sent = [r for r in (await history(client, world))["items"] if r["id"] == first["id"]]
    assert sent[0]["state"] == "sent" and parse(sent[0]["due_at"]) == due


async def test_extending_the_horizon_plans_every_enrolled_patient_with_a_fixed_number_of_queries(db):
    from backend.auth import service as auth

    clinic, _ = await auth.create_clinic_with_admin("Clinic Z", "admin@z.example", "Admin Z", "correct horse battery")
    enrolled_at = datetime.now(UTC)

    async def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            patient = await add_patient(clinic.id, f"P{n}", f"Z-{n}")
            await Patient.filter(id=patient.id).update(enrolled_at=enrolled_at)
            await InjectionSession.create(
                patient=patient, clinic=clinic, scheduled_at=local_time(20 + n % 5, 11), treatment=Treatment.PRP
            )

    await add(4, 0)
    with QueryCounter() as few:
        small = await extend_horizon(batch_size=100)
    await add(36, 4)
    with QueryCounter() as many:
        large = await extend_horizon(datetime.now(UTC) + timedelta(days=1), batch_size=100)
    assert (small.patients, large.patients) == (4, 40)
    assert small.inserted >= 4 * 5 and large.inserted >= 36 * 5
    assert many.count == few.count, "one batch costs the same queries for 4 patients or 40"

    with QueryCounter() as batched:
        report = await extend_horizon(datetime.now(UTC) + timedelta(days=40), batch_size=10)
    assert report.batches == 4 and report.inserted >= 40
    per_batch = few.count - 1  # the final, empty page of patients
    assert batched.count <= 4 * per_batch + 1


# --- the diff, as a rule over any outbox ------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
KEYS = [f"k{i}" for i in range(6)]
times = st.integers(min_value=-48, max_value=48).map(lambda h: NOW + timedelta(hours=h))


@settings(max_examples=200, deadline=None)
@given(
    planned=st.dictionaries(st.sampled_from(KEYS), times),
    existing=st.dictionaries(st.sampled_from(KEYS), st.tuples(st.sampled_from(list(ReminderState)), times, st.booleans())),
)
def test_the_diff_writes_only_what_the_plan_needs_and_leaves_finished_rows_alone(planned, existing):
    rows = [OutboxRow(uuid.uuid4(), key, state, due, answered) for key, (state, due, answered) in existing.items()]
    plan = [(key, PlannedReminder(kind=ReminderKind.CHECKIN_DUE, due_at=due, dedupe_key=key)) for key, due in planned.items()]
    changes = diff_outbox(plan, rows, NOW)
    by_id = {r.id: r for r in rows}
    touched = [by_id[i] for i in changes.cancels] + [by_id[i] for i, _ in changes.moves]
    assert all(r.state in (ReminderState.PENDING, ReminderState.CANCELLED) and not r.answered for r in touched)
    assert all(by_id[i].state == ReminderState.PENDING for i in changes.cancels)
    assert all(at >= NOW and planned[by_id[i].dedupe_key] == at for i, at in changes.moves)
    assert {k for k, _ in changes.inserts} == {k for k, due in planned.items() if k not in existing and due >= NOW}
    for row in rows:
        if row.state == ReminderState.PENDING and not row.answered and row.dedupe_key not in planned:
            assert row.id in changes.cancels
