"""A baseline agent that drives a Dojo task with any OpenAI-compatible chat model.

    export DOJO_TOKEN=...                          # what `dojo serve` printed
    export OPENAI_BASE_URL=http://127.0.0.1:8000/v1  # vLLM, llama.cpp's server, or a hosted API
    export OPENAI_MODEL=Qwen2.5-Coder-7B-Instruct
    export OPENAI_API_KEY=...                      # if the endpoint wants one
    python3 clients/python/examples/llm_agent.py --url http://127.0.0.1:8765 --task titanic-survival

It works as AIDE's tree search and MLE-Dojo's MLE agent do: it reads the task (one
`request_info`), asks the model for a plan and a whole program (a *draft*), runs it with
`execute_code`, and then, step by step, either *debugs* the last program that failed (the
model sees its code, its stderr and the grader's message) or *improves* the best one so far
(the model sees its code and score), until the episode's budget is nearly spent; then it
calls `submit`, so the best submission is the final one. Every program writes
submission.csv, so every successful run is graded and scored.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dojo_client import DojoEnv, DojoError  # noqa: E402

SYSTEM = (
    "You are a Kaggle grandmaster solving a machine-learning competition. You write one "
    "self-contained Python program per answer. The data is read-only under {data}; the "
    "program must write its predictions to {output}/submission.csv in the format of the "
    "sample submission. Keep runs short (they are killed after {timeout:.0f} s). Packages "
    "available: {packages}. Answer with a plan of 2 to 5 sentences, then one ```python code "
    "block, nothing after it."
)


class ChatError(Exception):
    pass


class ChatModel:
    """An OpenAI-compatible `/chat/completions` endpoint, over urllib."""

    def __init__(self, base_url: str, model: str, api_key: Optional[str],
                 temperature: float = 0.2, timeout: float = 600) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.temperature = temperature
        self.timeout = timeout

    def complete(self, messages: List[Dict[str, str]]) -> str:
        body = json.dumps({"model": self.model, "messages": messages,
                           "temperature": self.temperature}).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:500]
            raise ChatError(f"the chat endpoint answered {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise ChatError(f"cannot reach the chat endpoint {self.url}: {error}") from None
        try:
            return str(answer["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise ChatError(f"the chat endpoint's answer has no message: {answer}") from None


CODE_BLOCK = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


def extract_code(text: str) -> Optional[str]:
    """The longest fenced code block of a model's answer, if any."""
    blocks = CODE_BLOCK.findall(text)
    return max(blocks, key=len).strip() + "\n" if blocks else None


@dataclass
class Node:
    """One program tried: how it was made, what its run said, its score."""

    kind: str  # draft | debug | improve
    plan: str
    code: str
    status: str = "unrun"
    feedback: str = ""
    stderr: str = ""
    score: Optional[float] = None
    position: Optional[float] = None
    parent: Optional["Node"] = None
    debug_depth: int = 0

    @property
    def good(self) -> bool:
        return self.status == "success" and self.score is not None


@dataclass
class Journal:
    nodes: List[Node] = field(default_factory=list)
    lower_is_better: bool = False

    def best(self) -> Optional[Node]:
        good = [n for n in self.nodes if n.good]
        if not good:
            return None
        key = (lambda n: n.score) if not self.lower_is_better else (lambda n: -n.score)
        return max(good, key=key)

    def summary(self) -> str:
        lines = []
        for i, n in enumerate(self.nodes, 1):
            outcome = f"score {n.score}" if n.good else n.status
            lines.append(f"{i}. {n.kind}: {n.plan[:200]!r} -> {outcome}")
        return "\n".join(lines) or "(nothing tried yet)"


