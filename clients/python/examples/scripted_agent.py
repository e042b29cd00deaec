"""A scripted agent: asks about the task, runs a solution file, prints the reward.

    DOJO_TOKEN=... python3 clients/python/examples/scripted_agent.py \
        --url http://127.0.0.1:8765 --task titanic-survival --solution solution.py

The token is the one `dojo serve` printed at start-up (or its DOJO_TOKEN).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dojo_client import DojoEnv, DojoError  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--task", required=True)
    parser.add_argument("--solution", required=True, help="a Python file that writes "
                        "submission.csv into $DOJO_OUTPUT, reading data from $DOJO_DATA")
    parser.add_argument("--agent", default="scripted-agent")
    args = parser.parse_args()

    with open(args.solution, encoding="utf-8") as f:
        code = f.read()
    try:
        with DojoEnv(args.url, args.task, agent=args.agent) as env:
            info, _ = env.request_info("name")
            print("task:", info["info"])
            info, _ = env.request_info("data_path")
            print("data:", info["info"])
            obs, reward = env.step("execute_code", code=code)
            print("status:", obs["status"])
            if obs["status"] != "success":
                print(obs.get("feedback", ""))
                print(obs.get("stderr", "")[-2000:], end="")
            print("reward:", reward)
            print("best position score:", obs.get("best_position_score"))
    except DojoError as error:
        print("error:", error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
