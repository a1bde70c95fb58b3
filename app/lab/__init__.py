"""The visualizer at /s/{id}: routes, the stage (drawing, narration, inspector, status, charts, plots)."""
