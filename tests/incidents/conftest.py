from __future__ import annotations

import pytest

from mozdef.appdb import AppDb
from mozdef.incidents import IncidentStore, InvestigationStore


@pytest.fixture
def incidents(appdb: AppDb) -> IncidentStore:
    return IncidentStore(appdb)


@pytest.fixture
def investigations(appdb: AppDb) -> InvestigationStore:
    return InvestigationStore(appdb)
