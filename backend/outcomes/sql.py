"""The outcome figures as set-based SQL: one statement per figure family, for SQLite and PostgreSQL.

Every statement starts from the same `cohort` (the clinic's research-consented patients that pass
the filters) and returns aggregates only: counts per (arm, value) and the like, never a row per
patient. The statistics are worked out from those aggregates in `statistics.py`.

How a patient's consensus at a time point is made (said on the page too): for each (patient, view,
month) the newest released rating round (closed, or published by an admin; see
backend/ratings/released.py) with a consensus is used; the patient's consensus at that month is
the median of those per-view consensus scores over the views that were rated (the mean of the two
middle ones for an even count).
"""

from __future__ import annotations

from typing import Any

from backend.db import bind_named
from backend.outcomes.filters import OutcomeFilter
from backend.ratings.released import released_sql
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


# date_part, not EXTRACT: EXTRACT returns numeric on PostgreSQL 14+, several times slower per row
_YEAR = {
    "sqlite": "CAST(substr({col}, 1, 4) AS INTEGER)",
    "postgres": "CAST(date_part('year', {col}) AS INTEGER)",
}
_MONTH = {
    "sqlite": "CAST(substr({col}, 6, 2) AS INTEGER)",
    "postgres": "CAST(date_part('month', {col}) AS INTEGER)",
}
_DAY = {
    "sqlite": "CAST(substr({col}, 9, 2) AS INTEGER)",
    "postgres": "CAST(date_part('day', {col}) AS INTEGER)",
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


moment_days, date_days = _moment_days, _date_days


def date_part(dialect: str, part: str, col: str) -> str:
    """The year, month or day of a date column as an integer."""
    return {"year": _YEAR, "month": _MONTH, "day": _DAY}[part][dialect].format(col=col)


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


def patient_month_sql(patients: str = "cohort") -> str:
    """CTEs `rounds`, `per_view` (the newest round's score per patient, view and month) and
    `patient_month` (the patient's consensus at a month: the median over the rated views, and how
    many views were rated), for the patients of the CTE named `patients` (a `patient_id` column).
    Hash aggregates only, no sort of the ratings: the newest round is the largest of (round order
    * 16 + doubled score + 6), and the median comes from counts per value."""
    counts = ",\n         ".join(
        f"SUM(CASE WHEN doubled = {value} THEN 1 ELSE 0 END) AS v{i}" for i, value in enumerate(_DOUBLED)
    )
    lower, upper = _kth_doubled("(views + 1) / 2"), _kth_doubled("(views + 2) / 2")
    return f"""rounds AS (
  SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS seq FROM rating_round rr
  WHERE rr.clinic_id = :clinic_id AND {released_sql("rr")}
), per_view AS (
  SELECT rc.patient_id, rc.month,
         MAX(r.seq * 16 + CAST(rc.score * 2 AS INTEGER) + 6) % 16 - 6 AS doubled
  FROM rating_consensus rc
  JOIN rounds r ON r.id = rc.round_id
  JOIN {patients} c ON c.patient_id = rc.patient_id
  WHERE rc.clinic_id = :clinic_id
  GROUP BY rc.patient_id, rc.view, rc.month
), value_counts AS (
  SELECT pv.patient_id, pv.month, COUNT(*) AS views,
         {counts}
  FROM per_view pv
  GROUP BY pv.patient_id, pv.month
), patient_month AS (
  SELECT patient_id, month, views, ({lower} + {upper}) / 4.0 AS consensus
  FROM value_counts
)"""


def _facts(dialect: str, where: OutcomeFilter, columns: tuple[str, ...]) -> str:
    """The cohort's arm and these facts of its patients (outcome_patient; a patient without a
    row has no data yet)."""
    return f"""{cohort_sql(dialect, where)},
facts AS (
  SELECT c.arm, {", ".join(f"f.{column}" for column in columns)}
  FROM cohort c JOIN outcome_patient f ON f.patient_id = c.patient_id
)"""


def ratings_sql(dialect: str, where: OutcomeFilter) -> str:
    """Efficacy, dose-response and time to improvement in one statement, from the patients' facts
    (the consensus per month is worked out when a rating changes, facts.py): rows of (family, arm,
    a, b, value, patients).

    efficacy: a = month, value = consensus, patients with that consensus;
    dose: a = sessions bucket (0-5, 5 = 5 or more), value = month-6 consensus;
    km: a = months to first consensus >= +1 or to the last rated month, b = 1 improved / 0 censored.
    """
    efficacy = "\nUNION ALL\n".join(
        f"SELECT 'efficacy' AS family, arm, {month} AS a, 0 AS b, c{month} AS value, COUNT(*) AS patients\n"
        f"FROM facts WHERE c{month} IS NOT NULL GROUP BY arm, c{month}"
        for month in EFFICACY_MONTHS
    )
    bucket = f"CASE WHEN dose6 > {SESSION_BUCKET_TOP} THEN {SESSION_BUCKET_TOP} ELSE dose6 END"
    columns = ("c3", "c6", "c12", "dose6", "km_month", "km_improved")
    return f"""WITH {_facts(dialect, where, columns)}
{efficacy}
UNION ALL
SELECT 'dose', arm, {bucket}, 0, c{DOSE_MONTH}, COUNT(*)
FROM facts WHERE c{DOSE_MONTH} IS NOT NULL
GROUP BY arm, {bucket}, c{DOSE_MONTH}
UNION ALL
SELECT 'km', arm, km_month, km_improved, 0, COUNT(*)
FROM facts WHERE km_month IS NOT NULL
GROUP BY arm, km_month, km_improved
"""


def _popcount(dialect: str, mask: str, bits: int) -> str:
    if dialect == "postgres":
        return f"bit_count(int8send({mask}))"
    return "(" + " + ".join(f"(({mask} >> {i}) & 1)" for i in range(bits)) + ")"


def cohort_mix_sql(dialect: str, where: OutcomeFilter) -> str:
    """Patients, sessions, follow-up kept and drop-outs, by arm and baseline mix, in one statement.

    A check-in month is due once its window has closed (`:ref_*` is today less the days a window
    stays open after its due day); the count of due months includes the baseline (month 0) and
    stops at month 61 (the facts keep completed check-ins as a 62-bit mask). Follow-up kept =
    completed due check-ins / due check-ins. A drop-out missed the last two due check-ins (and so
    has no photos since)."""
    from backend.outcomes.facts import CHECKIN_MONTHS

    year, month, day = (part[dialect].format(col="c.baseline_date") for part in (_YEAR, _MONTH, _DAY))
    due_day = "(CASE WHEN d < :ref_dim THEN d ELSE :ref_dim END)"
    months_due = "((:ref_year - y) * 12 + (:ref_month - m) - CASE WHEN :ref_day >= " + due_day + " THEN 0 ELSE 1 END + 1)"
    bounds = " ".join(
        f"WHEN y - birth_year BETWEEN {low} AND {high} THEN '{band.value}'" for band, low, high in AGE_BOUNDS
    )
    one = "CAST(1 AS BIGINT)"
    kept = _popcount(dialect, f"(d.mask & (({one} << d.months_due) - 1))", CHECKIN_MONTHS)
    # the baseline's year, month and day come from the facts (a patient without facts yet: from
    # the date); `due` is materialized so that the months due are worked out once per patient,
    # not once wherever they are used
    return f"""WITH {cohort_sql(dialect, where)},
dated AS (
  SELECT c.arm, c.sex, c.diagnosis, c.grade_scale, c.grade, c.birth_year,
         COALESCE(f.baseline_months, {year} * 12 + {month} - 1) AS baseline_months,
         COALESCE(f.baseline_day, {day}) AS d,
         COALESCE(f.sessions, 0) AS sessions, COALESCE(f.checkins, 0) AS mask
  FROM cohort c LEFT JOIN outcome_patient f ON f.patient_id = c.patient_id
), due AS MATERIALIZED (
  SELECT arm, sex, diagnosis, grade_scale, grade, sessions, mask,
         CASE WHEN birth_year IS NULL THEN 'unknown' {bounds} ELSE 'unknown' END AS age_band,
         {months_due} AS months_due
  FROM (SELECT dated.*, baseline_months / 12 AS y, baseline_months % 12 + 1 AS m FROM dated) x
), clamped AS (
  SELECT arm, sex, diagnosis, grade_scale, grade, age_band, sessions, mask,
         CASE WHEN months_due < 0 THEN 0 WHEN months_due > {CHECKIN_MONTHS} THEN {CHECKIN_MONTHS}
              ELSE months_due END AS months_due
  FROM due
)
SELECT d.arm, d.sex, d.diagnosis, d.grade_scale, d.grade, d.age_band,
       COUNT(*) AS patients,
       SUM(CASE WHEN d.sessions > 0 THEN 1 ELSE 0 END) AS treated,
       SUM(d.sessions) AS sessions,
       SUM(d.months_due) AS checkins_due,
       SUM({kept}) AS checkins_done,
       SUM(CASE WHEN d.months_due >= 3 AND ((d.mask >> (d.months_due - 2)) & 3) = 0 THEN 1 ELSE 0 END) AS dropped,
       SUM(CASE WHEN d.months_due >= 3 THEN 1 ELSE 0 END) AS could_drop
FROM clamped d
GROUP BY d.arm, d.sex, d.diagnosis, d.grade_scale, d.grade, d.age_band
"""


def harm_sql(dialect: str, where: OutcomeFilter) -> str:
    """Side effects per session given, by arm and by (treatment, product, lot), in one statement,
    from the per patient and lot facts (outcome_lot, facts.py).

    A session counts once per kind: any side effect (a symptom of at least mild, or medical care
    needed), moderate or worse, serious; a late report started more than 30 days after the
    session. Lots are compared without case or surrounding spaces. Rows: arm, treatment, lot,
    product (one of the lot's), sessions, patients, with_any, with_moderate,
    with_serious, with_late."""
    return f"""WITH {cohort_sql(dialect, where)}
SELECT c.arm, l.treatment, l.lot_number, MAX(l.product) AS product, SUM(l.sessions) AS sessions,
       COUNT(*) AS patients, SUM(l.with_any) AS with_any, SUM(l.with_moderate) AS with_moderate,
       SUM(l.with_serious) AS with_serious, SUM(l.with_late) AS with_late
FROM outcome_lot l JOIN cohort c ON c.patient_id = l.patient_id
GROUP BY c.arm, l.treatment, l.lot_number
"""


def symptoms_sql(dialect: str, where: OutcomeFilter) -> str:
    """Each symptom felt (mild or worse) after a session, with its onset (days from the injection
    to the first day it was reported as started) and how long it was reported for (from that
    start to the last report of the same session that still lists it: a lower bound of its
    duration), from the facts (outcome_symptom). Rows of kind 'timing' (arm, symptom, onset_days,
    reported_days, sessions) and 'total' (arm, symptom, sessions, patients who felt it)."""
    return f"""WITH {cohort_sql(dialect, where)},
felt AS (
  SELECT c.arm, s.session_id, s.patient_id, s.symptom, s.onset_days, s.reported_days
  FROM outcome_symptom s JOIN cohort c ON c.patient_id = s.patient_id
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
    the baseline answer, and the patient's own view of growth, from the facts. Rows: arm, month,
    question, value, patients."""
    parts = []
    for month in QUESTIONNAIRE_MONTHS:
        parts.append(
            f"SELECT arm, {month} AS month, '{SATISFACTION_QUESTION}' AS question, sat{month} - sat0 AS value,"
            f" COUNT(*) AS patients\nFROM facts WHERE sat{month} IS NOT NULL AND sat0 IS NOT NULL"
            f" GROUP BY arm, sat{month} - sat0"
        )
        parts.append(
            f"SELECT arm, {month}, '{GROWTH_QUESTION}', growth{month}, COUNT(*)\n"
            f"FROM facts WHERE growth{month} IS NOT NULL GROUP BY arm, growth{month}"
        )
    columns = ("sat0", *(f"{q}{m}" for q in ("sat", "growth") for m in QUESTIONNAIRE_MONTHS))
    return f"WITH {_facts(dialect, where, columns)}\n" + "\nUNION ALL\n".join(parts) + "\n"


# --- binding `:name` parameters for either driver ---------------------------------------------

def bind(sql: str, params: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    """Turn `:name` parameters into the driver's placeholders and a value list (ids and dates as
    text on SQLite)."""
    if dialect != "postgres":
        params = {name: _sqlite_value(value) for name, value in params.items()}
    return bind_named(sql, params, dialect)


def _sqlite_value(value: Any) -> Any:
    import uuid
    from datetime import date

    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
