"""Whatever rows a page holds, the engine returns a well-formed record and never crashes."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.api import build_record
from parsers.document import Document
from parsers.keys import ACTIVE_2019, ACTIVE_2021, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, split_key

TOKENS = [
    "", " ", "0", "12", "+2", "-227", "1,409", "15074.1469", "769552763.68 元", "10 大项 80 小项", "—", "/", "无",
    "规章", "规范性文件", "行政许可", "其他对外管理服务事项", "行政检查", "行政事业性收费", "政府集中采购",
    "信息内容", "上一年项目数量", "本年增/减", "采购总金额（元）", "本年制发件数", "第二十条第（一）项",
    "一、本年新收政府信息公开申请数量", "三、本年度办理结果", "（一）予以公开", "（三）不予公开", "1.属于国家秘密",
    "7. 属于行政执法", "案卷", "（六）其他处理", "3.其他", "其他", "（七）总计", "总计", "四、结转下年度继续办理",
    "行政复议", "行政诉讼", "结果维持", "复议后起诉", "未经复议直接起诉",
    "2020年，共收到政府信息公开申请1409件，其中予以公开130件。", "二、主动公开政府信息情况", "2021年1月7日",
]
row = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=12)
SEPARATORS = st.sampled_from(["\t", "\n", " | ", "  "])


def _valid_key(fact_key: str, raw: bool = False) -> bool:
    table, row_key, column = split_key(fact_key)
    if raw and column == "*":  # a row's cells that could not be placed: any column of the row
        return any(_valid_key(f"{table}/{row_key}/{c}") for c in ("made", "previous", "decisions", "count",
                                                                    "issued", "amount_wan", "total"))
    if table == "active":
        base = row_key.split(".", 1)[0]
        return column in (ACTIVE_2019.get(base, ()) + ACTIVE_2021.get(base, ()))
    if table == "requests":
        return column in REQUEST_COLUMNS and (row_key in REQUEST_ROWS["2019"] or row_key in REQUEST_ROWS["2021"])
    return table == "reviews" and row_key in REVIEW_ROWS and column in REVIEW_COLUMNS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(row, SEPARATORS), max_size=40), year=st.sampled_from([2017, 2020, 2022]))
def test_random_rows_give_a_well_formed_record(rows, year):
    lines = [f"X市测试局{year}年政府信息公开工作年度报告", ""] + [sep.join(cells) for cells, sep in rows]
    record = build_record(Document(text="\n".join(lines)))
    assert record.template in ("2019", "2021", "legacy", "unknown")
    assert record.year == year
    for fact_key, value in record.facts.items():
        assert _valid_key(fact_key), fact_key
        assert isinstance(value, (int, float)) and not isinstance(value, bool)
    for fact_key, text in record.raw.items():
        assert _valid_key(fact_key, raw=True) and isinstance(text, str) and text
    assert all(isinstance(v, str) and ":" in v for v in record.violations)
    assert record.to_dict()["facts"] == record.facts


@settings(max_examples=60, deadline=None)
@given(grid=st.lists(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10), max_size=25))
def test_random_grids_give_a_well_formed_record(grid):
    record = build_record(Document(text="X市测试局2020年政府信息公开工作年度报告\n", tables=[grid]))
    assert all(_valid_key(k) for k in record.facts)
