"""The kit's JSONL dataset formats, read from a SageMaker channel and turned into the columns trl expects.

- sft:        {"prompt", "completion"} (and an optional "system")
- chat:       {"system"?, "messages": [{"role": "user"|"assistant", "content"}, ...]}, ending with the assistant
              answer; content may be Bedrock's [{"text": ...}] blocks (the rules of lib/datasets/formats.ts)
- preference: {"prompt", "chosen", "rejected"}; a prompt rendered from feedback (lib/datasets/preferences.ts)
              becomes its turns again

An example keeps the prompt as messages; sft_columns / preference_columns give trl's prompt-completion and
prompt/chosen/rejected columns, conversational when the tokenizer has a chat template, plain text otherwise.
Standard library only.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence


SFT, CHAT, PREFERENCE = "sft", "chat", "preference"
MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True)
class Example:
    """A prompt (system, then user/assistant turns ending with a user turn) and the answer to learn or predict."""

    messages: tuple[Mapping[str, str], ...]
    completion: str
    source: str = ""


@dataclass(frozen=True)
class PreferenceExample:
    """A prompt and two answers to it: the chosen and the rejected one."""

    messages: tuple[Mapping[str, str], ...]
    chosen: str
    rejected: str
    source: str = ""


class DatasetError(Exception):
    """A channel whose records cannot be used; `problems` lists them (at most MAX_REPORTED_PROBLEMS)."""

    def __init__(self, problems: Sequence[str], total: int | None = None):
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__("; ".join(self.report()))

    def report(self) -> list[str]:
        """The problems, and a last line counting those left out."""
        more = self.total - len(self.problems)
        return self.problems + ([f"... and {more} more problem{'' if more == 1 else 's'} in the data"] if more > 0 else [])


def detect_format(record: Mapping[str, Any]) -> str | None:
    if "messages" in record:
        return CHAT
    if "chosen" in record or "rejected" in record:
        return PREFERENCE
    if "prompt" in record or "completion" in record:
        return SFT
    return None


def parse_record(record: Any, fmt: str, allowed: Sequence[str]) -> tuple[Example | PreferenceExample | None, list[str]]:
    """One parsed JSON line as an example of `fmt` ("auto": told by its fields), or every problem with it."""
    if not isinstance(record, dict):
        return None, [f"the line is {_describe(record)}, not an object"]
    actual = detect_format(record) if fmt == "auto" else fmt
    if actual is None:
        return None, [f"cannot tell the format: expected the fields of {' or '.join(allowed)} records"]
    if actual not in allowed:
        return None, [f"a record in the {actual} format; this job takes {' or '.join(allowed)} records"]
    problems: list[str] = []
    if actual == SFT:
        prompt = _text_field(record, "prompt", problems)
        completion = _text_field(record, "completion", problems)
        system = _content(record["system"], '"system"', problems) if "system" in record else None
        if problems:
            return None, problems
        return Example(_with_system(system, [{"role": "user", "content": prompt}]), completion), []
    if actual == CHAT:
        return _parse_chat(record, problems)
    prompt = _text_field(record, "prompt", problems)
    chosen = _text_field(record, "chosen", problems)
    rejected = _text_field(record, "rejected", problems)
    system = _content(record["system"], '"system"', problems) if "system" in record else None
    if chosen is not None and rejected is not None and _squash(chosen) == _squash(rejected):
        problems.append('"chosen" and "rejected" are the same text: a preference pair needs two different responses')
    if problems:
        return None, problems
    messages = parse_rendered_prompt(prompt)
    if system is not None and messages[0]["role"] != "system":
        messages = [{"role": "system", "content": system}] + messages
    return PreferenceExample(tuple(messages), chosen, rejected), []


def _parse_chat(record: Mapping[str, Any], problems: list[str]) -> tuple[Example | None, list[str]]:
    system = _content(record["system"], '"system"', problems) if "system" in record else None
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        problems.append('"messages" must be a non-empty list of {"role", "content"} objects')
        return None, problems
    turns: list[dict[str, str]] = []
    for i, message in enumerate(messages):
        at = f"messages[{i}]"
        if not isinstance(message, dict):
            problems.append(f"{at} must be a {{\"role\", \"content\"}} object, not {_describe(message)}")
            continue
        role = message.get("role")
        expected = "user" if i % 2 == 0 else "assistant"
        if role not in ("user", "assistant"):
            hint = ' (put the system prompt in the record\'s "system" field)' if role == "system" else ""
            problems.append(f"{at}.role is {json.dumps(role)}: use \"user\" or \"assistant\"{hint}")
        elif role != expected:
            problems.append(f"{at}.role is \"{role}\": turns alternate user, assistant, user, ... starting with user")
        text = _content(message.get("content"), f"{at}.content", problems)
        if role in ("user", "assistant") and text is not None:
            turns.append({"role": role, "content": text})
    if not problems and turns[-1]["role"] != "assistant":
        problems.append(f"the last message (messages[{len(messages) - 1}]) is from \"user\": a conversation ends with the assistant answer")
    if problems:
        return None, problems
    return Example(_with_system(system, turns[:-1]), turns[-1]["content"]), []


def _with_system(system: str | None, messages: list[dict[str, str]]) -> tuple[dict[str, str], ...]:
    return tuple(([{"role": "system", "content": system}] if system else []) + messages)


def _text_field(record: Mapping[str, Any], name: str, problems: list[str]) -> Any:
    if name not in record:
        problems.append(f'"{name}" is missing')
        return None
    value = record[name]
    if not isinstance(value, str):
        problems.append(f'"{name}" must be a string, not {_describe(value)}')
        return None
    if not value.strip():
        problems.append(f'"{name}" is empty')
        return None
    return value


def _content(value: Any, at: str, problems: list[str]) -> str | None:
    """A string, or Bedrock's [{"text": "..."}] blocks joined by newlines (as lib/datasets/formats.ts reads them)."""
    if isinstance(value, str):
        if value.strip():
            return value
        problems.append(f"{at} is empty")
        return None
    if isinstance(value, list) and value and all(isinstance(b, dict) and isinstance(b.get("text"), str) and b["text"].strip() for b in value):
        return "\n".join(b["text"] for b in value)
    problems.append(f'{at} must be a non-empty string or a list of non-empty {{"text": "..."}} blocks')
    return None


