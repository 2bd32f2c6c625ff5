"""evaluate.py without a model: metrics.json's shape from fake generate functions, batching, and main()."""
from __future__ import annotations

import json
import os
import unittest
from unittest import mock

import common
import evaluate
from records import Example
from tests.support import TempDir, captured, sagemaker_argv


def example(question: str, answer: str) -> Example:
    return Example(({"role": "user", "content": question},), answer, source=f"test/t.jsonl:{question}")


EXAMPLES = [
    example("Capital of France?", "Paris"),
    example("Where is order 1042? It was placed on Monday.", "Order 1042 ships today."),
    example("2+2?", "4"),
]


def answers(mapping):
    """A fake batch generator that answers from `mapping` (question -> answer) and records its batches."""
    batches = []

    def generate(prompts):
        batches.append([p[-1]["content"] for p in prompts])
        return [mapping[p[-1]["content"]] for p in prompts]

    return generate, batches


class MetricsDocumentTest(unittest.TestCase):
    def test_shape_with_the_base_model(self):
        tuned, _ = answers({"Capital of France?": "Paris.", "Where is order 1042? It was placed on Monday.": "Order 1042 ships today.", "2+2?": "4"})
        base, _ = answers({"Capital of France?": "The capital of France is Paris.", "Where is order 1042? It was placed on Monday.": "I cannot know.", "2+2?": "five"})
        document, rows = evaluate.evaluate_examples(EXAMPLES, tuned, base, batch_size=2)
        self.assertEqual(set(document), {"tuned", "base", "improvement", "examples"})
        self.assertEqual(document["examples"], 3)
        self.assertEqual(document["tuned"], {"rouge_l": 1.0, "exact_match": 1.0, "contains_reference": 1.0})
        # base rouge_l: "the capital of france is paris" vs "paris": LCS 1, P = 1/6, R = 1, F1 = (2/6) / (7/6) = 2/7;
        # the other two share no token with their reference. Mean = (2/7) / 3 = 0.095238.
        self.assertEqual(document["base"], {"rouge_l": 0.095238, "exact_match": 0.0, "contains_reference": 0.333333})
        self.assertEqual(document["improvement"], {"rouge_l": 0.904762, "exact_match": 1.0, "contains_reference": 0.666667})
        json.dumps(document)  # what the workflow reads must be plain JSON
        self.assertEqual(rows[0], {"source": "test/t.jsonl:Capital of France?", "prompt": [{"role": "user", "content": "Capital of France?"}],
                                   "reference": "Paris", "tuned": "Paris.", "base": "The capital of France is Paris."})

    def test_without_the_base_model(self):
        tuned, _ = answers({e.messages[0]["content"]: "no" for e in EXAMPLES})
        document, rows = evaluate.evaluate_examples(EXAMPLES, tuned, None, batch_size=8)
        self.assertEqual(document, {"tuned": {"rouge_l": 0.0, "exact_match": 0.0, "contains_reference": 0.0}, "base": None, "improvement": None, "examples": 3})
        self.assertNotIn("base", rows[0])

    def test_batches_go_longest_first_and_answers_keep_the_prompt_order(self):
        tuned, batches = answers({e.messages[0]["content"]: e.completion for e in EXAMPLES})
        result = evaluate.generate_all([e.messages for e in EXAMPLES], tuned, batch_size=2)
        self.assertEqual(result, [e.completion for e in EXAMPLES])
        self.assertEqual(batches, [["Where is order 1042? It was placed on Monday.", "Capital of France?"], ["2+2?"]])

    def test_a_generator_that_loses_answers_fails_loudly(self):
        with self.assertRaisesRegex(RuntimeError, "returned 0 answers for 3 prompts"):
            evaluate.generate_all([e.messages for e in EXAMPLES], lambda prompts: [], batch_size=4)


class SageMakerHyperparametersTest(unittest.TestCase):
    """The generation settings the workflow sizes and passes as hyperparameters, as hyperparameters.json holds them (strings)."""

    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def parse(self, hyperparameters):
        path = self.tmp.file("input/config/hyperparameters.json", json.dumps(hyperparameters))
        return common.parse_options(evaluate.PROG, evaluate.DESCRIPTION, evaluate.OPTIONS, sagemaker_argv(path))

    def test_each_generation_setting_is_read_under_its_name_and_typed(self):
        # One at a time: a name the script did not know would be a problem, and a misread one would keep its default.
        for name, dest, text, value in [("batch-size", "batch_size", "4", 4), ("max-input-length", "max_input_length", "1024", 1024),
                                        ("max-new-tokens", "max_new_tokens", "64", 64)]:
            with self.subTest(name=name):
                args, problems = self.parse({name: text})
                self.assertEqual(problems, [])
                self.assertEqual(getattr(args, dest), value)
                self.assertIs(type(getattr(args, dest)), int)

    def test_all_three_together_with_the_other_hyperparameters(self):
        args, problems = self.parse({"base-model-id": "org/base", "batch-size": "16", "max-input-length": "4096", "max-new-tokens": "512",
                                     "metrics-dir": "/opt/ml/model"})
        self.assertEqual(problems, [])
        self.assertEqual((args.batch_size, args.max_input_length, args.max_new_tokens, args.base_model_id), (16, 4096, 512, "org/base"))

    def test_a_bad_value_is_reported_under_the_hyperparameters_name(self):
        _, problems = self.parse({"batch-size": "0", "max-new-tokens": "many"})
        self.assertEqual(problems, ["--max-new-tokens: 'many' is not a whole number", "--batch-size is 0; it must be at least 1"])


class ValidateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.args, _ = common.parse_options(evaluate.PROG, evaluate.DESCRIPTION, evaluate.OPTIONS, [])

    def test_an_adapter_needs_its_base(self):
        self.tmp.file("model/adapter_config.json", "{}")
        self.tmp.jsonl("test/t.jsonl", [{"prompt": "p", "completion": "c"}])
        _, _, problems = evaluate.validate(self.args, self.tmp.env(model=self.tmp.dir("model"), test=self.tmp.dir("test")))
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("the model channel holds a LoRA adapter, which needs its base model: pass --base-model-id"), problems[0])

    def test_without_a_base_the_comparison_is_skipped(self):
        self.tmp.file("model/nested/config.json", "{}")  # one folder level below the channel is looked into
        model_dir, base, problems = evaluate.validate(self.args, self.tmp.env(model=self.tmp.dir("model"), test=self.tmp.dir("test")))
        self.assertEqual((model_dir, base, problems), (os.path.join(self.tmp.path, "model", "nested"), None, []))

    def test_an_archive_is_named(self):
        self.tmp.file("model/model.tar.gz", "")
        _, _, problems = evaluate.validate(self.args, self.tmp.env(model=self.tmp.dir("model"), test=self.tmp.dir("test")))
        self.assertEqual(len(problems), 1)
        self.assertIn("holds model.tar.gz, an archive: point it at the model's files uncompressed", problems[0])


class MainTest(unittest.TestCase):
    """main() with the model loading replaced by canned answers: channels in, metrics.json out."""

    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.tmp.file("model/config.json", "{}")
        self.tmp.jsonl("test/t.jsonl", [{"prompt": "Capital of France?", "completion": "Paris"},
                                        {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}])
        self.calls = []
        self.args_seen = []

        def fake_answers(model_dir, base, args, prompts):
            self.calls.append((model_dir, base))
            self.args_seen.append(args)
            return (["Paris", "4"] if model_dir.endswith("model") else ["Lyon", "4"])[: len(prompts)]

        patches = [mock.patch.object(evaluate, "answers_of", fake_answers),
                   mock.patch.object(common, "drop_script_dir_from_path", lambda _: None)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)

    def run_main(self, argv, **environ):
        env = self.tmp.environ(model=os.path.join(self.tmp.path, "model"), test=os.path.join(self.tmp.path, "test"))
        env.update(environ)
        with mock.patch.dict(os.environ, env, clear=True), captured():
            return evaluate.main(argv)

    def test_writes_metrics_and_predictions_to_the_metrics_dir(self):
        metrics_dir = os.path.join(self.tmp.path, "model-out")
        self.assertEqual(self.run_main(["--base-model-id", "org/base", "--metrics-dir", metrics_dir]), 0)
        with open(os.path.join(metrics_dir, "metrics.json"), encoding="utf-8") as f:
            document = json.load(f)
        self.assertEqual(document, {
            "tuned": {"rouge_l": 1.0, "exact_match": 1.0, "contains_reference": 1.0},
            "base": {"rouge_l": 0.5, "exact_match": 0.5, "contains_reference": 0.5},
            "improvement": {"rouge_l": 0.5, "exact_match": 0.5, "contains_reference": 0.5},
            "examples": 2,
        })
        with open(os.path.join(metrics_dir, "predictions.jsonl"), encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual([r["source"] for r in rows], ["test/t.jsonl:1", "test/t.jsonl:2"])
        self.assertEqual(self.calls, [(os.path.join(self.tmp.path, "model"), "org/base"), ("org/base", None)])

    def test_hyperparameters_reach_the_generation_of_both_models(self):
        path = self.tmp.file("input/config/hyperparameters.json", json.dumps(
            {"base-model-id": "org/base", "batch-size": "2", "max-input-length": "512", "max-new-tokens": "32"}))
        self.assertEqual(self.run_main(sagemaker_argv(path)), 0)
        self.assertEqual([(a.batch_size, a.max_input_length, a.max_new_tokens) for a in self.args_seen], [(2, 512, 32)] * 2)

    def test_only_rank_0_evaluates(self):
        self.assertEqual(self.run_main(["--base-model-id", "org/base"], RANK="1", WORLD_SIZE="2"), 0)
        self.assertEqual(self.calls, [])
        self.assertFalse(os.path.exists(os.path.join(self.tmp.path, "output", "data", "metrics.json")))

    def test_max_examples_and_no_base(self):
        self.run_main(["--max-examples", "1", "--evaluate-base", "false"])
        with open(os.path.join(self.tmp.path, "output", "data", "metrics.json"), encoding="utf-8") as f:
            document = json.load(f)
        self.assertEqual((document["examples"], document["base"], document["improvement"]), (1, None, None))


if __name__ == "__main__":
    unittest.main()
