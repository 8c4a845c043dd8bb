from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# the pair a consensus row is about, and its current first-presentation scores that count
SAME = (
    "p.round_id = rating_consensus.round_id AND p.patient_id = rating_consensus.patient_id "
    "AND p.view = rating_consensus.view AND p.month = rating_consensus.month "
    "AND s.current AND NOT s.repeat AND s.score IS NOT NULL"
)
BACKFILL = "UPDATE rating_consensus SET\n" + ",\n".join(
    f"    {column} = (SELECT count(*) FROM rating_score s JOIN rating_pair p ON p.id = s.pair_id WHERE {SAME} AND s.score = {value})"
    for column, value in (
        ("greatly_decreased", -3), ("moderately_decreased", -2), ("slightly_decreased", -1), ("no_change", 0),
        ("slightly_increased", 1), ("moderately_increased", 2), ("greatly_increased", 3),
    )
)

class Migration(migrations.Migration):
    dependencies = [('models', '0010_outcome_facts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RatingConsensus',
            name='greatly_decreased',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='RatingConsensus',
            name='greatly_increased',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='RatingConsensus',
            name='moderately_decreased',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='RatingConsensus',
            name='moderately_increased',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='RatingConsensus',
            name='no_change',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='RatingConsensus',
            name='slightly_decreased',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='RatingConsensus',
            name='slightly_increased',
            field=fields.IntField(default=0, db_default=0),
        ),
        # existing consensus rows get their counts from the scores they were the median of
        ops.RunSQL(BACKFILL, reverse_sql="SELECT 1"),
        # one current score per presentation: two submissions racing on one task cannot both count
        ops.RunSQL(
            "CREATE UNIQUE INDEX rating_score_one_current_per_task ON rating_score (task_id) WHERE current",
            reverse_sql="DROP INDEX rating_score_one_current_per_task",
        ),
    ]
