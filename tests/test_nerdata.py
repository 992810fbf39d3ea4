"""Dataset readers, label mappings, splits and span scoring for NER."""

from __future__ import annotations

import json

import pytest

from quellenlage import nerdata
from quellenlage.errors import InputError
from quellenlage.nerdata import NerSentence

GERMEVAL = """\
# http://de.wikipedia.org/wiki/Beispiel [2009-10-17]
1\tDie\tO\tO
2\tdeutsche\tB-LOCderiv\tO
3\tBahn\tB-ORG\tO
4\tin\tO\tO
5\tBerlin\tB-LOC\tO
6\tspielt\tO\tO
7\tEcce\tB-OTH\tO
8\thomo\tI-OTH\tO
9\tEU-weit\tB-ORGpart\tO
10\t.\tO\tO

1\tAngela\tB-PER\tO
2\tMerkel\tI-PER\tO
"""

WIKIANN = "0\tals\tO\n1\tSavoyer\tB-LOC\n2\tVoralpen\tI-LOC\n3\t#\tO\n\n0\tAntonina\tB-PER\n1\tX\tI-PER\n"

LER = (
    "Richter O\r\nDr.\tB-RR\r\nMüller\tI-RR\r\nam\tO\r\nBGH\tB-GRT\r\nin\tO\r\nKarlsruhe\tB-ST\r\n"
    "nach\tO\r\n§\tB-GS\r\n433\tI-GS\r\nBGB\tI-GS\r\nfür\tO\r\nNivea\tB-MRK\r\n\r\n"
    "Die\tO\r\nDaimler\tB-UN\r\nAG\tI-UN\r\n"
)


def test_germeval_maps_oth_to_misc_and_deriv_part_to_outside():
    sents = list(nerdata.read_germeval(GERMEVAL.splitlines(keepends=True)))
    assert len(sents) == 2
    first = sents[0]
    assert first.tokens[:3] == ("Die", "deutsche", "Bahn")
    assert first.tags == ("O", "O", "B-ORG", "O", "B-LOC", "O", "B-MISC", "I-MISC", "O", "O")
    assert sents[1].tags == ("B-PER", "I-PER")


def test_wikiann_reads_index_token_tag_and_keeps_hash_tokens():
    sents = list(nerdata.read_conll(WIKIANN.splitlines(keepends=True)))
    assert [s.tokens for s in sents] == [("als", "Savoyer", "Voralpen", "#"), ("Antonina", "X")]
    assert sents[0].tags == ("O", "B-LOC", "I-LOC", "O")


def test_ler_maps_legal_types():
    sents = list(nerdata.read_conll(LER.splitlines(keepends=True), nerdata.LER_MAP))
    tags = dict(zip(sents[0].tokens, sents[0].tags, strict=True))
    assert tags["Dr."] == "B-PER" and tags["Müller"] == "I-PER"  # judge -> PER
    assert tags["BGH"] == "B-ORG"  # court -> ORG
    assert tags["Karlsruhe"] == "B-LOC"  # city -> LOC
    assert tags["§"] == tags["433"] == tags["BGB"] == "O"  # law reference -> O
    assert tags["Nivea"] == "B-MISC"  # brand -> MISC
    assert sents[1].tags == ("O", "B-ORG", "I-ORG")  # company -> ORG


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("B-PER", "B-PER"), ("I-de:LOC", "I-LOC"), ("B-LOCderiv", "O"), ("O", "O"), ("B-XYZ", "O")],
)
def test_map_tag(tag, expected):
    assert nerdata.map_tag(tag, {"PER": "PER", "LOC": "LOC"}) == expected


def test_repair_bio_starts_orphan_inside_tags():
    assert nerdata.repair_bio(["O", "I-PER", "I-LOC", "I-LOC"]) == ("O", "B-PER", "B-LOC", "I-LOC")


def _smartdata_line() -> str:
    text = "Stau auf der A 7 bei Hamburg\nSiemens-Chef Joe Kaeser sprach am Montag in der Hauptstraße."
    mentions = [
        {"start": 13, "end": 16, "type": "location-route"},
        {"start": 21, "end": 28, "type": "location-city"},
        {"start": 29, "end": 36, "type": "organization-company"},
        {"start": 42, "end": 51, "type": "person"},
        {"start": 63, "end": 69, "type": "date"},
        {"start": 77, "end": 88, "type": "location-street"},
    ]
    return json.dumps({"id": "doc-1", "text": text, "mentions": mentions})


def test_smartdata_maps_fine_types_per_line():
    sents = list(nerdata.read_smartdata([_smartdata_line()]))
    assert len(sents) == 2 and {s.doc_id for s in sents} == {"doc-1"}
    first = dict(zip(sents[0].tokens, sents[0].tags, strict=True))
    assert first["A"] == "B-MISC" and first["7"] == "I-MISC"  # route -> MISC
    assert first["Hamburg"] == "B-LOC"
    spans = {(" ".join(sents[1].tokens[a:b]), t) for a, b, t in nerdata.bio_spans(sents[1].tags)}
    assert ("Joe Kaeser", "PER") in spans
    assert ("Hauptstraße", "LOC") in spans
    assert not any(t == "O" or "Montag" in name for name, t in spans)  # dates are outside


