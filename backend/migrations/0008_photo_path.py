from tortoise import migrations
from tortoise.migrations import operations as ops
from shared.schedule import ReminderKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_records')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TimelineVersion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('models.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('version', fields.BigIntField(default=0)),
            ],
            options={'table': 'timeline_version', 'app': 'models', 'unique_together': (('patient',),), 'pk_attr': 'id', 'table_description': "How many times what a patient's timeline shows has changed: the timeline cache's key."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Reminder',
            name='kind',
            field=fields.CharEnumField(description='CHECKIN_DUE: checkin_due\nCHECKIN_MISSED: checkin_missed\nINJECTION_UPCOMING: injection_upcoming\nSIDE_EFFECT_QUESTION: side_effect_question\nSELF_ASSESSMENT_DUE: self_assessment_due\nPHOTO_RETAKE: photo_retake', enum_type=ReminderKind, max_length=24),
        ),
    ]
