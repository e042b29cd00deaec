"""One session of Dojo's runtime, in Dojo's own observation shape."""

from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple

from . import _http
from ._http import DojoError, Json, OutputHandler

__all__ = ["DojoEnv", "DojoError", "tasks", "health"]


def tasks(base_url: str, token: Optional[str] = None) -> List[Json]:
    """The published tasks: id, version, title, metric, lower_is_better."""
    answer = _http.call(base_url, "GET", "/v1/tasks", token=_http.token_from(token))
    return list(answer["tasks"])


def health(base_url: str) -> Json:
    """Liveness, without a token."""
    return dict(_http.call(base_url, "GET", "/v1/health"))


class DojoEnv:
    """One session on a task: a sandboxed workspace, its history, its budget and best score.

    `step(action, **kwargs)` mirrors MLE-Dojo's `KaggleEnvironment.step`: it returns the
    observation (a dict) and the reward (HumanRank of a valid submission, 0 otherwise);
    `terminated`, `truncated` and `done` of the last step are kept as attributes.
    """

    def __init__(self, base_url: str, task: Optional[str] = None, version: Optional[str] = None,
                 agent: Optional[str] = None, limits: Optional[Json] = None,
                 score_mode: Optional[str] = None, observation_format: Optional[str] = None,
                 session: Optional[str] = None, timeout: Optional[float] = None,
                 token: Optional[str] = None) -> None:
        """Opens a session on `task`, or reattaches to `session` (after a restart, say).

        limits: execution_timeout_s, memory_mb, cpu_s, gpus and the episode's budget
        (max_steps, time_budget_s, cpu_budget_s), each at most the server's; score_mode
        "raw" makes rewards the metric's raw score; observation_format "mle_dojo" shapes
        observations as MLE-Dojo's. token: the bearer token (default: $DOJO_TOKEN).
        """
        self.base_url = base_url
        self.timeout = timeout
        self.token = _http.token_from(token)
        self.terminated = False
        self.truncated = False
        self.observation: Json
        if session is not None:
            self.session = session
            self.observation = self.history()
            return
        if task is None:
            raise ValueError("DojoEnv needs a task (or a session to reattach to)")
        body: Json = {"task": task}
        for key, value in (("version", version), ("agent", agent), ("limits", limits),
                           ("score_mode", score_mode), ("observation_format", observation_format)):
            if value is not None:
                body[key] = value
        answer = _http.call(base_url, "POST", "/v1/sessions", body, timeout, token=self.token)
        self.session = str(answer["session"])
        self.observation = dict(answer["observation"])

    @property
    def done(self) -> bool:
        """No further step will be taken: the agent ended the episode, or a budget ran out."""
        return self.terminated or self.truncated

    def _take(self, answer: Json) -> Tuple[Json, float]:
        self.observation = dict(answer["observation"])
        self.terminated = bool(answer.get("terminated", False))
        self.truncated = bool(answer.get("truncated", False))
        return self.observation, float(answer["reward"])

    def step_result(self, action: str, **kwargs: Any) -> Json:
        """Takes one action; the server's whole answer (observation, reward, terminated,
        truncated, done)."""
        body = dict(kwargs, action=action)
        answer: Json = _http.call(self.base_url, "POST", f"/v1/sessions/{self.session}/step",
                                  body, self.timeout, token=self.token)
        self._take(answer)
        return answer

    def step(self, action: str, **kwargs: Any) -> Tuple[Json, float]:
        """Takes one action; returns (observation, reward).

        Actions: request_info(info_type=...), validate_code(code=...),
        execute_code(code=..., final=False), get_history(), reset(), submit().
        """
        return self._take(self.step_result(action, **kwargs))

    def stream_step(self, action: str, on_output: Optional[OutputHandler] = None,
                    **kwargs: Any) -> Tuple[Json, float]:
        """As `step`, but the run's stdout and stderr arrive as it writes them:
        `on_output("stdout" | "stderr", text)` for each piece."""
        body = dict(kwargs, action=action)
        for name, data in _http.events(self.base_url, f"/v1/sessions/{self.session}/step",
                                       body, self.timeout, token=self.token):
            if name in ("stdout", "stderr"):
                if on_output is not None:
                    on_output(name, str(data["text"]))
            elif name == "observation":
                return self._take(data)
            elif name == "error":
                failure = data["error"]
                raise DojoError(200, failure["kind"], failure["message"])
        raise DojoError(0, "stream_ended", "the stream ended without an observation")

    def request_info(self, info_type: str = "all") -> Tuple[Json, float]:
        return self.step("request_info", info_type=info_type)

    def validate_code(self, code: str) -> Tuple[Json, float]:
        return self.step("validate_code", code=code)

    def execute_code(self, code: str, final: bool = False) -> Tuple[Json, float]:
        if final:
            return self.step("execute_code", code=code, final=True)
        return self.step("execute_code", code=code)

    def submit(self) -> Tuple[Json, float]:
        """Ends the episode: the best submission so far is the final one."""
        return self.step("submit")

    def reset(self) -> Tuple[Json, float]:
        return self.step("reset")

    def history(self) -> Json:
        """The session's options, state and every step."""
        return dict(_http.call(self.base_url, "GET", f"/v1/sessions/{self.session}/history",
                               timeout=self.timeout, token=self.token))

    def trajectory(self) -> List[Json]:
        """Every step as a trajectory record (what `dojo trajectories` exports)."""
        text = _http.call_text(self.base_url, "GET", f"/v1/sessions/{self.session}/trajectory",
                               timeout=self.timeout, token=self.token)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def close(self) -> Json:
        """Closes the session: no more steps; its history stays for ranking and training."""
        return dict(_http.call(self.base_url, "POST", f"/v1/sessions/{self.session}/close", {},
                               timeout=self.timeout, token=self.token))

    def delete(self) -> Json:
        """Deletes the session, its history and its files."""
        return dict(_http.call(self.base_url, "DELETE", f"/v1/sessions/{self.session}",
                               timeout=self.timeout, token=self.token))

    def __enter__(self) -> "DojoEnv":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.close()
        return False
