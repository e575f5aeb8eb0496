"""The `polster` command: grow, shrink and check the pipeline of this project.

Thin by design: parse the options, call the functions of polster.tooling's assets,
validate, lineage, tables and update modules, print what they return, and turn a
PolsterError into one line on stderr (--verbose: with its traceback). Exit codes: 0 done,
1 refused (nothing changed) or an update with conflicts to resolve, 2 bad usage, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from polster.contract.errors import PolsterError
from polster.contract.layers import LAYERS, UPSTREAM_LAYER
from polster.contract.layout import NO_ASSETS_YET, core_module_path, wrapper_path
from polster.contract.options import option, via_make
from polster.contract.partitions import CADENCES
from polster.core.exits import report_error, report_interrupted
from polster.core.paths import project_root
from polster.orchestration.text_table import text_table
from polster.tooling import assets, lineage, prompts, source_templates, update
from polster.tooling.project import Project, load_project
from polster.tooling.validate import checked_steps

LARGEST = 2**31 - 1  # what delta-rs and Polars take as a count or a version


def count(text: str) -> int:
    """A version or a number of rows: a whole number from 0 (argparse's usage error else,
    in one line; a negative or huge one reached delta-rs as an OverflowError)."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= LARGEST:
        msg = f"{text!r} is not a whole number from 0 to {LARGEST:,}"
        raise argparse.ArgumentTypeError(msg)
    return number


def add_asset(args: argparse.Namespace) -> int:
    project = load_project(project_root())
    ask = prompts.can_ask()
    layer = (
        args.layer
        if args.layer is not None
        else (
            prompts.choose_one("Layer of the new asset:", LAYERS)
            if ask
            else prompts.require(None, "--layer", "bronze, silver or gold")
        )
    )
    assets.check_layer(layer)
    name = (
        args.name
        if args.name is not None
        else (
            prompts.ask_until_valid(
                "Asset name (lowercase, e.g. clean_orders): ",
                lambda answer: assets.check_new_name(project, layer, answer),
            )
            if ask
            else prompts.require(None, "--name", f"e.g. {option('--name', 'clean_orders')}")
        )
    )
    if args.dependencies is not None:
        dependencies = [part.strip() for part in args.dependencies.split(",") if part.strip()]
    elif ask and UPSTREAM_LAYER[layer]:
        dependencies = choose_dependencies(project, layer)
    else:
        dependencies = []
    source = None
    if args.template is not None:
        source = source_templates.check_source(
            layer, name, args.template, args.source, args.query, args.sheet
        )
    elif args.source or args.query or args.sheet:
        choices = ", ".join(source_templates.TEMPLATES)
        msg = f"--source, --query and --sheet go with --template ({choices})"
        raise PolsterError(msg)
    merge_key = [column.strip() for column in (args.merge_key or "").split(",") if column.strip()]
    plan = assets.plan_new_asset(
        project,
        layer,
        name,
        dependencies,
        args.description,
        source,
        args.write_mode,
        merge_key,
        args.partitions,
        args.start,
    )
    created = assets.add_asset(project, plan)
    print(f"Created {plan.key}" + (f" from {', '.join(plan.upstreams)}" if plan.upstreams else ""))
    for path in created:
        print(f"  {path}")
    print(f"Next: {next_step(plan)}")
    return 0


def next_step(plan: assets.NewAsset) -> str:
    if plan.source is None:
        return f"write your logic in src/core/{plan.key}.py, then run `make run`."
    if plan.source.template in source_templates.FILE_TEMPLATES:
        if not any(c in plan.source.source for c in source_templates.WILDCARDS):
            return f"put the file at {plan.source.source}, then run `make run`."
        return f"drop files matching {plan.source.source}, then run `make run`."
    if plan.source.template == "api":
        return f"set {plan.name.upper()}_API_TOKEN in .env if the API needs one, then `make run`."
    return f"set {plan.source.source} in .env, then run `make run`."


def choose_dependencies(project: Project, layer: str) -> list[str]:
    upstream_layer = UPSTREAM_LAYER[layer] or ""
    choices = project.in_layer(upstream_layer)
    if not choices:
        msg = (
            f"there is no {upstream_layer} asset to depend on yet: add one first "
            f"({'make' if via_make() else 'polster'} add-asset "
            f"{option('--layer', upstream_layer)} {option('--name', '...')})"
        )
        raise PolsterError(msg)
    return prompts.choose_many(f"Available {upstream_layer} assets to depend on:", choices)


