"""Embedding with ONNX Runtime, as Haystack components.

Drop-ins for `SentenceTransformersTextEmbedder` / `SentenceTransformersDocumentEmbedder` (same
`run` contracts and the same vectors; see `kb.model.onnx_export` for how the ONNX copy of the
sentence-transformers model is made and verified).
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from haystack import Document, component

from kb.token_vectors import content_token_vectors

#: The most tokens (texts x the longest text's tokens) one run of the model may hold: two passages
#: of 512 tokens, or ten of 100. A run's memory grows faster than its tokens (measured: 1,024
#: tokens about 50 MB at most, 10,400 tokens 1.2 GB), and the process keeps what it once took.
TOKEN_BUDGET = 1024


class RowFile:
    """The rows of a two-dimensional `.npy` file (the word-embedding table, 384 MB), read where
    they are needed with `pread`: the file's pages stay in the system's page cache, shared, and
    nothing is mapped into the process. (Mapped, every row read also mapped the 15 pages around
    it: 1,600 questions left 225 MB of the table resident in the service.)"""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran_order, dtype = read_header(file)
            self.offset = file.tell()
        if len(shape) != 2 or fortran_order:
            raise ValueError(f"{path}: expected a two-dimensional table in C order, not {shape}")
        self.shape = shape
        self.dtype = np.dtype(dtype)
        self.row_bytes = shape[1] * self.dtype.itemsize
        self._file = open(path, "rb", buffering=0)  # held open while the table is read (the service's session: for good)

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The rows of `ids` (any shape), in an array of shape `ids.shape + (width,)`."""
        unique, positions = np.unique(ids, return_inverse=True)
        table = np.empty((len(unique), self.shape[1]), dtype=self.dtype)
        for index, row in enumerate(unique.tolist()):
            if not 0 <= row < self.shape[0]:
                raise IndexError(f"row {row} is outside the table of {self.shape[0]} rows")
            table[index] = np.frombuffer(os.pread(self._file.fileno(), self.row_bytes, self.offset + row * self.row_bytes), dtype=self.dtype)
        return table[positions.reshape(ids.shape)]

    def close(self) -> None:
        self._file.close()


