"""modeling.py's decisions: the training precision by GPU, and where an adapter is merged into its base."""
from __future__ import annotations

import sys
import types
import unittest
from unittest import mock

import modeling
from tests import fakes

GiB = fakes.GiB
GB = 10 ** 9


class PrecisionTest(unittest.TestCase):
    def precision(self, **gpu):
        torch = fakes.make_modules(fakes.Calls())["torch"]
        for name, value in gpu.items():
            setattr(torch.cuda, name, value)
        with mock.patch.dict(sys.modules, {"torch": torch}):
            return modeling.precision()

    def test_a_t4_trains_in_fp16_although_torch_emulates_bf16_there(self):
        t4 = fakes.Cuda(fakes.Calls(), capability=(7, 5))
        self.assertTrue(t4.is_bf16_supported())  # torch's default counts emulation
        self.assertFalse(t4.is_bf16_supported(including_emulation=False))
        self.assertEqual(self.precision(capability=(7, 5)), "fp16")

    def test_ampere_and_later_train_in_bf16(self):
        for capability in ((8, 0), (8, 6), (8, 9), (9, 0)):  # A100, A10G, L4, H100
            with self.subTest(capability=capability):
                self.assertEqual(self.precision(capability=capability), "bf16")

    def test_without_a_gpu_fp32(self):
        self.assertEqual(self.precision(free=[]), "fp32")

    def test_a_torch_without_the_emulation_keyword_reads_the_compute_capability(self):
        self.assertEqual(self.precision(capability=(7, 5), is_bf16_supported=lambda: True), "fp16")
        self.assertEqual(self.precision(capability=(8, 0), is_bf16_supported=lambda: True), "bf16")


class MergePlacementTest(unittest.TestCase):
    """merge_placement: the bf16 base plus headroom against each GPU's free memory."""

    QWEN_7B = 7_615_616_512 * 2  # Qwen2.5-7B at bf16: 15.2 GB

    def test_a_7b_base_merges_on_an_a10g_once_the_trainer_is_released(self):
        index, reason = modeling.merge_placement(self.QWEN_7B, {0: 21 * GiB})
        self.assertEqual(index, 0)
        self.assertEqual(reason, "cuda:0 has 21.0 GiB free for 14.2 GiB of base weights + 2.4 GiB headroom")

    def test_a_7b_base_does_not_fit_a_t4(self):
        index, reason = modeling.merge_placement(self.QWEN_7B, {0: 14 * GiB})
        self.assertIsNone(index)
        self.assertEqual(reason, "16.6 GiB needed (14.2 GiB of base weights + 2.4 GiB headroom); the most free on a GPU is 14.0 GiB (cuda:0)")

    def test_the_gpu_with_the_most_free_memory_is_chosen(self):
        self.assertEqual(modeling.merge_placement(self.QWEN_7B, {0: 10 * GiB, 1: 30 * GiB, 2: 20 * GiB})[0], 1)
        self.assertEqual(modeling.merge_placement(self.QWEN_7B, {0: 30 * GiB, 1: 30 * GiB})[0], 0)

    def test_the_base_must_fit_one_gpu(self):
        # 8 x 24 GB hold a 70B model at bf16 together, but none alone: the CPU, not a layer spread that may reach the disk.
        index, _ = modeling.merge_placement(70 * GB * 2, {i: 22 * GiB for i in range(8)})
        self.assertIsNone(index)

    def test_the_headroom_is_a_fixed_gibibyte_and_a_tenth_of_the_weights(self):
        weights = 10 * GiB
        needed = weights + modeling.MERGE_GPU_HEADROOM_BYTES + weights // 10
        self.assertEqual(needed, 12 * GiB)
        self.assertEqual(modeling.merge_placement(weights, {0: needed})[0], 0)
        self.assertIsNone(modeling.merge_placement(weights, {0: needed - 1})[0])

    def test_without_a_gpu_the_cpu(self):
        self.assertEqual(modeling.merge_placement(self.QWEN_7B, {}), (None, "no GPU; 14.2 GiB of base weights + 2.4 GiB headroom go to host memory"))


class MergeSizesTest(unittest.TestCase):
    def test_the_shard_size_is_the_figure_the_host_memory_sizing_counts(self):
        # lib/sizing/training.ts counts one shard of this size being serialized in host memory.
        self.assertEqual(modeling.MERGE_MAX_SHARD_SIZE, "2GB")

    def test_the_base_weights_leave_the_adapters_out(self):
        calls = fakes.Calls()
        modules = fakes.make_modules(calls)
        peft, torch = modules["peft"], modules["torch"]
        model = peft.PeftModel(types.SimpleNamespace(config=None))  # 1,000 trainable of 1,000,000 parameters
        self.assertEqual(modeling.base_weight_bytes(model, torch.bfloat16), 999_000 * 2)
        self.assertEqual(modeling.base_weight_bytes(model, torch.float32), 999_000 * 4)


class ReleaseTrainerTest(unittest.TestCase):
    def test_every_reference_to_the_model_and_optimizer_is_dropped(self):
        freed = []
        model, optimizer, scheduler = object(), object(), object()
        trainer = types.SimpleNamespace(
            accelerator=types.SimpleNamespace(free_memory=lambda *objects: freed.append(objects)),
            model=model, model_wrapped=model, optimizer=optimizer, lr_scheduler=scheduler, ref_model=object(),
            callback_handler=types.SimpleNamespace(model=model, optimizer=optimizer, lr_scheduler=scheduler),
        )
        modeling.release_trainer(trainer)
        self.assertEqual(freed, [()])  # the accelerator's own lists of prepared models and optimizers
        self.assertEqual([trainer.model, trainer.model_wrapped, trainer.optimizer, trainer.lr_scheduler, trainer.ref_model], [None] * 5)
        handler = trainer.callback_handler
        self.assertEqual([handler.model, handler.optimizer, handler.lr_scheduler], [None] * 3)

    def test_a_trainer_without_a_reference_model_gets_none(self):
        trainer = types.SimpleNamespace(accelerator=types.SimpleNamespace(free_memory=lambda: None), model=object())
        modeling.release_trainer(trainer)
        self.assertIsNone(trainer.model)
        self.assertFalse(hasattr(trainer, "ref_model"))


if __name__ == "__main__":
    unittest.main()
