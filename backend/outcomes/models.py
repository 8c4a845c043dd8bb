"""Each patient's outcome facts, worked out from the raw rows and kept up to date in the
transaction of every change they depend on (backend/outcomes/facts.py), so the outcomes page
aggregates one narrow row per patient (and per patient and lot, per session and symptom) instead
of joining a million ratings. Research consent and the patient's profile are not copied here:
the page joins the patient row, so a withdrawn consent leaves every figure at once."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from backend.injections.models import InjectionSession
from backend.patients.models import Patient


class OutcomePatient(Model):
    """A patient's consensus at months 3, 6 and 12, time to improvement, sessions, completed
    check-ins and self-assessment answers (see facts.py for how each is worked out)."""

    id = fields.BigIntField(primary_key=True)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    c3 = fields.FloatField(null=True)  # consensus at month 3 (median over the rated views)
    c6 = fields.FloatField(null=True)
    c12 = fields.FloatField(null=True)
    km_month = fields.IntField(null=True)  # first month with consensus >= +1, else the last rated month
    km_improved = fields.SmallIntField(null=True)  # 1 improved at km_month, 0 censored there
    # the baseline date as year * 12 + month - 1 and day of month, for the months due (integer
    # arithmetic instead of date functions per patient); refreshed when the baseline moves
    baseline_months = fields.IntField(null=True)
    baseline_day = fields.SmallIntField(null=True)
    dose6 = fields.IntField(default=0)  # sessions done up to the month-6 check-in
    sessions = fields.IntField(default=0)  # sessions done
    checkins = fields.BigIntField(default=0)  # bit m set: check-in month m (0-61) complete
    sat0 = fields.SmallIntField(null=True)  # satisfaction with appearance at the baseline
    sat3 = fields.SmallIntField(null=True)
    sat6 = fields.SmallIntField(null=True)
    sat12 = fields.SmallIntField(null=True)
    growth3 = fields.SmallIntField(null=True)  # the patient's own view of growth
    growth6 = fields.SmallIntField(null=True)
    growth12 = fields.SmallIntField(null=True)

    class Meta:
        table = "outcome_patient"
        unique_together = (("patient",),)


class OutcomeLot(Model):
    """A patient's done sessions of one (treatment, lot) and how many had side effects of each kind."""

    id = fields.BigIntField(primary_key=True)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    treatment = fields.CharField(max_length=20)
    lot_number = fields.CharField(max_length=64)  # upper case, no surrounding spaces
    product = fields.CharField(max_length=200)  # one of the lot's products
    sessions = fields.IntField()
    with_any = fields.IntField()
    with_moderate = fields.IntField()
    with_serious = fields.IntField()
    with_late = fields.IntField()

    class Meta:
        table = "outcome_lot"
        indexes = (("patient_id",),)


class OutcomeSymptom(Model):
    """A symptom felt (mild or worse) after a done session: onset and how long it was reported for."""

    id = fields.BigIntField(primary_key=True)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyRelation[InjectionSession] = fields.ForeignKeyField(
        "models.InjectionSession", related_name=False, on_delete=fields.CASCADE
    )
    symptom = fields.CharField(max_length=24)
    onset_days = fields.IntField()
    reported_days = fields.IntField()

    class Meta:
        table = "outcome_symptom"
        indexes = (("patient_id",),)
