"""getpower serve: the local mode and the reverse-proxy mode, the options that go together, the
access file checked before anything else, and the Voila command line that enforces them."""
import subprocess
import sys
from pathlib import Path

import pytest

from getpower.serve import LOCAL, Identity, ServeError, voila_command

ACCESS = """\
roles:
  省级: {pages: [overview, city, ledger], cities: 全部}
  数据管理: {pages: [overview, city, ledger, intake], cities: 全部}
  台账: {pages: [ledger], cities: 全部}
users:
  sheng: {role: 省级}
  clerk: {role: 台账}
"""


@pytest.fixture
def access_file(tmp_path):
    path = tmp_path / "access.yaml"
    path.write_text(ACCESS, encoding="utf-8")
    return path


@pytest.mark.parametrize("identity, message", [
    (Identity(proxies=("10.0.0.1",)), "本机模式（--local）只在 127.0.0.1 上服务本机用户"),
    (Identity(ip="0.0.0.0"), "本机模式（--local）只在 127.0.0.1 上服务本机用户"),
    (Identity(header="X Forwarded User"), "--trusted-header 不是有效的请求头名称"),
    (Identity(header="X-Forwarded-User", proxies=("10.0.0.300",)), "--trusted-proxy 不是有效的地址或网段：10.0.0.300"),
    (Identity(header="X-Forwarded-User", ip="0.0.0.0"), "绑定到 0.0.0.0 时须用 --trusted-proxy 指明反向代理的地址"),
    (Identity(header="X-Forwarded-User", ip="host"), "--ip 不是有效的地址：host"),
])
def test_options_that_do_not_go_together(identity, message):
    with pytest.raises(ServeError, match=message):
        identity.check()


def test_a_file_that_lists_nobody_is_refused():
    with pytest.raises(ServeError, match="没有列出任何用户，所有请求都将被拒绝"):
        Identity(header="X-Forwarded-User").check()  # the shipped params/access.yaml


@pytest.mark.parametrize("identity, trusted", [
    (Identity(header="X-Forwarded-User"), ["127.0.0.1", "::1"]),
    (Identity(header="X-Forwarded-User", proxies=("10.0.0.5",)), ["127.0.0.1", "::1", "10.0.0.5"]),
    # bound elsewhere, a local account could forge the header: only the proxy is believed
    (Identity(header="X-Forwarded-User", proxies=("10.0.0.5",), ip="10.0.0.2"), ["10.0.0.5"]),
])
def test_whose_header_is_believed(identity, trusted):
    assert identity.trusted == trusted


def _option(cmd, name):
    return next(c.split("=", 1)[1] for c in cmd if c.startswith(f"--{name}="))


def test_the_voila_command_of_each_mode(tmp_path, access_file):
    cmd, env = voila_command(store=tmp_path / "store")
    assert _option(cmd, "GetpowerIdentityProvider.local") == "True"
    assert _option(cmd, "Voila.ip") == "127.0.0.1"
    assert _option(cmd, "GetpowerIdentityProvider.local_user").endswith("（本机）")
    assert _option(cmd, "Voila.identity_provider_class") == "getpower.auth.GetpowerIdentityProvider"
    assert _option(cmd, "Voila.authorizer_class") == "getpower.auth.RoleAuthorizer"
    assert _option(cmd, "GetpowerIdentityProvider.refused_log") == str((tmp_path / "store/audit/refused.jsonl").resolve())
    assert "X-Getpower-Cities" in _option(cmd, "VoilaConfiguration.http_header_envs")
    assert not any(k.startswith("HTTP_") for k in env)
    identity = Identity(header="X-Remote-User", proxies=("10.0.0.5",), ip="10.0.0.2", access_file=access_file)
    cmd, _ = voila_command(store=tmp_path / "store", identity=identity)
    assert (_option(cmd, "GetpowerIdentityProvider.local"), _option(cmd, "GetpowerIdentityProvider.user_header"),
            _option(cmd, "GetpowerIdentityProvider.trusted_proxies"), _option(cmd, "Voila.ip")) == (
        "False", "X-Remote-User", "10.0.0.5", "10.0.0.2")
    # a preheated kernel waits for its visit before it shows anything: every page is preheated,
    # whoever may open it (clerk's role opens the ledger only)
    assert _option(cmd, "preheat_kernel") == "True"


def test_every_page_has_a_pool_of_preheated_kernels_and_uploads_fit_a_message(tmp_path):
    import ast

    from getpower.access import PAGES
    from getpower.present.dashboard import MAX_UPLOAD_MB

    cmd, env = voila_command(store=tmp_path / "store", identity=LOCAL, reports=tmp_path / "reports")
    pools = ast.literal_eval(_option(cmd, "VoilaKernelManager.kernel_pools_config"))
    assert set(pools) == {f"{p}.ipynb" for p in PAGES} and all(v["pool_size"] >= 1 for v in pools.values())
    assert _option(cmd, "preheat_kernel") == "True" and ast.literal_eval(_option(cmd, "VoilaKernelManager.preheat_denylist")) == []
    limit = ast.literal_eval(_option(cmd, "Voila.tornado_settings"))["websocket_max_message_size"]
    assert limit > MAX_UPLOAD_MB * 1024 * 1024  # Tornado's default (10 MiB) refused uploads silently
    assert int(_option(cmd, "MappingKernelManager.cull_idle_timeout")) <= 300
    assert env["GETPOWER_REPORTS"] == str((tmp_path / "reports").resolve())  # absolute: kernels run elsewhere
    assert env["MALLOC_ARENA_MAX"] == "2"  # lighter kernels


