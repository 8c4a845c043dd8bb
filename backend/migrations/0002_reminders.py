from tortoise import migrations
from tortoise.migrations import operations as ops
from shared.contract.reminders import ReminderState
from shared.schedule import ReminderKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_foundation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CompletedMonth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('task', fields.CharField(max_length=20)),
                ('month', fields.IntField()),
                ('completed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reminder_completed_month', 'app': 'models', 'unique_together': (('patient', 'task', 'month'),), 'pk_attr': 'id', 'table_description': 'A month whose check-in or self-assessment the patient has done, so its reminders stop.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reminder',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='CHECKIN_DUE: checkin_due\nCHECKIN_MISSED: checkin_missed\nINJECTION_UPCOMING: injection_upcoming\nSIDE_EFFECT_QUESTION: side_effect_question\nSELF_ASSESSMENT_DUE: self_assessment_due', enum_type=ReminderKind, max_length=24)),
                ('dedupe_key', fields.CharField(max_length=120)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('session_id', fields.UUIDField(null=True)),
                ('checkin_month', fields.IntField(null=True)),
                ('state', fields.CharEnumField(default=ReminderState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nDEAD: dead\nCANCELLED: cancelled', enum_type=ReminderState, max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim_token', fields.UUIDField(null=True)),
                ('claimed_by', fields.CharField(null=True, max_length=64)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'reminder', 'app': 'models', 'unique_together': (('patient', 'dedupe_key'),), 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['patient_id', 'due_at'])], 'pk_attr': 'id', 'table_description': 'One reminder in the outbox, written in the transaction of the change that caused it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeliveryAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reminder', fields.ForeignKeyField('models.Reminder', source_field='reminder_id', db_constraint=True, to_field='id', related_name='delivery_attempts', on_delete=OnDelete.CASCADE)),
                ('device', fields.ForeignKeyField('models.Device', source_field='device_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('attempt', fields.IntField()),
                ('provider', fields.CharField(max_length=16)),
                ('outcome', fields.CharField(max_length=24)),
                ('detail', fields.CharField(default='', max_length=500)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reminder_delivery_attempt', 'app': 'models', 'indexes': [Index(fields=['reminder_id', 'at'])], 'pk_attr': 'id', 'table_description': 'One try at delivering a reminder to one phone (or to the outbox), and what came of it.'},
            bases=['Model'],
        ),
    ]