def test_detect_format(tmp_path):
    cases = {"a.tsv": GERMEVAL, "b.conllu": WIKIANN, "c.conll": LER, "d.jsonl": _smartdata_line() + "\n"}
    for name, content in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    got = {name: nerdata.detect_format(tmp_path / name) for name in cases}
    assert got == {"a.tsv": "germeval", "b.conllu": "conll", "c.conll": "conll", "d.jsonl": "smartdata"}


def test_splits_are_deterministic_and_disjoint():
    sents = [NerSentence((f"Satz{i}", "."), ("O", "O")) for i in range(400)]
    train1, held1 = nerdata.split(sents, "germeval")
    _, held2 = nerdata.split(list(reversed(sents)), "germeval")
    assert {s.key for s in held1} == {s.key for s in held2}
    assert not {s.key for s in train1} & {s.key for s in held1}
    assert 150 < len(held1) < 250  # about half
    assert nerdata.split(sents, "germeval", seed=1)[1] != held1


def test_smartdata_split_keeps_documents_together():
    sents = [NerSentence((f"w{i}",), ("O",), doc_id=f"doc{i // 3}") for i in range(300)]
    train, held = nerdata.split(sents, "smartdata")
    assert not {s.doc_id for s in train} & {s.doc_id for s in held}
    assert 0.1 < len({s.doc_id for s in held}) / 100 < 0.3


@pytest.mark.slow
def test_no_heldout_sentence_reaches_training(shared_data):
    from quellenlage.train.ner import TrainConfig, load_training_data

    cfg = TrainConfig(data_dir=str(shared_data / "ner"), out="unused", include_wikiann=False)
    train, dev, hashes = load_training_data(cfg)
    germeval = nerdata.read_file(shared_data / "ner" / "germeval2014-dev.tsv")
    smart = nerdata.read_file(shared_data / "ner" / "smartdata-train.jsonl")
    held_keys = {s.key for s in nerdata.split(germeval, "germeval")[1]}
    held_docs = {s.doc_id for s in nerdata.split(smart, "smartdata")[1]}
    used = train + dev
    assert held_keys and held_docs
    assert not held_keys & {s.key for s in used}
    assert not held_docs & {s.doc_id for s in used if s.doc_id}
    assert "germeval2014-dev.tsv" in hashes and len(hashes["germeval2014-dev.tsv"]) == 64


def test_span_score_ignores_misc_and_counts_exact_matches():
    score = nerdata.SpanScore.empty()
    gold = {(0, 2, "PER"), (5, 6, "LOC"), (7, 8, "MISC")}
    pred = {(0, 2, "PER"), (5, 7, "LOC"), (9, 10, "MISC")}
    score.add(gold, pred)
    assert score.micro() == {"p": 0.5, "r": 0.5, "f1": 0.5}
    assert score.per_type()["PER"]["f1"] == 1.0


def test_dev_part_is_on_the_training_side_only():
    sents = [NerSentence((f"Satz{i}", "."), ("O", "O")) for i in range(1000)]
    dev = [s for s in sents if nerdata.is_dev(s, "germeval")]
    assert 20 < len(dev) < 80  # 10 % of the non-held-out half
    assert not any(nerdata.is_heldout(s, "germeval") for s in dev)
    assert not any(nerdata.is_dev(s, "conll") for s in sents)


# Variants an outside evaluator's files may take: each must read exactly like the plain version.
BIO = [("Angela", "B-PER"), ("Merkel", "I-PER"), ("besucht", "O"), ("Paris", "B-LOC"), (".", "O")]
BIO2 = [("Die", "O"), ("Deutsche", "B-ORG"), ("Bahn", "I-ORG"), ("#", "O"), ("streikt", "O")]
EXPECTED = [
    (("Angela", "Merkel", "besucht", "Paris", "."), ("B-PER", "I-PER", "O", "B-LOC", "O")),
    (("Die", "Deutsche", "Bahn", "#", "streikt"), ("O", "B-ORG", "I-ORG", "O", "O")),
]


def _lines(rows, fmt):
    return "\n".join(fmt(i, token, tag) for i, (token, tag) in enumerate(rows, 1))


def _bioes(rows):
    out = []
    for i, (token, tag) in enumerate(rows):
        nxt = rows[i + 1][1] if i + 1 < len(rows) else "O"
        if tag == "O":
            out.append((token, tag))
            continue
        last = not nxt.startswith("I-")
        if tag.startswith("B-"):
            out.append((token, ("S-" if last else "B-") + tag[2:]))
        else:
            out.append((token, ("E-" if last else "I-") + tag[2:]))
    return out


