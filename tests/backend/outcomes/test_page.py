"""The dashboard's outcomes page: who may open it, what it shows, filters and their refusals."""

from __future__ import annotations

import base64
import re

from backend.audit.models import AuditEvent
from tests.backend.outcomes import reference
from tests.backend.outcomes.cohort import build


async def test_clinicians_see_charts_tables_the_caveat_and_suppression(world, browser):
    await build(world.ids["clinic_x"])
    staff = await browser("clinician@x.example")
    page = await staff.get("/dashboard/outcomes")
    assert page.status_code == 200
    raw = await reference.load(world.ids["clinic_x"])
    # the three-patient arm is hidden, and so is the total that would give it away
    shown = sum(1 for p in raw.patients.values() if p.treatment != "microneedling")
    assert re.search(rf"<strong>{shown}</strong> research-consented patients in the arms shown", page.text)
    assert f"<strong>{len(raw.patients)}</strong>" not in page.text
    assert "not a randomized trial" in page.text and "arms differ in who is in them" in page.text
    charts = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)" data-chart="(\w+)"', page.text)
    assert [c[2] for c in charts] == ["efficacy", "dose", "time", "harm"]
    assert all(base64.b64decode(c[0]).startswith(b"<svg") and c[1] for c in charts)
    for table in ("table-arms", "table-efficacy", "table-dose", "table-time", "table-harm", "table-lots", "table-questionnaire"):
        assert f'id="{table}"' in page.text
    # the three-patient arm: listed, with no numbers
    row = re.search(r'<tr data-arm="microneedling">.*?</tr>', page.text, re.S).group(0)
    assert "too few to show" in row and not re.search(r"<td>\d+</td>", row)
    assert "median of the consensus of the views rated that month" in page.text
    assert "Fisher&#39;s exact test, one-sided" in page.text or "Fisher's exact test, one-sided" in page.text
    assert await AuditEvent.filter(action="outcomes.view").count() == 1
    nav = await staff.get("/dashboard/patients")
    assert 'href="/dashboard/outcomes"' in nav.text


async def test_a_filter_narrows_the_page(world, browser):
    await build(world.ids["clinic_x"])
    raw = await reference.load(world.ids["clinic_x"])
    staff = await browser("admin@x.example")
    page = await staff.get("/dashboard/outcomes", params={"arm": "prp", "sex": "male"})
    expected = sum(1 for p in raw.patients.values() if p.treatment == "prp" and p.sex == "male")
    if expected < 10:
        assert "Too few patients for this filter" in page.text and 'id="table-arms"' not in page.text
    else:
        assert re.search(rf"<strong>{expected}</strong> research-consented patient", page.text)
    assert '<option value="prp" selected>' in page.text and 'data-arm="exosomes"' not in page.text
    assert "Filtered by arm: prp; sex: male." in page.text  # said on the page, so a printout says it too


async def test_bad_filters_say_what_is_wrong(world, browser):
    staff = await browser("clinician@x.example")
    backwards = await staff.get("/dashboard/outcomes", params={"baseline_from": "2026-05-01", "baseline_to": "2026-01-01"})
    assert backwards.status_code == 400
    assert "ends before it starts" in backwards.text and "date_range_backwards" in backwards.text
    unknown = await staff.get("/dashboard/outcomes", params={"grade": "ludwig:7"})
    assert unknown.status_code == 400 and "grade_off_scale" in unknown.text
    assert not await AuditEvent.filter(action="outcomes.view").exists()


async def test_the_front_desk_cannot_open_outcomes(world, browser):
    staff = await browser("desk@x.example")
    page = await staff.get("/dashboard/outcomes")
    assert page.status_code == 403
    nav = await staff.get("/dashboard/patients")
    assert 'href="/dashboard/outcomes"' not in nav.text
