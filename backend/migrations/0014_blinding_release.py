from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0013_disclosure_control')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RatingRound',
            name='published_at',
            field=fields.DatetimeField(null=True),
        ),
        ops.AddField(
            model_name='RatingRound',
            name='agreement_alpha',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='RatingRound',
            name='agreement_pairs',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
