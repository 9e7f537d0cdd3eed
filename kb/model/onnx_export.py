"""A verified ONNX copy of the sentence-transformers model, for fast query embedding.

On this 2-core machine ONNX Runtime embeds a short query in ~18 ms where PyTorch needs ~43 ms
(same weights, same vectors), which is what brings search latency under its target. The
exported graph contains the whole sentence-transformers model: the transformer, the pooling
(mean or CLS) and the normalisation, so at query time only the tokenizer (`tokenizers`, from
the model's own `tokenizer.json`) and one `InferenceSession.run` are left. The graph has a second
output, the transformer's vector of every token (`tokens`), which the late-interaction signal of
the learned ranking reads (`search_api.token_match`) from the same run.

The word-embedding table (250,037 x 384 for e5: 384 MB of the 470) is taken out of the graph
into `word_embeddings.npy`, which the embedder maps into memory and reads only the rows of the
tokens it meets (`split_word_embeddings`); the graph takes those rows as its input
`input_embeddings`, so the service holds 86 MB of graph instead of 470 MB (and processes share the
mapped rows). For a Unigram tokenizer a SentencePiece copy of its pieces is written too
(`kb.tokenization`). Both are exact: the same graph arithmetic, the same token ids.

The export is checked against sentence-transformers on `CHECKSUM_SENTENCES`: every vector must
have a cosine similarity of at least `MIN_COSINE` with the PyTorch one. Queries and passages
(indexing) both use this copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kb.model.convert import CHECKSUM_SENTENCES, _locked, load_sentence_transformer
from kb.tokenization import same_ids, write_segmenter

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MARKER_NAME = ".verified"
MIN_COSINE = 0.9999
OPSET = 17
OUTPUTS = ["embedding", "tokens"]
WORD_EMBEDDINGS_FILE = "word_embeddings.npy"
EMBEDDINGS_INPUT = "input_embeddings"
FORMAT = 2  # the word embeddings outside the graph; an export of another format is made again


class OnnxExportError(RuntimeError):
    """The model cannot be exported (unsupported modules) or the export gives other vectors."""


def onnx_dir_for(model: str, cache_dir: Path) -> Path:
    """Where the ONNX copy of `model` (a folder or a model name) lives."""
    folder = Path(model)
    if folder.is_dir() and os.access(folder, os.W_OK):
        return folder / f"onnx-{FORMAT}"  # an installation of another format keeps its own copy
    slug = hashlib.sha256(model.encode()).hexdigest()[:12]
    return Path(cache_dir).expanduser() / f"onnx-{FORMAT}" / f"{folder.name}-{slug}"


def is_exported(target: Path) -> bool:
    try:
        marker = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
        if marker.get("outputs") != OUTPUTS or marker.get("format") != FORMAT:
            return False
        return all((target / name).stat().st_size == size for name, size in marker["files"].items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def read_marker(target: Path) -> dict:
    return json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))


def ensure_onnx_model(model: str, cache_dir: Path, *, force: bool = False) -> Path:
    """Return the folder with a verified ONNX export of `model`, exporting it if needed."""
    target = onnx_dir_for(model, cache_dir)
    if not force and is_exported(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        if not force and is_exported(target):
            return target
        export_onnx(load_sentence_transformer(Path(model)) if Path(model).exists() else _load_by_name(model), target)
    return target


def _load_by_name(model: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model, device="cpu")


def export_onnx(model: SentenceTransformer, target: Path) -> dict:
    """Export `model` (transformer + pooling [+ normalize]) into `target` and verify it."""
    import torch

    pooling, normalize, max_length = _describe(model)
    transformer = model[0].auto_model.eval()  # type: ignore[union-attr]  # the Transformer module (checked above)

    class EmbeddingGraph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return pooled, hidden

    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sample = model.tokenizer(["query: voorbeeld"], return_tensors="pt")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes that are dynamic axes anyway
        torch.onnx.export(
            EmbeddingGraph(),
            (sample["input_ids"], sample["attention_mask"]),
            str(tmp / ONNX_FILE),
            input_names=["input_ids", "attention_mask"],
            output_names=OUTPUTS,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "tokens": {0: "batch", 1: "tokens"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
    model.tokenizer.save_pretrained(str(tmp))
    if not (tmp / TOKENIZER_FILE).exists():
        shutil.rmtree(tmp, ignore_errors=True)
        raise OnnxExportError("the model has no fast tokenizer (tokenizer.json): ONNX query embedding needs one")
    split_word_embeddings(tmp)
    if write_segmenter(tmp):
        differ = same_ids(tmp, max_length, list(CHECKSUM_SENTENCES))
        if differ:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OnnxExportError(f"the SentencePiece copy of the tokenizer gives other tokens for {differ[0]!r}")

    worst = _verify(model, tmp, max_length)
    dimension = model.get_embedding_dimension()
    assert dimension is not None, "the model does not say its dimension"
    info = {
        "pooling": pooling,
        "normalize": normalize,
        "max_length": max_length,
        "dimension": int(dimension),
        "min_cosine": worst,
        "outputs": OUTPUTS,
        "format": FORMAT,
    }
    files = {path.name: path.stat().st_size for path in sorted(tmp.iterdir()) if path.is_file()}
    (tmp / MARKER_NAME).write_text(json.dumps({**info, "files": files}, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    logger.info("exported %s (lowest cosine with PyTorch %.6f)", target / ONNX_FILE, worst)
    return info


def split_word_embeddings(folder: Path) -> None:
    """Take the word-embedding table out of `folder`'s graph: the `Gather` that reads the rows of
    `input_ids` from it is removed, its output becomes the graph input `input_embeddings`, and the
    table is saved as `word_embeddings.npy`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    path = folder / ONNX_FILE
    graph_model = onnx.load(str(path))
    graph = graph_model.graph
    tables = {initializer.name: initializer for initializer in graph.initializer if len(initializer.dims) == 2}
    gathers = [node for node in graph.node
               if node.op_type == "Gather" and node.input[0] in tables and node.input[1] == "input_ids"]
    if len(gathers) != 1:
        raise OnnxExportError(f"expected one word-embedding lookup of input_ids in the graph, found {len(gathers)}")
    gather = gathers[0]
    table = tables[gather.input[0]]
    np.save(folder / WORD_EMBEDDINGS_FILE, numpy_helper.to_array(table).astype(np.float32, copy=False))
    for node in graph.node:
        for index, name in enumerate(node.input):
            if name == gather.output[0]:
                node.input[index] = EMBEDDINGS_INPUT
    graph.node.remove(gather)
    graph.initializer.remove(table)
    graph.input.append(helper.make_tensor_value_info(EMBEDDINGS_INPUT, TensorProto.FLOAT, ["batch", "tokens", table.dims[1]]))
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, str(path))