def _squash(text: str) -> str:
    return " ".join(text.split())


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def data_files(directory: str) -> list[str]:
    """Every JSON Lines file under a channel (*.jsonl, *.json), sorted, skipping hidden and marker files."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.endswith((".jsonl", ".json")) and not name.startswith((".", "_")):
                found.append(os.path.join(root, name))
    return sorted(found)


def read_jsonl(path: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed value, parse problem) for every non-blank line."""
    with open(path, encoding="utf-8-sig") as f:  # -sig: a BOM written by a spreadsheet tool is not a parse error
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line.rstrip("\r\n")), None
            except json.JSONDecodeError as error:
                yield number, None, f"not JSON ({error.msg} at column {error.colno})"


def load_examples(directory: str, fmt: str, allowed: Sequence[str], channel: str) -> list[Example | PreferenceExample]:
    """Every record of a channel as examples; raises DatasetError with every problem (file:line) when any is bad."""
    files = data_files(directory)
    if not files:
        raise DatasetError([f"the {channel} channel ({directory}) has no .jsonl files"])
    examples: list[Example | PreferenceExample] = []
    problems: list[str] = []
    total = 0
    for path in files:
        name = os.path.relpath(path, directory)
        for number, value, parse_problem in read_jsonl(path):
            where = f"{channel}/{name}:{number}"
            found = [parse_problem] if parse_problem else []
            example = None
            if not found:
                example, found = parse_record(value, fmt, allowed)
            if found:
                total += len(found)
                problems.extend(f"{where}: {p}" for p in found[: max(0, MAX_REPORTED_PROBLEMS - len(problems))])
            else:
                examples.append(_with_source(example, where))
    if total:
        raise DatasetError(problems, total)
    if not examples:
        raise DatasetError([f"the {channel} channel ({directory}) has no records"])
    return examples


