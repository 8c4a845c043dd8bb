"""The outcome figures as set-based SQL: one statement per figure family, for SQLite and PostgreSQL.

Every statement starts from the same `cohort` (the clinic's research-consented patients that pass
the filters) and returns aggregates only: counts per (arm, value) and the like, never a row per
patient. The statistics are worked out from those aggregates in `statistics.py`.

How a patient's consensus at a time point is made (said on the page too): for each (patient, view,
month) the newest rating round with a consensus is used; the patient's consensus at that month is
the median of those per-view consensus scores over the views that were rated (the mean of the two
middle ones for an even count).
"""

from __future__ import annotations

import re
from typing import Any

from backend.outcomes.filters import OutcomeFilter
from shared.hair_loss import AGE_BOUNDS

EFFICACY_MONTHS = (3, 6, 12)
DOSE_MONTH = 6
# sessions up to the month-6 check-in: the first 6 x 30.44 days after the baseline
DOSE_WINDOW_DAYS = 183
LATE_AFTER_DAYS = 30
SESSION_BUCKET_TOP = 5  # 5 or more sessions share a bucket
IMPROVED_AT = 1.0  # consensus +1 (slightly increased) or better counts as visible improvement
MODERATE = 2  # side-effect severity: moderate or worse
QUESTIONNAIRE_MONTHS = EFFICACY_MONTHS
# the self-assessment questions the outcomes use: satisfaction (asked at baseline too: its change
# since baseline) and the patient's own view of growth since the first treatment
SATISFACTION_QUESTION = "appearance"
GROWTH_QUESTION = "growth"


def dialect_of(conn: Any) -> str:
    return "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"


_YEAR = {
    "sqlite": "CAST(substr({col}, 1, 4) AS INTEGER)",
    "postgres": "CAST(EXTRACT(YEAR FROM {col}) AS INTEGER)",
}
_MONTH = {
    "sqlite": "CAST(substr({col}, 6, 2) AS INTEGER)",
    "postgres": "CAST(EXTRACT(MONTH FROM {col}) AS INTEGER)",
}
_DAY = {
    "sqlite": "CAST(substr({col}, 9, 2) AS INTEGER)",
    "postgres": "CAST(EXTRACT(DAY FROM {col}) AS INTEGER)",
}
def _moment_days(dialect: str, earlier_date: str, later_moment: str) -> str:
    """Whole days from a date column to a timestamp column's UTC day."""
    if dialect == "sqlite":
        return f"CAST(julianday(date({later_moment})) - julianday({earlier_date}) AS INTEGER)"
    return f"(CAST(({later_moment}) AT TIME ZONE 'UTC' AS DATE) - {earlier_date})"


def _date_days(dialect: str, earlier_moment: str, later_date: str) -> str:
    """Whole days from a timestamp column's UTC day to a date column."""
    if dialect == "sqlite":
        return f"CAST(julianday({later_date}) - julianday(date({earlier_moment})) AS INTEGER)"
    return f"({later_date} - CAST(({earlier_moment}) AT TIME ZONE 'UTC' AS DATE))"


def age_sql(dialect: str) -> str:
    return f"({_YEAR[dialect].format(col='p.baseline_date')} - p.birth_year)"


def cohort_sql(dialect: str, where: OutcomeFilter) -> str:
    """The patients counted: this clinic's, with research consent, passing every filter."""
    clauses = ["p.clinic_id = :clinic_id", "p.consent_research = :research"]
    if where.arm:
        clauses.append("p.treatment = :arm")
    if where.sex:
        clauses.append("p.sex = :sex")
    if where.diagnosis:
        clauses.append("p.diagnosis = :diagnosis")
    if where.grade:
        clauses.append("p.grade_scale = :grade_scale AND p.grade = :grade")
    if where.age_band:
        if where.age_bounds is None:
            clauses.append("p.birth_year IS NULL")
        else:
            clauses.append(f"p.birth_year IS NOT NULL AND {age_sql(dialect)} BETWEEN :age_low AND :age_high")
    if where.baseline_from:
        clauses.append("p.baseline_date >= :baseline_from")
    if where.baseline_to:
        clauses.append("p.baseline_date <= :baseline_to")
    if where.product:
        clauses.append(
            "EXISTS (SELECT 1 FROM injection_session ps WHERE ps.patient_id = p.id AND ps.status = 'done'"
            " AND LOWER(ps.product) = :product)"
        )
    return (
        "cohort AS (\n  SELECT p.id AS patient_id, p.treatment AS arm, p.baseline_date, p.sex, p.birth_year,"
        f" p.diagnosis, p.grade_scale, p.grade, {age_sql(dialect)} AS age\n  FROM patient p\n  WHERE "
        + "\n    AND ".join(clauses)
        + "\n)"
    )


