"""The kit's JSONL formats (sft, chat, preference) as examples, and as the columns trl expects."""
from __future__ import annotations

import unittest

import records
from records import CHAT, PREFERENCE, SFT, Example, PreferenceExample
from tests.support import TempDir

SFT_AND_CHAT = (SFT, CHAT)


def parsed(record, fmt="auto", allowed=SFT_AND_CHAT):
    example, problems = records.parse_record(record, fmt, allowed)
    return example, problems


class SftRecordTest(unittest.TestCase):
    def test_prompt_and_completion(self):
        example, problems = parsed({"prompt": "Where is my order 1042?", "completion": "It shipped yesterday."})
        self.assertEqual(problems, [])
        self.assertEqual(example, Example(({"role": "user", "content": "Where is my order 1042?"},), "It shipped yesterday."))

    def test_optional_system(self):
        example, _ = parsed({"system": "Be brief.", "prompt": "Hi", "completion": "Hello."})
        self.assertEqual(example.messages, ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}))

    def test_problems(self):
        self.assertEqual(parsed({"prompt": "", "completion": 3}, SFT)[1], ['"prompt" is empty', '"completion" must be a string, not a number (3)'])
        self.assertEqual(parsed({"prompt": "x"}, SFT)[1], ['"completion" is missing'])
        self.assertEqual(parsed(["prompt"])[1], ["the line is an array, not an object"])
        self.assertEqual(parsed({"text": "x"})[1], ["cannot tell the format: expected the fields of sft or chat records"])


class ChatRecordTest(unittest.TestCase):
    def test_the_last_assistant_turn_is_the_completion(self):
        example, problems = parsed({
            "system": [{"text": "You are a support agent."}, {"text": "Be brief."}],  # Bedrock text blocks
            "messages": [
                {"role": "user", "content": "Where is order 7?"},
                {"role": "assistant", "content": "Which email did you order with?"},
                {"role": "user", "content": [{"text": "a@example.com"}]},
                {"role": "assistant", "content": "Order 7 ships Monday."},
            ],
        })
        self.assertEqual(problems, [])
        self.assertEqual(example.completion, "Order 7 ships Monday.")
        self.assertEqual(example.messages, (
            {"role": "system", "content": "You are a support agent.\nBe brief."},
            {"role": "user", "content": "Where is order 7?"},
            {"role": "assistant", "content": "Which email did you order with?"},
            {"role": "user", "content": "a@example.com"},
        ))

    def test_problems(self):
        _, problems = parsed({"messages": [
            {"role": "system", "content": "x"},
            {"role": "user", "content": ""},
            "hello",
        ]})
        self.assertEqual(problems, [
            'messages[0].role is "system": use "user" or "assistant" (put the system prompt in the record\'s "system" field)',
            "messages[1].role is \"user\": turns alternate user, assistant, user, ... starting with user",
            "messages[1].content is empty",
            'messages[2] must be a {"role", "content"} object, not a string',
        ])
        self.assertEqual(parsed({"messages": [{"role": "user", "content": "Hi"}]})[1],
                         ['the last message (messages[0]) is from "user": a conversation ends with the assistant answer'])
        self.assertEqual(parsed({"messages": []})[1], ['"messages" must be a non-empty list of {"role", "content"} objects'])

    def test_a_format_the_job_does_not_take(self):
        _, problems = parsed({"prompt": "p", "chosen": "a", "rejected": "b"})
        self.assertEqual(problems, ["a record in the preference format; this job takes sft or chat records"])


class PreferenceRecordTest(unittest.TestCase):
    def parse(self, record):
        return records.parse_record(record, "auto", (PREFERENCE,))

    def test_a_plain_prompt_is_one_user_turn(self):
        example, problems = self.parse({"prompt": "Where is order 7?", "chosen": "Monday.", "rejected": "No idea."})
        self.assertEqual(problems, [])
        self.assertEqual(example, PreferenceExample(({"role": "user", "content": "Where is order 7?"},), "Monday.", "No idea."))

    def test_a_prompt_rendered_from_feedback_becomes_turns_again(self):
        # lib/datasets/preferences.ts renderPrompt: System/User/Assistant turns separated by blank lines.
        prompt = "System: Be brief.\n\nUser: Where is order 7?\n\nAssistant: Which email?\n\nUser: a@example.com"
        example, _ = self.parse({"prompt": prompt, "chosen": "Monday.", "rejected": "No idea."})
        self.assertEqual(example.messages, (
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Where is order 7?"},
            {"role": "assistant", "content": "Which email?"},
            {"role": "user", "content": "a@example.com"},
        ))

    def test_identical_answers_are_a_problem(self):
        _, problems = self.parse({"prompt": "p", "chosen": " Same  answer", "rejected": "Same answer "})
        self.assertEqual(problems, ['"chosen" and "rejected" are the same text: a preference pair needs two different responses'])

    def test_an_sft_record_is_named_as_such(self):
        _, problems = self.parse({"prompt": "p", "completion": "c"})
        self.assertEqual(problems, ["a record in the sft format; this job takes preference records"])


