"""Keep the search listing (``SearchListing``) and its grid totals (``SearchCell``) in step.

A search reads one table: a row per listed provider at each located practice
location, carrying the location's search keys and the provider's filter values;
its count also adds per-cell totals of lead rows (``directory.search_grid``).
Those are derived data, so every write that could change a search result
rewrites the rows of the providers it touches, and adds the difference in lead rows
to the cells, in the same transaction:

- ORM saves, deletes and many-to-many changes reach ``refresh_listings`` through the
  signal receivers below (connected in ``DirectoryConfig.ready``): the admin, the
  services and the factories need do nothing;
- bulk writes, which send no signals (``bulk_create``, ``bulk_update``, raw SQL),
  call ``refresh_listings`` with the providers they wrote;
- deleting a provider or a location removes its rows first (the foreign keys'
  cascade would too, without telling the cells), and the location's providers are
  refreshed after it (their other rows name it).

``manage.py rebuild_search_listings`` rewrites every row, for a database edited by hand.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.db import connections, models, transaction

from directory.search_grid import LEVELS, coarse, fine_cell

BATCH = 2000
# Earlier locations a row carries (SearchListing.earlierN_*); a provider with more
# located locations than EARLIER_KEPT + 1 is counted with a DISTINCT instead.
EARLIER_KEPT = 2
# A signed 64-bit column holds bits 0..62; catalog primary keys start at 1.
_MAX_BIT = 62


def catalog_bit(pk: int) -> int | None:
    """The bit standing for catalog entry ``pk`` in a listing's bit set; None past the column's width.

    A search for an entry without a bit falls back to the catalog link table, so a
    catalog that outgrows 62 entries of a kind stays correct, only slower to filter.
    """
    return 1 << pk if 0 < pk <= _MAX_BIT else None


@dataclass(frozen=True)
class _Tables:
    """The models a refresh reads and writes, from the live app registry or a migration's."""

    provider: Any
    listing: Any
    cells: Any
    locations: Any
    procedures: Any
    conditions: Any
    languages: Any

    @classmethod
    def of(cls, registry: Apps) -> _Tables:
        provider = registry.get_model("directory", "Provider")

        def through(name: str) -> Any:
            return provider._meta.get_field(name).remote_field.through

        return cls(
            provider=provider,
            listing=registry.get_model("directory", "SearchListing"),
            cells=registry.get_model("directory", "SearchCell"),
            locations=through("locations"),
            procedures=through("procedures"),
            conditions=through("conditions"),
            languages=through("languages"),
        )


