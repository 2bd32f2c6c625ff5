"""Evaluation: the entry point of the kit's SageMaker evaluation job (`sagemaker_program=evaluate.py`).

Generates an answer with the tuned model (the `model` channel: a full model, or an adapter merged into the
base model on load) and, unless --evaluate-base false, with the base model, for every record of the `test`
channel (sft or chat JSONL; the reference is the completion, or a conversation's last assistant turn). Decoding
is greedy and batched. Scores (metrics.py): rouge_l, exact_match, contains_reference.

Writes (rank 0; other torchrun ranks exit: one process spreads each model over the instance's GPUs):
  <metrics dir>/metrics.json
      {"tuned": {"rouge_l", "exact_match", "contains_reference"},
       "base": {the same} | null,
       "improvement": {metric: tuned - base} | null,
       "examples": N}
  <metrics dir>/predictions.jsonl    one {"source", "prompt", "reference", "tuned", "base"?} per example

The metrics dir defaults to /opt/ml/output/data; the fine-tuning workflow passes --metrics-dir /opt/ml/model,
whose files the job's uncompressed output puts in S3 as they are, for the gate to read.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Sequence

import common
import metrics
import modeling  # imports nothing heavy until its functions run
import records
from common import Option

PROG = "evaluate.py"
DESCRIPTION = __doc__.split("\n\n")[0] if __doc__ else PROG

OPTIONS: list[Option] = [
    Option("base-model-id", "str", None, "Hugging Face Hub id of the base model, to compare with and to load an adapter onto; a base_model channel is used instead when attached"),
    Option("evaluate-base", "bool", True, "also score the base model, for metrics.json's base and improvement"),
    Option("dataset-format", "choice", "auto", "record format of the test channel; auto tells each record by its fields", choices=("auto", records.SFT, records.CHAT)),
    Option("max-new-tokens", "int", 256, "most tokens generated per answer", minimum=1),
    Option("batch-size", "int", 8, "prompts generated together", minimum=1),
    Option("max-input-length", "int", 2048, "prompt tokens kept (longer prompts lose their beginning)", minimum=16),
    Option("max-examples", "int", 0, "score only the first N test records; 0 scores all", minimum=0),
    Option("trust-remote-code", "bool", False, "allow model code from the model repository (only for models that need it)"),
    Option("metrics-dir", "str", None, "directory for metrics.json and predictions.jsonl (default: SM_OUTPUT_DATA_DIR, /opt/ml/output/data)"),
]

Generate = Callable[[list[Sequence[dict]]], list[str]]


def validate(args: Any, env: common.SageMakerEnv) -> tuple[str | None, str | None, list[str]]:
    """(tuned model directory, base model source or None, problems)."""
    problems = common.validate_channel(env, "model", "tuned model (the training job's output prefix)")
    problems += common.validate_channel(env, "test", "test split (sft or chat JSONL)")
    model_dir = None
    if env.channel("model"):
        model_dir, problem = common.find_model_root(env.channel("model"), "model")
        problems += [problem] if problem else []
    base = None
    adapter = model_dir is not None and common.is_adapter_dir(model_dir)
    if adapter or args.evaluate_base:
        base, base_problems = common.validate_base_model(args.base_model_id, env)
        if adapter:
            problems += [p.replace("no base model:", "the model channel holds a LoRA adapter, which needs its base model:") for p in base_problems]
        elif base_problems and (args.base_model_id or env.channel("base_model")):
            problems += base_problems  # a base was named but is unusable; none named just skips the comparison
    return model_dir, base, problems


def generate_all(prompts: Sequence[Sequence[dict]], generate: Generate, batch_size: int) -> list[str]:
    """Every prompt's answer, in the prompts' order, generated in batches of similar length.

    Longest first: padding stays small within a batch, and an out-of-memory error shows in the first batch.
    """
    def size(messages: Sequence[dict]) -> int:
        return sum(len(m["content"]) for m in messages)

    order = sorted(range(len(prompts)), key=lambda i: size(prompts[i]), reverse=True)
    answers: list[str | None] = [None] * len(prompts)
    for start in range(0, len(order), batch_size):
        indices = order[start:start + batch_size]
        batch = generate([prompts[i] for i in indices])
        if len(batch) != len(indices):
            raise RuntimeError(f"the generator returned {len(batch)} answers for {len(indices)} prompts")
        for i, answer in zip(indices, batch):
            answers[i] = answer
    return answers  # type: ignore[return-value]


def evaluate_examples(examples: Sequence[records.Example], tuned: Generate, base: Generate | None,
                      batch_size: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(metrics.json document, predictions.jsonl rows) from generator functions: the testable core."""
    prompts = [e.messages for e in examples]
    tuned_answers = generate_all(prompts, tuned, batch_size)
    base_answers = generate_all(prompts, base, batch_size) if base is not None else None
    return report(examples, tuned_answers, base_answers)