def remove_asset(args: argparse.Namespace) -> int:
    project = load_project(project_root())
    references = selected_for_removal(args, project)
    keys = assets.plan_removal(project, references, force=args.force)
    files = assets.files_of(project, keys)
    word = assets.confirmation_word(project, keys)
    if args.dry_run:
        print(f"Would remove {len(keys)} asset(s): {', '.join(keys)}")
        for path in files:
            print(f"  {path}")
        print(tables_note(keys, args.purge_data, dry_run=True))
        if word:
            print(f"A real run asks you to type {word}.")
        return 0
    if word:
        typed = args.confirm or (
            prompts.ask(f"Removing {len(keys)} assets: type {word} to go on: ")
            if prompts.can_ask()
            else prompts.require(None, "--confirm", f"removing {len(keys)} assets needs {word}")
        )
        if typed != word:
            msg = f"'{typed}' is not {word}: nothing was removed"
            raise PolsterError(msg)
    assets.remove_assets(project, keys)
    print(f"Removed {', '.join(keys)}:")
    for path in files:
        print(f"  {path}")
    if args.purge_data:
        from polster.tooling import tables  # Polars and the settings load only when data is deleted

        for uri in tables.purge(keys):
            print(f"  deleted table {uri}")
    print(tables_note(keys, args.purge_data, dry_run=False))
    return 0


def selected_for_removal(args: argparse.Namespace, project: Project) -> list[str]:
    if args.layer or args.name:
        layer = prompts.require(args.layer, "--layer", f"it goes with {option('--name', '')}")
        name = prompts.require(args.name, "--name", f"it goes with {option('--layer', '')}")
        assets.check_layer(layer)
        return [f"{layer}_{name}"]
    if args.asset:
        return list(args.asset)
    if not prompts.can_ask():
        prompts.require(None, "--layer and --name", f"or {option('--asset', 'KEY')}")
    if not project.assets:
        msg = "there are no assets to remove"
        raise PolsterError(msg)
    return prompts.choose_many("Assets to remove:", list(project.assets), allow_all=True)


def tables_note(keys: Sequence[str], purge: bool, dry_run: bool) -> str:
    if purge:
        return (
            "Would delete" if dry_run else "Deleted"
        ) + f" their tables too ({option('--purge-data')})."
    return f"Their tables are kept in storage; add {option('--purge-data')} to delete them as well."


def list_assets(args: argparse.Namespace) -> int:
    project = load_project(project_root())
    if args.layer:
        assets.check_layer(args.layer)
    rows = [
        {
            "key": key,
            "layer": asset.layer,
            "name": asset.name,
            "dependencies": list(asset.upstreams),
            "dependents": project.dependents(key),
            "core_module": str(core_module_path(key)) if asset.has_core_module else None,
            "wrapper": str(wrapper_path(key)) if asset.has_wrapper else None,
        }
        for key, asset in project.assets.items()
        if args.layer in (None, asset.layer)
    ]
    if args.format == "json":
        print(json.dumps({"assets": rows}, indent=2))
        return 0
    if not rows:
        print(NO_ASSETS_YET)
        return 0
    table = [
        (
            row["layer"],
            row["key"],
            ", ".join(row["dependencies"]) or "-",
            ", ".join(row["dependents"]) or "-",
            ", ".join(path for path in (row["core_module"], row["wrapper"]) if path),
        )
        for row in rows
    ]
    print(text_table(("layer", "asset", "depends on", "used by", "files"), table))
    return 0


def validate(args: argparse.Namespace) -> int:
    project = load_project(project_root())
    problems, started = [], time.perf_counter()
    for step, problems in checked_steps(project):  # each step's line as soon as it is done
        outcome = "problems" if problems else "OK"
        took, started = time.perf_counter() - started, time.perf_counter()
        print(f"{step[:1].upper()}{step[1:]}: {outcome} ({took:.1f}s)", flush=True)
    if not problems:
        print(f"OK: {len(project.assets)} asset(s), every rule holds.")
        return 0
    print(f"{len(problems)} problem(s):")
    for problem in problems:
        print(f"  {problem}")
    return 1


