from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from shared.contract.checkins import CheckInStatus, PhotoStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_reports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CheckIn',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='checkins', on_delete=OnDelete.CASCADE)),
                ('month', fields.IntField()),
                ('due_on', fields.DateField()),
                ('views', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=CheckInStatus.OPEN, description='OPEN: open\nCOMPLETE: complete', enum_type=CheckInStatus, max_length=10)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'checkin', 'app': 'models', 'unique_together': (('patient', 'month'),), 'pk_attr': 'id', 'table_description': "One month's photo check-in of one patient, with the views the clinic's protocol asked for."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Photo',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('checkin', fields.ForeignKeyField('models.CheckIn', source_field='checkin_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('view', fields.CharField(max_length=40)),
                ('idempotency_key', fields.UUIDField()),
                ('storage_token', fields.CharField(unique=True, max_length=32)),
                ('status', fields.CharEnumField(default=PhotoStatus.PENDING, description='PENDING: pending\nUPLOADED: uploaded\nREADY: ready\nREJECTED: rejected', enum_type=PhotoStatus, max_length=10)),
                ('content_type', fields.CharField(max_length=100)),
                ('sha256', fields.CharField(max_length=64)),
                ('size', fields.BigIntField()),
                ('source_type', fields.CharField(default='', max_length=10)),
                ('width', fields.IntField(null=True)),
                ('height', fields.IntField(null=True)),
                ('stored_size', fields.BigIntField(null=True)),
                ('metrics', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('phone_metrics', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rejection_code', fields.CharField(default='', max_length=40)),
                ('rejection_message', fields.CharField(default='', max_length=300)),
                ('captured_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('slot_issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('uploaded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'photo', 'app': 'models', 'unique_together': (('patient', 'idempotency_key'),), 'indexes': [Index(fields=['patient_id', 'captured_at']), Index(fields=['status', 'slot_issued_at'])], 'pk_attr': 'id', 'table_description': 'One photo of one view. Its objects in the store are named by `storage_token` (random) only.'},
            bases=['Model'],
        ),
    ]
