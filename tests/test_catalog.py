"""The procedure catalog and search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware.common.catalog import CatalogError, default_catalog, load_catalog, parse_catalog
from firmware.services.search import ProcedureIndex, fold

CATALOG = default_catalog()
INDEX = ProcedureIndex(CATALOG)


def test_shipped_catalog_has_the_commune_procedures() -> None:
    assert len(CATALOG.procedures) >= 8
    for code, name, days in (("1.001193", "Đăng ký khai sinh", 0), ("1.000894", "Đăng ký kết hôn", 0),
                             ("1.000656", "Đăng ký khai tử", 0), ("1.004222", "Đăng ký thường trú", 7),
                             ("1.004194", "Đăng ký tạm trú", 3), ("2.000815", None, 0), ("2.000884", None, 0)):
        procedure = CATALOG.by_code(code)
        assert procedure is not None, code
        assert name is None or procedure.name == name
        assert procedure.working_days == days
    assert CATALOG.fields[:3] == ["Hộ tịch", "Cư trú", "Chứng thực"]


def test_residence_fees_follow_circular_75_2022() -> None:
    permanent = CATALOG.by_code("1.004222").fees[0]  # type: ignore[union-attr]
    temporary = CATALOG.by_code("1.004194").fees[0]  # type: ignore[union-attr]
    assert (permanent.amount_vnd, permanent.online_amount_vnd) == (20000, 10000)
    assert (temporary.amount_vnd, temporary.online_amount_vnd) == (15000, 7000)
    assert "75/2022/TT-BTC" in permanent.source and permanent.confirmed


def test_every_figure_names_its_source() -> None:
    for procedure in CATALOG.procedures:
        assert procedure.processing_source
        assert all(fee.source for fee in procedure.fees)
    assert any(not p.code_confirmed for p in CATALOG.procedures), "unconfirmed codes are marked, not hidden"


def test_birth_registration_prefills_from_the_id_card() -> None:
    form = {f.key: f for f in CATALOG.by_code("1.001193").form}  # type: ignore[union-attr]
    assert form["ho_ten_me"].prefill == "full_name" and form["ho_ten_me"].prefill_if == (("quan_he", "Mẹ"),)
    assert CATALOG.by_code("1.004222").form[1].prefill == "id_number"  # type: ignore[union-attr]
    assert form["ngay_sinh_tre"].type == "date" and form["ngay_sinh_tre"].not_future
    assert form["ho_ten_cha"].prefills == (("full_name", (("quan_he", "Cha"),)), ("spouse_name", (("quan_he", "Mẹ"),)))


def broken(tmp_path: Path, change) -> str:  # type: ignore[no-untyped-def]
    data = json.loads(Path("firmware/data/catalog.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return str(caught.value).removeprefix(f"{path}: ")


def test_a_broken_catalog_names_the_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    assert broken(tmp_path, lambda d: d["procedures"][2]["form"][1].update(type="texte")) == (
        "procedures[2].form[1].type: 'texte' is not one of text, name, number, date, choice, id_number, phone")
    assert broken(tmp_path, lambda d: d["procedures"][0].pop("name")) == "procedures[0].name: missing"
    assert broken(tmp_path, lambda d: d["procedures"][3]["processing"].update(working_days="7")) == (
        "procedures[3].processing.working_days: expected int, got str")
    assert broken(tmp_path, lambda d: d["procedures"][1].update(code="1.001193")) == (
        "procedures: the code '1.001193' appears twice")
    assert broken(tmp_path, lambda d: d["procedures"][0]["form"][7]["prefill_or"][0].update(prefill="wife")) == (
        "procedures[0].form[7].prefill_or[0].prefill: 'wife' is not one of full_name, id_number, date_of_birth, sex, "
        "address, ethnicity, religion, place_of_origin, nationality, father_name, mother_name, spouse_name")
    assert broken(tmp_path, lambda d: d["procedures"][0]["form"][7].update(prefill_if={"quan_he": 1})) == (
        "procedures[0].form[7].prefill_if: each condition is an answer's text")
    assert broken(tmp_path, lambda d: d["procedures"][0]["form"][7].update(prefill_or="spouse_name")) == (
        "procedures[0].form[7].prefill_or: expected list, got str")
    assert broken(tmp_path, lambda d: d["procedures"][0]["fees"][0].update(amount_vnd=-5)) == (
        "procedures[0].fees[0]: a fee is a whole number of đồng from 0 to 100,000,000")


def test_not_json_at_all() -> None:
    with pytest.raises(CatalogError, match="x.json: not valid JSON"):
        parse_catalog("{", "x.json")


@pytest.mark.parametrize("query,first", [
    ("dang ky khai sinh", "Đăng ký khai sinh"),
    ("Đăng ký khai sinh", "Đăng ký khai sinh"),
    ("DANG KY KHAI SINH", "Đăng ký khai sinh"),
    ("khai sihn", "Đăng ký khai sinh"),      # a typo
    ("dang ki ket hon", "Đăng ký kết hôn"),  # a typo without accents
    ("kethon", "Đăng ký kết hôn"),           # no space
    ("tam tru", "Đăng ký tạm trú"),
    ("ho khau", "Đăng ký thường trú"),       # by keyword
    ("chu ky", "Chứng thực chữ ký trong giấy tờ, văn bản"),
])
def test_search_accents_and_case_optional_typo_tolerant(query: str, first: str) -> None:
    hits = INDEX.search(query)
    assert hits and hits[0].procedure.name == first


def test_search_ranks_the_exact_procedure_above_its_neighbours() -> None:
    names = [h.procedure.name for h in INDEX.search("dang ky khai tu")]
    assert names[0] == "Đăng ký khai tử" and "Đăng ký khai sinh" not in names[:1]


def test_search_for_nothing_finds_nothing() -> None:
    assert INDEX.search("") == [] and INDEX.search("   ") == [] and INDEX.search("xyzzy qwerty") == []


def test_fold() -> None:
    assert fold("Đăng ký  KHAI-sinh!") == "dang ky khai sinh"


KS, KH, KT, TT, TR, GH = ("Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử", "Đăng ký thường trú",
                          "Đăng ký tạm trú", "Đăng ký giám hộ")
BS, CK, TL = ("Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực chữ ký trong giấy tờ, văn bản",
              "Cấp bản sao trích lục hộ tịch")
# How elderly citizens of the north and the south misspell: tr/ch, s/x, d/gi/r, l/n, i/y, final n/ng and t/c,
# dropped or doubled letters.
SLIPS = [("tam chu", TR), ("thuong chu", TT), ("dang ki tam tru", TR), ("tam truu", TR), ("thuongg tru", TT),
         ("tham chu", TR), ("khai xinh", KS), ("khay sinh", KS), ("khai sin", KS), ("đăng kí khai xinh", KS),
         ("khai sinhh", KS), ("ket hong", KH), ("kec hon", KH), ("ket hoon", KH), ("dang ki ket hong", KH),
         ("kết hông", KH), ("khai tuu", KT), ("khay tu", KT), ("dang ky khai tuw", KT), ("giam ho", GH),
         ("dam ho", GH), ("ram ho", GH), ("giam hoo", GH), ("dang ki dam ho", GH), ("trung thuc ban sao", BS),
         ("chun thuc ban sao", BS), ("chung thuc ban xao", BS), ("ban xao ban chinh", BS), ("trung thuc chu ky", CK),
         ("chung thuc tru ki", CK), ("chung thuc chu kii", CK), ("chich luc ho tich", TL), ("trich nuc ho tich", TL),
         ("tric luc", TL), ("trich luc ho tit", TL)]


@pytest.mark.parametrize(("query", "first"), SLIPS)
def test_search_forgives_regional_spelling_slips(query: str, first: str) -> None:
    hits = INDEX.search(query)
    assert hits and hits[0].procedure.name == first, [h.procedure.name for h in hits[:3]]


def test_fees_per_page_then_a_lower_rate_and_a_cap() -> None:
    copy = default_catalog().by_code("2.000815")
    assert copy is not None
    assert [copy.fee_vnd(n) for n in (0, 1, 2, 3, 10)] == [2000, 2000, 4000, 5000, 12000]
    assert copy.fee_vnd(1000) == 200000  # the cap per copy
    residence = default_catalog().by_code("1.004222")
    assert residence is not None and residence.fee_vnd(3) == 10000  # the online rate, once a dossier
    birth = default_catalog().by_code("1.001193")
    assert birth is not None and birth.fee_vnd(5) == 0
