"""publisher.values: one printed cell read as a number, blank or unreadable; runs split only when certain."""

from __future__ import annotations

from decimal import Decimal

import pytest

from publisher.model import State
from publisher.values import read_value, split_run, unit_in


@pytest.mark.parametrize("printed", ["", " ", "/", "／", "-", "—", "——", "–", "－", "\\", "—/—", "…", "\u00a0"])
def test_blank_marks_are_blank(printed):
    v = read_value(printed)
    assert v.state is State.BLANK and v.number is None


def test_wu_means_zero():
    assert read_value("无") == read_value("0")
    assert read_value("无").number == 0 and read_value("无").state is State.NUMBER


@pytest.mark.parametrize(("printed", "count"), [
    ("0", 0),
    ("42", 42),
    (" 42 ", 42),  # padding around the value
    ("1,234", 1234),  # thousands separators
    ("12,345,678", 12345678),
    ("1 234", 1234),  # a space as thousands separator
    ("１２３", 123),  # full-width digits
    ("１，２３４", 1234),
    ("3件", 3),  # a count with its unit
    ("7 项", 7),
])
def test_counts(printed, count):
    v = read_value(printed)
    assert v.state is State.NUMBER and v.number == count


@pytest.mark.parametrize("printed", ["12.5", "0.5", "３.０１"])
def test_a_count_with_decimals_is_unreadable(printed):
    v = read_value(printed)
    assert v.state is State.UNREADABLE
    assert "decimals" in v.problem


@pytest.mark.parametrize("printed", ["abc", "12a", "1,23", "0 0", "十二", "12元", "约30"])
def test_what_is_not_plainly_a_number_is_unreadable(printed):
    v = read_value(printed)
    assert v.state is State.UNREADABLE and v.number is None
    assert printed in v.problem  # the problem quotes what was printed


def test_a_sign_only_where_the_column_is_signed():
    # 本年增/减 columns of the 2019 format are signed; a count never is.
    assert read_value("+3", signed=True).number == 3
    assert read_value("-2", signed=True).number == -2
    assert read_value("+3").state is State.UNREADABLE
    assert read_value("-2").state is State.UNREADABLE


@pytest.mark.parametrize(("printed", "header_unit", "wan_yuan"), [
    ("12.5万元", None, "12.5"),
    ("40万", None, "40"),  # 万 alone means 万元
    ("125000元", None, "12.5"),  # 元 become 万元
    ("75394432.52元", None, "7539.443252"),
    ("1,234,567.8元", None, "123.45678"),
    ("１２.５万元", None, "12.5"),  # full-width digits
    ("1.5亿元", None, "15000"),
    ("125000", "元", "12.5"),  # the unit printed in the column header
    ("24252.311082", "万元", "24252.311082"),
    ("3万元", "元", "3"),  # the cell's own unit wins over the header's
    ("0", "万元", "0"),
    ("无", None, "0"),
])
def test_money_is_read_in_wan_yuan(printed, header_unit, wan_yuan):
    v = read_value(printed, money=True, header_unit=header_unit)
    assert v.state is State.NUMBER
    assert v.number == Decimal(wan_yuan)


def test_money_without_a_unit_is_unreadable():
    # 24252.311082 could be 元 or 万元: a factor of 10000 the parser must not guess.
    v = read_value("24252.311082", money=True)
    assert v.state is State.UNREADABLE
    assert "unit" in v.problem


def test_unit_in_a_header():
    assert unit_in("采购总金额（万元）") == "万元"
    assert unit_in("收费金额(元)") == "元"
    assert unit_in("处理决定数量") is None


# -- split_run: cells whose boundaries were lost ----------------------------------------------


@pytest.mark.parametrize(("run", "n", "cells"), [
    ("0000000", 7, ["0"] * 7),  # no number but 0 starts with 0: certain
    ("0 0 00", 4, ["0"] * 4),  # spaces are real boundaries
    ("1 0 2", 3, ["1", "0", "2"]),
    ("100", 2, ["10", "0"]),  # '1|00' is impossible: no leading zeros
    ("2293", 1, ["2293"]),  # one cell takes the whole run
    ("110024001510102", 15, list("110024001510102")),  # as many digits as cells
])
def test_certain_splits_are_read(run, n, cells):
    assert split_run(run, n) == cells


@pytest.mark.parametrize(("run", "n"), [
    ("898989", 3),  # 89|89|89, 8|98|989, 898|9|89 ...
    ("693665", 3),
    ("1020", 3),  # 10|2|0 or 1|0|20
])
def test_ambiguous_splits_are_not_guessed(run, n):
    assert split_run(run, n) == [None] * n


def test_a_split_reads_only_the_cells_every_reading_agrees_on():
    # 80|1|0|0|0|0|81 or 8|0|10|0|0|0|81 or ...: only cells 4 and 5 are 0 in every reading
    assert split_run("801000081", 7) == [None, None, None, "0", "0", None, None]


@pytest.mark.parametrize(("run", "n"), [
    ("12", 3),  # fewer digits than cells
    ("1 2", 1),  # a space inside one cell
    ("12a", 1),  # not digits
    ("", 1),
])
def test_impossible_splits(run, n):
    assert split_run(run, n) is None


def test_long_runs_stay_cheap():
    assert split_run("0" * 400, 400) == ["0"] * 400
    assert split_run("1" * 60, 30) is not None
