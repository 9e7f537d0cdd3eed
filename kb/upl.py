"""The national Uniforme Productnamenlijst (UPL): reference data for article `upl` URIs."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class UplProduct:
    name: str
    uri: str
    municipal: bool  # delivered by a municipality (column `Gemeente` = X)
    national: bool  # delivered by the Rijk (column `Rijk` = X)
    for_citizens: bool  # column `Burger` = X
    for_businesses: bool  # column `Bedrijf` = X


@lru_cache
def load_upl(path: Path) -> dict[str, UplProduct]:
    """Products by URI. Some names occur several times in the CSV with the same URI."""
    products: dict[str, UplProduct] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            uri = row["URI"].strip()
            product = UplProduct(
                name=row["UniformeProductnaam"].strip(),
                uri=uri,
                municipal=row["Gemeente"] == "X",
                national=row["Rijk"] == "X",
                for_citizens=row["Burger"] == "X",
                for_businesses=row["Bedrijf"] == "X",
            )
            previous = products.get(uri)
            if previous is None or (product.municipal and not previous.municipal):
                products[uri] = product
    return products
