"""The sentence encoders: loaded once, rows L2-normalised, errors users can act on."""

from __future__ import annotations

import numpy as np
import pytest

from quellenlage.embed import DIMENSIONS, embed, get_encoder
from quellenlage.errors import ModelError

pytestmark = pytest.mark.slow  # loads the encoders once per session


@pytest.mark.parametrize("name", ["fuse", "e5"])
def test_embed_returns_unit_rows_of_the_encoder_dimension(name):
    vectors = embed(["Die Regierung tagt am Montag.", "Der Zug fällt aus."], name)
    assert vectors.shape == (2, DIMENSIONS[name])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_places_paraphrases_closer_than_unrelated_sentences():
    a, b, c = embed(
        [
            "Der Bundestag hat das Gesetz beschlossen.",
            "Das Parlament verabschiedete das Gesetz.",
            "Im Garten blühen die Tulpen.",
        ],
        "fuse",
    )
    assert a @ b > a @ c


def test_get_encoder_is_loaded_once_per_process():
    assert get_encoder("fuse") is get_encoder("fuse")


def test_embed_of_no_texts_is_an_empty_matrix():
    assert embed([], "fuse").shape == (0, DIMENSIONS["fuse"])


def test_embed_accepts_blank_text():
    vector = embed(["   "], "fuse")
    assert np.isfinite(vector).all()


def test_unknown_encoder_names_the_choices():
    with pytest.raises(ModelError, match="fuse, e5"):
        get_encoder("bert")


def test_embed_cache_stores_each_text_once_and_returns_the_same_vectors(tmp_path):
    texts = ["Die Regierung tagt am Montag.", "Der Zug fällt aus.", "Die Regierung tagt am Montag."]
    fresh = embed(texts, "fuse")
    cached = embed(texts, "fuse", cache_dir=tmp_path / "vectors")
    assert len(list((tmp_path / "vectors").glob("fuse-*.npy"))) == 2
    np.testing.assert_allclose(cached, fresh, atol=1e-6)
    again = embed(texts[::-1], "fuse", cache_dir=tmp_path / "vectors")
    np.testing.assert_allclose(again, fresh[::-1], atol=1e-6)
