"""The gymnasium.Env adapter passes Gymnasium's own checker and runs an episode."""

from __future__ import annotations

import json

from conftest import SOLUTION, TASK, Server
from gymnasium.utils.env_checker import check_env

from dojo_client.gym import DojoGymEnv


def test_the_gym_adapter_passes_gymnasiums_check_env(server: Server) -> None:
    env = DojoGymEnv(server.url, TASK, token=server.token, agent="gym-check")
    check_env(env, skip_render_check=True)
    env.close()


def test_a_gym_episode_scores_and_terminates(server: Server) -> None:
    env = DojoGymEnv(server.url, TASK, token=server.token, agent="gym-episode",
                     limits={"max_steps": 5})
    obs, info = env.reset(seed=0)
    assert TASK in obs and "/workspace/output" in obs
    assert info["budget"]["max_steps"] == 5
    obs, reward, terminated, truncated, info = env.step(
        json.dumps({"action": "request_info", "info_type": "sample_submission"}))
    assert "status: success" in obs and reward == 0
    with open(SOLUTION, encoding="utf-8") as f:
        obs, reward, terminated, truncated, info = env.step(f.read())
    assert info["status"] == "success", obs
    assert 0 < reward <= 1 and not terminated and not truncated
    obs, reward, terminated, truncated, info = env.step('{"action": "submit"}')
    assert terminated and not truncated
    env.close()


def test_text_actions_are_steps_or_code() -> None:
    assert DojoGymEnv.parse_action('{"action": "get_history"}') == {"action": "get_history"}
    assert DojoGymEnv.parse_action("print(1)") == {"action": "execute_code", "code": "print(1)"}
    assert DojoGymEnv.parse_action('{"x": 1}')["action"] == "execute_code"
