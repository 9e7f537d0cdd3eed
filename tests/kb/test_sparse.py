from kb.sparse import document_vector, query_vector, split_compound, term, term_index, terms


def test_compounds_split_into_common_words():
    assert split_compound("parkeervergunning") == ("parkeer", "vergunning")
    assert split_compound("afvalstoffenheffing") == ("afval", "stoffen", "heffing")
    assert split_compound("bijstandsuitkering") == ("bijstand", "uitkering")  # linking s
    # words of their own, and verb prefixes, stay whole
    assert split_compound("vergunning") == ()
    assert split_compound("parkeren") == ()
    assert split_compound("aanvragen") == ()


def test_compound_meets_its_paraphrase():
    compound = set(terms("parkeervergunning"))
    paraphrase = set(terms("een vergunning voor parkeren"))
    assert {"vergun", "parker"} <= compound & paraphrase
    assert term("straat") == term("straten") and term("boom") == term("bomen")
    assert "voor" not in paraphrase and "een" not in paraphrase  # stop words


def test_bm25_weights_saturate_and_indices_are_stable():
    once = document_vector("kwijtschelding")
    twice = document_vector("kwijtschelding kwijtschelding")
    index = term_index(term("kwijtschelding"))
    assert index in once.indices and term_index(term("kwijtschelding")) == index
    w1 = once.values[once.indices.index(index)]
    w2 = twice.values[twice.indices.index(index)]
    assert w1 < w2 < 2 * w1
    assert query_vector("kwijtschelding kwijtschelding").values == [1.0]
    assert query_vector("recept", extra_terms=["kwijtschelding"]).indices == sorted([term_index(term("recept")), index])
