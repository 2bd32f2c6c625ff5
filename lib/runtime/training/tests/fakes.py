"""Stand-ins for torch, transformers, trl, peft and datasets that record how the scripts call them.

Not a simulation of training: they let train(), align(), the evaluation and modeling.py run end to end on a
machine without the GPU stack, so that the wiring (arguments, order, what is saved where) is checked.
The attribute and argument names are those of transformers 5.3, trl 0.28 and peft 0.18.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import types
from typing import Any


class Calls(list):
    """(name, args, kwargs) of every recorded call, in order."""

    def named(self, name: str) -> list[tuple[str, tuple, dict]]:
        return [c for c in self if c[0] == name]


GiB = 1 << 30


class DType(str):
    """A torch dtype: compares equal to its name, and has torch's itemsize (bytes per element)."""

    def __new__(cls, name: str, itemsize: int):
        dtype = super().__new__(cls, name)
        dtype.itemsize = itemsize
        return dtype


class OutOfMemoryError(RuntimeError):
    pass


class Cuda:
    """torch.cuda on an instance's GPUs: compute capability (shared) and free memory per device.

    is_bf16_supported follows torch 2.9: native from compute capability 8 (Ampere); an older GPU (a T4 is 7.5)
    still answers True by emulation unless including_emulation=False.
    """

    OutOfMemoryError = OutOfMemoryError

    def __init__(self, calls: Calls, capability: tuple[int, int] = (8, 0), free: tuple[int, ...] = (70 * GiB,), total: int = 80 * GiB):
        self.calls, self.capability, self.free, self.total = calls, capability, list(free), total

    def is_available(self) -> bool:
        return bool(self.free)

    def is_bf16_supported(self, including_emulation: bool = True) -> bool:
        return self.capability[0] >= 8 or including_emulation

    def get_device_capability(self, device=None) -> tuple[int, int]:
        return self.capability

    def device_count(self) -> int:
        return len(self.free)

    def mem_get_info(self, device=None) -> tuple[int, int]:
        self.calls.append(("mem_get_info", (device,), {}))
        return self.free[device or 0], self.total

    def empty_cache(self) -> None:
        self.calls.append(("empty_cache", (), {}))


