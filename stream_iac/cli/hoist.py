"""Global options accepted after the subcommand too: `stream-iac plan -v STACK` is read as
`stream-iac -v plan STACK`, as users of terraform and kubectl expect.

Only the options of the top-level group move, and only when the subcommand has no option of the
same name (the emulator, which has its own `--api-key`, is left alone entirely); an option's
value and everything after `--` stay where they are."""

from __future__ import annotations

import click


def _option_names(params: list[click.Parameter]) -> tuple[set[str], set[str]]:
    """(names of options that take a value, names of flags) among `params`."""
    valued: set[str] = set()
    flags: set[str] = set()
    for param in params:
        if not isinstance(param, click.Option):
            continue
        names = set(param.opts) | set(param.secondary_opts)
        (flags if param.is_flag or param.count else valued).update(names)
    return valued, flags


def _split(arg: str) -> tuple[str, bool]:
    """An option's name, and whether its value is in the same word (`--timeout=5`)."""
    if arg.startswith("--") and "=" in arg:
        return arg.split("=", 1)[0], True
    return arg, False


def hoist_global_options(group: click.Group, ctx: click.Context, args: list[str]) -> list[str]:
    """`args` with the group's options found after the subcommand moved in front of it."""
    group_valued, group_flags = _option_names(group.params)  # not the help option: that stays where it is
    group_flags -= {"--version"}
    index = 0
    while index < len(args):
        name, inline = _split(args[index])
        if name == "--" or not name.startswith("-"):
            break
        index += 2 if name in group_valued and not inline else 1
    if index >= len(args) or args[index] == "--":
        return args
    command = group.get_command(ctx, args[index])
    if command is None or isinstance(command, click.Group) or command.context_settings.get("ignore_unknown_options"):
        return args
    own_valued, own_flags = _option_names(command.params)
    moved: list[str] = []
    rest: list[str] = []
    position = index + 1
    while position < len(args):
        arg = args[position]
        name, inline = _split(arg)
        if arg == "--":
            rest.extend(args[position:])
            break
        if name in own_valued or name in own_flags or not name.startswith("-"):
            takes_value = name in own_valued and not inline
            rest.extend(args[position:position + (2 if takes_value else 1)])
            position += 2 if takes_value else 1
        elif name in group_flags:
            moved.append(arg)
            position += 1
        elif name in group_valued:
            width = 1 if inline else 2
            moved.extend(args[position:position + width])
            position += width
        else:
            rest.append(arg)
            position += 1
    return [*args[:index], *moved, args[index], *rest]
