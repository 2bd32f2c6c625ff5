"""GPU-side helpers shared by train.py, dpo.py and evaluate.py.

Loading the tokenizer and the model (fp32 master weights for full fine-tuning, a bf16 base for LoRA, a 4-bit
NF4 base for QLoRA), wrapping it with LoRA adapters, saving what a job produces (full weights, an adapter, or
the adapter merged into the base), and greedy batched generation. Every function imports torch, transformers
and peft when it is called, so importing this module costs nothing on a machine without them.
"""
from __future__ import annotations

import gc
import logging
import os
from typing import Any, Callable, Mapping, Sequence

import common
import records

log = logging.getLogger("training")

# transformers 5 saves a model as one safetensors file unless told otherwise (max_shard_size "50GB"), and
# safetensors builds a whole shard's bytes in host memory before writing it: a 7.6B model at bf16 would need
# another 15 GB of host RAM on top of the weights. lib/sizing/training.ts counts one shard of this size in the
# training instance's host memory: change the two together. "GB" is decimal (2 * 10^9 bytes); a tensor larger
# than that (the embedding of a 70B model, about 2.5 GB) gets a shard of its own. Full fine-tuning saves its
# weights in the same shards.
MERGE_MAX_SHARD_SIZE = "2GB"
# Room on the GPU beyond the bf16 base for a merge there: the delta of the layer being merged (B @ A in fp32,
# up to about 1 GB for a 70B model's MLP), cuBLAS workspaces and allocator fragmentation. ⚠ an estimate.
MERGE_GPU_HEADROOM_BYTES = 1 << 30
MERGE_GPU_HEADROOM_FRACTION = 0.10


def precision() -> str:
    """bf16 where the GPU has it; fp16 on GPUs without bf16 (T4 on g4dn); fp32 without a GPU (tests, CPU runs)."""
    import torch

    if not torch.cuda.is_available():
        return "fp32"
    return "bf16" if _native_bf16(torch) else "fp16"


def _native_bf16(torch: Any) -> bool:
    # By default is_bf16_supported() also counts emulation, which answers True on a T4 (Turing, compute
    # capability 7.5): training would run bf16 emulated, several times slower, while reporting bf16.
    try:
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # a torch before 2.4 has no including_emulation; native bf16 starts with Ampere (8.0)
        return torch.cuda.get_device_capability()[0] >= 8


def start_run(method: str, seed: int) -> tuple[dict[str, str | None], str, Any]:
    """Logs the library versions, seeds every random generator and picks the precision, refusing QLoRA without a GPU.

    Returns the library versions (for training_metrics.json), the precision's name and its torch dtype.
    """
    import transformers

    libraries = common.library_versions()
    log.info("libraries: %s", libraries)
    transformers.set_seed(seed)
    name = precision()
    if method == "qlora" and name == "fp32":
        raise RuntimeError("QLoRA needs a CUDA GPU (bitsandbytes 4-bit); this host has none")
    return libraries, name, torch_dtype(name)


def torch_dtype(name: str) -> Any:
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[name]


def load_tokenizer(source: str, trust_remote_code: bool) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    if tokenizer.pad_token is None:
        # Llama-family tokenizers have no pad token; padding positions are masked out, so any token will do.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def chat_template_support(tokenizer: Any) -> tuple[bool, bool]:
    """(has a chat template, the template accepts a system turn). Base models without a template use plain text."""
    if not getattr(tokenizer, "chat_template", None):
        return False, False
    try:
        tokenizer.apply_chat_template([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
                                      tokenize=False, add_generation_prompt=True)
        return True, True
    except Exception:  # templates signal an unsupported system role by raising (a Jinja exception)
        return True, False


def prompt_renderer(tokenizer: Any, conversational: bool, system_role: bool) -> Callable[[Sequence[dict]], str]:
    """Messages -> the exact prompt text the model saw in training (chat template or the plain rendering)."""
    def render(messages: Sequence[dict]) -> str:
        if conversational:
            return tokenizer.apply_chat_template(records.prompt_messages(messages, system_role), tokenize=False, add_generation_prompt=True)
        return records.plain_prompt(messages)
    return render


def load_model(source: str, method: str, env: common.SageMakerEnv, dtype: Any, attn_implementation: str,
               trust_remote_code: bool, fsdp: bool = False) -> Any:
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code, "attn_implementation": attn_implementation}
    if method == "qlora":
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=dtype)
        kwargs["dtype"] = dtype
    elif method == "lora":
        kwargs["dtype"] = dtype  # the frozen base; peft keeps the adapter weights in fp32
    else:
        # Mixed precision: fp32 master weights and optimizer states, bf16 autocast. This is the 18 bytes per
        # parameter the kit's sizing engine counts for full fine-tuning.
        kwargs["dtype"] = torch.float32
    device_map = None if fsdp else common.device_map_for(method, env)
    if device_map is not None:
        kwargs["device_map"] = device_map
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    model.config.use_cache = False  # the KV cache is useless in training and clashes with gradient checkpointing
    return model