def make_modules(calls: Calls, bf16: bool = True, free: tuple[int, ...] = (70 * GiB,)) -> dict[str, types.ModuleType]:
    """bf16=False is a T4 (compute capability 7.5: bf16 only by emulation); `free` is each GPU's free memory."""
    torch = types.ModuleType("torch")
    torch.bfloat16, torch.float16, torch.float32 = DType("bfloat16", 2), DType("float16", 2), DType("float32", 4)
    torch.cuda = Cuda(calls, (8, 0) if bf16 else (7, 5), free)
    torch.inference_mode = contextlib.nullcontext

    class Tensor:
        def __init__(self, rows):
            self.rows = rows
            self.shape = (len(rows), max((len(r) for r in rows), default=0))

        def __getitem__(self, index):
            _, cols = index
            return Tensor([r[cols] for r in self.rows])

        def is_floating_point(self):
            return True

        def data_ptr(self):
            return id(self)

        def detach(self):
            return self

        def to(self, device=None, dtype=None):
            return self

        def cpu(self):
            return self

    class Encoding(dict):
        def to(self, device):
            return self

    class Tokenizer:
        def __init__(self, source, chat_template="{{ messages }}"):
            self.source, self.chat_template = source, chat_template
            self.pad_token, self.eos_token, self.pad_token_id = None, "</s>", 0

        def apply_chat_template(self, messages, tokenize, add_generation_prompt):
            return "".join(f"<{m['role']}>{m['content']}" for m in messages) + ("<assistant>" if add_generation_prompt else "")

        def __call__(self, texts, **kwargs):
            calls.append(("tokenize", (texts,), kwargs))
            if isinstance(texts, str):
                return {"input_ids": texts.split()}
            rows = [t.split() for t in texts]
            width = max(len(r) for r in rows)
            return Encoding(input_ids=Tensor([["<pad>"] * (width - len(r)) + r for r in rows]))  # left padding

        def batch_decode(self, tensor, skip_special_tokens):
            return [" " + " ".join(r) + " " for r in tensor.rows]

        def save_pretrained(self, directory):
            calls.append(("tokenizer.save_pretrained", (directory,), {}))
            _write(directory, "tokenizer_config.json")

    class Config(types.SimpleNamespace):
        pass

    class Model:
        def __init__(self, source, **kwargs):
            self.source, self.kwargs = source, kwargs
            self.config = Config(use_cache=True)
            self.device = "cuda:0"

        def save_pretrained(self, directory, state_dict=None, max_shard_size="50GB"):  # transformers 5's default shard size
            calls.append(("model.save_pretrained", (directory,), {"source": self.source, "state_dict": state_dict, "dtype": getattr(self.config, "dtype", None),
                                                                  "max_shard_size": max_shard_size, "device_map": self.kwargs.get("device_map")}))
            _write(directory, "config.json")

        def enable_input_require_grads(self):
            calls.append(("enable_input_require_grads", (), {}))

        def eval(self):
            return self

        def generate(self, input_ids, max_new_tokens, do_sample, pad_token_id):
            calls.append(("generate", (), {"max_new_tokens": max_new_tokens, "do_sample": do_sample}))
            return Tensor([r + ["answer"] for r in input_ids.rows])

    class AutoTokenizer:
        @staticmethod
        def from_pretrained(source, trust_remote_code):
            calls.append(("AutoTokenizer.from_pretrained", (source,), {"trust_remote_code": trust_remote_code}))
            return Tokenizer(source)

    class AutoModelForCausalLM:
        out_of_memory_on = None  # a device_map whose load runs out of GPU memory

        @classmethod
        def from_pretrained(cls, source, **kwargs):
            calls.append(("AutoModelForCausalLM.from_pretrained", (source,), kwargs))
            if cls.out_of_memory_on is not None and kwargs.get("device_map") == cls.out_of_memory_on:
                raise OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")
            return Model(source, **kwargs)

    class BitsAndBytesConfig:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def __eq__(self, other):
            return isinstance(other, BitsAndBytesConfig) and other.kwargs == self.kwargs

    transformers = types.ModuleType("transformers")
    transformers.AutoTokenizer, transformers.AutoModelForCausalLM = AutoTokenizer, AutoModelForCausalLM
    transformers.BitsAndBytesConfig = BitsAndBytesConfig
    transformers.set_seed = lambda seed: calls.append(("set_seed", (seed,), {}))

    # trl: configs are dataclasses (the scripts read their fields to drop unknown arguments).
    training_fields = ["output_dir", "num_train_epochs", "max_steps", "learning_rate", "lr_scheduler_type", "warmup_steps", "weight_decay",
                       "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps", "gradient_checkpointing",
                       "gradient_checkpointing_kwargs", "bf16", "fp16", "logging_steps", "logging_first_step", "save_strategy", "save_steps",
                       "save_total_limit", "eval_strategy", "seed", "data_seed", "report_to", "disable_tqdm", "fsdp", "fsdp_config"]
    SFTConfig = dataclasses.make_dataclass("SFTConfig", [(f, Any, None) for f in training_fields + ["max_length", "packing", "completion_only_loss"]])
    # trl after 0.28 has no max_prompt_length: the fake leaves it out, so the optional-argument path runs.
    DPOConfig = dataclasses.make_dataclass("DPOConfig", [(f, Any, None) for f in training_fields + ["beta", "loss_type", "max_length", "precompute_ref_log_probs"]])

    class Accelerator:
        state = types.SimpleNamespace(fsdp_plugin=types.SimpleNamespace(
            set_state_dict_type=lambda kind: calls.append(("set_state_dict_type", (kind,), {}))))

        def unwrap_model(self, model):
            return model

        def free_memory(self, *objects):
            calls.append(("accelerator.free_memory", objects, {}))
            return [None] * len(objects)

        def get_state_dict(self, model):
            calls.append(("get_state_dict", (), {}))
            shared = Tensor([[1.0]])
            return {"embed.weight": shared, "lm_head.weight": shared}

    class Trainer:
        def __init__(self, model, args, train_dataset, eval_dataset, processing_class, ref_model="absent"):
            calls.append((type(self).__name__, (), {"model": model, "args": args, "train_dataset": train_dataset,
                                                    "eval_dataset": eval_dataset, "ref_model": ref_model, "trainer": self}))
            self.model, self.args = model, args
            self.model_wrapped, self.optimizer, self.lr_scheduler = model, object(), object()
            if ref_model != "absent":
                self.ref_model = ref_model
            # transformers' CallbackHandler keeps its own references to the model, optimizer and scheduler.
            self.callback_handler = types.SimpleNamespace(model=model, optimizer=self.optimizer, lr_scheduler=self.lr_scheduler)
            self.accelerator = Accelerator()
            self.is_fsdp_enabled = bool(args.fsdp)
            self.state = types.SimpleNamespace(epoch=1.0, log_history=[{"loss": 1.0, "rewards/accuracies": 0.75, "rewards/margins": 0.5}])

        def train(self, resume_from_checkpoint=None):
            calls.append(("train", (), {"resume_from_checkpoint": resume_from_checkpoint}))
            return types.SimpleNamespace(training_loss=0.5, global_step=7)

        def evaluate(self):
            return {"eval_loss": 0.25}

        def save_model(self, directory):
            calls.append(("save_model", (directory,), {}))
            _write(directory, "adapter_config.json" if isinstance(self.model, PeftModel) else "config.json")

    class SFTTrainer(Trainer):
        pass

    class DPOTrainer(Trainer):
        pass

    trl = types.ModuleType("trl")
    trl.SFTConfig, trl.DPOConfig, trl.SFTTrainer, trl.DPOTrainer = SFTConfig, DPOConfig, SFTTrainer, DPOTrainer

    class PeftModel:
        def __init__(self, base, config=None, adapter_dir=None):
            self.base, self.peft_config, self.adapter_dir = base, config, adapter_dir
            self.config = base.config

        @classmethod
        def from_pretrained(cls, base, adapter_dir):
            calls.append(("PeftModel.from_pretrained", (base.source, adapter_dir), {}))
            return cls(base, adapter_dir=adapter_dir)

        def merge_and_unload(self):
            calls.append(("merge_and_unload", (), {}))
            return self.base

        def get_nb_trainable_parameters(self):
            return 1000, 1000000

    class LoraConfig:
        def __init__(self, **kwargs):
            self.kwargs = kwargs
            self.target_modules = kwargs["target_modules"]

    peft = types.ModuleType("peft")
    peft.PeftModel, peft.LoraConfig = PeftModel, LoraConfig
    peft.get_peft_model = lambda model, config: calls.append(("get_peft_model", (), {"config": config.kwargs})) or PeftModel(model, config)

    def prepare(model, use_gradient_checkpointing, gradient_checkpointing_kwargs):
        calls.append(("prepare_model_for_kbit_training", (), {"use_gradient_checkpointing": use_gradient_checkpointing}))
        return model

    peft.prepare_model_for_kbit_training = prepare

    datasets = types.ModuleType("datasets")
    datasets.Dataset = types.SimpleNamespace(from_list=lambda rows: list(rows))

    return {"torch": torch, "transformers": transformers, "trl": trl, "peft": peft, "datasets": datasets}


def _write(directory: str, name: str) -> None:
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
        json.dump({}, f)
