"""Controls shared by the partial-derivative and gradient pages: the surface and the point."""
from app.i18n import lazy
from app.lesson.surfaces import SURFACES, VIEW
from app.web.lesson_params import ChoiceField, NumberField

SURFACE = ChoiceField("surface", lazy("Surface z = f(x, y)"), {key: s.label for key, s in SURFACES.items()}, "bowl")
POINT_X = NumberField("x", lazy("Point x"), VIEW[0], VIEW[1], 0.1, 1.0)
POINT_Y = NumberField("y", lazy("Point y"), VIEW[0], VIEW[1], 0.1, 0.5)
