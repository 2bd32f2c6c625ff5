"""Shared by the training job entry points (train.py, dpo.py, evaluate.py).

- Typed hyperparameters: SageMaker passes every hyperparameter as `--name value` strings; they are converted
  and checked here, and every problem is reported at once (exit code 2), not the first one argparse meets.
- The SageMaker training environment: channels, model / output / checkpoint directories, torchrun rank.
- Files: the latest complete checkpoint, a model directory inside a channel, writes by rank 0 only.
- The options and TrainingArguments that train.py and dpo.py share.
(The JSONL dataset formats are records.py.)

Standard library only: the GPU libraries are imported lazily (modeling.py and inside the entry points'
training functions), so that parsing and these helpers run, and are tested, on a machine without them.
"""
from __future__ import annotations

import argparse
import difflib
import json
import logging
import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

EXIT_USAGE = 2
log = logging.getLogger("training")

# ---------------------------------------------------------------------------------------------------------
# Hyperparameters
# ---------------------------------------------------------------------------------------------------------

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "off"})
_NO_VALUE = object()  # an option given without a value (argparse's const for nargs='?')


def str2bool(value: Any) -> bool:
    """SageMaker hyperparameters arrive as strings: "true"/"false" (and the usual spellings) become booleans."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not a boolean: use true or false")


@dataclass(frozen=True)
class Option:
    """One hyperparameter: `--name value`, converted to `kind` and checked against its bounds."""

    name: str
    kind: str  # int | float | bool | str | choice | list
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None  # inclusive
    above: float | None = None  # exclusive lower bound
    below: float | None = None  # exclusive upper bound
    special: tuple[Any, ...] = ()  # values accepted outside the bounds, e.g. -1 meaning "no limit"

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def metavar(self) -> str:
        if self.kind == "choice":
            return "{" + ",".join(self.choices) + "}"
        return {"int": "INT", "float": "FLOAT", "bool": "true|false", "str": "TEXT", "list": "A,B,..."}[self.kind]

    def help_text(self) -> str:
        default = "" if "(default" in self.help else f" (default: {'none' if self.default is None else _show(self.default)})"
        return f"{self.help}{default}".replace("%", "%%")  # argparse %-formats help strings


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


class _ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print and exit on the first problem; collect it instead
        raise _ArgumentError(message)


def build_parser(prog: str, description: str, options: Sequence[Option]) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description=description,
        allow_abbrev=False,  # `--lr` must not silently mean `--lr-scheduler-type`
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Option names also accept underscores (--max_steps). Every problem is reported at once; exit code 2.",
    )
    for option in options:
        # nargs='?': a missing value is reported with the other problems instead of stopping the parse.
        parser.add_argument(
            f"--{option.name}", dest=option.dest, nargs="?", const=_NO_VALUE, default=None,
            metavar=option.metavar, help=option.help_text(),
        )
    return parser


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """`--max_steps` and `--max-steps` are the same option: hyperparameter names come with either separator."""
    out = []
    for token in argv:
        if token.startswith("--"):
            name, sep, value = token.partition("=")
            token = name.replace("_", "-") + sep + value
        out.append(token)
    return out


def parse_options(prog: str, description: str, options: Sequence[Option], argv: Sequence[str]) -> tuple[argparse.Namespace | None, list[str]]:
    """Parses and converts every option: the values (defaults filled in), and every problem found.

    `--help` prints the options and exits 0, as argparse does.
    """
    parser = build_parser(prog, description, options)
    try:
        raw, unknown = parser.parse_known_args(normalize_argv(argv))
    except _ArgumentError as error:
        return None, [str(error)]
    problems = _unknown_problems(prog, unknown, options)
    values = argparse.Namespace()
    for option in options:
        value, problem = convert_option(option, getattr(raw, option.dest))
        setattr(values, option.dest, value)
        if problem:
            problems.append(problem)
    return values, problems


def _unknown_problems(prog: str, unknown: Sequence[str], options: Sequence[Option]) -> list[str]:
    known = [f"--{o.name}" for o in options]
    problems = []
    i = 0
    while i < len(unknown):
        token = unknown[i]
        if token.startswith("-"):
            name, has_value, _ = token.partition("=")
            hint = difflib.get_close_matches(name, known, n=1, cutoff=0.75)  # a wrong hint is worse than none
            problems.append(f"{name} is not an option of {prog}" + (f" (did you mean {hint[0]}?)" if hint else ""))
            if not has_value and i + 1 < len(unknown) and not unknown[i + 1].startswith("--"):
                i += 1  # its value is not a problem of its own
        else:
            problems.append(f"unexpected argument {token!r}: options are given as --name value")
        i += 1
    return problems


def convert_option(option: Option, raw: Any) -> tuple[Any, str | None]:
    """The option's typed value (its default when absent) and the problem with it, if any."""
    flag = f"--{option.name}"
    if raw is None:
        return option.default, None
    if raw is _NO_VALUE:
        if option.kind == "bool":
            return True, None  # `--merge-adapter` alone reads as true
        return option.default, f"{flag} needs a value ({option.metavar})"
    text = str(raw).strip()
    try:
        if option.kind == "bool":
            return str2bool(text), None
        if option.kind == "str":
            return (text or None), None
        if option.kind == "choice":
            if text in option.choices:
                return text, None
            hint = difflib.get_close_matches(text, option.choices, n=1)
            return option.default, f"{flag} is {text!r}; use one of {', '.join(option.choices)}" + (f" (did you mean {hint[0]}?)" if hint else "")
        if option.kind == "list":
            items = [item.strip() for item in text.split(",") if item.strip()]
            if not items:
                return option.default, f"{flag} is empty; give a comma-separated list, e.g. q_proj,v_proj"
            return items, None
        if option.kind == "int":
            value: Any = _to_int(text)
        elif option.kind == "float":
            value = _to_float(text)
        else:  # pragma: no cover - a mistake in an Option table
            raise AssertionError(f"unknown option kind {option.kind}")
    except ValueError as error:
        return option.default, f"{flag}: {error}"
    problem = _bounds_problem(option, value, text)
    return (option.default, problem) if problem else (value, None)


