from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_patient_profile')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CohortExportKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('clinic', fields.OneToOneField('models.Clinic', source_field='clinic_id', db_constraint=True, to_field='id', related_name='cohort_export_key', on_delete=OnDelete.CASCADE)),
                ('secret', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cohort_export_key', 'app': 'models', 'pk_attr': 'id', 'table_description': "The clinic's secret for pseudonymous patient ids in research exports. Kept on the server"},
            bases=['Model'],
        ),
    ]
