"""A `gymnasium.Env` over Dojo's runtime (needs the `gymnasium` extra).

Actions and observations are text. An action is either a JSON object naming a step,
`{"action": "request_info", "info_type": "overview"}`, or anything else, which is Python
code run with `execute_code`. `reset()` opens a new session (closing the last one) and
returns the task's description; `step()` returns `(observation, reward, terminated,
truncated, info)`; `info` holds the action, its status and the step's number (what is the
same for the same action, as Gymnasium's checker asks), and Dojo's whole observation, with its
timings and budget, is `last_observation`.

Observations keep printable ASCII (other characters become `?`) and at most
`max_observation_chars`, so they are always inside `observation_space`; they hold no
timings or ids, so the same action from the same start reads the same.
"""

from __future__ import annotations

import json
import string
from typing import Any, Dict, Optional, Tuple

import gymnasium as gym
from gymnasium import spaces

from ._http import Json
from .env import DojoEnv

__all__ = ["DojoGymEnv"]

CHARSET = string.printable


def _printable(text: str, limit: int) -> str:
    cleaned = "".join(c if c in CHARSET else "?" for c in text)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 15] + "\n[...truncated]"
    return cleaned or " "


class DojoGymEnv(gym.Env):  # type: ignore[misc]
    """One task of a Dojo server as a Gymnasium environment."""

    metadata = {"render_modes": []}

    def __init__(self, base_url: str, task: str, agent: Optional[str] = None,
                 limits: Optional[Json] = None, score_mode: Optional[str] = None,
                 token: Optional[str] = None, timeout: Optional[float] = None,
                 max_action_chars: int = 4096, max_observation_chars: int = 65536) -> None:
        super().__init__()
        self.base_url = base_url
        self.task = task
        self.agent = agent
        self.limits = limits
        self.score_mode = score_mode
        self.token = token
        self.timeout = timeout
        self.max_observation_chars = max_observation_chars
        self.action_space = spaces.Text(max_length=max_action_chars, charset=CHARSET)
        self.observation_space = spaces.Text(max_length=max_observation_chars, charset=CHARSET)
        self.env: Optional[DojoEnv] = None
        self.last_observation: Json = {}

    def reset(self, *, seed: Optional[int] = None,
              options: Optional[Dict[str, Any]] = None) -> Tuple[str, Dict[str, Any]]:
        super().reset(seed=seed)
        self._close_session()
        self.env = DojoEnv(self.base_url, self.task, agent=self.agent, limits=self.limits,
                           score_mode=self.score_mode, token=self.token, timeout=self.timeout)
        opened = self.env.observation
        text = "\n".join([
            f"Task {opened.get('task')}: {opened.get('title')}",
            f"Metric: {opened.get('metric')} "
            f"({'lower' if opened.get('lower_is_better') else 'higher'} is better)",
            f"Data (read-only): {opened.get('data_path')}",
            f"Write submission.csv to: {opened.get('output_path')}",
            "Actions: Python code (run with execute_code), or JSON such as "
            '{"action": "request_info", "info_type": "overview"}; '
            f"actions: {', '.join(opened.get('actions', []))}",
        ])
        info = {"task": opened.get("task"), "budget": dict(opened.get("budget") or {})}
        return _printable(text, self.max_observation_chars), info

    @staticmethod
    def parse_action(action: str) -> Json:
        """The step an action names: a JSON object with "action", else code to execute."""
        stripped = action.strip()
        if stripped.startswith("{"):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict) and isinstance(parsed.get("action"), str):
                return parsed
        return {"action": "execute_code", "code": action}

    def step(self, action: str) -> Tuple[str, float, bool, bool, Dict[str, Any]]:
        if self.env is None:
            raise RuntimeError("call reset() before step()")
        body = self.parse_action(action)
        name = body.pop("action")
        observation, reward = self.env.step(name, **body)
        self.last_observation = observation
        info = {"action": name, "status": observation.get("status"),
                "step": observation.get("step")}
        return (_printable(self.render_observation(observation), self.max_observation_chars),
                float(reward), self.env.terminated, self.env.truncated, info)

    @staticmethod
    def render_observation(observation: Json) -> str:
        """The deterministic parts of an observation as text an agent reads."""
        parts = [f"status: {observation.get('status')}"]
        feedback = observation.get("feedback")
        if feedback:
            parts.append(f"feedback: {feedback}")
        info = observation.get("info")
        if info is not None:
            parts.append(info if isinstance(info, str) else json.dumps(info, sort_keys=True))
        for stream in ("stdout", "stderr"):
            if observation.get(stream):
                parts.append(f"{stream}:\n{observation[stream]}")
        if observation.get("current_raw_score") is not None:
            parts.append(f"score: {observation['current_raw_score']}")
        return "\n".join(parts)

    def _close_session(self) -> None:
        if self.env is not None and not self.env.done:
            try:
                self.env.close()
            except Exception:  # the server may be gone; the session stays as it was
                pass
        self.env = None

    def close(self) -> None:
        self._close_session()
        super().close()
