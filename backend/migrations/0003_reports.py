from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_reminders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='QuestionnaireResponse',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='questionnaire_responses', on_delete=OnDelete.CASCADE)),
                ('idempotency_key', fields.UUIDField()),
                ('request_sha256', fields.CharField(max_length=64)),
                ('version', fields.SmallIntField()),
                ('occasion_month', fields.IntField()),
                ('answered_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'questionnaire_response', 'app': 'models', 'unique_together': (('patient', 'idempotency_key'), ('patient', 'occasion_month')), 'indexes': [Index(fields=['clinic_id', 'answered_at'])], 'pk_attr': 'id', 'table_description': "A patient's self-assessment for one occasion, answered in one questionnaire version."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QuestionnaireAnswer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('response', fields.ForeignKeyField('models.QuestionnaireResponse', source_field='response_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('question', fields.CharField(max_length=40)),
                ('value', fields.SmallIntField()),
            ],
            options={'table': 'questionnaire_answer', 'app': 'models', 'unique_together': (('response', 'question'),), 'indexes': [Index(fields=['question', 'value'])], 'pk_attr': 'id', 'table_description': "One answer of a self-assessment, on the scale of the response's version."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SideEffectReport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='side_effect_reports', on_delete=OnDelete.CASCADE)),
                ('injection_session', fields.ForeignKeyField('models.InjectionSession', source_field='injection_session_id', db_constraint=True, to_field='id', related_name='side_effect_reports', on_delete=OnDelete.NO_ACTION)),
                ('idempotency_key', fields.UUIDField()),
                ('request_sha256', fields.CharField(max_length=64)),
                ('started_on', fields.DateField()),
                ('notes', fields.TextField(default='', unique=False)),
                ('needed_medical_care', fields.BooleanField()),
                ('max_severity', fields.SmallIntField()),
                ('serious', fields.BooleanField()),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('acknowledged_by', fields.ForeignKeyField('models.StaffUser', source_field='acknowledged_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'side_effect_report', 'app': 'models', 'unique_together': (('patient', 'idempotency_key'),), 'indexes': [Index(fields=['clinic_id', 'submitted_at']), Index(fields=['clinic_id', 'serious', 'acknowledged_at']), Index(fields=['patient_id', 'submitted_at']), Index(fields=['injection_session_id'])], 'pk_attr': 'id', 'table_description': "A patient's report of side effects after one injection session (and so its product lot)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportAnnotation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('models.SideEffectReport', source_field='report_id', db_constraint=True, to_field='id', related_name='annotations', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.StaffUser', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('author_name', fields.CharField(max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report_annotation', 'app': 'models', 'indexes': [Index(fields=['report_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A staff note on a side-effect report. Notes are only ever added.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SideEffectSymptom',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('models.SideEffectReport', source_field='report_id', db_constraint=True, to_field='id', related_name='symptoms', on_delete=OnDelete.CASCADE)),
                ('symptom', fields.CharField(max_length=24)),
                ('severity', fields.SmallIntField()),
            ],
            options={'table': 'side_effect_symptom', 'app': 'models', 'unique_together': (('report', 'symptom'),), 'indexes': [Index(fields=['symptom', 'severity'])], 'pk_attr': 'id', 'table_description': 'One symptom of a report with its severity 0-3 (a row each, so rates per symptom are plain SQL).'},
            bases=['Model'],
        ),
    ]
