"""Test helpers: temporary SageMaker-like directories and environments, hyperparameters as SageMaker passes them, captured stdio."""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from typing import Any, Iterable

import common


class TempDir:
    """A temporary directory with helpers to lay out channels and files."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="training-test-")
        self.path = self._dir.name

    def cleanup(self) -> None:
        self._dir.cleanup()

    def file(self, relative: str, text: str = "") -> str:
        path = os.path.join(self.path, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def jsonl(self, relative: str, records: Iterable[Any]) -> str:
        return self.file(relative, "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))

    def dir(self, relative: str) -> str:
        path = os.path.join(self.path, relative)
        os.makedirs(path, exist_ok=True)
        return path

    def env(self, rank: int = 0, world_size: int = 1, **channels: str) -> common.SageMakerEnv:
        return common.SageMakerEnv(
            model_dir=os.path.join(self.path, "model"),
            output_data_dir=os.path.join(self.path, "output", "data"),
            output_dir=self.dir("output"),
            checkpoint_dir=os.path.join(self.path, "checkpoints"),
            channels=channels, rank=rank, local_rank=rank, world_size=world_size,
        )

    def environ(self, **channels: str) -> dict[str, str]:
        """SM_* variables as SageMaker sets them, for resolve_env."""
        env = {
            "SM_MODEL_DIR": os.path.join(self.path, "model"),
            "SM_OUTPUT_DATA_DIR": os.path.join(self.path, "output", "data"),
            "SM_OUTPUT_DIR": self.dir("output"),
        }
        env.update({f"SM_CHANNEL_{name.upper()}": path for name, path in channels.items()})
        return env


def sagemaker_argv(hyperparameters_file: str) -> list[str]:
    """The entry script's arguments as the SageMaker training toolkit builds them from hyperparameters.json.

    Every value in that file is a string. The toolkit decodes the ones that are JSON ("8" becomes 8), then
    passes `--name value` for each name in sorted order, the value through str().
    """
    with open(hyperparameters_file, encoding="utf-8") as f:
        hyperparameters = json.load(f)

    def decode(value: str) -> Any:
        try:
            return json.loads(value)
        except ValueError:
            return value

    argv: list[str] = []
    for name in sorted(hyperparameters):
        argv += [f"--{name}", str(decode(hyperparameters[name]))]
    return argv


@contextlib.contextmanager
def captured():
    """(stdout, stderr) StringIO objects filled while the block runs."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err
