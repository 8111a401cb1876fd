import importlib.util
import shutil
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("train_script", Path("scripts/train.py"))


@pytest.fixture
def train(tmp_path, monkeypatch):
    module = importlib.util.module_from_spec(SPEC)
    SPEC.loader.exec_module(module)
    for name in ("config.yml", "domain.yml", "requirements.lock"):
        shutil.copy(name, tmp_path / name)
    shutil.copytree("data", tmp_path / "data")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "MODEL", tmp_path / "models" / "sipguiden.tar.gz")
    monkeypatch.setattr(module, "FINGERPRINT", tmp_path / "models" / "sipguiden.fingerprint")
    (tmp_path / "models").mkdir()
    return module


def test_model_is_current_only_while_its_inputs_are_unchanged(train, tmp_path):
    assert not train.up_to_date()  # no model yet
    train.MODEL.write_bytes(b"model")
    train.FINGERPRINT.write_text(train.fingerprint())
    assert train.up_to_date()
    (tmp_path / "data" / "nlu" / "conversation.yml").write_text("changed", encoding="utf-8")
    assert not train.up_to_date()


def test_a_new_data_file_or_config_change_means_retraining(train, tmp_path):
    train.MODEL.write_bytes(b"model")
    train.FINGERPRINT.write_text(train.fingerprint())
    (tmp_path / "data" / "extra.yml").write_text("version: '3.1'\n", encoding="utf-8")
    assert not train.up_to_date()
    (tmp_path / "data" / "extra.yml").unlink()
    assert train.up_to_date()
    (tmp_path / "config.yml").write_text("language: sv\n", encoding="utf-8")
    assert not train.up_to_date()
