"""The SageMaker environment, checkpoints, rank-0 writes and the training-side pure helpers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import unittest
from unittest import mock

import common
import dpo
import train
from records import PreferenceExample
from tests.support import TempDir, captured

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ResolveEnvTest(unittest.TestCase):
    def test_from_sagemaker_and_torchrun_variables(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        train_dir, base_dir = tmp.dir("data/train"), tmp.dir("data/base_model")
        env = common.resolve_env({
            "SM_MODEL_DIR": "/m", "SM_OUTPUT_DATA_DIR": "/o/data", "SM_OUTPUT_DIR": "/o",
            "SM_CHANNEL_TRAIN": train_dir, "SM_CHANNEL_BASE_MODEL": base_dir, "SM_CHANNEL_VALIDATION": "/nowhere",
            "RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "8", "SM_NUM_GPUS": "4",
            "SM_HOSTS": '["algo-1", "algo-2"]', "SM_CURRENT_HOST": "algo-1",
        }, input_data_root=os.path.join(tmp.path, "absent"))
        self.assertEqual((env.model_dir, env.output_data_dir, env.output_dir, env.checkpoint_dir), ("/m", "/o/data", "/o", "/opt/ml/checkpoints"))
        self.assertEqual((env.rank, env.local_rank, env.world_size, env.num_gpus), (3, 1, 8, 4))
        self.assertEqual((env.hosts, env.current_host), (("algo-1", "algo-2"), "algo-1"))
        self.assertFalse(env.is_main_process)
        self.assertTrue(env.is_distributed)
        self.assertEqual(env.channel("train"), train_dir)
        self.assertEqual(env.channel("base_model"), base_dir)
        self.assertIsNone(env.channel("validation"))  # declared but not on disk
        self.assertIsNone(env.channel("test"))

    def test_defaults_outside_sagemaker_and_channels_found_on_disk(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        tmp.dir("input/test")
        env = common.resolve_env({}, input_data_root=os.path.join(tmp.path, "input"))
        self.assertEqual((env.model_dir, env.output_data_dir, env.rank, env.world_size), ("/opt/ml/model", "/opt/ml/output/data", 0, 1))
        self.assertTrue(env.is_main_process)
        self.assertEqual(env.channel("test"), os.path.join(tmp.path, "input", "test"))

    def test_a_bad_rank_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "RANK='x' is not a whole number"):
            common.resolve_env({"RANK": "x"}, input_data_root="/nowhere")


class CheckpointTest(unittest.TestCase):
    def test_latest_complete_checkpoint(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        for step in (5, 9, 40):
            tmp.file(f"ckpt/checkpoint-{step}/trainer_state.json", "{}")
        tmp.file("ckpt/checkpoint-100/model.safetensors")  # cut short by a spot interruption: no trainer_state.json
        tmp.file("ckpt/checkpoint-500", "a file, not a directory")
        tmp.file("ckpt/checkpoint-abc/trainer_state.json", "{}")
        tmp.file("ckpt/tmp-checkpoint-900/trainer_state.json", "{}")
        # 40, not 9: steps compare as numbers, not as text.
        self.assertEqual(common.latest_checkpoint(os.path.join(tmp.path, "ckpt")), os.path.join(tmp.path, "ckpt", "checkpoint-40"))

    def test_none_to_resume_from(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        self.assertIsNone(common.latest_checkpoint(os.path.join(tmp.path, "absent")))
        self.assertIsNone(common.latest_checkpoint(tmp.dir("empty")))


class RankZeroWritesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def test_only_rank_0_writes(self):
        path = os.path.join(self.tmp.path, "out", "data", "training_metrics.json")
        self.assertFalse(common.write_json(path, {"a": 1}, self.tmp.env(rank=1, world_size=2)))
        self.assertFalse(os.path.exists(path))
        self.assertFalse(common.write_jsonl(path + "l", [{"a": 1}], self.tmp.env(rank=1, world_size=2)))
        self.assertTrue(common.write_json(path, {"b": [1, 2], "a": None}, self.tmp.env(rank=0, world_size=2)))
        with open(path, encoding="utf-8") as f:
            self.assertEqual(json.load(f), {"a": None, "b": [1, 2]})
        self.assertFalse(os.path.exists(path + ".tmp"))

    def test_rank_from_torchrun_environment(self):
        for rank, writes in (("0", True), ("1", False), ("7", False)):
            with self.subTest(rank=rank):
                env = common.resolve_env({"RANK": rank, "WORLD_SIZE": "8", "SM_OUTPUT_DATA_DIR": self.tmp.dir(f"r{rank}")}, input_data_root="/nowhere")
                path = common.metrics_path(None, env, "metrics.json")
                self.assertEqual(common.write_json(path, {}, env), writes)
                self.assertEqual(os.path.exists(path), writes)

    def test_failure_reason_is_written_by_rank_0_where_the_directory_exists(self):
        common.write_failure(self.tmp.env(rank=1, world_size=2), "from rank 1")
        self.assertFalse(os.path.exists(os.path.join(self.tmp.path, "output", "failure")))
        common.write_failure(self.tmp.env(), "from rank 0")
        with open(os.path.join(self.tmp.path, "output", "failure"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "from rank 0")
        absent = common.SageMakerEnv(output_dir=os.path.join(self.tmp.path, "no", "such"))
        common.write_failure(absent, "nowhere")  # outside SageMaker: no directory is created
        self.assertFalse(os.path.exists(absent.output_dir))

    def test_run_training_records_a_failure_for_sagemaker_and_reraises(self):
        def broken():
            raise ValueError("CUDA out of memory")

        with self.assertRaises(ValueError):
            common.run_training("train.py", self.tmp.env(), None, broken)
        with open(os.path.join(self.tmp.path, "output", "failure"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "train.py: ValueError: CUDA out of memory")
        self.assertFalse(os.path.exists(os.path.join(self.tmp.path, "output", "data", "training_metrics.json")))

    def test_run_training_writes_the_metrics_the_job_returns(self):
        self.assertEqual(common.run_training("dpo.py", self.tmp.env(), None, lambda: {"train_loss": 0.5}), 0)
        with open(os.path.join(self.tmp.path, "output", "data", "training_metrics.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), {"train_loss": 0.5})

    def test_train_main_writes_training_metrics_on_rank_0_only(self):
        self.tmp.jsonl("train/t.jsonl", [{"prompt": "p", "completion": "c"}])
        seen = []

        def fake_train(args, env, base, train_examples, eval_examples):
            seen.append((env.rank, base, len(train_examples), eval_examples))
            return {"output": "merged", "train_loss": 1.0, "eval_loss": None, "train_runtime_seconds": 2.0}

        for rank in ("0", "1"):
            environ = self.tmp.environ(train=os.path.join(self.tmp.path, "train"))
            environ.update(RANK=rank, WORLD_SIZE="2")
            with mock.patch.dict(os.environ, environ, clear=True), mock.patch.object(train, "train", fake_train), \
                    mock.patch.object(common, "drop_script_dir_from_path", lambda _: None), captured():
                self.assertEqual(train.main(["--base-model-id", "org/base", "--metrics-dir", os.path.join(self.tmp.path, f"metrics{rank}")]), 0)
        self.assertEqual(seen, [(0, "org/base", 1, None), (1, "org/base", 1, None)])
        self.assertTrue(os.path.exists(os.path.join(self.tmp.path, "metrics0", "training_metrics.json")))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.path, "metrics1")))


class ModelDirectoryTest(unittest.TestCase):
    def test_find_model_root(self):
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        tmp.file("direct/config.json", "{}")
        tmp.file("nested/llama/config.json", "{}")
        tmp.file("adapter/adapter_config.json", "{}")
        tmp.dir("empty")
        self.assertEqual(common.find_model_root(os.path.join(tmp.path, "direct"), "m"), (os.path.join(tmp.path, "direct"), None))
        self.assertEqual(common.find_model_root(os.path.join(tmp.path, "nested"), "m"), (os.path.join(tmp.path, "nested", "llama"), None))
        self.assertEqual(common.find_model_root(os.path.join(tmp.path, "adapter"), "m")[1], None)
        self.assertTrue(common.is_adapter_dir(os.path.join(tmp.path, "adapter")))
        self.assertFalse(common.is_adapter_dir(os.path.join(tmp.path, "direct")))
        root, problem = common.find_model_root(os.path.join(tmp.path, "empty"), "base_model")
        self.assertIsNone(root)
        self.assertIn("the base_model channel", problem)
        self.assertIn("has no config.json or adapter_config.json", problem)


class TrainingHelpersTest(unittest.TestCase):
    ENV = common.SageMakerEnv(checkpoint_dir="/opt/ml/checkpoints")

    def args(self, *argv):
        args, problems = common.parse_options(train.PROG, train.DESCRIPTION, train.OPTIONS, list(argv))
        self.assertEqual(problems, [])
        return args

    def test_device_map(self):
        single, distributed = common.SageMakerEnv(), common.SageMakerEnv(rank=5, local_rank=1, world_size=8)
        self.assertEqual([common.device_map_for(m, single) for m in common.METHODS], [None, "auto", "auto"])
        self.assertEqual([common.device_map_for(m, distributed) for m in common.METHODS], [None, None, {"": 1}])

    def test_trainer_arguments(self):
        kwargs = common.trainer_kwargs(self.args("--save-steps", "50", "--warmup-ratio", "0.1"), self.ENV, 2e-4, "bf16", has_eval=True)
        self.assertEqual(kwargs["output_dir"], "/opt/ml/checkpoints")
        self.assertEqual((kwargs["save_strategy"], kwargs["save_steps"], kwargs["save_total_limit"]), ("steps", 50, 2))
        self.assertEqual(kwargs["warmup_steps"], 0.1)  # below 1: a ratio of the total steps in transformers 5
        self.assertEqual((kwargs["bf16"], kwargs["fp16"], kwargs["eval_strategy"], kwargs["report_to"]), (True, False, "epoch", "none"))
        self.assertEqual((kwargs["gradient_checkpointing"], kwargs["learning_rate"]), (True, 2e-4))
        self.assertNotIn("fsdp", kwargs)
        no_warmup = common.trainer_kwargs(self.args("--warmup-ratio", "0"), self.ENV, 1e-5, "fp16", has_eval=False)
        self.assertEqual((no_warmup["warmup_steps"], no_warmup["fp16"], no_warmup["eval_strategy"]), (0, True, "no"))

    def test_fsdp_moves_activation_checkpointing_into_its_config(self):
        kwargs = common.trainer_kwargs(self.args("--method", "full", "--fsdp", "true"), self.ENV, 2e-5, "bf16", False, fsdp=True)
        self.assertEqual(kwargs["fsdp"], "full_shard auto_wrap")
        self.assertFalse(kwargs["gradient_checkpointing"])
        self.assertTrue(kwargs["fsdp_config"]["activation_checkpointing"])

    def test_supported_kwargs(self):
        kept, dropped = common.supported_kwargs({"a": 1, "b": 2, "data_seed": 3}, ["a", "b"], common.OPTIONAL_TRAINER_KWARGS)
        self.assertEqual((kept, dropped), ({"a": 1, "b": 2}, ["data_seed"]))
        with self.assertRaisesRegex(RuntimeError, "has no max_length training argument"):
            common.supported_kwargs({"a": 1, "max_length": 2}, ["a"], common.OPTIONAL_TRAINER_KWARGS)

    def test_last_logged(self):
        history = [{"loss": 2.0, "step": 10}, {"eval_loss": 1.5}, {"loss": float("nan")}, {"loss": 1.2}, {"train_runtime": 9.0}]
        self.assertEqual(common.last_logged(history, "loss"), 1.2)
        self.assertEqual(common.last_logged(history, "eval_loss"), 1.5)
        self.assertIsNone(common.last_logged(history, "eval_rewards/accuracies"))

    def test_training_metrics_document(self):
        args = self.args("--method", "qlora")
        document = train.summary(args=args, base_model="org/base", output="merged", train_loss=1.25, eval_loss=None,
                                 runtime_seconds=12.345, global_steps=30, epochs=3.0, train_examples=100, validation_examples=None,
                                 resumed_from="/opt/ml/checkpoints/checkpoint-20", prompt_format="chat_template", precision="bf16",
                                 world_size=1, libraries={"trl": "0.28.0"})
        self.assertEqual(set(document), {"method", "base_model", "output", "train_loss", "eval_loss", "train_runtime_seconds", "global_steps",
                                         "epochs", "train_examples", "validation_examples", "resumed_from_checkpoint", "prompt_format",
                                         "precision", "world_size", "hyperparameters", "libraries", "merge"})
        self.assertEqual((document["method"], document["train_runtime_seconds"]), ("qlora", 12.3))
        self.assertEqual(document["hyperparameters"]["lora_r"], 16)
        json.dumps(document)

    def test_dpo_helpers(self):
        pairs = [PreferenceExample(({"role": "user", "content": "x" * n},), "a", "b") for n in (3, 10, 5)]
        kept, dropped = dpo.drop_long_prompts(pairs, lambda e: len(e.messages[0]["content"]), max_prompt_length=5)
        self.assertEqual(([len(e.messages[0]["content"]) for e in kept], dropped), ([3, 5], 1))
        history = [{"rewards/accuracies": 0.5, "rewards/margins": 0.1}, {"rewards/accuracies": 0.75, "rewards/margins": 0.4}, {"eval_rewards/accuracies": 0.7}]
        self.assertEqual(dpo.reward_statistics(history), {"train_reward_accuracy": 0.75, "train_reward_margin": 0.4,
                                                         "eval_reward_accuracy": 0.7, "eval_reward_margin": None})

    def test_library_versions_without_the_gpu_stack(self):
        versions = common.library_versions(("surely-not-installed-package",))
        self.assertEqual(versions, {"surely-not-installed-package": None})

    def test_drop_script_dir_from_path(self):
        with mock.patch.object(sys, "path", [HERE, "/usr/lib/python3", HERE + "/", "relative/dir"]):
            common.drop_script_dir_from_path(os.path.join(HERE, "train.py"))
            self.assertEqual(sys.path, ["/usr/lib/python3", "relative/dir"])


class WithoutGpuLibrariesTest(unittest.TestCase):
    """The entry points import, and answer --help, with torch & co. made unimportable."""

    BLOCK = "import sys; sys.modules.update(dict.fromkeys(['torch', 'transformers', 'trl', 'peft', 'datasets', 'accelerate', 'bitsandbytes'], None))"

    def test_help_and_import(self):
        for script in ("train.py", "dpo.py", "evaluate.py"):
            with self.subTest(script=script):
                code = (f"{self.BLOCK}; import runpy; sys.argv = ['{script}', '--help']; sys.path.insert(0, {HERE!r}); "
                        f"runpy.run_path({os.path.join(HERE, script)!r}, run_name='__main__')")
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn(f"usage: {script}", done.stdout)
        code = f"{self.BLOCK}; sys.path.insert(0, {HERE!r}); import train, dpo, evaluate, modeling, metrics, common, records"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)


if __name__ == "__main__":
    unittest.main()
