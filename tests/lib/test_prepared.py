import pytest
from django.db.models import Max, OuterRef, Subquery

from maestro.lib.prepared import MAX_CACHED_LIST, PreparedValues
from maestro.mapping.models import DecisionType, Process
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import DecisionTypeFactory, ProcessFactory


def _processes(engagement_id, ids, names):
    newest_type = DecisionType.objects.filter(engagement_id=OuterRef("engagement_id")).order_by(
        "-updated_at"
    )
    return (
        Process.objects.filter(engagement_id=engagement_id, pk__in=ids, name__in=names)
        .annotate(
            newest_type_at=Subquery(newest_type.values("updated_at")[:1]),
            most=Max("decisions__confidence"),
        )
        .order_by("pk")
        .values("name", "pk", "newest_type_at", "most")
    )


@pytest.fixture
def two(db):
    engagement = EngagementFactory()
    DecisionTypeFactory(engagement=engagement)
    return engagement, ProcessFactory(engagement=engagement), ProcessFactory(engagement=engagement)


def test_rows_are_what_the_queryset_gives_for_every_value(two):
    engagement, first, second = two
    prepared = PreparedValues(_processes)
    for ids, names in (
        ([first.pk], [first.name]),
        ([second.pk], [second.name]),  # same shape, other values: the markers are swapped
        ([first.pk, second.pk], [first.name, second.name]),
        ([first.pk], [second.name]),
    ):
        expected = list(_processes(engagement.pk, ids, names))
        assert prepared.rows(engagement.pk, ids, names) == expected
    # Converted as the ORM converts them (SQLite hands datetimes back as text).
    (row,) = prepared.rows(engagement.pk, [first.pk], [first.name])
    assert row["newest_type_at"] == DecisionType.objects.get().updated_at


def test_a_shape_is_compiled_once_and_run_as_one_query(two, django_assert_num_queries):
    engagement, first, second = two
    prepared = PreparedValues(_processes)
    prepared.rows(engagement.pk, [first.pk], [first.name])
    with django_assert_num_queries(1):
        assert prepared.rows(engagement.pk, [second.pk], [second.name])[0]["pk"] == second.pk
    assert len(prepared._compiled) == 1


def test_long_lists_run_as_a_plain_queryset(two):
    engagement, first, second = two
    prepared = PreparedValues(_processes)
    ids = [first.pk, second.pk, *range(10_000, 10_000 + MAX_CACHED_LIST)]
    rows = prepared.rows(engagement.pk, ids, [first.name, second.name])
    assert [r["pk"] for r in rows] == [first.pk, second.pk]
    assert prepared._compiled == {}


def test_other_argument_types_are_refused(two):
    engagement, first, _second = two
    with pytest.raises(TypeError):
        PreparedValues(_processes).rows(engagement.pk, [first.pk], [None])


def test_a_value_the_queryset_does_not_pass_through_is_refused(two):
    engagement, first, _second = two
    # The value is turned into another before it reaches the SQL: no marker to swap.
    prepared = PreparedValues(lambda name: Process.objects.filter(name=name.upper()).values("pk"))
    with pytest.raises(ValueError, match="not found in the SQL"):
        prepared.rows(first.name)


def test_a_prepared_subquery_filters_as_the_queryset_would(two):
    engagement, first, second = two
    named = PreparedValues(lambda name: Process.objects.filter(name=name).order_by().values("pk"))
    for process in (first, second):
        assert list(Process.objects.filter(pk__in=named.subquery(process.name))) == [process]
    assert len(named._compiled) == 1


def test_an_empty_list_answers_nothing_without_a_query(two, django_assert_num_queries):
    engagement, first, _second = two
    prepared = PreparedValues(_processes)
    with django_assert_num_queries(0):
        assert prepared.rows(engagement.pk, [], [first.name]) == []
    assert prepared.rows(engagement.pk, [first.pk], [first.name])[0]["pk"] == first.pk