def _with_source(example: Any, source: str) -> Any:
    return type(example)(**{**example.__dict__, "source": source})


# ---------------------------------------------------------------------------------------------------------
# Examples as trl columns
# ---------------------------------------------------------------------------------------------------------

_ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant"}
# The plain-text rendering puts a space between "Assistant:" and the answer; the answer carries it.
PLAIN_ANSWER_PREFIX = " "
_RENDERED_TURN = re.compile(r"\n\n(?=(?:User|Assistant): )")


def plain_prompt(messages: Sequence[Mapping[str, str]]) -> str:
    """The prompt as text for a tokenizer without a chat template.

    The same shape as the kit's feedback-to-preference prompts (lib/datasets/preferences.ts renderPrompt):
    `System: ...`, `User: ...`, `Assistant: ...` separated by blank lines, then `Assistant:` to answer after.
    """
    return "\n\n".join([f"{_ROLE_LABELS[m['role']]}: {m['content']}" for m in messages] + ["Assistant:"])


def parse_rendered_prompt(text: str) -> list[dict[str, str]]:
    """A preference prompt rendered by the kit (System/User/Assistant turns) back into messages.

    Anything else, or a rendering whose turns do not alternate user/assistant ending with user, is one user turn.
    """
    single = [{"role": "user", "content": text}]
    if not text.startswith(("User: ", "System: ")):
        return single
    segments = _RENDERED_TURN.split(text)
    messages: list[dict[str, str]] = []
    if segments[0].startswith("System: "):
        messages.append({"role": "system", "content": segments[0][len("System: "):]})
        segments = segments[1:]
    for i, segment in enumerate(segments):
        role = "user" if i % 2 == 0 else "assistant"
        label = f"{_ROLE_LABELS[role]}: "
        if not segment.startswith(label) or not segment[len(label):].strip():
            return single
        messages.append({"role": role, "content": segment[len(label):]})
    if not segments or messages[-1]["role"] != "user":
        return single
    return messages


def fold_system(messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """The system prompt moved into the first user turn, for chat templates that reject a system role (e.g. Gemma)."""
    if not messages or messages[0]["role"] != "system":
        return [dict(m) for m in messages]
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    if rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
        return rest
    return [{"role": "user", "content": system}] + rest


def prompt_messages(messages: Sequence[Mapping[str, str]], system_role: bool = True) -> list[dict[str, str]]:
    return [dict(m) for m in messages] if system_role else fold_system(messages)


def sft_columns(example: Example, conversational: bool, system_role: bool = True) -> dict[str, Any]:
    """trl's prompt-completion columns: loss is computed on the completion only (completion_only_loss).

    Conversational when the tokenizer has a chat template (trl applies it); plain text otherwise.
    """
    if conversational:
        return {"prompt": prompt_messages(example.messages, system_role),
                "completion": [{"role": "assistant", "content": example.completion}]}
    return {"prompt": plain_prompt(example.messages), "completion": PLAIN_ANSWER_PREFIX + example.completion}


def preference_columns(example: PreferenceExample, conversational: bool, system_role: bool = True) -> dict[str, Any]:
    """trl's preference columns (prompt, chosen, rejected), conversational or plain like sft_columns."""
    if conversational:
        return {"prompt": prompt_messages(example.messages, system_role),
                "chosen": [{"role": "assistant", "content": example.chosen}],
                "rejected": [{"role": "assistant", "content": example.rejected}]}
    return {"prompt": plain_prompt(example.messages),
            "chosen": PLAIN_ANSWER_PREFIX + example.chosen,
            "rejected": PLAIN_ANSWER_PREFIX + example.rejected}
