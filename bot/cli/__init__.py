"""The ``tidtam`` command. Thai by default (``--lang en``); an error is one line and a non-zero exit."""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any

import typer

from base.observe import redact
from base.settings import get_settings
from bot.cli import audit as audit_commands
from bot.cli import leave as leave_commands
from bot.cli import line as line_commands
from bot.cli import org as org_commands
from bot.cli import oversee as oversee_commands
from bot.cli import plan as plan_commands
from bot.cli import publish as publish_commands
from bot.cli import report as report_commands
from bot.cli import rounds as round_commands
from bot.cli import schedule as schedule_commands
from bot.cli import serve as serve_commands
from bot.cli import signoff as signoff_commands
from bot.cli import telegram as telegram_commands
from bot.cli import year as year_commands
from bot.cli.common import CliState, set_state
from locales.errors import UserError
from locales.i18n import N_, _, set_language

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help=N_("Tidtam (ติดตาม): follow up the anti-corruption action plan."),
)


@app.callback()
def _options(
    lang: str | None = typer.Option(None, "--lang", help=N_("th or en")),
    org: str | None = typer.Option(None, "--org", help=N_("organisation name or id (when there are several)")),
) -> None:
    settings = get_settings()
    set_language(lang or settings.tidtam_lang)
    set_state(CliState(settings, org or settings.tidtam_org))


org_commands.register(app)
publish_commands.register(app)
serve_commands.register(app)
schedule_commands.register(app)
leave_commands.register(app)
signoff_commands.register(app)
app.add_typer(plan_commands.app, name="plan", help=N_("Import, show and template the plan."))
app.add_typer(round_commands.app, name="round", help=N_("The fiscal year's two reporting rounds."))
app.add_typer(year_commands.app, name="year", help=N_("Fiscal years: start the next one from this one's plan."))
app.add_typer(report_commands.app, name="report", help=N_("The round's official documents and figures."))
app.add_typer(oversee_commands.app, name="oversee", help=N_("An oversight organisation's list of organisations."))
app.add_typer(audit_commands.app, name="audit", help=N_("The tamper-evident history of answers and audit lines."))
app.add_typer(line_commands.app, name="line", help=N_("LINE Official Account: messages and quota."))
app.add_typer(telegram_commands.app, name="telegram", help=N_("Telegram: an organisation's own bot."))


def _log_unexpected(exc: BaseException) -> Path | None:
    try:
        log_dir = get_settings().data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / "tidtam-errors.log"
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as f:
            f.write(redact("".join(traceback.format_exception(exc))) + "\n")
        return path
    except OSError:
        return None


def translated(command: Any) -> Any:
    """Every command's and option's help in the reader's language: the texts are marked N_ where they are
    written (so the catalogue has them) and looked up here, once the language is known."""
    import typer.rich_utils as panels

    panels.OPTIONS_PANEL_TITLE, panels.COMMANDS_PANEL_TITLE = _("Options"), _("Commands")
    panels.ARGUMENTS_PANEL_TITLE, panels.REQUIRED_LONG_STRING = _("Arguments"), _("[required]")
    panels.DEFAULT_STRING = _("[default: {}]")
    for cmd in [command, *_subcommands(command)]:
        if cmd.help:
            cmd.help = _(cmd.help)
        if cmd.short_help:
            cmd.short_help = _(cmd.short_help)
        for param in cmd.params:  # typer's options and arguments both carry a help
            if isinstance(getattr(param, "help", None), str) and param.help:
                param.help = _(param.help)
        cmd.get_help_option = _translated_help_option(cmd.get_help_option)
    return command


def _translated_help_option(make: Any) -> Any:
    """--help's own line ("Show this message and exit."), which click writes in English, in the reader's language."""

    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    return get_help_option


def usage_error(e: Any) -> str:
    """A mistake in how a command was typed, in the reader's language with what to type for help: click says
    these in English only, and they are the first thing a new admin meets."""
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption  # typer's own (pinned)

    text = e.format_message()
    if isinstance(e, BadParameter) and e.param is not None:
        name = (getattr(e.param, "opts", None) or [e.param.name])[0]
        if isinstance(e, MissingParameter):
            help_text = getattr(e.param, "help", None)
            said = _("{name} is missing").format(name=name) + (f" ({help_text})" if help_text else "")
        elif "integer" in text:
            said = _("{name} must be a whole number").format(name=name)
        else:
            said = _("The value given for {name} cannot be used").format(name=name)
    elif isinstance(e, NoSuchOption):
        said = _("There is no option {option}").format(option=e.option_name)
        if e.possibilities:
            said += " — " + _("did you mean {options}?").format(options=", ".join(sorted(e.possibilities)))
    elif match := re.match(r"No such command '([^']+)'", text):
        said = _("There is no command {name}").format(name=match.group(1))
        if guesses := re.findall(r"'([^']+)'", text.split("Did you mean", 1)[1]) if "Did you mean" in text else []:
            said += " — " + _("did you mean {options}?").format(options=", ".join(guesses))
    elif match := re.match(r"Got unexpected extra arguments? ?\(?s?\)? \((.+)\)", text):
        said = _("Too many words: {words}").format(words=match.group(1))
    else:
        said = text
    path = e.ctx.command_path if e.ctx is not None else "tidtam"
    return (
        _("Error: {message}").format(message=said)
        + "\n"
        + _("Type {command} --help to see how to use it.").format(command=path)
    )


def _subcommands(command: Any) -> list[Any]:
    found = []
    for sub in getattr(command, "commands", {}).values():
        found += [sub, *_subcommands(sub)]
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every failure into one readable line and an exit code."""
    from base.observe import configure_logging

    os.umask(0o077)  # the database, evidence, exports and logs: readable by this user only
    configure_logging(get_settings())
    if (argv if argv is not None else sys.argv[1:])[:1] not in (["run"], ["scheduler"]):
        logging.getLogger().setLevel(logging.WARNING)  # one-shot commands print results, not logs
    args = list(argv if argv is not None else sys.argv[1:])
    asked = args[args.index("--lang") + 1] if "--lang" in args[:-1] else None
    set_language(asked if asked in ("th", "en") else get_settings().tidtam_lang)
    command = translated(typer.main.get_command(app))
    from typer._click.exceptions import UsageError

    try:
        done = command.main(args=argv, prog_name="tidtam", standalone_mode=False)
        return done if isinstance(done, int) else 0  # typer.Exit(n) comes back as n
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except UsageError as e:
        if type(e).__name__ != "NoArgsIsHelpError":  # that one has printed the help already: nothing to add
            typer.echo(redact(usage_error(e)), err=True)
        return e.exit_code
    except typer.Abort:  # Ctrl-D at a question
        typer.echo(_("Stopped; nothing more was done."), err=True)
        return 1
    except UserError as e:
        typer.echo(redact(_("Error: {message}").format(message=e)), err=True)
        for detail in getattr(e, "errors", [])[:200]:
            typer.echo(f"  - {detail}", err=True)
        return 1
    except Exception as e:  # the last line of defence: a person never sees a traceback, nor a secret
        where = _log_unexpected(e)
        typer.echo(
            redact(_("Unexpected error ({kind}): {message}").format(kind=type(e).__name__, message=e))
            + (" — " + _("details in {path}").format(path=where) if where else ""),
            err=True,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
