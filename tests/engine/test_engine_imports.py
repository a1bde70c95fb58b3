"""The engine is NumPy only: importing all of it loads no web framework."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import app.engine
from app.settings import PROJECT_ROOT


def test_importing_every_engine_module_loads_no_web_framework():
    modules = sorted(f"app.engine.{m.name}" for m in pkgutil.iter_modules(app.engine.__path__))
    assert {"app.engine.stepper", "app.engine.network", "app.engine.gradients", "app.engine.datasets"} <= set(modules)
    code = (
        f"import {', '.join(modules)}; import sys; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette', 'pydantic', 'jinja2')); "
        "assert not bad, bad; print('clean', len(sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("clean")
