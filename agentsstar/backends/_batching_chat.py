"""Chat messages to prompt tokens, exactly as ``Llama.create_chat_completion`` does it.

The handler is chosen the way ``llama_cpp.Llama`` chooses it: an explicit
``chat_format``; else a known format recognised from the GGUF's
``tokenizer.chat_template``; else that template itself (Jinja2, with the model's BOS
and EOS); else ``llama-2``. The handler is then run against a stand-in for ``Llama``
that records the tokens and stop strings it would generate from instead of
generating, so every format llama-cpp-python knows renders exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentsstar.backends.base import Message


@dataclass(frozen=True)
class Prompt:
    tokens: list[int]
    stops: tuple[str, ...]


class _Rendered(Exception):
    """Carries the rendered prompt out of the handler (a signal, not an error)."""

    def __init__(self, prompt: Prompt) -> None:
        self.prompt = prompt


class _PromptRecorder:
    """The part of ``Llama`` a chat handler touches before it starts generating."""

    verbose = False

    def __init__(self, model: Any) -> None:
        self._model = model

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        return list(self._model.tokenize(text, add_bos, special))

    def create_completion(self, *, prompt: Any, stop: Any = None, **_: Any) -> Any:
        if isinstance(prompt, str):  # handlers pass tokens; tokenize text as Llama would
            prompt = self.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        raise _Rendered(Prompt(list(prompt), tuple(stops)))


class ChatTemplate:
    """Renders messages for one loaded model (a ``llama_cpp._internals.LlamaModel``)."""

    def __init__(self, model: Any, chat_format: str | None = None) -> None:
        self._recorder = _PromptRecorder(model)
        self._handler = _choose_handler(model, chat_format)

    def render(self, messages: Sequence[Message], stop: Sequence[str]) -> Prompt:
        try:
            self._handler(
                llama=self._recorder,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stop=list(stop),
            )
        except _Rendered as done:
            return done.prompt
        raise RuntimeError("the chat handler did not ask for a completion")


def _choose_handler(model: Any, chat_format: str | None) -> Any:
    from llama_cpp import llama_chat_format as formats

    metadata = model.metadata()
    # Llama names the GGUF's own templates "chat_template.default" and
    # "chat_template.<name>" (from tokenizer.chat_template[.<name>]).
    key = "tokenizer.chat_template"
    if chat_format is not None and chat_format.startswith("chat_template."):
        name = chat_format.removeprefix("chat_template.")
        key = key if name == "default" else f"{key}.{name}"
        if key not in metadata:
            raise ValueError(f"the model has no chat template {chat_format!r}")
    elif chat_format is not None:
        return formats.get_chat_completion_handler(chat_format)
    template = metadata.get(key)
    if template is None:
        return formats.get_chat_completion_handler("llama-2")
    known = None if chat_format else formats.guess_chat_format_from_gguf_metadata(metadata)
    if known is not None:
        return formats.get_chat_completion_handler(known)
    eos, bos = model.token_eos(), model.token_bos()
    return formats.Jinja2ChatFormatter(
        template=template,
        eos_token=model.token_get_text(eos) if eos != -1 else "",
        bos_token=model.token_get_text(bos) if bos != -1 else "",
        stop_token_ids=[eos],
    ).to_chat_handler()
