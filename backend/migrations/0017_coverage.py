from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0012_staff_and_marketing')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Photo',
            name='coverage',
            field=fields.JSONField(null=True),
        ),
    ]
