"""The console's web server (Sanic + Jinja2): sign-in, try a question, checks,
model comparison, the unanswered-questions inbox, model quality and (admins)
the clinic's settings and the audit log of every change (console/audit.py).

Plain server-rendered pages; every POST carries a CSRF token; sessions and
lock-out counters are in the shared database. Message text is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic import settings as clinic
from console import audit, auth, checks, clinic_form, inbox, quality
from console.assistant import Assistant
from console.db import connect, runs
from console.page_sources import marked_page
from console.settings import Settings

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SUITE_NAME = re.compile(r"[A-Za-z0-9 _.-]{1,64}")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Handler = Callable[..., Awaitable[HTTPResponse]]

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["utc"] = lambda ts: time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
templates.filters["audit_detail"] = audit.shown


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTTPResponse:
    session = getattr(request.ctx, "session", None)
    html = templates.get_template(name).render(session=session, path=request.path, **context)
    return response.html(html, status=status)


def set_cookie(resp: HTTPResponse, name: str, value: str, settings: Settings) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["secure"] = settings.secure_cookies
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"


def clear_cookie(resp: HTTPResponse, name: str, settings: Settings) -> None:
    set_cookie(resp, name, "", settings)
    resp.cookies[name]["max-age"] = 0


def signed_in(handler: Handler) -> Handler:
    """Sign-in required; a POST must carry the session's CSRF token."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        app = request.app
        session = auth.find_session(app.ctx.engine, request.cookies.get(SESSION_COOKIE))
        if session is None:
            if request.method == "GET":
                return response.redirect("/login")
            return response.text("Sign in first.", status=401)
        if request.method == "POST" and not auth.csrf_valid(
            session.csrf_token, request.form.get("csrf_token")
        ):
            return response.text("The form expired: reload the page and try again.", status=403)
        request.ctx.session = session
        return await handler(request, *args, **kwargs)

    return wrapper


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not request.ctx.session.user.is_admin:
            return response.text("Only an admin can do this.", status=403)
        return await handler(request, *args, **kwargs)

    return wrapper


# --- sign-in -------------------------------------------------------------------


async def login_page(request: Request, error: str = "", status: int = 200) -> HTTPResponse:
    token = secrets.token_urlsafe(32)
    resp = render(request, "login.html", status=status, csrf_token=token, error=error)
    set_cookie(resp, LOGIN_CSRF_COOKIE, token, request.app.ctx.settings)
    return resp


async def login_get(request: Request) -> HTTPResponse:
    return await login_page(request)


async def login_post(request: Request) -> HTTPResponse:
    app = request.app
    # Double-submit token: a page of another site cannot read our cookie.
    if not auth.csrf_valid(
        request.cookies.get(LOGIN_CSRF_COOKIE, ""), request.form.get("csrf_token")
    ):
        return await login_page(request, "The form expired: please try again.", 403)
    name, password = request.form.get("name", ""), request.form.get("password", "")
    try:
        user = await asyncio.to_thread(auth.authenticate, app.ctx.engine, name, password)
    except auth.SignInLocked:
        logger.warning("console: sign-in locked after repeated failures")
        return await login_page(request, "Too many failed sign-ins: try again in 15 minutes.", 429)
    if user is None:
        return await login_page(request, "Wrong name or password.", 401)
    resp = response.redirect("/try")
    set_cookie(resp, SESSION_COOKIE, auth.start_session(app.ctx.engine, user), app.ctx.settings)
    clear_cookie(resp, LOGIN_CSRF_COOKIE, app.ctx.settings)
    return resp


@signed_in
async def logout(request: Request) -> HTTPResponse:
    auth.end_session(request.app.ctx.engine, request.cookies.get(SESSION_COOKIE))
    resp = response.redirect("/login")
    clear_cookie(resp, SESSION_COOKIE, request.app.ctx.settings)
    return resp


# --- try a question --------------------------------------------------------------


@signed_in
async def try_page(request: Request) -> HTTPResponse:
    return render(request, "try.html", question="", turns=None, suites=suite_list(request))


