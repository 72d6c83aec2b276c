"""`flask --app jisr ...` commands: seed-demo, create-user, send-outbox, send-reminders, rebuild-stats,
apply-retention, backup, restore, worker, translate."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from jisr.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_reference)
    app.cli.add_command(create_user)
    app.cli.add_command(send_outbox)
    app.cli.add_command(send_reminders)
    app.cli.add_command(rebuild_stats)
    app.cli.add_command(apply_retention)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(translate)
    app.cli.add_command(worker)


@click.command("seed-reference")
def seed_reference():
    """Load regions, provinces and sectors (idempotent)."""
    from jisr.geo.reference import load_reference_data

    load_reference_data()
    db.session.commit()
    click.echo("Reference data loaded.")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even when JISR_ENV=production.")
def seed_demo(force: bool):
    """Reference data, the demo programme, incubators, one account per role, sample files."""
    from jisr.demo import DEMO_PASSWORD_FILES, FILES
    from jisr.demo import seed_demo as run
    from jisr.timeutil import local_today

    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException("Refusing to load demo accounts in production (use --force).")
    accounts = run(local_today())
    db.session.commit()
    click.echo("Demo data ready. Accounts (sign in with the e-mail or the phone number):")
    for user, password in accounts:
        click.echo(f"  {user.role:<18} {user.email or user.phone:<36} {password}")
    click.echo(f"  applicants with sample files: {', '.join(f[0] for f in FILES)} / {DEMO_PASSWORD_FILES}")


@click.command("create-user")
@click.option("--role", required=True, type=click.Choice(
    ["applicant", "agent", "incubator_manager", "mentor", "coordinator", "admin"]))
@click.option("--name", "full_name", required=True)
@click.option("--email")
@click.option("--phone")
@click.option("--province", "provinces", multiple=True, help="Province code (agents, coordinators).")
@click.option("--incubator", help="Incubator code (incubator staff).")
@click.password_option()
def create_user(role, full_name, email, phone, provinces, incubator, password):
    """Create an account for a real person."""
    from jisr.auth.models import User
    from jisr.auth.services import normalise_email, normalise_phone
    from jisr.geo.models import Province
    from jisr.incubators.models import Incubator

    if not email and not phone:
        raise click.UsageError("Give --email or --phone.")
    try:
        email = normalise_email(email) if email else None
        phone = normalise_phone(phone) if phone else None
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if db.session.scalar(sa.select(User).where(sa.or_(User.email == email, User.phone == phone))
                         .where(sa.or_(User.email.is_not(None), User.phone.is_not(None)))) is not None:
        raise click.ClickException("An account with this e-mail or phone already exists.")
    user = User(role=role, full_name=full_name, email=email, phone=phone)
    user.set_password(password)
    if provinces:
        found = db.session.scalars(sa.select(Province).where(Province.code.in_(provinces))).all()
        missing = set(provinces) - {p.code for p in found}
        if missing:
            raise click.UsageError(f"Unknown province codes: {', '.join(sorted(missing))}")
        user.provinces = found
    if incubator:
        found = db.session.scalar(sa.select(Incubator).where(Incubator.code == incubator))
        if found is None:
            raise click.UsageError(f"Unknown incubator code: {incubator}")
        user.incubator_id = found.id
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} account {email or phone}.")


NOW = click.option("--now", is_flag=True, help="Run in this process even when a job queue (JISR_REDIS_URL) is set.")


def _enqueue(func, name: str) -> None:
    import redis

    from jisr import jobs

    try:
        job = jobs.submit(func, description=name)
    except redis.RedisError as error:
        raise click.ClickException(f"The job queue cannot be reached ({error}); run with --now.") from None
    click.echo(f"Queued as job {job.id}; `flask --app jisr worker` runs it.")


@click.command("send-outbox")
@NOW
def send_outbox(now: bool):
    """Deliver pending e-mails and SMS (run from cron to retry what failed). With a job queue: enqueue those
    still pending once their own job's retries are over (written while Redis was down, or their job lost)."""
    from jisr import jobs
    from jisr.outbox.models import Channel
    from jisr.outbox.services import deliver_pending, pending_ids
    from jisr.timeutil import utcnow

    if jobs.enabled() and not now:
        ids = pending_ids(written_before=utcnow() - jobs.retry_cycle())
        found = jobs.enqueue_delivery(ids)
        if ids and not found:
            raise click.ClickException("The job queue cannot be reached; the messages stay pending.")
        click.echo(f"{len(ids)} message(s) queued for delivery.")
        return
    click.echo(f"{deliver_pending(channels=(Channel.EMAIL, Channel.SMS))} message(s) processed.")


