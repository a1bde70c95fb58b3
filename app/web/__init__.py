"""Pages and htmx fragments, rendered on the server from the same sessions the API serves."""
