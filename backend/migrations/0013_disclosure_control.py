from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Each clinic's disclosure thresholds (backend/disclosure): the smallest count shown, the
    smallest filtered population answered and the export's k; the defaults are the floors."""

    dependencies = [('models', '0012_staff_and_marketing')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Clinic',
            name='disclosure_threshold',
            field=fields.SmallIntField(default=5, db_default=5),
        ),
        ops.AddField(
            model_name='Clinic',
            name='disclosure_min_population',
            field=fields.SmallIntField(default=10, db_default=10),
        ),
        ops.AddField(
            model_name='Clinic',
            name='export_k',
            field=fields.SmallIntField(default=5, db_default=5),
        ),
    ]
