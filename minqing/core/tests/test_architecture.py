"""The house rules that keep the floors true (docs/architecture.md, "Floors"), checked on the source itself.

Every import counts, including imports inside functions: a lazy import hides an arrow from the import machinery,
not from the design. Only imports under `if TYPE_CHECKING:` are left out, since they never run.
"""

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]  # the minqing package

# Lowest first. An app may import an app on a lower floor. Apps on the same floor are independent siblings,
# except on the foundation, whose apps are one unit (a grant is a role held in a region, and every write is
# audited): they may import each other, but their modules still form no circle.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("core",),  # the kernel
    ("printing",),  # shared printing: CJK PDF layout, Excel cells
    ("regions", "accounts", "audit", "workcal"),  # the foundation
    ("households",),  # the practices, in the order they may use each other
    ("petitions", "policies"),  # siblings: the policy library reads the registry, not the requests
    ("mediation",),
    ("visits",),
    ("textintel", "hotspots"),  # intelligence over the practices
    ("api",),  # the site floor: the interfaces …
    ("site",),  # … and the home page, menu and demo, which may use everything
)
MUTUAL = {"regions", "accounts", "audit", "workcal"}

# Imports inside functions are allowed only where Django wants them (AppConfig.ready, system checks, management
# commands load lazily by design) and in these few places, each for a reason.
LAZY_ALLOWED_FILES = ("apps.py", "checks.py")
LAZY_ALLOWED_DIRS = ("management/commands",)
LAZY_ALLOWED: dict[str, str] = {}

MAX_LINES = 800


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports
    target: str  # dotted module imported
    path: Path
    line: int
    lazy: bool


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent)
        if "migrations" in rel.parts or "tests" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports_of(module: str, path: Path) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                yield from (i for n in child.orelse for i in visit_one(n, in_function))
                continue
            yield from visit_one(child, in_function)

    def visit_one(child: ast.AST, in_function: bool) -> Iterator[Import]:
        targets: list[str] = []
        if isinstance(child, ast.Import):
            targets = [a.name for a in child.names]
        elif isinstance(child, ast.ImportFrom):
            if child.level:
                base = package.split(".")[: len(package.split(".")) - child.level + 1]
                stem = ".".join(base + ([child.module] if child.module else []))
            else:
                stem = child.module or ""
            # `from pkg import sub` may name a submodule: count it as an import of pkg.sub when that exists.
            targets = [
                f"{stem}.{a.name}" if (ROOT.parent / f"{stem}.{a.name}".replace(".", "/")).exists() else stem
                for a in child.names
            ]
        for target in targets:
            if target.startswith("minqing."):
                yield Import(module, target, path, child.lineno, in_function)
        nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from visit(child, nested)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), False)


def _all_imports() -> list[Import]:
    return [imp for module, path in _modules() for imp in _imports_of(module, path)]


def _app(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _floor(app: str) -> int:
    for level, apps_on_floor in enumerate(FLOORS):
        if app in apps_on_floor:
            return level
    raise AssertionError(f"minqing.{app} is on no floor: add it to FLOORS and to docs/architecture.md")


def test_every_app_stands_on_a_floor():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"locale", "static", "templates"}
    for app in packages:
        _floor(app)


def test_no_app_imports_an_app_above_it_or_a_sibling():
    wrong = []
    for imp in _all_imports():
        a, b = _app(imp.source), _app(imp.target)
        if a == b or not b:
            continue
        fa, fb = _floor(a), _floor(b)
        if fb > fa or (fb == fa and not (a in MUTUAL and b in MUTUAL)):
            wrong.append(f"{imp.path.relative_to(ROOT.parent)}:{imp.line} {a} → {b} ({imp.target})")
    assert not wrong, (
        "imports that point up a floor (use an extension point, see core/panels.py):\n" + "\n".join(wrong)
    )


def test_the_modules_form_no_circle():
    graph: dict[str, set[str]] = defaultdict(set)
    known = {m for m, _p in _modules()}
    for imp in _all_imports():
        target = imp.target
        while target not in known and "." in target:
            target = target.rpartition(".")[0]  # `from minqing.x.models import Y` → minqing.x.models
        if target != imp.source and target in known:
            graph[imp.source].add(target)
    # Tarjan's strongly connected components, iteratively: a component of more than one module is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    circles: list[list[str]] = []
    counter = 0
    for start in sorted(known):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        circles.append(sorted(component))
    assert not circles, f"module circles: {circles}"


def test_minqing_modules_are_imported_at_the_top_of_a_module():
    hidden = []
    for imp in _all_imports():
        if not imp.lazy:
            continue
        rel = imp.path.relative_to(ROOT.parent).as_posix()
        if (
            imp.path.name in LAZY_ALLOWED_FILES
            or any(d in rel for d in LAZY_ALLOWED_DIRS)
            or rel in LAZY_ALLOWED
        ):
            continue
        hidden.append(f"{rel}:{imp.line} {imp.target}")
    assert not hidden, "imports inside functions hide the real dependencies:\n" + "\n".join(hidden)


def test_the_lazy_import_allow_list_names_only_files_that_still_need_it():
    lazy_files = {imp.path.relative_to(ROOT.parent).as_posix() for imp in _all_imports() if imp.lazy}
    assert set(LAZY_ALLOWED) <= lazy_files


def test_no_source_file_is_longer_than_the_limit():
    long = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(ROOT.parent)}: {lines} lines")
    assert not long, f"files over {MAX_LINES} lines are packages waiting to be split:\n" + "\n".join(long)


# The apps whose selectors follow the convention of docs/architecture.md ("Writes in services, reads in
# selectors"); the others join as they are brought to it.
KEYWORD_SELECTORS = ("households", "petitions", "mediation")


def test_selectors_take_keyword_arguments_only():
    positional = []
    for app in KEYWORD_SELECTORS:
        path = ROOT / app / "selectors.py"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            public = isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
            if public and (node.args.posonlyargs or node.args.args):
                positional.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}")
    assert not positional, "selectors whose arguments are not keyword-only (put `*` first):\n" + "\n".join(
        positional
    )


def _region_bound_models() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if model.__module__.startswith("minqing.")
        and any(f.name == "region_path" for f in model._meta.fields)
    }


def _interface_files() -> Iterator[Path]:
    """Code that parses requests and renders answers: it reads through selectors, never the ORM."""
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        in_views = (
            rel.parts[1:2] in (("views",), ("forms",), ("templatetags",)) if len(rel.parts) > 2 else False
        )
        if in_views or path.stem.startswith(("views", "forms")) or rel.as_posix() in ("api/open311.py",):
            yield path


@pytest.mark.django_db
def test_views_and_forms_read_region_bound_records_only_through_selectors():
    bound = _region_bound_models()
    assert {"Household", "Petition", "Dispute", "Visit"} <= bound
    raw = []
    for path in _interface_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
            ):
                parent = parents.get(node)
                if isinstance(parent, ast.Attribute) and parent.attr == "none":
                    continue  # an empty placeholder queryset (a form field's) reads nothing
                raw.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.value.id}.{node.attr}")
    assert not raw, "unscoped queries in views/forms (use the app's selectors):\n" + "\n".join(raw)
