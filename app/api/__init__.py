"""The JSON API v1 (shared/API.md): thin handlers over the session service."""
