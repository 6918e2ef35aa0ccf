"""The store suite's own rules: an untested OpenSearch must not pass silently."""

from __future__ import annotations

import pytest

from tests.store.conftest import OPENSEARCH_URL_VARIABLE, opensearch_url


def test_opensearch_cases_fail_without_a_node_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPENSEARCH_URL_VARIABLE, raising=False)

    with pytest.raises(pytest.fail.Exception, match=r"scripts/opensearch\.sh start"):
        opensearch_url()
