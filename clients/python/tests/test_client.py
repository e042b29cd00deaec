"""The typed client against a real server: budgets, streaming, refusals, deletion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import REPO, TASK, Server

from dojo_client import DojoEnv, DojoError, health, tasks


def test_an_episode_is_truncated_when_its_steps_run_out(server: Server) -> None:
    env = DojoEnv(server.url, TASK, token=server.token, limits={"max_steps": 2})
    assert env.observation["budget"]["max_steps"] == 2
    obs, _ = env.request_info("name")
    assert obs["budget"]["steps_left"] == 1 and not env.done
    answer = env.step_result("request_info", info_type="data_path")
    assert answer["truncated"] is True and answer["terminated"] is False and answer["done"]
    assert answer["observation"]["truncated_by"] == "max_steps"
    with pytest.raises(DojoError) as refused:
        env.request_info("name")
    assert refused.value.status == 409 and "max_steps" in refused.value.message


def test_a_time_budget_cuts_the_run_and_ends_the_episode(server: Server) -> None:
    env = DojoEnv(server.url, TASK, token=server.token, limits={"time_budget_s": 3})
    answer = env.step_result("execute_code", code="import time\ntime.sleep(30)\n")
    assert answer["observation"]["run"]["timed_out"] is True
    assert answer["observation"]["run"]["seconds"] < 10
    assert answer["truncated"] is True
    with pytest.raises(DojoError) as refused:
        env.request_info("name")
    assert "time_budget_s" in refused.value.message


def test_submit_terminates_the_episode(server: Server) -> None:
    env = DojoEnv(server.url, TASK, token=server.token)
    obs, _ = env.submit()
    assert obs["status"] == "submitted" and env.terminated and not env.truncated
    with pytest.raises(DojoError) as refused:
        env.request_info("name")
    assert refused.value.status == 409


def test_a_streamed_step_sends_output_before_the_observation(server: Server) -> None:
    env = DojoEnv(server.url, TASK, token=server.token)
    pieces = []
    code = ("import sys, time\nprint('first', flush=True)\ntime.sleep(1)\n"
            "print('second ☃', flush=True)\nprint('oops', file=sys.stderr)\n")
    obs, reward = env.stream_step("execute_code", on_output=lambda s, t: pieces.append((s, t)),
                                  code=code)
    assert "".join(t for s, t in pieces if s == "stdout") == "first\nsecond ☃\n"
    # Pieces follow the pipe's reads: a print may arrive as its text and its newline.
    assert "".join(t for s, t in pieces if s == "stderr") == "oops\n"
    assert obs["status"] == "no_submission" and reward == 0
    assert obs["stdout"] == "first\nsecond ☃\n"
    # A refused streamed step is a plain JSON error, before any stream.
    with pytest.raises(DojoError) as refused:
        env.stream_step("execute_code", code="print(1)", info_type="overview")
    assert refused.value.status == 400


def test_unknown_limits_and_arguments_are_refused_by_name(server: Server) -> None:
    with pytest.raises(DojoError) as refused:
        DojoEnv(server.url, TASK, token=server.token, limits={"gpu_memory_limit": 8})
    assert refused.value.status == 400 and "gpu_memory_limit" in refused.value.message
    env = DojoEnv(server.url, TASK, token=server.token)
    with pytest.raises(DojoError) as refused:
        env.step("execute_code", code="print(1)", timeout=3)
    assert refused.value.status == 400 and '"timeout"' in refused.value.message


def test_request_info_environment_lists_packages_and_the_machine(server: Server) -> None:
    env = DojoEnv(server.url, TASK, token=server.token)
    obs, _ = env.request_info("environment")
    info = obs["info"]
    assert "numpy" in {name.lower() for name in info["packages"]}
    assert info["cpu"]["machine_cpus"] >= 1
    assert info["memory"]["session_limit_mb"] == 2048
    assert isinstance(info["gpus"]["machine_devices"], list)


def test_a_deleted_session_is_gone(server: Server) -> None:
    env = DojoEnv(server.url, TASK, token=server.token, agent="to-delete")
    env.request_info("name")
    assert env.delete()["deleted"] is True
    with pytest.raises(DojoError) as missing:
        env.history()
    assert missing.value.status == 404


def test_the_task_reports_its_public_leaderboards_size(server: Server) -> None:
    listed = tasks(server.url, token=server.token)
    assert TASK in [t["id"] for t in listed]
    request = urllib.request.Request(server.url + "/v1/tasks/" + TASK,
                                     headers={"Authorization": "Bearer " + server.token})
    with urllib.request.urlopen(request) as response:
        task = json.loads(response.read())
    assert task["leaderboard_size"] > 0
    assert health(server.url)["status"] == "ok"


def test_the_package_installs_with_pip(tmp_path) -> None:
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), os.path.join(REPO, "clients", "python")],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (target / "dojo_client" / "py.typed").exists()
    assert (target / "dojo_client" / "gym.py").exists()
