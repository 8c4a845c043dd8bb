from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from shared.contract.auth import StaffRole
from shared.contract.injections import SessionStatus
from shared.contract.patients import Platform, Treatment
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('clinic_id', fields.UUIDField(null=True, db_index=True)),
                ('actor_kind', fields.CharField(max_length=10)),
                ('actor_id', fields.UUIDField(null=True)),
                ('action', fields.CharField(max_length=64)),
                ('subject_type', fields.CharField(max_length=40)),
                ('subject_id', fields.CharField(max_length=64)),
                ('patient_id', fields.UUIDField(null=True, db_index=True)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['clinic_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Who saw or changed what, when. Rows are only ever added.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Clinic',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('timezone', fields.CharField(default='UTC', max_length=64)),
                ('protocol_views', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('injection_reminder_hours', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'clinic', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A clinic: the tenant. Everything a staff member sees belongs to one clinic.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Patient',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name='patients', on_delete=OnDelete.CASCADE)),
                ('display_name', fields.CharField(max_length=200)),
                ('record_number', fields.CharField(max_length=64)),
                ('treatment', fields.CharEnumField(description='EXOSOMES: exosomes\nPRP: prp\nMICRONEEDLING: microneedling\nCOMBINATION: combination\nOTHER: other', enum_type=Treatment, max_length=20)),
                ('planned_sessions', fields.IntField()),
                ('interval_days', fields.IntField()),
                ('baseline_date', fields.DateField()),
                ('timezone', fields.CharField(default='UTC', max_length=64)),
                ('check_in_time', fields.CharField(default='18:00', max_length=5)),
                ('quiet_hours_start', fields.CharField(default='21:00', max_length=5)),
                ('quiet_hours_end', fields.CharField(default='08:00', max_length=5)),
                ('push_enabled', fields.BooleanField(default=True)),
                ('consent_care', fields.BooleanField(default=True)),
                ('consent_research', fields.BooleanField(default=False)),
                ('enrolled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'patient', 'app': 'models', 'unique_together': (('clinic', 'record_number'),), 'indexes': [Index(fields=['clinic_id', 'display_name'])], 'pk_attr': 'id', 'table_description': "A clinic's patient, linked to the clinic's own record (EHR/MRN number)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Device',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='devices', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(default='', max_length=200)),
                ('platform', fields.CharEnumField(description='ANDROID: android\nIOS: ios\nDESKTOP: desktop', enum_type=Platform, max_length=10)),
                ('push_token', fields.CharField(null=True, max_length=512)),
                ('push_disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'device', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An enrolled phone. Only the sha256 of its token is stored, and revoking signs it out.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nCLINICIAN: clinician\nFRONT_DESK: front_desk', enum_type=StaffRole, max_length=20)),
                ('password_hash', fields.CharField(max_length=200)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InjectionSession',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='injection_sessions', on_delete=OnDelete.CASCADE)),
                ('clinic', fields.ForeignKeyField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=SessionStatus.SCHEDULED, description='SCHEDULED: scheduled\nDONE: done\nMISSED: missed\nCANCELLED: cancelled', enum_type=SessionStatus, max_length=12)),
                ('scheduled_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('performed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('treatment', fields.CharEnumField(description='EXOSOMES: exosomes\nPRP: prp\nMICRONEEDLING: microneedling\nCOMBINATION: combination\nOTHER: other', enum_type=Treatment, max_length=20)),
                ('product', fields.CharField(default='', max_length=200)),
                ('lot_number', fields.CharField(default='', max_length=64)),
                ('volume_ml', fields.DecimalField(null=True, max_digits=6, decimal_places=2)),
                ('areas', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('notes', fields.TextField(default='', unique=False)),
                ('recorded_by', fields.ForeignKeyField('models.StaffUser', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'injection_session', 'app': 'models', 'indexes': [Index(fields=['clinic_id', 'lot_number']), Index(fields=['patient_id', 'scheduled_at'])], 'pk_attr': 'id', 'table_description': 'One injection session, planned or given, with the exact product lot used.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invite',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('created_by', fields.ForeignKeyField('models.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invite', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A single-use, expiring, revocable code that enrols one phone for one patient.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffSession',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.StaffUser', source_field='staff_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharField(max_length=10)),
                ('csrf_token', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A signed-in staff member: a bearer token for the API or a dashboard cookie.'},
            bases=['Model'],
        ),
    ]