def _to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if math.isfinite(number) and number.is_integer():
        return int(number)  # "3.0" from a JSON number is still 3
    raise ValueError(f"{text!r} is not a whole number")


def _to_float(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def _bounds_problem(option: Option, value: float, text: str) -> str | None:
    if value in option.special:
        return None
    ok = (option.minimum is None or value >= option.minimum) \
        and (option.above is None or value > option.above) \
        and (option.below is None or value < option.below)
    if ok:
        return None
    rules = []
    if option.minimum is not None:
        rules.append(f"at least {_show(option.minimum)}")
    if option.above is not None:
        rules.append(f"greater than {_show(option.above)}")
    if option.below is not None:
        rules.append(f"less than {_show(option.below)}")
    special = f" (or {', '.join(_show(s) for s in option.special)})" if option.special else ""
    return f"--{option.name} is {text}; it must be {' and '.join(rules)}{special}"


def format_problems(prog: str, problems: Sequence[str]) -> str:
    count = len(problems)
    return f"{prog}: {count} problem{'' if count == 1 else 's'}, nothing was run:\n" + "\n".join(f"  - {p}" for p in problems)


def exit_with_problems(prog: str, problems: Sequence[str], env: "SageMakerEnv | None" = None) -> None:
    """Prints every problem, records them as the job's failure reason, and exits 2."""
    message = format_problems(prog, problems)
    print(message, file=sys.stderr)
    if env is not None:
        write_failure(env, message)
    raise SystemExit(EXIT_USAGE)


# ---------------------------------------------------------------------------------------------------------
# The SageMaker training environment
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SageMakerEnv:
    """Where a training job reads and writes, and which process of a torchrun launch this is."""

    model_dir: str = "/opt/ml/model"
    output_data_dir: str = "/opt/ml/output/data"
    output_dir: str = "/opt/ml/output"
    # Fixed by the construct's CheckpointConfig.LocalPath; SageMaker syncs it with S3 (and restores it on a spot restart).
    checkpoint_dir: str = "/opt/ml/checkpoints"
    channels: Mapping[str, str] = field(default_factory=dict)
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    num_gpus: int = 0
    hosts: tuple[str, ...] = ()
    current_host: str = ""

    @property
    def is_main_process(self) -> bool:
        """Global rank 0: the one process that writes outputs (every host uploads its /opt/ml/model)."""
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    def channel(self, name: str) -> str | None:
        """The channel's directory, or None when the job has no such channel."""
        path = self.channels.get(name)
        return path if path and os.path.isdir(path) else None


def resolve_env(environ: Mapping[str, str] | None = None, input_data_root: str = "/opt/ml/input/data",
                checkpoint_dir: str = "/opt/ml/checkpoints") -> SageMakerEnv:
    """The environment from SageMaker's SM_* variables and torchrun's RANK / LOCAL_RANK / WORLD_SIZE."""
    env = os.environ if environ is None else environ
    channels: dict[str, str] = {}
    if os.path.isdir(input_data_root):  # local runs of the container set no SM_CHANNEL_* variables
        for name in sorted(os.listdir(input_data_root)):
            if os.path.isdir(os.path.join(input_data_root, name)):
                channels[name] = os.path.join(input_data_root, name)
    for key, value in env.items():
        if key.startswith("SM_CHANNEL_") and value:
            channels[key[len("SM_CHANNEL_"):].lower()] = value
    hosts: tuple[str, ...] = ()
    if env.get("SM_HOSTS"):
        try:
            hosts = tuple(json.loads(env["SM_HOSTS"]))
        except (ValueError, TypeError):
            hosts = ()
    return SageMakerEnv(
        model_dir=env.get("SM_MODEL_DIR", "/opt/ml/model"),
        output_data_dir=env.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"),
        output_dir=env.get("SM_OUTPUT_DIR", "/opt/ml/output"),
        checkpoint_dir=checkpoint_dir,
        channels=channels,
        rank=_env_int(env, "RANK", 0),
        local_rank=_env_int(env, "LOCAL_RANK", 0),
        world_size=_env_int(env, "WORLD_SIZE", 1),
        num_gpus=_env_int(env, "SM_NUM_GPUS", 0),
        hosts=hosts,
        current_host=env.get("SM_CURRENT_HOST", ""),
    )


def _env_int(env: Mapping[str, str], key: str, default: int) -> int:
    value = env.get(key, "")
    if value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"environment variable {key}={value!r} is not a whole number") from None


