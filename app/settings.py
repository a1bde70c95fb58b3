"""One Settings object, read from BPLAB_* environment variables."""
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "sessions.sqlite3"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    # PostgreSQL instead of the SQLite file: postgresql://user@host/db (sessions shared by hosts)
    database_url: str | None = None
    # the working set of live sessions kept in each process, in MiB (0 keeps none)
    cache_mb: float = 128.0
    # above the largest config API.md allows, written as JSON; a bigger body is a 413
    max_body_bytes: int = 256 * 2**20
    # sessions nobody has touched for this many days are deleted (0 keeps them forever)
    session_days: float = 30.0
    static_dir: Path = PROJECT_ROOT / "static"
    # htmx comes from npm (package-lock.json) and is served by the app itself: classrooms are offline.
    htmx_dir: Path = PROJECT_ROOT / "node_modules" / "htmx.org" / "dist"
    swagger_ui_dir: Path = PROJECT_ROOT / "node_modules" / "swagger-ui-dist"


def load_settings() -> Settings:
    return Settings(
        db_path=Path(os.environ.get("BPLAB_DB") or DEFAULT_DB),
        session_days=float(os.environ.get("BPLAB_SESSION_DAYS") or 30),
        database_url=os.environ.get("BPLAB_DATABASE_URL") or None,
        cache_mb=float(os.environ.get("BPLAB_CACHE_MB") or 128),
    )
