"""Reliability text model: what must not tell it who wrote a text (old spelling, datelines, n-grams
one publisher dominates) is normalised or filtered; what is content stays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from quellenlage.models import Article
from quellenlage.reliability import ReliabilityModel, clean_lines, modern_spelling, strip_dateline
from quellenlage.train.reliability import (
    choose_dominance,
    prepare,
    publisher_dominance,
    select_columns,
    subset,
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Er sagte, daß er kommt.", "Er sagte, dass er kommt."),
        ("Man muß das wissen, er mußte gehen.", "Man muss das wissen, er musste gehen."),
        ("Sie müßten es gewußt haben, bewußt.", "Sie müssten es gewusst haben, bewusst."),
        ("Ein bißchen Streß im Prozeß.", "Ein bisschen Stress im Prozess."),
        ("Der Beschluß zum Mißbrauch, ein Kompromiß.", "Der Beschluss zum Missbrauch, ein Kompromiss."),
        ("Das paßt, er läßt es, ein Anlaß.", "Das passt, er lässt es, ein Anlass."),
        ("Er vergißt, was er ißt; das ist gewiß.", "Er vergisst, was er isst; das ist gewiss."),
        ("DAß", "DAss"),  # case-insensitive; tokens are lowercased afterwards
    ],
)
def test_modern_spelling_rewrites_pre_reform_double_s(old, new):
    assert modern_spelling(old) == new


@pytest.mark.parametrize(
    "line",
    [
        "Er sagte, dass er kommt.",  # already the reformed spelling
        "Viel Spaß auf der Straße, sagte der große Mann.",
        "Zu Fuß mit Muße, das ist nicht müßig.",
        "Er heißt Paul, weiß es und beißt nicht; der Fluss fließt.",
        "Das Floß im Schoß des Grußes, gemäß der Maße.",
        "Kein scharfes S in dieser Zeile.",
    ],
)
def test_modern_spelling_keeps_correct_sharp_s(line):
    assert modern_spelling(line) == line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Berlin – Der Senat hat entschieden.", "Der Senat hat entschieden."),
        ("BERLIN (dpa) - Die Regierung plant", "Die Regierung plant"),
        ("Brüssel / Karlsruhe – Wann immer", "Wann immer"),
        ("Osnabrück. Der Forscher Hendrik Streeck", "Der Forscher Hendrik Streeck"),
        ("Wien: Das Vergnügen war kurz.", "Das Vergnügen war kurz."),
        ("Frankfurt/Main (AFP) – Die Börse", "Die Börse"),
    ],
)
def test_strip_dateline_removes_a_leading_place_and_credit(line, expected):
    assert strip_dateline(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Berlin ist die Hauptstadt.",
        "Dr. Tal Zaks, der Chief Medical Officer, erklärte",
        "Prof. Drosten sagt, die Lage sei ernst.",
        "Die Krise: Was jetzt zu tun ist.",
        "Ganz Deutschland fragt sich: Wann ist es vorbei?",
        "\u201eBerlin \u2013 das ist meine Stadt\u201c, sagte sie.",
        "Nach dem Lockdown ist vor dem Lockdown. Weil es so ist.",
        "J. R. Tolkien schrieb Romane.",
    ],
)
def test_strip_dateline_leaves_text_without_a_dateline(line):
    assert strip_dateline(line) == line


@pytest.fixture
def no_topic_words():
    """Dateline handling on its own: place names stay (the shipped model blanks them as topic words)."""
    from quellenlage.reliability import TopicWords, use_topic_words

    use_topic_words(TopicWords(frozenset(), ()))
    yield
    use_topic_words(None)


@pytest.mark.usefixtures("no_topic_words")
def test_clean_lines_strips_the_dateline_of_the_first_text_line_only():
    text = "Berlin – Der Senat tagt.\nBerlin – so stand es später im Text."
    lines = clean_lines("Berlin: Titel bleibt", text)
    assert lines == ["Berlin: Titel bleibt", "Der Senat tagt.", "Berlin - so stand es später im Text."]


@pytest.mark.usefixtures("no_topic_words")
def test_clean_lines_keeps_a_quoted_place_mid_sentence():
    lines = clean_lines(None, 'Sie sagte: "Berlin ist laut." Danach ging sie.')
    assert lines == ['Sie sagte: "Berlin ist laut." Danach ging sie.']


def test_clean_lines_blanks_the_shipped_topic_words_after_the_dateline():
    lines = clean_lines("Berlin: Titel bleibt", "Berlin – Der Senat tagt.\nIn Moskau schweigt der Kreml.")
    assert lines == [": Titel bleibt", "Der Senat tagt.", "In schweigt der ."]  # Moskau, Kreml: names


def test_reason_spans_find_the_old_spelling_in_the_text():
    model = ReliabilityModel.load()
    if "dass" not in model.vocabulary:
        pytest.skip("the shipped vocabulary has no 'dass'")
    article = Article(id="s1", title=None, text="Er weiß, daß es so ist. " * 20)
    for reason in model.score_article(article).reasons:
        for span in reason.spans:
            assert article.text[span.start : span.end].strip()


def _counts(rows: list[list[int]]) -> sparse.csr_matrix:
    return sparse.csr_matrix(np.array(rows, dtype=np.float32))


def test_publisher_dominance_is_one_when_even_and_k_when_one_publisher_only():
    # columns: used evenly by all three / only by "a" / by all, but mostly by "a"
    counts = _counts([[1, 1, 1], [1, 1, 1], [1, 0, 0], [1, 0, 1], [1, 0, 0], [1, 0, 0]])
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    publishers, dominance = publisher_dominance(counts, np.arange(6), groups)
    assert publishers.tolist() == [3, 1, 2]
    assert dominance[0] == pytest.approx(1.0)
    assert dominance[1] == pytest.approx(3.0)
    assert dominance[2] == pytest.approx(1.0 * 3 / 1.5)


def test_publisher_dominance_uses_rates_not_counts():
    # "a" is four times larger; the n-gram is in half of every publisher's documents: not dominated
    counts = _counts([[1], [0]] * 4 + [[1], [0], [1], [0], [1], [0]])
    groups = np.array(["a"] * 8 + ["b"] * 2 + ["c"] * 2 + ["d"] * 2)
    _, dominance = publisher_dominance(counts, np.arange(14), groups)
    assert dominance[0] == pytest.approx(1.0)


def test_select_columns_drops_ngrams_one_publisher_dominates_and_keeps_even_ones():
    groups = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 4)
    even = [1, 1, 0, 0] * 3  # half of every publisher's documents
    house = [1, 1, 1, 1] + [1, 0, 0, 0] * 2  # all of a's documents, a quarter of b's and c's
    counts = sparse.csr_matrix(np.array([even, house], dtype=np.float32).T)
    train = np.arange(12)
    kept, _ = select_columns(counts, train, max_features=10, min_df=1, groups=groups)
    assert kept.tolist() == [0, 1]  # without a cap both pass the three-publisher rule
    capped, idf = select_columns(counts, train, 10, 1, groups=groups, max_dominance=1.5)
    assert capped.tolist() == [0]  # dominance of "house": 1.0 / (1.5 / 3) = 2.0
    assert idf.shape == (1,)


def _records(per_publisher: int = 12) -> list[dict[str, str]]:
    """Five publishers; the label shows in the wording, and each publisher has a house phrase."""
    rng = np.random.default_rng(1)
    words = {
        "fake": ["Skandal", "Wahrheit", "Eliten", "Lügen", "verschwiegen", "Zensur", "endlich"],
        "real": ["Senat", "Behörde", "Angaben", "teilte", "mitgeteilt", "Sprecher", "Bericht"],
    }
    sources = [("f1", "fake"), ("f2", "fake"), ("f3", "fake"), ("r1", "real"), ("r2", "real")]
    records = []
    for source, label in sources:
        for i in range(per_publisher):
            picked = " ".join(rng.choice(words[label], size=5).tolist())
            text = f"Hausformel {source} heute. Die Leute reden über {picked} und mehr."
            records.append({"source": source, "label": label, "title": "", "text": text + f" Nr {i}"})
    return records


def test_subset_keeps_the_lines_of_its_documents_and_only_their_columns():
    p = prepare(_records())
    docs = np.array([3, 40, 12])
    q = subset(p, docs)
    assert q.labels.tolist() == p.labels[[3, 12, 40]].tolist()
    assert sorted(set(q.line_doc.tolist())) == [0, 1, 2]
    assert q.line_counts.sum() == p.line_counts[np.isin(p.line_doc, docs)].sum()
    assert q.line_counts.shape[1] == len(np.unique(p.line_counts[np.isin(p.line_doc, docs)].indices))


def test_choose_dominance_picks_from_the_grid_using_training_documents_only():
    records = _records()
    p = prepare(records)
    train = np.flatnonzero(np.array([r["source"] != "f3" for r in records]))
    cap, aucs = choose_dominance(p, train, grid=(None, 2.0))
    assert cap in (None, 2.0) and set(aucs) == {"None", "2.0"}
    # Whatever the held-out documents say, the choice does not change.
    scrambled = [dict(r, text="Ganz anders.") if r["source"] == "f3" else r for r in records]
    assert choose_dominance(prepare(scrambled), train, grid=(None, 2.0)) == (cap, aucs)
