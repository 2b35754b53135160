"""People and places the security tests act on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.referrals.factories import StaffFactory, UserFactory


@pytest.fixture
def provider() -> Any:
    """A listed provider with one location in ZIP 80202 (downtown Denver)."""
    return ProviderFactory.create(locations=[PracticeLocationFactory.create(postal_code="80202")])


@pytest.fixture
def clinician() -> Any:
    return UserFactory.create(username="dr.adams")


@pytest.fixture
def office_staff() -> Any:
    return StaffFactory.create(username="staff.lakeside")


@pytest.fixture
def superuser() -> Any:
    return UserFactory.create(username="root", is_staff=True, is_superuser=True)
