"""A client for Dojo's runtime (`dojo serve`), standard library only.

    from dojo_client import DojoEnv
    env = DojoEnv("http://127.0.0.1:8765", "titanic-survival", agent="my-agent")
    obs, reward = env.request_info("overview")
    obs, reward = env.step("execute_code", code=open("solution.py").read())

Every call but `health` needs the server's token (as Jupyter's does): it is read from the
environment variable DOJO_TOKEN unless given as `token=`. `dojo serve` prints it at start-up
(or takes it from its own DOJO_TOKEN); an agent's own token comes from `dojo serve --tokens`.

`KaggleEnvironment` is MLE-Dojo's interface; `dojo_client.gym.DojoGymEnv` (needs the
`gymnasium` extra) is a `gymnasium.Env`.
"""

from ._http import DojoError
from .env import DojoEnv, health, tasks
from .mle_dojo import KaggleEnvironment

__all__ = ["DojoEnv", "DojoError", "KaggleEnvironment", "health", "tasks"]
__version__ = "0.2.0"