@click.command("send-reminders")
@NOW
def send_reminders(now: bool):
    """Remind applicants of their session of tomorrow (programme's zone). Run from cron, daily or hourly:
    each convocation is claimed before it is reminded, so it is reminded once whatever the runs. With a job
    queue the command enqueues the job (or runs it with --now) and the worker delivers the messages."""
    from jisr import jobs
    from jisr.outbox.services import deliver_pending

    if jobs.enabled():
        if not now:
            return _enqueue(jobs.send_reminders, "send-reminders")
        sent = jobs.send_reminders()
    else:
        sent = jobs.remind_due()
        deliver_pending()
    click.echo(f"{sent} reminder(s) sent.")


@click.command("rebuild-stats")
def rebuild_stats():
    """Count every file again into the dashboards' summary: once after upgrading to the revision that adds it,
    after a bulk import that bypassed the ORM, or to repair. Files moving keep it up to date otherwise."""
    from jisr.stats import facts

    facts.rebuild()
    db.session.commit()
    click.echo("The dashboards' summary has been rebuilt.")


@click.command("apply-retention")
@NOW
def apply_retention(now: bool):
    """Anonymise the applicants whose files all closed more than JISR_RETENTION_DAYS ago (daily, from cron), and
    clear the contacts of erasure notices once sent. With a job queue: enqueue the job (or run it with --now)."""
    from jisr import jobs
    from jisr.rights.erasure import retention_days

    if jobs.enabled() and not now:
        return _enqueue(jobs.apply_retention, "apply-retention")
    count = jobs.apply_retention()
    click.echo(f"{count} applicant(s) anonymised (retention: {retention_days()} days).")


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def backup(path: Path | None):
    """Write one archive with the database and every stored document: PATH, or jisr-backup-<date>.tar in
    PATH if it is a directory (default: the current directory). A name ending in .gz is compressed."""
    from jisr.backup import backup as run
    from jisr.backup import size_in_words

    click.echo(f"Backing up {_database()} and the documents in {current_app.config['UPLOAD_DIR']}...")
    with _said_to_the_operator():
        outcome = run(path or Path.cwd())
    manifest, documents = outcome.manifest, outcome.manifest["documents"]
    click.echo(f"Wrote {outcome.path} ({size_in_words(outcome.path.stat().st_size)}): the database at revision "
               f"{manifest['alembic_revision']}, {_rows(manifest)}, and {_counted(documents['files'], 'document')} "
               f"({size_in_words(documents['bytes'])}).")
    for warning in outcome.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything the database and the upload directory hold.")
def restore(path: Path, force: bool):
    """Restore a backup made by `backup` into an empty database and upload directory (the configured ones),
    then check every row count and every document's SHA-256."""
    from jisr.backup import restore as run

    click.echo(f"Restoring {path} into {_database()} and {current_app.config['UPLOAD_DIR']}...")
    with _said_to_the_operator():
        outcome = run(path, force=force)
    manifest = outcome.manifest
    click.echo(f"Restored the backup of {manifest['created_at']} (Jisr {manifest['version']}): {_rows(manifest)} "
               f"and {_counted(outcome.documents, 'document')}.")
    for warning in outcome.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    if outcome.advice:
        click.secho(outcome.advice, fg="yellow", err=True)
    else:
        click.echo(f"The database's revision ({manifest['alembic_revision']}) is the code's: ready to serve.")


@contextmanager
def _said_to_the_operator():
    """Expected failures as one line each, never a traceback (nor a URL with its password)."""
    from jisr.backup import BackupError

    try:
        yield
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    except sa.exc.OperationalError as error:
        raise click.ClickException(f"The database cannot be reached: {error.orig}") from None


def _counted(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _rows(manifest: dict) -> str:
    tables = manifest["tables"]
    return f"{_counted(sum(tables.values()), 'row')} in {_counted(len(tables), 'table')}"


def _database() -> str:
    """The database's URL without its password, for operators' eyes and logs."""
    return db.engine.url.render_as_string(hide_password=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child per job.")
def worker(burst: bool, simple: bool):
    """Run the jobs of the queue (JISR_REDIS_URL): message delivery, reminders, retention, with their retries."""
    from jisr import jobs

    if not jobs.enabled():
        raise click.ClickException("No job queue: set JISR_REDIS_URL (and leave JISR_JOBS unset or 1).")
    jobs.worker(current_app._get_current_object(), simple=simple).work(burst=burst, with_scheduler=True,
                                                                       logging_level="INFO")


@click.group()
def translate():
    """Extract, update and compile the catalogues in translations/."""


def _pybabel(*args: str) -> None:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run([pybabel, *args], check=True, cwd=ROOT)


@translate.command()
def extract():
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--add-comments=i18n:", "--sort-by-file",
             "--no-wrap", "-o", "translations/messages.pot", ".")


@translate.command()
def update():
    extract.callback()
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-wrap", "--ignore-obsolete")


@translate.command()
def compile():
    _pybabel("compile", "-d", "translations", "--statistics")


@translate.command()
@click.argument("lang")
def init(lang):
    """Start a catalogue for a new language."""
    extract.callback()
    _pybabel("init", "-i", "translations/messages.pot", "-d", "translations", "-l", lang, "--no-wrap")