class Agent:
    """Draft, debug, improve (AIDE's search policy), within the episode's budget."""

    def __init__(self, env: DojoEnv, model: ChatModel, num_drafts: int = 2,
                 max_debug_depth: int = 3, log=print) -> None:
        self.env = env
        self.model = model
        self.num_drafts = num_drafts
        self.max_debug_depth = max_debug_depth
        self.log = log
        self.journal = Journal()
        self.task_text = ""
        self.system = ""

    def read_task(self) -> None:
        obs, _ = self.env.request_info("all")
        info = obs["info"]
        meta = info.get("metadata", {})
        self.journal.lower_is_better = bool(meta.get("lower_is_better"))
        packages = sorted((info.get("environment") or {}).get("packages", {}))
        wanted = [p for p in packages if p.lower() in {
            "numpy", "pandas", "scikit-learn", "scipy", "lightgbm", "xgboost", "xgboost-cpu",
            "torch"}]
        self.system = SYSTEM.format(
            data=info.get("data_path", "/data"), output=info.get("output_path", "/workspace/output"),
            timeout=float((meta.get("limits") or {}).get("execution_timeout_s", 600)),
            packages=", ".join(wanted) or "the standard library")
        self.task_text = "\n\n".join([
            "# Task\n" + str(info.get("overview", "")),
            "# Metric\n" + f"{meta.get('metric')} "
            f"({'lower' if meta.get('lower_is_better') else 'higher'} is better)",
            "# Files\n" + str(info.get("data_structure", "")),
            "# Sample submission (first lines)\n" + str(info.get("sample_submission", "")),
        ])

    def next_node(self) -> Node:
        drafts = [n for n in self.journal.nodes if n.kind == "draft"]
        last = self.journal.nodes[-1] if self.journal.nodes else None
        if (last is not None and last.code and not last.good
                and last.debug_depth < self.max_debug_depth):
            return self.ask("debug", last)
        best = self.journal.best()
        if best is None or len(drafts) < self.num_drafts:
            return self.ask("draft", None)
        return self.ask("improve", best)

    def ask(self, kind: str, parent: Optional[Node]) -> Node:
        if kind == "draft":
            prompt = (f"{self.task_text}\n\n# Tried so far\n{self.journal.summary()}\n\n"
                      "Propose a simple first solution (no ensembling, no tuning), different "
                      "from what was tried, and write it.")
        elif kind == "debug":
            assert parent is not None
            prompt = (f"{self.task_text}\n\n# Your program\n```python\n{parent.code}```\n\n"
                      f"# What happened\n{parent.status}: {parent.feedback}\n\n"
                      f"# stderr (end)\n```\n{parent.stderr[-3000:]}\n```\n\n"
                      "Fix the bug and write the whole corrected program.")
        else:
            assert parent is not None
            prompt = (f"{self.task_text}\n\n# Best program so far (score {parent.score})\n"
                      f"```python\n{parent.code}```\n\n# Tried so far\n{self.journal.summary()}"
                      "\n\nPropose one specific improvement and write the whole new program.")
        answer = self.model.complete([{"role": "system", "content": self.system},
                                      {"role": "user", "content": prompt}])
        code = extract_code(answer)
        plan = answer.split("```", 1)[0].strip()
        node = Node(kind=kind, plan=plan, code=code or "", parent=parent,
                    debug_depth=(parent.debug_depth + 1) if kind == "debug" and parent else 0)
        if code is None:
            node.status, node.feedback = "no_code", "the answer had no ```python block"
        return node

    def run(self, node: Node) -> None:
        obs, _ = self.env.execute_code(node.code)
        node.status = str(obs.get("status"))
        node.feedback = str(obs.get("feedback") or "")
        node.stderr = str(obs.get("stderr") or "")
        node.score = obs.get("current_raw_score")
        node.position = obs.get("current_position_score")

    def budget_left(self) -> bool:
        budget = self.env.observation.get("budget") or {}
        steps_left = budget.get("steps_left")
        time_left = budget.get("time_left_s")
        # One step stays for submit; a run needs time to be worth starting.
        if steps_left is not None and steps_left <= 1:
            return False
        if time_left is not None and time_left < 30:
            return False
        return not self.env.done

    def solve(self, max_nodes: Optional[int] = None) -> Optional[Node]:
        self.read_task()
        tried = 0
        while self.budget_left() and (max_nodes is None or tried < max_nodes):
            node = self.next_node()
            tried += 1
            if node.code:
                self.run(node)
            self.journal.nodes.append(node)
            self.log(f"[{tried}] {node.kind}: {node.status}"
                     + (f", score {node.score}" if node.score is not None else ""))
        if not self.env.done:
            self.env.submit()
        return self.journal.best()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("DOJO_URL", "http://127.0.0.1:8765"))
    parser.add_argument("--task", required=True)
    parser.add_argument("--agent", default="llm-baseline")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="the episode's step budget (default: the server's)")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="the episode's wall seconds (default: the server's)")
    parser.add_argument("--max-nodes", type=int, default=None,
                        help="most programs to try (default: until the budget is spent)")
    parser.add_argument("--drafts", type=int, default=2)
    args = parser.parse_args()

    base = os.environ.get("OPENAI_BASE_URL")
    model_name = os.environ.get("OPENAI_MODEL")
    if not base or not model_name:
        print("error: set OPENAI_BASE_URL and OPENAI_MODEL (and OPENAI_API_KEY if the "
              "endpoint needs one)", file=sys.stderr)
        return 2
    model = ChatModel(base, model_name, os.environ.get("OPENAI_API_KEY"))
    limits: Dict[str, Any] = {}
    if args.max_steps is not None:
        limits["max_steps"] = args.max_steps
    if args.time_budget is not None:
        limits["time_budget_s"] = args.time_budget
    started = time.time()
    try:
        env = DojoEnv(args.url, args.task, agent=args.agent, limits=limits or None)
        best = Agent(env, model, num_drafts=args.drafts).solve(args.max_nodes)
    except (DojoError, ChatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"session: {env.session}")
    if best is None:
        print("no valid submission")
    else:
        print(f"best score: {best.score}")
        print(f"best position score: {best.position}")
    print(f"terminated: {env.terminated}  truncated: {env.truncated}  "
          f"seconds: {time.time() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
