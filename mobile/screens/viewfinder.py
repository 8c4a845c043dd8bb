"""The capture frame: the live camera (when there is one), the ghost of the last photo of this view
at the opacity the patient picks, and the view's drawn guide from shared/views.py on top, in the
colour live guidance gives it (orange far off, yellow nearly there, green lined up)."""

from __future__ import annotations

from kivy.graphics import Color, Line
from kivy.metrics import dp
from kivy.properties import ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.relativelayout import RelativeLayout
from kivy.uix.widget import Widget

from mobile.screens import theme
from mobile.screens.widgets import load_kv
from shared.views import VIEWS, GuideCurve, ViewId

FRAME_ASPECT = 3 / 4  # width / height of the camera frame held upright
DASH_DP, GAP_DP = 10, 7

load_kv(__file__)


def smooth(points: list[tuple[float, float]], steps: int = 8) -> list[tuple[float, float]]:
    """A Catmull-Rom curve through `points` (so a hairline is drawn round, not as a polyline)."""
    if len(points) < 3:
        return points
    padded = [points[0], *points, points[-1]]
    curve: list[tuple[float, float]] = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(steps):
            t = step / steps
            curve.append(
                tuple(  # type: ignore[arg-type]
                    0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t * t
                           + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t ** 3)
                    for k in (0, 1)
                )
            )
    curve.append(points[-1])
    return curve


def dashes(points: list[tuple[float, float]], dash: float, gap: float) -> list[list[float]]:
    """Split a polyline into dash segments of length `dash` separated by `gap`."""
    segments: list[list[float]] = []
    current: list[float] = []
    drawing, left = True, dash
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        travelled = 0.0
        while length - travelled > 1e-6:
            step = min(left, length - travelled)
            start = travelled / length
            travelled += step
            end = travelled / length
            if drawing:
                if not current:
                    current = [x0 + (x1 - x0) * start, y0 + (y1 - y0) * start]
                current += [x0 + (x1 - x0) * end, y0 + (y1 - y0) * end]
            left -= step
            if left <= 1e-6:
                if drawing and current:
                    segments.append(current)
                    current = []
                drawing = not drawing
                left = dash if drawing else gap
    if current:
        segments.append(current)
    return segments


class GuideOverlay(Widget):
    """Draws a view's outline guide: the head (or ear) ellipse and the lines to align with."""

    view_id = StringProperty("")
    colour = ColorProperty(theme.GUIDE)

    def on_kv_post(self, base_widget) -> None:
        self.bind(pos=self.redraw, size=self.redraw, view_id=self.redraw, colour=self.redraw)
        self.redraw()

    def redraw(self, *args) -> None:
        self.canvas.clear()
        if self.view_id not in VIEWS:
            return
        guide = VIEWS[ViewId(self.view_id)].guide

        def at(x: float, y: float) -> tuple[float, float]:
            return self.x + x * self.width, self.top - y * self.height  # guide y runs down from the top

        shapes: list[tuple[list[list[float]], bool]] = []
        head = guide.head
        cx, cy = at(head.cx, head.cy)
        rx, ry = head.rx * self.width, head.ry * self.height
        shapes.append(([[cx - rx, cy - ry, 2 * rx, 2 * ry]], True))
        for curve in guide.lines:
            shapes.append((self._curve(curve, at), False))
        with self.canvas:
            for colour, width in (((0, 0, 0, 0.55), dp(4.5)), (tuple(self.colour), dp(2.2))):
                Color(*colour)
                for parts, is_ellipse in shapes:
                    for part in parts:
                        if is_ellipse:
                            Line(ellipse=part, width=width)
                        else:
                            Line(points=part, width=width, cap="round", joint="round")

    def _curve(self, curve: GuideCurve, at) -> list[list[float]]:
        points = smooth([at(x, y) for x, y in curve.points])
        if curve.dashed:
            return dashes(points, dp(DASH_DP), dp(GAP_DP))
        return [[c for point in points for c in point]]


class Viewfinder(RelativeLayout):
    view_id = StringProperty("")
    ghost_source = StringProperty("")
    ghost_opacity = NumericProperty(0.4)
    placeholder = StringProperty("")
    fit = StringProperty("")  # live guidance: '', 'far', 'near' or 'ready' (the outline's colour)
    flash = NumericProperty(0.0)  # a white flash over the frame when the photo is taken by itself
    live_widget = ObjectProperty(None, allownone=True)
    frame_width = NumericProperty(0)
    frame_height = NumericProperty(0)

    def on_size(self, *args) -> None:
        width = min(self.width, self.height * FRAME_ASPECT)
        self.frame_width, self.frame_height = width, width / FRAME_ASPECT

    def on_live_widget(self, viewfinder, widget) -> None:
        holder = self.ids.live_holder
        holder.clear_widgets()
        if widget is not None:
            if widget.parent is not None:
                widget.parent.remove_widget(widget)
            holder.add_widget(widget)
