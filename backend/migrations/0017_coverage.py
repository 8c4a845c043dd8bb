from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0014_blinding_release')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Photo',
            name='coverage',
            field=fields.JSONField(null=True),
        ),
    ]
