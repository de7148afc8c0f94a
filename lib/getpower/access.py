"""Who may see and change what on the dashboards: ``params/access.yaml`` read, validated and asked.

The file maps users (or groups of users) to a role and, for a role limited to its own cities, to
those cities; roles name the pages they open. Unknown users get nothing. Every problem of the file
is found and reported at once, one Chinese line each (:class:`AccessError`).

The decisions (:func:`refusal`) are pure functions of a :class:`Grant`, the page and the query
string: the server (``getpower.auth``) asks them before any kernel starts, and the dashboards ask
them again inside the kernel from the grant the server verified (:func:`grant_from_env`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import yaml

# the dashboards (dashboards/<page>.ipynb) and how people call them
PAGES = {"overview": "总览", "city": "城市", "ledger": "台账", "warnings": "预警督办", "intake": "数据上传"}
ALL_CITIES, OWN_CITIES = "全部", "本市"
IMPORT_PAGE = "intake"  # the one page that writes to the store

# Headers the server sets after verifying the identity (any a client sends is removed first) and
# Voila passes to the kernel as HTTP_X_GETPOWER_* environment variables (``http_header_envs``).
HEADERS = {"user": "X-Getpower-User", "role": "X-Getpower-Role", "cities": "X-Getpower-Cities",
           "pages": "X-Getpower-Pages"}


def header_env(header: str) -> str:
    """The environment variable Voila makes of a request header (RFC 3875 §4.1.18)."""
    return "HTTP_" + header.upper().replace("-", "_")


class AccessError(ValueError):
    """The access file's problems, one Chinese line each, all of them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Grant:
    """What one user may do. ``cities`` is None for every city."""

    user: str
    role: str
    pages: frozenset[str]
    cities: tuple[str, ...] | None

    def may_open(self, page: str) -> bool:
        return page in self.pages

    @property
    def may_import(self) -> bool:
        return IMPORT_PAGE in self.pages

    def allowed_cities(self, known: tuple[str, ...]) -> tuple[str, ...]:
        return known if self.cities is None else tuple(c for c in known if c in self.cities)


@dataclass(frozen=True)
class Access:
    """The validated access file: ``grant(user)`` is None for anyone not listed."""

    grants: dict  # user name -> Grant
    source: str

    def grant(self, user: str | None) -> Grant | None:
        return self.grants.get(user) if user else None


def account(where: str) -> str:
    """The account running this process, as imports from it are recorded: ``analyst（命令行）``."""
    import getpass

    try:
        return f"{getpass.getuser()}（{where}）"
    except Exception:  # no name for this uid (some containers)
        return where


def local_grant(user: str) -> Grant:
    """One analyst on their own machine (``getpower serve --local``): every page, every city."""
    return Grant(user=user, role="本机", pages=frozenset(PAGES), cities=None)


