"""The htmx event names the server sends in HX-Trigger and the templates listen for: named once here."""

STEP_DONE = "step-done"  # the session changed: far panels (the inspector) fetch themselves again

EVENTS = {"step_done": STEP_DONE}
