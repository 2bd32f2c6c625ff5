"""Supervised fine-tuning: the entry point of the kit's SageMaker training job (`sagemaker_program=train.py`).

Runs in the Hugging Face PyTorch training DLC (transformers 5.3, trl 0.28, peft 0.18), alone or under torchrun
across GPUs and instances. Fine-tunes a causal LM on the `train` channel (sft or chat JSONL) with trl's
SFTTrainer: full fine-tuning, LoRA on a bf16 base, or QLoRA on a 4-bit NF4 base (double quantization, bf16
compute). Checkpoints every --save-steps to /opt/ml/checkpoints and resumes from the latest one (managed spot).

Writes (rank 0 only):
  /opt/ml/model/                          the model, uncompressed, servable with HF_MODEL_ID=/opt/ml/model:
                                          full weights, the adapter merged into the base, or (--merge-adapter
                                          false) the adapter alone; tokenizer files in every case
  <metrics dir>/training_metrics.json     losses, runtime, what was produced (see summary())
  /opt/ml/output/data/adapter/            the adapter too, when it was merged

Run `python train.py --help` for the hyperparameters; they are checked together and every problem is
reported at once (exit code 2, also written to /opt/ml/output/failure for the job's FailureReason).
"""
from __future__ import annotations

import sys
import time
from typing import Any, Sequence

import common
import modeling  # imports nothing heavy until its functions run
import records
from common import Option

PROG = "train.py"
DESCRIPTION = __doc__.split("\n\n")[0] if __doc__ else PROG
DEFAULT_LEARNING_RATES = {"full": 2e-5, "lora": 2e-4, "qlora": 2e-4}

OPTIONS: list[Option] = [
    *common.model_options(),
    *common.method_options("lora"),
    Option("dataset-format", "choice", "auto", "record format of the train/validation channels; auto tells each record by its fields", choices=("auto", records.SFT, records.CHAT)),
    Option("max-seq-length", "int", 2048, "tokens per training sequence (prompt + completion; longer ones are truncated)", minimum=64),
    *common.schedule_options(3.0, "peak learning rate (default by method: full 2e-5, lora and qlora 2e-4)", 0.03),
    Option("fsdp", "bool", False, "full fine-tuning under torchrun: shard weights, gradients and optimizer states over every GPU (FSDP full_shard) instead of a copy per GPU"),
]


def validate(args: Any, env: common.SageMakerEnv) -> tuple[str | None, list[str]]:
    """Checks that need the environment or several options at once: (base model source, problems)."""
    base, problems = common.validate_base_model(args.base_model_id, env)
    problems += common.validate_channel(env, "train", "training data (sft or chat JSONL)")
    if args.fsdp and args.method != "full":
        problems.append(f"--fsdp true shards full fine-tuning only; --method {args.method} trains small adapters, which data parallelism handles")
    return base, problems


def load_data(args: Any, env: common.SageMakerEnv) -> tuple[list, list | None, list[str]]:
    """The train and (when attached) validation examples, and every problem with them."""
    allowed = (records.SFT, records.CHAT)
    splits: dict[str, list | None] = {"train": None, "validation": None}
    problems: list[str] = []
    for channel in splits:
        directory = env.channel(channel)
        if directory is None:
            continue
        try:
            splits[channel] = records.load_examples(directory, args.dataset_format, allowed, channel)
        except records.DatasetError as error:
            problems += error.report()
    return splits["train"] or [], splits["validation"], problems


def summary(*, args: Any, base_model: str, output: str, train_loss: float | None, eval_loss: float | None,
            runtime_seconds: float, global_steps: int, epochs: float | None, train_examples: int,
            validation_examples: int | None, resumed_from: str | None, prompt_format: str, precision: str,
            world_size: int, libraries: dict[str, str | None], merge: dict[str, Any] | None = None) -> dict[str, Any]:
    """training_metrics.json: what the workflow and a person reading the run need to know about it."""
    return {
        "method": args.method,
        "base_model": base_model,
        "output": output,  # full | merged | adapter
        "train_loss": train_loss,
        "eval_loss": eval_loss,
        "train_runtime_seconds": round(runtime_seconds, 1),
        "global_steps": global_steps,
        "epochs": epochs,
        "train_examples": train_examples,
        "validation_examples": validation_examples,
        "resumed_from_checkpoint": resumed_from,
        "prompt_format": prompt_format,  # chat_template | plain
        "precision": precision,
        "world_size": world_size,
        "hyperparameters": dict(sorted(vars(args).items())),
        "libraries": libraries,
        "merge": merge,  # where the adapter was merged into the base and why ({"device": "cuda:0" | "cpu", ...}); null without a merge
    }


def train(args: Any, env: common.SageMakerEnv, base: str, train_examples: list, eval_examples: list | None) -> dict[str, Any]:
    """Fine-tunes and saves; returns the training_metrics.json document. Imports the GPU libraries."""
    import dataclasses

    import datasets
    import trl

    started = time.time()
    libraries, precision, dtype = modeling.start_run(args.method, args.seed)
    fsdp = args.fsdp and env.is_distributed
    if args.fsdp and not fsdp:
        common.log.warning("--fsdp true ignored: one process (enable torchrun to shard over GPUs)")

    tokenizer = modeling.load_tokenizer(base, args.trust_remote_code)
    conversational, system_role = modeling.chat_template_support(tokenizer)
    train_set = datasets.Dataset.from_list([records.sft_columns(e, conversational, system_role) for e in train_examples])
    eval_set = datasets.Dataset.from_list([records.sft_columns(e, conversational, system_role) for e in eval_examples]) if eval_examples else None

    # The config exists before the model: under FSDP it sets the environment from_pretrained reads.
    kwargs = common.trainer_kwargs(args, env, common.learning_rate(args.learning_rate, args.method, DEFAULT_LEARNING_RATES),
                                   precision, eval_set is not None, fsdp)
    kwargs.update(max_length=args.max_seq_length, packing=False, completion_only_loss=True)
    kept, dropped = common.supported_kwargs(kwargs, [f.name for f in dataclasses.fields(trl.SFTConfig)], common.OPTIONAL_TRAINER_KWARGS)
    if dropped:
        common.log.warning("this trl has no %s; left out", ", ".join(dropped))
    config = trl.SFTConfig(**kept)

    model = modeling.load_model(base, args.method, env, dtype, args.attn_implementation, args.trust_remote_code, fsdp)
    if args.method != "full":
        model = modeling.apply_lora(model, args, args.method, config.gradient_checkpointing)
    trainer = trl.SFTTrainer(model=model, args=config, train_dataset=train_set, eval_dataset=eval_set, processing_class=tokenizer)

    resume = common.latest_checkpoint(env.checkpoint_dir)
    if resume:
        common.log.info("resuming from %s", resume)
    result = trainer.train(resume_from_checkpoint=resume)
    eval_loss = trainer.evaluate().get("eval_loss") if eval_set is not None else None
    epochs = trainer.state.epoch

    output, adapter_dir = modeling.save_trained(trainer, tokenizer, args.method, args.merge_adapter, env, dtype)
    weight_bytes = modeling.base_weight_bytes(model, dtype) if adapter_dir else 0
    modeling.release_trainer(trainer)
    del trainer, model
    modeling.release_memory()
    merge = None
    if adapter_dir and env.is_main_process:
        merge = modeling.merge_adapter(base, adapter_dir, env.model_dir, dtype, args.trust_remote_code, weight_bytes, env)
        tokenizer.save_pretrained(env.model_dir)

    return summary(
        args=args, base_model=base, output=output, train_loss=result.training_loss, eval_loss=eval_loss,
        runtime_seconds=time.time() - started, global_steps=result.global_step, epochs=epochs,
        train_examples=len(train_examples), validation_examples=len(eval_examples) if eval_examples else None,
        resumed_from=resume, prompt_format="chat_template" if conversational else "plain", precision=precision,
        world_size=env.world_size, libraries=libraries, merge=merge,
    )


def main(argv: Sequence[str] | None = None) -> int:
    env = common.resolve_env()
    common.setup_logging(env)
    args, problems = common.parse_options(PROG, DESCRIPTION, OPTIONS, sys.argv[1:] if argv is None else argv)
    base = None
    if args is not None:
        base, more = validate(args, env)
        problems += more
        if env.channel("train"):
            train_examples, eval_examples, data_problems = load_data(args, env)
            problems += data_problems
    if problems:
        common.exit_with_problems(PROG, problems, env)
    common.drop_script_dir_from_path(__file__)
    return common.run_training(PROG, env, args.metrics_dir, lambda: train(args, env, base, train_examples, eval_examples))


if __name__ == "__main__":
    sys.exit(main())
