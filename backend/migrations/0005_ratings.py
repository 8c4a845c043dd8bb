from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from shared.contract.ratings import CannotRateReason, RoundStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_checkins')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RatingRound',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name='rating_rounds', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('months', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('views', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=RoundStatus.OPEN, description='OPEN: open\nCLOSED: closed', enum_type=RoundStatus, max_length=10)),
                ('retest_fraction', fields.FloatField(default=0.1)),
                ('created_by', fields.ForeignKeyField('models.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='rating_rounds_created', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rating_round', 'app': 'models', 'indexes': [Index(fields=['clinic_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "A clinic's round of blinded ratings: which months and views, which raters, open or closed."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RatingConsensus',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name='rating_consensus', on_delete=OnDelete.CASCADE)),
                ('round', fields.ForeignKeyField('models.RatingRound', source_field='round_id', db_constraint=True, to_field='id', related_name='consensus', on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='rating_consensus', on_delete=OnDelete.CASCADE)),
                ('view', fields.CharField(max_length=40)),
                ('month', fields.IntField()),
                ('score', fields.FloatField()),
                ('raters', fields.IntField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'rating_consensus', 'app': 'models', 'unique_together': (('round', 'patient', 'view', 'month'),), 'indexes': [Index(fields=['clinic_id', 'month'])], 'pk_attr': 'id', 'table_description': "The median of the raters' current scores for one pair, kept in the transaction of every"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RatingPair',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.RatingRound', source_field='round_id', db_constraint=True, to_field='id', related_name='pairs', on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='rating_pairs', on_delete=OnDelete.CASCADE)),
                ('view', fields.CharField(max_length=40)),
                ('month', fields.IntField()),
                ('baseline_photo', fields.ForeignKeyField('models.Photo', source_field='baseline_photo_id', db_constraint=True, to_field='id', related_name='rating_pairs_as_baseline', on_delete=OnDelete.CASCADE)),
                ('followup_photo', fields.ForeignKeyField('models.Photo', source_field='followup_photo_id', db_constraint=True, to_field='id', related_name='rating_pairs_as_followup', on_delete=OnDelete.CASCADE)),
                ('retest', fields.BooleanField(default=False)),
            ],
            options={'table': 'rating_pair', 'app': 'models', 'unique_together': (('round', 'patient', 'view', 'month'),), 'pk_attr': 'id', 'table_description': 'Baseline and follow-up photo of one view of one patient: the pair-to-patient key.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RatingRater',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.RatingRound', source_field='round_id', db_constraint=True, to_field='id', related_name='raters', on_delete=OnDelete.CASCADE)),
                ('staff', fields.ForeignKeyField('models.StaffUser', source_field='staff_id', db_constraint=True, to_field='id', related_name='rating_seats', on_delete=OnDelete.CASCADE)),
                ('tasks_total', fields.IntField(default=0)),
                ('tasks_done', fields.IntField(default=0)),
            ],
            options={'table': 'rating_rater', 'app': 'models', 'unique_together': (('round', 'staff'),), 'pk_attr': 'id', 'table_description': 'A staff member rating a round, with how far their queue has come.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RatingTask',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.RatingRound', source_field='round_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('rater', fields.ForeignKeyField('models.RatingRater', source_field='rater_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('pair', fields.ForeignKeyField('models.RatingPair', source_field='pair_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('token', fields.CharField(unique=True, max_length=32)),
                ('baseline_left', fields.BooleanField()),
                ('repeat', fields.BooleanField(default=False)),
                ('done', fields.BooleanField(default=False)),
            ],
            options={'table': 'rating_task', 'app': 'models', 'unique_together': (('rater', 'position'),), 'indexes': [Index(fields=['rater_id', 'done', 'position'])], 'pk_attr': 'id', 'table_description': "One presentation of a pair to one rater: its place in the rater's shuffled queue, which"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RatingScore',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('task', fields.ForeignKeyField('models.RatingTask', source_field='task_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('pair', fields.ForeignKeyField('models.RatingPair', source_field='pair_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('rater', fields.ForeignKeyField('models.RatingRater', source_field='rater_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('score', fields.SmallIntField(null=True)),
                ('cannot_rate', fields.CharEnumField(null=True, description='BLURRED: blurred\nDIFFERENT_ANGLE: different_angle\nHAIR_STYLED_DIFFERENTLY: hair_styled_differently\nLIGHTING: lighting', enum_type=CannotRateReason, max_length=20)),
                ('baseline_left', fields.BooleanField()),
                ('repeat', fields.BooleanField(default=False)),
                ('seconds_taken', fields.FloatField(null=True)),
                ('sitting', fields.UUIDField(null=True)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('replaces', fields.ForeignKeyField('models.RatingScore', source_field='replaces_id', null=True, db_constraint=True, to_field='id', related_name='replaced_by', on_delete=OnDelete.SET_NULL)),
                ('current', fields.BooleanField(default=True)),
                ('given_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('withdrawn_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rating_score', 'app': 'models', 'indexes': [Index(fields=['pair_id', 'current']), Index(fields=['rater_id', 'current', 'given_at'])], 'pk_attr': 'id', 'table_description': 'A score given to a task. Never edited: a change is a new row with a reason that replaces the'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Clinic',
            name='share_consensus_with_patients',
            field=fields.BooleanField(default=False),
        ),
    ]