class RenderingTest(unittest.TestCase):
    MESSAGES = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"})

    def test_plain_prompt(self):
        self.assertEqual(records.plain_prompt(self.MESSAGES), "System: Be brief.\n\nUser: Hi\n\nAssistant:")

    def test_parse_rendered_prompt_round_trip_and_fallbacks(self):
        turns = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]
        rendered = records.plain_prompt(turns)[: -len("\n\nAssistant:")]
        self.assertEqual(records.parse_rendered_prompt(rendered), turns)
        for text in ("Just a question", "User: a\n\nAssistant: b", "User: a\n\nUser: b", "User: "):
            with self.subTest(text=text):
                self.assertEqual(records.parse_rendered_prompt(text), [{"role": "user", "content": text}])

    def test_fold_system_for_templates_without_a_system_role(self):
        self.assertEqual(records.fold_system(self.MESSAGES), [{"role": "user", "content": "Be brief.\n\nHi"}])
        self.assertEqual(records.fold_system(self.MESSAGES[1:]), [{"role": "user", "content": "Hi"}])


class TrlColumnsTest(unittest.TestCase):
    EXAMPLE = Example(({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}), "Hello.")
    PAIR = PreferenceExample(({"role": "user", "content": "Hi"},), "Hello.", "Go away.")

    def test_sft_conversational(self):
        self.assertEqual(records.sft_columns(self.EXAMPLE, conversational=True), {
            "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            "completion": [{"role": "assistant", "content": "Hello."}],
        })
        self.assertEqual(records.sft_columns(self.EXAMPLE, conversational=True, system_role=False)["prompt"],
                         [{"role": "user", "content": "Be brief.\n\nHi"}])

    def test_sft_plain(self):
        self.assertEqual(records.sft_columns(self.EXAMPLE, conversational=False),
                         {"prompt": "System: Be brief.\n\nUser: Hi\n\nAssistant:", "completion": " Hello."})

    def test_preference(self):
        self.assertEqual(records.preference_columns(self.PAIR, conversational=True), {
            "prompt": [{"role": "user", "content": "Hi"}],
            "chosen": [{"role": "assistant", "content": "Hello."}],
            "rejected": [{"role": "assistant", "content": "Go away."}],
        })
        self.assertEqual(records.preference_columns(self.PAIR, conversational=False),
                         {"prompt": "User: Hi\n\nAssistant:", "chosen": " Hello.", "rejected": " Go away."})


class LoadExamplesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def test_every_jsonl_file_in_order_with_sources(self):
        self.tmp.jsonl("train/b.jsonl", [{"prompt": "b1", "completion": "c"}])
        self.tmp.jsonl("train/a.jsonl", ["", {"prompt": "a1", "completion": "c"}, {"messages": [{"role": "user", "content": "a2"}, {"role": "assistant", "content": "c"}]}])
        self.tmp.jsonl("train/nested/c.json", [{"prompt": "c1", "completion": "c"}])
        self.tmp.file("train/_SUCCESS")
        self.tmp.file("train/.hidden.jsonl", "not json\n")
        self.tmp.file("train/notes.txt", "ignored\n")
        examples = records.load_examples(self.tmp.dir("train"), "auto", SFT_AND_CHAT, "train")
        self.assertEqual([e.messages[-1]["content"] for e in examples], ["a1", "a2", "b1", "c1"])
        self.assertEqual([e.source for e in examples], ["train/a.jsonl:2", "train/a.jsonl:3", "train/b.jsonl:1", "train/nested/c.json:1"])

    def test_problems_name_file_and_line_and_are_capped(self):
        self.tmp.jsonl("train/bad.jsonl", ['{"prompt": "x"', *[{"prompt": "x"}] * 30])
        with self.assertRaises(records.DatasetError) as caught:
            records.load_examples(self.tmp.dir("train"), "auto", SFT_AND_CHAT, "train")
        error = caught.exception
        self.assertEqual(error.total, 31)
        self.assertEqual(len(error.problems), records.MAX_REPORTED_PROBLEMS)
        self.assertEqual(error.problems[0], "train/bad.jsonl:1: not JSON (Expecting ',' delimiter at column 15)")
        self.assertEqual(error.problems[1], 'train/bad.jsonl:2: "completion" is missing')
        self.assertEqual(error.report()[-1], "... and 11 more problems in the data")

    def test_an_empty_channel(self):
        with self.assertRaisesRegex(records.DatasetError, "has no .jsonl files"):
            records.load_examples(self.tmp.dir("empty"), "auto", SFT_AND_CHAT, "train")
        self.tmp.file("blank/data.jsonl", "\n\n")
        with self.assertRaisesRegex(records.DatasetError, "has no records"):
            records.load_examples(self.tmp.dir("blank"), "auto", SFT_AND_CHAT, "train")

    def test_a_byte_order_mark_is_not_a_problem(self):
        self.tmp.file("train/bom.jsonl", '\ufeff{"prompt": "p", "completion": "c"}\n')
        self.assertEqual(len(records.load_examples(self.tmp.dir("train"), SFT, SFT_AND_CHAT, "train")), 1)

    def test_the_starter_dataset_loads(self):
        import os
        starter = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "datasets", "starter")
        if not os.path.isdir(starter):
            self.skipTest("datasets/starter is not beside this checkout")
        examples = records.load_examples(starter, "auto", SFT_AND_CHAT, "train")
        self.assertGreater(len(examples), 0)


if __name__ == "__main__":
    unittest.main()
