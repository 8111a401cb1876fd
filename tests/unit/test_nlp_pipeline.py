import json

import pytest

from bot import nlp_pipeline


def test_fallback_is_chosen_when_the_trained_model_is_missing(monkeypatch):
    monkeypatch.setattr(nlp_pipeline, "_installed_version", lambda name: None if name == "sv_core_news_sm" else "3.4.4")
    assert nlp_pipeline.wanted_kind() == nlp_pipeline.FALLBACK


def test_trained_model_is_preferred_when_installed(monkeypatch):
    monkeypatch.setattr(nlp_pipeline, "_installed_version", lambda name: "3.4.0")
    assert nlp_pipeline.wanted_kind() == nlp_pipeline.TRAINED_MODEL


@pytest.mark.slow  # builds the spaCy pipeline
def test_built_fallback_pipeline_tokenises_and_lemmatises_swedish(tmp_path, monkeypatch):
    import spacy

    monkeypatch.setattr(nlp_pipeline, "_installed_version", lambda name: None if name == "sv_core_news_sm" else spacy.__version__)
    info = nlp_pipeline.prepare(tmp_path / "sv")
    assert info["kind"] == nlp_pipeline.FALLBACK
    assert json.loads((tmp_path / "sv" / "sipguiden.json").read_text())["lang"] == "sv"
    nlp = spacy.load(tmp_path / "sv")
    doc = nlp("Behövs samtycke från båda vårdnadshavarna till SIP-mötet?")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["vårdnadshavarna"] == "vårdnadshavare"
    assert "?" in lemmas
    # Nothing to do the second time: the marker is reused as it is.
    assert nlp_pipeline.prepare(tmp_path / "sv") == info


def test_project_pipeline_marker_names_what_runs():
    info = nlp_pipeline.current_info()
    assert info is not None, "make setup builds var/spacy-sv"
    assert info["kind"] == nlp_pipeline.wanted_kind()
    assert info["description"]
