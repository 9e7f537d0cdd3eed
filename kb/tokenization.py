"""Text to token ids for the ONNX embedder, in about 30 MB instead of 280.

The `tokenizers` library holds a Unigram vocabulary of 250,000 pieces (the multilingual e5 model's)
in a trie of hash maps: 250 MB of resident memory per process, half of what the whole search
service may use. SentencePiece, the reference implementation of the Unigram model, holds the
same pieces in a double-array trie of about 25 MB. So an exported Unigram model gets a
`segmenter.model` and a `segmenter.json` beside its `tokenizer.json` (`write_segmenter`), and
`load_tokenization` reads:

* `UnigramTokenization`: the `tokenizers` normaliser and pre-tokenizer of `tokenizer.json` (small),
  then SentencePiece's Viterbi segmentation of every pre-token over the same pieces and scores,
  and the special tokens around it, as the tokenizer's post-processor adds them;
* `FullTokenization`: `tokenizer.json` as it is, for every other model (WordPiece, BPE).

Both give the same ids as `tokenizer.json` on every article, every labelled question and the
export's check sentences (`same_ids`, checked at export and in the tests). They can differ only
where two orders of the same pieces score exactly alike (a run such as "bbb" = "b"+"bb" or
"bb"+"b"), which the two implementations break differently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Protocol

TOKENIZER_FILE = "tokenizer.json"
SEGMENTER_FILE = "segmenter.model"
FRONT_FILE = "segmenter.json"  # the normaliser, pre-tokenizer and special tokens, without the pieces


class Tokenization(Protocol):
    pad_id: int

    def encode(self, text: str, *, special: bool = True) -> list[int]:
        """The token ids of `text`, with the start and end tokens unless `special` is False,
        truncated to the model's length."""
        ...


class FullTokenization:
    """`tokenizer.json` through the `tokenizers` library."""

    def __init__(self, folder: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        pad = "<pad>" if self.tokenizer.token_to_id("<pad>") is not None else "[PAD]"
        self.pad_id = self.tokenizer.token_to_id(pad) or 0

    def encode(self, text: str, *, special: bool = True) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=special).ids


class UnigramTokenization:
    """The normaliser and pre-tokenizer of `tokenizer.json`, SentencePiece for the pieces."""

    def __init__(self, folder: Path, max_length: int) -> None:
        import sentencepiece
        from tokenizers import Tokenizer

        front = json.loads((folder / FRONT_FILE).read_text(encoding="utf-8"))
        self.start, self.end, self.pad_id = front["start"], front["end"], front["pad"]
        self.max_length = max_length
        # Special tokens typed in the text are tokens of their own, as `tokenizers` treats them
        self.specials: dict[str, int] = front["specials"]
        self.special_pattern = (
            re.compile("|".join(map(re.escape, sorted(self.specials, key=len, reverse=True)))) if self.specials else None
        )
        tokenizer = Tokenizer.from_str(json.dumps(front["tokenizer"]))
        self.normalizer, self.pre_tokenizer = tokenizer.normalizer, tokenizer.pre_tokenizer
        self.segmenter = sentencepiece.SentencePieceProcessor(model_file=str(folder / SEGMENTER_FILE))

    def _pieces(self, text: str) -> list[int]:
        if self.normalizer is not None:
            text = self.normalizer.normalize_str(text)
        words = [word for word, _ in self.pre_tokenizer.pre_tokenize_str(text)] if self.pre_tokenizer else [text]
        ids: list[int] = []
        for word in words:
            if word:  # one word at a time: a list is encoded on threads started for each call
                ids.extend(self.segmenter.encode(word))
        return ids

    def encode(self, text: str, *, special: bool = True) -> list[int]:
        ids: list[int] = []
        position = 0
        for match in self.special_pattern.finditer(text) if self.special_pattern else ():
            ids.extend(self._pieces(text[position : match.start()]))
            ids.append(self.specials[match.group()])
            position = match.end()
        ids.extend(self._pieces(text[position:]))
        if not special:
            return ids[: self.max_length]
        return [self.start, *ids[: self.max_length - 2], self.end]


def load_tokenization(folder: Path, max_length: int) -> Tokenization:
    if (folder / SEGMENTER_FILE).exists() and (folder / FRONT_FILE).exists():
        return UnigramTokenization(folder, max_length)
    return FullTokenization(folder, max_length)


def write_segmenter(folder: Path) -> bool:
    """Write `segmenter.model` (a SentencePiece model of the pieces and scores of the Unigram
    model in `tokenizer.json`) and `segmenter.json` into `folder`; False, writing nothing, for
    any other model."""
    spec = json.loads((folder / TOKENIZER_FILE).read_text(encoding="utf-8"))
    model = spec.get("model") or {}
    template = _template_ids(spec)
    if model.get("type") != "Unigram" or model.get("byte_fallback") or template is None:
        return False
    import importlib

    proto: Any = importlib.import_module("sentencepiece.sentencepiece_model_pb2")  # generated, untyped
    pieces = proto.ModelProto.SentencePiece
    specials = {token["content"]: token["id"] for token in spec["added_tokens"] if token.get("special")}
    unk_id = model["unk_id"]
    result = proto.ModelProto()
    result.trainer_spec.model_type = proto.TrainerSpec.UNIGRAM
    result.trainer_spec.vocab_size = len(model["vocab"])
    result.trainer_spec.unk_id = unk_id
    result.trainer_spec.bos_id = result.trainer_spec.eos_id = result.trainer_spec.pad_id = -1
    # The text arrives normalised and split into words by the `tokenizers` front: no second pass
    result.normalizer_spec.name = "identity"
    result.normalizer_spec.add_dummy_prefix = False
    result.normalizer_spec.remove_extra_whitespaces = False
    result.normalizer_spec.escape_whitespaces = False
    for index, (piece, score) in enumerate(model["vocab"]):
        entry = result.pieces.add()
        entry.piece, entry.score = piece, score
        entry.type = pieces.UNKNOWN if index == unk_id else pieces.CONTROL if piece in specials else pieces.NORMAL
    # The normaliser and pre-tokenizer as a tokenizer with a one-word stand-in vocabulary
    front = {**spec, "added_tokens": [], "post_processor": None, "decoder": None, "truncation": None, "padding": None,
             "model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}}
    (folder / SEGMENTER_FILE).write_bytes(result.SerializeToString())
    (folder / FRONT_FILE).write_text(json.dumps({
        "start": template[0], "end": template[1], "pad": specials.get("<pad>", 0), "specials": specials, "tokenizer": front,
    }), encoding="utf-8")
    return True


def same_ids(folder: Path, max_length: int, texts: list[str]) -> list[str]:
    """The texts for which the folder's tokenization differs from `tokenizer.json`."""
    served, full = load_tokenization(folder, max_length), FullTokenization(folder, max_length)
    return [text for text in texts if served.encode(text) != full.encode(text)]


def _template_ids(spec: dict) -> tuple[int, int] | None:
    """The start and end token ids of a `<s> $A </s>` post-processor; None for any other."""
    processor = spec.get("post_processor") or {}
    if processor.get("type") != "TemplateProcessing":
        return None
    single = processor.get("single") or []
    if len(single) != 3 or "SpecialToken" not in single[0] or "Sequence" not in single[1] or "SpecialToken" not in single[2]:
        return None
    tokens = processor["special_tokens"]
    return tokens[single[0]["SpecialToken"]["id"]]["ids"][0], tokens[single[2]["SpecialToken"]["id"]]["ids"][0]
