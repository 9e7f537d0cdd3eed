"""Embedding with ONNX Runtime, as Haystack components.

Drop-ins for `SentenceTransformersTextEmbedder` / `SentenceTransformersDocumentEmbedder` (same
`run` contracts and the same vectors; see `kb.model.onnx_export` for how the ONNX copy of the
sentence-transformers model is made and verified).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from haystack import Document, component


class OnnxSession:
    """Tokenizer + ONNX Runtime session for one exported model folder."""

    def __init__(self, folder: Path, *, max_length: int = 512, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        self.pad_token = "<pad>" if self.tokenizer.token_to_id("<pad>") is not None else "[PAD]"
        self.pad_id = self.tokenizer.token_to_id(self.pad_token) or 0

    def embed(self, text: str) -> np.ndarray:
        encoding = self.tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return vectors[0]

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Several texts in one run; padding is masked out, so the vectors equal `embed`'s."""
        encodings = [self.tokenizer.encode(text) for text in texts]
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return vectors


class _OnnxEmbedder:
    """What both embedders share: the exported folder, the prefix and a lazily opened session."""

    def __init__(self, folder: str, prefix: str = "", threads: int = 0) -> None:
        self.folder = Path(folder)
        self.prefix = prefix
        self.threads = threads
        self._session: OnnxSession | None = None
        self.dimension: int | None = None

    def warm_up(self) -> None:
        if self._session is None:
            from kb.model.onnx_export import read_marker

            info = read_marker(self.folder)
            self.dimension = int(info["dimension"])
            self._session = OnnxSession(self.folder, max_length=int(info["max_length"]), threads=self.threads)

    @property
    def session(self) -> OnnxSession:
        self.warm_up()
        assert self._session is not None
        return self._session


@component
class OnnxTextEmbedder(_OnnxEmbedder):
    """Embeds one query string with an exported model (prefix added, like sentence-transformers)."""

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, list[float]]:
        if not isinstance(text, str):
            raise TypeError("OnnxTextEmbedder expects a string; use a document embedder for documents")
        return {"embedding": self.session.embed(self.prefix + text).tolist()}


@component
class OnnxDocumentEmbedder(_OnnxEmbedder):
    """Embeds Haystack documents with an exported model, in length-sorted batches (little padding)."""

    def __init__(self, folder: str, prefix: str = "", batch_size: int = 8, threads: int = 0) -> None:
        _OnnxEmbedder.__init__(self, folder, prefix, threads)  # @component rebuilds the class: no super()
        self.batch_size = batch_size

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        texts = [self.prefix + (document.content or "") for document in documents]
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        vectors: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            for index, vector in zip(batch, self.session.embed_batch([texts[i] for i in batch])):
                vectors[index] = vector
        embedded = [replace(document, embedding=vector.tolist()) for document, vector in zip(documents, vectors)]
        return {"documents": embedded}