def run(*args):
    return subprocess.run([sys.executable, "-m", "getpower", *args], capture_output=True, text=True)


def test_cli_reports_every_problem_of_the_access_file_and_starts_nothing(tmp_path):
    bad = tmp_path / "access.yaml"
    bad.write_text("roles:\n  r: {pages: [city], cities: 全部}\nusers:\n  a: {role: x}\n  b: {role: r, cities: [杭州]}\n",
                   encoding="utf-8")
    p = run("serve", "--trusted-header", "X-Forwarded-User", "--access", str(bad), "--store", str(tmp_path / "s"))
    assert p.returncode == 2
    assert p.stderr.splitlines() == [
        f"错误: {bad}: users 的“a”：未知的角色“x”（可用：r）",
        f"错误: {bad}: users 的“b”：角色“r”可看全部城市，不应列出 cities"]
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("args, message", [
    (["--trusted-proxy", "10.0.0.1"], "错误: --trusted-proxy、--ip、--access 只用于反向代理模式（--trusted-header）"),
    (["--trusted-header", "X-Forwarded-User", "--ip", "0.0.0.0"],
     "错误: 绑定到 0.0.0.0 时须用 --trusted-proxy 指明反向代理的地址（否则任何人都能伪造用户名请求头）"),
])
def test_cli_refuses_options_that_do_not_go_together(tmp_path, args, message):
    p = run("serve", *args, "--store", str(tmp_path / "s"))
    assert (p.returncode, p.stderr.strip()) == (2, message)


def test_local_and_trusted_header_exclude_each_other():
    p = run("serve", "--local", "--trusted-header", "X-Forwarded-User")
    assert p.returncode == 2 and "--trusted-header" in p.stderr


def test_access_check_summarises_a_valid_file(access_file):
    p = run("access", "check", "--access", str(access_file))
    assert (p.returncode, p.stdout.splitlines()) == (0, [f"{access_file}: 有效，2 个用户", "  省级: sheng", "  台账: clerk"])


def test_access_refused_lists_the_log(tmp_path):
    from getpower.serve import refused_log_path

    assert run("access", "refused", "--store", str(tmp_path)).stdout.strip().endswith("没有拒绝访问的记录")
    log = refused_log_path(tmp_path)
    log.parent.mkdir(parents=True)
    log.write_text('{"time": "2026-01-05T09:00:00+08:00", "user": "hz", "address": "127.0.0.1", "method": "GET", '
                   '"path": "/voila/render/city.ipynb", "query": "city=宁波", "reason": "无权查看宁波的数据（可查看：杭州）"}\n'
                   '{"time": "2026-01-05T09:01:00+08:00", "user": null, "address": "10.0.0.9", "method": "GET", '
                   '"path": "/", "query": "", "reason": "请求不是来自可信的反向代理（10.0.0.9）"}\n', encoding="utf-8")
    p = run("access", "refused", "--store", str(tmp_path), "--last", "1")
    assert p.stdout.splitlines() == ["2026-01-05T09:01:00+08:00  （无身份）  10.0.0.9  /  请求不是来自可信的反向代理（10.0.0.9）"]
    p = run("access", "refused", "--store", str(tmp_path))
    assert p.stdout.splitlines()[0] == ("2026-01-05T09:00:00+08:00  hz  127.0.0.1  /voila/render/city.ipynb?city=宁波  "
                                        "无权查看宁波的数据（可查看：杭州）")


def test_a_preheated_kernel_waits_for_its_visit_in_a_cell_of_its_own_without_a_time_limit(tmp_path):
    """The cell timeout would otherwise stop a pooled kernel that waited longer than it for a visit;
    every other cell keeps the limit."""
    import nbformat

    from getpower.access import PAGES
    from getpower.serve import CONFIG_DIR, DASHBOARDS, WAIT_CELL, cell_timeout

    for page in PAGES:
        nb = nbformat.read(DASHBOARDS / f"{page}.ipynb", as_version=4)
        waits = [c for c in nb.cells if WAIT_CELL in c.source]
        assert len(waits) == 1, page
        code = [l for l in waits[0].source.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        assert code == [l for l in code if l.startswith(WAIT_CELL)] and len(code) == 1, page
        assert cell_timeout(waits[0]) is None
        assert all(cell_timeout(c) == 120 for c in nb.cells if c is not waits[0])
    cmd, env = voila_command(store=tmp_path / "store", cell_timeout=90)
    assert _option(cmd, "Voila.config_file_paths") == repr([str(CONFIG_DIR)]) and env["GETPOWER_CELL_TIMEOUT"] == "90"
    assert "timeout_func = cell_timeout" in (CONFIG_DIR / "voila.py").read_text(encoding="utf-8")


def test_every_page_waits_for_its_visit_before_asking_who_it_is():
    """A page in access.PAGES is preheated (serve.pool_sizes): a kernel that read the viewer
    before its visit arrived would answer to nobody's, or the wrong, identity."""
    import json

    from getpower import access
    from getpower.serve import DASHBOARDS, WAIT_CELL

    for page in access.PAGES:
        cells = json.loads((DASHBOARDS / f"{page}.ipynb").read_text("utf-8"))["cells"]
        sources = ["".join(c["source"]) for c in cells]
        waits = [i for i, s in enumerate(sources) if WAIT_CELL in s]
        asks = [i for i, s in enumerate(sources) if "db.require(" in s or "query_params(" in s]
        assert waits and asks and waits[0] < asks[0], page