def filter_params(where: OutcomeFilter, clinic_id: object) -> dict[str, Any]:
    params: dict[str, Any] = {"clinic_id": clinic_id, "research": True, "yes": True}
    if where.arm:
        params["arm"] = where.arm.value
    if where.sex:
        params["sex"] = where.sex.value
    if where.diagnosis:
        params["diagnosis"] = where.diagnosis.value
    if where.grade:
        params.update(grade_scale=where.grade.scale.value, grade=where.grade.grade)
    if where.age_bounds:
        params.update(age_low=where.age_bounds[0], age_high=where.age_bounds[1])
    if where.baseline_from:
        params["baseline_from"] = where.baseline_from
    if where.baseline_to:
        params["baseline_to"] = where.baseline_to
    if where.product:
        params["product"] = where.product.lower()
    return params


# consensus scores are medians of whole-point scores, so twice a score is a whole number -6..+6
_DOUBLED = range(-6, 7)


def _kth_doubled(k: str) -> str:
    """The k-th smallest doubled score of a patient-month, from its counts per value (v0..v12)."""
    running, cases = [], []
    for i, value in enumerate(_DOUBLED):
        running.append(f"v{i}")
        cases.append(f"WHEN {' + '.join(running)} >= {k} THEN {value}")
    return "CASE " + " ".join(cases) + " END"


def patient_month_sql() -> str:
    """CTEs `rounds`, `per_view` (the newest round's score per patient, view and month) and
    `patient_month` (the patient's consensus at a month: the median over the rated views, and how
    many views were rated). Hash aggregates only, no sort of the ratings: the newest round is the
    largest of (round order * 16 + doubled score + 6), and the median comes from counts per value."""
    counts = ",\n         ".join(
        f"SUM(CASE WHEN doubled = {value} THEN 1 ELSE 0 END) AS v{i}" for i, value in enumerate(_DOUBLED)
    )
    lower, upper = _kth_doubled("(views + 1) / 2"), _kth_doubled("(views + 2) / 2")
    return f"""rounds AS (
  SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS seq FROM rating_round WHERE clinic_id = :clinic_id
), per_view AS (
  SELECT rc.patient_id, rc.month,
         MAX(r.seq * 16 + CAST(rc.score * 2 AS INTEGER) + 6) % 16 - 6 AS doubled
  FROM rating_consensus rc
  JOIN rounds r ON r.id = rc.round_id
  WHERE rc.clinic_id = :clinic_id
  GROUP BY rc.patient_id, rc.view, rc.month
), value_counts AS (
  SELECT pv.patient_id, pv.month, COUNT(*) AS views,
         {counts}
  FROM per_view pv JOIN cohort c ON c.patient_id = pv.patient_id
  GROUP BY pv.patient_id, pv.month
), patient_month AS (
  SELECT patient_id, month, views, ({lower} + {upper}) / 4.0 AS consensus
  FROM value_counts
)"""


def sessions_by_dose_sql(dialect: str) -> str:
    """CTE `dose`: sessions each cohort patient was given up to the month-6 check-in."""
    within = _moment_days(dialect, "c.baseline_date", "COALESCE(s.performed_at, s.scheduled_at)")
    return f"""dose AS (
  SELECT c.patient_id, COUNT(s.id) AS sessions
  FROM cohort c
  LEFT JOIN injection_session s ON s.patient_id = c.patient_id AND s.status = 'done'
       AND {within} <= {DOSE_WINDOW_DAYS}
  GROUP BY c.patient_id
)"""