def _describe(model: SentenceTransformer) -> tuple[str, bool, int]:
    """(pooling mode, normalises?, max tokens), or OnnxExportError for other architectures."""
    modules = list(model)
    names = [type(module).__name__ for module in modules]
    if len(modules) not in (2, 3) or names[0] != "Transformer" or names[1] != "Pooling" or names[2:] not in ([], ["Normalize"]):
        raise OnnxExportError(f"only Transformer + Pooling [+ Normalize] models can be exported, not {names}")
    config = modules[1].get_config_dict()  # type: ignore[operator]  # the Pooling module (checked above)
    mode = config.get("pooling_mode") or ("cls" if config.get("pooling_mode_cls_token") else "mean")
    if mode not in ("mean", "cls"):
        raise OnnxExportError(f"pooling mode {mode!r} is not supported for ONNX export")
    return mode, len(modules) == 3, int(model.max_seq_length or 512)


def _verify(model: SentenceTransformer, folder: Path, max_length: int) -> float:
    """The lowest cosine between the export's and PyTorch's vectors of `CHECKSUM_SENTENCES`: the
    sentence vectors, and every token vector of the second output."""
    from kb.onnx_embedder import OnnxSession

    session = OnnxSession(folder, max_length=max_length)
    sentences = list(CHECKSUM_SENTENCES)
    expected = model.encode(sentences, batch_size=1, convert_to_numpy=True)
    expected_tokens = model.encode(sentences, batch_size=1, output_value="token_embeddings")
    worst = 1.0
    for sentence, vector, tokens in zip(sentences, expected, expected_tokens):
        got, got_tokens = session.embed_with_tokens(sentence)
        tokens = tokens.float().numpy()
        if got_tokens.shape != tokens.shape:
            worst = -1.0
            break
        worst = min(worst, float(np.min(_cosines(np.vstack([vector, tokens]), np.vstack([got, got_tokens])))))
    if worst < MIN_COSINE:
        shutil.rmtree(folder, ignore_errors=True)
        raise OnnxExportError(f"ONNX export differs from PyTorch (lowest cosine {worst:.6f} < {MIN_COSINE})")
    return worst


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
