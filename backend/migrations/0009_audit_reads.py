from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_photo_path')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='AuditEvent',
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['clinic_id', 'at']), Index(fields=['clinic_id', 'actor_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Who saw or changed what, when, and from which address. Rows are only ever added.'},
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='address',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['clinic_id', 'actor_id', 'at']),
        ),
    ]
