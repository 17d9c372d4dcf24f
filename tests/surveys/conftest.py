import pytest


@pytest.fixture
def triage_fails_for(monkeypatch):
    """A function: triage raises for the item with this id (as for a row it cannot read), and
    runs as always for the others."""
    from surveys.services import triage

    broken: set[int] = set()
    real = triage._engine

    def engine(item, words):
        if item.pk in broken:
            raise ValueError("this one is broken")
        return real(item, words)

    monkeypatch.setattr(triage, "_engine", engine)
    return broken.add
