"""Every answer the server gives, success or error, follows the schema /openapi.json gives
for its route and status (JSON Schema 2020-12, as OpenAPI 3.1 uses it)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

from conftest import SOLUTION, TASK, Server
from jsonschema import Draft202012Validator

Answer = Tuple[int, Any, str]


def call(server: Server, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": "Bearer " + server.token}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers["Content-Type"]


def check(document: Dict[str, Any], method: str, route: str, answer: Answer) -> None:
    status, text, content_type = answer
    responses = document["paths"][route][method.lower()]["responses"]
    declared = responses.get(str(status)) or responses["default"]
    media = content_type.split(";")[0].strip()
    assert media in declared["content"], f"{method} {route} {status}: {media} is not declared"
    schema = declared["content"][media]["schema"]
    if media != "application/json":
        assert schema["type"] == "string"
        return
    root = {"$defs": {}, "components": document["components"], **schema}
    errors = sorted(Draft202012Validator(root).iter_errors(json.loads(text)), key=str)
    assert not errors, f"{method} {route} {status}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_every_answer_follows_its_schema(server: Server) -> None:
    status, text, _ = call(server, "GET", "/openapi.json")
    document = json.loads(text)
    Draft202012Validator.check_schema({"components": document["components"]})
    with open(SOLUTION, encoding="utf-8") as f:
        solution = f.read()
    checked = []

    def run(method: str, route: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        answer = call(server, method, path, body)
        check(document, method, route, answer)
        checked.append((method, route, answer[0]))
        return json.loads(answer[1]) if answer[2].startswith("application/json") else answer[1]

    run("GET", "/v1/health", "/v1/health")
    run("GET", "/v1/tasks", "/v1/tasks")
    run("GET", "/v1/tasks/{id}", "/v1/tasks/" + TASK)
    run("GET", "/v1/tasks/{id}", "/v1/tasks/no-such-task")
    opened = run("POST", "/v1/sessions", "/v1/sessions", {"task": TASK, "limits": {"max_steps": 9}})
    sid = opened["session"]
    step = "/v1/sessions/{sid}/step"
    for body in ({"action": "request_info", "info_type": "all"},
                 {"action": "validate_code", "code": "def broken(:\n"},
                 {"action": "execute_code", "code": "raise SystemExit(3)"},
                 {"action": "execute_code", "code": solution},
                 {"action": "get_history"}, {"action": "reset"},
                 {"action": "execute_code", "code": "print(1)", "bogus": 1},
                 {"action": "submit"}, {"action": "get_history"}):
        run("POST", step, f"/v1/sessions/{sid}/step", body)
    run("GET", "/v1/sessions/{sid}/history", f"/v1/sessions/{sid}/history")
    run("GET", "/v1/sessions/{sid}/trajectory", f"/v1/sessions/{sid}/trajectory")
    run("POST", "/v1/sessions/{sid}/close", f"/v1/sessions/{sid}/close", {})
    mle = run("POST", "/v1/sessions", "/v1/sessions",
              {"task": TASK, "observation_format": "mle_dojo"})["session"]
    for body in ({"action": "request_info", "info_type": "overview"},
                 {"action": "execute_code", "code": solution}):
        run("POST", step, f"/v1/sessions/{mle}/step", body)
    run("DELETE", "/v1/sessions/{sid}", f"/v1/sessions/{mle}")
    run("DELETE", "/v1/sessions/{sid}", f"/v1/sessions/{mle}")
    run("POST", "/v1/sessions", "/v1/sessions", {"task": TASK, "limits": {"memory_mb": 1}})
    run("GET", "/metrics", "/metrics")
    # The schemas have teeth: an answer without the episode's flags is refused.
    root = {"components": document["components"], "$ref": "#/components/schemas/StepResult"}
    assert list(Draft202012Validator(root).iter_errors({"observation": {}, "reward": 0}))
    statuses = {s for _, _, s in checked}
    assert {200, 201, 400, 404, 409} <= statuses, statuses
    # Every route of the document was answered at least once.
    routes = {(m.upper(), r) for r, ops in document["paths"].items() for m in ops}
    assert routes - {("GET", "/openapi.json")} <= {(m, r) for m, r, _ in checked}
