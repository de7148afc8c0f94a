"""Uploads from the intake dashboard: refused when oversize or of another type, validated without
writing, stored only on confirmation."""
import pytest

from getpower.intake.read import ExtractError
from getpower.intake.upload import check_upload, ingest_upload
from getpower.store import Store

CSV = ("工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)\n"
       "U1,杭州,居民,8,220V,网上国网,0\nU2,上海,居民,8,220V,网上国网,0\n").encode("gbk")


def test_oversize_file_is_refused():
    with pytest.raises(ExtractError, match="文件过大"):
        check_upload([("applications.csv", b"x" * (2 * 2**20))], max_mb=1)


@pytest.mark.parametrize("name", ["applications.exe", "报装工单.doc", "../../etc/passwd"])
def test_other_types_are_refused(name):
    with pytest.raises(ExtractError, match="不支持的文件类型"):
        check_upload([(name, CSV)])


def test_empty_upload():
    with pytest.raises(ExtractError, match="未选择文件"):
        check_upload([])


def test_validated_first_stored_on_confirmation(tmp_path):
    store = tmp_path / "store"
    check = check_upload([("../applications.csv", CSV)], store)  # a client path is reduced to its name
    assert [p.name for p in check.folder.iterdir()] == ["applications.csv"]
    [r] = check.results
    assert (r.rows_read, r.rows_accepted, r.rows_quarantined) == (2, 1, 1)
    assert not Store(store).exists()  # nothing written before confirmation
    res = ingest_upload(check, store)
    assert res.version == "v000001" and Store(store).read("applications")["app_id"].to_list() == ["U1"]
