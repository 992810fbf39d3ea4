"""`quellenlage train ner` passes every option into TrainConfig (the training itself is not run)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from quellenlage.cli import cli


def test_train_ner_options_reach_the_config(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quellenlage.train import ner

    seen = []

    def fake_train(cfg):  # type: ignore[no-untyped-def]
        seen.append(cfg)
        return {"steps": 0, "history": []}

    monkeypatch.setattr(ner, "train", fake_train)
    result = CliRunner().invoke(cli, ["train", "ner", "--out", str(tmp_path), "--vectors", "auto",
                                      "--news-repeat", "3", "--select-on", "news_f1", "--max-minutes", "1"])
    assert result.exit_code == 0, result.output
    cfg = seen[0]
    assert (cfg.vectors, cfg.news_repeat, cfg.select_on, cfg.max_minutes) == ("auto", 3, "news_f1", 1.0)
    assert json.loads(result.output.strip().splitlines()[-1]) == {"steps": 0}
    assert (tmp_path / "training.json").is_file()


def test_train_ner_defaults_reproduce_the_shipped_model(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quellenlage.train import ner

    seen = []
    monkeypatch.setattr(ner, "train", lambda cfg: seen.append(cfg) or {"history": []})
    assert CliRunner().invoke(cli, ["train", "ner", "--out", str(tmp_path)]).exit_code == 0
    assert (seen[0].vectors, seen[0].news_repeat, seen[0].select_on) == (None, 1, "f1")


def test_train_ner_rejects_an_unknown_selection(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["train", "ner", "--out", str(tmp_path), "--select-on", "loss"])
    assert result.exit_code == 2 and "news_f1" in result.output


def _fake_e5_trainer(monkeypatch: pytest.MonkeyPatch, seen: list) -> None:
    """Stand-in for quellenlage.train.ner_e5 (which needs torch): records the options it gets."""
    import sys
    import types

    fake = types.ModuleType("quellenlage.train.ner_e5")
    fake.E5TrainConfig = lambda **options: options  # type: ignore[attr-defined]
    fake.train = lambda cfg: seen.append(cfg) or {"steps": 0}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quellenlage.train.ner_e5", fake)


def test_train_ner_e5_runs_without_a_teacher(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list = []
    _fake_e5_trainer(monkeypatch, seen)
    result = CliRunner().invoke(cli, ["train", "ner-e5", "--out", str(tmp_path), "--layers", "4"])
    assert result.exit_code == 0, result.output
    assert (seen[0]["layers"], seen[0]["teacher"], seen[0]["lr"]) == (4, "", 8e-5)


def test_train_ner_e5_passes_the_distillation_options(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list = []
    _fake_e5_trainer(monkeypatch, seen)
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    args = ["train", "ner-e5", "--out", str(tmp_path / "out"), "--teacher", str(teacher),
            "--distil-weight", "0.7", "--temperature", "3"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (seen[0]["teacher"], seen[0]["distil_weight"], seen[0]["temperature"]) == (str(teacher), 0.7, 3.0)
    missing = CliRunner().invoke(cli, [*args[:4], "--teacher", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
