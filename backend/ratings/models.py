"""Blinded rating rounds: the pairs drawn for a round, each rater's shuffled queue, the scores, and
the consensus kept up to date in the transaction of every score.

The pair-to-patient key is `RatingPair` (patient, view, month, both photos); a rater's browser only
ever sees `RatingTask.token`, random per rater and per presentation.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.photos.models import Photo
from backend.clinics.models import Clinic, StaffUser
from backend.patients.models import Patient
from shared.contract.ratings import CannotRateReason, RoundStatus


class RatingRound(Model):
    """A clinic's round of blinded ratings: which months and views, which raters, open or closed."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name="rating_rounds", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    months: list[int] = fields.JSONField(default=list)  # follow-up months rated against the baseline
    views: list[str] = fields.JSONField(default=list)  # shared.views ids
    status = fields.CharEnumField(RoundStatus, max_length=10, default=RoundStatus.OPEN)
    retest_fraction = fields.FloatField(default=0.1)  # share of pairs shown a second time
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="rating_rounds_created", on_delete=fields.SET_NULL, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    # released early by an admin once every rater is done: provisional figures shown until closed
    published_at = fields.DatetimeField(null=True)
    # the panel's agreement (Krippendorff's alpha over first showings) when released and at closing
    agreement_alpha = fields.FloatField(null=True)
    agreement_pairs = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "rating_round"
        indexes = (("clinic_id", "created_at"),)


class RatingRater(Model):
    """A staff member rating a round, with how far their queue has come."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    round: fields.ForeignKeyRelation[RatingRound] = fields.ForeignKeyField(
        "models.RatingRound", related_name="raters", on_delete=fields.CASCADE
    )
    staff: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="rating_seats", on_delete=fields.CASCADE
    )
    tasks_total = fields.IntField(default=0)
    tasks_done = fields.IntField(default=0)  # tasks with a current score, "cannot rate" included

    class Meta:
        table = "rating_rater"
        unique_together = (("round", "staff"),)


class RatingPair(Model):
    """Baseline and follow-up photo of one view of one patient: the pair-to-patient key."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    round: fields.ForeignKeyRelation[RatingRound] = fields.ForeignKeyField(
        "models.RatingRound", related_name="pairs", on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="rating_pairs", on_delete=fields.CASCADE
    )
    view = fields.CharField(max_length=40)
    month = fields.IntField()  # the follow-up month (months since the baseline)
    baseline_photo: fields.ForeignKeyRelation[Photo] = fields.ForeignKeyField(
        "models.Photo", related_name="rating_pairs_as_baseline", on_delete=fields.CASCADE
    )
    followup_photo: fields.ForeignKeyRelation[Photo] = fields.ForeignKeyField(
        "models.Photo", related_name="rating_pairs_as_followup", on_delete=fields.CASCADE
    )
    retest = fields.BooleanField(default=False)  # shown a second time to every rater

    class Meta:
        table = "rating_pair"
        unique_together = (("round", "patient", "view", "month"),)


class RatingTask(Model):
    """One presentation of a pair to one rater: its place in the rater's shuffled queue, which
    photo is on the left, and the random token the rater's browser addresses it by."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    round: fields.ForeignKeyRelation[RatingRound] = fields.ForeignKeyField(
        "models.RatingRound", related_name="tasks", on_delete=fields.CASCADE
    )
    rater: fields.ForeignKeyRelation[RatingRater] = fields.ForeignKeyField(
        "models.RatingRater", related_name="tasks", on_delete=fields.CASCADE
    )
    pair: fields.ForeignKeyRelation[RatingPair] = fields.ForeignKeyField(
        "models.RatingPair", related_name="tasks", on_delete=fields.CASCADE
    )
    position = fields.IntField()  # 0-based place in the rater's queue
    token = fields.CharField(max_length=32, unique=True)
    baseline_left = fields.BooleanField()  # the order shown; scores are stored follow-up vs baseline
    repeat = fields.BooleanField(default=False)  # the test-retest presentation
    done = fields.BooleanField(default=False)  # has a current score

    class Meta:
        table = "rating_task"
        unique_together = (("rater", "position"),)
        indexes = (("rater_id", "done", "position"),)


class RatingScore(Model):
    """A score given to a task. Never edited: a change is a new row with a reason that replaces the
    old one (`current` moves), and an undo withdraws the row. All rows are kept."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    task: fields.ForeignKeyRelation[RatingTask] = fields.ForeignKeyField(
        "models.RatingTask", related_name="scores", on_delete=fields.CASCADE
    )
    pair: fields.ForeignKeyRelation[RatingPair] = fields.ForeignKeyField(
        "models.RatingPair", related_name="scores", on_delete=fields.CASCADE
    )
    rater: fields.ForeignKeyRelation[RatingRater] = fields.ForeignKeyField(
        "models.RatingRater", related_name="scores", on_delete=fields.CASCADE
    )
    score = fields.SmallIntField(null=True)  # -3..+3, follow-up relative to baseline; null = cannot rate
    cannot_rate = fields.CharEnumField(CannotRateReason, max_length=20, null=True)
    baseline_left = fields.BooleanField()  # the order the rater saw
    repeat = fields.BooleanField(default=False)
    seconds_taken = fields.FloatField(null=True)  # from the pair shown to the score given
    sitting = fields.UUIDField(null=True)  # the rater view's page visit: undo stays within it
    reason = fields.CharField(max_length=500, default="")  # why a score was changed
    replaces: fields.ForeignKeyNullableRelation[RatingScore] = fields.ForeignKeyField(
        "models.RatingScore", related_name="replaced_by", on_delete=fields.SET_NULL, null=True
    )
    current = fields.BooleanField(default=True)
    given_at = fields.DatetimeField(auto_now_add=True)
    withdrawn_at = fields.DatetimeField(null=True)  # undone by the rater

    class Meta:
        table = "rating_score"
        indexes = (("pair_id", "current"), ("rater_id", "current", "given_at"))


class RatingConsensus(Model):
    """The median of the raters' current scores for one pair, kept in the transaction of every
    score. The outcomes and records features read this table with SQL of their own."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name="rating_consensus", on_delete=fields.CASCADE
    )
    round: fields.ForeignKeyRelation[RatingRound] = fields.ForeignKeyField(
        "models.RatingRound", related_name="consensus", on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="rating_consensus", on_delete=fields.CASCADE
    )
    view = fields.CharField(max_length=40)  # a shared.views id
    month = fields.IntField()  # the follow-up month, months since baseline (CheckIn.month)
    score = fields.FloatField()  # median of the raters' current scores, -3..+3, may be a half
    raters = fields.IntField()  # how many raters' scores count (cannot rate does not)
    # how many raters' current scores are each point of the scale: a score changes these by one in a
    # single atomic upsert, and the median follows from them, so no lock or re-read of the scores
    greatly_decreased = fields.IntField(default=0, db_default=0)
    moderately_decreased = fields.IntField(default=0, db_default=0)
    slightly_decreased = fields.IntField(default=0, db_default=0)
    no_change = fields.IntField(default=0, db_default=0)
    slightly_increased = fields.IntField(default=0, db_default=0)
    moderately_increased = fields.IntField(default=0, db_default=0)
    greatly_increased = fields.IntField(default=0, db_default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "rating_consensus"
        unique_together = (("round", "patient", "view", "month"),)
        indexes = (("clinic_id", "month"), ("patient_id", "month"))
