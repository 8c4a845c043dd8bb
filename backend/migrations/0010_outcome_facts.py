from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


async def work_out_the_facts(apps, schema_editor) -> None:
    """Every existing patient's outcome facts, from the rows already there (backend/outcomes/facts.py)."""
    from backend.outcomes import facts

    await facts.rebuild_all(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0009_audit_reads')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutcomeLot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('treatment', fields.CharField(max_length=20)),
                ('lot_number', fields.CharField(max_length=64)),
                ('product', fields.CharField(max_length=200)),
                ('sessions', fields.IntField()),
                ('with_any', fields.IntField()),
                ('with_moderate', fields.IntField()),
                ('with_serious', fields.IntField()),
                ('with_late', fields.IntField()),
            ],
            options={'table': 'outcome_lot', 'app': 'models', 'indexes': [Index(fields=['patient_id'])], 'pk_attr': 'id', 'table_description': "A patient's done sessions of one (treatment, lot) and how many had side effects of each kind."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutcomePatient',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('c3', fields.FloatField(null=True)),
                ('c6', fields.FloatField(null=True)),
                ('c12', fields.FloatField(null=True)),
                ('km_month', fields.IntField(null=True)),
                ('km_improved', fields.SmallIntField(null=True)),
                ('baseline_months', fields.IntField(null=True)),
                ('baseline_day', fields.SmallIntField(null=True)),
                ('dose6', fields.IntField(default=0)),
                ('sessions', fields.IntField(default=0)),
                ('checkins', fields.BigIntField(default=0)),
                ('sat0', fields.SmallIntField(null=True)),
                ('sat3', fields.SmallIntField(null=True)),
                ('sat6', fields.SmallIntField(null=True)),
                ('sat12', fields.SmallIntField(null=True)),
                ('growth3', fields.SmallIntField(null=True)),
                ('growth6', fields.SmallIntField(null=True)),
                ('growth12', fields.SmallIntField(null=True)),
            ],
            options={'table': 'outcome_patient', 'app': 'models', 'unique_together': (('patient',),), 'pk_attr': 'id', 'table_description': "A patient's consensus at months 3, 6 and 12, time to improvement, sessions, completed"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutcomeSymptom',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('models.InjectionSession', source_field='session_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('symptom', fields.CharField(max_length=24)),
                ('onset_days', fields.IntField()),
                ('reported_days', fields.IntField()),
            ],
            options={'table': 'outcome_symptom', 'app': 'models', 'indexes': [Index(fields=['patient_id'])], 'pk_attr': 'id', 'table_description': 'A symptom felt (mild or worse) after a done session: onset and how long it was reported for.'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='RatingConsensus',
            index=Index(fields=['patient_id', 'month']),
        ),
        ops.RunPython(work_out_the_facts, ops.RunPython.noop),
    ]