def setup_logging(env: SageMakerEnv) -> None:
    """One line per record, tagged with the rank: torchrun interleaves every process's output in one log."""
    logging.basicConfig(
        level=logging.INFO if env.is_main_process else logging.WARNING,
        format=f"%(asctime)s [rank {env.rank}] %(levelname)s %(message)s",
        stream=sys.stdout,
    )


def drop_script_dir_from_path(script_file: str) -> None:
    """Removes the entry scripts' directory from sys.path once the local modules are imported.

    Python puts a script's directory first on sys.path; this one holds `evaluate.py`, which would shadow the
    Hugging Face `evaluate` package for any library that imports it during training.
    """
    here = os.path.dirname(os.path.abspath(script_file))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def latest_checkpoint(directory: str) -> str | None:
    """The `checkpoint-N` directory with the highest N that is complete, or None.

    Complete means it holds trainer_state.json, which the Trainer writes after the weights and optimizer: a
    checkpoint cut short by a spot interruption is skipped rather than failing the resumed job.
    """
    if not os.path.isdir(directory):
        return None
    best: tuple[int, str] | None = None
    for name in os.listdir(directory):
        match = _CHECKPOINT.match(name)
        path = os.path.join(directory, name)
        if match and os.path.isfile(os.path.join(path, "trainer_state.json")):
            step = int(match.group(1))
            if best is None or step > best[0]:
                best = (step, path)
    return best[1] if best else None


