"""A client for Dojo's runtime (`dojo serve`), standard library only.

    from dojo_client import DojoEnv
    env = DojoEnv("http://127.0.0.1:8765", "titanic-survival", agent="my-agent")
    obs, reward = env.request_info("overview")
    obs, reward = env.step("execute_code", code=open("solution.py").read())

`step(action, **kwargs)` mirrors MLE-Dojo's `KaggleEnvironment.step`: it returns the
observation (a dict) and the reward (HumanRank of a valid submission, 0 otherwise).

Every call but `health` needs the server's token (as Jupyter's does): it is read from the
environment variable DOJO_TOKEN unless given as `token=`. `dojo serve` prints it at start-up
(or takes it from its own DOJO_TOKEN); an agent's own token comes from `dojo serve --tokens`.
"""

import json
import os
import urllib.error
import urllib.request

__all__ = ["DojoEnv", "DojoError", "tasks", "health"]


class DojoError(Exception):
    """An error answer of the server: {"error": {"kind", "message"}}."""

    def __init__(self, status, kind, message):
        super().__init__(f"{kind} ({status}): {message}")
        self.status = status
        self.kind = kind
        self.message = message


def _token(token=None):
    """The bearer token: `token`, else the DOJO_TOKEN environment variable, else None."""
    return token if token is not None else os.environ.get("DOJO_TOKEN") or None


def _call(base_url, method, path, body=None, timeout=None, raw=False, token=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"} if data is not None else {}
    token = _token(token)
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(
        base_url.rstrip("/") + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        try:
            failure = json.loads(text)["error"]
            raise DojoError(error.code, failure["kind"], failure["message"]) from None
        except (ValueError, KeyError, TypeError):
            raise DojoError(error.code, "http_error", text or str(error)) from None
    return text if raw else json.loads(text)


def tasks(base_url, token=None):
    """The published tasks: id, version, title, metric, lower_is_better."""
    return _call(base_url, "GET", "/v1/tasks", token=token)["tasks"]


def health(base_url):
    return _call(base_url, "GET", "/v1/health")


class DojoEnv:
    """One session on a task: a sandboxed workspace, its history and its best score."""

    def __init__(self, base_url, task=None, version=None, agent=None, limits=None,
                 score_mode=None, session=None, timeout=None, token=None):
        """Opens a session on `task`, or reattaches to `session` (after a restart, say).

        limits: {"execution_timeout_s", "memory_mb", "cpu_s", "gpus"}, each at most what the
        server was started with; score_mode: "raw" makes rewards the metric's raw score
        instead of HumanRank. token: the bearer token (default: $DOJO_TOKEN).
        """
        self.base_url = base_url
        self.timeout = timeout
        self.token = _token(token)
        if session is not None:
            self.session = session
            self.observation = self.history()
            return
        if task is None:
            raise ValueError("DojoEnv needs a task (or a session to reattach to)")
        body = {"task": task}
        for key, value in (("version", version), ("agent", agent), ("limits", limits),
                           ("score_mode", score_mode)):
            if value is not None:
                body[key] = value
        answer = _call(base_url, "POST", "/v1/sessions", body, timeout, token=self.token)
        self.session = answer["session"]
        self.observation = answer["observation"]

    def step(self, action, **kwargs):
        """Takes one action; returns (observation, reward).

        Actions: request_info(info_type=...), validate_code(code=...),
        execute_code(code=...), get_history(), reset().
        """
        body = dict(kwargs, action=action)
        answer = _call(self.base_url, "POST", f"/v1/sessions/{self.session}/step", body,
                       self.timeout, token=self.token)
        self.observation = answer["observation"]
        return answer["observation"], answer["reward"]

    def request_info(self, info_type="all"):
        return self.step("request_info", info_type=info_type)

    def validate_code(self, code):
        return self.step("validate_code", code=code)

    def execute_code(self, code):
        return self.step("execute_code", code=code)

    def reset(self):
        return self.step("reset")

    def history(self):
        """The session's options, state and every step."""
        return _call(self.base_url, "GET", f"/v1/sessions/{self.session}/history",
                     timeout=self.timeout, token=self.token)

    def trajectory(self):
        """Every step as a trajectory record (what `dojo trajectories` exports)."""
        text = _call(self.base_url, "GET", f"/v1/sessions/{self.session}/trajectory",
                     timeout=self.timeout, raw=True, token=self.token)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def close(self):
        return _call(self.base_url, "DELETE", f"/v1/sessions/{self.session}",
                     timeout=self.timeout, token=self.token)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