def ratings_sql(dialect: str, where: OutcomeFilter) -> str:
    """Efficacy, dose-response and time to improvement in one statement (the consensus is worked
    out once): rows of (family, arm, a, b, value, patients).

    efficacy: a = month, value = consensus, patients with that consensus;
    dose: a = sessions bucket (0-5, 5 = 5 or more), value = month-6 consensus;
    km: a = months to first consensus >= +1 or to the last rated month, b = 1 improved / 0 censored.
    """
    months = ", ".join(str(m) for m in EFFICACY_MONTHS)
    return f"""WITH {cohort_sql(dialect, where)},
{patient_month_sql()},
{sessions_by_dose_sql(dialect)},
first_improved AS (
  SELECT patient_id, MIN(CASE WHEN consensus >= {IMPROVED_AT} THEN month END) AS improved_at,
         MAX(month) AS last_rated
  FROM patient_month WHERE month > 0 GROUP BY patient_id
)
SELECT 'efficacy' AS family, c.arm, pm.month AS a, 0 AS b, pm.consensus AS value, COUNT(*) AS patients
FROM patient_month pm JOIN cohort c ON c.patient_id = pm.patient_id
WHERE pm.month IN ({months})
GROUP BY c.arm, pm.month, pm.consensus
UNION ALL
SELECT 'dose', c.arm, CASE WHEN d.sessions > {SESSION_BUCKET_TOP} THEN {SESSION_BUCKET_TOP} ELSE d.sessions END, 0,
       pm.consensus, COUNT(*)
FROM patient_month pm JOIN cohort c ON c.patient_id = pm.patient_id JOIN dose d ON d.patient_id = pm.patient_id
WHERE pm.month = {DOSE_MONTH}
GROUP BY c.arm, CASE WHEN d.sessions > {SESSION_BUCKET_TOP} THEN {SESSION_BUCKET_TOP} ELSE d.sessions END, pm.consensus
UNION ALL
SELECT 'km', c.arm, COALESCE(f.improved_at, f.last_rated), CASE WHEN f.improved_at IS NULL THEN 0 ELSE 1 END,
       0, COUNT(*)
FROM first_improved f JOIN cohort c ON c.patient_id = f.patient_id
GROUP BY c.arm, COALESCE(f.improved_at, f.last_rated), CASE WHEN f.improved_at IS NULL THEN 0 ELSE 1 END
"""


def cohort_mix_sql(dialect: str, where: OutcomeFilter) -> str:
    """Patients, sessions, follow-up kept and drop-outs, by arm and baseline mix, in one statement.

    A check-in month is due once its window has closed (`:ref_*` is today less the days a window
    stays open after its due day); the count of due months includes the baseline (month 0).
    Follow-up kept = completed due check-ins / due check-ins. A drop-out missed the last two due
    check-ins (and so has no photos since)."""
    year, month, day = (part[dialect].format(col="c.baseline_date") for part in (_YEAR, _MONTH, _DAY))
    due_day = f"(CASE WHEN {day} < :ref_dim THEN {day} ELSE :ref_dim END)"
    months_due = (
        f"((:ref_year - {year}) * 12 + (:ref_month - {month}) - CASE WHEN :ref_day >= {due_day} THEN 0 ELSE 1 END + 1)"
    )
    bounds = " ".join(
        f"WHEN c.age BETWEEN {low} AND {high} THEN '{band.value}'" for band, low, high in AGE_BOUNDS
    )
    return f"""WITH {cohort_sql(dialect, where)},
given AS (
  SELECT s.patient_id, COUNT(*) AS sessions FROM injection_session s JOIN cohort c ON c.patient_id = s.patient_id
  WHERE s.status = 'done' GROUP BY s.patient_id
), due AS (
  SELECT c.patient_id, CASE WHEN {months_due} < 0 THEN 0 ELSE {months_due} END AS months_due FROM cohort c
), kept AS (
  SELECT ci.patient_id, COUNT(*) AS done, MAX(ci.month) AS last_done
  FROM checkin ci JOIN due ON due.patient_id = ci.patient_id
  WHERE ci.status = 'complete' AND ci.month < due.months_due
  GROUP BY ci.patient_id
)
SELECT c.arm, c.sex, c.diagnosis, c.grade_scale, c.grade,
       CASE WHEN c.age IS NULL THEN 'unknown' {bounds} ELSE 'unknown' END AS age_band,
       COUNT(*) AS patients,
       SUM(CASE WHEN g.sessions IS NULL THEN 0 ELSE 1 END) AS treated,
       COALESCE(SUM(g.sessions), 0) AS sessions,
       SUM(due.months_due) AS checkins_due,
       COALESCE(SUM(k.done), 0) AS checkins_done,
       SUM(CASE WHEN due.months_due >= 3 AND COALESCE(k.last_done, -1) <= due.months_due - 3 THEN 1 ELSE 0 END) AS dropped,
       SUM(CASE WHEN due.months_due >= 3 THEN 1 ELSE 0 END) AS could_drop
FROM cohort c
JOIN due ON due.patient_id = c.patient_id
LEFT JOIN given g ON g.patient_id = c.patient_id
LEFT JOIN kept k ON k.patient_id = c.patient_id
GROUP BY c.arm, c.sex, c.diagnosis, c.grade_scale, c.grade,
         CASE WHEN c.age IS NULL THEN 'unknown' {bounds} ELSE 'unknown' END
"""


