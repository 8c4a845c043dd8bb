import re

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# The facts of every clinic's patients, worked out from the rows already there. The statements are
# frozen here as backend/outcomes/facts.py wrote them when this migration was made: replaying it
# later must not run tomorrow's SQL against this schema. One clinic at a time (:clinic_id).
SQLITE = (
    """DELETE FROM outcome_patient WHERE patient_id IN (SELECT p.id FROM patient p WHERE p.clinic_id = :clinic_id)
""",
    """DELETE FROM outcome_lot WHERE patient_id IN (SELECT p.id FROM patient p WHERE p.clinic_id = :clinic_id)
""",
    """DELETE FROM outcome_symptom WHERE patient_id IN (SELECT p.id FROM patient p WHERE p.clinic_id = :clinic_id)
""",
    """WITH scope AS (
  SELECT p.id AS patient_id, p.baseline_date FROM patient p WHERE p.clinic_id = :clinic_id
),
rounds AS (
  SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS seq FROM rating_round WHERE clinic_id = :clinic_id
), per_view AS (
  SELECT rc.patient_id, rc.month,
         MAX(r.seq * 16 + CAST(rc.score * 2 AS INTEGER) + 6) % 16 - 6 AS doubled
  FROM rating_consensus rc
  JOIN rounds r ON r.id = rc.round_id
  JOIN scope c ON c.patient_id = rc.patient_id
  WHERE rc.clinic_id = :clinic_id
  GROUP BY rc.patient_id, rc.view, rc.month
), value_counts AS (
  SELECT pv.patient_id, pv.month, COUNT(*) AS views,
         SUM(CASE WHEN doubled = -6 THEN 1 ELSE 0 END) AS v0,
         SUM(CASE WHEN doubled = -5 THEN 1 ELSE 0 END) AS v1,
         SUM(CASE WHEN doubled = -4 THEN 1 ELSE 0 END) AS v2,
         SUM(CASE WHEN doubled = -3 THEN 1 ELSE 0 END) AS v3,
         SUM(CASE WHEN doubled = -2 THEN 1 ELSE 0 END) AS v4,
         SUM(CASE WHEN doubled = -1 THEN 1 ELSE 0 END) AS v5,
         SUM(CASE WHEN doubled = 0 THEN 1 ELSE 0 END) AS v6,
         SUM(CASE WHEN doubled = 1 THEN 1 ELSE 0 END) AS v7,
         SUM(CASE WHEN doubled = 2 THEN 1 ELSE 0 END) AS v8,
         SUM(CASE WHEN doubled = 3 THEN 1 ELSE 0 END) AS v9,
         SUM(CASE WHEN doubled = 4 THEN 1 ELSE 0 END) AS v10,
         SUM(CASE WHEN doubled = 5 THEN 1 ELSE 0 END) AS v11,
         SUM(CASE WHEN doubled = 6 THEN 1 ELSE 0 END) AS v12
  FROM per_view pv
  GROUP BY pv.patient_id, pv.month
), patient_month AS (
  SELECT patient_id, month, views, (CASE WHEN v0 >= (views + 1) / 2 THEN -6 WHEN v0 + v1 >= (views + 1) / 2 THEN -5 WHEN v0 + v1 + v2 >= (views + 1) / 2 THEN -4 WHEN v0 + v1 + v2 + v3 >= (views + 1) / 2 THEN -3 WHEN v0 + v1 + v2 + v3 + v4 >= (views + 1) / 2 THEN -2 WHEN v0 + v1 + v2 + v3 + v4 + v5 >= (views + 1) / 2 THEN -1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 >= (views + 1) / 2 THEN 0 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 >= (views + 1) / 2 THEN 1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 >= (views + 1) / 2 THEN 2 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 >= (views + 1) / 2 THEN 3 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 >= (views + 1) / 2 THEN 4 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 >= (views + 1) / 2 THEN 5 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 + v12 >= (views + 1) / 2 THEN 6 END + CASE WHEN v0 >= (views + 2) / 2 THEN -6 WHEN v0 + v1 >= (views + 2) / 2 THEN -5 WHEN v0 + v1 + v2 >= (views + 2) / 2 THEN -4 WHEN v0 + v1 + v2 + v3 >= (views + 2) / 2 THEN -3 WHEN v0 + v1 + v2 + v3 + v4 >= (views + 2) / 2 THEN -2 WHEN v0 + v1 + v2 + v3 + v4 + v5 >= (views + 2) / 2 THEN -1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 >= (views + 2) / 2 THEN 0 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 >= (views + 2) / 2 THEN 1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 >= (views + 2) / 2 THEN 2 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 >= (views + 2) / 2 THEN 3 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 >= (views + 2) / 2 THEN 4 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 >= (views + 2) / 2 THEN 5 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 + v12 >= (views + 2) / 2 THEN 6 END) / 4.0 AS consensus
  FROM value_counts
),
rated AS (
  SELECT patient_id,
         MAX(CASE WHEN month = 3 THEN consensus END) AS c3,
         MAX(CASE WHEN month = 6 THEN consensus END) AS c6,
         MAX(CASE WHEN month = 12 THEN consensus END) AS c12,
         MIN(CASE WHEN month > 0 AND consensus >= 1.0 THEN month END) AS improved_at,
         MAX(CASE WHEN month > 0 THEN month END) AS last_rated
  FROM patient_month GROUP BY patient_id
), given AS (
  SELECT s.patient_id, COUNT(*) AS sessions,
         SUM(CASE WHEN CAST(julianday(date(COALESCE(s.performed_at, s.scheduled_at))) - julianday(c.baseline_date) AS INTEGER) <= 183 THEN 1 ELSE 0 END) AS dose
  FROM injection_session s JOIN scope c ON c.patient_id = s.patient_id
  WHERE s.status = 'done'
  GROUP BY s.patient_id
), kept AS (
  SELECT ci.patient_id, SUM(CAST(1 AS BIGINT) << ci.month) AS months
  FROM checkin ci JOIN scope c ON c.patient_id = ci.patient_id
  WHERE ci.status = 'complete' AND ci.month >= 0 AND ci.month < 62
  GROUP BY ci.patient_id
), answered AS (
  SELECT r.patient_id,
         MAX(CASE WHEN r.occasion_month = 0 AND a.question = 'appearance' THEN a.value END) AS sat0,
         MAX(CASE WHEN r.occasion_month = 3 AND a.question = 'appearance' THEN a.value END) AS sat3,
         MAX(CASE WHEN r.occasion_month = 6 AND a.question = 'appearance' THEN a.value END) AS sat6,
         MAX(CASE WHEN r.occasion_month = 12 AND a.question = 'appearance' THEN a.value END) AS sat12,
         MAX(CASE WHEN r.occasion_month = 3 AND a.question = 'growth' THEN a.value END) AS growth3,
         MAX(CASE WHEN r.occasion_month = 6 AND a.question = 'growth' THEN a.value END) AS growth6,
         MAX(CASE WHEN r.occasion_month = 12 AND a.question = 'growth' THEN a.value END) AS growth12
  FROM questionnaire_response r
  JOIN scope c ON c.patient_id = r.patient_id
  JOIN questionnaire_answer a ON a.response_id = r.id
  WHERE a.question IN ('appearance', 'growth') AND r.occasion_month IN (0, 3, 6, 12)
  GROUP BY r.patient_id
)
INSERT INTO outcome_patient (patient_id, baseline_months, baseline_day, c3, c6, c12, km_month, km_improved,
                             dose6, sessions, checkins, sat0, sat3, sat6, sat12, growth3, growth6, growth12)
SELECT s.patient_id, CAST(substr(s.baseline_date, 1, 4) AS INTEGER) * 12 + CAST(substr(s.baseline_date, 6, 2) AS INTEGER) - 1, CAST(substr(s.baseline_date, 9, 2) AS INTEGER), rated.c3, rated.c6, rated.c12,
       COALESCE(rated.improved_at, rated.last_rated),
       CASE WHEN rated.last_rated IS NULL THEN NULL WHEN rated.improved_at IS NULL THEN 0 ELSE 1 END,
       COALESCE(g.dose, 0), COALESCE(g.sessions, 0), COALESCE(k.months, 0),
       q.sat0, q.sat3, q.sat6, q.sat12, q.growth3, q.growth6, q.growth12
FROM scope s
LEFT JOIN rated ON rated.patient_id = s.patient_id
LEFT JOIN given g ON g.patient_id = s.patient_id
LEFT JOIN kept k ON k.patient_id = s.patient_id
LEFT JOIN answered q ON q.patient_id = s.patient_id
""",
    """WITH scope AS (
  SELECT p.id AS patient_id FROM patient p WHERE p.clinic_id = :clinic_id
), flags AS (
  SELECT r.injection_session_id AS session_id,
         MAX(CASE WHEN (r.max_severity >= 1 OR r.needed_medical_care = 1) THEN 1 ELSE 0 END) AS any_effect,
         MAX(CASE WHEN r.max_severity >= 2 OR r.serious = 1 THEN 1 ELSE 0 END) AS moderate,
         MAX(CASE WHEN r.serious = 1 THEN 1 ELSE 0 END) AS serious,
         MAX(CASE WHEN CAST(julianday(r.started_on) - julianday(date(COALESCE(s.performed_at, s.scheduled_at))) AS INTEGER) > 30 AND (r.max_severity >= 1 OR r.needed_medical_care = 1) THEN 1 ELSE 0 END) AS late
  FROM side_effect_report r
  JOIN injection_session s ON s.id = r.injection_session_id
  JOIN scope c ON c.patient_id = s.patient_id
  GROUP BY r.injection_session_id
)
INSERT INTO outcome_lot (patient_id, treatment, lot_number, product, sessions, with_any, with_moderate,
                         with_serious, with_late)
SELECT s.patient_id, s.treatment, UPPER(TRIM(s.lot_number)), MAX(s.product), COUNT(*),
       SUM(COALESCE(f.any_effect, 0)), SUM(COALESCE(f.moderate, 0)), SUM(COALESCE(f.serious, 0)),
       SUM(COALESCE(f.late, 0))
FROM injection_session s
JOIN scope c ON c.patient_id = s.patient_id
LEFT JOIN flags f ON f.session_id = s.id
WHERE s.status = 'done'
GROUP BY s.patient_id, s.treatment, UPPER(TRIM(s.lot_number))
""",
    """WITH scope AS (
  SELECT p.id AS patient_id FROM patient p WHERE p.clinic_id = :clinic_id
)
INSERT INTO outcome_symptom (patient_id, session_id, symptom, onset_days, reported_days)
SELECT s.patient_id, s.id, sy.symptom, CAST(julianday(MIN(r.started_on)) - julianday(date(COALESCE(s.performed_at, s.scheduled_at))) AS INTEGER), CAST(julianday(MAX(date(r.submitted_at))) - julianday(MIN(r.started_on)) AS INTEGER)
FROM injection_session s
JOIN scope c ON c.patient_id = s.patient_id
JOIN side_effect_report r ON r.injection_session_id = s.id
JOIN side_effect_symptom sy ON sy.report_id = r.id AND sy.severity >= 1
WHERE s.status = 'done'
GROUP BY s.id, s.patient_id, sy.symptom, s.performed_at, s.scheduled_at
""",
)

