import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from directory.models import Practice, PracticeLocation, Provider
from directory.npi import is_valid_npi

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-password-2026"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo logins are hashed on every seed; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(providers: int = 40) -> str:
    out = StringIO()
    call_command("seed_demo", providers=providers, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_asked_number_of_providers_with_valid_npis():
    seed(providers=40)

    npis = list(Provider.objects.values_list("npi", flat=True))
    assert len(npis) == 40
    assert all(is_valid_npi(npi) for npi in npis)


def test_second_seed_demo_run_creates_nothing():
    seed()
    users = get_user_model().objects
    counts = (Practice.objects.count(), PracticeLocation.objects.count(), Provider.objects.count())
    logins = set(users.values_list("username", flat=True))

    output = seed()

    assert (Practice.objects.count(), PracticeLocation.objects.count(), Provider.objects.count()) == counts
    assert "nothing created" in output
    assert set(users.values_list("username", flat=True)) == logins
    assert {"admin", "dr.adams", "dr.baker", "staff.lakeside", "staff.summit"} <= logins


def test_a_larger_demo_adds_providers_without_repeating_practices():
    seed(providers=40)
    practices_before = set(Practice.objects.values_list("name", "locations__postal_code"))

    seed(providers=60)
    grown = Provider.objects.count()
    seed(providers=60)

    assert 40 < grown <= 60
    assert Provider.objects.count() == grown
    assert not Practice.objects.filter(locations__isnull=True).exists()
    assert practices_before <= set(Practice.objects.values_list("name", "locations__postal_code"))


def test_demo_practices_sit_at_the_well_known_city_zips():
    seed(providers=40)

    for zip_code in ["10001", "60601", "94103", "77030", "02115"]:
        location = PracticeLocation.objects.filter(postal_code=zip_code).first()
        assert location is not None, zip_code
        assert location.latitude is not None
        assert location.providers.exists()


def test_demo_providers_offer_procedures_and_speak_english():
    seed(providers=40)

    for provider in Provider.objects.prefetch_related("procedures", "languages", "locations"):
        assert provider.credential in {"MD", "DO"}
        assert provider.procedures.all()
        assert "en" in {language.code for language in provider.languages.all()}
        assert provider.locations.all()


@pytest.mark.parametrize("username", ["admin", "dr.adams", "dr.baker"])
def test_demo_logins_work_with_the_documented_password(client, username):
    seed(providers=5)

    assert client.login(username=username, password=DEMO_PASSWORD)


def test_only_the_demo_admin_can_open_the_admin():
    seed(providers=5)
    users = get_user_model().objects

    assert users.get(username="admin").is_superuser
    assert not users.get(username="dr.adams").is_staff
    assert not users.get(username="dr.baker").is_staff


def manage_commands(**environment: str) -> str:
    """The command list ``manage.py help`` prints in a fresh process with ``environment`` set."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, **environment}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_production_without_demo_data_has_no_demo_app_and_no_seed_command() -> None:
    assert "seed_demo" in manage_commands(DEMO_DATA="true").split()
    assert "seed_demo" not in manage_commands(DEMO_DATA="false").split()