def graph(args: argparse.Namespace) -> int:
    project = load_project(project_root())
    print(lineage.mermaid(project.graph()))
    if not lineage.update_readme(project_root() / "README.md", project.graph()):
        print(
            f"(README.md has no {lineage.START_MARKER} ... {lineage.END_MARKER} markers: "
            "add them where the diagram should go)",
            file=sys.stderr,
        )
    return 0


def history(args: argparse.Namespace) -> int:
    # Polars and the settings load only for the commands that read tables.
    from polster.core.storage import default_store
    from polster.tooling import tables

    key = tables.table_key(load_project(project_root()), args.asset)
    print(tables.format_history(key, tables.history(default_store(), key, args.limit)))
    return 0


def show(args: argparse.Namespace) -> int:
    from polster.core.storage import default_store
    from polster.tooling import tables

    key = tables.table_key(load_project(project_root()), args.asset)
    print(tables.preview(default_store(), key, args.version, args.limit))
    return 0


def list_ingested(args: argparse.Namespace) -> int:
    from polster.core.storage import default_store
    from polster.tooling import ingested, tables

    key = tables.table_key(load_project(project_root()), args.asset)
    print(ingested.ingested(default_store(), key))
    return 0


def restore(args: argparse.Namespace) -> int:
    from polster.core.storage import default_store
    from polster.tooling import tables

    key = tables.table_key(load_project(project_root()), args.asset)
    store = default_store()
    question = f"Restore {key} to version {args.version} (as a new version; nothing is deleted)?"
    if not args.yes:
        if not prompts.can_ask():
            msg = f"{question} Without a terminal, confirm with {option('--yes')}"
            raise PolsterError(msg)
        if prompts.ask(f"{question} [y/N] ").lower() not in {"y", "yes"}:
            print("Nothing was restored.")
            return 1
    print(tables.restore(store, key, args.version))
    return 0


def optimize(args: argparse.Namespace) -> int:
    from polster.core import maintenance
    from polster.core.storage import default_store
    from polster.tooling import tables

    key = tables.table_key(load_project(project_root()), args.asset)
    store = default_store()
    zorder = tuple(column.strip() for column in (args.zorder or "").split(",") if column.strip())
    for table in tables.maintained(store, key):
        print(maintenance.optimize(store, table, zorder if table == key else ()))
    return 0


def vacuum(args: argparse.Namespace) -> int:
    from polster.core import maintenance
    from polster.core.storage import default_store
    from polster.tooling import tables

    key = tables.table_key(load_project(project_root()), args.asset)
    store = default_store()
    retention = maintenance.parse_retention(args.retain) if args.retain else None
    for table in tables.maintained(store, key):
        print(maintenance.vacuum(store, table, retention, args.force, args.dry_run))
    return 0


def docs(args: argparse.Namespace) -> int:
    import os

    from polster.core.paths import resolve
    from polster.tooling.catalog.build import DEFAULT_OUTPUT, build
    from polster.tooling.catalog.site import secret_values, serve, without_secrets

    output = resolve(args.output or DEFAULT_OUTPUT)
    index, built = build(project_root(), output, args.profile_rows)
    print(f"Wrote the catalog of {len(built.assets)} asset(s): open {index.as_uri()}")
    secrets = secret_values(os.environ)
    for asset in built.assets.values():  # what the pages say could not be read, one line each
        for note in (*([asset.unreadable] if asset.unreadable else []), *asset.notes):
            print(f"warning: {asset.key}: {without_secrets(note, secrets)}", file=sys.stderr)
    if args.serve:
        serve(output, args.port)
    return 0


