"""The lesson's maths (app/lesson/maths) is NumPy only: importing it loads no web framework."""
import subprocess
import sys

from app.settings import PROJECT_ROOT


def test_importing_the_lesson_maths_loads_no_web_framework():
    code = (
        "import sys, pkgutil, importlib, app.lesson.maths\n"
        "for m in pkgutil.iter_modules(app.lesson.maths.__path__): importlib.import_module('app.lesson.maths.' + m.name)\n"
        "print(','.join(sorted(n for n in ('fastapi', 'starlette', 'jinja2', 'pydantic') if n in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
