from tortoise import migrations
from tortoise.migrations import operations as ops
from shared.contract.records import EmailState, ExportState
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_cohort_export')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DataExport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('state', fields.CharEnumField(default=ExportState.QUEUED, description='QUEUED: queued\nBUILDING: building\nREADY: ready\nFAILED: failed\nEXPIRED: expired', enum_type=ExportState, max_length=10)),
                ('storage_token', fields.CharField(unique=True, max_length=32)),
                ('size', fields.BigIntField(null=True)),
                ('sha256', fields.CharField(default='', max_length=64)),
                ('problem', fields.CharField(default='', max_length=300)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ready_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('link_token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('link_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('link_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'data_export', 'app': 'models', 'indexes': [Index(fields=['patient_id', 'requested_at']), Index(fields=['state', 'expires_at'])], 'pk_attr': 'id', 'table_description': "A ZIP of one patient's own data (processed photos, records as JSON, the progress report),"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeletionRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.OneToOneField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('device_id', fields.UUIDField(null=True)),
            ],
            options={'table': 'deletion_request', 'app': 'models', 'indexes': [Index(fields=['clinic_id', 'requested_at'])], 'pk_attr': 'id', 'table_description': "A patient's request that the clinic delete their data: one per patient, however often asked."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffEmail',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('recipient', fields.ForeignKeyField('models.StaffUser', source_field='recipient_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('recipient_email', fields.CharField(max_length=254)),
                ('kind', fields.CharField(max_length=40)),
                ('report', fields.ForeignKeyField('models.SideEffectReport', source_field='report_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('state', fields.CharEnumField(default=EmailState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nNOT_SENT: not_sent', enum_type=EmailState, max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim_token', fields.UUIDField(null=True)),
                ('claimed_by', fields.CharField(null=True, max_length=64)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'staff_email', 'app': 'models', 'unique_together': (('report', 'recipient_email'),), 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['clinic_id', 'state'])], 'pk_attr': 'id', 'table_description': 'One alert email to one staff member, in the outbox: written in the transaction of the event'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Photo',
            name='stored_sha1',
            field=fields.CharField(default='', max_length=40),
        ),
        ops.AddField(
            model_name='Photo',
            name='stored_sha256',
            field=fields.CharField(default='', max_length=64),
        ),
    ]