def update_project(args: argparse.Namespace) -> int:
    print(
        "Updating this project from its Polster template: Copier renders the version you have "
        "and the new one, then replays your committed changes on top. Nothing is committed.",
        flush=True,
    )
    print(f"Template: {update.answers_of(project_root()).get('_src_path', '?')}", flush=True)
    result = update.update(
        project_root(), args.vcs_ref, args.data, args.conflict, prompts.can_ask(), args.new_source
    )
    if result.from_version == result.to_version and not update.has_changes(project_root()):
        print(f"\nNothing changed: this project is on Polster {result.to_version} already.")
        return 0
    print(f"\nPolster template {result.from_version} -> {result.to_version}.")
    for path in result.removed:
        print(f"  removed (no longer in the template): {path}; yours: git show HEAD:{path}")
    if not result.clean:
        files = ", ".join(result.conflicts + result.rejects)
        msg = (
            f"your changes and the template's met in: {files}. Resolve them (keep what you "
            "need between the <<<<<<< and >>>>>>> markers, or apply the .rej hunks by hand and "
            "delete the .rej file), then git add -A && git commit; "
            "or undo the whole update: git reset --hard HEAD && git clean -fd"
        )
        raise PolsterError(msg)
    print("Next: review with `git diff`, run `make setup` and `make test`, then commit.")
    return 0


def update_check(args: argparse.Namespace) -> int:
    answer = update.check_for_update(project_root())
    current, latest = answer.get("current_version"), answer.get("latest_version")
    if answer.get("update_available"):
        print(f"Polster {latest} is available (this project: {current}): run `make update`.")
    else:
        print(f"This project is on the latest Polster template ({current}).")
    return 0


def alert_test(args: argparse.Namespace) -> int:
    from polster.core.alerts import Alert, send
    from polster.core.settings import ALERT_URL_SETTINGS, get_settings, project_name

    settings = get_settings()
    if settings.alerts == "none":
        msg = (
            "alerts are off (POLSTER_ALERTS=none): choose a destination with "
            'make update VCS_REF=:current: DATA="alerts=slack" (or teams, webhook)'
        )
        raise PolsterError(msg)
    test = Alert(
        project=project_name(),
        environment=settings.environment,
        run_id="test-alert",
        failed=("(none: this is a test message)",),
        error="polster alert-test checks that failure alerts arrive",
    )
    warning = send(test, settings)
    if warning:
        raise PolsterError(warning)
    print(f"Sent a test alert ({settings.alerts}, {ALERT_URL_SETTINGS[settings.alerts]}).")
    return 0


