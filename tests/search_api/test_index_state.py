"""How /health words a difference between the index and the content (plain Dutch, names capped)."""

from search_api.index_state import IndexState


def test_a_matching_index_has_no_problem():
    assert IndexState(indexed=frozenset({"a", "b", "c"}), chunks=40).problem is None


def test_each_kind_of_difference_is_named_and_counted():
    state = IndexState(
        indexed=frozenset({"a", "b", "oud"}), chunks=100, missing=("kippen-houden",), incomplete=("a", "b"),
        outdated=tuple(f"artikel-{n}" for n in range(7)), removed=("oud",),
    )
    assert state.problem == (
        "De zoekindex klopt niet met de artikelen: 1 artikel ontbreekt (kippen-houden); "
        "2 artikelen zijn onvolledig (a, b); 7 artikelen zijn niet bijgewerkt (artikel-0, artikel-1, "
        "artikel-2, artikel-3, artikel-4 en 2 meer); 1 artikel is verwijderd maar nog vindbaar (oud). "
        "Herindexeer om dit te herstellen."
    )