def harm_sql(dialect: str, where: OutcomeFilter) -> str:
    """Side effects per session given, by arm and by (treatment, product, lot), in one statement.

    A session counts once per kind: any side effect (a symptom of at least mild, or medical care
    needed), moderate or worse, serious; a late report started more than 30 days after the
    session. Lots are compared without case or surrounding spaces. Rows: arm, treatment, lot,
    product (one of the lot's), sessions, patients, with_any, with_moderate,
    with_serious, with_late."""
    onset = _date_days(dialect, "COALESCE(s.performed_at, s.scheduled_at)", "r.started_on")
    felt = "(r.max_severity >= 1 OR r.needed_medical_care = :yes)"
    return f"""WITH {cohort_sql(dialect, where)},
flags AS (
  SELECT r.injection_session_id AS session_id,
         MAX(CASE WHEN {felt} THEN 1 ELSE 0 END) AS any_effect,
         MAX(CASE WHEN r.max_severity >= {MODERATE} OR r.serious = :yes THEN 1 ELSE 0 END) AS moderate,
         MAX(CASE WHEN r.serious = :yes THEN 1 ELSE 0 END) AS serious,
         MAX(CASE WHEN {onset} > {LATE_AFTER_DAYS} AND {felt} THEN 1 ELSE 0 END) AS late
  FROM side_effect_report r
  JOIN injection_session s ON s.id = r.injection_session_id
  WHERE r.clinic_id = :clinic_id
  GROUP BY r.injection_session_id
), per_patient AS (
  SELECT s.patient_id, c.arm, s.treatment, UPPER(TRIM(s.lot_number)) AS lot_number, MAX(s.product) AS product,
         COUNT(*) AS sessions, SUM(COALESCE(f.any_effect, 0)) AS with_any, SUM(COALESCE(f.moderate, 0)) AS with_moderate,
         SUM(COALESCE(f.serious, 0)) AS with_serious, SUM(COALESCE(f.late, 0)) AS with_late
  FROM injection_session s
  JOIN cohort c ON c.patient_id = s.patient_id
  LEFT JOIN flags f ON f.session_id = s.id
  WHERE s.status = 'done'
  GROUP BY s.patient_id, c.arm, s.treatment, UPPER(TRIM(s.lot_number))
)
SELECT arm, treatment, lot_number, MAX(product) AS product, SUM(sessions) AS sessions, COUNT(*) AS patients,
       SUM(with_any) AS with_any, SUM(with_moderate) AS with_moderate, SUM(with_serious) AS with_serious,
       SUM(with_late) AS with_late
FROM per_patient
GROUP BY arm, treatment, lot_number
"""


