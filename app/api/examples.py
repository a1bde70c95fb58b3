"""Examples of every request body for the OpenAPI document, and the links from a new session.

The Config examples are the presets' own configs (one each, and the short {"preset": NAME}
form), so /docs can send a valid body in one click and a schema-driven fuzzer starts from
bodies that succeed; the links tell it where a new session's id goes next.
"""
from __future__ import annotations

from app.sessions.presets import PRESETS


def _config_examples() -> dict:
    examples = {}
    for preset in PRESETS:
        examples[preset["name"]] = {"summary": f"The {preset['name']} preset, written out", "value": preset["config"]}
        examples[f"preset-{preset['name']}"] = {"summary": f"The {preset['name']} preset by name", "value": {"preset": preset["name"]}}
    examples["preset-with-overrides"] = {
        "summary": "A preset with some fields replaced",
        "value": {"preset": "circle", "optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 16, "seed": 3},
    }
    return examples


CONFIG_EXAMPLES = _config_examples()
STEP_EXAMPLES = {
    "one": {"summary": "One step", "value": {}},
    "count": {"summary": "Five steps, applied whole or not at all", "value": {"count": 5}},
    "until-loss": {"summary": "Up to the loss", "value": {"until": "loss"}},
    "until-update": {"summary": "To the end of the iteration", "value": {"until": "update"}},
}
TRAIN_EXAMPLES = {"ten": {"summary": "Ten iterations", "value": {"iterations": 10}}}
PATCH_EXAMPLES = {
    "learning-rate": {"summary": "A new learning rate (the optimizer's state is kept)", "value": {"optimizer": {"learning_rate": 0.05}}},
    "adam": {"summary": "Switch to Adam (its defaults, fresh state)", "value": {"optimizer": {"name": "adam"}}},
    "weight": {"summary": "Edit the weight from unit 0 to unit 0 of layer 1", "value": {"edits": [{"layer": 1, "to": 0, "from": 0, "value": 0.5}]}},
    "bias": {"summary": "Edit the bias of unit 0 of layer 1", "value": {"edits": [{"layer": 1, "to": 0, "from": None, "value": 0.1}]}},
}
PREDICT_EXAMPLES = {"one-row": {"summary": "One row for a network with 2 inputs", "value": {"inputs": [[0.05, 0.1]]}}}

_WITH_ID = {"session_id": "$response.body#/id"}
SESSION_LINKS = {
    name: {"operationId": operation, "parameters": _WITH_ID, "description": description}
    for name, operation, description in (
        ("ReadSession", "read_session", "Read the new session"),
        ("StepSession", "step_session", "Step it"),
        ("StepSessionBack", "step_session_back", "Undo a step"),
        ("TrainSession", "train_session", "Train it"),
        ("ResetSession", "reset_session", "Reset it"),
        ("UpdateSession", "update_session", "Change its optimizer or parameters"),
        ("PredictOutputs", "predict_outputs", "Predict with it"),
        ("CheckGradients", "check_gradients", "Check its gradients"),
        ("ExportSession", "export_session", "Export it"),
        ("DeleteSession", "delete_session", "Delete it"),
    )
}

EXAMPLES_BY_OPERATION = {
    "create_session": CONFIG_EXAMPLES,
    "step_session": STEP_EXAMPLES,
    "train_session": TRAIN_EXAMPLES,
    "update_session": PATCH_EXAMPLES,
    "predict_outputs": PREDICT_EXAMPLES,
}


def keep_nulls_in_examples(app) -> None:
    """FastAPI leaves null values out of the examples it writes (`"from": null` would vanish,
    and the bias edit would be no valid body): the document gets them back as written here."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = build()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    examples = EXAMPLES_BY_OPERATION.get(operation.get("operationId"))
                    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                    if examples and "examples" in content:
                        content["examples"] = examples
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi
