"""Preference alignment (DPO): the entry point of the kit's SageMaker alignment job (`sagemaker_program=dpo.py`).

Runs in the Hugging Face PyTorch training DLC (transformers 5.3, trl 0.28, peft 0.18), alone or under torchrun.
Aligns a causal LM (usually the output of train.py, given as the base_model channel) on the `train` channel's
preference JSONL ({"prompt", "chosen", "rejected"}, as the kit builds from the API's feedback) with trl's
DPOTrainer. With LoRA/QLoRA the reference model is the base with the adapter switched off (no second copy
in memory); full DPO keeps a frozen copy, or precomputes its log-probabilities (--precompute-ref-log-probs).

Prompts longer than --max-prompt-length tokens are dropped before training (and counted), as trl advises
since it stopped truncating prompts itself.

Writes (rank 0 only) the same outputs as train.py: the model in /opt/ml/model (uncompressed; full, merged or
adapter), training_metrics.json with the DPO reward statistics, checkpoints in /opt/ml/checkpoints.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Sequence

import common
import modeling  # imports nothing heavy until its functions run
import records
import train as sft  # the training_metrics.json shape
from common import Option

PROG = "dpo.py"
DESCRIPTION = __doc__.split("\n\n")[0] if __doc__ else PROG
# DPO moves a model that already answers well: learning rates are 10-100x below SFT's (trl's default is 1e-6).
DEFAULT_LEARNING_RATES = {"full": 1e-6, "lora": 5e-6, "qlora": 5e-6}
LOSS_TYPES = ("sigmoid", "ipo", "hinge", "robust", "bco_pair", "sppo_hard", "nca_pair", "apo_zero", "apo_down")

OPTIONS: list[Option] = [
    *common.model_options(),
    *common.method_options("lora"),
    Option("use-lora", "bool", None, "the workflow's older switch: true is --method lora, false is --method full (prefer --method)"),
    Option("beta", "float", 0.1, "how far the model may move from the reference (higher stays closer)", above=0),
    Option("loss-type", "choice", "sigmoid", "DPO loss variant", choices=LOSS_TYPES),
    Option("max-length", "int", 1024, "tokens per prompt + answer (longer answers are truncated)", minimum=64),
    Option("max-seq-length", "int", None, "the same as --max-length, under the name train.py uses", minimum=64),
    Option("max-prompt-length", "int", 512, "prompts longer than this many tokens are dropped", minimum=16),
    Option("precompute-ref-log-probs", "bool", False, "full DPO: compute the reference log-probabilities once up front, so no reference copy stays in memory"),
    *common.schedule_options(1.0, "peak learning rate (default by method: full 1e-6, lora and qlora 5e-6)", 0.1),
]


def resolve_aliases(args: Any, argv: Sequence[str]) -> list[str]:
    """Applies the names the workflow may pass as well (--use-lora, --max-seq-length); a contradiction is a problem."""
    given = {token.split("=")[0] for token in common.normalize_argv(argv) if token.startswith("--")}
    problems = []
    if args.use_lora is not None:
        implied = "lora" if args.use_lora else "full"
        if "--method" not in given:
            args.method = implied
        elif args.method != implied and not (args.use_lora and args.method == "qlora"):
            problems.append(f"--use-lora {str(args.use_lora).lower()} contradicts --method {args.method}: give --method only")
    if args.max_seq_length is not None:
        if "--max-length" not in given:
            args.max_length = args.max_seq_length
        elif args.max_length != args.max_seq_length:
            problems.append(f"--max-seq-length {args.max_seq_length} contradicts --max-length {args.max_length}: give --max-length only")
    return problems


def validate(args: Any, env: common.SageMakerEnv) -> tuple[str | None, list[str]]:
    base, problems = common.validate_base_model(args.base_model_id, env)
    problems += common.validate_channel(env, "train", "preference data (JSONL of prompt, chosen, rejected)")
    if args.max_prompt_length >= args.max_length:
        problems.append(f"--max-prompt-length ({args.max_prompt_length}) must be less than --max-length ({args.max_length}): the answers need room")
    return base, problems


def load_data(env: common.SageMakerEnv) -> tuple[list, list | None, list[str]]:
    splits: dict[str, list | None] = {"train": None, "validation": None}
    problems: list[str] = []
    for channel in splits:
        directory = env.channel(channel)
        if directory is None:
            continue
        try:
            splits[channel] = records.load_examples(directory, "auto", (records.PREFERENCE,), channel)
        except records.DatasetError as error:
            problems += error.report()
    return splits["train"] or [], splits["validation"], problems


def drop_long_prompts(examples: Sequence[records.PreferenceExample], count_tokens: Callable[[records.PreferenceExample], int],
                      max_prompt_length: int) -> tuple[list[records.PreferenceExample], int]:
    """The examples whose prompt fits, and how many were dropped."""
    kept = [e for e in examples if count_tokens(e) <= max_prompt_length]
    return kept, len(examples) - len(kept)


def reward_statistics(log_history: Sequence[dict]) -> dict[str, float | None]:
    """The last logged DPO rewards: accuracy (chosen scored above rejected) and margin, on train and eval."""
    return {
        "train_reward_accuracy": common.last_logged(log_history, "rewards/accuracies"),
        "train_reward_margin": common.last_logged(log_history, "rewards/margins"),
        "eval_reward_accuracy": common.last_logged(log_history, "eval_rewards/accuracies"),
        "eval_reward_margin": common.last_logged(log_history, "eval_rewards/margins"),
    }


def align(args: Any, env: common.SageMakerEnv, base: str, train_examples: list, eval_examples: list | None) -> dict[str, Any]:
    """Aligns and saves; returns the training_metrics.json document. Imports the GPU libraries."""
    import dataclasses

    import datasets
    import trl

    started = time.time()
    libraries, precision, dtype = modeling.start_run(args.method, args.seed)

    tokenizer = modeling.load_tokenizer(base, args.trust_remote_code)
    conversational, system_role = modeling.chat_template_support(tokenizer)
    render = modeling.prompt_renderer(tokenizer, conversational, system_role)

    def count_tokens(example: records.PreferenceExample) -> int:
        return len(tokenizer(render(example.messages), add_special_tokens=not conversational)["input_ids"])

    train_kept, dropped = drop_long_prompts(train_examples, count_tokens, args.max_prompt_length)
    eval_kept, eval_dropped = drop_long_prompts(eval_examples or [], count_tokens, args.max_prompt_length)
    if dropped or eval_dropped:
        common.log.warning("dropped %d train and %d validation examples with prompts over %d tokens", dropped, eval_dropped, args.max_prompt_length)
    if not train_kept:
        raise RuntimeError(f"every training prompt is longer than --max-prompt-length {args.max_prompt_length} tokens")
    train_set = datasets.Dataset.from_list([records.preference_columns(e, conversational, system_role) for e in train_kept])
    eval_set = datasets.Dataset.from_list([records.preference_columns(e, conversational, system_role) for e in eval_kept]) if eval_kept else None

    kwargs = common.trainer_kwargs(args, env, common.learning_rate(args.learning_rate, args.method, DEFAULT_LEARNING_RATES),
                                   precision, eval_set is not None)
    # max_prompt_length: trl 0.28 still truncates prompts to it (512 when unset); later versions dropped it.
    kwargs.update(beta=args.beta, loss_type=args.loss_type, max_length=args.max_length, max_prompt_length=args.max_prompt_length,
                  precompute_ref_log_probs=args.precompute_ref_log_probs)
    kept, left_out = common.supported_kwargs(kwargs, [f.name for f in dataclasses.fields(trl.DPOConfig)], common.OPTIONAL_TRAINER_KWARGS)
    if left_out:
        common.log.warning("this trl has no %s; left out", ", ".join(left_out))
    config = trl.DPOConfig(**kept)

    model = modeling.load_model(base, args.method, env, dtype, args.attn_implementation, args.trust_remote_code)
    if args.method != "full":
        model = modeling.apply_lora(model, args, args.method, config.gradient_checkpointing)
    # ref_model=None: with adapters trl uses the base with the adapter disabled; for full DPO it copies the model.
    trainer = trl.DPOTrainer(model=model, ref_model=None, args=config, train_dataset=train_set, eval_dataset=eval_set, processing_class=tokenizer)

    resume = common.latest_checkpoint(env.checkpoint_dir)
    if resume:
        common.log.info("resuming from %s", resume)
    result = trainer.train(resume_from_checkpoint=resume)
    eval_loss = trainer.evaluate().get("eval_loss") if eval_set is not None else None
    history = list(trainer.state.log_history)
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

    metrics = sft.summary(
        args=args, base_model=base, output=output, train_loss=result.training_loss, eval_loss=eval_loss,
        runtime_seconds=time.time() - started, global_steps=result.global_step, epochs=epochs,
        train_examples=len(train_kept), validation_examples=len(eval_kept) if eval_examples else None,
        resumed_from=resume, prompt_format="chat_template" if conversational else "plain", precision=precision,
        world_size=env.world_size, libraries=libraries, merge=merge,
    )
    metrics.update(reward_statistics(history), dropped_long_prompts=dropped + eval_dropped)
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    env = common.resolve_env()
    common.setup_logging(env)
    argv = sys.argv[1:] if argv is None else list(argv)
    args, problems = common.parse_options(PROG, DESCRIPTION, OPTIONS, argv)
    base = None
    if args is not None:
        problems += resolve_aliases(args, argv)
        base, more = validate(args, env)
        problems += more
        if env.channel("train"):
            train_examples, eval_examples, data_problems = load_data(env)
            problems += data_problems
    if problems:
        common.exit_with_problems(PROG, problems, env)
    common.drop_script_dir_from_path(__file__)
    return common.run_training(PROG, env, args.metrics_dir, lambda: align(args, env, base, train_examples, eval_examples))


if __name__ == "__main__":
    sys.exit(main())
