"""Uploads from the intake dashboard: refused when oversize or of another type, validated without
writing, stored only on confirmation."""
import pytest

from getpower.intake.read import ExtractError
from getpower.intake.upload import check_upload, discard, ingest_upload
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


def test_the_files_are_deleted_after_confirmation_whatever_happens(tmp_path, monkeypatch):
    store = tmp_path / "store"
    check = check_upload([("applications.csv", CSV)], store)
    assert check.folder.exists()
    ingest_upload(check, store)
    assert not check.folder.exists()
    failing = check_upload([("applications.csv", CSV)], store)

    def broken(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "ingest", broken)
    with pytest.raises(OSError):
        ingest_upload(failing, store)
    assert not failing.folder.exists()


def test_the_files_are_deleted_when_validation_fails_or_the_upload_is_discarded(tmp_path, monkeypatch):
    import tempfile

    from getpower.intake.upload import PREFIX

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ExtractError, match="缺少必填列"):  # no file of the upload can be read
        check_upload([("stages.csv", "工单编号\nA1\n".encode())])
    assert list(tmp_path.glob(f"{PREFIX}*")) == []
    mixed = check_upload([("applications.csv", CSV), ("stages.csv", "工单编号\nA1\n".encode())])
    [nr] = mixed.not_read  # the broken file is named as uploaded, the other one is read
    assert nr.name == "stages.csv" and "缺少必填列" in nr.reason and len(mixed.results) == 1
    discard(mixed)
    check = check_upload([("applications.csv", CSV)])
    discard(check)
    assert list(tmp_path.glob(f"{PREFIX}*")) == []


def test_a_folder_left_by_a_closed_page_is_swept(tmp_path, monkeypatch):
    import os
    import tempfile

    from getpower.intake.upload import PREFIX

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = tmp_path / f"{PREFIX}old"
    old.mkdir()
    os.utime(old, (0, 0))
    check_upload([("applications.csv", CSV)])
    assert not old.exists()


def test_two_files_of_the_same_name_are_both_kept_and_reported(tmp_path):
    other = CSV.decode("gbk").replace("U1,杭州", "U3,宁波").encode("gbk")
    check = check_upload([("applications.csv", CSV), ("dir/applications.csv", other)], tmp_path / "store")
    assert [p.name for p in check.files] == ["applications.csv", "applications (2).csv"]
    assert [r.kind for r in check.results] == ["applications", "applications"]
    assert [r.rows_accepted for r in check.results] == [1, 1]
    res = ingest_upload(check, tmp_path / "store")
    assert sorted(Store(tmp_path / "store").read("applications")["app_id"]) == ["U1", "U3"]
    assert res.version == "v000001"


def test_names_from_windows_paths_and_repeated_compressed_names(tmp_path):
    import gzip

    gz = gzip.compress(CSV)
    check = check_upload([("C:\\Users\\张三丰\\Desktop\\applications.csv", CSV), ("报装工单.csv.gz", gz),
                          ("报装工单.csv.gz", gz)])
    assert [p.name for p in check.files] == ["applications.csv", "报装工单.csv.gz", "报装工单 (2).csv.gz"]
    assert not check.not_read and len(check.results) == 3 and "张三丰" not in str(check.results)
    discard(check)
