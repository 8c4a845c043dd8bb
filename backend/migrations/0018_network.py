from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_coverage')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NetworkLotSignal',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('treatment', fields.CharField(max_length=20)),
                ('product', fields.CharField(default='', max_length=200)),
                ('lot_number', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=20)),
                ('clinics', fields.IntField()),
                ('lot_sessions', fields.IntField()),
                ('lot_events', fields.IntField()),
                ('rest_sessions', fields.IntField()),
                ('rest_events', fields.IntField()),
                ('p_adjusted', fields.FloatField()),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('acknowledged_by', fields.ForeignKeyField('models.StaffUser', source_field='acknowledged_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'network_lot_signal', 'app': 'models', 'unique_together': (('clinic', 'lot_number', 'kind'),), 'pk_attr': 'id', 'table_description': 'A lot the network flagged that this clinic used: shown in its safety inbox until acknowledged.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetworkMembership',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', unique=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('registry_url', fields.CharField(max_length=300)),
                ('registry_clinic_id', fields.CharField(max_length=64)),
                ('private_key', fields.CharField(max_length=64)),
                ('public_key', fields.CharField(max_length=64)),
                ('sequence', fields.BigIntField(default=0)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('joined_by', fields.ForeignKeyField('models.StaffUser', source_field='joined_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('left_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'network_membership', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A clinic that opted in to the network: where the registry is, the id it knows the clinic by'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetworkSubmission',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='summary', max_length=12)),
                ('period', fields.CharField(max_length=7)),
                ('sequence', fields.BigIntField()),
                ('payload', fields.TextField(unique=False)),
                ('signature', fields.CharField(max_length=100)),
                ('state', fields.CharField(default='pending', max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim_token', fields.UUIDField(null=True)),
                ('claimed_by', fields.CharField(default='', max_length=100)),
                ('last_error', fields.CharField(default='', max_length=300)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'network_submission', 'app': 'models', 'unique_together': (('clinic', 'sequence'),), 'indexes': [Index(fields=['state', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'A signed summary waiting for, or delivered to, the registry (the outbox: claimed under a lease,'},
            bases=['Model'],
        ),
    ]