def is_adapter_dir(path: str) -> bool:
    """A PEFT adapter (adapter_config.json) rather than a whole model (config.json)."""
    return os.path.isfile(os.path.join(path, "adapter_config.json")) and not os.path.isfile(os.path.join(path, "config.json"))


def find_model_root(path: str, label: str) -> tuple[str | None, str | None]:
    """The directory of a channel that holds the model (config.json or adapter_config.json), or the problem.

    An S3 prefix copied into a channel may keep one level of folders, so one subdirectory is looked into.
    """
    def holds_model(p: str) -> bool:
        return any(os.path.isfile(os.path.join(p, f)) for f in ("config.json", "adapter_config.json"))

    if holds_model(path):
        return path, None
    subdirs = [os.path.join(path, d) for d in sorted(os.listdir(path)) if os.path.isdir(os.path.join(path, d))]
    inside = [d for d in subdirs if holds_model(d)]
    if len(inside) == 1:
        return inside[0], None
    archives = [f for f in sorted(os.listdir(path)) if f.endswith((".tar.gz", ".tgz"))]
    if archives:
        return None, (f"the {label} channel ({path}) holds {archives[0]}, an archive: point it at the model's files "
                      "uncompressed (config.json, *.safetensors, tokenizer files)")
    return None, (f"the {label} channel ({path}) has no config.json or adapter_config.json: point it at a model's files "
                  "(config.json, *.safetensors, tokenizer files)")


def write_json(path: str, data: Any, env: SageMakerEnv) -> bool:
    """Writes `data` as JSON on rank 0 only (atomically: a reader never sees half a file). True if written."""
    if not env.is_main_process:
        return False
    _atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return True


