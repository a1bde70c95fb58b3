"""Sessions: validated configs, the durable SQLite store, and the service the API and pages call."""
