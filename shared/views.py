"""The standard scalp photo views, defined once: ids stored with each photo, labels the dashboard
shows, step-by-step instructions and a drawn outline guide the app uses during a check-in.

Outline coordinates are fractions (0..1) of the camera frame held upright (portrait),
x from the left edge, y from the top edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import msgspec

from shared.errors import ErrorCode, InvalidInput


class ViewId(StrEnum):
    FRONTAL = "frontal"
    VERTEX = "vertex"
    CROWN = "crown"
    LEFT_TEMPLE = "left_temple"
    RIGHT_TEMPLE = "right_temple"


class GuideEllipse(msgspec.Struct, frozen=True):
    """An ellipse centred at (cx, cy) with radii rx, ry, all as fractions of the frame."""

    cx: float
    cy: float
    rx: float
    ry: float


class GuideCurve(msgspec.Struct, frozen=True):
    """A line through `points` (x, y fractions of the frame), drawn smooth; `dashed` for
    helper lines such as the parting, solid for the line the patient aligns with."""

    points: tuple[tuple[float, float], ...]
    dashed: bool = False


class OutlineGuide(msgspec.Struct, frozen=True):
    """What the app draws over the camera preview for one view."""

    head: GuideEllipse  # where the head (or the photographed part of it) should sit
    lines: tuple[GuideCurve, ...]  # hairline, parting or temple contour to line up with
    caption: str  # one short sentence shown beside the guide


class PhotoView(msgspec.Struct, frozen=True):
    id: ViewId
    label: str  # short name for the dashboard's timeline grid
    instructions: tuple[str, ...]  # steps shown one by one in the app, in order
    distance_cm: int  # camera-to-scalp distance the guide is sized for
    guide: OutlineGuide


_LIGHT = "Stand in the same room and light as last time, with the light in front of you, not behind."

FRONTAL = PhotoView(
    id=ViewId.FRONTAL,
    label="Frontal hairline",
    instructions=(
        "Comb your hair straight back, away from the forehead.",
        _LIGHT,
        "Hold the phone upright at eye level, about 35 cm (an arm's length bent) from your face.",
        "Look straight into the camera with your chin level, not tilted up or down.",
        "Fit your forehead and hairline inside the outline, the hairline on the curved line.",
    ),
    distance_cm=35,
    guide=OutlineGuide(
        head=GuideEllipse(cx=0.5, cy=0.55, rx=0.36, ry=0.42),
        lines=(
            GuideCurve(points=((0.2, 0.34), (0.32, 0.28), (0.5, 0.26), (0.68, 0.28), (0.8, 0.34))),
            GuideCurve(points=((0.22, 0.5), (0.78, 0.5)), dashed=True),  # eyebrow line
        ),
        caption="Hairline on the curve, eyebrows on the dashed line.",
    ),
)

VERTEX = PhotoView(
    id=ViewId.VERTEX,
    label="Vertex (top, parted)",
    instructions=(
        "Part your hair in the middle, from the forehead back to the top of the head.",
        _LIGHT,
        "Sit down and ask someone to help, or use a mirror and the phone's timer.",
        "Hold the phone flat above the top of your head, screen facing down, about 25 cm away.",
        "Put the parting on the dashed line, forehead towards the top of the frame.",
    ),
    distance_cm=25,
    guide=OutlineGuide(
        head=GuideEllipse(cx=0.5, cy=0.5, rx=0.4, ry=0.36),
        lines=(GuideCurve(points=((0.5, 0.14), (0.5, 0.86)), dashed=True),),  # the parting
        caption="Parting on the dashed line, forehead at the top.",
    ),
)

CROWN = PhotoView(
    id=ViewId.CROWN,
    label="Crown (back of the top)",
    instructions=(
        "Comb your hair down from the crown, without a parting.",
        _LIGHT,
        "Ask someone to hold the phone behind and above you, about 30 cm from the back of your head.",
        "Bend your head forward a little so the crown faces the camera.",
        "Put the swirl of the crown in the small circle.",
    ),
    distance_cm=30,
    guide=OutlineGuide(
        head=GuideEllipse(cx=0.5, cy=0.5, rx=0.38, ry=0.38),
        lines=(GuideCurve(points=((0.46, 0.46), (0.54, 0.46), (0.54, 0.54), (0.46, 0.54), (0.46, 0.46))),),
        caption="The swirl of the crown in the small square.",
    ),
)


def _temple(side: str, view_id: ViewId, mirror: bool) -> PhotoView:
    """A temple view; the right one is the left one mirrored."""

    def x(value: float) -> float:
        return round(1.0 - value, 3) if mirror else value

    return PhotoView(
        id=view_id,
        label=f"{side.capitalize()} temple",
        instructions=(
            "Comb your hair straight back, away from the temples.",
            _LIGHT,
            f"Turn your head so your {side} ear faces the camera.",
            "Hold the phone upright at the height of your temple, about 30 cm away.",
            "Put the corner of your hairline on the curved line and your ear in the lower circle.",
        ),
        distance_cm=30,
        guide=OutlineGuide(
            head=GuideEllipse(cx=x(0.62), cy=0.72, rx=0.08, ry=0.11),  # the ear
            lines=(GuideCurve(points=((x(0.2), 0.3), (x(0.38), 0.34), (x(0.5), 0.44), (x(0.55), 0.58))),),
            caption="Hairline corner on the curve, ear in the circle.",
        ),
    )


LEFT_TEMPLE = _temple("left", ViewId.LEFT_TEMPLE, mirror=False)
RIGHT_TEMPLE = _temple("right", ViewId.RIGHT_TEMPLE, mirror=True)

def capture_step(*, live_camera: bool, auto_capture: bool, has_ghost: bool) -> str:
    """The last step of every view, true to what the app will do: whether it takes the photo by
    itself (a live camera with automatic capture on), and what "lined up" can mean (an earlier
    photo of the view to match, or only the drawn outline the first time)."""
    if not live_camera:
        return (
            "Choose a photo taken this way. The app compares it with your last photo of this view and says what to change before you keep it."
            if has_ghost
            else "Choose a photo taken this way. The app checks that it is sharp and well lit before you keep it."
        )
    if auto_capture and has_ghost:
        return "Hold the phone still. The outline turns green when the picture lines up with your last photo, and the app takes the photo by itself."
    if auto_capture:
        return "Fit your head to the outline and hold the phone still. When the picture is sharp, well lit and steady for a second, the app takes the photo by itself."
    if has_ghost:
        return "Hold the phone still and tap Take photo when the outline turns green: the picture then lines up with your last photo."
    return "Fit your head to the outline, hold the phone still and tap Take photo."


VIEWS: dict[ViewId, PhotoView] = {view.id: view for view in (FRONTAL, VERTEX, CROWN, LEFT_TEMPLE, RIGHT_TEMPLE)}

# All five views in the order the app guides the patient through them.
DEFAULT_PROTOCOL: tuple[PhotoView, ...] = tuple(VIEWS.values())


def validate_protocol(view_ids: Iterable[str]) -> tuple[PhotoView, ...]:
    """Check a clinic's chosen view ids and return those views in the standard capture order,
    once each.

    Raises InvalidInput (VIEW_NOT_IN_PROTOCOL) naming any unknown view id, and
    InvalidInput (VALIDATION_FAILED) when no view is chosen."""
    chosen = set(view_ids)
    unknown = sorted(view for view in chosen if view not in VIEWS)
    if unknown:
        raise InvalidInput(
            f"Unknown photo view: {', '.join(unknown)}.",
            code=ErrorCode.VIEW_NOT_IN_PROTOCOL,
            details={"unknown": unknown, "known": list(VIEWS)},
        )
    if not chosen:
        raise InvalidInput("Choose at least one photo view.", details={"known": list(VIEWS)})
    return tuple(view for view in DEFAULT_PROTOCOL if view.id in chosen)


def require_view(view_id: str, protocol: Iterable[str] | None = None) -> PhotoView:
    """The view `view_id` when the clinic's `protocol` (view ids; None means the default of all
    five) includes it; else InvalidInput (VIEW_NOT_IN_PROTOCOL), e.g. for an upload slot asked
    for a view the clinic does not photograph."""
    allowed = set(VIEWS) if protocol is None else set(protocol)
    if view_id not in VIEWS or view_id not in allowed:
        raise InvalidInput(
            f"This clinic does not take a '{view_id}' photo.",
            code=ErrorCode.VIEW_NOT_IN_PROTOCOL,
            details={"view": view_id, "protocol": [view for view in VIEWS if view in allowed]},
        )
    return VIEWS[ViewId(view_id)]
