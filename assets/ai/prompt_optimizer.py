"""Prompt optimization for requests with `optimize_prompt = true`.

The default optimizer is rule-based and deterministic (same prompt, same result), so
it costs nothing and reruns are stable. Its rules, in order:

1. Structure: collapse whitespace, strip, capitalise the first letter, end with a
   full stop when the prompt has no closing punctuation.
2. Length: a prompt longer than `MAX_CHARS` is cut at the last word boundary before
   it (the model would truncate it anyway, less gracefully).
3. Missing detail for the type: for `image`, append the detail families a prompt
   lacks among subject style, lighting and composition (each detected by keywords);
   for `text`, the missing among audience, tone and length/format.
4. Very short prompts (< `MIN_WORDS` words) get "Be specific and concrete." for text
   and "highly detailed" for images.

The provider-based optimizer asks the configured provider to rewrite the prompt and
falls back to the rules when that call fails. Both prompts are stored
(`prompt`, `optimized_prompt`).
"""

from __future__ import annotations

import re

from brandpulse.ai.providers.base import GenerationCall, Provider, ProviderError

MAX_CHARS = 4000
MIN_WORDS = 5

IMAGE_DETAILS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "style",
        (
            "style",
            "photo",
            "illustration",
            "painting",
            "render",
            "watercolor",
            "3d",
            "minimalist",
            "realistic",
        ),
        "Style: clean, photorealistic product photography.",
    ),
    (
        "lighting",
        ("light", "lighting", "lit", "sunset", "shadow", "studio", "golden hour"),
        "Lighting: soft natural light.",
    ),
    (
        "composition",
        ("composition", "close-up", "wide", "angle", "background", "centered", "framing", "shot"),
        "Composition: centered subject, uncluttered background.",
    ),
)
TEXT_DETAILS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "audience",
        ("audience", "customers", "for ", "readers", "users", "shoppers"),
        "Audience: the brand's customers.",
    ),
    (
        "tone",
        ("tone", "friendly", "formal", "playful", "professional", "casual", "voice"),
        "Tone: clear and friendly.",
    ),
    (
        "format",
        (
            "words",
            "sentences",
            "paragraph",
            "bullet",
            "list",
            "short",
            "long",
            "characters",
            "headline",
            "format",
        ),
        "Format: concise, under 120 words.",
    ),
)


def _has_any(text: str, keywords: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(k in lowered for k in keywords)


def _structure(prompt: str) -> str:
    text = re.sub(r"\s+", " ", prompt).strip()
    if len(text) > MAX_CHARS:
        cut = text[:MAX_CHARS]
        text = cut[: cut.rfind(" ")] if " " in cut else cut
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?":
        text += "."
    return text


def optimize_rules(prompt: str, type_: str) -> str:
    """The deterministic rule-based optimization described in the module docstring."""
    text = _structure(prompt)
    details = IMAGE_DETAILS if type_ == "image" else TEXT_DETAILS
    additions = [sentence for _, keywords, sentence in details if not _has_any(text, keywords)]
    if len(text.split()) < MIN_WORDS:
        additions.append("Highly detailed." if type_ == "image" else "Be specific and concrete.")
    return " ".join([text, *additions]).strip()


class ProviderOptimizer:
    """Asks a text model to rewrite the prompt; falls back to the rules on any failure."""

    INSTRUCTION = (
        "Rewrite the following {type} generation prompt so it is specific, well structured and "
        "complete. Answer with the rewritten prompt only.\n\nPrompt: {prompt}"
    )

    def __init__(self, provider: Provider, model: str) -> None:
        self.provider = provider
        self.model = model

    def __call__(self, prompt: str, type_: str, idempotency_key: str) -> str:
        call = GenerationCall(
            idempotency_key=f"{idempotency_key}:optimize",
            model=self.model,
            type="text",
            prompt=self.INSTRUCTION.format(type=type_, prompt=prompt),
            parameters={"max_tokens": 300, "temperature": 0},
        )
        try:
            result = self.provider.generate(call, 1)
        except ProviderError:
            return optimize_rules(prompt, type_)
        rewritten = _structure(result.output)
        return rewritten or optimize_rules(prompt, type_)
