from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from shared.errors import ErrorCode, InvalidInput
from shared.views import DEFAULT_PROTOCOL, VIEWS, PhotoView, ViewId, require_view, validate_protocol

ROOT = Path(__file__).resolve().parents[2]


def _points(view: PhotoView) -> list[tuple[float, float]]:
    head = view.guide.head
    corners = [(head.cx - head.rx, head.cy - head.ry), (head.cx + head.rx, head.cy + head.ry)]
    return corners + [point for line in view.guide.lines for point in line.points]


def test_default_protocol_is_the_five_standard_views_in_capture_order():
    assert [view.id for view in DEFAULT_PROTOCOL] == ["frontal", "vertex", "crown", "left_temple", "right_temple"]


@pytest.mark.parametrize("view", DEFAULT_PROTOCOL, ids=lambda view: view.id)
def test_every_view_tells_the_patient_how_to_take_it(view: PhotoView):
    assert view.label and len(view.label) <= 30  # fits a dashboard column header
    assert len(view.instructions) >= 4
    assert any("cm" in step for step in view.instructions)  # how far to hold the phone
    assert any("light" in step.lower() for step in view.instructions)
    assert any("comb" in step.lower() or "part" in step.lower() for step in view.instructions)
    assert 15 <= view.distance_cm <= 60
    assert view.guide.lines and view.guide.caption


@pytest.mark.parametrize("view", DEFAULT_PROTOCOL, ids=lambda view: view.id)
def test_outline_guides_stay_inside_the_camera_frame(view: PhotoView):
    assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in _points(view))


def test_vertex_guide_shows_the_parting_and_the_temples_mirror_each_other():
    vertex_parting = VIEWS[ViewId.VERTEX].guide.lines[0]
    assert vertex_parting.dashed and {x for x, _ in vertex_parting.points} == {0.5}
    left, right = VIEWS[ViewId.LEFT_TEMPLE], VIEWS[ViewId.RIGHT_TEMPLE]
    assert round(1 - left.guide.head.cx, 3) == right.guide.head.cx
    left_lines = [(round(1 - x, 3), y) for line in left.guide.lines for x, y in line.points]
    assert left_lines == [point for line in right.guide.lines for point in line.points]
    assert "left ear" in " ".join(left.instructions) and "right ear" in " ".join(right.instructions)


def test_views_travel_to_the_app_as_json():
    encoded = msgspec.json.encode(DEFAULT_PROTOCOL)
    decoded = msgspec.json.decode(encoded, type=list[PhotoView])
    assert decoded == list(DEFAULT_PROTOCOL)
    assert b'"id":"left_temple"' in encoded


def test_a_clinic_protocol_comes_back_in_capture_order_once_each():
    chosen = validate_protocol(["crown", "frontal", "crown"])
    assert [view.id for view in chosen] == ["frontal", "crown"]


def test_an_unknown_view_in_a_protocol_is_refused_by_name():
    with pytest.raises(InvalidInput) as refused:
        validate_protocol(["frontal", "eyebrows"])
    assert refused.value.code == ErrorCode.VIEW_NOT_IN_PROTOCOL
    assert refused.value.details["unknown"] == ["eyebrows"]
    assert "eyebrows" in refused.value.message


def test_an_empty_protocol_is_refused():
    with pytest.raises(InvalidInput) as refused:
        validate_protocol([])
    assert refused.value.code == ErrorCode.VALIDATION_FAILED


def test_a_view_outside_the_clinics_protocol_is_refused():
    assert require_view("vertex", ["frontal", "vertex"]).label.startswith("Vertex")
    assert require_view("crown").id == ViewId.CROWN  # the default protocol has every view
    with pytest.raises(InvalidInput) as refused:
        require_view("crown", ["frontal", "vertex"])
    assert refused.value.code == ErrorCode.VIEW_NOT_IN_PROTOCOL
    with pytest.raises(InvalidInput):
        require_view("selfie")


def test_shared_views_and_quality_load_without_app_or_server_frameworks():
    probe = (
        "import sys, shared.views, shared.quality; "
        "print(sorted(m for m in ('kivy', 'litestar', 'tortoise', 'pillow_heif') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