def apply_lora(model: Any, args: Any, method: str, gradient_checkpointing: bool) -> Any:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if method == "qlora":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing,
                                                gradient_checkpointing_kwargs={"use_reentrant": False})
    elif gradient_checkpointing:
        model.enable_input_require_grads()  # the frozen embeddings must still pass gradients to the adapters
    targets = args.lora_target_modules
    config = LoraConfig(
        r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
        target_modules="all-linear" if list(targets) == ["all-linear"] else list(targets),
        bias="none", task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    trainable, total = model.get_nb_trainable_parameters()
    log.info("LoRA r=%d alpha=%d on %s: %s trainable of %s parameters", args.lora_r, args.lora_alpha, config.target_modules, f"{trainable:,}", f"{total:,}")
    return model


def save_trained(trainer: Any, tokenizer: Any, method: str, merge_adapter: bool, env: common.SageMakerEnv, dtype: Any) -> tuple[str, str | None]:
    """Saves the trained weights; every rank calls it (saving gathers state). Returns (output kind, adapter dir to merge).

    - full: the whole model at the training precision's compute dtype (bf16), in /opt/ml/model.
    - adapter (merge false): adapter_config.json + adapter_model.safetensors in /opt/ml/model, for LoRA serving.
    - merged (merge true): the adapter goes to <output data>/adapter; the caller merges it into a fresh
      copy of the base once the trainer's GPU memory is released (merge_adapter).
    """
    trainer.accelerator.unwrap_model(trainer.model).config.use_cache = True  # for serving
    if method == "full":
        _save_full(trainer, env, dtype)
        if env.is_main_process:
            tokenizer.save_pretrained(env.model_dir)
        return "full", None
    target = env.model_dir if not merge_adapter else os.path.join(env.output_data_dir, "adapter")
    trainer.save_model(target)  # the Trainer writes on the main process only
    if env.is_main_process:
        tokenizer.save_pretrained(target)
    return ("merged", target) if merge_adapter else ("adapter", None)


def _save_full(trainer: Any, env: common.SageMakerEnv, dtype: Any) -> None:
    accelerator = trainer.accelerator
    if getattr(trainer, "is_fsdp_enabled", False):
        # Sharded checkpoints resume a job; serving needs one consolidated state dict.
        accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    state_dict = accelerator.get_state_dict(trainer.model)  # a collective under FSDP: every rank must call it
    if not env.is_main_process:
        return
    model = accelerator.unwrap_model(trainer.model)
    # fp32 master weights would double the artifact and the serving container's load time: store bf16.
    cast: dict[int, Any] = {}
    out = {}
    for key, tensor in state_dict.items():
        if tensor.is_floating_point():
            ptr = tensor.data_ptr()
            if ptr not in cast:  # tied weights (embeddings and lm_head) stay one tensor
                cast[ptr] = tensor.detach().to(device="cpu", dtype=dtype)
            out[key] = cast[ptr]
        else:
            out[key] = tensor.detach().cpu()
    model.config.dtype = dtype
    model.save_pretrained(env.model_dir, state_dict=out, max_shard_size=MERGE_MAX_SHARD_SIZE)


def release_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def release_trainer(trainer: Any) -> None:
    """Drops every reference the trainer holds to the model, the optimizer and the scheduler.

    The caller then deletes its own references and calls release_memory(). Deleting the trainer alone can leave
    the weights and optimizer states alive: the accelerator, the callback handler and (DPO) the reference model
    hold them too, and the merge that follows needs that memory.
    """
    trainer.accelerator.free_memory()
    for holder, names in ((trainer, ("model", "model_wrapped", "optimizer", "lr_scheduler", "ref_model")),
                          (getattr(trainer, "callback_handler", None), ("model", "optimizer", "lr_scheduler"))):
        for name in names:
            if holder is not None and hasattr(holder, name):
                setattr(holder, name, None)


def base_weight_bytes(model: Any, dtype: Any) -> int:
    """The size of a PEFT model's base weights at `dtype`, adapters left out: what a merge loads.

    peft counts a 4-bit parameter as the weights it packs, so a QLoRA model gives its bf16 size too.
    """
    trainable, total = model.get_nb_trainable_parameters()
    return (total - trainable) * dtype.itemsize


def merge_placement(weight_bytes: int, free_bytes: Mapping[int, int]) -> tuple[int | None, str]:
    """Where to merge an adapter: (the GPU's index, or None for the CPU; why), from each usable GPU's free memory.

    A GPU is chosen only if the whole base fits on it with headroom: spread over several GPUs, the loader could
    put layers on the disk when its own reservations leave no room, which fails the job after training. A base
    that fits no single GPU merges on the CPU, which the training instance's host memory is sized for.
    """
    needed = weight_bytes + MERGE_GPU_HEADROOM_BYTES + int(weight_bytes * MERGE_GPU_HEADROOM_FRACTION)
    wanted = f"{_gib(weight_bytes)} of base weights + {_gib(needed - weight_bytes)} headroom"
    if not free_bytes:
        return None, f"no GPU; {wanted} go to host memory"
    index = max(sorted(free_bytes), key=lambda i: free_bytes[i])
    if free_bytes[index] >= needed:
        return index, f"cuda:{index} has {_gib(free_bytes[index])} free for {wanted}"
    return None, f"{_gib(needed)} needed ({wanted}); the most free on a GPU is {_gib(free_bytes[index])} (cuda:{index})"


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def merge_adapter(base_source: str, adapter_dir: str, out_dir: str, dtype: Any, trust_remote_code: bool,
                  weight_bytes: int, env: common.SageMakerEnv) -> dict[str, Any]:
    """Merges a LoRA/QLoRA adapter into the base weights, so the output serves without peft. Returns where it ran.

    The base is reloaded at bf16 rather than merged into the training copy: a QLoRA base is 4-bit (merging there
    would round the result to NF4). It goes to a GPU when one has room for it once the trainer is released
    (release_trainer): faster, and host memory holds only the shard being written. Otherwise to the CPU.
    """
    import torch

    index, reason = merge_placement(weight_bytes, _free_gpu_memory(torch, env))
    merged = None
    if index is not None:
        log.info("merging the adapter on cuda:%d: %s", index, reason)
        try:
            merged = _merged_model(base_source, adapter_dir, dtype, trust_remote_code, {"": index})
        except torch.cuda.OutOfMemoryError as error:
            # The estimate was short (an unusual architecture, fragmentation): the CPU still can, so the
            # training just done is not lost.
            log.warning("merging on cuda:%d ran out of GPU memory (%s); merging on the CPU", index, error)
            index, reason = None, f"{reason}, but ran out of GPU memory"
        if merged is None:
            release_memory()  # what the failed attempt allocated
    if merged is None:
        log.info("merging the adapter on the CPU: %s", reason)
        merged = _merged_model(base_source, adapter_dir, dtype, trust_remote_code, None)
    merged.config.use_cache = True
    merged.save_pretrained(out_dir, max_shard_size=MERGE_MAX_SHARD_SIZE)
    where = "cpu" if index is None else f"cuda:{index}"
    log.info("merged the adapter into %s on %s: %s", base_source, where, out_dir)
    return {"device": where, "reason": reason, "base_weight_bytes": weight_bytes, "max_shard_size": MERGE_MAX_SHARD_SIZE}


def _free_gpu_memory(torch: Any, env: common.SageMakerEnv) -> dict[int, int]:
    """Free bytes of each GPU this process may merge on.

    Under torchrun only its own GPU: the other ranks' processes may still hold theirs.
    """
    if not torch.cuda.is_available():
        return {}
    indices = [env.local_rank] if env.is_distributed else range(torch.cuda.device_count())
    return {i: torch.cuda.mem_get_info(i)[0] for i in indices}


def _merged_model(base_source: str, adapter_dir: str, dtype: Any, trust_remote_code: bool, device_map: Any) -> Any:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": trust_remote_code}
    if device_map is not None:
        kwargs["device_map"] = device_map
    base = AutoModelForCausalLM.from_pretrained(base_source, **kwargs)
    return PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()


def load_for_generation(model_dir: str, base_source: str | None, trust_remote_code: bool) -> tuple[Any, Any]:
    """A model to generate with (an adapter is merged into its base) and its tokenizer, spread over the GPUs."""
    from transformers import AutoModelForCausalLM

    dtype = torch_dtype(precision())
    kwargs = {"dtype": dtype, "device_map": "auto", "trust_remote_code": trust_remote_code}
    if common.is_adapter_dir(model_dir):
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(base_source, **kwargs)
        model = PeftModel.from_pretrained(base, model_dir).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    has_tokenizer = os.path.isfile(os.path.join(model_dir, "tokenizer_config.json"))
    tokenizer = load_tokenizer(model_dir if has_tokenizer or not base_source else base_source, trust_remote_code)
    model.eval()
    return model, tokenizer


def make_generate(model: Any, tokenizer: Any, max_new_tokens: int, max_input_length: int) -> Callable[[list[Sequence[dict]]], list[str]]:
    """A batch generator: prompts (message lists) -> greedy completions, without the prompt, stripped."""
    import torch

    conversational, system_role = chat_template_support(tokenizer)
    render = prompt_renderer(tokenizer, conversational, system_role)
    tokenizer.padding_side = "left"  # decoder-only models continue from the last position: pad on the left
    tokenizer.truncation_side = "left"  # an over-long prompt keeps its end, where the question is

    def generate(prompts: list[Sequence[dict]]) -> list[str]:
        texts = [render(p) for p in prompts]
        batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=max_input_length,
                          add_special_tokens=not conversational).to(model.device)  # a chat template has its own BOS
        with torch.inference_mode():
            output = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        new_tokens = output[:, batch["input_ids"].shape[1]:]
        return [text.strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]

    return generate
