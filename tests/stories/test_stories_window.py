"""The story window bounds a whole story: no two members are further apart than ``window_days``.

Chained daily reports (case numbers of day n match those of day n-1) must not grow into stories of
months; the bound holds whatever order the articles arrive in, for copies, and for stories restored
from the store. Most tests use hand-built profiles (the head vectors and names are chosen), so they
test the window rule and not the similarity model.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from quellenlage.models import Article
from quellenlage.similarity import Profile
from quellenlage.store import Store
from quellenlage.stories import Clusterer, stored_clusters, update_stories

D0 = dt.date(2020, 11, 2)
COMMON = frozenset({"corona", "regierung", "infektionen", "berlin"})
HEAD = np.random.default_rng(7).standard_normal(512).astype(np.float32)
HEAD /= np.linalg.norm(HEAD)


def _day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def _article(aid: str, day: int | None, text: str | None = None) -> Article:
    """An article dated ``day`` days after D0; its default text shares no words with another's
    (so that the near-duplicate index does not call it a copy)."""
    published = None if day is None else _day(day)
    text = text or " ".join(f"{aid}wort{i}" for i in range(40))
    return Article(id=aid, text=text, title=aid, published=published, outlet=f"{aid}.de", language="de")


def _profile(names: set[str], day: int | None, head: np.ndarray = HEAD) -> Profile:
    published = None if day is None else _day(day)
    return Profile(head, None, None, COMMON | frozenset(names), frozenset(), frozenset(), "de", published)


def _chain_names(n: int) -> set[str]:
    """Report ``n`` of a daily series: it shares two rare names with report n-1 and two with n+1,
    as RKI reports share the figures of the day before; no name is in more than two reports."""
    return {f"zahl{n}", f"kreis{n}", f"zahl{n + 1}", f"kreis{n + 1}"}


def _spans(clusterer: Clusterer) -> list[tuple[dt.date, dt.date]]:
    return sorted((s.first, s.last) for s in clusterer.results() if s.first and s.last)


@pytest.mark.parametrize(("window", "stories"), [(7, 3), (3, 6), (0, 21), (30, 1)])
def test_a_chain_of_daily_reports_splits_at_the_window(window: int, stories: int) -> None:
    clusterer = Clusterer(window_days=window)
    for n in range(21):  # days 0..20, each report matching the day before
        clusterer.add(_article(f"d{n}", n), _profile(_chain_names(n), n))
    spans = _spans(clusterer)
    assert len(spans) == stories
    assert all((last - first).days <= window for first, last in spans)
    # the chain is cut into consecutive pieces, not scattered into singletons
    assert spans[0] == (_day(0), _day(min(window, 20)))


def test_a_story_of_three_days_stays_one_story() -> None:
    clusterer = Clusterer(window_days=7)
    names = {"passau", "dupper"}
    for i, day in enumerate((0, 0, 1, 2, 2)):
        clusterer.add(_article(f"f{i}", day), _profile(names, day))
    (story,) = clusterer.results()
    assert len(story.members) == 5 and (story.first, story.last) == (_day(0), _day(2))
    assert [reason["kind"] for _, reason in story.members] == ["founder"] + ["similar"] * 4


def _story_of_days_3_to_9() -> tuple[Clusterer, str]:
    clusterer = Clusterer(window_days=7)
    names = {"passau", "dupper"}
    for day in (3, 5, 7, 9):
        clusterer.add(_article(f"f{day}", day), _profile(names, day))
    (story,) = clusterer.results()
    return clusterer, story.id


@pytest.mark.parametrize(
    ("late_day", "joins"),
    [
        (4, True),  # inside the story's days
        (2, True),  # older than every member, but the story then spans 2..9 = 7 days
        (1, False),  # would stretch the story to 1..9 = 8 days
        (10, True),  # 3..10
        (11, False),  # within the window of the latest member (9), not of the earliest (3)
        (None, True),  # an undated article is not bound by dates
    ],
)
def test_an_article_joins_only_if_the_story_still_fits_the_window(late_day: int | None, joins: bool) -> None:
    clusterer, story_id = _story_of_days_3_to_9()
    placed = clusterer.add(_article("late", late_day), _profile({"passau", "dupper"}, late_day))
    assert (placed.story_id == story_id) is joins
    for story in clusterer.results():
        if story.first and story.last:
            assert (story.last - story.first).days <= 7


def test_a_chain_arriving_newest_first_splits_the_same_way() -> None:
    clusterer = Clusterer(window_days=7)
    for n in reversed(range(21)):  # days 20..0: every article is older than the stories it meets
        clusterer.add(_article(f"d{n}", n), _profile(_chain_names(n), n))
    spans = _spans(clusterer)
    assert len(spans) == 3 and all((last - first).days <= 7 for first, last in spans)
    assert spans[-1] == (_day(13), _day(20))
    assert sum(len(s.members) for s in clusterer.results()) == 21


FLOOD = (
    "Hochwasser in Passau: Katastrophenfall ausgerufen. Die Stadt Passau hat am Montag wegen des "
    "Hochwassers der Donau den Katastrophenfall ausgerufen. Oberbürgermeister Jürgen Dupper sagte, 2.000 "
    "Helfer seien im Einsatz. Der Pegel der Donau erreichte am Abend 9,80 Meter. Teile der Altstadt wurden "
    "evakuiert, Schulen bleiben geschlossen. Die Feuerwehr Passau warnt vor weiter steigenden Pegeln."
)


@pytest.mark.parametrize("gap", [3, 10, 40])
def test_a_copy_joins_the_copied_story_whatever_the_gap(gap: int) -> None:
    # a republication weeks later stays with its original (that is how it is found to be stale)
    clusterer = Clusterer(window_days=7)
    other = np.roll(HEAD, 1)  # a different head: only the copy rule can join these two
    first = clusterer.add(_article("orig", 0, FLOOD), _profile({"passau"}, 0))
    copy = clusterer.add(_article("copy", gap, FLOOD + " (dpa)"), _profile({"donau"}, gap, other))
    assert copy.story_id == first.story_id
    assert copy.reason["kind"] == "copy"
    assert copy.reason["date_gap_days"] == gap


FLOOD_LATER = (
    "Donau-Hochwasser: Passau im Ausnahmezustand. Wegen der Donau gilt in Passau seit Montag der "
    "Katastrophenfall. Rund 2.000 Einsatzkräfte helfen, erklärte Jürgen Dupper. Der Pegel lag am Abend "
    "bei 9,80 Metern. In der Altstadt mussten Häuser geräumt werden; die Schulen in Passau bleiben zu."
)
FLOOD_AFTER = (
    "Hochwasser in Passau: Pegel der Donau sinkt. In Passau ist der Katastrophenfall wegen des "
    "Donau-Hochwassers noch in Kraft. Oberbürgermeister Jürgen Dupper dankte den 2.000 Helfern. Der Pegel "
    "der Donau fiel unter 9,80 Meter. Die Altstadt bleibt teilweise geräumt, die Schulen in Passau bleiben "
    "geschlossen, warnt die Feuerwehr Passau."
)


@pytest.mark.parametrize(("day", "joins"), [(6, True), (9, False)])
def test_a_story_restored_from_the_store_keeps_its_window(tmp_settings, day: int, joins: bool) -> None:  # type: ignore[no-untyped-def]
    with Store.open(tmp_settings) as store:
        store.put_article(_article("f1", 0, FLOOD))
        store.put_article(_article("f2", 5, FLOOD_LATER))
        update_stories(store, 7)
        (story,) = stored_clusters(store)
        assert story.article_ids == ("f1", "f2")
        store.put_article(_article("f3", day, FLOOD_AFTER))
        update_stories(store, 7)  # restores the stored story, then places f3
        (holding,) = [s for s in stored_clusters(store) if "f3" in s.article_ids]
        assert (holding.id == story.id) is joins
        assert all(
            (s.last_published - s.first_published).days <= 7
            for s in stored_clusters(store)
            if s.first_published and s.last_published
        )