class OnnxSession:
    """Tokenizer + ONNX Runtime session for one exported model folder (`kb.model.onnx_export`):
    the token ids, their rows of the word-embedding table (`RowFile`), one `run`."""

    def __init__(self, folder: Path, *, max_length: int = 512, threads: int = 0) -> None:
        import onnxruntime as ort

        from kb.model.onnx_export import EMBEDDINGS_INPUT, WORD_EMBEDDINGS_FILE
        from kb.tokenization import load_tokenization

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Threads that wait for work sleep instead of spinning: the service shares its cores with
        # the API's own threads (and, on a small server, with other services). Measured on 2
        # cores: the same latency for one question, more questions per second for four at once.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # No memory arena: a batch of long passages needs hundreds of MB for a moment (attention
        # is tokens x tokens per head), which an arena would keep for the life of the service
        options.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenization = load_tokenization(folder, max_length)
        self.pad_id = self.tokenization.pad_id
        self.word_embeddings = RowFile(folder / WORD_EMBEDDINGS_FILE)
        self.embeddings_input = EMBEDDINGS_INPUT

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = self.word_embeddings.rows(ids)
        vectors, tokens = self.session.run(None, {"input_ids": ids, "attention_mask": mask, self.embeddings_input: rows})
        return vectors, tokens

    def embed(self, text: str) -> np.ndarray:
        return self.embed_with_tokens(text)[0]

    def embed_with_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's vector and the vector of each of its tokens (special tokens included), from one run."""
        ids = np.asarray([self.tokenization.encode(text)], dtype=np.int64)
        vectors, tokens = self._run(ids, np.ones_like(ids))
        return vectors[0], tokens[0]

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Several texts in one run; padding is masked out, so the vectors equal `embed`'s."""
        return self.embed_batch_with_tokens(texts)[0]

    def embed_batch_with_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed_batch`, and each text's token vectors without the padding. Run in parts of at
        most `TOKEN_BUDGET` tokens, in the order given (callers sort the texts by length)."""
        encodings = [self.tokenization.encode(text) for text in texts]
        vectors: list[np.ndarray] = []
        tokens: list[np.ndarray] = []
        start = 0
        while start < len(encodings):
            end, width = start, 0
            while end < len(encodings):
                width_with = max(width, len(encodings[end]))
                if end > start and (end + 1 - start) * width_with > TOKEN_BUDGET:
                    break
                end, width = end + 1, width_with
            part_vectors, part_tokens = self._embed_encoded(encodings[start:end])
            vectors.append(part_vectors)
            tokens.extend(part_tokens)
            start = end
        return np.concatenate(vectors), tokens

    def _embed_encoded(self, encodings: list[list[int]]) -> tuple[np.ndarray, list[np.ndarray]]:
        width = max(len(encoding) for encoding in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding)] = encoding
            mask[row, : len(encoding)] = 1
        vectors, tokens = self._run(ids, mask)
        return vectors, [tokens[row, : len(encoding)] for row, encoding in enumerate(encodings)]

    def prefix_pieces(self, prefix: str) -> int:
        """How many tokens a prefix such as `query: ` adds after the start token."""
        return len(self.tokenization.encode(prefix.strip(), special=False)) if prefix.strip() else 0


@functools.lru_cache(maxsize=4)
def shared_session(folder: Path, max_length: int, threads: int, export_id: object = None) -> OnnxSession:
    """One session per exported folder and process, shared by the query and the passage embedder
    (`export_id` tells a new export in the same folder apart)."""
    return OnnxSession(folder, max_length=max_length, threads=threads)


class _OnnxEmbedder:
    """What both embedders share: the exported folder, the prefix and a lazily opened session."""

    def __init__(self, folder: str, prefix: str = "", threads: int = 0) -> None:
        self.folder = Path(folder)
        self.prefix = prefix
        self.threads = threads
        self._session: OnnxSession | None = None
        self.dimension: int | None = None
        self.prefix_pieces = 0  # tokens the prefix adds after the start token (`kb.token_vectors`), set by warm_up

    def warm_up(self) -> None:
        if self._session is None:
            from kb.model.onnx_export import MARKER_NAME, read_marker

            info = read_marker(self.folder)
            self.dimension = int(info["dimension"])
            exported = (self.folder / MARKER_NAME).stat().st_mtime_ns
            self._session = shared_session(self.folder, int(info["max_length"]), self.threads, exported)
            self.prefix_pieces = self._session.prefix_pieces(self.prefix)

    @property
    def session(self) -> OnnxSession:
        self.warm_up()
        assert self._session is not None
        return self._session


@component
class OnnxTextEmbedder(_OnnxEmbedder):
    """Embeds one query string with an exported model (prefix added, like sentence-transformers)."""

    @component.output_types(embedding=list[float], tokens=np.ndarray)
    def run(self, text: str) -> dict:
        """`tokens`: the vectors of the text's own tokens (`kb.token_vectors`), from the same run."""
        if not isinstance(text, str):
            raise TypeError("OnnxTextEmbedder expects a string; use a document embedder for documents")
        # Questions asked at the same time run the model side by side on the shared session
        # (ONNX Runtime allows it): measured on 2 cores with four at once, twice the questions
        # per second of batching them into one run, where padding to the longest costs more
        # than the run saves (`kb bench-embed`).
        vector, tokens = self.session.embed_with_tokens(self.prefix + text)
        return {"embedding": vector.tolist(), "tokens": content_token_vectors(tokens, self.prefix_pieces)}


@component
class OnnxDocumentEmbedder(_OnnxEmbedder):
    """Embeds Haystack documents with an exported model, in length-sorted batches (little padding)."""

    def __init__(self, folder: str, prefix: str = "", batch_size: int = 64, threads: int = 0) -> None:
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
        embedded = [
            replace(document, embedding=vector.tolist())  # type: ignore[union-attr]  # every slot was filled above
            for document, vector in zip(documents, vectors)
        ]
        return {"documents": embedded}