# --- reading and validating ---------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """A safe loader that records repeated keys (PyYAML silently keeps the last one)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.repeated: list[str] = []

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int)):
                if key in seen:
                    self.repeated.append(f"第 {key_node.start_mark.line + 1} 行：“{key}”重复出现")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load(path: Path | str | None = None, cities: tuple[str, ...] | None = None) -> Access:
    """Read and validate the access file (default ``params/access.yaml``).

    Raises
    ------
    AccessError
        Every problem found, one Chinese line each, prefixed with the file name.
    """
    from getpower import params

    path = Path(path) if path else params.params_dir() / "access.yaml"
    known = tuple(cities) if cities is not None else params.cities()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AccessError([f"{path}: 访问权限文件不存在"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessError([f"{path}: 无法读取访问权限文件（{exc.__class__.__name__}）"]) from None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else "文件"
        raise AccessError([f"{path}: {where}不是有效的 YAML"]) from None
    finally:
        loader.dispose()
    grants, problems = parse(data, known)
    problems = loader.repeated + problems
    if problems:
        raise AccessError([f"{path}: {p}" for p in problems])
    return Access(grants, str(path))


def parse(data, known: tuple[str, ...]) -> tuple[dict, list[str]]:
    """The grants of an access file's content and its problems (each a Chinese phrase)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return {}, ["文件应为 roles / users / groups 三节的映射"]
    for key in data:
        if key not in ("roles", "users", "groups"):
            problems.append(f"未知的节“{key}”（只允许 roles、users、groups）")
    roles = _roles(data.get("roles"), problems)
    grants: dict[str, Grant] = {}
    where: dict[str, str] = {}  # user -> where they were given a role, to name both places

    def give(user, role, cities, place):
        if not isinstance(user, str) or not user.strip():
            problems.append(f"{place}：用户名须为非空文字")
            return
        if user != user.strip() or "," in user:
            problems.append(f"{place}：用户名“{user}”不能含首尾空格或逗号")
            return
        if user in where:
            problems.append(f"用户“{user}”同时出现在{where[user]}和{place}；每个用户只能有一个角色")
            return
        where[user] = place
        if role in roles:
            pages, scope = roles[role]
            grants[user] = Grant(user, role, pages, None if scope == ALL_CITIES else cities)

    users = data.get("users") or {}
    if not isinstance(users, dict):
        problems.append("users 应为“用户名: {role: 角色, cities: [城市]}”的映射")
        users = {}
    for user, entry in users.items():
        place = f"users 的“{user}”"
        ok, cities = _entry(entry, place, roles, known, problems, ("role", "cities"))
        if ok:
            give(user, entry["role"], cities, place)
    groups = data.get("groups") or {}
    if not isinstance(groups, dict):
        problems.append("groups 应为“组名: {role: 角色, cities: [城市], members: [用户名]}”的映射")
        groups = {}
    for group, entry in groups.items():
        place = f"组“{group}”"
        ok, cities = _entry(entry, place, roles, known, problems, ("role", "cities", "members"))
        if not ok:
            continue
        members = entry.get("members")
        if not isinstance(members, list) or not members:
            problems.append(f"{place}：members 须列出至少一个用户名")
            continue
        for m in members:
            give(m, entry["role"], cities, place)
    return grants, problems


def _roles(data, problems: list[str]) -> dict[str, tuple[frozenset, str]]:
    if not isinstance(data, dict) or not data:
        problems.append("缺少 roles：须定义每个角色可打开的页面（pages）和城市范围（cities）")
        return {}
    roles = {}
    for name, entry in data.items():
        place = f"角色“{name}”"
        if not isinstance(entry, dict):
            problems.append(f"{place}：应为 {{pages: [页面], cities: 全部 或 本市}}")
            continue
        for key in entry:
            if key not in ("pages", "cities"):
                problems.append(f"{place}：未知的键“{key}”（只允许 pages、cities）")
        pages = entry.get("pages")
        if not isinstance(pages, list) or not pages:
            problems.append(f"{place}：pages 须列出至少一个页面（{'、'.join(PAGES)}）")
            continue
        bad = [str(p) for p in pages if p not in PAGES]
        if bad:
            problems.append(f"{place}：未知的页面 {'、'.join(bad)}（可用：{'、'.join(PAGES)}）")
            continue
        scope = entry.get("cities")
        if scope not in (ALL_CITIES, OWN_CITIES):
            problems.append(f"{place}：cities 须为“{ALL_CITIES}”或“{OWN_CITIES}”，不是“{scope}”")
            continue
        roles[name] = (frozenset(pages), scope)
    return roles


def _entry(entry, place, roles, known, problems, keys) -> tuple[bool, tuple[str, ...] | None]:
    """Check one user's or group's entry; (ok, its cities)."""
    if not isinstance(entry, dict):
        problems.append(f"{place}：应为 {{role: 角色, …}}")
        return False, None
    ok = True
    for key in entry:
        if key not in keys:
            problems.append(f"{place}：未知的键“{key}”（只允许 {'、'.join(keys)}）")
            ok = False
    role = entry.get("role")
    if role is None:
        problems.append(f"{place}：缺少 role")
        return False, None
    if role not in roles:
        problems.append(f"{place}：未知的角色“{role}”（可用：{'、'.join(roles) or '无'}）")
        return False, None
    scope = roles[role][1]
    cities = entry.get("cities")
    if scope == ALL_CITIES:
        if cities is not None:
            problems.append(f"{place}：角色“{role}”可看全部城市，不应列出 cities")
            ok = False
        return ok, None
    if not isinstance(cities, list) or not cities:
        problems.append(f"{place}：角色“{role}”只看本市，须在 cities 列出城市")
        return False, None
    bad = [str(c) for c in cities if c not in known]
    if bad:
        problems.append(f"{place}：未知的城市 {'、'.join(bad)}（可用：{'、'.join(known)}）")
        return False, None
    return ok, tuple(dict.fromkeys(cities))


# --- decisions ------------------------------------------------------------------------------------
# the server's own pages (getpower.handlers) and the dashboard page whose rights they need
SERVER_PAGES = {"/getpower/brief/overview": "overview", "/getpower/brief/city": "city", "/getpower/scorecard": "city",
                "/getpower/picture/overview": "overview", "/getpower/picture/city": "city"}


def page_of(path: str) -> str | None:
    """The dashboard a request path renders (``/voila/render/city.ipynb`` -> ``city``), or whose
    rights a page of the server's own needs (``/getpower/brief/city``, ``/getpower/scorecard`` ->
    ``city``), else None.

    >>> [page_of(p) for p in ("/voila/render/city.ipynb", "/gp/getpower/scorecard", "/getpower/brief/x", "/api/kernels")]
    ['city', 'city', 'brief/x', None]
    """
    for suffix, page in SERVER_PAGES.items():
        if path.rstrip("/").endswith(suffix):
            return page
    if "/getpower/" in path:  # another path of the server's own: refused as no such page
        return path.split("/getpower/", 1)[1].strip("/")
    marker = "/voila/render/"
    if marker not in path:
        return None
    name = path.split(marker, 1)[1].strip("/")
    return name[: -len(".ipynb")] if name.endswith(".ipynb") else name


def refusal(grant: Grant | None, page: str, query: str = "") -> str | None:
    """Why ``grant`` may not open ``page`` with this query string, or None when it may.

    A city the role may not see, named anywhere in the query (``?city=宁波``, repeated or not), is
    refused: the kernel reads the first value, the check reads them all."""
    if grant is None:
        return "未授权：不在访问权限名单中"
    if page not in PAGES:
        return f"没有名为“{page}”的看板页面"
    if not grant.may_open(page):
        return f"无权打开“{PAGES[page]}”页面（角色：{grant.role}）"
    if grant.cities is not None:
        asked = [c for c in parse_qs(query, keep_blank_values=True).get("city", []) if c.strip()]  # blank: no city asked
        other = [c for c in asked if c not in grant.cities]
        if other:
            return f"无权查看{'、'.join(dict.fromkeys(other))}的数据（可查看：{'、'.join(grant.cities)}）"
    return None


# --- the grant inside a dashboard's kernel ------------------------------------------------------------
def grant_headers(grant: Grant) -> dict[str, str]:
    """The verified headers the server sets for the kernel."""
    return {HEADERS["user"]: grant.user, HEADERS["role"]: grant.role,
            HEADERS["cities"]: "*" if grant.cities is None else ",".join(grant.cities),
            HEADERS["pages"]: ",".join(sorted(grant.pages))}


def grant_from_env(env=None) -> Grant | None:
    """The grant the server verified for the request that started this kernel, None without one."""
    env = os.environ if env is None else env
    user = env.get(header_env(HEADERS["user"]))
    if not user:
        return None
    cities = env.get(header_env(HEADERS["cities"]), "")
    pages = env.get(header_env(HEADERS["pages"]), "")
    return Grant(user=user, role=env.get(header_env(HEADERS["role"]), ""),
                 pages=frozenset(p for p in pages.split(",") if p),
                 cities=None if cities == "*" else tuple(c for c in cities.split(",") if c))