@signed_in
async def try_post(request: Request) -> HTTPResponse:
    question = request.form.get("question", "")
    messages = checks.split_messages(question)
    if not messages or len(messages) > checks.MAX_MESSAGES:
        return render(
            request,
            "try.html",
            status=400,
            question=question,
            turns=None,
            suites=suite_list(request),
            error=f"Type one to {checks.MAX_MESSAGES} messages, one a line.",
        )
    turns = await request.app.ctx.assistant.converse(list(messages))
    pages = [
        marked_page([(s.start, s.end) for s in turn.sources if s.start is not None])
        for turn in turns
    ]
    return render(
        request,
        "try.html",
        question="\n".join(messages),
        turns=list(zip(turns, pages, strict=True)),
        suites=suite_list(request),
    )


def suite_list(request: Request) -> list[tuple[str, int]]:
    return checks.suite_names(request.app.ctx.engine)


def suite_name(value: str) -> str | None:
    value = value.strip()
    return value if SUITE_NAME.fullmatch(value) else None


@signed_in
async def save_check(request: Request) -> HTTPResponse:
    form = request.form
    suite = suite_name(form.get("suite", ""))
    expected = form.get("expect", "topic")
    topic = form.get("expected_topic", "") if expected == "topic" else ""
    reply = form.get("expected_reply", "") if expected == "reply" else ""
    try:
        check = checks.make_check(form.get("question", ""), topic, reply)
    except checks.UploadError as error:
        return response.text(str(error), status=400)
    if suite is None or check is None:
        return response.text("Name the suite: letters, digits, spaces, . _ -", status=400)
    checks.save_checks(request.app.ctx.engine, suite, [check], request.ctx.session.user.name)
    return render(request, "saved.html", suite=suite, check=check)


# --- checks ------------------------------------------------------------------------


def candidate_models(request: Request) -> list[str]:
    return sorted(path.name for path in request.app.ctx.settings.models_dir.glob("*.tar.gz"))


@signed_in
async def checks_page(request: Request) -> HTTPResponse:
    return render(
        request, "checks.html", suites=suite_list(request), models=candidate_models(request)
    )


def store_run(request: Request, run: checks.SuiteRun, **what: str) -> str:
    """Keep the results for the CSV download (a user's older runs are dropped)
    and audit the run: what ran (`what`: the suite or file) against which model."""
    run_id, user_id = secrets.token_hex(16), request.ctx.session.user.id
    with request.app.ctx.engine.begin() as db:
        audit.record(
            db,
            request.ctx.session.user.name,
            "checks run",
            **what,
            model=request.app.ctx.settings.model.name,
            checks=len(run.results),
            failed=len(run.failed),
        )
        db.execute(runs.delete().where(runs.c.user_id == user_id))
        db.execute(
            runs.insert().values(
                id=run_id, user_id=user_id, created_at=time.time(), csv=checks.results_csv(run)
            )
        )
    return run_id


async def show_run(
    request: Request, title: str, found: list[checks.Check], **what: str
) -> HTTPResponse:
    run = await checks.run_checks(request.app.ctx.assistant, found)
    run_id = store_run(request, run, **what)
    logger.info("console: ran %d checks, %d failed", len(run.results), len(run.failed))
    return render(request, "results.html", title=title, run=run, run_id=run_id)


@signed_in
async def upload(request: Request) -> HTTPResponse:
    file = request.files.get("file")
    if file is None or not file.body:
        return render_checks_error(request, "Choose a CSV or XLSX file.")
    try:
        found = checks.read_upload(file.name or "", file.body)
    except checks.UploadError as error:
        return render_checks_error(request, f"{file.name}: {error}")
    suite = suite_name(request.form.get("suite", ""))
    user, name = request.ctx.session.user.name, file.name or ""
    if request.form.get("save") and suite:
        checks.save_checks(request.app.ctx.engine, suite, found, user, file=name)
    return await show_run(request, f"Checks from {file.name}", found, file=name)


def render_checks_error(request: Request, error: str) -> HTTPResponse:
    return render(
        request,
        "checks.html",
        status=400,
        error=error,
        suites=suite_list(request),
        models=candidate_models(request),
    )


@signed_in
async def run_suite(request: Request) -> HTTPResponse:
    suite = suite_name(request.form.get("suite", "")) or ""
    found = checks.load_suite(request.app.ctx.engine, suite)
    if not found:
        return render_checks_error(request, "That suite has no checks.")
    return await show_run(request, f"Suite {suite}", found, suite=suite)


