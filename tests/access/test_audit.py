"""Every import is attributed: who, when, which files (names and SHA-256), the version it produced
and its counts, in the upload's report and the store's manifest."""
import json

from getpower.intake.upload import check_upload, ingest_upload
from getpower.intake.validate import sha256_file
from getpower.store import Store


def test_an_import_records_who_made_it(tmp_path, apps_csv):
    store = Store(tmp_path / "store")
    first = apps_csv(["A1,杭州,居民,8,220V,网上国网,0", "A2,上海,居民,8,220V,网上国网,0"])
    res = store.ingest([first], by="data.admin")
    report = json.loads((res.upload_dir / "report.json").read_text(encoding="utf-8"))
    assert (report["by"], report["version"]) == ("data.admin", res.version) and report["created_at"]
    assert [(f["sha256"], f["rows_accepted"], f["rows_quarantined"]) for f in report["files"]] == [
        (sha256_file(first), 1, 1)]
    manifest = store.manifest()
    assert manifest["by"] == "data.admin" and manifest["files"][sha256_file(first)]["by"] == "data.admin"


def test_the_intake_page_passes_the_user_and_the_command_line_none(tmp_path, apps_csv):
    store = tmp_path / "store"
    Store(store).ingest([apps_csv(["A1,杭州,居民,8,220V,网上国网,0"])])
    assert Store(store).manifest()["by"] is None  # getpower ingest: no dashboard user
    check = check_upload([("applications.csv", "工单编号,地市,客户类别,申请容量(kW),供电电压(kV),申请渠道,客户投资(元)\n"
                           "B1,宁波,居民,8,220V,网上国网,0\n".encode())], store)
    res = ingest_upload(check, store, by="张三")
    manifest = Store(store).manifest()
    assert (manifest["by"], manifest["name"]) == ("张三", res.version)
    assert sorted(f["by"] or "" for f in manifest["files"].values()) == ["", "张三"]


def test_getpower_ingest_records_the_account(tmp_path, apps_csv):
    import getpass
    import subprocess
    import sys

    store = tmp_path / "store"
    p = subprocess.run([sys.executable, "-m", "getpower", "ingest", str(apps_csv(["A1,杭州,居民,8,220V,网上国网,0"])),
                        "--store", str(store)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert Store(store).manifest()["by"] == f"{getpass.getuser()}（命令行）"