def refresh_listings(
    provider_ids: Iterable[int] | None = None, *, registry: Apps = django_apps, using: str = "default"
) -> int:
    """Rewrite the listing rows of these providers (every provider when None); returns rows written.

    An unlisted provider, or one without a located practice location, ends with no rows
    and so drops out of every search.
    """
    tables = _Tables.of(registry)
    listing = tables.listing.objects.using(using)
    written = 0
    with transaction.atomic(using=using):
        new_version(registry=registry, using=using)
        if provider_ids is None:
            listing.all().delete()
            tables.cells.objects.using(using).all().delete()
            batches = _chunks(
                tables.provider.objects.using(using)
                .filter(is_listed=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        else:
            batches = _chunks(sorted(set(provider_ids)))
        for batch in batches:
            changes: _CellChanges = Counter()
            if provider_ids is not None:
                changes = _delete_rows(tables, listing.filter(provider_id__in=batch))
            rows = _listing_rows(tables, batch, using)
            listing.bulk_create(rows, batch_size=BATCH)
            for row in rows:
                if row.lead:
                    changes[(row.cell_lat, row.cell_lng), row.accepting_new_patients] += 1
            _add_to_cells(tables, changes, using)
            written += len(rows)
    return written


# Lead rows gained (positive) or lost per (fine cell, accepting flag).
_CellChanges = Counter[tuple[tuple[int, int], bool]]


def _delete_rows(tables: _Tables, rows: Any) -> _CellChanges:
    """Delete listing ``rows`` (a queryset); returns the lead rows lost, for ``_add_to_cells``."""
    changes: _CellChanges = Counter()
    # Locked, so the lead rows subtracted are exactly the ones deleted.
    leads = rows.filter(lead=True).select_for_update()
    for cell_lat, cell_lng, accepting in leads.values_list("cell_lat", "cell_lng", "accepting_new_patients"):
        changes[(cell_lat, cell_lng), accepting] -= 1
    rows.delete()
    return changes


def forget_rows(using: str, **lookup: int) -> None:
    """Delete the listing rows of a provider or location about to be deleted, keeping the cells' totals.

    ``lookup`` is ``provider_id=`` or ``location_id=``. The database's cascade would
    delete the rows too, but without telling the cells.
    """
    tables = _Tables.of(django_apps)
    rows = tables.listing.objects.using(using).filter(**lookup)
    with transaction.atomic(using=using):
        new_version(using=using)
        _add_to_cells(tables, _delete_rows(tables, rows), using)


def _add_to_cells(tables: _Tables, changes: _CellChanges, using: str) -> None:
    """Add the changes in lead rows per fine cell (and accepting flag) to every level's totals.

    Differences, not recounts: two transactions changing one cell both add up, where a
    recount could be computed before the other commits and overwrite it.
    """
    totals: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for (cell, accepting), change in changes.items():
        for level in LEVELS:
            total = totals[(level, *coarse(cell, level))]
            total[0] += change
            total[1] += change if accepting else 0
    # Sorted, so transactions touching the same cells lock them in the same order.
    values = [(*key, *change) for key, change in sorted(totals.items()) if any(change)]
    connection = connections[using]
    table = connection.ops.quote_name(tables.cells._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            # The table name comes from model metadata, quoted; values are parameters.
            cursor.execute(
                f"INSERT INTO {table} (level, cell_lat, cell_lng, leads, accepting_leads) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(chunk))} "
                "ON CONFLICT (level, cell_lat, cell_lng) DO UPDATE SET "
                f"leads = {table}.leads + excluded.leads, "
                f"accepting_leads = {table}.accepting_leads + excluded.accepting_leads",
                [value for row in chunk for value in row],
            )


def new_version(*, registry: Apps = django_apps, using: str = "default") -> str:
    """Give the listing a new version token, in the caller's transaction; returns it.

    Committed with the change it marks, so a reader sees the old rows with the old token
    or the new rows with the new one, never a mix.
    """
    token = uuid.uuid4().hex
    try:
        version = registry.get_model("directory", "SearchListingVersion")
    except LookupError:  # migrating from before the token existed: nothing is cached yet
        return token
    if not version.objects.using(using).filter(pk=1).update(token=token):
        version.objects.using(using).create(pk=1, token=token)
    return token


def current_version(using: str = "default") -> str:
    """The listing's version token ("" before the first one is written)."""
    from directory.models import SearchListingVersion

    # On every search: a plain statement, without the ORM's cost of building one.
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {SearchListingVersion._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _bits(through: Any, target: str, batch: list[int], using: str) -> dict[int, int]:
    bits: dict[int, int] = defaultdict(int)
    for provider_id, pk in (
        through.objects.using(using).filter(provider_id__in=batch).values_list("provider_id", f"{target}_id")
    ):
        bits[provider_id] |= catalog_bit(pk) or 0
    return bits


def _listing_rows(tables: _Tables, batch: list[int], using: str) -> list[Any]:
    accepting = dict(
        tables.provider.objects.using(using)
        .filter(pk__in=batch, is_listed=True)
        .values_list("pk", "accepting_new_patients")
    )
    if not accepting:
        return []
    procedures = _bits(tables.procedures, "procedure", batch, using)
    conditions = _bits(tables.conditions, "condition", batch, using)
    languages = _bits(tables.languages, "language", batch, using)
    places = (
        tables.locations.objects.using(using)
        .filter(provider_id__in=list(accepting), practicelocation__lat_band__isnull=False)
        .values_list(
            "provider_id",
            "practicelocation_id",
            "practicelocation__latitude",
            "practicelocation__longitude",
            "practicelocation__unit_x",
            "practicelocation__unit_y",
            "practicelocation__unit_z",
        )
    )
    by_provider: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for place in places.order_by("provider_id", "practicelocation_id"):
        by_provider[place[0]].append(place)
    rows = []
    for provider_id, located in by_provider.items():
        many_places = len(located) > EARLIER_KEPT + 1
        for index, (_, location_id, lat, lng, x, y, z) in enumerate(located):
            cell_lat, cell_lng = fine_cell(lat, lng)
            rows.append(
                tables.listing(
                    provider_id=provider_id,
                    location_id=location_id,
                    cell_lat=cell_lat,
                    cell_lng=cell_lng,
                    latitude=lat,
                    longitude=lng,
                    unit_x=x,
                    unit_y=y,
                    unit_z=z,
                    accepting_new_patients=accepting[provider_id],
                    procedure_bits=procedures[provider_id],
                    condition_bits=conditions[provider_id],
                    language_bits=languages[provider_id],
                    lead=index == 0 and not many_places,
                    many_places=many_places,
                    **_earlier_vectors(located[:index]),
                )
            )
    return rows


def _earlier_vectors(earlier: list[tuple[Any, ...]]) -> dict[str, float]:
    """The ``earlierN_*`` columns of a row: the unit vectors of the provider's earlier locations."""
    columns: dict[str, float] = {}
    for number, (*_, x, y, z) in enumerate(earlier[:EARLIER_KEPT], start=1):
        columns |= {f"earlier{number}_x": x, f"earlier{number}_y": y, f"earlier{number}_z": z}
    return columns


# --- Signal receivers ---------------------------------------------------------


def _providers_at(location: Any) -> list[int]:
    return list(location.providers.values_list("pk", flat=True))


def provider_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    refresh_listings([instance.pk], using=kwargs.get("using") or "default")


def location_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    refresh_listings(_providers_at(instance), using=kwargs.get("using") or "default")


def links_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """A provider's locations, procedures, conditions or languages changed, from either side."""
    using = kwargs.get("using") or "default"
    if not reverse:
        if action.startswith("post_"):
            refresh_listings([instance.pk], using=using)
        return
    # From the other side: pk_set names the providers, except on clear, where it is None
    # and the providers are those linked just before.
    if action == "pre_clear":
        instance._search_listing_providers = list(instance.providers.values_list("pk", flat=True))
    elif action == "post_clear":
        refresh_listings(getattr(instance, "_search_listing_providers", []), using=using)
    elif action in ("post_add", "post_remove") and pk_set:
        refresh_listings(pk_set, using=using)


def linked_entry_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A location or catalog entry is going: its link rows go by cascade, which sends no m2m signal.

    Its providers keep other rows whose bit sets or earlier locations name it. A
    location's own rows are deleted here, so the cells' totals lose them.
    """
    instance._search_listing_providers = list(instance.providers.values_list("pk", flat=True))
    if sender._meta.model_name == "practicelocation":
        forget_rows(kwargs.get("using") or "default", location_id=instance.pk)


def shown_entry_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A catalog entry or a practice was saved: results keep their names by the listing's version.

    Searches keep the catalog in the process, and ranked pages (with each location's
    practice name and phone) in the result cache, both under that version.
    """
    new_version(using=kwargs.get("using") or "default")


def provider_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_rows(kwargs.get("using") or "default", provider_id=instance.pk)


def linked_entry_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    refresh_listings(
        getattr(instance, "_search_listing_providers", []), using=kwargs.get("using") or "default"
    )


def connect_signals() -> None:
    """Connect the receivers that keep the listing in step with ORM writes (once, from ready())."""
    from django.db.models import signals

    from directory.models import Condition, Language, Practice, PracticeLocation, Procedure, Provider

    signals.post_save.connect(provider_saved, sender=Provider, dispatch_uid="search_listing_provider")
    signals.pre_delete.connect(provider_deleting, sender=Provider, dispatch_uid="search_listing_provider_pre")
    signals.post_save.connect(location_saved, sender=PracticeLocation, dispatch_uid="search_listing_location")
    for name in ("locations", "procedures", "conditions", "languages"):
        through: type[models.Model] = getattr(Provider, name).through
        signals.m2m_changed.connect(links_changed, sender=through, dispatch_uid=f"search_listing_{name}")
    for shown in (Procedure, Condition, Language, Practice):
        uid = f"search_shown_{shown.__name__}"
        signals.post_save.connect(shown_entry_saved, sender=shown, dispatch_uid=uid)
    for model in (PracticeLocation, Procedure, Condition, Language):
        uid = f"search_listing_{model.__name__}"
        signals.pre_delete.connect(linked_entry_deleting, sender=model, dispatch_uid=f"{uid}_pre")
        signals.post_delete.connect(linked_entry_deleted, sender=model, dispatch_uid=f"{uid}_post")