@signed_in
async def run_csv(request: Request, run_id: str) -> HTTPResponse:
    query = sa.select(runs.c.csv).where(
        runs.c.id == run_id, runs.c.user_id == request.ctx.session.user.id
    )
    with request.app.ctx.engine.connect() as db:
        row = db.execute(query).first()
    if row is None:
        return response.text("No such results (only your latest run is kept).", status=404)
    return csv_download(row.csv, "check-results.csv")


def csv_download(text: str, filename: str) -> HTTPResponse:
    return response.text(
        text,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@signed_in
async def suite_csv(request: Request, suite: str) -> HTTPResponse:
    found = checks.load_suite(request.app.ctx.engine, suite)
    return csv_download(checks.checks_csv(found), "suite.csv")


@signed_in
async def suite_page(request: Request, suite: str) -> HTTPResponse:
    found = checks.load_suite(request.app.ctx.engine, suite)
    return render(request, "suite.html", suite=suite, checks=found)


@signed_in
@admin_only
async def delete_check(request: Request, check_id: int) -> HTTPResponse:
    checks.delete_check(request.app.ctx.engine, check_id, request.ctx.session.user.name)
    return response.redirect(f"/checks/suite/{request.form.get('suite', '')}")


@signed_in
async def compare(request: Request) -> HTTPResponse:
    suite = suite_name(request.form.get("suite", "")) or ""
    model = request.form.get("candidate", "")
    found = checks.load_suite(request.app.ctx.engine, suite)
    if not found or model not in candidate_models(request):
        return render_checks_error(request, "Choose a suite with checks and a candidate model.")
    candidate = await candidate_assistant(request.app, request.app.ctx.settings.models_dir / model)
    current = await checks.run_checks(request.app.ctx.assistant, found)
    other = await checks.run_checks(candidate, found)
    changed = checks.changes(current, other)
    audit.record_now(
        request.app.ctx.engine,
        request.ctx.session.user.name,
        "models compared",
        suite=suite,
        model=request.app.ctx.settings.model.name,
        candidate=model,
        checks=len(found),
        changed=len(changed),
    )
    return render(
        request,
        "compare.html",
        suite=suite,
        model=model,
        changes=changed,
        current=current,
        candidate=other,
    )


async def candidate_assistant(app: Sanic, model: Path) -> Assistant:
    """The candidate model's agent, loaded once per file version (in a thread:
    loading takes seconds and must not stop the other staff's pages)."""
    key = (str(model), model.stat().st_mtime)
    async with app.ctx.candidate_lock:
        if app.ctx.candidate_key != key:
            settings: Settings = app.ctx.settings
            app.ctx.candidate = await asyncio.to_thread(
                Assistant, model, settings.action_url, settings.action_token
            )
            app.ctx.candidate_key = key
    return app.ctx.candidate


# --- inbox ---------------------------------------------------------------------------


@signed_in
async def inbox_page(request: Request) -> HTTPResponse:
    groups = await asyncio.to_thread(inbox.pending_groups, request.app.ctx.engine)
    return render(request, "inbox.html", groups=groups, max_note=inbox.MAX_NOTE)


@signed_in
async def inbox_collect(request: Request) -> HTTPResponse:
    await collect_inbox(request.app, request.ctx.session.user.name)
    return response.redirect("/inbox")


@signed_in
async def inbox_reviewed(request: Request, item_id: int) -> HTTPResponse:
    inbox.mark_reviewed(request.app.ctx.engine, item_id, request.ctx.session.user.name)
    return response.redirect("/inbox")


@signed_in
async def inbox_group_reviewed(request: Request) -> HTTPResponse:
    ids = inbox.parse_ids(request.form.get("ids"))
    inbox.mark_group_reviewed(request.app.ctx.engine, ids, request.ctx.session.user.name)
    return response.redirect("/inbox")


@signed_in
async def inbox_group_note(request: Request) -> HTTPResponse:
    ids = inbox.parse_ids(request.form.get("ids"))
    note = request.form.get("note") or ""
    inbox.note_group(request.app.ctx.engine, ids, note, request.ctx.session.user.name)
    return response.redirect("/inbox")


@signed_in
async def inbox_export(request: Request) -> HTTPResponse:
    text = await asyncio.to_thread(
        inbox.export, request.app.ctx.engine, request.ctx.session.user.name
    )
    return response.text(
        text,
        content_type="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="suggested_nlu.yml"'},
    )


async def collect_inbox(app: Sanic, by: str | None = None) -> int:
    """New patient turns into the inbox (`by`: who asked; None: the periodic job)."""
    settings: Settings = app.ctx.settings
    if not settings.tracker_store_url:
        return 0
    return await asyncio.to_thread(inbox.collect, app.ctx.engine, settings.tracker_store_url, by)


async def collect_periodically(app: Sanic) -> None:
    """Reads new patient turns into the inbox now and then, and deletes those
    past the retention period; every console process may run it, the shared
    cursor keeps each turn collected once."""
    while True:
        try:
            await collect_inbox(app)
        except Exception as error:  # a bad turn must not stop later collections
            logger.error("console: inbox collection failed (%s)", type(error).__name__)
        try:
            days = app.ctx.settings.inbox_retention_days
            await asyncio.to_thread(inbox.purge_older_than, app.ctx.engine, days)
        except Exception as error:  # the next round tries again
            logger.error("console: inbox purge failed (%s)", type(error).__name__)
        await asyncio.sleep(app.ctx.settings.inbox_interval_seconds)


# --- clinic settings (admins) ------------------------------------------------------


def render_clinic(
    request: Request, form: clinic_form.FormState, status: int = 200, **context: Any
) -> HTTPResponse:
    return render(
        request,
        "clinic.html",
        status=status,
        form=form,
        labels=clinic_form.LABELS,
        changes=clinic_form.recent_changes(request.app.ctx.engine),
        **context,
    )


@signed_in
@admin_only
async def clinic_page(request: Request) -> HTTPResponse:
    form = await asyncio.to_thread(clinic_form.current_form)
    return render_clinic(request, form, saved=request.args.get("saved"))


@signed_in
@admin_only
async def clinic_save(request: Request) -> HTTPResponse:
    names = ("name", "phone", "hours", "origins", "version")
    form = {name: request.form.get(name, "") for name in names}
    user = request.ctx.session.user.name
    try:
        changed = await asyncio.to_thread(clinic_form.save, request.app.ctx.engine, user, form)
    except clinic.SettingsError as error:
        shown = await asyncio.to_thread(clinic_form.current_form)
        values = clinic_form.submitted(form, shown.values)
        state = clinic_form.FormState(values, form["version"], problems=error.problems)
        message = "Not saved: correct the fields marked below."
        return render_clinic(request, state, 400, error=message)
    except clinic.Conflict:
        shown = await asyncio.to_thread(clinic_form.current_form)
        message = (
            "Not saved: someone saved the settings meanwhile. "
            "These are theirs: make your change again."
        )
        return render_clinic(request, shown, 409, error=message)
    if not changed:
        return response.redirect("/clinic?saved=nothing")
    # Field names only: values are in the audit log, not the log file.
    logger.info("console: clinic settings saved (%s)", ", ".join(changed))
    return response.redirect("/clinic?saved=1")


# --- audit log (admins) -------------------------------------------------------------


@signed_in
@admin_only
async def audit_page(request: Request) -> HTTPResponse:
    entries = await asyncio.to_thread(audit.recent, request.app.ctx.engine)
    return render(request, "audit.html", entries=entries, limit=audit.RECENT)


# --- model quality ---------------------------------------------------------------------


def render_quality(request: Request, status: int = 200, **context: Any) -> HTTPResponse:
    settings: Settings = request.app.ctx.settings
    reports = settings.reports_dir
    return render(
        request,
        "quality.html",
        status=status,
        nlu=quality.nlu_report(reports),
        grades=quality.reading_grades_report(reports),
        score=quality.dev_score(reports),
        model=quality.model_stamp(settings.model),
        jobs=quality.JOBS,
        statuses=quality.statuses(request.app.ctx.engine),
        target=quality.GRADE_TARGET,
        **context,
    )


@signed_in
async def quality_page(request: Request) -> HTTPResponse:
    return render_quality(request)


@signed_in
@admin_only
async def quality_refresh(request: Request, name: str) -> HTTPResponse:
    """Start a refresh in the background (it takes up to many minutes)."""
    app = request.app
    if name not in quality.JOBS:
        return response.text("No such report.", status=404)
    if not quality.claim(app.ctx.engine, name, request.ctx.session.user.name):
        return render_quality(request, 409, error=f"{quality.JOBS[name].label}: already running.")
    reports = app.ctx.settings.reports_dir
    app.add_task(quality.run_job(app.ctx.engine, name, reports, app.ctx.jobs))
    return response.redirect("/quality")


@signed_in
async def quality_image(request: Request, name: str) -> HTTPResponse:
    path = request.app.ctx.settings.reports_dir / "nlu" / name
    if name not in quality.NLU_IMAGES or not path.is_file():
        return response.text("No such image.", status=404)
    return response.raw(path.read_bytes(), content_type="image/png")


# --- the app -------------------------------------------------------------------------


async def home(request: Request) -> HTTPResponse:
    return response.redirect("/try")


async def health(request: Request) -> HTTPResponse:
    return response.text("ok")


def add_security_headers(request: Request, resp: HTTPResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)


def create_app(settings: Settings, assistant: Assistant | None = None) -> Sanic:
    app = Sanic("igrt_staff_console")
    app.config.REQUEST_MAX_SIZE = MAX_UPLOAD_BYTES
    app.config.FORWARDED_SECRET = None
    app.ctx.settings = settings
    app.ctx.engine = connect(settings.database_url)
    app.ctx.candidate = None
    app.ctx.candidate_key = None
    app.ctx.jobs = {}  # refresh jobs this process runs: name -> process

    @app.before_server_start
    async def load(app: Sanic, _: Any) -> None:
        app.ctx.candidate_lock = asyncio.Lock()
        app.ctx.assistant = assistant or Assistant(
            settings.model, settings.action_url, settings.action_token
        )
        app.add_task(collect_periodically(app))

    @app.after_server_stop
    async def stop_jobs(app: Sanic, _: Any) -> None:
        # A refresh does not outlive its console; the row says it failed.
        for name, process in list(app.ctx.jobs.items()):
            quality.kill(process)
            quality.finish(app.ctx.engine, name, "failed")

    app.static("/static", str(HERE / "static"), name="static")
    app.add_route(home, "/", methods=["GET"])
    app.add_route(health, "/health", methods=["GET"])
    app.add_route(login_get, "/login", methods=["GET"])
    app.add_route(login_post, "/login", methods=["POST"])
    app.add_route(logout, "/logout", methods=["POST"])
    app.add_route(try_page, "/try", methods=["GET"])
    app.add_route(try_post, "/try", methods=["POST"])
    app.add_route(save_check, "/checks/save", methods=["POST"])
    app.add_route(checks_page, "/checks", methods=["GET"])
    app.add_route(upload, "/checks/upload", methods=["POST"])
    app.add_route(run_suite, "/checks/run", methods=["POST"])
    app.add_route(run_csv, "/checks/results/<run_id:[0-9a-f]{32}>", methods=["GET"])
    app.add_route(suite_csv, "/checks/suite-csv/<suite:str>", methods=["GET"])
    app.add_route(suite_page, "/checks/suite/<suite:str>", methods=["GET"])
    app.add_route(delete_check, "/checks/<check_id:int>/delete", methods=["POST"])
    app.add_route(compare, "/checks/compare", methods=["POST"])
    app.add_route(inbox_page, "/inbox", methods=["GET"])
    app.add_route(inbox_collect, "/inbox/collect", methods=["POST"])
    app.add_route(inbox_group_reviewed, "/inbox/group/reviewed", methods=["POST"])
    app.add_route(inbox_group_note, "/inbox/group/note", methods=["POST"])
    app.add_route(inbox_export, "/inbox/suggestions.yml", methods=["GET"])
    app.add_route(inbox_reviewed, "/inbox/<item_id:int>/reviewed", methods=["POST"])
    app.add_route(clinic_page, "/clinic", methods=["GET"])
    app.add_route(clinic_save, "/clinic", methods=["POST"])
    app.add_route(audit_page, "/audit", methods=["GET"])
    app.add_route(quality_page, "/quality", methods=["GET"])
    app.add_route(quality_refresh, "/quality/refresh/<name:str>", methods=["POST"])
    app.add_route(quality_image, "/quality/nlu/<name:str>", methods=["GET"])
    app.register_middleware(add_security_headers, "response")
    return app
