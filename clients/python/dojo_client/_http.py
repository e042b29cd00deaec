"""HTTP calls to `dojo serve`: JSON in and out, or a server-sent event stream."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

Json = Dict[str, Any]


class DojoError(Exception):
    """An error answer of the server: {"error": {"kind", "message"}}."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(f"{kind} ({status}): {message}")
        self.status = status
        self.kind = kind
        self.message = message


def token_from(token: Optional[str] = None) -> Optional[str]:
    """The bearer token: `token`, else the DOJO_TOKEN environment variable, else None."""
    return token if token is not None else os.environ.get("DOJO_TOKEN") or None


def _request(base_url: str, method: str, path: str, body: Optional[Json], token: Optional[str],
             accept: str) -> urllib.request.Request:
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = {"Accept": accept}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    return urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                  headers=headers)


def _raise_for(error: urllib.error.HTTPError) -> None:
    text = error.read().decode("utf-8", "replace")
    try:
        failure = json.loads(text)["error"]
        kind, message = failure["kind"], failure["message"]
    except (ValueError, KeyError, TypeError):
        raise DojoError(error.code, "http_error", text or str(error)) from None
    raise DojoError(error.code, kind, message) from None


def call(base_url: str, method: str, path: str, body: Optional[Json] = None,
         timeout: Optional[float] = None, token: Optional[str] = None) -> Any:
    """One request; the answer's JSON. Raises DojoError for an error answer."""
    request = _request(base_url, method, path, body, token, "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        _raise_for(error)
        raise  # unreachable: _raise_for always raises


def call_text(base_url: str, method: str, path: str, timeout: Optional[float] = None,
              token: Optional[str] = None) -> str:
    """One request whose answer is text (JSON lines)."""
    request = _request(base_url, method, path, None, token, "*/*")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return str(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        _raise_for(error)
        raise


def events(base_url: str, path: str, body: Json, timeout: Optional[float] = None,
           token: Optional[str] = None) -> Iterator[Tuple[str, Json]]:
    """POSTs `body` asking for `text/event-stream`; yields (event, data) as they arrive."""
    request = _request(base_url, "POST", path, body, token, "text/event-stream")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        _raise_for(error)
        raise
    with response:
        name, data = "message", []
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    yield name, json.loads("\n".join(data))
                name, data = "message", []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                name = line[len("event:"):].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:"):].lstrip(" "))


OutputHandler = Callable[[str, str], None]
