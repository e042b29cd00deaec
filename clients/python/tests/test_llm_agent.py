"""The baseline LLM agent completes an episode through a real `dojo serve`, against a
loopback stand-in for an OpenAI-compatible chat endpoint that gives canned answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

from conftest import REPO, SOLUTION, TASK, Server

from dojo_client import DojoEnv

AGENT = os.path.join(REPO, "clients", "python", "examples", "llm_agent.py")


def canned_answers() -> List[str]:
    with open(SOLUTION, encoding="utf-8") as f:
        solution = f.read()
    buggy = "import pandas as pd\ntrain = pd.read_csv('/data/train_typo.csv')\n"
    return [
        "Read the training table and fit a model.\n```python\n" + buggy + "```",
        "The file name was wrong; use train.csv.\n```python\n" + solution + "```",
        "A less regularised model.\n```python\n" + solution.replace("C=10.0", "C=1.0") + "```",
        "Keep the best model.\n```python\n" + solution + "```",
    ]


class StandIn:
    """A chat-completions endpoint on 127.0.0.1 answering from a list, recording requests."""

    def __init__(self, answers: List[str]) -> None:
        self.answers = answers
        self.requests: List[Dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                stand_in.requests.append({"path": self.path, "body": body,
                                          "authorization": self.headers.get("Authorization")})
                index = min(len(stand_in.requests), len(stand_in.answers)) - 1
                reply = json.dumps({"choices": [{"index": 0, "message": {
                    "role": "assistant", "content": stand_in.answers[index]}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_llm_agent_drafts_debugs_improves_and_submits(server: Server) -> None:
    chat = StandIn(canned_answers())
    try:
        env = dict(os.environ, DOJO_TOKEN=server.token, OPENAI_BASE_URL=chat.url,
                   OPENAI_MODEL="stand-in-model", OPENAI_API_KEY="stand-in-key")
        done = subprocess.run(
            [sys.executable, AGENT, "--url", server.url, "--task", TASK, "--max-steps", "6",
             "--agent", "llm-baseline-test"],
            env=env, capture_output=True, text=True, timeout=600)
    finally:
        chat.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    # 1 request_info, then draft (fails), debug (scores), draft, improve; the last step submits.
    assert "[1] draft: error" in out, out
    assert "[2] debug: success" in out, out
    assert "terminated: True" in out, out
    best = float(next(l for l in out.splitlines() if l.startswith("best score:")).split(":")[1])
    assert best > 0.5
    # The model was asked as an OpenAI-compatible client asks, and the debug prompt carried
    # the failed run's error.
    assert len(chat.requests) == 4
    assert all(r["path"] == "/v1/chat/completions" for r in chat.requests)
    assert all(r["body"]["model"] == "stand-in-model" for r in chat.requests)
    assert all(r["authorization"] == "Bearer stand-in-key" for r in chat.requests)
    debug_prompt = chat.requests[1]["body"]["messages"][-1]["content"]
    assert "FileNotFoundError" in debug_prompt and "train_typo.csv" in debug_prompt
    assert "olive" in chat.requests[0]["body"]["messages"][-1]["content"].lower()
    # The session ran within its budget and ended on submit.
    session = next(l for l in out.splitlines() if l.startswith("session:")).split()[1]
    history = DojoEnv(server.url, session=session, token=server.token).observation
    actions = [s["action"] for s in history["steps"]]
    assert actions == ["request_info", "execute_code", "execute_code", "execute_code",
                       "execute_code", "submit"]
