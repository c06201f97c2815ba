"""`promisebot`: the project's command line.

promisebot run            train if needed, then start and supervise the assistant: the action
                          server, Rasa, the web chat, and Telegram when a bot token is set
                          (--replicas N --lock-store redis://...: N Rasa servers, on PostgreSQL)
promisebot serve          the same, in production: on a model built beforehand, never training
promisebot settings       check every setting (--example prints .env.example)
promisebot train          train the model if its inputs changed (--force to retrain)
promisebot model-path     print the path of the model for the current inputs
promisebot chat           chat in the terminal with a running assistant
promisebot check-content  check content/ against its schema and each band's reading age
promisebot bench          print NLU, safeguarding, load, latency, cold start, training and memory
                          figures, against Rasa's default recipe (docs/benchmarks.md)
promisebot migrate        bring the database schema up to date
promisebot counts         safeguarding disclosures by week (no text, no ids; 1-4 shown as "fewer than 5")
promisebot report [--month 2026-11] [--out FILE]
                          the monthly report for the board: self-contained HTML, counts only
promisebot purge          delete what is past its retention period
promisebot staff add USERNAME --role analyst|caseworker|admin [--password-stdin]
promisebot staff list | disable USERNAME | reset USERNAME
                          users of the staff dashboard (admins manage them on its Users page)
promisebot phrasings answer SHEET.csv   what the bot makes of each phrasing (CSV and HTML)
promisebot phrasings import SHEET.csv   add Council4Kidz's approved phrasings to the training data
promisebot phrasings weakest            the topics the held-out phrasings show as weakest
promisebot testers issue LABEL [--days N] | list
                          Council4Kidz tester codes for the web chat's test mode
promisebot testers save-tests [--dir tests/conversations]
                          write testers' saved conversations as conversation tests
promisebot requests list [--status new|acknowledged|answered|closed]
promisebot requests update REFERENCE --status STATUS --by NAME
                          the caseworkers' queue of complaints, advocacy requests and messages
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from bot.store.requests import STATUSES  # the choices of `requests --status`

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def check_content() -> int:
    """`promisebot check-content`: the schema of content/, the translations' status, and each
    band's reading age; 1 when anything must change."""
    from bot import reading
    from bot.content import ContentError, load_content
    from bot.languages import load_languages

    try:
        content, rules, (_, languages) = load_content(), reading.load_rules(), load_languages()
    except ContentError as error:
        print(f"content/ has a problem: {error}", file=sys.stderr)
        return 1
    promises = sum(len(t.promises) for b in content.bands.values() for t in b.themes)
    print(f"content/ is valid: {promises} promises, {len(content.topics)} topics, {len(content.contacts)} contacts")
    unchecked = [code for code, language in languages.items() if not language.translator_checked]
    print(
        f"languages.yml: {len(languages)} languages; not yet checked by a qualified translator: "
        f"{', '.join(unchecked) or 'none'}"
    )
    findings = reading.check(content, rules)
    print("\n".join(reading.report(findings, rules)))
    return 1 if any(f.fails for f in findings) else 0


