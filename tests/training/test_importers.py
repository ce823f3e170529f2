"""Dataset import: every error class is reported by line and field, and nothing is written."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from maestro.exceptions import NotPermitted
from maestro.training import services
from maestro.training.importers import ImportFailed, clean_output
from maestro.training.models import EvaluationCase, StagedCase
from maestro.training.services import staging
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory

HEADER = (
    "case_ref,input,correct_outcome,category,decision_type,"
    "amount,currency,counterparty,decided_at\n"
)
GOOD = (
    HEADER
    + 'T-1,"{""subject"": ""VPN down, urgent""}",it,access,'
    + "Ticket routing,12.50,usd,Acme,2026-01-05\n"
    + 'T-2,"{}",billing,invoice,,,,"Beta, Inc.",2026-01-06T10:00:00Z\n'
)


@pytest.fixture
def dataset(world):
    return DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))


def _write(tmp_path, content, name="cases.csv", encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return str(path)


def _import(world, dataset, path, fmt="csv", **kw):
    return services.dataset_import_cases(
        dataset=dataset, path=path, fmt=fmt, by=world.consultant, **kw
    )


def _refused(world, dataset, path, fmt="csv"):
    with pytest.raises(ImportFailed) as info:
        _import(world, dataset, path, fmt)
    assert EvaluationCase.objects.count() == 0
    assert StagedCase.objects.count() == 0  # the staged batches are gone too
    return info.value.errors


def test_csv_import_parses_quoted_commas_json_amounts_and_dates(world, dataset, tmp_path):
    assert _import(world, dataset, _write(tmp_path, GOOD)) == 2
    first, second = EvaluationCase.objects.order_by("case_ref")
    assert first.input == {"subject": "VPN down, urgent"}
    assert (first.correct_outcome, first.category, first.decision_type) == (
        "it",
        "access",
        "Ticket routing",
    )
    assert str(first.amount) == "12.50" and first.currency == "USD"
    assert first.decided_at.date().isoformat() == "2026-01-05"
    assert second.counterparty == "Beta, Inc." and second.amount is None


def test_bom_is_ignored(world, dataset, tmp_path):
    path = _write(tmp_path, "\ufeff" + GOOD)
    assert _import(world, dataset, path) == 2


def test_jsonl_import(world, dataset, tmp_path):
    path = _write(
        tmp_path,
        '{"case_ref": "J-1", "input": {"a": 1}, "correct_outcome": "x", "category": "c", '
        '"amount": 5}\n'
        "\n"
        '{"case_ref": "J-2", "correct_outcome": "y", "category": "c"}\n',
        name="cases.jsonl",
    )
    assert _import(world, dataset, path, fmt="jsonl") == 2
    assert EvaluationCase.objects.get(case_ref="J-1").input == {"a": 1}


def test_bad_amount_names_line_and_field_and_writes_nothing(world, dataset, tmp_path):
    rows = "".join(f"R-{i},{{}},ok,c,,{i},,,\n" for i in range(2, 10))
    path = _write(tmp_path, HEADER + rows + "R-99,{},ok,c,,abc,,,\n")
    errors = _refused(world, dataset, path)
    assert errors == ["line 10: amount: 'abc' is not a number"]


def test_every_bad_row_is_reported_not_only_the_first(world, dataset, tmp_path):
    path = _write(
        tmp_path,
        HEADER
        + "A,not json,ok,c,,,,,\n"
        + "B,{},,c,,,,,\n"
        + "C,{},ok,c,,,,,yesterday\n"
        + "D,[1],ok,c,,,EURO,,\n",
    )
    assert _refused(world, dataset, path) == [
        "line 2: input: is not valid JSON",
        "line 3: correct_outcome: is required",
        "line 4: decided_at: 'yesterday' is not a date or date-time (ISO 8601)",
        "line 5: currency: 'EURO' is not a 3-letter code",
        "line 5: input: must be a JSON object",
    ]


def test_duplicate_case_refs(world, dataset, tmp_path):
    path = _write(tmp_path, HEADER + "A,{},ok,c,,,,,\nB,{},ok,c,,,,,\nA,{},ok,c,,,,,\n")
    assert _refused(world, dataset, path) == ["line 4: case_ref: 'A' is a duplicate of line 2"]


def test_case_ref_already_in_dataset(world, dataset, tmp_path):
    CaseFactory(dataset=dataset, case_ref="A")
    path = _write(tmp_path, HEADER + "A,{},ok,c,,,,,\n")
    with pytest.raises(ImportFailed) as info:
        _import(world, dataset, path)
    assert info.value.errors == ["line 2: case_ref: 'A' is already in this dataset"]
    assert EvaluationCase.objects.count() == 1


def test_encoding_error(world, dataset, tmp_path):
    path = _write(tmp_path, (HEADER + "A,{},caf\xe9,c,,,,,\n").encode("latin-1"))
    [error] = _refused(world, dataset, path)
    assert error.startswith("line 2: the file is not UTF-8 text")


def test_missing_header(world, dataset, tmp_path):
    path = _write(tmp_path, "A,{},ok,c,,,,,\nB,{},ok,c,,,,,\n")
    [error] = _refused(world, dataset, path)
    assert error.startswith("line 1: missing header column(s): case_ref, correct_outcome, category")


@pytest.mark.parametrize("content", ["", "\ufeff", "  \n\n"])
def test_empty_file(world, dataset, tmp_path, content):
    assert _refused(world, dataset, _write(tmp_path, content)) == ["The file is empty."]


def test_header_without_rows(world, dataset, tmp_path):
    assert _refused(world, dataset, _write(tmp_path, HEADER)) == [
        "The file has a header but no rows."
    ]


def test_wrong_delimiter(world, dataset, tmp_path):
    path = _write(tmp_path, "case_ref;correct_outcome;category\nA;ok;c\n")
    assert _refused(world, dataset, path) == [
        "line 1: the columns are separated by semicolons; use commas."
    ]


def test_wrong_field_count(world, dataset, tmp_path):
    path = _write(tmp_path, "case_ref,correct_outcome,category\nA,ok\n")
    assert _refused(world, dataset, path) == ["line 2: expected 3 fields, found 2"]


def test_jsonl_line_that_is_not_an_object(world, dataset, tmp_path):
    path = _write(
        tmp_path, '{"case_ref": "A", "correct_outcome": "x", "category": "c"}\n[1, 2]\n{oops\n'
    )
    assert _refused(world, dataset, path, fmt="jsonl") == [
        "line 2: not a JSON object",
        "line 3: not valid JSON: Expecting property name enclosed in double quotes at column 2",
    ]


def test_a_bad_row_after_a_multiline_quoted_field_names_the_line_it_starts_on(
    world, dataset, tmp_path
):
    path = _write(
        tmp_path,
        "case_ref,correct_outcome,category,counterparty\r\n"
        'A,ok,c,"two\r\nlines"\r\n'
        'B,ok,c,"three\r\nmore\r\nlines",extra\r\n'
        '"C",ok,"c, with comma",y\r\n'
        "D,ok\r\n",
    )
    assert _refused(world, dataset, path) == [
        "line 4: expected 4 fields, found 5",
        "line 8: expected 4 fields, found 2",
    ]


def test_an_amount_with_thousands_separators_is_refused_with_a_hint(world, dataset, tmp_path):
    path = _write(tmp_path, 'case_ref,correct_outcome,category,amount\nA,ok,c,"1,249.50"\n')
    assert _refused(world, dataset, path) == [
        "line 2: amount: '1,249.50' is not a number (write it without thousands separators, "
        "with a dot for decimals: 1249.50)"
    ]


def test_error_report_is_capped_but_counts_everything(world, dataset, tmp_path):
    path = _write(tmp_path, HEADER + "".join(f"R{i},{{}},ok,c,,x,,,\n" for i in range(150)))
    with pytest.raises(ImportFailed) as info:
        _import(world, dataset, path)
    assert len(info.value.errors) == 100
    assert info.value.extra["error_count"] == 150


def test_batches_are_honoured_and_progress_is_reported(world, dataset, tmp_path, monkeypatch):
    path = _write(tmp_path, HEADER + "".join(f"R{i},{{}},ok,c,,,,,\n" for i in range(25)))
    batches = []
    original = staging.bulk_insert_rows

    def spy(model, rows, *args, **kwargs):
        batches.append(len(rows))
        return original(model, rows, *args, **kwargs)

    monkeypatch.setattr(staging, "bulk_insert_rows", spy)
    progress = []
    assert (
        _import(world, dataset, path, batch_size=10, on_progress=lambda *a: progress.append(a))
        == 25
    )
    assert batches == [10, 10, 5]
    assert progress[-1] == ("writing", 25)
    assert ("writing", 10) in progress


def test_failure_in_a_later_batch_rolls_back_earlier_batches(world, dataset, tmp_path, monkeypatch):
    path = _write(tmp_path, HEADER + "".join(f"R{i},{{}},ok,c,,,,,\n" for i in range(25)))
    original = staging.bulk_insert_rows
    calls = []

    def failing(model, rows, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return original(model, rows, *args, **kwargs)

    monkeypatch.setattr(staging, "bulk_insert_rows", failing)
    with pytest.raises(RuntimeError):
        _import(world, dataset, path, batch_size=10)
    assert EvaluationCase.objects.count() == 0
    assert StagedCase.objects.count() == 0  # the staged batches are gone too


def test_only_consultants_import(world, dataset, tmp_path):
    with pytest.raises(NotPermitted):
        services.dataset_import_cases(
            dataset=dataset, path=_write(tmp_path, GOOD), fmt="csv", by=world.operator_a
        )


def test_dataset_name_unique_per_process(world, dataset):
    with pytest.raises(ValidationError) as info:
        services.dataset_create(
            process=dataset.process, name=dataset.name.upper(), by=world.consultant
        )
    assert "name" in info.value.message_dict


def test_jsonl_numbers_become_text_and_objects_are_refused(world, dataset, tmp_path):
    path = _write(
        tmp_path,
        '{"case_ref": 17, "correct_outcome": "x", "category": "c"}\n'
        '{"case_ref": "B", "correct_outcome": true, "category": {"a": 1}}\n',
        name="cases.jsonl",
    )
    assert _refused(world, dataset, path, fmt="jsonl") == [
        "line 2: correct_outcome: must be text",
        "line 2: category: must be text",
    ]


def test_writing_stops_at_the_first_bad_row_but_the_rest_is_still_checked(
    world, dataset, tmp_path, monkeypatch
):
    rows = [f"R{i},{{}},ok,c,,,,,\n" for i in range(40)]
    rows[14] = "R14,{},ok,,,,,,\n"  # line 16
    rows[35] = "R35,{},ok,c,,abc,,,\n"  # line 37
    path = _write(tmp_path, HEADER + "".join(rows))
    batches = []
    original = staging.bulk_insert_rows

    def spy(model, rows, *args, **kwargs):
        batches.append(len(rows))
        return original(model, rows, *args, **kwargs)

    monkeypatch.setattr(staging, "bulk_insert_rows", spy)
    with pytest.raises(ImportFailed) as info:
        _import(world, dataset, path, batch_size=10)
    assert info.value.errors == [
        "line 16: category: is required",
        "line 37: amount: 'abc' is not a number",
    ]
    assert batches == [10]  # the batch before the bad row; none after it
    assert EvaluationCase.objects.count() == 0
    assert StagedCase.objects.count() == 0  # the staged batches are gone too


def test_nul_characters_are_refused_by_line_and_field(world, dataset, tmp_path):
    # PostgreSQL cannot store U+0000 in text or jsonb; without the check the whole import
    # failed there with a database error instead of a report.
    jsonl = (
        '{"case_ref": "T-1", "correct_outcome": "it", "category": "acc\\u0000ess"}\n'
        '{"case_ref": "T-2", "correct_outcome": "it", "category": "access",'
        ' "input": {"lines": [{"sku": "A\\u0000"}]}}\n'
    )
    errors = _refused(world, dataset, _write(tmp_path, jsonl, "cases.jsonl"), fmt="jsonl")
    assert errors == [
        "line 1: category: contains a NUL character",
        "line 2: input: contains a NUL character at lines[0].sku",
    ]


def test_json_nested_too_deep_is_a_row_error_not_a_crash(world, dataset, tmp_path):
    deep = "[" * 10_000 + "]" * 10_000
    path = _write(
        tmp_path,
        '{"case_ref": "J-1", "correct_outcome": "x", "category": "c"}\n'
        + '{"case_ref": "J-2", "correct_outcome": "x", "category": "c", "input": '
        + deep
        + "}\n",
        name="cases.jsonl",
    )
    assert _refused(world, dataset, path, fmt="jsonl") == [
        "line 2: JSON nested more than 64 levels deep"
    ]
    cell = '"' + deep.replace('"', '""') + '"'
    path = _write(tmp_path, HEADER + f"A,{cell},ok,c,,,,,\n")
    assert _refused(world, dataset, path) == ["line 2: input: JSON nested more than 64 levels deep"]


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("-5", "amount: '-5' is not between 0 and 9,999,999,999,999.99"),
        (
            "99999999999999.99",
            "amount: '99999999999999.99' is not between 0 and 9,999,999,999,999.99",
        ),
        ("１２３", "amount: '１２３' is not a number"),
        ("1_000", "amount: '1_000' is not a number"),
    ],
)
def test_an_amount_out_of_range_or_not_ascii_is_refused(world, dataset, tmp_path, amount, error):
    path = _write(tmp_path, HEADER + f"A,{{}},ok,c,,{amount},,,\n")
    assert _refused(world, dataset, path) == [f"line 2: {error}"]


def test_the_largest_amount_is_stored_exactly(world, dataset, tmp_path):
    path = _write(tmp_path, HEADER + "A,{},ok,c,,9999999999999.99,,,\n")
    assert _import(world, dataset, path) == 1
    assert list(EvaluationCase.objects.values_list("amount", flat=True)) == [
        Decimal("9999999999999.99")
    ]


@pytest.mark.parametrize(
    ("confidence", "error"),
    [
        (True, "confidence: 'True' is not a number"),
        (1e308, "confidence: '1e+308' is not between 0 and 1"),
        (-1e308, "confidence: '-1e+308' is not between 0 and 1"),
        ("NaN", "confidence: 'NaN' is not a number"),
        ("０.９", "confidence: '０.９' is not a number"),
    ],
)
def test_a_hostile_confidence_in_outputs_is_a_row_error(confidence, error):
    cleaned, errors = clean_output(
        {"case_ref": "A", "predicted_outcome": "x", "confidence": confidence}
    )
    assert errors == [error]


def test_a_valid_confidence_is_a_float():
    cleaned, errors = clean_output(
        {"case_ref": "A", "predicted_outcome": "x", "confidence": "0.85"}
    )
    assert (cleaned["confidence"], errors) == (0.85, [])
