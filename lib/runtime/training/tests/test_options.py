"""Hyperparameter parsing: defaults, types, booleans, and every bad input reported at once."""
from __future__ import annotations

import os
import unittest
from unittest import mock

import common
import dpo
import evaluate
import train
from tests.support import TempDir, captured


def parse(script, *argv: str):
    return common.parse_options(script.PROG, script.DESCRIPTION, script.OPTIONS, list(argv))


class DefaultsTest(unittest.TestCase):
    def test_train_defaults(self):
        args, problems = parse(train)
        self.assertEqual(problems, [])
        self.assertEqual(args.method, "lora")
        self.assertEqual((args.lora_r, args.lora_alpha, args.lora_dropout), (16, 32, 0.05))
        self.assertEqual(args.lora_target_modules, ["all-linear"])
        self.assertIs(args.merge_adapter, True)
        self.assertIsNone(args.learning_rate)  # chosen by method
        self.assertEqual((args.epochs, args.max_steps, args.max_seq_length), (3.0, -1, 2048))
        self.assertEqual((args.per_device_train_batch_size, args.gradient_accumulation_steps), (1, 8))
        self.assertEqual((args.warmup_ratio, args.lr_scheduler_type, args.seed), (0.03, "cosine", 42))
        self.assertEqual((args.save_steps, args.save_total_limit, args.logging_steps), (200, 2, 10))
        self.assertIs(args.gradient_checkpointing, True)
        self.assertIs(args.fsdp, False)
        self.assertEqual(args.dataset_format, "auto")
        self.assertIsNone(args.base_model_id)
        self.assertIsNone(args.metrics_dir)

    def test_dpo_defaults(self):
        args, problems = parse(dpo)
        self.assertEqual(problems, [])
        self.assertEqual((args.beta, args.loss_type, args.max_length, args.max_prompt_length), (0.1, "sigmoid", 1024, 512))
        self.assertEqual((args.method, args.epochs, args.warmup_ratio), ("lora", 1.0, 0.1))
        self.assertIs(args.precompute_ref_log_probs, False)
        self.assertIsNone(args.use_lora)

    def test_evaluate_defaults(self):
        args, problems = parse(evaluate)
        self.assertEqual(problems, [])
        self.assertEqual((args.max_new_tokens, args.batch_size, args.max_input_length, args.max_examples), (256, 8, 2048, 0))
        self.assertIs(args.evaluate_base, True)

    def test_learning_rate_defaults_by_method(self):
        self.assertEqual([common.learning_rate(None, m, train.DEFAULT_LEARNING_RATES) for m in common.METHODS], [2e-5, 2e-4, 2e-4])
        self.assertEqual([common.learning_rate(None, m, dpo.DEFAULT_LEARNING_RATES) for m in common.METHODS], [1e-6, 5e-6, 5e-6])
        self.assertEqual(common.learning_rate(3e-4, "full", train.DEFAULT_LEARNING_RATES), 3e-4)


class ValuesTest(unittest.TestCase):
    def test_values_are_typed(self):
        args, problems = parse(train, "--method", "qlora", "--epochs", "2", "--lora-r", "8", "--learning-rate", "1e-4",
                               "--lora-target-modules", "q_proj, v_proj", "--base-model-id", "meta-llama/Llama-3.1-8B-Instruct")
        self.assertEqual(problems, [])
        self.assertEqual(args.method, "qlora")
        self.assertEqual(args.epochs, 2.0)
        self.assertIsInstance(args.epochs, float)
        self.assertEqual(args.lora_r, 8)
        self.assertIsInstance(args.lora_r, int)
        self.assertEqual(args.learning_rate, 1e-4)
        self.assertEqual(args.lora_target_modules, ["q_proj", "v_proj"])
        self.assertEqual(args.base_model_id, "meta-llama/Llama-3.1-8B-Instruct")

    def test_underscores_equals_signs_and_integral_floats(self):
        # SageMaker passes hyperparameter names as the construct spells them; JSON numbers may come as "8.0".
        args, problems = parse(train, "--max_steps", "10", "--lora_r=8.0", "--merge_adapter=false")
        self.assertEqual(problems, [])
        self.assertEqual((args.max_steps, args.lora_r, args.merge_adapter), (10, 8, False))

    def test_special_value_outside_the_bounds(self):
        args, problems = parse(train, "--max-steps", "-1")
        self.assertEqual((problems, args.max_steps), ([], -1))

    def test_booleans(self):
        for word, expected in [("true", True), ("True", True), ("1", True), ("yes", True), ("on", True),
                               ("false", False), ("FALSE", False), ("0", False), ("no", False), ("off", False)]:
            with self.subTest(word=word):
                self.assertIs(common.str2bool(word), expected)
                args, problems = parse(train, "--merge-adapter", word)
                self.assertEqual(problems, [])
                self.assertIs(args.merge_adapter, expected)
        self.assertIs(common.str2bool(True), True)
        with self.assertRaisesRegex(ValueError, "'maybe' is not a boolean"):
            common.str2bool("maybe")

    def test_a_boolean_alone_is_true(self):
        args, problems = parse(train, "--merge-adapter", "--fsdp")
        self.assertEqual(problems, [])
        self.assertIs(args.merge_adapter, True)