def symptoms_sql(dialect: str, where: OutcomeFilter) -> str:
    """Each symptom felt (mild or worse) after a session, with its onset (days from the injection
    to the first day it was reported as started) and how long it was reported for (from that
    start to the last report of the same session that still lists it: a lower bound of its
    duration). Rows of kind 'timing' (arm, symptom, onset_days, reported_days, sessions) and
    'total' (arm, symptom, sessions, patients who felt it)."""
    onset = _date_days(dialect, "COALESCE(s.performed_at, s.scheduled_at)", "MIN(r.started_on)")
    lasted = (
        "CAST(julianday(MAX(date(r.submitted_at))) - julianday(MIN(r.started_on)) AS INTEGER)"
        if dialect == "sqlite"
        else "(MAX(CAST(r.submitted_at AT TIME ZONE 'UTC' AS DATE)) - MIN(r.started_on))"
    )
    return f"""WITH {cohort_sql(dialect, where)},
felt AS (
  SELECT c.arm, s.id AS session_id, s.patient_id, sy.symptom,
         {onset} AS onset_days,
         {lasted} AS reported_days
  FROM injection_session s
  JOIN cohort c ON c.patient_id = s.patient_id
  JOIN side_effect_report r ON r.injection_session_id = s.id
  JOIN side_effect_symptom sy ON sy.report_id = r.id AND sy.severity >= 1
  WHERE s.status = 'done'
  GROUP BY c.arm, s.id, s.patient_id, sy.symptom, s.performed_at, s.scheduled_at
)
SELECT 'timing' AS kind, arm, symptom, onset_days,
       CASE WHEN reported_days < 0 THEN 0 ELSE reported_days END AS reported_days,
       COUNT(*) AS sessions, 0 AS patients
FROM felt
GROUP BY arm, symptom, onset_days, CASE WHEN reported_days < 0 THEN 0 ELSE reported_days END
UNION ALL
SELECT 'total', arm, symptom, 0, 0, COUNT(*), COUNT(DISTINCT patient_id)
FROM felt
GROUP BY arm, symptom
"""


def questionnaire_sql(dialect: str, where: OutcomeFilter) -> str:
    """Self-assessment at months 3, 6 and 12: the change in satisfaction with appearance since
    the baseline answer, and the patient's own view of growth. Rows: arm, month, question,
    value, patients."""
    months = ", ".join(str(m) for m in QUESTIONNAIRE_MONTHS)
    return f"""WITH {cohort_sql(dialect, where)},
answered AS (
  SELECT r.patient_id, r.occasion_month AS month, a.question, a.value
  FROM questionnaire_response r
  JOIN cohort c ON c.patient_id = r.patient_id
  JOIN questionnaire_answer a ON a.response_id = r.id
  WHERE r.clinic_id = :clinic_id AND a.question IN (:satisfaction, :growth)
)
SELECT c.arm, later.month, later.question,
       CASE WHEN later.question = :satisfaction THEN later.value - base.value ELSE later.value END AS value,
       COUNT(*) AS patients
FROM answered later
JOIN cohort c ON c.patient_id = later.patient_id
LEFT JOIN answered base ON base.patient_id = later.patient_id AND base.month = 0 AND base.question = later.question
WHERE later.month IN ({months}) AND (later.question = :growth OR base.value IS NOT NULL)
GROUP BY c.arm, later.month, later.question,
         CASE WHEN later.question = :satisfaction THEN later.value - base.value ELSE later.value END
"""


# --- binding `:name` parameters for either driver ---------------------------------------------

_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)")


def bind(sql: str, params: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    """Turn `:name` parameters into the driver's placeholders (`?` or `$n`) and a value list."""
    values: list[Any] = []
    numbers: dict[str, int] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1)
        if dialect == "postgres":
            if name not in numbers:
                values.append(params[name])
                numbers[name] = len(values)
            return f"${numbers[name]}"
        values.append(_sqlite_value(params[name]))
        return "?"

    return _NAMED.sub(placeholder, sql), values


def _sqlite_value(value: Any) -> Any:
    import uuid
    from datetime import date

    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