VARIANTS = {
    # the official GermEval files open each sentence with "#<TAB>source [date]"; Windows line endings
    "germeval_official.tsv": "#\thttp://de.wikipedia.org/wiki/X [2009-10-17]\r\n"
    + _lines(BIO, lambda i, t, g: f"{i}\t{t}\t{g}\tO").replace("\n", "\r\n")
    + "\r\n\r\n#\thttp://example.org [2009-10-18]\r\n"
    + _lines(BIO2, lambda i, t, g: f"{i}\t{t}\t{g}\tO").replace("\n", "\r\n")
    + "\r\n",
    "germeval_space.tsv": _lines(BIO, lambda i, t, g: f"{i} {t} {g} O")
    + "\n\n"
    + _lines(BIO2, lambda i, t, g: f"{i} {t} {g} O"),
    "bom.conll": "\ufeff"
    + _lines(BIO, lambda i, t, g: f"{t}\t{g}")
    + "\n\n"
    + _lines(BIO2, lambda i, t, g: f"{t}\t{g}"),
    "docstart.conll": "-DOCSTART- O\n\n"
    + _lines(BIO, lambda i, t, g: f"{t} {g}")
    + "\n\n-DOCSTART- O\n\n"
    + _lines(BIO2, lambda i, t, g: f"{t} {g}")
    + "\n\n\n",
    "conll2003.conll": _lines(BIO, lambda i, t, g: f"{t} NN I-NP {g}")
    + "\n\n"
    + _lines(BIO2, lambda i, t, g: f"{t} NN I-NP {g}"),
    "conll2003_tab.conll": _lines(BIO, lambda i, t, g: f"{t}\tNN\tI-NP\t{g}")
    + "\n\n"
    + _lines(BIO2, lambda i, t, g: f"{t}\tNN\tI-NP\t{g}"),
    "bioes.conll": _lines(_bioes(BIO), lambda i, t, g: f"{t}\t{g}")
    + "\n\n"
    + _lines(_bioes(BIO2), lambda i, t, g: f"{t}\t{g}"),
    "conllu_comments.conllu": "# sent_id = 1\n# text = Angela Merkel besucht Paris .\n"
    + _lines(BIO, lambda i, t, g: f"{i - 1}\t{t}\t{g}")
    + "\n\n# sent_id = 2\n"
    + _lines(BIO2, lambda i, t, g: f"{i - 1}\t{t}\t{g}"),
    "wikiann_prefix.conll": _lines(BIO, lambda i, t, g: f"de:{t} {g}")
    + "\n\n"
    + _lines(BIO2, lambda i, t, g: f"de:{t} {g}"),
    "long_type_names.conll": (
        _lines(BIO, lambda i, t, g: f"{t}\t{g.replace('PER', 'PERSON').replace('LOC', 'GPE')}")
        + "\n\n"
        + _lines(BIO2, lambda i, t, g: f"{t}\t{g.replace('ORG', 'ORGANIZATION')}")
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_format_variants_read_like_the_plain_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(VARIANTS[name].encode("utf-8"))
    sents = nerdata.read_file(path)
    assert [(s.tokens, s.tags) for s in sents] == EXPECTED
    expected_format = "germeval" if name.startswith("germeval") else "conll"
    assert nerdata.detect_format(path) == expected_format


def test_ler_labels_are_recognised_by_content_not_file_name(tmp_path):
    path = tmp_path / "test.conll"  # not named ler-*
    path.write_text(LER, encoding="utf-8")
    assert nerdata.sniff(path).ler
    first = nerdata.read_file(path)[0]
    tags = dict(zip(first.tokens, first.tags, strict=True))
    assert tags["BGH"] == "B-ORG" and tags["Karlsruhe"] == "B-LOC" and tags["Dr."] == "B-PER"


def test_a_file_without_tags_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("Das ist ein Satz\nund noch einer hier\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a tag"):
        nerdata.read_file(path)


def test_smartdata_variants(tmp_path):
    line = json.loads(_smartdata_line())
    upper = {
        **line,
        "mentions": [{**m, "type": m["type"].upper().replace("-", "_")} for m in line["mentions"]],
    }
    no_id = {k: v for k, v in line.items() if k != "id"}
    rows = [
        upper,
        no_id,
        {"id": "x", "text": "Nur Text ohne Namen hier.", "mentions": None},
        {"id": "y", "text": None},
    ]
    path = tmp_path / "sd.jsonl"
    path.write_text("\ufeff" + "\r\n".join(json.dumps(r) for r in rows) + "\r\n", encoding="utf-8")
    sents = nerdata.read_file(path)
    plain = list(nerdata.read_smartdata([_smartdata_line()]))
    assert [s.tags for s in sents[:2]] == [s.tags for s in plain]  # upper-case types map as usual
    assert [s.tags for s in sents[2:4]] == [s.tags for s in plain]  # no id: the line number stands in
    assert sents[2].doc_id == "line-2"
    assert sents[4].tags == ("O",) * len(sents[4].tokens)  # mentions: null
    assert len(sents) == 5  # the document without text has no sentence


def test_smartdata_line_that_is_not_json_names_the_line(tmp_path):
    path = tmp_path / "sd.jsonl"
    path.write_text(_smartdata_line() + "\n{broken\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        nerdata.read_file(path)
