"""The Chicago export's fast paths give exactly what the plain pandas calls they replace give."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eis_tools.sources import chicago

TEXT_POOL = ["", "a", "x,y", 'say "hi"', "two\nlines", "cr\rhere", " padded ", "é ü 漢", "1.0", "SU", "'", ",", '"']


def random_text_frame(rows: int, columns: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    alphabet = list(",\"\n\r \ta'é漢;|\\")
    made = ["".join(rng.choice(alphabet, rng.integers(1, 6))) for _ in range(200)]
    pool = np.array(TEXT_POOL + made, dtype=object)
    return pd.DataFrame(
        {f"c{index}" if index else "first, col": rng.choice(pool, rows) for index in range(columns)}, dtype="str"
    )


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(("rows", "columns"), [(5000, 4), (3, 1), (0, 2), (2000, 1)])
def test_an_extract_is_written_byte_for_byte_as_pandas_writes_it(
    tmp_path: Path, compress: bool, rows: int, columns: int
) -> None:
    # Given a text table with every character the csv quoting rules care about (and a one-column table, whose
    # empty cells the csv module quotes)
    table = random_text_frame(rows, columns, seed=rows + columns)
    suffix = ".csv.gz" if compress else ".csv"
    ours, theirs = tmp_path / "a" / f"kind{suffix}", tmp_path / "b" / f"kind{suffix}"
    ours.parent.mkdir()
    theirs.parent.mkdir()

    # When the export writes it, and pandas writes it as the export used to
    chicago._write(table, ours, compress=compress)
    compression = {"method": "gzip", "mtime": 0, "compresslevel": 1} if compress else None
    table.to_csv(theirs, index=False, lineterminator="\n", compression=compression)

    # Then the files are the same bytes (a stored extract's hash decides "unchanged" on the next upload)
    assert ours.read_bytes() == theirs.read_bytes()
    text = gzip.decompress(ours.read_bytes()) if compress else ours.read_bytes()
    assert text.startswith(b'"first, col"') and text.count(b"\n") >= rows + 1


@pytest.mark.parametrize("compress", [True, False])
def test_columns_with_nothing_to_quote_are_written_byte_for_byte_as_pandas_writes_them(
    tmp_path: Path, compress: bool
) -> None:
    # Given an extract whose columns mostly hold nothing the csv module quotes (ids, dates, codes, spaces, empty
    # cells, accents), one column that does (a comma here and there), and one empty string as its last column
    rng = np.random.default_rng(7)
    plain = np.array(["", "A100", " padded ", "2015-03-01", "é ü 漢", "SU", "'", "a;b|c\\d\t"], dtype=object)
    table = pd.DataFrame(
        {
            "id": [f"C{n}" for n in range(3000)],
            "plain": rng.choice(plain, 3000),
            "some quoted": rng.choice(np.array(["x,y", "z", ""], dtype=object), 3000),
            "last": rng.choice(plain, 3000),
        },
        dtype="str",
    )
    suffix = ".csv.gz" if compress else ".csv"
    ours, theirs = tmp_path / "a" / f"kind{suffix}", tmp_path / "b" / f"kind{suffix}"  # gzip keeps the name
    ours.parent.mkdir()
    theirs.parent.mkdir()

    # When the export writes it, and pandas writes it
    chicago._write(table, ours, compress=compress)
    compression = {"method": "gzip", "mtime": 0, "compresslevel": 1} if compress else None
    table.to_csv(theirs, index=False, lineterminator="\n", compression=compression)

    # Then the bytes are the same
    assert ours.read_bytes() == theirs.read_bytes()


def test_a_table_with_missing_or_numeric_cells_is_still_written_as_pandas_writes_it(tmp_path: Path) -> None:
    table = pd.DataFrame({"text": pd.Series(["a", None, "b"], dtype="str"), "number": [1.5, np.nan, 3.0]})
    chicago._write(table, tmp_path / "ours.csv.gz", compress=True)
    assert gzip.decompress((tmp_path / "ours.csv.gz").read_bytes()) == b"text,number\na,1.5\n,\nb,3.0\n"


def strongest_by_sorting(member: pd.DataFrame) -> pd.DataFrame:
    """The export's earlier rule: a stable sort by (trr_id, severity, named), each report's last row."""
    return member.sort_values(["trr_id", "severity", "named"]).drop_duplicates("trr_id", keep="last")


@pytest.mark.parametrize("seed", range(5))
def test_the_most_serious_action_per_report_is_the_one_sorting_picks(seed: int) -> None:
    # Given member actions with many ties in severity and naming, and reports spread across chunks
    rng = np.random.default_rng(seed)
    rows = 3000
    actions = pd.DataFrame(
        {
            "trr_id": pd.Series(rng.integers(1, 400, rows).astype(str), dtype="str"),
            "person": rng.choice(np.array(["Member Action", "Subject Action"], dtype=object), rows),
            "action": pd.Series([f"ACTION {i}" for i in range(rows)], dtype="str").where(
                rng.random(rows) < 0.7, rng.choice(np.array(["OTHER (SPECIFY)", "Other (specify)"], dtype=object))
            ),
            "force_type": pd.Series(rng.integers(0, 3, rows).astype(str), dtype="str"),
            "action_sub_category": rng.choice(np.array(["1", "2", "2", "3", "", "x", "4.0"], dtype=object), rows),
        }
    ).astype("str")
    member = actions[actions.person.eq("Member Action")]
    scored = member.assign(
        severity=pd.to_numeric(member.action_sub_category, errors="coerce").fillna(-1),
        named=member.action.str.upper().ne("OTHER (SPECIFY)"),
    )[["trr_id", "action", "force_type", "severity", "named"]]
    expected = chicago._as_member_action(strongest_by_sorting(scored))

    # When the export picks each report's most serious action, whole and a chunk at a time
    whole = chicago.most_serious_actions(actions)
    chunks = [actions.iloc[start : start + 700] for start in range(0, rows, 700)]
    winners = pd.concat([chicago._scored_member_actions(chunk) for chunk in chunks], ignore_index=True)
    chunked = chicago._as_member_action(chicago._strongest_per_report(winners))

    # Then both are exactly the rows (and order) sorting picks
    pd.testing.assert_frame_equal(whole, expected)
    pd.testing.assert_frame_equal(chunked, expected)


def test_per_distinct_is_the_element_wise_transform() -> None:
    rng = np.random.default_rng(7)
    values = pd.Series(rng.choice(np.array(["SU", "su", "NS", "", None], dtype=object), 2000), dtype="str")
    values.index = rng.permutation(2000)
    transforms: list[Callable[[pd.Series], pd.Series]] = [
        lambda s: s.str.upper().eq("SU"),
        lambda s: s.str.strip().str.contains("S"),
        lambda s: s + "-01-01",
        lambda s: s.str[:1],
    ]
    for transform in transforms:
        pd.testing.assert_series_equal(chicago.per_distinct(values, transform), transform(values))
