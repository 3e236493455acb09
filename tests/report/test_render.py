"""The rendered document without a browser: bytes, escaping, nothing external, the cost split, the samples."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sql2dynamo.commands.report import report
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.report import gather, model_report_html, render_report
from sql2dynamo.report.costs import split_cost
from sql2dynamo.report.samples import entity_label, synthesized_samples
from tests.report.runs import EXAMPLES, HOSTILE, STRATEGIES, fake_runs, load, model_dir

MAX_BYTES = 2 * 1024 * 1024


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _render(example: str, strategy: str, tmp_path: Path) -> str:
    directory = model_dir(example, strategy, tmp_path / "model")
    runs = fake_runs(load(directory), tmp_path / "runs")
    out = tmp_path / "report.html"
    report(directory, output=out, reporter=RecordingReporter(), **runs)
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_self_contained_and_small(example: str, strategy: str, tmp_path: Path) -> None:
    html = _render(example, strategy, tmp_path)
    assert len(html.encode("utf-8")) < MAX_BYTES
    parsed = _parse(html)
    names = [t for t, _ in parsed.tags]
    assert "link" not in names and "iframe" not in names and "img" not in names and "object" not in names
    for tag, attrs in parsed.tags:
        for name in ("href", "src", "action", "xlink:href", "srcset", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), f"<{tag} {name}={value!r}> points outside the page"
        assert not (tag == "script" and "src" in attrs)
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp
    assert len(parsed.scripts) == 1  # the sort/filter script only: the hostile text never became one
    assert "@import" not in html and "url(" not in html


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    assert _render("algoitny", "multi-table", tmp_path / "a") == _render("algoitny", "multi-table", tmp_path / "b")
    model = load(model_dir("chinook", "single-table", tmp_path / "c"))
    assert model_report_html(model, {"AP01": "SELECT 1"}) == model_report_html(model, {"AP01": "SELECT 1"})


def test_user_text_is_escaped(tmp_path: Path) -> None:
    model = load(model_dir("decision_data", "single-table", tmp_path))
    plans = (dataclasses.replace(model.plans[0], description=HOSTILE), *model.plans[1:])
    model = dataclasses.replace(model, plans=plans, application="app<b>")
    html = render_report(gather(model, sql={model.plans[0].pattern_id: f"SELECT '{HOSTILE}'"}, title=HOSTILE))
    assert "<script>window.__pwned" not in html and "<img" not in html and "app<b>" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "SELECT &#x27;&lt;/pre&gt;" in html


def test_the_failed_case_and_the_proofs_are_in_the_page(tmp_path: Path) -> None:
    html = _render("hustle_hub", "multi-table", tmp_path)
    assert "2 row(s) expected, 1 returned" in html
    assert "the item is 500000 bytes, over DynamoDB&#x27;s 400 KB" in html  # the reject, with its reason
    assert "verify: DIFFERS" in html and "<b>missing</b>" in html


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_cost_split_adds_up_to_each_table(example: str, strategy: str, tmp_path: Path) -> None:
    model = load(model_dir(example, strategy, tmp_path))
    assert model.cost is not None
    specs = {t.name: t for t in model.tables}
    for cost in model.cost.tables:
        parts = split_cost(specs[cost.table], cost)
        assert [p.index for p in parts] == [None, *(i.name for i in specs[cost.table].indexes)]
        assert sum(p.on_demand for p in parts) == pytest.approx(cost.on_demand_monthly, abs=0.011)
        assert sum(p.provisioned for p in parts) == pytest.approx(cost.provisioned_monthly, abs=0.011)
        assert sum(p.storage for p in parts) == pytest.approx(cost.storage_monthly, abs=0.011)


def test_cost_split_refuses_arithmetic_it_cannot_account_for(tmp_path: Path) -> None:
    model = load(model_dir("chinook", "multi-table", tmp_path))
    assert model.cost is not None
    spec = model.tables[0]
    cost = next(c for c in model.cost.tables if c.table == spec.name)
    doubled = dataclasses.replace(cost, on_demand_monthly=cost.on_demand_monthly * 2 + 1)
    assert split_cost(spec, doubled) == ()
    dropped = dataclasses.replace(cost, arithmetic=tuple(x for x in cost.arithmetic if not x.startswith("provisioned")))
    assert split_cost(spec, dropped) == ()
    # the page then shows the table's totals as one segment per mode
    totals = dataclasses.replace(model.cost, tables=(dropped, *model.cost.tables[1:]))
    html = render_report(gather(dataclasses.replace(model, cost=totals)))
    assert f'data-table="{spec.name}" data-index="" data-mode="provisioned" data-part="total"' in html


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_synthesized_items_show_every_entity(example: str, strategy: str, tmp_path: Path) -> None:
    model = load(model_dir(example, strategy, tmp_path))
    samples = synthesized_samples(model)
    for table in model.tables:
        shown = {item.entity for item in samples[table.name]}
        assert shown == {entity_label(e) for e in table.entities}, table.name
        for item in samples[table.name]:
            assert item.pk and (table.sk is None) == (item.sk is None)


def test_a_child_collection_groups_under_its_parent(tmp_path: Path) -> None:
    model = load(model_dir("algoitny", "single-table", tmp_path))
    data = gather(model, samples=synthesized_samples(model))
    mixed = [c for c in data.tables[0].samples if len({i.entity for i in c.items}) > 1]
    assert any({"PROBLEM", "TEST_CASE"} <= {i.entity for i in c.items} for c in mixed)
    for collection in mixed:
        assert len({i.pk for i in collection.items}) == 1
        keys = [i.sk or "" for i in collection.items]
        assert keys == sorted(keys)  # in sort-key order, as a Query returns them
