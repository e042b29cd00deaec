"""MLE-Dojo's environment interface over Dojo's runtime.

An agent loop written against MLE-Dojo's `KaggleEnvironment` runs unchanged:

    env = KaggleEnvironment.make(competition_name="titanic-survival", output_dir="out",
                                 base_url="http://127.0.0.1:8765")
    obs, reward = env.step("request_info", info_type="overview")
    obs, reward = env.step("execute_code", code=code)
    obs["action_status"], obs["feedback"]["base"]["feedback"], obs["best_position_score"]

Observations come from the server in MLE-Dojo's shape (the session is opened with
`observation_format: "mle_dojo"`). MLE-Dojo's limits map onto Dojo's (`execution_timeout`,
`cpu_time_limit`, `memory_limit` in GB); `gpu_memory_limit` has no counterpart and is
refused rather than ignored.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from ._http import Json
from .env import DojoEnv

__all__ = ["KaggleEnvironment"]


class KaggleEnvironment:
    """`step(action, **kwargs) -> (observation, reward)`, as MLE-Dojo's environment."""

    actions: List[str] = ["request_info", "validate_code", "execute_code", "reset",
                          "get_history", "submit"]

    @classmethod
    def make(cls, competition_name: str, output_dir: Optional[str] = None,
             base_url: str = "http://127.0.0.1:8765", **kwargs: Any) -> "KaggleEnvironment":
        return cls(competition_name, output_dir=output_dir, base_url=base_url, **kwargs)

    def __init__(self, competition_name: str, output_dir: Optional[str] = None,
                 base_url: str = "http://127.0.0.1:8765", score_mode: str = "position",
                 execution_timeout: Optional[float] = None, cpu_time_limit: Optional[int] = None,
                 memory_limit: Optional[float] = None, gpu_device: Optional[int] = None,
                 gpu_memory_limit: Optional[int] = None, max_steps: Optional[int] = None,
                 time_budget: Optional[float] = None, agent: Optional[str] = None,
                 token: Optional[str] = None, timeout: Optional[float] = None) -> None:
        if gpu_memory_limit is not None:
            raise ValueError(
                "gpu_memory_limit has no counterpart in Dojo (a session gets whole GPUs: "
                "gpus); leave it out")
        limits: Dict[str, Any] = {}
        if execution_timeout is not None:
            limits["execution_timeout_s"] = execution_timeout
        if cpu_time_limit is not None:
            limits["cpu_s"] = cpu_time_limit
        if memory_limit is not None:
            limits["memory_mb"] = int(memory_limit * 1024)
        if gpu_device is not None and gpu_device >= 0:
            limits["gpus"] = 1
        if max_steps is not None:
            limits["max_steps"] = max_steps
        if time_budget is not None:
            limits["time_budget_s"] = time_budget
        self.competition_name = competition_name
        self.output_dir = output_dir
        self.score_mode = score_mode
        self.env = DojoEnv(base_url, competition_name, agent=agent, limits=limits or None,
                           score_mode=score_mode, observation_format="mle_dojo", token=token,
                           timeout=timeout)
        self.total_reward = 0.0
        self.step_count = 0
        if output_dir is not None:
            os.makedirs(output_dir, exist_ok=True)

    @property
    def session(self) -> str:
        return self.env.session

    @property
    def terminated(self) -> bool:
        return self.env.terminated

    @property
    def truncated(self) -> bool:
        return self.env.truncated

    def step(self, action: str, **kwargs: Any) -> Tuple[Json, float]:
        """Takes `action` with its arguments; returns (observation, reward).

        Raises ValueError for an action MLE-Dojo's environment would refuse.
        """
        if action not in self.actions:
            raise ValueError(f"Invalid action: {action}. Must be one of {self.actions}")
        observation, reward = self.env.step(action, **kwargs)
        self.step_count += 1
        self.total_reward += reward
        observation["total_reward"] = self.total_reward
        return observation, reward

    def close(self) -> None:
        self.env.close()
