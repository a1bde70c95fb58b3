"""Controls shared by the partial-derivative and gradient pages: the surface and the point."""
from app.i18n import lazy
from app.lesson.maths.surfaces import VIEW
from app.lesson.params import ChoiceField, NumberField

# one choice per key of app.lesson.maths.surfaces.SURFACES (a test checks they match)
SURFACE = ChoiceField(
    "surface",
    lazy("Surface z = f(x, y)"),
    {"bowl": lazy("Bowl: x² + y²"), "tilted": lazy("Tilted bowl: x² + xy + 2y²"), "wave": lazy("Wave: sin x + y²/2")},
    "bowl",
)
POINT_X = NumberField("x", lazy("Point x"), VIEW[0], VIEW[1], 0.1, 1.0)
POINT_Y = NumberField("y", lazy("Point y"), VIEW[0], VIEW[1], 0.1, 0.5)