def main(argv=None) -> int:
    from bot.store.database import StorageError

    args = parser().parse_args(argv)
    # Whatever it writes (databases, keys, logs, exports) is for this user only; but a model,
    # built from the code and holding no one's data, must be readable by the service's user.
    if args.command != "train":
        os.umask(0o077)
    try:
        if args.uses_database:  # once, before the command: the schema it reads and writes is current
            from bot.store.database import migrate

            migrate()
        return args.handler(args)
    except StorageError as error:  # a database or key setting that cannot work: one line, no traceback
        print(f"promisebot: {error}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    """Every command, each with its handler (a function below) and whether it uses the database."""
    root = argparse.ArgumentParser(
        prog="promisebot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help: str, uses_database: bool = False, parent=None, **options):
        found = (parent or commands).add_parser(name, help=help, **options)
        found.set_defaults(handler=handler, uses_database=uses_database)
        return found

    starting = argparse.ArgumentParser(add_help=False)  # what `run` and `serve` share
    starting.add_argument("--rasa-port", type=int, default=5005)
    starting.add_argument("--action-port", type=int, default=5055)
    starting.add_argument("--web-port", type=int, default=8000, help="the web chat page")
    starting.add_argument("--staff-port", type=int, default=8001, help="the staff dashboard (always on 127.0.0.1)")
    starting.add_argument(
        "--web-host",
        default="127.0.0.1",
        help="where the web chat listens (behind the council's reverse proxy in production)",
    )
    starting.add_argument("--log-dir", type=Path, default=None, help="write each service's output here")
    starting.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="Rasa servers to run (on the ports after --rasa-port); more than 1 needs --lock-store "
        "and PROMISEBOT_DATABASE_URL on PostgreSQL (docs/deployment.md)",
    )
    starting.add_argument(
        "--lock-store",
        metavar="redis://HOST:PORT/DB",
        default=None,
        help="Redis lock store shared by the Rasa replicas",
    )
    command("run", run, "start the assistant (training first if needed)", parents=[starting])
    command(
        "serve", run, "production: start the assistant on a model built beforehand; never trains", parents=[starting]
    )
    command("train", train, "train the model when its inputs changed").add_argument("--force", action="store_true")
    command("model-path", model_path, "print the current model's path")
    command("chat", chat, "chat in the terminal").add_argument(
        "--url", default="http://127.0.0.1:5005/webhooks/rest/webhook"
    )
    command(
        "check-content", lambda args: check_content(), "check content/ against its schema and each band's reading age"
    )
    command("migrate", migrated, "bring the database schema up to date", uses_database=True)
    command("settings", settings_check, "check every setting (bot/settings.py)").add_argument(
        "--example", action="store_true", help="print .env.example"
    )
    command(
        "purge",
        purge,
        "delete what is past its retention period (also done by the running assistant)",
        uses_database=True,
    )

    staff = command("staff", staff_command, "staff dashboard users", uses_database=True)
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    adding = staff_commands.add_parser("add", help="create a user (asks for the password, or reads it from stdin)")
    adding.add_argument("username")
    adding.add_argument("--role", required=True, choices=["analyst", "caseworker", "admin"])
    adding.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    staff_commands.add_parser("list", help="list users")
    staff_commands.add_parser("disable", help="stop a user signing in").add_argument("username")
    staff_commands.add_parser(
        "reset", help="a one-time link to set a new password (for an admin locked out with no other admin)"
    ).add_argument("username")

    command("counts", counts, "print anonymous safeguarding counts", uses_database=True)
    report = command(
        "report", board_report, "the monthly report for the board (self-contained HTML)", uses_database=True
    )
    report.add_argument("--month", help="like 2026-11 (default: last month)")
    report.add_argument("--out", type=Path, help="where to write it (default: var/reports/promises-MONTH.html)")

    queue = command("requests", requests_command, "caseworkers: list and update requests", uses_database=True)
    queue_commands = queue.add_subparsers(dest="requests_command", required=True)
    queue_commands.add_parser("list").add_argument("--status", choices=STATUSES)
    updating = queue_commands.add_parser("update")
    updating.add_argument("reference")
    updating.add_argument("--status", required=True, choices=STATUSES)
    updating.add_argument("--by", required=True, help="who is handling it")

    phrasings = command("phrasings", phrasings_command, "Council4Kidz phrasing sheets (CSV)")
    phrasing_commands = phrasings.add_subparsers(dest="phrasings_command", required=True)
    answering = phrasing_commands.add_parser("answer", help="what the bot understands and replies, per phrasing")
    answering.add_argument("sheet", type=Path, help="CSV with a phrasing column, and optionally age")
    answering.add_argument(
        "--rasa-url",
        help="a running assistant to ask (needs PROMISEBOT_RASA_TOKEN); by default a private one is started",
    )
    importing = phrasing_commands.add_parser("import", help="add approved phrasings to the training data")
    importing.add_argument("sheet", type=Path, help="CSV with phrasing, topic and approved columns")
    phrasing_commands.add_parser("weakest", help="the topics the held-out phrasings show as weakest")

    testers = command(
        "testers", testers_command, "Council4Kidz tester codes for the web chat's test mode", uses_database=True
    )
    tester_commands = testers.add_subparsers(dest="testers_command", required=True)
    issuing = tester_commands.add_parser("issue", help="issue a code (printed once; only its hash is kept)")
    issuing.add_argument("label", help="who it is for, e.g. 'Council4Kidz session, March'")
    issuing.add_argument("--days", type=int, default=30)
    tester_commands.add_parser("list", help="list the codes issued")
    saving = tester_commands.add_parser("save-tests", help="write testers' saved conversations into tests/")
    saving.add_argument("--dir", type=Path, default=Path("tests/conversations"))

    bench = command("bench", benchmark, "print benchmark figures")
    bench.add_argument("--users", type=int, default=10, help="simulated users at saturation (default 10)")
    bench.add_argument("--seconds", type=float, default=60, help="length of each load (default 60)")
    bench.add_argument("--training", action="store_true", help="also time training both recipes from scratch (slow)")
    bench.add_argument("--no-default-recipe", action="store_true", help="only this assistant")
    bench.add_argument("--no-quality", action="store_true", help="skip the NLU and safeguarding figures")
    bench.add_argument(
        "--replicas", type=int, default=1, help="also measure this assistant with N Rasa replicas (needs --lock-store)"
    )
    bench.add_argument("--lock-store", metavar="redis://HOST:PORT/DB", default=None)
    bench.add_argument(
        "--postgres",
        metavar="postgresql://...",
        default=None,
        help="for the replicas: a PostgreSQL server, on which a new database is made "
        "(default: a throwaway SQLite file)",
    )
    return root


# --- one function per command: each takes the parsed arguments, returns the exit code ---------


def chat(args) -> int:
    from bot.terminal_chat import chat as chat_loop

    return chat_loop(args.url)


def settings_check(args) -> int:
    from bot import settings

    if args.example:
        print(settings.env_example(), end="")
        return 0
    problems = settings.problems()
    for line in problems:
        print(line, file=sys.stderr)
    print("Every setting can work." if not problems else "Change the settings above.")
    return 1 if problems else 0


def migrated(args) -> int:
    from bot.store.database import database_url

    print(f"Database is up to date ({database_url().split('://')[0]}).")
    return 0


def purge(args) -> int:
    from bot.store.retention import purge as purge_expired

    print(f"Deleted: {purge_expired()}.")
    return 0


def counts(args) -> int:
    from bot.store.counters import disclosure_counts

    rows = disclosure_counts()
    print("week      age band  kind                   channel    disclosures")
    for row in rows:
        print("{:<9} {:<9} {:<22} {:<10} {}".format(*row))
    if not rows:
        print("(none recorded)")
    return 0


def board_report(args) -> int:
    import datetime

    from bot.names import VAR_DIR
    from bot.staff.report import last_month, monthly_report
    from bot.store.database import private_folder

    month = args.month or last_month(datetime.date.today())
    try:
        html = monthly_report(month)
    except ValueError as error:
        print(f"promisebot: {error}", file=sys.stderr)
        return 2
    out = args.out or private_folder(VAR_DIR / "reports") / f"promises-{month}.html"
    out.write_text(html, encoding="utf-8")
    print(f"Wrote the report for {month}: {out}")
    return 0


def testers_command(args) -> int:
    from bot.council4kidz.testers import export_conversations, issue_code, list_codes

    if args.testers_command == "issue":
        try:
            print(f"Tester code for {args.label}: {issue_code(args.label, args.days)} (lasts {args.days} days)")
        except ValueError as error:
            print(error, file=sys.stderr)
            return 1
        return 0
    if args.testers_command == "save-tests":
        written = export_conversations(args.dir)
        for path in written:
            print(f"wrote {path}: check its steps, then commit it")
        print(f"{len(written)} conversation{'s' * (len(written) != 1)} written.")
        return 0
    for code in list_codes():
        print(f"{code.created_at:%Y-%m-%d}  expires {code.expires_at:%Y-%m-%d}  {code.label}")
    return 0


def model_path(args) -> int:
    from bot import model_cache

    print(model_cache.model_path())
    return 0


def train(args) -> int:
    from bot import model_cache

    model_cache.ensure_model(force=args.force)
    return 0


def run(args) -> int:
    """`run` trains first if the inputs changed; `serve` (production) never trains."""
    from bot import model_cache, settings
    from bot.supervisor import Ports, assistant_services, supervise

    wrong = settings.problems()
    if wrong:  # one line each, before anything starts
        print("\n".join(f"promisebot: {line}" for line in wrong), file=sys.stderr)
        return 2
    model = model_cache.ensure_model() if args.command == "run" else model_cache.model_path()
    if not model.exists():
        print(
            f"promisebot: there is no model for this code ({model.name}). `serve` never trains: run "
            "`promisebot train` first, here or on a build machine, and copy models/ across.",
            file=sys.stderr,
        )
        return 2
    if args.log_dir:
        args.log_dir.mkdir(parents=True, exist_ok=True)
    ports = Ports(rasa=args.rasa_port, actions=args.action_port, web=args.web_port, staff=args.staff_port)
    if args.replicas > 1 and (not args.lock_store or "postgresql" not in settings.text("PROMISEBOT_DATABASE_URL")):
        print(
            "--replicas needs --lock-store redis://... and PROMISEBOT_DATABASE_URL=postgresql://... "
            "(`make scale-out` starts both)",
            file=sys.stderr,
        )
        return 2
    return supervise(
        assistant_services(model, ports, web_host=args.web_host, replicas=args.replicas, lock_store=args.lock_store),
        args.log_dir,
    )


def benchmark(args) -> int:
    from bot.benchmark import main as bench_main

    return bench_main(
        users=args.users,
        seconds=args.seconds,
        with_training=args.training,
        with_default=not args.no_default_recipe,
        with_quality=not args.no_quality,
        replicas=args.replicas,
        lock_store=args.lock_store,
        postgres=args.postgres,
    )


def phrasings_command(args) -> int:
    from bot.council4kidz.sheets import SheetError, answer_rows, import_sheet, read_sheet, write_answers

    try:
        if args.phrasings_command == "import":
            print(import_sheet(args.sheet))
            return 0
        if args.phrasings_command == "weakest":
            from bot.council4kidz.sheets import weakest_topics
            from bot.model_cache import ensure_model
            from bot.nlu_eval import evaluate

            print(weakest_topics(evaluate(ensure_model())))
            return 0
        rows = read_sheet(args.sheet, ("phrasing",))
    except SheetError as error:
        print(error, file=sys.stderr)
        return 1
    from bot.council4kidz.ask import asker, private_assistant

    csv_out = args.sheet.with_name(args.sheet.stem + "-answers.csv")
    html_out = csv_out.with_suffix(".html")
    if args.rasa_url:
        from bot import settings

        answered = answer_rows(rows, asker(args.rasa_url.rstrip("/"), settings.text("PROMISEBOT_RASA_TOKEN")))
    else:
        with private_assistant() as ask:
            answered = answer_rows(rows, ask)
    write_answers(answered, csv_out, html_out)
    print(f"Answered {len(answered)} phrasings: {csv_out} and {html_out}")
    return 0


def staff_command(args) -> int:
    from bot.staff.users import create_user, disable_user, list_users

    if args.staff_command == "add":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Again: "):
                print("The passwords do not match.", file=sys.stderr)
                return 1
        try:
            create_user(args.username, password, args.role)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"Created {args.username} ({args.role}).")
        return 0
    if args.staff_command in ("disable", "reset"):
        from bot.staff.accounts import set_password_link
        from bot.staff.users import new_setup_link
        from bot.store.requests import record_access

        try:
            if args.staff_command == "disable":
                disable_user(args.username)
                print(f"{args.username} can no longer sign in.")
            else:
                print(
                    f"Give this link to {args.username} (it works once, for 24 hours): "
                    f"{set_password_link(new_setup_link(args.username))}"
                )
        except LookupError as error:
            print(error, file=sys.stderr)
            return 1
        done = {"disable": f"disabled {args.username}", "reset": f"reset the password of {args.username}"}
        record_access(f"cli:{getpass.getuser()}", "staff account", None, done[args.staff_command])
        return 0
    for user in list_users():
        print(f"{user.username:<24} {user.role:<11} {'active' if user.active else 'disabled'}")
    return 0


def requests_command(args) -> int:
    from bot.store.requests import list_requests, update_request

    if args.requests_command == "update":
        try:
            row = update_request(args.reference, args.status, args.by)
        except (LookupError, ValueError) as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{row.reference} is now {row.status} (handled by {row.handled_by})")
        return 0
    rows = list_requests(f"cli:{getpass.getuser()}", args.status)
    for row in rows:
        print(
            f"{row.reference}  {row.status:<11} {row.created_at:%Y-%m-%d %H:%M}  {row.kind:<13} "
            f"name: {row.known_name or '-'}; contact: {row.contact_preference or '-'} {row.contact_detail or ''}"
        )
        for question, answer in row.details.items():
            print(f"    {question}: {answer}")
    if not rows:
        print("(no requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
