"""An agent loop written as MLE-Dojo's agents are (`env.step(action, **kwargs)`, reading
`action_status`, `feedback` and the scores), run unchanged against `dojo serve`."""

from __future__ import annotations

import tempfile

from conftest import SOLUTION, TASK, Server

from dojo_client import KaggleEnvironment

BUGGY = "import pandas as pd\nframe = pd.read_csv('/data/no-such-file.csv')\n"


def mle_dojo_style_agent(env, candidates, max_steps):
    """The loop of an MLE-Dojo agent: ask about the task, then run code, read the feedback
    and scores, move on to the next candidate until one scores or the steps run out."""
    obs, reward = env.step("request_info", info_type="overview")
    assert obs["action_status"] == "SUCCESS"
    task_description = obs["feedback"]["base"]["feedback"]
    log = [("request_info", obs["action_status"], reward)]
    for code in candidates[: max_steps - 1]:
        obs, reward = env.step("validate_code", code=code)
        if obs["action_status"] != "SUCCESS":
            log.append(("validate_code", obs["action_status"], reward))
            continue
        obs, reward = env.step("execute_code", code=code)
        log.append(("execute_code", obs["action_status"], reward))
        if obs["action_status"] == "SUCCESS" and obs["current_position_score"] is not None:
            break
    return task_description, obs, log


def test_an_mle_dojo_agent_loop_runs_unchanged(server: Server) -> None:
    env = KaggleEnvironment.make(
        competition_name=TASK, output_dir=tempfile.mkdtemp(), base_url=server.url,
        token=server.token, execution_timeout=120, agent="mle-dojo-loop")
    with open(SOLUTION, encoding="utf-8") as f:
        solution = f.read()
    description, obs, log = mle_dojo_style_agent(env, [BUGGY, solution], max_steps=8)
    assert "olive" in description.lower()
    # The buggy candidate ran and failed; its traceback is in the feedback MLE-Dojo agents read.
    assert log[1] == ("validate_code", "FAILED", 0.0)
    assert log[-1][0:2] == ("execute_code", "SUCCESS")
    assert obs["action_status"] == "SUCCESS"
    assert obs["execution_status"] == "SUCCESS"
    assert "Graded" in obs["feedback"]["base"]["feedback"]
    assert 0 < obs["current_position_score"] <= 1
    assert obs["best_position_score"] == obs["current_position_score"]
    assert obs["current_raw_score"] > 0.5
    assert log[-1][2] == obs["current_position_score"]
    assert "execute_code -> success" in obs["history_summary"]
    assert obs["raw_result"]["status"] == "success"
    assert obs["total_reward"] == log[-1][2]
    obs, _ = env.step("submit")
    assert obs["action_status"] == "SUCCESS" and env.terminated


def test_the_failed_runs_feedback_carries_the_traceback(server: Server) -> None:
    env = KaggleEnvironment(TASK, base_url=server.url, token=server.token)
    obs, reward = env.step("execute_code", code=BUGGY)
    assert obs["action_status"] == "FAILED" and obs["execution_status"] == "FAILED"
    assert reward == 0
    assert "FileNotFoundError" in obs["feedback"]["base"]["feedback"]
    assert obs["current_raw_score"] is None


def test_mle_dojo_options_without_a_counterpart_are_refused(server: Server) -> None:
    try:
        KaggleEnvironment(TASK, base_url=server.url, token=server.token, gpu_memory_limit=8)
    except ValueError as error:
        assert "gpu_memory_limit" in str(error)
    else:
        raise AssertionError("gpu_memory_limit was accepted")
    env = KaggleEnvironment(TASK, base_url=server.url, token=server.token)
    try:
        env.step("dance")
    except ValueError as error:
        assert "Invalid action: dance" in str(error)
    else:
        raise AssertionError("an unknown action was accepted")