class ProblemsTest(unittest.TestCase):
    def test_every_problem_is_reported_at_once(self):
        args, problems = parse(
            train,
            "--epochs", "three",           # not a number
            "--lora-r", "0",               # below the minimum
            "--lora-alpha", "1.5",         # not whole
            "--lora-dropout", "1",         # at the exclusive upper bound
            "--warmup-ratio", "-0.1",      # below zero
            "--learning-rate", "0",        # must be greater than zero
            "--method", "qlorra",          # not a choice
            "--merge-adapter", "maybe",    # not a boolean
            "--lora-target-modules", ",",  # empty list
            "--max-steps", "0",            # neither -1 nor >= 1
            "--epochz", "3",               # unknown, with its value
            "stray",                       # a positional argument
            "--weight-decay", "inf",       # not finite
            "--seed",                      # no value (last)
        )
        self.assertIsNotNone(args)
        self.assertEqual(problems, [
            "--epochz is not an option of train.py (did you mean --epochs?)",
            "unexpected argument 'stray': options are given as --name value",
            "--method is 'qlorra'; use one of full, lora, qlora (did you mean qlora?)",
            "--lora-r is 0; it must be at least 1",
            "--lora-alpha: '1.5' is not a whole number",
            "--lora-dropout is 1; it must be at least 0 and less than 1",
            "--lora-target-modules is empty; give a comma-separated list, e.g. q_proj,v_proj",
            "--merge-adapter: 'maybe' is not a boolean: use true or false",
            "--epochs: 'three' is not a number",
            "--max-steps is 0; it must be at least 1 (or -1)",
            "--learning-rate is 0; it must be greater than 0",
            "--warmup-ratio is -0.1; it must be at least 0 and less than 1",
            "--weight-decay: 'inf' is not a finite number",
            "--seed needs a value (INT)",
        ])
        # A bad value leaves the default in place, so later checks still see a typed value.
        self.assertEqual((args.epochs, args.lora_r, args.method), (3.0, 16, "lora"))

    def test_abbreviations_are_not_options(self):
        _, problems = parse(train, "--lr", "1e-4")
        self.assertEqual(problems, ["--lr is not an option of train.py"])

    def test_cross_option_and_environment_problems(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        args, _ = parse(train, "--fsdp", "true")
        _, problems = train.validate(args, tmp.env())
        self.assertEqual(problems, [
            "no base model: pass --base-model-id (a Hugging Face Hub id) or attach a base_model channel with the model's files (needed when the job is network-isolated)",
            "no train channel: attach the training data (sft or chat JSONL) as the train channel (expected at /opt/ml/input/data/train)",
            "--fsdp true shards full fine-tuning only; --method lora trains small adapters, which data parallelism handles",
        ])

    def test_the_base_model_channel_wins_over_the_hub_id(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        tmp.file("base/config.json", "{}")
        args, _ = parse(train, "--base-model-id", "org/model")
        base, problems = train.validate(args, tmp.env(base_model=os.path.join(tmp.path, "base"), train=tmp.dir("train")))
        self.assertEqual((base, problems), (os.path.join(tmp.path, "base"), []))
        base, problems = train.validate(args, tmp.env(train=tmp.dir("train")))
        self.assertEqual((base, problems), ("org/model", []))

    def test_dpo_prompt_length_must_leave_room(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        args, _ = parse(dpo, "--max-prompt-length", "1024", "--max-length", "1024", "--base-model-id", "org/model")
        _, problems = dpo.validate(args, tmp.env(train=tmp.dir("train")))
        self.assertEqual(problems, ["--max-prompt-length (1024) must be less than --max-length (1024): the answers need room"])

    def test_dpo_max_seq_length_is_max_length(self):
        for argv, max_length, expected in [
            (["--max-seq-length", "2048"], 2048, []),
            (["--max-seq-length", "2048", "--max-length", "2048"], 2048, []),
            (["--max-seq-length", "2048", "--max-length", "512"], 512, ["--max-seq-length 2048 contradicts --max-length 512: give --max-length only"]),
        ]:
            with self.subTest(argv=argv):
                args, _ = parse(dpo, *argv)
                self.assertEqual(dpo.resolve_aliases(args, argv), expected)
                self.assertEqual(args.max_length, max_length)

    def test_dpo_use_lora_maps_to_method(self):
        cases = [
            (["--use-lora", "true"], "lora", []),
            (["--use-lora", "false"], "full", []),
            (["--use-lora", "true", "--method", "qlora"], "qlora", []),
            (["--use-lora", "false", "--method", "lora"], "lora", ["--use-lora false contradicts --method lora: give --method only"]),
            (["--method", "full"], "full", []),
        ]
        for argv, method, expected in cases:
            with self.subTest(argv=argv):
                args, problems = parse(dpo, *argv)
                self.assertEqual(problems, [])
                self.assertEqual(dpo.resolve_aliases(args, argv), expected)
                self.assertEqual(args.method, method)


class UsageTest(unittest.TestCase):
    def test_help_exits_zero_and_lists_every_option(self):
        for script in (train, dpo, evaluate):
            with self.subTest(script=script.PROG), captured() as (out, _):
                with self.assertRaises(SystemExit) as exit_:
                    parse(script, "--help")
            self.assertEqual(exit_.exception.code, 0)
            for option in script.OPTIONS:
                self.assertIn(f"--{option.name}", out.getvalue())

    def test_main_exits_2_with_every_problem_and_records_the_failure_reason(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        with mock.patch.dict(os.environ, tmp.environ(), clear=True), captured() as (_, err):
            with self.assertRaises(SystemExit) as exit_:
                train.main(["--epochs", "x", "--lora-r", "-3"])
        self.assertEqual(exit_.exception.code, common.EXIT_USAGE)
        self.assertIn("train.py: 4 problems, nothing was run:\n  - --lora-r is -3", err.getvalue())
        with open(os.path.join(tmp.path, "output", "failure"), encoding="utf-8") as f:
            failure = f.read()
        self.assertEqual(failure, err.getvalue().strip())
        self.assertIn("--epochs: 'x' is not a number", failure)
        self.assertIn("no base model", failure)
        self.assertIn("no train channel", failure)


if __name__ == "__main__":
    unittest.main()
