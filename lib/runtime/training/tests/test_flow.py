"""The GPU-side code paths (train(), align(), evaluation, modeling.py) against recording fakes of the libraries.

They check the wiring this machine cannot run for real: what the model is loaded with (bf16 base, NF4 4-bit
with double quantization, fp32 master weights), the trainer configuration, resuming from the latest
checkpoint, and what is saved where (adapter, merged model, full weights), per rank.
"""
from __future__ import annotations

import json
import os
import sys
import unittest
from unittest import mock

import common
import dpo
import evaluate
import train
from records import Example, PreferenceExample
from tests import fakes
from tests.support import TempDir, sagemaker_argv

SFT_EXAMPLES = [Example(({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where is order 7?"}), "It ships Monday.")]


def parse(script, *argv):
    args, problems = common.parse_options(script.PROG, script.DESCRIPTION, script.OPTIONS, list(argv))
    assert problems == [], problems
    return args


class FlowTestCase(unittest.TestCase):
    bf16 = True
    free = (70 * fakes.GiB,)  # each GPU's free memory once the trainer is released

    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.calls = fakes.Calls()
        self.modules = fakes.make_modules(self.calls, bf16=self.bf16, free=self.free)
        patcher = mock.patch.dict(sys.modules, self.modules)
        patcher.start()
        self.addCleanup(patcher.stop)

    def call(self, name, index=0):
        found = self.calls.named(name)
        self.assertGreater(len(found), index, f"{name} was not called (calls: {[c[0] for c in self.calls]})")
        return found[index]

    def path(self, *parts):
        return os.path.join(self.tmp.path, *parts)


class SftLoraTest(FlowTestCase):
    def test_lora_resumes_then_merges_the_adapter_into_a_fresh_base(self):
        self.tmp.file("checkpoints/checkpoint-3/trainer_state.json", "{}")
        env = self.tmp.env()
        metrics = train.train(parse(train, "--base-model-id", "org/base"), env, "org/base", SFT_EXAMPLES, SFT_EXAMPLES)

        _, (source,), load = self.call("AutoModelForCausalLM.from_pretrained")
        self.assertEqual(source, "org/base")
        self.assertEqual(load, {"trust_remote_code": False, "attn_implementation": "sdpa", "dtype": "bfloat16", "device_map": "auto"})
        self.call("enable_input_require_grads")
        self.assertEqual(self.call("get_peft_model")[2]["config"], {"r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "target_modules": "all-linear", "bias": "none", "task_type": "CAUSAL_LM"})

        trainer = self.call("SFTTrainer")[2]
        config = trainer["args"]
        self.assertEqual(config.output_dir, env.checkpoint_dir)
        self.assertEqual((config.max_length, config.completion_only_loss, config.packing), (2048, True, False))
        self.assertEqual((config.learning_rate, config.warmup_steps, config.num_train_epochs), (2e-4, 0.03, 3.0))
        self.assertEqual((config.bf16, config.fp16, config.eval_strategy, config.save_steps), (True, False, "epoch", 200))
        self.assertEqual(trainer["train_dataset"], [{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where is order 7?"}],
                                                     "completion": [{"role": "assistant", "content": "It ships Monday."}]}])
        self.assertEqual(self.call("train")[2], {"resume_from_checkpoint": self.path("checkpoints", "checkpoint-3")})

        adapter_dir = os.path.join(env.output_data_dir, "adapter")
        self.assertEqual(self.call("save_model")[1], (adapter_dir,))
        # The merge reloads the base at bf16, on the GPU (it has room once the trainer is released), and saves the
        # merged model in /opt/ml/model in small shards.
        _, (merge_source,), merge_load = self.call("AutoModelForCausalLM.from_pretrained", 1)
        self.assertEqual((merge_source, merge_load), ("org/base", {"dtype": "bfloat16", "trust_remote_code": False, "device_map": {"": 0}}))
        self.assertEqual(self.call("PeftModel.from_pretrained")[1], ("org/base", adapter_dir))
        self.call("merge_and_unload")
        _, (saved_to,), saved = self.call("model.save_pretrained")
        self.assertEqual((saved_to, saved["max_shard_size"]), (env.model_dir, "2GB"))
        self.assertIn((env.model_dir,), [c[1] for c in self.calls.named("tokenizer.save_pretrained")])

        self.assertEqual({k: metrics[k] for k in ("method", "output", "train_loss", "eval_loss", "global_steps", "resumed_from_checkpoint", "prompt_format", "precision")},
                         {"method": "lora", "output": "merged", "train_loss": 0.5, "eval_loss": 0.25, "global_steps": 7,
                          "resumed_from_checkpoint": self.path("checkpoints", "checkpoint-3"), "prompt_format": "chat_template", "precision": "bf16"})
        self.assertEqual({k: metrics["merge"][k] for k in ("device", "base_weight_bytes", "max_shard_size")},
                         {"device": "cuda:0", "base_weight_bytes": (1000000 - 1000) * 2, "max_shard_size": "2GB"})

    def test_qlora_adapter_only_on_rank_1_of_2(self):
        env = self.tmp.env(rank=1, world_size=2)
        args = parse(train, "--method", "qlora", "--merge-adapter", "false", "--lora-target-modules", "q_proj,v_proj")
        metrics = train.train(args, env, "org/base", SFT_EXAMPLES, None)

        load = self.call("AutoModelForCausalLM.from_pretrained")[2]
        self.assertEqual(load["device_map"], {"": 1})  # each torchrun process loads the 4-bit base onto its own GPU
        self.assertEqual(load["quantization_config"].kwargs, {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
                                                              "bnb_4bit_use_double_quant": True, "bnb_4bit_compute_dtype": "bfloat16"})
        self.call("prepare_model_for_kbit_training")
        self.assertEqual(self.call("get_peft_model")[2]["config"]["target_modules"], ["q_proj", "v_proj"])
        self.assertEqual(self.call("SFTTrainer")[2]["args"].eval_strategy, "no")
        self.assertEqual(self.call("train")[2], {"resume_from_checkpoint": None})
        self.assertEqual(self.call("save_model")[1], (env.model_dir,))  # the Trainer itself writes on rank 0 only
        self.assertEqual(self.calls.named("tokenizer.save_pretrained"), [])  # rank 1 writes nothing itself
        self.assertEqual(self.calls.named("merge_and_unload"), [])
        self.assertEqual((metrics["output"], metrics["validation_examples"], metrics["world_size"]), ("adapter", None, 2))


class SftFullTest(FlowTestCase):
    bf16 = False  # a T4: fp16 instead

    def test_full_fine_tuning_keeps_fp32_master_weights_and_saves_half_precision(self):
        env = self.tmp.env()
        metrics = train.train(parse(train, "--method", "full"), env, "org/base", SFT_EXAMPLES, None)
        load = self.call("AutoModelForCausalLM.from_pretrained")[2]
        self.assertEqual((load["dtype"], "device_map" in load), ("float32", False))
        self.assertEqual(self.calls.named("get_peft_model"), [])
        config = self.call("SFTTrainer")[2]["args"]
        self.assertEqual((config.learning_rate, config.bf16, config.fp16, config.fsdp), (2e-5, False, True, None))
        self.call("get_state_dict")
        _, (directory,), saved = self.call("model.save_pretrained")
        self.assertEqual((directory, saved["dtype"], saved["max_shard_size"]), (env.model_dir, "float16", "2GB"))
        self.assertIs(saved["state_dict"]["embed.weight"], saved["state_dict"]["lm_head.weight"])  # tied weights stay one tensor
        self.assertEqual((metrics["output"], metrics["precision"], metrics["merge"]), ("full", "fp16", None))

    def test_fsdp_under_torchrun(self):
        env = self.tmp.env(rank=0, world_size=4)
        train.train(parse(train, "--method", "full", "--fsdp", "true"), env, "org/base", SFT_EXAMPLES, None)
        config = self.call("SFTTrainer")[2]["args"]
        self.assertEqual((config.fsdp, config.gradient_checkpointing, config.fsdp_config["activation_checkpointing"]), ("full_shard auto_wrap", False, True))
        self.assertNotIn("device_map", self.call("AutoModelForCausalLM.from_pretrained")[2])
        self.assertEqual(self.call("set_state_dict_type")[1], ("FULL_STATE_DICT",))  # one consolidated model to serve


class ResumeTest(FlowTestCase):
    """A managed spot job restarted after an interruption finds /opt/ml/checkpoints restored from S3."""

    def lay_out_checkpoints(self):
        self.tmp.file("checkpoints/checkpoint-100/model.safetensors")
        self.tmp.file("checkpoints/checkpoint-100/trainer_state.json", "{}")
        self.tmp.file("checkpoints/checkpoint-200/model.safetensors")  # cut short by the interruption: no trainer_state.json
        return self.path("checkpoints", "checkpoint-100")

    def test_train_resumes_from_the_latest_complete_checkpoint(self):
        complete = self.lay_out_checkpoints()
        metrics = train.train(parse(train), self.tmp.env(), "org/base", SFT_EXAMPLES, None)
        self.assertEqual(self.call("train")[2], {"resume_from_checkpoint": complete})
        self.assertEqual(metrics["resumed_from_checkpoint"], complete)

    def test_dpo_resumes_from_the_latest_complete_checkpoint(self):
        complete = self.lay_out_checkpoints()
        pairs = [PreferenceExample(({"role": "user", "content": "short question"},), "good", "bad")]
        metrics = dpo.align(parse(dpo), self.tmp.env(), "org/base", pairs, None)
        self.assertEqual(self.call("train")[2], {"resume_from_checkpoint": complete})
        self.assertEqual(metrics["resumed_from_checkpoint"], complete)


class MergePlacementFlowTest(FlowTestCase):
    """Where the adapter is merged: on a GPU that has room for the bf16 base once the trainer is released, else on the CPU."""

    def merge_load(self):
        return self.call("AutoModelForCausalLM.from_pretrained", 1)[2]

    def test_the_trainer_is_released_before_the_gpu_memory_is_measured(self):
        train.train(parse(train), self.tmp.env(), "org/base", SFT_EXAMPLES, None)
        names = [c[0] for c in self.calls]
        merge_load = [i for i, n in enumerate(names) if n == "AutoModelForCausalLM.from_pretrained"][1]
        self.assertLess(names.index("accelerator.free_memory"), names.index("empty_cache"))
        self.assertLess(names.index("empty_cache"), names.index("mem_get_info"))
        self.assertLess(names.index("mem_get_info"), merge_load)
        trainer = self.call("SFTTrainer")[2]["trainer"]
        self.assertEqual([trainer.model, trainer.model_wrapped, trainer.optimizer, trainer.lr_scheduler], [None] * 4)
        handler = trainer.callback_handler
        self.assertEqual([handler.model, handler.optimizer, handler.lr_scheduler], [None] * 3)

    def test_out_of_gpu_memory_on_the_merge_falls_back_to_the_cpu(self):
        self.modules["transformers"].AutoModelForCausalLM.out_of_memory_on = {"": 0}
        metrics = train.train(parse(train), self.tmp.env(), "org/base", SFT_EXAMPLES, None)
        loads = self.calls.named("AutoModelForCausalLM.from_pretrained")
        self.assertEqual([load[2].get("device_map") for load in loads], ["auto", {"": 0}, None])
        self.assertEqual(len(self.calls.named("merge_and_unload")), 1)
        self.assertEqual(self.call("model.save_pretrained")[2]["max_shard_size"], "2GB")
        self.assertEqual(metrics["merge"]["device"], "cpu")
        self.assertTrue(metrics["merge"]["reason"].endswith(", but ran out of GPU memory"), metrics["merge"]["reason"])


class SmallGpuMergeTest(FlowTestCase):
    free = (1 << 20,)  # 1 MiB: no room for the base and its headroom

    def test_a_base_the_gpu_cannot_hold_merges_on_the_cpu(self):
        metrics = train.train(parse(train), self.tmp.env(), "org/base", SFT_EXAMPLES, None)
        _, (source,), load = self.call("AutoModelForCausalLM.from_pretrained", 1)
        self.assertEqual((source, load), ("org/base", {"dtype": "bfloat16", "trust_remote_code": False}))  # no device map: the CPU
        self.assertEqual(self.call("model.save_pretrained")[2]["max_shard_size"], "2GB")
        self.assertEqual(metrics["merge"]["device"], "cpu")
        self.assertIn("the most free on a GPU is 0.0 GiB (cuda:0)", metrics["merge"]["reason"])


class TorchrunMergeTest(FlowTestCase):
    free = (1 << 20, 70 * fakes.GiB)  # rank 0's own GPU is full; the other GPU belongs to rank 1

    def test_rank_0_measures_only_its_own_gpu(self):
        metrics = train.train(parse(train, "--method", "qlora"), self.tmp.env(rank=0, world_size=2), "org/base", SFT_EXAMPLES, None)
        self.assertEqual([c[1] for c in self.calls.named("mem_get_info")], [(0,)])
        self.assertNotIn("device_map", self.call("AutoModelForCausalLM.from_pretrained", 1)[2])
        self.assertEqual((metrics["output"], metrics["merge"]["device"]), ("merged", "cpu"))


class DpoTest(FlowTestCase):
    def test_lora_dpo_drops_long_prompts_and_uses_the_base_as_reference(self):
        pairs = [
            PreferenceExample(({"role": "user", "content": "short question"},), "good", "bad"),
            PreferenceExample(({"role": "user", "content": " ".join(["word"] * 40)},), "good", "bad"),
        ]
        env = self.tmp.env()
        metrics = dpo.align(parse(dpo, "--max-prompt-length", "16", "--max-length", "64"), env, "org/base", pairs, None)
        trainer = self.call("DPOTrainer")[2]
        self.assertIsNone(trainer["ref_model"])
        config = trainer["args"]
        self.assertEqual((config.beta, config.loss_type, config.max_length, config.learning_rate, config.num_train_epochs), (0.1, "sigmoid", 64, 5e-6, 1.0))
        self.assertFalse(hasattr(config, "max_prompt_length"))  # left out where trl no longer has it
        self.assertEqual(trainer["train_dataset"], [{"prompt": [{"role": "user", "content": "short question"}],
                                                     "chosen": [{"role": "assistant", "content": "good"}],
                                                     "rejected": [{"role": "assistant", "content": "bad"}]}])
        self.assertEqual((metrics["dropped_long_prompts"], metrics["train_examples"], metrics["output"]), (1, 1, "merged"))
        self.assertEqual((metrics["train_reward_accuracy"], metrics["train_reward_margin"]), (0.75, 0.5))
        self.assertEqual(metrics["hyperparameters"]["beta"], 0.1)
        released = trainer["trainer"]
        self.assertEqual([released.model, released.optimizer, released.ref_model], [None, None, None])
        self.assertEqual((self.call("AutoModelForCausalLM.from_pretrained", 1)[2]["device_map"], metrics["merge"]["device"]), ({"": 0}, "cuda:0"))


class EvaluateTest(FlowTestCase):
    def test_an_adapter_is_merged_into_its_base_and_decoding_is_greedy(self):
        self.tmp.file("model/adapter_config.json", "{}")
        args = parse(evaluate, "--max-new-tokens", "32")
        answers = evaluate.answers_of(self.path("model"), "org/base", args, [e.messages for e in SFT_EXAMPLES] * 3)
        self.assertEqual(answers, ["answer"] * 3)
        self.assertEqual(self.call("AutoModelForCausalLM.from_pretrained")[1], ("org/base",))
        self.assertEqual(self.call("PeftModel.from_pretrained")[1], ("org/base", self.path("model")))
        self.assertEqual(self.call("AutoTokenizer.from_pretrained")[1], ("org/base",))  # the adapter has no tokenizer files
        self.assertEqual(self.call("generate")[2], {"max_new_tokens": 32, "do_sample": False})
        tokenized = [c for c in self.calls.named("tokenize") if c[2].get("return_tensors") == "pt"][0]
        self.assertEqual((tokenized[2]["max_length"], tokenized[2]["add_special_tokens"]), (2048, False))  # the chat template has its BOS
        self.call("empty_cache")

    def test_generation_settings_from_sagemaker_hyperparameters(self):
        self.tmp.file("model/config.json", "{}")
        path = self.tmp.file("input/config/hyperparameters.json", json.dumps({"batch-size": "2", "max-input-length": "512", "max-new-tokens": "64"}))
        args = parse(evaluate, *sagemaker_argv(path))
        answers = evaluate.answers_of(self.path("model"), None, args, [e.messages for e in SFT_EXAMPLES] * 5)
        self.assertEqual(answers, ["answer"] * 5)
        self.assertEqual([c[2] for c in self.calls.named("generate")], [{"max_new_tokens": 64, "do_sample": False}] * 3)
        tokenized = [c for c in self.calls.named("tokenize") if c[2].get("return_tensors") == "pt"]
        self.assertEqual([(len(c[1][0]), c[2]["max_length"]) for c in tokenized], [(2, 512), (2, 512), (1, 512)])  # 5 prompts, batches of 2


if __name__ == "__main__":
    unittest.main()