def template_version() -> str:
    try:
        return update.answers_of(project_root()).get("_commit", "unknown")
    except PolsterError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="polster", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--version", action="version", version=f"polster (template {template_version()})"
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add = commands.add_parser("add-asset", help="add an asset (asks for what is missing)")
    add.add_argument("--layer", help="bronze, silver or gold")
    add.add_argument("--name", help="lowercase name, e.g. clean_orders")
    add.add_argument(
        "--dependencies", help="comma-separated upstream assets (keys or unambiguous names)"
    )
    add.add_argument("--description", help="what the asset holds (shown in the Dagster UI)")
    add.add_argument(
        "--template",
        choices=source_templates.TEMPLATES,
        help="bronze only: read a real source (files, an HTTP API or a database)",
    )
    add.add_argument(
        "--source",
        help="files: a glob or one file's path (default landing/NAME/*.EXT); api: the URL; "
        "database: the .env variable with the URL (default NAME_DATABASE_URL)",
    )
    add.add_argument("--query", help="database: the SQL (default: select * from NAME)")
    add.add_argument("--sheet", help="excel: the sheet name (default: the first sheet)")
    add.add_argument(
        "--write-mode",
        choices=("overwrite", "append", "merge"),
        help="how each run's rows become the table: overwrite (default), append, merge",
    )
    add.add_argument("--merge-key", metavar="COLUMNS", help="merge: the columns of a row's key")
    add.add_argument(
        "--partitions",
        choices=CADENCES,
        help="write one time partition per run: daily, weekly (from Monday) or monthly",
    )
    add.add_argument("--start", metavar="YYYY-MM-DD", help="with --partitions: the first partition")
    add.set_defaults(handler=add_asset)

    remove = commands.add_parser("remove-asset", help="remove assets (asks which, in a terminal)")
    remove.add_argument("--layer", help="layer of the asset to remove")
    remove.add_argument("--name", help="name of the asset to remove")
    remove.add_argument("--asset", action="append", metavar="KEY", help="asset key (repeatable)")
    remove.add_argument("--dry-run", action="store_true", help="show what would go, change nothing")
    remove.add_argument("--force", action="store_true", help="also remove every asset downstream")
    remove.add_argument("--purge-data", action="store_true", help="also delete the tables")
    remove.add_argument("--confirm", metavar="WORD", help="CONFIRM or REMOVE_ALL_ASSETS, if asked")
    remove.set_defaults(handler=remove_asset)

    listing = commands.add_parser("list-assets", help="list assets and their dependencies")
    listing.add_argument("--layer", help="only this layer")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=list_assets)

    check = commands.add_parser("validate", help="check names, layer rules, files and imports")
    check.set_defaults(handler=validate)

    lineage_parser = commands.add_parser("graph", help="print the lineage; refresh README.md")
    lineage_parser.set_defaults(handler=graph)

    history_parser = commands.add_parser("history", help="list the versions of an asset's table")
    history_parser.add_argument("asset", help="asset key or name (or <key>__rejected)")
    history_parser.add_argument("--limit", type=count, default=20, help="newest N (default 20)")
    history_parser.set_defaults(handler=history)

    show_parser = commands.add_parser("show", help="print the first rows of an asset's table")
    show_parser.add_argument("asset", help="asset key or name (or <key>__rejected)")
    show_parser.add_argument("--version", type=count, help="an older version (see history)")
    show_parser.add_argument("--limit", type=count, default=10, help="rows to show (default 10)")
    show_parser.set_defaults(handler=show)

    ingested_parser = commands.add_parser("ingested", help="list the files a bronze table holds")
    ingested_parser.add_argument("asset", help="asset key or name")
    ingested_parser.set_defaults(handler=list_ingested)

    restore_parser = commands.add_parser("restore", help="restore an older version of a table")
    restore_parser.add_argument("asset", help="asset key or name (or <key>__rejected)")
    restore_parser.add_argument("--version", type=count, required=True, help="version to restore")
    restore_parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore_parser.set_defaults(handler=restore)

    optimize_parser = commands.add_parser(
        "optimize", help="compact an asset's table into fewer files (same rows)"
    )
    optimize_parser.add_argument("asset", help="asset key or name (or <key>__rejected)")
    optimize_parser.add_argument(
        "--zorder", metavar="COLUMNS", help="also cluster the rows by these columns (a,b)"
    )
    optimize_parser.set_defaults(handler=optimize)

    vacuum_parser = commands.add_parser(
        "vacuum", help="delete files no version inside the retention uses"
    )
    vacuum_parser.add_argument("asset", help="asset key or name (or <key>__rejected)")
    vacuum_parser.add_argument(
        "--retain", metavar="DURATION", help="keep what versions of this long use (default 7d)"
    )
    vacuum_parser.add_argument(
        "--force", action="store_true", help="allow a retention below the safe minimum"
    )
    vacuum_parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    vacuum_parser.set_defaults(handler=vacuum)

    docs_parser = commands.add_parser(
        "docs", help="write the catalog site: assets, columns, lineage, checks, profiles"
    )
    docs_parser.add_argument("--output", metavar="DIR", help="where to write it (default catalog)")
    docs_parser.add_argument(
        "--profile-rows",
        type=count,
        default=1_000_000,
        metavar="N",
        help="profile at most the first N rows of each table (default 1000000; 0: none)",
    )
    docs_parser.add_argument("--serve", action="store_true", help="then serve it on 127.0.0.1")
    docs_parser.add_argument("--port", type=count, default=8000, help="with --serve (default 8000)")
    docs_parser.set_defaults(handler=docs)

    upgrade = commands.add_parser("update", help="take the newest template version (copier)")
    upgrade.add_argument("--vcs-ref", help="template version (git tag) or :current: to re-answer")
    upgrade.add_argument(
        "--data", action="append", default=[], metavar="KEY=VALUE", help="change an answer"
    )
    upgrade.add_argument(
        "--conflict", choices=update.CONFLICT_STYLES, default="inline", help="conflict style"
    )
    upgrade.add_argument(
        "--new-source", action="store_true", help="accept a template source that changed"
    )
    upgrade.set_defaults(handler=update_project)

    alert_parser = commands.add_parser("alert-test", help="send a test failure alert")
    alert_parser.set_defaults(handler=alert_test)

    check_update = commands.add_parser("update-check", help="is a newer template version out?")
    check_update.set_defaults(handler=update_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PolsterError as error:
        return report_error(error, args.verbose)
    except KeyboardInterrupt:
        return report_interrupted("nothing was changed")


if __name__ == "__main__":
    sys.exit(main())