def report(examples: Sequence[records.Example], tuned_answers: Sequence[str], base_answers: Sequence[str] | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    references = [e.completion for e in examples]
    tuned_scores = metrics.score(tuned_answers, references)
    base_scores = metrics.score(base_answers, references) if base_answers is not None else None
    document = {
        "tuned": tuned_scores,
        "base": base_scores,
        "improvement": metrics.improvement(tuned_scores, base_scores) if base_scores is not None else None,
        "examples": len(examples),
    }
    rows = []
    for i, example in enumerate(examples):
        row = {"source": example.source, "prompt": [dict(m) for m in example.messages], "reference": example.completion, "tuned": tuned_answers[i]}
        if base_answers is not None:
            row["base"] = base_answers[i]
        rows.append(row)
    return document, rows


def answers_of(model_dir: str, base: str | None, args: Any, prompts: Sequence[Sequence[dict]]) -> list[str]:
    """One model's answers to every prompt; its GPU memory is released before returning. Imports the GPU libraries."""
    started = time.time()
    model, tokenizer = modeling.load_for_generation(model_dir, base, args.trust_remote_code)
    generate = modeling.make_generate(model, tokenizer, args.max_new_tokens, args.max_input_length)
    try:
        return generate_all(prompts, generate, args.batch_size)
    finally:
        del generate, model, tokenizer  # the next model needs the memory
        modeling.release_memory()
        common.log.info("%s: %d answers in %.0f s", model_dir, len(prompts), time.time() - started)


def run(args: Any, env: common.SageMakerEnv, model_dir: str, base: str | None, examples: list) -> dict[str, Any]:
    common.log.info("libraries: %s", common.library_versions())
    prompts = [e.messages for e in examples]
    tuned_answers = answers_of(model_dir, base, args, prompts)
    base_answers = answers_of(base, None, args, prompts) if args.evaluate_base and base is not None else None
    document, rows = report(examples, tuned_answers, base_answers)
    common.write_jsonl(common.metrics_path(args.metrics_dir, env, "predictions.jsonl"), rows, env)
    return document


def main(argv: Sequence[str] | None = None) -> int:
    env = common.resolve_env()
    common.setup_logging(env)
    args, problems = common.parse_options(PROG, DESCRIPTION, OPTIONS, sys.argv[1:] if argv is None else argv)
    model_dir = base = None
    examples: list = []
    if args is not None:
        model_dir, base, more = validate(args, env)
        problems += more
        if env.channel("test"):
            try:
                examples = records.load_examples(env.channel("test"), args.dataset_format, (records.SFT, records.CHAT), "test")
            except records.DatasetError as error:
                problems += error.report()
    if problems:
        common.exit_with_problems(PROG, problems, env)
    if not env.is_main_process:
        common.log.info("rank %d: evaluation runs on rank 0 only", env.rank)
        return 0
    if args.max_examples:
        examples = examples[: args.max_examples]
    common.drop_script_dir_from_path(__file__)
    try:
        document = run(args, env, model_dir, base, examples)
    except Exception as error:
        common.write_failure(env, f"{PROG}: {type(error).__name__}: {error}")
        raise
    path = common.metrics_path(args.metrics_dir, env, "metrics.json")
    common.write_json(path, document, env)
    common.log.info("wrote %s: %s", path, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