def write_jsonl(path: str, rows: Iterable[Any], env: SageMakerEnv) -> bool:
    """Writes one JSON object per line, on rank 0 only. True if written."""
    if not env.is_main_process:
        return False
    _atomic_write(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return True


def _atomic_write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_failure(env: SageMakerEnv, message: str) -> None:
    """SageMaker shows /opt/ml/output/failure as the job's FailureReason: say there what went wrong (rank 0)."""
    # Only where the directory exists (a SageMaker container): a local run must not create /opt/ml.
    if not env.is_main_process or not os.path.isdir(env.output_dir):
        return
    try:
        with open(os.path.join(env.output_dir, "failure"), "w", encoding="utf-8") as f:
            f.write(message)
    except OSError:
        pass  # stderr has the message anyway


# ---------------------------------------------------------------------------------------------------------
# Shared training options and helpers (train.py, dpo.py)
# ---------------------------------------------------------------------------------------------------------

METHODS = ("full", "lora", "qlora")


def model_options() -> list[Option]:
    return [
        Option("base-model-id", "str", None, "Hugging Face Hub id of the base model; a base_model channel, when attached, is used instead (network-isolated jobs need it)"),
        Option("trust-remote-code", "bool", False, "allow model code from the model repository (only for models that need it)"),
        Option("attn-implementation", "choice", "sdpa", "attention kernel", choices=("sdpa", "eager", "flash_attention_2")),
        Option("metrics-dir", "str", None, "directory for the metrics file (default: SM_OUTPUT_DATA_DIR, /opt/ml/output/data)"),
    ]


def method_options(default_method: str = "lora") -> list[Option]:
    return [
        Option("method", "choice", default_method, "full fine-tuning, LoRA adapters on a bf16 base, or QLoRA (4-bit NF4 base)", choices=METHODS),
        Option("lora-r", "int", 16, "LoRA rank", minimum=1),
        Option("lora-alpha", "int", 32, "LoRA scaling numerator (scale = alpha / r)", minimum=1),
        Option("lora-dropout", "float", 0.05, "dropout on the LoRA path", minimum=0, below=1),
        Option("lora-target-modules", "list", ["all-linear"], "modules that get adapters: all-linear, or names such as q_proj,k_proj,v_proj,o_proj"),
        Option("merge-adapter", "bool", True, "LoRA/QLoRA: merge the adapter into the base weights so the output serves without peft; false saves the adapter only (for LoRA inference components)"),
    ]


def schedule_options(epochs: float, learning_rate_help: str, warmup_ratio: float) -> list[Option]:
    return [
        Option("epochs", "float", epochs, "passes over the training data", above=0),
        Option("max-steps", "int", -1, "stop after this many optimizer steps; -1 runs the epochs", minimum=1, special=(-1,)),
        Option("learning-rate", "float", None, learning_rate_help, above=0),
        Option("lr-scheduler-type", "choice", "cosine", "learning-rate schedule after warmup", choices=("cosine", "linear", "constant", "constant_with_warmup")),
        Option("warmup-ratio", "float", warmup_ratio, "share of the steps spent warming the learning rate up", minimum=0, below=1),
        Option("weight-decay", "float", 0.0, "AdamW weight decay", minimum=0),
        Option("per-device-train-batch-size", "int", 1, "sequences per device per step (the micro-batch)", minimum=1),
        Option("gradient-accumulation-steps", "int", 8, "micro-batches per optimizer step", minimum=1),
        Option("gradient-checkpointing", "bool", True, "recompute activations in the backward pass: less memory, about 20-30% more compute"),
        Option("seed", "int", 42, "random seed (data order, adapter initialization)", minimum=0),
        Option("save-steps", "int", 200, "checkpoint to /opt/ml/checkpoints every N optimizer steps (a spot restart resumes from the latest)", minimum=1),
        Option("save-total-limit", "int", 2, "checkpoints kept (older ones are deleted)", minimum=1),
        Option("logging-steps", "int", 10, "log loss and learning rate every N steps", minimum=1),
    ]


def validate_base_model(base_model_id: str | None, env: SageMakerEnv) -> tuple[str | None, list[str]]:
    """Where the base model comes from: the base_model channel when attached, else the Hub id; or the problem."""
    channel = env.channel("base_model")
    if channel:
        root, problem = find_model_root(channel, "base_model")
        return root, [problem] if problem else []
    if base_model_id:
        return base_model_id, []
    return None, ["no base model: pass --base-model-id (a Hugging Face Hub id) or attach a base_model channel with "
                  "the model's files (needed when the job is network-isolated)"]


def validate_channel(env: SageMakerEnv, name: str, what: str) -> list[str]:
    if env.channel(name):
        return []
    return [f"no {name} channel: attach the {what} as the {name} channel (expected at /opt/ml/input/data/{name})"]


def learning_rate(value: float | None, method: str, defaults: Mapping[str, float]) -> float:
    return value if value is not None else defaults[method]


def device_map_for(method: str, env: SageMakerEnv) -> Any:
    """Where from_pretrained puts the weights.

    Under torchrun each process owns one GPU: a quantized model must be loaded onto it (bitsandbytes places
    weights at load time); other models are moved there by the Trainer. A single process spreads an adapter
    run's frozen base over every GPU of the instance ("auto"); full fine-tuning stays with the Trainer.
    """
    if env.is_distributed:
        return {"": env.local_rank} if method == "qlora" else None
    return "auto" if method in ("lora", "qlora") else None


def supported_kwargs(kwargs: Mapping[str, Any], fields: Iterable[str], optional: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """The config arguments the installed trl/transformers know: (kept, dropped optional ones).

    A required argument the config does not know is an error: silently training with other settings is worse.
    """
    known = set(fields)
    optional = set(optional)
    missing = sorted(k for k in kwargs if k not in known and k not in optional)
    if missing:
        raise RuntimeError(f"this trl/transformers version has no {', '.join(missing)} training argument(s); "
                           "the scripts target the Hugging Face training DLC 2.9.0-transformers5.3.0 (trl 0.28)")
    kept = {k: v for k, v in kwargs.items() if k in known}
    return kept, sorted(k for k in kwargs if k not in known)


def last_logged(log_history: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """The most recent value of `key` in a Trainer's log history, or None."""
    for entry in reversed(log_history):
        if key in entry and isinstance(entry[key], (int, float)) and math.isfinite(entry[key]):
            return float(entry[key])
    return None


def metrics_path(metrics_dir: str | None, env: SageMakerEnv, name: str) -> str:
    return os.path.join(metrics_dir or env.output_data_dir, name)


def trainer_kwargs(args: Any, env: SageMakerEnv, learning_rate_value: float, precision: str, has_eval: bool, fsdp: bool = False) -> dict[str, Any]:
    """The transformers TrainingArguments shared by SFTConfig and DPOConfig, from the typed options."""
    kwargs: dict[str, Any] = {
        # Checkpoints go where SageMaker syncs them to S3; a restarted spot job finds them there (latest_checkpoint).
        "output_dir": env.checkpoint_dir,
        "num_train_epochs": args.epochs,
        "max_steps": args.max_steps,
        "learning_rate": learning_rate_value,
        "lr_scheduler_type": args.lr_scheduler_type,
        # transformers 5 takes the warmup ratio as a float below 1 in warmup_steps (warmup_ratio was removed).
        "warmup_steps": args.warmup_ratio if args.warmup_ratio > 0 else 0,
        "weight_decay": args.weight_decay,
        "per_device_train_batch_size": args.per_device_train_batch_size,
        "per_device_eval_batch_size": args.per_device_train_batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        # Under FSDP, activation checkpointing is FSDP's (fsdp_config); the Trainer refuses both at once.
        "gradient_checkpointing": args.gradient_checkpointing and not fsdp,
        "gradient_checkpointing_kwargs": {"use_reentrant": False},
        "bf16": precision == "bf16",
        "fp16": precision == "fp16",
        "logging_steps": args.logging_steps,
        "logging_first_step": True,
        "save_strategy": "steps",
        "save_steps": args.save_steps,
        "save_total_limit": args.save_total_limit,
        "eval_strategy": "epoch" if has_eval else "no",
        "seed": args.seed,
        "data_seed": args.seed,
        "report_to": "none",
        "disable_tqdm": True,  # progress bars are thousands of lines in CloudWatch; logging_steps reports progress
    }
    if fsdp:
        kwargs["fsdp"] = "full_shard auto_wrap"
        kwargs["fsdp_config"] = {
            "activation_checkpointing": args.gradient_checkpointing,
            # Rank 0 reads the weights and broadcasts them: host memory holds one copy, not one per GPU.
            "cpu_ram_efficient_loading": True,
            "sync_module_states": True,
        }
    return kwargs


# Training arguments a newer or older transformers/trl may not have; dropped (and logged) rather than failing.
OPTIONAL_TRAINER_KWARGS = frozenset({"gradient_checkpointing_kwargs", "data_seed", "logging_first_step", "disable_tqdm", "max_prompt_length"})


def library_versions(names: Sequence[str] = ("torch", "transformers", "trl", "peft", "accelerate", "bitsandbytes", "datasets")) -> dict[str, str | None]:
    """Installed versions (None when absent), recorded with the metrics so a result can be reproduced."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def run_training(prog: str, env: SageMakerEnv, metrics_dir: str | None, job: Callable[[], dict[str, Any]],
                 summary: Sequence[str] = ("output", "train_loss", "eval_loss", "train_runtime_seconds")) -> int:
    """Runs a training job, recording its failure where SageMaker reports it, then writes training_metrics.json."""
    try:
        metrics = job()
    except Exception as error:
        write_failure(env, f"{prog}: {type(error).__name__}: {error}")
        raise
    path = metrics_path(metrics_dir, env, "training_metrics.json")
    if write_json(path, metrics, env):
        log.info("wrote %s: %s", path, {k: metrics.get(k) for k in summary})
    return 0
