from tortoise import migrations
from tortoise.migrations import operations as ops
from shared.hair_loss import Diagnosis, GradeScale, Sex
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_ratings')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Patient',
            name='birth_year',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Patient',
            name='diagnosis',
            field=fields.CharEnumField(null=True, description='ANDROGENETIC_ALOPECIA: androgenetic_alopecia\nTELOGEN_EFFLUVIUM: telogen_effluvium\nALOPECIA_AREATA: alopecia_areata\nOTHER: other', enum_type=Diagnosis, max_length=30),
        ),
        ops.AddField(
            model_name='Patient',
            name='grade',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Patient',
            name='grade_scale',
            field=fields.CharEnumField(null=True, description='NORWOOD_HAMILTON: norwood_hamilton\nLUDWIG: ludwig', enum_type=GradeScale, max_length=20),
        ),
        ops.AddField(
            model_name='Patient',
            name='sex',
            field=fields.CharEnumField(default=Sex.UNKNOWN, description='FEMALE: female\nMALE: male\nOTHER: other\nUNKNOWN: unknown', enum_type=Sex, max_length=10),
        ),
    ]