POSTGRES = (
    """DELETE FROM outcome_patient WHERE patient_id IN (SELECT p.id FROM patient p WHERE p.clinic_id = :clinic_id)
""",
    """DELETE FROM outcome_lot WHERE patient_id IN (SELECT p.id FROM patient p WHERE p.clinic_id = :clinic_id)
""",
    """DELETE FROM outcome_symptom WHERE patient_id IN (SELECT p.id FROM patient p WHERE p.clinic_id = :clinic_id)
""",
    """WITH scope AS (
  SELECT p.id AS patient_id, p.baseline_date FROM patient p WHERE p.clinic_id = :clinic_id
),
rounds AS (
  SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS seq FROM rating_round WHERE clinic_id = :clinic_id
), per_view AS (
  SELECT rc.patient_id, rc.month,
         MAX(r.seq * 16 + CAST(rc.score * 2 AS INTEGER) + 6) % 16 - 6 AS doubled
  FROM rating_consensus rc
  JOIN rounds r ON r.id = rc.round_id
  JOIN scope c ON c.patient_id = rc.patient_id
  WHERE rc.clinic_id = :clinic_id
  GROUP BY rc.patient_id, rc.view, rc.month
), value_counts AS (
  SELECT pv.patient_id, pv.month, COUNT(*) AS views,
         SUM(CASE WHEN doubled = -6 THEN 1 ELSE 0 END) AS v0,
         SUM(CASE WHEN doubled = -5 THEN 1 ELSE 0 END) AS v1,
         SUM(CASE WHEN doubled = -4 THEN 1 ELSE 0 END) AS v2,
         SUM(CASE WHEN doubled = -3 THEN 1 ELSE 0 END) AS v3,
         SUM(CASE WHEN doubled = -2 THEN 1 ELSE 0 END) AS v4,
         SUM(CASE WHEN doubled = -1 THEN 1 ELSE 0 END) AS v5,
         SUM(CASE WHEN doubled = 0 THEN 1 ELSE 0 END) AS v6,
         SUM(CASE WHEN doubled = 1 THEN 1 ELSE 0 END) AS v7,
         SUM(CASE WHEN doubled = 2 THEN 1 ELSE 0 END) AS v8,
         SUM(CASE WHEN doubled = 3 THEN 1 ELSE 0 END) AS v9,
         SUM(CASE WHEN doubled = 4 THEN 1 ELSE 0 END) AS v10,
         SUM(CASE WHEN doubled = 5 THEN 1 ELSE 0 END) AS v11,
         SUM(CASE WHEN doubled = 6 THEN 1 ELSE 0 END) AS v12
  FROM per_view pv
  GROUP BY pv.patient_id, pv.month
), patient_month AS (
  SELECT patient_id, month, views, (CASE WHEN v0 >= (views + 1) / 2 THEN -6 WHEN v0 + v1 >= (views + 1) / 2 THEN -5 WHEN v0 + v1 + v2 >= (views + 1) / 2 THEN -4 WHEN v0 + v1 + v2 + v3 >= (views + 1) / 2 THEN -3 WHEN v0 + v1 + v2 + v3 + v4 >= (views + 1) / 2 THEN -2 WHEN v0 + v1 + v2 + v3 + v4 + v5 >= (views + 1) / 2 THEN -1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 >= (views + 1) / 2 THEN 0 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 >= (views + 1) / 2 THEN 1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 >= (views + 1) / 2 THEN 2 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 >= (views + 1) / 2 THEN 3 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 >= (views + 1) / 2 THEN 4 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 >= (views + 1) / 2 THEN 5 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 + v12 >= (views + 1) / 2 THEN 6 END + CASE WHEN v0 >= (views + 2) / 2 THEN -6 WHEN v0 + v1 >= (views + 2) / 2 THEN -5 WHEN v0 + v1 + v2 >= (views + 2) / 2 THEN -4 WHEN v0 + v1 + v2 + v3 >= (views + 2) / 2 THEN -3 WHEN v0 + v1 + v2 + v3 + v4 >= (views + 2) / 2 THEN -2 WHEN v0 + v1 + v2 + v3 + v4 + v5 >= (views + 2) / 2 THEN -1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 >= (views + 2) / 2 THEN 0 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 >= (views + 2) / 2 THEN 1 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 >= (views + 2) / 2 THEN 2 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 >= (views + 2) / 2 THEN 3 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 >= (views + 2) / 2 THEN 4 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 >= (views + 2) / 2 THEN 5 WHEN v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 + v12 >= (views + 2) / 2 THEN 6 END) / 4.0 AS consensus
  FROM value_counts
),
rated AS (
  SELECT patient_id,
         MAX(CASE WHEN month = 3 THEN consensus END) AS c3,
         MAX(CASE WHEN month = 6 THEN consensus END) AS c6,
         MAX(CASE WHEN month = 12 THEN consensus END) AS c12,
         MIN(CASE WHEN month > 0 AND consensus >= 1.0 THEN month END) AS improved_at,
         MAX(CASE WHEN month > 0 THEN month END) AS last_rated
  FROM patient_month GROUP BY patient_id
), given AS (
  SELECT s.patient_id, COUNT(*) AS sessions,
         SUM(CASE WHEN (CAST((COALESCE(s.performed_at, s.scheduled_at)) AT TIME ZONE 'UTC' AS DATE) - c.baseline_date) <= 183 THEN 1 ELSE 0 END) AS dose
  FROM injection_session s JOIN scope c ON c.patient_id = s.patient_id
  WHERE s.status = 'done'
  GROUP BY s.patient_id
), kept AS (
  SELECT ci.patient_id, SUM(CAST(1 AS BIGINT) << ci.month) AS months
  FROM checkin ci JOIN scope c ON c.patient_id = ci.patient_id
  WHERE ci.status = 'complete' AND ci.month >= 0 AND ci.month < 62
  GROUP BY ci.patient_id
), answered AS (
  SELECT r.patient_id,
         MAX(CASE WHEN r.occasion_month = 0 AND a.question = 'appearance' THEN a.value END) AS sat0,
         MAX(CASE WHEN r.occasion_month = 3 AND a.question = 'appearance' THEN a.value END) AS sat3,
         MAX(CASE WHEN r.occasion_month = 6 AND a.question = 'appearance' THEN a.value END) AS sat6,
         MAX(CASE WHEN r.occasion_month = 12 AND a.question = 'appearance' THEN a.value END) AS sat12,
         MAX(CASE WHEN r.occasion_month = 3 AND a.question = 'growth' THEN a.value END) AS growth3,
         MAX(CASE WHEN r.occasion_month = 6 AND a.question = 'growth' THEN a.value END) AS growth6,
         MAX(CASE WHEN r.occasion_month = 12 AND a.question = 'growth' THEN a.value END) AS growth12
  FROM questionnaire_response r
  JOIN scope c ON c.patient_id = r.patient_id
  JOIN questionnaire_answer a ON a.response_id = r.id
  WHERE a.question IN ('appearance', 'growth') AND r.occasion_month IN (0, 3, 6, 12)
  GROUP BY r.patient_id
)
INSERT INTO outcome_patient (patient_id, baseline_months, baseline_day, c3, c6, c12, km_month, km_improved,
                             dose6, sessions, checkins, sat0, sat3, sat6, sat12, growth3, growth6, growth12)
SELECT s.patient_id, CAST(date_part('year', s.baseline_date) AS INTEGER) * 12 + CAST(date_part('month', s.baseline_date) AS INTEGER) - 1, CAST(date_part('day', s.baseline_date) AS INTEGER), rated.c3, rated.c6, rated.c12,
       COALESCE(rated.improved_at, rated.last_rated),
       CASE WHEN rated.last_rated IS NULL THEN NULL WHEN rated.improved_at IS NULL THEN 0 ELSE 1 END,
       COALESCE(g.dose, 0), COALESCE(g.sessions, 0), COALESCE(k.months, 0),
       q.sat0, q.sat3, q.sat6, q.sat12, q.growth3, q.growth6, q.growth12
FROM scope s
LEFT JOIN rated ON rated.patient_id = s.patient_id
LEFT JOIN given g ON g.patient_id = s.patient_id
LEFT JOIN kept k ON k.patient_id = s.patient_id
LEFT JOIN answered q ON q.patient_id = s.patient_id
""",
    """WITH scope AS (
  SELECT p.id AS patient_id FROM patient p WHERE p.clinic_id = :clinic_id
), flags AS (
  SELECT r.injection_session_id AS session_id,
         MAX(CASE WHEN (r.max_severity >= 1 OR r.needed_medical_care = TRUE) THEN 1 ELSE 0 END) AS any_effect,
         MAX(CASE WHEN r.max_severity >= 2 OR r.serious = TRUE THEN 1 ELSE 0 END) AS moderate,
         MAX(CASE WHEN r.serious = TRUE THEN 1 ELSE 0 END) AS serious,
         MAX(CASE WHEN (r.started_on - CAST((COALESCE(s.performed_at, s.scheduled_at)) AT TIME ZONE 'UTC' AS DATE)) > 30 AND (r.max_severity >= 1 OR r.needed_medical_care = TRUE) THEN 1 ELSE 0 END) AS late
  FROM side_effect_report r
  JOIN injection_session s ON s.id = r.injection_session_id
  JOIN scope c ON c.patient_id = s.patient_id
  GROUP BY r.injection_session_id
)
INSERT INTO outcome_lot (patient_id, treatment, lot_number, product, sessions, with_any, with_moderate,
                         with_serious, with_late)
SELECT s.patient_id, s.treatment, UPPER(TRIM(s.lot_number)), MAX(s.product), COUNT(*),
       SUM(COALESCE(f.any_effect, 0)), SUM(COALESCE(f.moderate, 0)), SUM(COALESCE(f.serious, 0)),
       SUM(COALESCE(f.late, 0))
FROM injection_session s
JOIN scope c ON c.patient_id = s.patient_id
LEFT JOIN flags f ON f.session_id = s.id
WHERE s.status = 'done'
GROUP BY s.patient_id, s.treatment, UPPER(TRIM(s.lot_number))
""",
    """WITH scope AS (
  SELECT p.id AS patient_id FROM patient p WHERE p.clinic_id = :clinic_id
)
INSERT INTO outcome_symptom (patient_id, session_id, symptom, onset_days, reported_days)
SELECT s.patient_id, s.id, sy.symptom, (MIN(r.started_on) - CAST((COALESCE(s.performed_at, s.scheduled_at)) AT TIME ZONE 'UTC' AS DATE)), (MAX(CAST(r.submitted_at AT TIME ZONE 'UTC' AS DATE)) - MIN(r.started_on))
FROM injection_session s
JOIN scope c ON c.patient_id = s.patient_id
JOIN side_effect_report r ON r.injection_session_id = s.id
JOIN side_effect_symptom sy ON sy.report_id = r.id AND sy.severity >= 1
WHERE s.status = 'done'
GROUP BY s.id, s.patient_id, sy.symptom, s.performed_at, s.scheduled_at
""",
)


async def work_out_the_facts(apps, schema_editor) -> None:
    conn = schema_editor.client
    postgres = conn.capabilities.dialect == "postgres"
    for clinic in await conn.execute_query_dict("SELECT id FROM clinic"):
        for statement in POSTGRES if postgres else SQLITE:
            uses = len(re.findall(r"(?<!:):clinic_id", statement))
            text = re.sub(r"(?<!:):clinic_id", "$1" if postgres else "?", statement)
            await conn.execute_query(text, [clinic["id"]] if postgres else [str(clinic["id"])] * uses)


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
