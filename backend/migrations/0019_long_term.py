from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from shared.schedule import ReminderKind
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0018_network')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CourseSetting',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('clinic', fields.OneToOneField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('gap_months', fields.SmallIntField()),
                ('after_gap', fields.CharField(max_length=16)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'course_setting', 'app': 'models', 'pk_attr': 'id', 'table_description': "How the clinic cuts a patient's sessions into courses (see shared.long_term)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SafetyAnswer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='safety_answers', on_delete=OnDelete.CASCADE)),
                ('idempotency_key', fields.UUIDField()),
                ('request_sha256', fields.CharField(max_length=64)),
                ('occasion', fields.CharField(max_length=16)),
                ('month', fields.IntField()),
                ('course_ends_on', fields.DateField(null=True)),
                ('occasion_key', fields.CharField(max_length=48)),
                ('anything_new', fields.BooleanField()),
                ('saw_doctor', fields.BooleanField(default=False)),
                ('side_effect_report', fields.ForeignKeyField('models.SideEffectReport', source_field='side_effect_report_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('answered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'safety_answer', 'app': 'models', 'unique_together': (('patient', 'idempotency_key'), ('patient', 'occasion_key')), 'indexes': [Index(fields=['clinic_id', 'answered_at'])], 'pk_attr': 'id', 'table_description': 'A patient\'s answer to a safety question: "anything new since last time?" at a monthly'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SafetyAnswerSession',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('answer', fields.ForeignKeyField('models.SafetyAnswer', source_field='answer_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('injection_session', fields.ForeignKeyField('models.InjectionSession', source_field='injection_session_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('product', fields.CharField(max_length=200)),
                ('lot_number', fields.CharField(max_length=100)),
                ('days_since', fields.IntField()),
            ],
            options={'table': 'safety_answer_session', 'app': 'models', 'indexes': [Index(fields=['answer_id'])], 'pk_attr': 'id', 'table_description': 'A recent session an answer is linked to, with its lot and the days from it to the answer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StopReasonRecord',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='stop_reasons', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=24)),
                ('note', fields.TextField(default='', unique=False)),
                ('source', fields.CharField(max_length=8)),
                ('recorded_by', fields.ForeignKeyField('models.StaffUser', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'stop_reason', 'app': 'models', 'indexes': [Index(fields=['clinic_id', 'recorded_at']), Index(fields=['patient_id', 'recorded_at'])], 'pk_attr': 'id', 'table_description': "Why a patient stopped coming, from the patient's one tap after a missed check-in or from"},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Reminder',
            name='kind',
            field=fields.CharEnumField(description='CHECKIN_DUE: checkin_due\nCHECKIN_MISSED: checkin_missed\nINJECTION_UPCOMING: injection_upcoming\nSIDE_EFFECT_QUESTION: side_effect_question\nSELF_ASSESSMENT_DUE: self_assessment_due\nSAFETY_CHECK_IN: safety_check_in\nPHOTO_RETAKE: photo_retake', enum_type=ReminderKind, max_length=24),
        ),
    ]
