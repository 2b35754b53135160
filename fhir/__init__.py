"""FHIR R4 adapters over the directory (docs/fhir.md) and the referral services (docs/fhir-referrals.md);
nothing imports this app.

The ``fhir.resources`` models the tests validate with install into a package also named
``fhir``; extending this package's path lets ``fhir.resources`` be imported beside it.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
